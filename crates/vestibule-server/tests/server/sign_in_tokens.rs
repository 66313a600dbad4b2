//! Sign-in tokens (tickets) on the backend API, and `login_hint` on a development start:
//! what a developer's own headless tests use to sign in.

use std::time::Duration;

use atlassian_emulator::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vestibule_core::sign_in_token::ACCEPT_PATH;

use crate::common::{
    Browser, TestServer, atlassian, captured_logs, consent_as, error_of, location, path_of,
};

/// Signs a fresh browser in as `account_id` through the real flow; the new user's id.
async fn user_for(server: &TestServer, account_id: &str) -> String {
    consent_as(&server.control(), account_id);
    let browser = Browser::new();
    browser.sign_in(server, "intent=sign_in").await;
    browser
        .client_state(server)
        .await
        .user
        .expect("signed in")
        .id
}

async fn create_token(server: &TestServer, key: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = server
        .http
        .post(server.url("/v1/sign_in_tokens"))
        .json(&body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap()
}

/// A ticket's URL for `user_id`, made with the instance's secret key.
async fn ticket(server: &TestServer, body: Value) -> Value {
    let response = create_token(server, Some(&server.secret_key), body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Where visiting `url` in a fresh browser lands, and who that browser is then signed in as.
async fn visit(server: &TestServer, url: &str) -> (String, Option<String>) {
    let browser = Browser::new();
    let response = browser.get(url).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{url}");
    let landed = location(&response);
    let user = browser.client_state(server).await.user.map(|u| u.id);
    (landed, user)
}

#[tokio::test]
async fn a_ticket_signs_a_browser_in_once_and_is_stored_hashed() {
    let server = TestServer::development().await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;

    let made = ticket(
        &server,
        json!({"user_id": user_id, "expires_in_seconds": 120, "redirect_url": "https://allowed.test/after"}),
    )
    .await;
    let token = made["token"].as_str().unwrap();
    let url = made["url"].as_str().unwrap();
    assert_eq!(made["user_id"], user_id.as_str());
    assert!(url.starts_with(&server.url(ACCEPT_PATH)), "{url}");
    assert!(url.ends_with(token));
    assert!(made["expires_at"].as_i64().unwrap() > 0);

    // Only the token's hash is in the database.
    let row: (String, String) =
        sqlx::query_as("SELECT token_hash, requested_by FROM sign_in_tokens WHERE id = $1")
            .bind(made["id"].as_str().unwrap())
            .fetch_one(crate::common::sqlite(&server.server.state.db))
            .await
            .unwrap();
    assert_ne!(row.0, token);
    assert_eq!(row.0, vestibule_server::crypto::sha256_hex(token));
    assert!(row.1.starts_with("secret key "), "{}", row.1);

    // The first visit signs in and goes where the ticket said.
    let (landed, signed_in_as) = visit(&server, url).await;
    assert_eq!(landed, "https://allowed.test/after");
    assert_eq!(signed_in_as.as_deref(), Some(user_id.as_str()));

    // The second visit is refused and signs nobody in.
    let (landed, signed_in_as) = visit(&server, url).await;
    assert_eq!(path_of(&landed), "/sign-in");
    assert_eq!(error_of(&landed).as_deref(), Some("sign_in_token_invalid"));
    assert_eq!(signed_in_as, None);

    // Logged with who asked and who used it, never with the token.
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    let created = logs
        .lines()
        .find(|l| l.contains("sign-in token created") && l.contains(made["id"].as_str().unwrap()))
        .expect("a log line for the new token");
    assert!(
        created.contains("requested_by") && created.contains("secret key"),
        "{created}"
    );
    assert!(logs.contains("signed in with a sign-in token"));
    assert!(logs.contains("this sign-in token was already used"));
    assert!(!logs.contains(token), "the token reached the log");
    server.shutdown().await;
}

#[tokio::test]
async fn a_ticket_is_refused_after_it_expires() {
    let server = TestServer::development().await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;
    let made = ticket(
        &server,
        json!({"user_id": user_id, "expires_in_seconds": 60}),
    )
    .await;
    server.server.state.clock.advance(Duration::from_secs(61));
    let (landed, signed_in_as) = visit(&server, made["url"].as_str().unwrap()).await;
    assert_eq!(error_of(&landed).as_deref(), Some("sign_in_token_invalid"));
    assert_eq!(signed_in_as, None);
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    assert!(logs.contains("this sign-in token has expired"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_ticket_is_refused_by_another_instance() {
    let server = TestServer::development().await;
    let atlassian = atlassian().await;
    let other = TestServer::production(&atlassian).await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;
    let made = ticket(&server, json!({"user_id": user_id})).await;
    let token = made["token"].as_str().unwrap();

    let foreign = format!("{}?token={token}", other.url(ACCEPT_PATH));
    let (landed, signed_in_as) = visit(&other, &foreign).await;
    assert_eq!(landed, other.url("/sign-in?error=sign_in_token_invalid"));
    assert_eq!(signed_in_as, None);
    // Nor does the other instance's secret key make tickets for this one's users.
    let refused = create_token(&other, Some(&other.secret_key), json!({"user_id": user_id})).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    // The ticket still works where it was made: the foreign visit did not spend it.
    let (_, signed_in_as) = visit(&server, made["url"].as_str().unwrap()).await;
    assert_eq!(signed_in_as.as_deref(), Some(user_id.as_str()));
    server.shutdown().await;
    other.shutdown().await;
    atlassian.shutdown().await;
}

#[tokio::test]
async fn a_ticket_needs_the_secret_key_and_a_live_user() {
    let server = TestServer::development().await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;
    let body = json!({"user_id": user_id});

    for key in [None, Some("sk_test_wrong"), Some("")] {
        let refused = create_token(&server, key, body.clone()).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{key:?}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["code"], "invalid_secret_key");
    }
    // A signed-in browser's session cookie is no secret key either.
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    browser.sign_in(&server, "intent=sign_in").await;
    let refused = browser
        .http
        .post(server.url("/v1/sign_in_tokens"))
        .header("origin", server.url(""))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // A user that does not exist (deleted, or never signed in) gets no ticket.
    let refused = create_token(
        &server,
        Some(&server.secret_key),
        json!({"user_id": "user_doesnotexist"}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("not_found"), Some("user_id"))
    );

    // A deleted user's tickets go with them.
    let made = ticket(&server, body.clone()).await;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(&user_id)
        .execute(crate::common::sqlite(&server.server.state.db))
        .await
        .unwrap();
    let (landed, signed_in_as) = visit(&server, made["url"].as_str().unwrap()).await;
    assert_eq!(error_of(&landed).as_deref(), Some("sign_in_token_invalid"));
    assert_eq!(signed_in_as, None);
    server.shutdown().await;
}

#[tokio::test]
async fn ticket_requests_with_bad_fields_say_which() {
    let server = TestServer::development().await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;
    let cases = [
        (
            json!({"user_id": user_id, "expires_in_seconds": 601}),
            "invalid_field",
            Some("expires_in_seconds"),
        ),
        (
            json!({"user_id": user_id, "expires_in_seconds": 0}),
            "invalid_field",
            Some("expires_in_seconds"),
        ),
        (
            json!({"user_id": user_id, "redirect_url": "https://evil.test/"}),
            "invalid_redirect_url",
            Some("redirect_url"),
        ),
        (
            json!({"user_id": user_id, "redirect_url": "//evil.test"}),
            "invalid_redirect_url",
            Some("redirect_url"),
        ),
        (json!({"user": user_id}), "invalid_body", None),
        (
            json!({"user_id": user_id, "admin": true}),
            "invalid_body",
            None,
        ),
    ];
    for (body, code, field) in cases {
        let refused = create_token(&server, Some(&server.secret_key), body.clone()).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["code"], code, "{body}");
        assert_eq!(error["field"].as_str(), field, "{body}");
    }
    assert_eq!(server.count("sign_in_tokens").await, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn users_are_found_by_email() {
    let server = TestServer::development().await;
    let user_id = user_for(&server, demo::ACCOUNT_DEFAULT).await;
    let found: Value = server
        .admin_get("/v1/users?email=MARA.jensen@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["users"].as_array().unwrap().len(), 1);
    assert_eq!(found["users"][0]["id"], user_id.as_str());
    let none: Value = server
        .admin_get("/v1/users?email=nobody@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["users"], json!([]));
    let missing = server.admin_get("/v1/users").await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let refused = server
        .http
        .get(server.url("/v1/users?email=mara.jensen@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}

#[tokio::test]
async fn login_hint_skips_the_consent_page_of_a_development_instance() {
    let server = TestServer::development().await;
    let browser = Browser::new();
    let authorize = browser
        .start(
            &server,
            &format!("intent=sign_in&login_hint={}", demo::EMAIL_THREE_SITES),
        )
        .await;
    let hint = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "login_hint")
        .map(|(_, v)| v.into_owned());
    assert_eq!(hint.as_deref(), Some(demo::EMAIL_THREE_SITES));
    // No auto consent was set by the test: the hint alone answers with a code.
    let landed = browser.callback(&browser.consent(&authorize).await).await;
    assert_eq!(landed, server.url("/user"));
    let user = browser.client_state(&server).await.user.unwrap();
    assert_eq!(user.email.as_deref(), Some(demo::EMAIL_THREE_SITES));

    // Without a hint the consent page shows as before.
    let page = Browser::new()
        .get(&Browser::new().start(&server, "intent=sign_in").await)
        .await;
    assert_eq!(page.status(), StatusCode::OK);

    // A hint that cannot be an e-mail or account id is refused clearly.
    let r = Browser::new()
        .get(&server.url("/v1/oauth/atlassian/start?login_hint=a%20b"))
        .await;
    assert_eq!(location(&r), server.url("/sign-in?error=invalid_field"));
    server.shutdown().await;
}

#[tokio::test]
async fn login_hint_is_ignored_by_a_production_instance() {
    let atlassian = atlassian().await;
    let control = atlassian.control();
    // Even a provider that would honour the hint never hears it from production.
    control.set_auto_consent_by_login_hint(true);
    let server = TestServer::production(&atlassian).await;
    server.register_production_app(&control).await;

    let browser = Browser::new();
    let authorize = browser
        .start(
            &server,
            &format!("intent=sign_in&login_hint={}", demo::EMAIL_DEFAULT),
        )
        .await;
    assert!(!authorize.contains("login_hint"), "{authorize}");
    let page = browser.get(&authorize).await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the consent page, not a redirect"
    );
    assert!(page.text().await.unwrap().contains("consent-page"));
    // A malformed hint is not even read.
    let r = Browser::new()
        .get(&server.url("/v1/oauth/atlassian/start?login_hint=a%20b"))
        .await;
    assert!(location(&r).starts_with(&atlassian.auth_base_url()));
    server.shutdown().await;
    atlassian.shutdown().await;
}

#[tokio::test]
async fn a_banned_user_has_no_session_gets_no_ticket_and_cannot_sign_in() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    browser.sign_in(&server, "intent=sign_in").await;
    let user_id = browser.client_state(&server).await.user.unwrap().id;
    let earlier = ticket(&server, json!({"user_id": user_id})).await;

    let banned = server
        .admin_post(&format!("/v1/users/{user_id}/ban"), json!({}))
        .await;
    assert_eq!(banned.status(), StatusCode::OK);
    // Her session ended with the ban.
    assert!(browser.client_state(&server).await.user.is_none());
    // No new ticket, and the earlier one is refused.
    let refused = create_token(
        &server,
        Some(&server.secret_key),
        json!({"user_id": user_id}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "user_banned"
    );
    let (landed, signed_in_as) = visit(&server, earlier["url"].as_str().unwrap()).await;
    assert_eq!(error_of(&landed).as_deref(), Some("user_banned"));
    assert_eq!(signed_in_as, None);
    // Nor does Atlassian sign her in.
    let again = Browser::new();
    let landed = again.sign_in(&server, "intent=sign_in").await;
    assert_eq!(error_of(&landed).as_deref(), Some("user_banned"));
    assert!(again.client_state(&server).await.user.is_none());

    // Unbanned, both work again; the refused ticket was not spent.
    let unbanned = server
        .admin_post(&format!("/v1/users/{user_id}/unban"), json!({}))
        .await;
    assert_eq!(unbanned.status(), StatusCode::OK);
    let (_, signed_in_as) = visit(&server, earlier["url"].as_str().unwrap()).await;
    assert_eq!(signed_in_as.as_deref(), Some(user_id.as_str()));
    assert_eq!(
        Browser::new().sign_in(&server, "intent=sign_in").await,
        server.url("/user")
    );
    // Only with the secret key, and only for a user that exists.
    let no_key = server
        .http
        .post(server.url(&format!("/v1/users/{user_id}/ban")))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let unknown = server
        .admin_post("/v1/users/user_nobody/ban", json!({}))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}
