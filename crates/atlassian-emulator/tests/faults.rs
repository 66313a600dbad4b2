//! Injected faults over real HTTP, as a client sees them: statuses, delays, broken JSON, HTML bodies and
//! connections closed without a response; and the call counters.

mod support;

use std::time::{Duration, Instant};

use atlassian_emulator::{Endpoint, Fault, demo};
use reqwest::StatusCode;
use serde_json::Value;
use support::{Harness, access_token};

async fn signed_in(h: &Harness) -> Value {
    h.sign_in(
        demo::ACCOUNT_DEFAULT,
        Some(demo::SITE_DEFAULT),
        "read:me offline_access",
    )
    .await
}

#[tokio::test]
async fn a_status_fault_answers_that_status_then_the_endpoint_recovers() {
    let h = Harness::demo().await;
    let code = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    h.control
        .inject_fault(Endpoint::Token, Fault::Status(503), 1);
    let failed = h.exchange(&code).await;
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(failed.json::<Value>().await.unwrap()["error"].is_string());
    // The fault did not consume the code.
    assert_eq!(h.exchange(&code).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_status_fault_on_authorize_is_an_html_page() {
    let h = Harness::demo().await;
    h.control
        .inject_fault(Endpoint::Authorize, Fault::Status(500), 1);
    let response = h.get(&h.authorize_url("read:me", &[])).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        h.open_consent(&h.authorize_url("read:me", &[]))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_delay_fault_really_delays_and_then_answers_normally() {
    let h = Harness::demo().await;
    let tokens = signed_in(&h).await;
    h.control
        .inject_fault(Endpoint::Me, Fault::Delay(Duration::from_millis(800)), 1);
    let started = Instant::now();
    let response = h.me(access_token(&tokens)).await;
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap()["account_id"],
        demo::ACCOUNT_DEFAULT
    );

    // A client with a shorter timeout gives up.
    h.control
        .inject_fault(Endpoint::Me, Fault::Delay(Duration::from_secs(2)), 1);
    let impatient = h
        .http
        .get(format!("{}/me", h.emulator.api_base_url()))
        .bearer_auth(access_token(&tokens))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(impatient.unwrap_err().is_timeout());
}

#[tokio::test]
async fn a_malformed_json_fault_answers_200_with_broken_json() {
    let h = Harness::demo().await;
    let code = h
        .code(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    h.control
        .inject_fault(Endpoint::Token, Fault::MalformedJson, 1);
    let response = h.exchange(&code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&body).is_err(), "{body}");
}

#[tokio::test]
async fn an_html_body_fault_answers_200_with_an_html_page() {
    let h = Harness::demo().await;
    let tokens = signed_in(&h).await;
    h.control
        .inject_fault(Endpoint::AccessibleResources, Fault::HtmlBody, 1);
    let response = h.resources(access_token(&tokens)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(body.starts_with("<!doctype html>"));
    assert!(serde_json::from_str::<Value>(&body).is_err());
    assert_eq!(
        h.resources(access_token(&tokens)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_drop_connection_fault_closes_the_connection_without_a_response() {
    let h = Harness::demo().await;
    let tokens = signed_in(&h).await;
    let refresh = serde_json::json!({
        "grant_type": "refresh_token",
        "client_id": demo::CLIENT_ID,
        "client_secret": demo::CLIENT_SECRET,
        "refresh_token": support::refresh_token(&tokens),
    });
    h.control
        .inject_fault(Endpoint::Token, Fault::DropConnection, 1);
    let started = Instant::now();
    // A regression would leave the request hanging: bound it, and require that it did not time out.
    let result = h
        .http
        .post(h.url("/auth/oauth/token"))
        .json(&refresh)
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let error = result.expect_err("the connection is closed, so there is no response");
    assert!(error.status().is_none(), "no HTTP status at all: {error:?}");
    assert!(
        !error.is_timeout(),
        "closed at once, not left hanging: {error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    h.control
        .inject_fault(Endpoint::Me, Fault::DropConnection, 1);
    let me = h
        .http
        .get(format!("{}/me", h.emulator.api_base_url()))
        .bearer_auth(access_token(&tokens))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(me.is_err_and(|e| !e.is_timeout()));

    // Both endpoints answer again on the next (fresh) connection, and the refresh token is still good.
    assert_eq!(h.me(access_token(&tokens)).await.status(), StatusCode::OK);
    assert_eq!(
        h.refresh(support::refresh_token(&tokens)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_apply_as_many_times_as_asked_and_every_call_is_counted() {
    let h = Harness::demo().await;
    let tokens = signed_in(&h).await;
    let before = h.control.call_count(Endpoint::Me);
    assert_eq!(before, 0);
    h.control.inject_fault(Endpoint::Me, Fault::Status(500), 2);
    h.control.inject_fault(Endpoint::Me, Fault::Status(429), 1);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(h.me(access_token(&tokens)).await.status().as_u16());
    }
    assert_eq!(statuses, [500, 500, 429, 200]);
    assert_eq!(h.control.call_count(Endpoint::Me), 4);
    assert_eq!(h.control.call_count(Endpoint::Token), 1);
    assert_eq!(h.control.call_count(Endpoint::Authorize), 1);
    assert_eq!(h.control.call_count(Endpoint::AccessibleResources), 0);

    h.control.inject_fault(Endpoint::Me, Fault::Status(500), 5);
    h.control.clear_faults();
    assert_eq!(h.me(access_token(&tokens)).await.status(), StatusCode::OK);
}
