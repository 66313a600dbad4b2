//! Sign in with Atlassian end to end on a development instance and its emulator.

use atlassian_emulator::{AutoConsent, Endpoint, demo};
use reqwest::{Method, StatusCode};
use serde_json::json;
use url::Url;
use vestibule_core::api::ClientState;

use crate::common::{Browser, TestServer, consent_as, error_of, path_of};

#[tokio::test]
async fn zero_config_development_sign_in() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();

    // The start redirects to the emulator's authorize URL with everything Atlassian requires.
    let authorize = browser.start(&server, "intent=sign_in").await;
    let url = Url::parse(&authorize).unwrap();
    assert!(authorize.starts_with(&server.emulator().auth_base_url()));
    assert_eq!(url.path(), "/auth/authorize");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["audience"], "api.atlassian.com");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], demo::CLIENT_ID);
    assert_eq!(q["scope"], "read:me offline_access");
    assert_eq!(q["redirect_uri"], server.url("/v1/oauth_callback"));
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 22, "state carries at least 128 bits");
    let flow_cookie = browser.cookies_for(&server.url("/"));
    assert!(flow_cookie.contains("vst_oauth_flow_"));

    let callback = browser.consent(&authorize).await;
    let landed = browser.callback(&callback).await;
    assert_eq!(landed, server.url("/user"));

    let state = browser.client_state(&server).await;
    let user = state.user.expect("signed in");
    let session = state.session.expect("a session");
    assert!(session.current);
    assert_eq!(session.user_agent.as_deref(), Some("TestBrowser/1.0"));
    assert_eq!(user.email.as_deref(), Some(demo::EMAIL_DEFAULT));
    assert_eq!(user.name.as_deref(), Some("Mara Jensen"));
    assert!(user.email_verified);
    assert_eq!(user.external_accounts.len(), 1);
    let account = &user.external_accounts[0];
    assert_eq!(account.provider_account_id, demo::ACCOUNT_DEFAULT);
    let site = account.site.as_ref().expect("the authorized site");
    assert_eq!(site.id, demo::SITE_DEFAULT);
    assert_eq!(site.url, "https://northwind.atlassian.net");
    assert!(account.scopes.contains(&"read:me".to_owned()));
    assert!(!account.reconnect_needed);
    // The flow cookie is gone; no token reaches the browser.
    assert!(
        !browser
            .cookies_for(&server.url("/"))
            .contains("vst_oauth_flow_")
    );
    let raw = browser
        .get(&server.url("/v1/client"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!raw.contains("token"), "{raw}");

    assert_eq!(server.counts().await, (1, 1, 1));
    server.shutdown().await;
}

#[tokio::test]
async fn sign_in_for_an_unknown_account_signs_up_and_sign_up_for_a_known_one_signs_in() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_THREE_SITES);

    // "Sign in" with an account Vestibule has never seen: transferred to a sign-up.
    let first = Browser::new();
    assert_eq!(
        first.sign_in(&server, "intent=sign_in").await,
        server.url("/user")
    );
    let user_id = first.client_state(&server).await.user.unwrap().id;
    assert_eq!(server.counts().await, (1, 1, 1));

    // "Sign up" again with the same account, in another browser: the same user signs in.
    let second = Browser::new();
    assert_eq!(
        second.sign_in(&server, "intent=sign_up").await,
        server.url("/user")
    );
    let again = second.client_state(&server).await.user.unwrap();
    assert_eq!(again.id, user_id);
    assert_eq!(again.external_accounts.len(), 1);
    assert_eq!(server.counts().await, (1, 1, 2));
    server.shutdown().await;
}

#[tokio::test]
async fn users_are_keyed_by_account_id_not_email() {
    let server = TestServer::development().await;
    let control = server.control();
    // Another Atlassian account with Mara's e-mail address.
    control.seed_account(
        atlassian_emulator::AtlassianAccount::new(
            "557058:lookalike",
            demo::EMAIL_DEFAULT,
            "Not Mara",
        )
        .with_site(atlassian_emulator::AtlassianSite::new(
            "site-x",
            "x",
            "https://x.atlassian.net",
        )),
    );
    consent_as(&control, demo::ACCOUNT_DEFAULT);
    Browser::new().sign_in(&server, "intent=sign_in").await;
    consent_as(&control, "557058:lookalike");
    let b = Browser::new();
    b.sign_in(&server, "intent=sign_in").await;
    assert_eq!(
        b.client_state(&server).await.user.unwrap().name.as_deref(),
        Some("Not Mara")
    );
    assert_eq!(server.count("users").await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn connect_attaches_a_second_account_and_refuses_one_taken() {
    let server = TestServer::development().await;
    let control = server.control();

    // Priya has an account of her own.
    consent_as(&control, demo::ACCOUNT_THREE_SITES);
    let priya = Browser::new();
    priya.sign_in(&server, "intent=sign_in").await;

    consent_as(&control, demo::ACCOUNT_DEFAULT);
    let mara = Browser::new();
    mara.sign_in(&server, "intent=sign_in").await;
    let user_id = mara.client_state(&server).await.user.unwrap().id;

    // Connect needs a session.
    let anonymous = Browser::new();
    let refused = anonymous
        .get(&server.url("/v1/oauth/atlassian/start?intent=connect"))
        .await;
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        error_of(&crate::common::location(&refused)).as_deref(),
        Some("unauthenticated")
    );

    // Lena's account joins Mara's user.
    control.set_auto_consent(Some(AutoConsent::new(demo::ACCOUNT_UNVERIFIED)));
    let landed = mara.sign_in(&server, "intent=connect").await;
    assert_eq!(landed, server.url("/user"));
    let user = mara.client_state(&server).await.user.unwrap();
    assert_eq!(user.id, user_id);
    assert_eq!(user.external_accounts.len(), 2);
    let lena = user
        .external_accounts
        .iter()
        .find(|a| a.provider_account_id == demo::ACCOUNT_UNVERIFIED)
        .unwrap();
    assert!(
        !lena.email_verified,
        "Atlassian's verification is kept per account"
    );
    // The user's profile still comes from the account they signed up with.
    assert_eq!(user.email.as_deref(), Some(demo::EMAIL_DEFAULT));
    assert_eq!(server.counts().await, (2, 3, 2));

    // Priya's account belongs to Priya: connecting it to Mara is refused, on the profile page.
    consent_as(&control, demo::ACCOUNT_THREE_SITES);
    let landed = mara.sign_in(&server, "intent=connect").await;
    assert_eq!(path_of(&landed), "/user");
    assert_eq!(error_of(&landed).as_deref(), Some("external_account_taken"));
    assert_eq!(
        mara.client_state(&server)
            .await
            .user
            .unwrap()
            .external_accounts
            .len(),
        2
    );
    assert_eq!(server.counts().await, (2, 3, 2));

    // Disconnecting: one of two is fine, the last one is refused.
    let eac = lena.id.clone();
    let gone = mara
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/external_accounts/{eac}"),
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let last = mara
        .client_state(&server)
        .await
        .user
        .unwrap()
        .external_accounts[0]
        .id
        .clone();
    let refused = mara
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/external_accounts/{last}"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "last_external_account");
    // Priya's account is not Mara's to disconnect.
    let priyas = priya
        .client_state(&server)
        .await
        .user
        .unwrap()
        .external_accounts[0]
        .id
        .clone();
    let not_hers = mara
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/external_accounts/{priyas}"),
        )
        .await;
    assert_eq!(not_hers.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

async fn expect_refusal(server: &TestServer, account_id: &str, code: &str) {
    consent_as(&server.control(), account_id);
    let browser = Browser::new();
    let landed = browser.sign_in(server, "intent=sign_in").await;
    assert_eq!(path_of(&landed), "/sign-in", "{landed}");
    assert_eq!(error_of(&landed).as_deref(), Some(code));
    assert_eq!(browser.client_state(server).await, ClientState::default());
    assert_eq!(
        server.counts().await,
        (0, 0, 0),
        "nothing stored for {code}"
    );
}

#[tokio::test]
async fn an_account_without_a_site_is_refused() {
    let server = TestServer::development().await;
    expect_refusal(&server, demo::ACCOUNT_NO_SITE, "no_atlassian_site").await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_closed_account_is_refused() {
    let server = TestServer::development().await;
    expect_refusal(&server, demo::ACCOUNT_CLOSED, "account_inactive").await;
    server.shutdown().await;
}

#[tokio::test]
async fn declining_consent_lands_on_the_sign_in_page_with_access_denied() {
    let server = TestServer::development().await;
    let browser = Browser::new();
    let authorize = browser.start(&server, "intent=sign_in").await;
    // The emulator's Cancel answers redirect_uri?error=access_denied&state=...
    let state = Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let callback = format!(
        "{}?error=access_denied&error_description=User%20did%20not%20authorize&state={state}",
        server.url("/v1/oauth_callback")
    );
    let landed = browser.callback(&callback).await;
    assert_eq!(landed, server.url("/sign-in?error=access_denied"));
    assert_eq!(server.counts().await, (0, 0, 0));
    assert_eq!(server.control().call_count(Endpoint::Token), 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_disabled_connection_is_hidden_and_refuses_sign_in_but_not_connect() {
    let server = TestServer::development().await;
    let control = server.control();
    consent_as(&control, demo::ACCOUNT_DEFAULT);
    let mara = Browser::new();
    mara.sign_in(&server, "intent=sign_in").await;

    let id = server.connection_id().await;
    let patched = server
        .admin_patch(
            &format!("/v1/admin/connections/{id}"),
            json!({"enabled_for_sign_in": false}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);

    let env: serde_json::Value = server
        .http
        .get(server.url("/v1/environment"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(env["connections"], json!([]));

    for intent in ["sign_in", "sign_up"] {
        let response = Browser::new()
            .get(&server.url(&format!("/v1/oauth/atlassian/start?intent={intent}")))
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            crate::common::location(&response),
            server.url("/sign-in?error=connection_disabled")
        );
    }

    consent_as(&control, demo::ACCOUNT_UNVERIFIED);
    assert_eq!(
        mara.sign_in(&server, "intent=connect").await,
        server.url("/user")
    );
    assert_eq!(
        mara.client_state(&server)
            .await
            .user
            .unwrap()
            .external_accounts
            .len(),
        2
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_provider_or_intent_lands_on_the_sign_in_page() {
    let server = TestServer::development().await;
    let b = Browser::new();
    let r = b.get(&server.url("/v1/oauth/github/start")).await;
    assert_eq!(
        crate::common::location(&r),
        server.url("/sign-in?error=unknown_provider")
    );
    let r = b
        .get(&server.url("/v1/oauth/atlassian/start?intent=hack"))
        .await;
    assert_eq!(
        crate::common::location(&r),
        server.url("/sign-in?error=invalid_field")
    );
    server.shutdown().await;
}
