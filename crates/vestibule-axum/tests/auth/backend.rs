//! The backend client against a stand-in backend API: the secret key is sent, answers are
//! typed, and the server's error codes come back as `ErrorCode`s.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use serde_json::json;
use vestibule_axum::{Backend, BackendError};
use vestibule_core::{ErrorCode, ProviderId};

const SECRET: &str = "sk_test_backend_client_secret";

fn authorized(headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {SECRET}");
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

async fn stand_in() -> String {
    let denied = || {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"code": "invalid_secret_key", "message": "wrong secret key"})),
        )
    };
    let app = Router::new()
        .route(
            "/v1/users/{id}",
            get(move |headers: HeaderMap, axum::extract::Path(id): axum::extract::Path<String>| async move {
                if !authorized(&headers) {
                    return denied();
                }
                if id != "user_1" {
                    return (StatusCode::NOT_FOUND, axum::Json(json!({"code": "not_found", "message": "no such user"})));
                }
                (StatusCode::OK, axum::Json(json!({
                    "id": "user_1", "name": "Ada", "email": "ada@example.test", "email_verified": true,
                    "avatar_url": null, "created_at": 1, "external_accounts": []
                })))
            }),
        )
        .route(
            "/v1/users/{id}/oauth_access_tokens/{provider}",
            get(move |headers: HeaderMap| async move {
                if !authorized(&headers) {
                    return denied();
                }
                (StatusCode::OK, axum::Json(json!({
                    "external_account_id": "eac_1", "provider": "atlassian", "token": "at-123",
                    "expires_at": 2, "scopes": ["read:me"], "site_id": "cloud-1",
                    "api_url": "http://127.0.0.1:9/api"
                })))
            }),
        )
        .route("/v1/broken/v1/users/{id}", get(|| async { "<html>proxy error</html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn users_and_tokens_come_back_typed() {
    let url = stand_in().await;
    let backend = Backend::new(url.parse().unwrap(), SECRET);
    let user = backend.users().get("user_1").await.unwrap();
    assert_eq!(user.name.as_deref(), Some("Ada"));
    let token = backend
        .oauth_access_token("user_1", ProviderId::Atlassian)
        .await
        .unwrap();
    assert_eq!(token.token, "at-123");
    assert_eq!(token.site_id.as_deref(), Some("cloud-1"));
    assert_eq!(token.api_url, "http://127.0.0.1:9/api");
}

#[tokio::test]
async fn server_errors_keep_their_codes() {
    let url = stand_in().await;
    let backend = Backend::new(url.parse().unwrap(), SECRET);
    let missing = backend.users().get("user_nobody").await.unwrap_err();
    assert_eq!(missing.code(), Some(ErrorCode::NotFound));
    let wrong_key = Backend::new(url.parse().unwrap(), "sk_test_wrong");
    let denied = wrong_key.users().get("user_1").await.unwrap_err();
    assert!(
        matches!(
            denied,
            BackendError::Api {
                status: 401,
                code: ErrorCode::InvalidSecretKey,
                ..
            }
        ),
        "{denied:?}"
    );
    let garbage = Backend::new(format!("{url}/v1/broken").parse().unwrap(), SECRET);
    let error = garbage.users().get("x").await.unwrap_err();
    assert!(
        matches!(error, BackendError::UnexpectedResponse { status: 200, .. }),
        "{error:?}"
    );
    let closed = Backend::new("http://127.0.0.1:9".parse().unwrap(), SECRET);
    assert!(matches!(
        closed.users().get("x").await,
        Err(BackendError::Transport(_) | BackendError::Timeout)
    ));
}
