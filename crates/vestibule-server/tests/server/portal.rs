//! The portal and `GET /v1/environment`.

use vestibule_core::api::{Environment, InstanceEnvironment};

use crate::common::TestServer;

#[tokio::test]
async fn zero_config_environment_lists_atlassian_and_spa_falls_back_to_index() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<html><script type=\"module\">init()</script><body>portal</body></html>",
    )
    .unwrap();
    let dist_dir = dist.path().to_owned();
    let server = TestServer::development_with(|args| args.dist_dir = dist_dir).await;
    let http = &server.http;

    let env: Environment = http
        .get(server.url("/v1/environment"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(env.environment, InstanceEnvironment::Development);
    assert_eq!(env.connections.len(), 1);
    assert_eq!(env.connections[0].display_name, "Atlassian");
    assert_eq!(env.connections[0].icon_url, "/icons/atlassian.svg");
    assert_eq!(env.portal.sign_in_url, server.url("/sign-in"));
    assert_eq!(env.portal.after_sign_in_url, server.url("/user"));

    let page = http.get(server.url("/user/settings")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    let expected = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"init()"))
    };
    assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"));
    assert!(csp.contains("connect-src 'self'"));
    // Development avatars come from the emulator over plain http.
    let img_src = format!(
        "img-src 'self' data: https: {};",
        server.emulator().base_url()
    );
    assert!(csp.contains(&img_src), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(headers.contains_key("x-request-id"));
    assert!(page.text().await.unwrap().contains("portal"));

    // Any other path under `/v1`, the prefix itself included, is the API's JSON 404.
    for path in ["/v1/nope", "/v1", "/v1/", "/v1/client/x/y"] {
        let missing = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{path}");
        assert_eq!(
            missing.headers()["content-type"],
            "application/json",
            "{path}"
        );
        assert_eq!(missing.headers()["cache-control"], "no-store", "{path}");
    }

    // A request id sent by a proxy is echoed.
    let echoed = http
        .get(server.url("/v1/health"))
        .header("x-request-id", "req-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "req-123");
    server.shutdown().await;
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let dist = tempfile::tempdir().unwrap();
    let big = format!("<html><body>{}</body></html>", "portal ".repeat(2000));
    std::fs::write(dist.path().join("index.html"), &big).unwrap();
    let dist_dir = dist.path().to_owned();
    let server = TestServer::development_with(|args| args.dist_dir = dist_dir).await;
    let response = server
        .http
        .get(server.url("/sign-in"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let body = response.bytes().await.unwrap();
    assert!(body.len() < big.len() / 4);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
    assert_eq!(text, big);
    server.shutdown().await;
}

/// The API's answers carry the same headers whether or not the client accepts compression
/// (`envelope` skips the compression layer for a client that does not): the security
/// headers, `no-store`, the request id, and a `Vary` that names `accept-encoding`, so that a
/// cache never hands the plain answer to a client that asked for gzip.
#[tokio::test]
async fn api_answers_are_the_same_compressed_or_not() {
    let server = TestServer::development().await;
    let get = |accept: Option<&'static str>| {
        let mut request = server.http.get(server.url("/v1/environment"));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        request.send()
    };
    let plain = get(None).await.unwrap();
    let gzip = get(Some("gzip")).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(gzip.status(), 200);
    assert_eq!(plain.headers().get("content-encoding"), None);
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let vary = |response: &reqwest::Response| -> Vec<String> {
        response
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(vary(&plain), vary(&gzip));
    assert!(
        vary(&plain).iter().any(|v| v == "accept-encoding"),
        "{:?}",
        vary(&plain)
    );
    assert!(
        vary(&plain).iter().any(|v| v.starts_with("origin")),
        "{:?}",
        vary(&plain)
    );
    for name in [
        "cache-control",
        "content-type",
        "content-security-policy",
        "x-content-type-options",
        "referrer-policy",
        "x-frame-options",
    ] {
        assert_eq!(
            plain.headers().get(name),
            gzip.headers().get(name),
            "{name}"
        );
        assert!(plain.headers().contains_key(name), "{name}");
    }
    assert_eq!(plain.headers()["cache-control"], "no-store");
    assert!(plain.headers().contains_key("x-request-id"));
    assert_ne!(
        plain.headers()["x-request-id"],
        gzip.headers()["x-request-id"]
    );

    let plain_body = plain.bytes().await.unwrap();
    let gzip_body = gzip.bytes().await.unwrap();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip_body[..]), &mut text)
        .unwrap();
    assert_eq!(text, plain_body);
    server.shutdown().await;
}
