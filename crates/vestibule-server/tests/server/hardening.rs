//! The weaknesses an outside attack run found (issue 10), one test per class: each failed on
//! the server before its fix.

use std::time::Duration;

use atlassian_emulator::{AtlassianAccount, AtlassianSite, AutoConsent, demo};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vestibule_server::ServeArgs;
use vestibule_server::server;

use crate::common::{Browser, TestServer, error_of, location};

/// A browser signed in as the demo account.
async fn signed_in(server: &TestServer) -> Browser {
    crate::common::consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let landed = browser.sign_in(server, "intent=sign_in").await;
    assert_eq!(error_of(&landed), None, "{landed}");
    browser
}

fn args_in(data_dir: &std::path::Path, secret_key: &str) -> ServeArgs {
    let mut args = ServeArgs::defaults();
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = data_dir.to_owned();
    args.dist_dir = data_dir.join("no-dist");
    args.secret_key = Some(secret_key.to_owned());
    args
}

/// The dashboard cookie (`name=value`) from a sign-in with `secret_key`.
async fn dashboard_cookie(server: &server::RunningServer, secret_key: &str) -> String {
    let response = reqwest::Client::new()
        .post(server.url("/v1/admin/session"))
        .header("origin", server.url(""))
        .json(&json!({ "secret_key": secret_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn dashboard_status(server: &server::RunningServer, cookie: &str) -> StatusCode {
    reqwest::Client::new()
        .get(server.url("/v1/admin/connections"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

/// 1. A dashboard session ends when the secret key is rotated, and does not carry over from
/// a development start to a production start of the same data dir.
#[tokio::test]
async fn dashboard_sessions_end_with_their_secret_key_and_environment() {
    let data_dir = tempfile::tempdir().unwrap();
    let first_key = format!("sk_test_{}", "1".repeat(40));
    let second_key = format!("sk_live_{}", "2".repeat(40));

    let first = server::start(args_in(data_dir.path(), &first_key))
        .await
        .unwrap();
    let cookie = dashboard_cookie(&first, &first_key).await;
    assert_eq!(dashboard_status(&first, &cookie).await, StatusCode::OK);
    first.shutdown().await.unwrap();

    // Same data dir, same instance (so the same cookie name), a rotated key.
    let rotated = server::start(args_in(data_dir.path(), &second_key))
        .await
        .unwrap();
    assert_eq!(
        dashboard_status(&rotated, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "a cookie of the old key must not administer the instance"
    );
    rotated.shutdown().await.unwrap();

    // The first key again, but the data dir now starts in production.
    let master_key = std::fs::read_to_string(data_dir.path().join("master.key")).unwrap();
    let mut production = args_in(data_dir.path(), &first_key);
    production.environment = vestibule_server::config::EnvironmentArg::Production;
    production.master_key = Some(master_key.trim().to_owned());
    let production = server::start(production).await.unwrap();
    assert_eq!(
        dashboard_status(&production, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "a development dashboard cookie must not work in production"
    );
    production.shutdown().await.unwrap();
}

/// 2. Any `Authorization` header other than the valid secret key leaves the cross-site check
/// on, because the handler then authenticates by cookie.
#[tokio::test]
async fn other_authorization_headers_do_not_skip_the_cross_site_check() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;
    for authorization in [
        "Basic dXNlcjpwYXNz",
        "Negotiate YIIGhgYGKwYBBQUC",
        "Bearer sk_test_not_the_key",
        "Bearer",
    ] {
        for (method, path) in [
            (reqwest::Method::POST, "/v1/sign_out"),
            (reqwest::Method::DELETE, "/v1/me/sessions/ses_x"),
            (reqwest::Method::DELETE, "/v1/me/external_accounts/eac_x"),
        ] {
            let refused = browser
                .http
                .request(method.clone(), server.url(path))
                .header("authorization", authorization)
                .header("origin", "https://evil.test")
                .send()
                .await
                .unwrap();
            assert_eq!(
                refused.status(),
                StatusCode::FORBIDDEN,
                "{method} {path} with {authorization}"
            );
            let body: serde_json::Value = refused.json().await.unwrap();
            assert_eq!(body["code"], "cross_site_request");
        }
    }
    assert!(
        browser.client_state(&server).await.user.is_some(),
        "still signed in"
    );

    // The dashboard's cookie is ambient too: a proxy's credentials do not let a foreign page
    // change a connection with it.
    let dashboard = dashboard_cookie(&server.server, &server.secret_key).await;
    let id = server.connection_id().await;
    for authorization in ["Basic dXNlcjpwYXNz", "Bearer sk_test_not_the_key"] {
        let refused = server
            .http
            .patch(server.url(&format!("/v1/admin/connections/{id}")))
            .header("cookie", &dashboard)
            .header("authorization", authorization)
            .header("origin", "https://evil.test")
            .json(&json!({ "enabled_for_sign_in": false }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "PATCH a connection by dashboard cookie with {authorization}"
        );
    }

    // The valid secret key is exempt: it is not ambient, a page cannot have it.
    let allowed = server
        .http
        .get(server.url("/v1/admin/connections"))
        .bearer_auth(&server.secret_key)
        .header("origin", "https://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    server.shutdown().await;
}

fn portal_with_directories() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>portal</title>",
    )
    .unwrap();
    for dir in ["assets", "evil.test", "icons/nested"] {
        std::fs::create_dir_all(dist.path().join(dir)).unwrap();
        std::fs::write(dist.path().join(dir).join("a.txt"), "x").unwrap();
    }
    dist
}

/// 3. No path served by us redirects, least of all off-origin (`//name` → `//name/`).
#[tokio::test]
async fn portal_paths_never_redirect() {
    let dist = portal_with_directories();
    let dist_dir = dist.path().to_owned();
    let server = TestServer::development_with(|args| args.dist_dir = dist_dir).await;
    for path in [
        "//assets",
        "//evil.test",
        "/assets",
        "/icons",
        "/icons/nested",
        "//icons/nested",
        "///evil.test",
        "/evil.test",
    ] {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        assert!(
            !response.status().is_redirection() && response.headers().get("location").is_none(),
            "{path} answered {} to {:?}",
            response.status(),
            response.headers().get("location")
        );
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{path}: the SPA fallback"
        );
    }
    let file = server
        .http
        .get(server.url("/assets/a.txt"))
        .send()
        .await
        .unwrap();
    let last_modified = file.headers()["last-modified"].clone();
    assert_eq!(file.text().await.unwrap(), "x");
    // Revalidation still works: a browser's cached copy is confirmed with a 304.
    for path in ["/assets/a.txt", "/sign-in"] {
        let cached = server
            .http
            .get(server.url(path))
            .header("if-modified-since", last_modified.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    server.shutdown().await;
}

/// 4. Hostile paths (a segment longer than a file name may be, a very long path, NUL) are
/// 404s, not 500s.
#[tokio::test]
async fn hostile_paths_are_not_found() {
    let dist = portal_with_directories();
    let dist_dir = dist.path().to_owned();
    let server = TestServer::development_with(|args| args.dist_dir = dist_dir).await;
    let long_segment = "a".repeat(300);
    for path in [
        format!("/{long_segment}"),
        format!("/assets/{long_segment}.js"),
        format!("/{}", "abc/".repeat(1000)),
        "/a%00b".to_owned(),
        format!("/v1/{long_segment}"),
    ] {
        let response = server.http.get(server.url(&path)).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{}",
            &path[..40.min(path.len())]
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
    }
    server.shutdown().await;
}

/// 5. A client that never finishes its headers is disconnected.
#[tokio::test]
async fn half_sent_requests_are_cut_off() {
    let server = TestServer::development_with(|args| {
        args.header_read_timeout = Duration::from_millis(400);
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(server.server.local_addr)
        .await
        .unwrap();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection must be closed");
    // The server is still there for everyone else.
    let health = server
        .http
        .get(server.url("/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    server.shutdown().await;
}

/// 6. A long path is logged once per request, and only its beginning: an API path (first,
/// because it answered 404 even before the fix, so only the logging can fail here) and a
/// portal path, one long segment or many short ones.
#[tokio::test]
async fn long_paths_are_logged_once_and_bounded() {
    let dist = portal_with_directories();
    let dist_dir = dist.path().to_owned();
    let server = TestServer::development_with(|args| args.dist_dir = dist_dir).await;
    for (prefix, tail) in [
        ("/v1/", "z".repeat(20_000)),
        ("/v1/", "zz/".repeat(6_000)),
        ("/", "z".repeat(20_000)),
        ("/assets/", "zz/".repeat(6_000)),
    ] {
        let marker = format!("m{}", uuid_like());
        let path = format!("{prefix}{marker}{tail}");
        let response = server.http.get(server.url(&path)).send().await.unwrap();
        let logs =
            String::from_utf8_lossy(&crate::common::captured_logs().lock().unwrap()).into_owned();
        assert_eq!(
            logs.matches(&marker).count(),
            1,
            "{prefix}…: the path is logged exactly once"
        );
        assert!(!logs.contains(&tail[..500]), "{prefix}…: and never in full");
        assert!(
            response.status().is_client_error() || response.status().is_success(),
            "{prefix}…: {}",
            response.status()
        );
    }
    server.shutdown().await;
}

fn uuid_like() -> String {
    vestibule_server::crypto::random_token().replace(['-', '_'], "x")
}

/// 7. Answers that carry tokens or personal data are never stored by a cache.
#[tokio::test]
async fn api_answers_are_not_cached() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;
    let user = browser.client_state(&server).await.user.unwrap();
    let no_store = |response: &reqwest::Response| {
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let client = browser.get(&server.url("/v1/client")).await;
    assert_eq!(no_store(&client).as_deref(), Some("no-store"), "/v1/client");
    let sessions = browser.get(&server.url("/v1/me/sessions")).await;
    assert_eq!(
        no_store(&sessions).as_deref(),
        Some("no-store"),
        "/v1/me/sessions"
    );
    let admin = server.admin_get("/v1/admin/connections").await;
    assert_eq!(no_store(&admin).as_deref(), Some("no-store"), "admin");
    let token = server
        .admin_get(&format!(
            "/v1/users/{}/oauth_access_tokens/atlassian",
            user.id
        ))
        .await;
    assert_eq!(token.status(), StatusCode::OK);
    assert_eq!(
        no_store(&token).as_deref(),
        Some("no-store"),
        "backend token"
    );
    let refused = server
        .http
        .get(server.url("/v1/client"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_store(&refused).as_deref(), Some("no-store"));
    server.shutdown().await;
}

/// 8. Only web URLs from the provider are stored: a `javascript:` picture or site is dropped.
#[tokio::test]
async fn script_urls_from_the_provider_are_dropped() {
    let server = TestServer::development().await;
    let control = server.control();
    let mut account = AtlassianAccount::new("acc-hostile", "eve@hostile.test", "Eve Hostile")
        .with_site(AtlassianSite::new(
            "site-script",
            "script",
            "javascript:alert(document.cookie)",
        ))
        .with_site(AtlassianSite {
            avatar_url: "data:image/svg+xml,<svg onload=alert(1)>".to_owned(),
            ..AtlassianSite::new("site-ok", "ok", "https://ok.atlassian.net")
        });
    account.picture = "javascript:alert(1)".to_owned();
    control.seed_account(account);
    control.set_auto_consent(Some(AutoConsent::new("acc-hostile").with_site("site-ok")));
    let browser = Browser::new();
    let landed = browser.sign_in(&server, "intent=sign_in").await;
    assert_eq!(error_of(&landed), None, "{landed}");
    let user = browser.client_state(&server).await.user.unwrap();
    assert_eq!(user.avatar_url, None, "a javascript: picture is dropped");
    let external = &user.external_accounts[0];
    assert_eq!(external.avatar_url, None);
    let site = external.site.as_ref().expect("the https site");
    assert_eq!(site.url, "https://ok.atlassian.net");
    assert_eq!(site.avatar_url, None, "a data: avatar is dropped");

    // A site whose URL is a script is no site at all.
    control.set_auto_consent(Some(
        AutoConsent::new("acc-hostile").with_site("site-script"),
    ));
    let other = Browser::new();
    let landed = other.sign_in(&server, "intent=sign_in").await;
    assert_eq!(error_of(&landed).as_deref(), Some("no_atlassian_site"));
    server.shutdown().await;
}

/// 9. A short client secret is shown as "set", never as its "last 4".
#[tokio::test]
async fn short_client_secrets_are_not_shown() {
    let server = TestServer::development().await;
    let id = server.connection_id().await;
    for (secret, last4) in [
        ("short-secret1", None),
        ("0123456789abcdef-long-Q9x7", Some("Q9x7")),
    ] {
        let response = server
            .admin_patch(
                &format!("/v1/admin/connections/{id}"),
                json!({ "client_id": "my-app", "client_secret": secret }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["client_secret_set"], true);
        assert_eq!(body["client_secret_last4"].as_str(), last4, "{secret}");
        let listed = server
            .admin_get("/v1/admin/connections")
            .await
            .text()
            .await
            .unwrap();
        if last4.is_none() {
            assert!(!listed.contains("ret1"), "{listed}");
        }
    }
    server.shutdown().await;
}

/// 10. An `Origin` with userinfo (or any spelling a browser never sends) is cross-site.
#[tokio::test]
async fn origins_with_userinfo_are_cross_site() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;
    let own = server.url("");
    let own = own.trim_end_matches('/');
    let with_user = own.replacen("http://", "http://evil@", 1);
    for origin in [with_user.as_str(), &format!("{own}/"), &own.to_uppercase()] {
        let refused = browser
            .http
            .post(server.url("/v1/sign_out"))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    assert!(browser.client_state(&server).await.user.is_some());
    server.shutdown().await;
}

/// 11. A foreign page cannot start linking an account to the signed-in user.
#[tokio::test]
async fn connect_starts_only_from_our_own_pages() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;
    let flows_before = server.count("oauth_flows").await;
    let start = server.url("/v1/oauth/atlassian/start?intent=connect");
    let attempts: [&[(&str, &str)]; 4] = [
        &[("sec-fetch-site", "cross-site")],
        &[
            ("sec-fetch-site", "cross-site"),
            ("referer", "https://evil.test/"),
        ],
        &[("referer", "https://evil.test/page")],
        &[],
    ];
    for headers in attempts {
        let mut request = browser.http.get(&start);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "{headers:?}");
        let to = location(&refused);
        assert_eq!(
            error_of(&to).as_deref(),
            Some("cross_site_request"),
            "{headers:?}"
        );
        assert!(to.starts_with(&server.url("/user")), "{to}");
        assert!(refused.headers().get("set-cookie").is_none());
    }
    assert_eq!(
        server.count("oauth_flows").await,
        flows_before,
        "no flow was written"
    );

    // From the profile page: by fetch metadata, or by Referer in browsers without it.
    for (name, value) in [
        ("sec-fetch-site", "same-origin".to_owned()),
        ("referer", server.url("/user")),
    ] {
        let allowed = browser
            .http
            .get(&start)
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status(), StatusCode::SEE_OTHER);
        assert!(
            location(&allowed).starts_with(&server.emulator().auth_base_url()),
            "{name}: {}",
            location(&allowed)
        );
    }
    server.shutdown().await;
}
