//! `GET /api/my-issues` over real HTTP against a stand-in Vestibule and Jira: the list for a
//! valid token, and each refusal with the code the page turns into a sentence.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn get(app: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(format!("{app}/api/my-issues"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_valid_token_gets_the_assigned_issues_of_the_site() {
    let key = key();
    let stub = start_stub(&key, Answers::happy).await;
    let app = start_app(&stub).await;
    let (status, body) = get(&app, Some(&mint(&key, &stub, APP_ORIGIN))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["site_id"], SITE);
    assert_eq!(body["issues"].as_array().unwrap().len(), 5);
    assert_eq!(body["issues"][0]["key"], "ENG-1");
    assert_eq!(body["issues"][0]["status"], "To Do");
}

#[tokio::test]
async fn the_session_cookie_works_like_the_header() {
    let key = key();
    let stub = start_stub(&key, Answers::happy).await;
    let app = start_app(&stub).await;
    let response = reqwest::Client::new()
        .get(format!("{app}/api/my-issues"))
        .header(
            "cookie",
            format!("__session={}", mint(&key, &stub, APP_ORIGIN)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn tokens_that_are_missing_forged_or_for_another_origin_are_refused() {
    let key = key();
    let stub = start_stub(&key, Answers::happy).await;
    let app = start_app(&stub).await;

    let (status, body) = get(&app, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_missing"))
    );

    let other_key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let (status, body) = get(&app, Some(&mint(&other_key, &stub, APP_ORIGIN))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_invalid"))
    );

    let (status, body) = get(&app, Some(&mint(&key, &stub, "https://evil.example"))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_unauthorized_party"))
    );
}

#[tokio::test]
async fn a_grant_without_jira_scopes_says_no_jira_access() {
    let key = key();
    let stub = start_stub(&key, |base| Answers {
        grant: (StatusCode::OK, grant(base, &["read:me"])),
        ..Answers::happy(base)
    })
    .await;
    let app = start_app(&stub).await;
    let (status, body) = get(&app, Some(&mint(&key, &stub, APP_ORIGIN))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("no_jira_access"))
    );
}

#[tokio::test]
async fn jira_refusing_the_site_says_no_jira_access() {
    let key = key();
    let stub = start_stub(&key, |base| Answers {
        search: (
            StatusCode::FORBIDDEN,
            json!({"errorMessages": ["The app is not installed on this instance."]}),
        ),
        ..Answers::happy(base)
    })
    .await;
    let app = start_app(&stub).await;
    let (status, body) = get(&app, Some(&mint(&key, &stub, APP_ORIGIN))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("no_jira_access"))
    );
}

#[tokio::test]
async fn a_grant_vestibule_cannot_refresh_says_reconnect() {
    let key = key();
    let stub = start_stub(&key, |base| Answers {
        grant: (
            StatusCode::CONFLICT,
            json!({"code": "reconnect_needed", "message": "the user must reconnect"}),
        ),
        ..Answers::happy(base)
    })
    .await;
    let app = start_app(&stub).await;
    let (status, body) = get(&app, Some(&mint(&key, &stub, APP_ORIGIN))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("reconnect_atlassian"))
    );
    assert!(!body.to_string().contains("at-secret"), "no token leaks");
}

#[tokio::test]
async fn pages_are_the_front_end_and_name_no_secret() {
    let key = key();
    let stub = start_stub(&key, Answers::happy).await;
    let app = start_app(&stub).await;
    for path in ["/", "/some/page"] {
        let response = reqwest::get(format!("{app}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(response.text().await.unwrap().contains("page"));
    }
}
