//! The portal and `GET /v1/environment` over a real listener.

use vestibule_core::api::{Environment, InstanceEnvironment};
use vestibule_server::ServeArgs;

async fn start(dist: &std::path::Path) -> vestibule_server::server::RunningServer {
    let mut args = ServeArgs::defaults();
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.dist_dir = dist.to_owned();
    vestibule_server::server::start(args).await.unwrap()
}

#[tokio::test]
async fn zero_config_environment_lists_atlassian_and_spa_falls_back_to_index() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<html><script type=\"module\">init()</script><body>portal</body></html>",
    )
    .unwrap();
    let server = start(dist.path()).await;
    let http = reqwest::Client::new();

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

    let page = http.get(server.url("/user/settings")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("'sha256-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(page.headers().contains_key("x-request-id"));
    assert!(page.text().await.unwrap().contains("portal"));

    let missing = http.get(server.url("/v1/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "application/json");

    server.shutdown().await.unwrap();
}
