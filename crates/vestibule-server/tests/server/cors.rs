//! Cross-origin access: the frontend API answers CORS with credentials for exactly the allowed
//! origins (preflight included), nothing for others or for other routes; allow-lists that
//! cannot work are refused at start.

use reqwest::{Method, StatusCode};

use crate::common::TestServer;

const ALLOWED: &str = "https://allowed.test";
const CONFIGURED: &str = "http://app.vestibule.test:4100";

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn get_with_origin(server: &TestServer, path: &str, origin: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(path))
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

async fn preflight(
    server: &TestServer,
    path: &str,
    origin: &str,
    method: &str,
) -> reqwest::Response {
    server
        .http
        .request(Method::OPTIONS, server.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

async fn server() -> TestServer {
    TestServer::development_with(|args| args.allowed_origins = vec![CONFIGURED.to_owned()]).await
}

#[tokio::test]
async fn the_frontend_api_answers_allowed_origins_with_credentials() {
    let server = server().await;
    for origin in [ALLOWED, CONFIGURED] {
        for path in ["/v1/client", "/v1/environment"] {
            let response = get_with_origin(&server, path, origin).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                header(&response, "access-control-allow-origin"),
                Some(origin)
            );
            assert_eq!(
                header(&response, "access-control-allow-credentials"),
                Some("true")
            );
            let vary: Vec<_> = response
                .headers()
                .get_all("vary")
                .iter()
                .map(|v| v.to_str().unwrap().to_ascii_lowercase())
                .collect();
            assert!(vary.iter().any(|v| v.contains("origin")), "{vary:?}");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn other_origins_and_other_routes_get_no_cors_headers() {
    let server = server().await;
    for origin in [
        "https://evil.test",
        "http://allowed.test",
        "null",
        "https://allowed.test.evil.test",
    ] {
        let response = get_with_origin(&server, "/v1/client", origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            None,
            "{origin}"
        );
        let response = preflight(&server, "/v1/sign_out", origin, "POST").await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    // The admin and backend APIs are never cross-origin, even for allowed origins.
    for path in ["/v1/admin/connections", "/v1/users/user_x"] {
        let response = get_with_origin(&server, path, ALLOWED).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}"
        );
        let response = preflight(&server, path, ALLOWED, "GET").await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{path}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn preflights_of_allowed_origins_name_the_methods_and_headers() {
    let server = server().await;
    for (path, method) in [
        ("/v1/client/sessions/sess_x/tokens", "POST"),
        ("/v1/sign_out", "POST"),
        ("/v1/me/sessions/sess_x", "DELETE"),
    ] {
        let response = preflight(&server, path, CONFIGURED, method).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some(CONFIGURED)
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            Some("true")
        );
        let methods = header(&response, "access-control-allow-methods").unwrap();
        assert!(methods.contains(method), "{methods}");
        let headers = header(&response, "access-control-allow-headers").unwrap();
        assert!(
            headers.to_ascii_lowercase().contains("content-type"),
            "{headers}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn allowed_origins_pass_the_write_guard_and_the_redirect_check() {
    let server = server().await;
    let out = server
        .http
        .post(server.url("/v1/sign_out"))
        .header("origin", CONFIGURED)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    let start = server
        .http
        .get(server.url(&format!(
            "/v1/oauth/atlassian/start?redirect_url={CONFIGURED}/after"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let location = header(&start, "location").unwrap();
    assert!(!location.contains("error="), "{location}");
    server.shutdown().await;
}

#[tokio::test]
async fn allow_lists_that_cannot_work_refuse_to_start() {
    for (entry, says) in [
        ("*", "wildcard"),
        ("https://*.example.test", "wildcard"),
        ("null", "null"),
        ("https://app.example.test/path", "scheme://host"),
        ("app.example.test", "app.example.test"),
    ] {
        let data_dir = tempfile::tempdir().unwrap();
        let mut args = vestibule_server::ServeArgs::defaults();
        args.listen = "127.0.0.1:0".parse().unwrap();
        args.data_dir = data_dir.path().to_owned();
        args.allowed_origins = vec![entry.to_owned()];
        let error = match vestibule_server::server::start(args).await {
            Ok(server) => {
                server.shutdown().await.unwrap();
                panic!("{entry:?} was accepted");
            }
            Err(e) => format!("{e:#}"),
        };
        assert!(error.contains("--allowed-origins"), "{error}");
        assert!(error.contains(says), "{entry:?}: {error}");
    }
}
