//! Unit tests of the store's rules, without HTTP.

use super::authorize::AUDIENCE;
use super::token::{IssuedTokens, UNKNOWN_REFRESH_TOKEN};
use super::*;
use crate::model::{AtlassianSite, Distribution};

const CLIENT: &str = "client-1";
const SECRET: &str = "secret-1";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn store() -> Store {
    let mut store = Store::default();
    store.register_app(
        OAuthApp::new(CLIENT, SECRET, "Test app", "owner")
            .with_redirect_uri(REDIRECT)
            .with_scopes(["read:me"]),
    );
    store.seed_account(
        AtlassianAccount::new("acc-1", "one@example.com", "One Person").with_site(
            AtlassianSite::new("site-1", "one", "https://one.atlassian.net"),
        ),
    );
    store
}

fn params(scope: &str) -> AuthorizeParams {
    AuthorizeParams {
        audience: Some(AUDIENCE.into()),
        client_id: Some(CLIENT.into()),
        scope: Some(scope.into()),
        redirect_uri: Some(REDIRECT.into()),
        state: Some("st".into()),
        response_type: Some("code".into()),
        ..AuthorizeParams::default()
    }
}

fn code_from(location: &str) -> String {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

fn tokens(store: &mut Store, scope: &str, now: SystemTime) -> IssuedTokens {
    let request = store.validate_authorization(&params(scope)).unwrap();
    let consent = Consent {
        account_id: "acc-1".into(),
        site_id: Some("site-1".into()),
    };
    let location = store.issue_code(&request, &consent, now).unwrap();
    store
        .token(
            &TokenRequest {
                grant_type: Some("authorization_code".into()),
                client_id: Some(CLIENT.into()),
                client_secret: Some(SECRET.into()),
                code: Some(code_from(&location)),
                redirect_uri: Some(REDIRECT.into()),
                ..TokenRequest::default()
            },
            now,
        )
        .unwrap()
}

fn refresh(store: &mut Store, token: &str, now: SystemTime) -> Result<IssuedTokens, TokenError> {
    store.token(
        &TokenRequest {
            grant_type: Some("refresh_token".into()),
            client_id: Some(CLIENT.into()),
            client_secret: Some(SECRET.into()),
            refresh_token: Some(token.into()),
            ..TokenRequest::default()
        },
        now,
    )
}

#[test]
fn scopes_are_deduplicated_and_offline_access_is_always_allowed() {
    let store = store();
    let request = store
        .validate_authorization(&params("read:me offline_access read:me"))
        .unwrap();
    assert_eq!(request.scopes, ["read:me", "offline_access"]);
    let err = store
        .validate_authorization(&params("read:me write:jira-work"))
        .unwrap_err();
    assert_eq!(err.error, "invalid_scope");
    assert!(err.description.contains("write:jira-work"));
}

#[test]
fn redirect_keeps_an_existing_query() {
    assert_eq!(
        redirect_with("http://x.test/cb?a=1", &[("code", "c d"), ("state", "s")]),
        "http://x.test/cb?a=1&code=c+d&state=s"
    );
}

#[test]
fn a_refresh_token_is_issued_only_with_offline_access() {
    let mut store = store();
    let now = SystemTime::now();
    assert!(tokens(&mut store, "read:me", now).refresh_token.is_none());
    assert!(
        tokens(&mut store, "read:me offline_access", now)
            .refresh_token
            .is_some()
    );
}

#[test]
fn rotation_supersedes_the_previous_token_and_reuse_after_the_leeway_revokes_the_family() {
    let mut store = store();
    let t0 = SystemTime::now();
    let first = tokens(&mut store, "read:me offline_access", t0)
        .refresh_token
        .unwrap();
    let second = refresh(&mut store, &first, t0)
        .unwrap()
        .refresh_token
        .unwrap();
    // Within the leeway the old token still works.
    let third = refresh(&mut store, &first, t0 + Duration::from_secs(60))
        .unwrap()
        .refresh_token
        .unwrap();
    // After it, the old token kills the family, including the newest token.
    let late = t0 + REFRESH_REUSE_LEEWAY + Duration::from_secs(1);
    assert_eq!(
        refresh(&mut store, &first, late).unwrap_err(),
        TokenError::InvalidGrant(UNKNOWN_REFRESH_TOKEN)
    );
    assert!(refresh(&mut store, &third, late).is_err());
    assert!(refresh(&mut store, &second, late).is_err());
    assert_eq!(store.issued().families_revoked, 1);
}

#[test]
fn a_private_app_accepts_only_its_owner() {
    let mut store = store();
    store.register_app(
        OAuthApp::new("private", "s", "Private app", "owner")
            .with_redirect_uri(REDIRECT)
            .with_distribution(Distribution::Private),
    );
    store.seed_account(AtlassianAccount::new("owner", "owner@example.com", "Owner"));
    let mut p = params("read:me");
    p.client_id = Some("private".into());
    let request = store.validate_authorization(&p).unwrap();
    let stranger = Consent {
        account_id: "acc-1".into(),
        site_id: Some("site-1".into()),
    };
    assert!(matches!(
        store.issue_code(&request, &stranger, SystemTime::now()),
        Err(ConsentError::NotShared { .. })
    ));
    let owner = Consent {
        account_id: "owner".into(),
        site_id: None,
    };
    assert!(
        store
            .issue_code(&request, &owner, SystemTime::now())
            .is_ok()
    );
}

#[test]
fn faults_are_handed_out_in_order_and_counted() {
    let mut store = store();
    store.inject_fault(Endpoint::Token, Fault::Status(500), 2);
    store.inject_fault(Endpoint::Token, Fault::HtmlBody, 1);
    assert_eq!(store.record_call(Endpoint::Token), Some(Fault::Status(500)));
    assert_eq!(store.record_call(Endpoint::Token), Some(Fault::Status(500)));
    assert_eq!(store.record_call(Endpoint::Token), Some(Fault::HtmlBody));
    assert_eq!(store.record_call(Endpoint::Token), None);
    assert_eq!(store.record_call(Endpoint::Me), None);
    assert_eq!(store.call_count(Endpoint::Token), 4);
    assert_eq!(store.call_count(Endpoint::Me), 1);
}
