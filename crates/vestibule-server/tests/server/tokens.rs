//! The backend API's access tokens: single-flight refresh with rotation, and reconnect_needed.

use std::time::Duration;

use atlassian_emulator::{Endpoint, Fault, demo};
use reqwest::StatusCode;
use serde_json::Value;
use vestibule_core::api::{OAuthAccessToken, User};

use crate::common::{Browser, TestServer, consent_as, sqlite};

async fn signed_in_user(server: &TestServer) -> User {
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    browser.sign_in(server, "").await;
    browser.client_state(server).await.user.unwrap()
}

async fn expire_access_tokens(server: &TestServer) {
    sqlx::query("UPDATE external_accounts SET access_token_expires_at = $1")
        .bind(server.server.state.clock.now() + 30)
        .execute(sqlite(&server.server.state.db))
        .await
        .unwrap();
}

async fn token(server: &TestServer, user_id: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(&format!(
            "/v1/users/{user_id}/oauth_access_tokens/atlassian"
        )))
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_backend_reads_users_and_their_tokens() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    let fetched: User = server
        .http
        .get(server.url(&format!("/v1/users/{}", user.id)))
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, user);

    let first: OAuthAccessToken = token(&server, &user.id).await.json().await.unwrap();
    let second: OAuthAccessToken = token(&server, &user.id).await.json().await.unwrap();
    assert_eq!(first.token, second.token, "a fresh token is not refreshed");
    assert_eq!(first.site_id.as_deref(), Some(demo::SITE_DEFAULT));
    assert_eq!(first.external_account_id, user.external_accounts[0].id);
    assert!(first.expires_at > server.server.state.clock.now() + 3000);
    assert_eq!(server.control().call_count(Endpoint::Token), 1);

    let missing = token(&server, "user_nobody").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let by_account = |id: &str| {
        server
            .http
            .get(server.url(&format!(
                "/v1/users/{}/oauth_access_tokens/atlassian",
                user.id
            )))
            .query(&[("external_account_id", id)])
            .bearer_auth(&server.secret_key)
            .send()
    };
    let named: OAuthAccessToken = by_account(&first.external_account_id)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(named.token, first.token);
    let other = by_account("eac_someone_else").await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_requests_share_one_refresh() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    let control = server.control();
    let before: OAuthAccessToken = token(&server, &user.id).await.json().await.unwrap();
    expire_access_tokens(&server).await;
    // Slow the refresh down so that all fifty arrive while it is in flight.
    control.inject_fault(Endpoint::Token, Fault::Delay(Duration::from_millis(300)), 1);

    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let http = server.http.clone();
        let url = server.url(&format!(
            "/v1/users/{}/oauth_access_tokens/atlassian",
            user.id
        ));
        let key = server.secret_key.clone();
        requests.spawn(async move {
            let response = http.get(url).bearer_auth(key).send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        });
    }
    let mut tokens = std::collections::HashSet::new();
    for (status, body) in requests.join_all().await {
        assert_eq!(status, StatusCode::OK, "{body}");
        let t: OAuthAccessToken = serde_json::from_str(&body).unwrap();
        tokens.insert(t.token);
    }
    assert_eq!(tokens.len(), 1, "everyone got the one new token");
    let tokens: Vec<String> = tokens.into_iter().collect();
    assert_ne!(tokens[0], before.token);

    let issued = control.issued();
    assert_eq!(issued.refresh_tokens_rotated, 1, "exactly one refresh");
    assert_eq!(
        control.call_count(Endpoint::Token),
        2,
        "one exchange, one refresh"
    );
    assert_eq!(issued.families_revoked, 0, "no refresh token was reused");
    assert!(server.server.state.refresh_locks.is_empty());

    // The rotated refresh token was stored: the next refresh works too.
    expire_access_tokens(&server).await;
    let third: OAuthAccessToken = token(&server, &user.id).await.json().await.unwrap();
    assert_ne!(third.token, tokens[0]);
    assert_eq!(control.issued().refresh_tokens_rotated, 2);
    assert_eq!(control.issued().families_revoked, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn a_refused_refresh_marks_the_account_reconnect_needed() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    expire_access_tokens(&server).await;
    // A year later Atlassian has ended the grant.
    server
        .control()
        .advance_clock(Duration::from_secs(366 * 86_400));
    let refused = token(&server, &user.id).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "reconnect_needed");
    let user: User = server
        .http
        .get(server.url(&format!("/v1/users/{}", user.id)))
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(user.external_accounts[0].reconnect_needed);
    // Later calls do not ask Atlassian again.
    let calls = server.control().call_count(Endpoint::Token);
    assert_eq!(
        token(&server, &user.id).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(server.control().call_count(Endpoint::Token), calls);

    // Signing in again reconnects.
    let browser = Browser::new();
    browser.sign_in(&server, "").await;
    assert!(
        !browser
            .client_state(&server)
            .await
            .user
            .unwrap()
            .external_accounts[0]
            .reconnect_needed
    );
    assert_eq!(token(&server, &user.id).await.status(), StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_failing_refresh_is_provider_unavailable_and_keeps_the_account() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    expire_access_tokens(&server).await;
    server
        .control()
        .inject_fault(Endpoint::Token, Fault::Status(500), 1);
    let failed = token(&server, &user.id).await;
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        failed.json::<Value>().await.unwrap()["code"],
        "provider_unavailable"
    );
    assert_eq!(token(&server, &user.id).await.status(), StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn an_internal_error_shows_only_a_reference_to_the_request() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    // A sealed token moved from another row no longer opens: that is our fault, not the caller's.
    sqlx::query("UPDATE external_accounts SET access_token = 'v1.00000000.AAAA'")
        .execute(sqlite(&server.server.state.db))
        .await
        .unwrap();
    let failed = token(&server, &user.id).await;
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = failed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["code"], "internal");
    assert_eq!(body["reference"], request_id.as_str());
    assert_eq!(
        body["message"],
        format!("something went wrong (ref {request_id})")
    );
    assert!(
        !body.to_string().contains("00000000"),
        "no internals: {body}"
    );
    server.shutdown().await;
}

/// Polls `done` every 50 ms for up to five seconds.
async fn eventually(mut done: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..100 {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The caller hangs up after Atlassian rotated the refresh token and before the new one is
/// stored (the database is held busy meanwhile): the refresh still finishes and stores it, so
/// the account keeps working without a reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_disconnects_mid_refresh_leaves_a_working_refresh_token() {
    let server = TestServer::development().await;
    let user = signed_in_user(&server).await;
    let control = server.control();
    let db = &server.server.state.db;
    let stored_refresh_token = async || -> Option<String> {
        sqlx::query_scalar("SELECT refresh_token FROM external_accounts")
            .fetch_one(sqlite(db))
            .await
            .unwrap()
    };
    let before = stored_refresh_token().await;
    assert!(before.is_some());
    expire_access_tokens(&server).await;

    // Hold the write lock: the refresh must wait to store what Atlassian gave it.
    let busy = vestibule_server::db::begin_write(db).await.unwrap();
    let caller = tokio::spawn({
        let request = server
            .http
            .get(server.url(&format!(
                "/v1/users/{}/oauth_access_tokens/atlassian",
                user.id
            )))
            .bearer_auth(&server.secret_key);
        async move { request.send().await }
    });
    assert!(
        eventually(async || control.issued().refresh_tokens_rotated == 1).await,
        "Atlassian rotated the refresh token"
    );
    // Atlassian has answered; the server now waits for the database. The caller hangs up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    // Long enough for the server to see the closed connection and drop the request.
    tokio::time::sleep(Duration::from_millis(300)).await;
    busy.rollback().await.unwrap();

    assert!(
        eventually(async || stored_refresh_token().await != before).await,
        "the rotated refresh token was lost with the caller"
    );
    assert!(server.server.state.refresh_locks.is_empty());
    // It works: the next refresh is accepted, and no token was reused.
    expire_access_tokens(&server).await;
    let response = token(&server, &user.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued = control.issued();
    assert_eq!(issued.refresh_tokens_rotated, 2);
    assert_eq!(issued.families_revoked, 0);
    server.shutdown().await;
}

/// A request that runs past `--request-timeout` (here a refresh waiting on a slow Atlassian)
/// answers at the limit as an internal error with its reference, instead of holding the
/// caller until the provider answers.
#[tokio::test]
async fn a_request_over_the_time_limit_answers_at_the_limit() {
    let server = TestServer::development_with(|args| {
        args.request_timeout = Duration::from_millis(300);
        args.provider_timeout = Duration::from_secs(10);
    })
    .await;
    let user = signed_in_user(&server).await;
    expire_access_tokens(&server).await;
    server.control().inject_fault(
        Endpoint::Token,
        Fault::Delay(Duration::from_millis(2500)),
        1,
    );
    let started = std::time::Instant::now();
    let response = token(&server, &user.id).await;
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "internal");
    assert!(body["reference"].is_string(), "{body}");
    assert!(
        took < Duration::from_millis(2000),
        "answered after {took:?}"
    );
    server.shutdown().await;
}
