//! `POST /auth/oauth/token` with `grant_type=authorization_code` over real HTTP: JSON and form bodies, the
//! code's single use, lifetime and binding, client authentication, and PKCE.

mod support;

use std::time::Duration;

use atlassian_emulator::{OAuthApp, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, REDIRECT_URI, access_token, query_param, refresh_token};

fn assert_token_response(tokens: &Value, scope: &str, with_refresh: bool) {
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], scope);
    let access = access_token(tokens);
    // 128 bits at least: 22 base64url characters.
    assert!(access.len() >= 22, "{access}");
    assert_eq!(
        tokens.get("refresh_token").is_some(),
        with_refresh,
        "{tokens}"
    );
    if with_refresh {
        let refresh = refresh_token(tokens);
        assert!(refresh.len() >= 22);
        assert_ne!(refresh, access);
    }
}

async fn assert_oauth_error(response: reqwest::Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
    body
}

#[tokio::test]
async fn a_code_is_exchanged_with_a_json_body() {
    let h = Harness::demo().await;
    let code = h
        .code(
            demo::ACCOUNT_DEFAULT,
            Some(demo::SITE_DEFAULT),
            "read:me offline_access",
        )
        .await;
    let response = h.exchange(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_token_response(&tokens, "read:me offline_access", true);
    assert_eq!(h.me(access_token(&tokens)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_is_exchanged_with_a_form_body() {
    let h = Harness::demo().await;
    let code = h
        .code(
            demo::ACCOUNT_DEFAULT,
            Some(demo::SITE_DEFAULT),
            "read:me offline_access",
        )
        .await;
    let response = h
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", demo::CLIENT_ID),
            ("client_secret", demo::CLIENT_SECRET),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    assert_token_response(&tokens, "read:me offline_access", true);
}

#[tokio::test]
async fn a_refresh_token_comes_only_with_offline_access() {
    let h = Harness::demo().await;
    let tokens = h
        .sign_in(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    assert_token_response(&tokens, "read:me", false);
    let issued = h.control.issued();
    assert_eq!(issued.access_tokens_issued, 1);
    assert_eq!(issued.refresh_tokens_issued, 0);
}

#[tokio::test]
async fn tokens_are_random_and_distinct() {
    let h = Harness::demo().await;
    let a = h
        .sign_in(
            demo::ACCOUNT_DEFAULT,
            Some(demo::SITE_DEFAULT),
            "read:me offline_access",
        )
        .await;
    let b = h
        .sign_in(
            demo::ACCOUNT_DEFAULT,
            Some(demo::SITE_DEFAULT),
            "read:me offline_access",
        )
        .await;
    assert_ne!(access_token(&a), access_token(&b));
    assert_ne!(refresh_token(&a), refresh_token(&b));
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_tokens_issued_from_it() {
    let h = Harness::demo().await;
    let code = h
        .code(
            demo::ACCOUNT_DEFAULT,
            Some(demo::SITE_DEFAULT),
            "read:me offline_access",
        )
        .await;
    let tokens: Value = h.exchange(&code).await.json().await.unwrap();
    assert_eq!(h.me(access_token(&tokens)).await.status(), StatusCode::OK);

    let replay = h.exchange(&code).await;
    let body = assert_oauth_error(replay, StatusCode::FORBIDDEN, "invalid_grant").await;
    assert_eq!(body["error_description"], "Invalid authorization code");

    assert_eq!(
        h.me(access_token(&tokens)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_oauth_error(
        h.refresh(refresh_token(&tokens)).await,
        StatusCode::FORBIDDEN,
        "invalid_grant",
    )
    .await;
    let issued = h.control.issued();
    assert_eq!(issued.codes_redeemed, 1);
    assert_eq!(issued.families_revoked, 1);
}

#[tokio::test]
async fn a_code_lives_ten_minutes_by_the_virtual_clock() {
    let h = Harness::demo().await;
    let fresh = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    let stale = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    h.control.advance_clock(Duration::from_secs(9 * 60));
    assert_eq!(h.exchange(&fresh).await.status(), StatusCode::OK);
    h.control.advance_clock(Duration::from_secs(61));
    assert_oauth_error(
        h.exchange(&stale).await,
        StatusCode::FORBIDDEN,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_redirect_uri() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new("other-app", "other-secret", "Other", demo::ACCOUNT_DEFAULT)
            .with_redirect_uri(REDIRECT_URI),
    );
    h.control
        .add_redirect_uri(demo::CLIENT_ID, "http://127.0.0.1:9/second")
        .unwrap();
    let code = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;

    let other_client = h
        .token_json(json!({
            "grant_type": "authorization_code",
            "client_id": "other-app",
            "client_secret": "other-secret",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        }))
        .await;
    assert_oauth_error(other_client, StatusCode::FORBIDDEN, "invalid_grant").await;

    let other_redirect = h
        .token_json(json!({
            "grant_type": "authorization_code",
            "client_id": demo::CLIENT_ID,
            "client_secret": demo::CLIENT_SECRET,
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/second",
        }))
        .await;
    let body = assert_oauth_error(other_redirect, StatusCode::FORBIDDEN, "invalid_grant").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uri")
    );

    // Neither attempt used the code up.
    assert_eq!(h.exchange(&code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_refused_the_way_atlassian_refuses_it() {
    let h = Harness::demo().await;
    let code = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    let expected = json!({ "error": "access_denied", "error_description": "Unauthorized" });
    let attempts = [
        json!({ "grant_type": "authorization_code", "client_id": demo::CLIENT_ID, "client_secret": "wrong",
                "code": code, "redirect_uri": REDIRECT_URI }),
        json!({ "grant_type": "authorization_code", "client_id": demo::CLIENT_ID,
                "code": code, "redirect_uri": REDIRECT_URI }),
        json!({ "grant_type": "authorization_code", "client_id": "unknown", "client_secret": demo::CLIENT_SECRET,
                "code": code, "redirect_uri": REDIRECT_URI }),
    ];
    for attempt in attempts {
        let response = h.token_json(attempt).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<Value>().await.unwrap(), expected);
    }
    // Credentials in an HTTP Basic header only are not read.
    let basic = h
        .http
        .post(h.url("/auth/oauth/token"))
        .basic_auth(demo::CLIENT_ID, Some(demo::CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    // The code survived the failed attempts.
    assert_eq!(h.exchange(&code).await.status(), StatusCode::OK);
}

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn pkce_code(h: &Harness) -> String {
    let url = h.authorize_url(
        "read:me",
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    h.code_via(&url, demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT))
        .await
}

async fn exchange_with_verifier(
    h: &Harness,
    code: &str,
    verifier: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({
        "grant_type": "authorization_code",
        "client_id": demo::CLIENT_ID,
        "client_secret": demo::CLIENT_SECRET,
        "code": code,
        "redirect_uri": REDIRECT_URI,
    });
    if let Some(verifier) = verifier {
        body["code_verifier"] = json!(verifier);
    }
    h.token_json(body).await
}

#[tokio::test]
async fn pkce_with_the_right_verifier_succeeds() {
    let h = Harness::demo().await;
    let code = pkce_code(&h).await;
    let response = exchange_with_verifier(&h, &code, Some(VERIFIER)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn pkce_with_a_wrong_verifier_fails_without_burning_the_code() {
    let h = Harness::demo().await;
    let code = pkce_code(&h).await;
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX";
    let body = assert_oauth_error(
        exchange_with_verifier(&h, &code, Some(wrong)).await,
        StatusCode::FORBIDDEN,
        "invalid_grant",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier")
    );
    assert_eq!(
        exchange_with_verifier(&h, &code, Some(VERIFIER))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn pkce_without_the_verifier_fails() {
    let h = Harness::demo().await;
    let code = pkce_code(&h).await;
    let body = assert_oauth_error(
        exchange_with_verifier(&h, &code, None).await,
        StatusCode::FORBIDDEN,
        "invalid_grant",
    )
    .await;
    assert_eq!(body["error_description"], "Missing code_verifier");
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_fails() {
    let h = Harness::demo().await;
    let code = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    assert_oauth_error(
        exchange_with_verifier(&h, &code, Some(VERIFIER)).await,
        StatusCode::FORBIDDEN,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn malformed_token_requests_are_invalid_requests() {
    let h = Harness::demo().await;
    let unsupported = h
        .token_json(
            json!({ "grant_type": "client_credentials", "client_id": demo::CLIENT_ID,
                            "client_secret": demo::CLIENT_SECRET }),
        )
        .await;
    assert_oauth_error(
        unsupported,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    )
    .await;

    let no_code = h
        .token_json(
            json!({ "grant_type": "authorization_code", "client_id": demo::CLIENT_ID,
                            "client_secret": demo::CLIENT_SECRET, "redirect_uri": REDIRECT_URI }),
        )
        .await;
    assert_oauth_error(no_code, StatusCode::BAD_REQUEST, "invalid_request").await;

    let text = h
        .http
        .post(h.url("/auth/oauth/token"))
        .header("content-type", "text/plain")
        .body("grant_type=authorization_code")
        .send()
        .await
        .unwrap();
    assert_oauth_error(text, StatusCode::BAD_REQUEST, "invalid_request").await;

    let broken_json = h
        .http
        .post(h.url("/auth/oauth/token"))
        .header("content-type", "application/json")
        .body("{\"grant_type\": ")
        .send()
        .await
        .unwrap();
    assert_oauth_error(broken_json, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn a_redirect_uri_with_its_own_query_keeps_it() {
    let h = Harness::demo().await;
    let with_query = "http://127.0.0.1:9/cb?tenant=acme";
    h.control
        .add_redirect_uri(demo::CLIENT_ID, with_query)
        .unwrap();
    let page = h
        .open_consent(&h.authorize_url("read:me", &[("redirect_uri", with_query)]))
        .await;
    let response = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    let location = support::location(&response);
    assert!(
        location.starts_with("http://127.0.0.1:9/cb?tenant=acme&code="),
        "{location}"
    );
    let code = query_param(&location, "code").unwrap();
    let response = h
        .token_json(json!({ "grant_type": "authorization_code", "client_id": demo::CLIENT_ID,
                            "client_secret": demo::CLIENT_SECRET, "code": code, "redirect_uri": with_query }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}
