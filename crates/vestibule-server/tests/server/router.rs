//! The router alone, through `app(state).oneshot(...)`: no socket between the test and the
//! handler, so each rule is checked in isolation and fast. The state comes from a real
//! development instance (its database, keys and settings).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vestibule_server::app;

use crate::common::TestServer;

async fn send(server: &TestServer, request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app(server.server.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, request_id, json)
}

fn sign_out(headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::builder().method(Method::POST).uri("/v1/sign_out");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn writes_from_another_site_are_refused_by_origin_or_fetch_metadata() {
    let server = TestServer::development().await;
    let own = server.url("");
    let own = own.trim_end_matches('/');

    for headers in [
        vec![("origin", "https://evil.test")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
    ] {
        let (status, _, body) = send(&server, sign_out(&headers)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(body["code"], "cross_site_request", "{headers:?}");
    }
    for headers in [
        vec![("origin", own)],
        vec![("origin", "https://allowed.test")],
        vec![("sec-fetch-site", "same-origin")],
        // Not a browser: no ambient cookies to abuse.
        vec![],
    ] {
        let (status, _, _) = send(&server, sign_out(&headers)).await;
        assert_eq!(status, StatusCode::OK, "{headers:?}");
    }
    // Reads are not writes.
    let read = Request::get("/v1/client")
        .header("origin", "https://evil.test")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&server, read).await.0, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_json_body_must_be_sent_as_json() {
    let server = TestServer::development().await;
    let sign_in = |content_type: &str, body: &'static str| {
        Request::post("/v1/admin/session")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    // What an HTML form can send cross-site without a preflight.
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, _, body) = send(&server, sign_in(content_type, r#"{"secret_key":"x"}"#)).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(body["code"], "cross_site_request");
    }
    let (status, _, body) = send(&server, sign_in("application/json", "{not json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_body");
    let (status, _, body) = send(
        &server,
        sign_in("application/json", r#"{"secret_key":"wrong"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "invalid_secret_key");
    server.shutdown().await;
}

#[tokio::test]
async fn internal_errors_carry_the_request_id_as_their_only_detail() {
    let server = TestServer::development().await;
    // The database goes away: every query fails from now on.
    server.server.state.db.close().await;
    // The load balancer's question is answered "down", not as an internal error.
    let health = Request::get("/v1/health").body(Body::empty()).unwrap();
    let (status, _, body) = send(&server, health).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["database"], "down");
    let environment = Request::get("/v1/environment").body(Body::empty()).unwrap();
    let (status, request_id, body) = send(&server, environment).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!request_id.is_empty());
    assert_eq!(body["code"], "internal");
    assert_eq!(body["reference"], request_id.as_str());
    assert_eq!(
        body["message"],
        format!("something went wrong (ref {request_id})")
    );
    assert!(
        !body.to_string().to_lowercase().contains("pool"),
        "no internals: {body}"
    );
    // A known error carries no reference.
    let missing = Request::get("/v1/me/sessions").body(Body::empty()).unwrap();
    let (status, _, body) = send(&server, missing).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.get("reference").is_none(), "{body}");
    server.shutdown().await;
}
