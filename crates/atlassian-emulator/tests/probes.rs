//! The answers a connection check ("doctor") can rely on when it probes the emulator without a user: the
//! authorize URL (unknown client, unregistered callback, scope not enabled, private app, all well), the token
//! endpoint with a deliberately invalid code, and the admin API that sets such apps up.

mod support;

use atlassian_emulator::{AppUpdate, Distribution, OAuthApp, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, REDIRECT_URI, assert_error_page};

const PROBE_CODE: &str = "vestibule-connection-check-not-a-code";

/// The `data-error` marker of an error page.
fn marker(html: &str) -> Option<&str> {
    let start = html.find("data-error=\"")? + "data-error=\"".len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

#[tokio::test]
async fn an_unknown_client_is_named_on_the_error_page() {
    let h = Harness::demo().await;
    let url = h.authorize_url("read:me", &[("client_id", "typo-client")]);
    let html =
        assert_error_page(h.get(&url).await, StatusCode::BAD_REQUEST, "Unknown client").await;
    assert_eq!(marker(&html), Some("unknown_client"));
    assert!(html.contains("<code data-testid=\"error-code\">invalid_request</code>"));
}

#[tokio::test]
async fn an_unregistered_callback_is_named_on_the_error_page() {
    let h = Harness::demo().await;
    let trailing_slash = format!("{REDIRECT_URI}/");
    let url = h.authorize_url("read:me", &[("redirect_uri", &trailing_slash)]);
    let html = assert_error_page(
        h.get(&url).await,
        StatusCode::BAD_REQUEST,
        "Callback URL mismatch",
    )
    .await;
    assert_eq!(marker(&html), Some("redirect_uri_mismatch"));
    // The unknown client is reported first, whatever the callback.
    let both = h.authorize_url(
        "read:me",
        &[
            ("client_id", "typo-client"),
            ("redirect_uri", &trailing_slash),
        ],
    );
    let html = assert_error_page(
        h.get(&both).await,
        StatusCode::BAD_REQUEST,
        "Unknown client",
    )
    .await;
    assert_eq!(marker(&html), Some("unknown_client"));
}

#[tokio::test]
async fn a_scope_the_app_has_not_enabled_is_invalid_scope_with_the_scopes_listed() {
    let h = Harness::demo().await;
    let url = h.authorize_url(
        "read:me write:jira-work manage:jira-project offline_access",
        &[],
    );
    let html = assert_error_page(
        h.get(&url).await,
        StatusCode::BAD_REQUEST,
        "write:jira-work",
    )
    .await;
    assert_eq!(marker(&html), Some("invalid_scope"));
    assert!(
        html.contains("data-invalid-scopes=\"write:jira-work manage:jira-project\""),
        "{html}"
    );
    assert!(html.contains("<code data-testid=\"error-code\">invalid_scope</code>"));
}

#[tokio::test]
async fn a_well_configured_app_gets_the_consent_page_with_its_distribution() {
    let h = Harness::demo().await;
    let url = h.authorize_url("read:me read:jira-work read:jira-user offline_access", &[]);
    let response = h.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(reqwest::header::LOCATION).is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"consent-page\""), "{html}");
    assert!(html.contains("data-distribution=\"sharing\""));
    assert!(marker(&html).is_none());
}

#[tokio::test]
async fn a_private_app_shows_it_on_the_consent_page_and_refuses_other_accounts() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new(
            "private-app",
            "private-secret",
            "Private app",
            demo::ACCOUNT_THREE_SITES,
        )
        .with_redirect_uri(REDIRECT_URI)
        .with_distribution(Distribution::Private),
    );
    let url = h.authorize_url("read:me", &[("client_id", "private-app")]);
    let page = h.open_consent(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("data-distribution=\"private\""));
    assert!(page.html.contains("data-testid=\"private-notice\""));

    let refused = h
        .submit_consent(&[
            ("pending", page.pending.as_str()),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    let html = assert_error_page(refused, StatusCode::FORBIDDEN, "only its owner").await;
    assert_eq!(marker(&html), Some("not_shared"));
    assert!(html.contains("<code data-testid=\"error-code\">access_denied</code>"));

    // Sharing it lets everyone in.
    h.control
        .update_app(
            "private-app",
            AppUpdate {
                distribution: Some(Distribution::Sharing),
                ..AppUpdate::default()
            },
        )
        .unwrap();
    let page = h.open_consent(&url).await;
    assert!(page.html.contains("data-distribution=\"sharing\""));
    assert!(!page.html.contains("private-notice"));
}

async fn token_probe(h: &Harness, client_id: &str, secret: &str) -> (StatusCode, Value) {
    let response = h
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("code", PROBE_CODE),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn an_invalid_code_tells_right_credentials_from_wrong_ones() {
    let h = Harness::demo().await;
    let (status, body) = token_probe(&h, demo::CLIENT_ID, demo::CLIENT_SECRET).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({ "error": "invalid_grant", "error_description": "Invalid authorization code" })
    );

    let unauthorized = json!({ "error": "access_denied", "error_description": "Unauthorized" });
    for (client_id, secret) in [
        (demo::CLIENT_ID, "secret-of-another-app"),
        (demo::CLIENT_ID, ""),
        ("typo-client", demo::CLIENT_SECRET),
    ] {
        let (status, body) = token_probe(&h, client_id, secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{client_id} / {secret}");
        assert_eq!(body, unauthorized);
    }
    // A probe issues nothing.
    assert_eq!(h.control.issued().access_tokens_issued, 0);
}

#[tokio::test]
async fn the_admin_api_creates_reads_and_changes_apps() {
    let h = Harness::demo().await;
    let created = h
        .http
        .post(h.url("/__admin/apps"))
        .json(&json!({
            "client_id": "doctor-app",
            "client_secret": "doctor-secret",
            "name": "Doctor app",
            "redirect_uris": ["https://auth.example.test/oauth/callback/"],
            "scopes": ["read:me"],
            "distribution": "private",
            "owner_account_id": demo::ACCOUNT_DEFAULT,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let read: Value = h
        .http
        .get(h.url("/__admin/apps/doctor-app"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["distribution"], "private");
    assert_eq!(read["scopes"], json!(["read:me"]));
    assert!(
        read.get("client_secret").is_none(),
        "the secret is never read back: {read}"
    );

    let patched = h
        .http
        .patch(h.url("/__admin/apps/doctor-app"))
        .json(&json!({
            "redirect_uris": [REDIRECT_URI],
            "scopes": ["read:me", "read:jira-work"],
            "distribution": "sharing",
            "client_secret": "rotated-secret",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["distribution"], "sharing");
    assert_eq!(patched["redirect_uris"], json!([REDIRECT_URI]));
    assert_eq!(patched["name"], "Doctor app");

    // The change is what the next probes see.
    let url = h.authorize_url("read:me read:jira-work", &[("client_id", "doctor-app")]);
    assert_eq!(h.get(&url).await.status(), StatusCode::OK);
    let (status, _) = token_probe(&h, "doctor-app", "doctor-secret").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = token_probe(&h, "doctor-app", "rotated-secret").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Refusals in the admin API's JSON shape.
    let unknown = h
        .http
        .patch(h.url("/__admin/apps/nobody"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"],
        "unknown_app"
    );
    let missing = h
        .http
        .get(h.url("/__admin/apps/nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let bad_uri = h
        .http
        .patch(h.url("/__admin/apps/doctor-app"))
        .json(&json!({ "redirect_uris": ["not a url"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_uri.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_uri.json::<Value>().await.unwrap()["error"],
        "invalid_redirect_uri"
    );
    let bad_distribution = h
        .http
        .patch(h.url("/__admin/apps/doctor-app"))
        .json(&json!({ "distribution": "public" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_distribution.status(), StatusCode::BAD_REQUEST);
}
