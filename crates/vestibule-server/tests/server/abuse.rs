//! Abuse limits over real HTTP: secret-key guesses, OAuth starts and pending flows, calls per
//! key, trusted proxies; and that the session check stays unlimited.

use reqwest::StatusCode;
use serde_json::json;
use vestibule_server::rate_limit::parse_rate;
use vestibule_server::store::flows;

use crate::common::{Browser, TestServer, captured_logs, error_of, location};

async fn dashboard_sign_in(server: &TestServer, key: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/v1/admin/session"))
        .header("origin", server.url(""))
        .json(&json!({ "secret_key": key }))
        .send()
        .await
        .unwrap()
}

fn assert_rate_limited(response: &reqwest::Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
}

#[tokio::test]
async fn wrong_secret_keys_block_the_address_before_any_key_is_compared() {
    let server = TestServer::development_with(|args| {
        args.rate_limit_secret_key = parse_rate("3/1h").unwrap();
    })
    .await;
    for _ in 0..3 {
        let wrong = dashboard_sign_in(&server, "sk_test_guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // The guess over the allowance is refused, and so is everything after it, the right key
    // included: a blocked guesser cannot tell a right guess from a wrong one.
    let over = dashboard_sign_in(&server, "sk_test_guess").await;
    assert_rate_limited(&over);
    let body: serde_json::Value = over.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_rate_limited(&dashboard_sign_in(&server, &server.secret_key).await);
    assert_rate_limited(&server.admin_get("/v1/admin/connections").await);
    let bearer_guess = server
        .http
        .get(server.url("/v1/users/user_x"))
        .bearer_auth("sk_test_guess")
        .send()
        .await
        .unwrap();
    assert_rate_limited(&bearer_guess);

    // Auth failures are logged with the client address.
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    assert!(
        logs.lines()
            .any(|line| line.contains("wrong secret key") && line.contains("client=127.0.0.1")),
        "no auth-failure line names the client"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn wrong_bearer_keys_count_too() {
    let server = TestServer::development_with(|args| {
        args.rate_limit_secret_key = parse_rate("2/1h").unwrap();
    })
    .await;
    for _ in 0..2 {
        let wrong = server
            .http
            .get(server.url("/v1/admin/connections"))
            .bearer_auth("sk_test_guess")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let over = server
        .http
        .get(server.url("/v1/admin/connections"))
        .bearer_auth("sk_test_guess")
        .send()
        .await
        .unwrap();
    assert_rate_limited(&over);
    server.shutdown().await;
}

#[tokio::test]
async fn calls_per_secret_key_are_limited() {
    let server = TestServer::development_with(|args| {
        args.rate_limit_secret_key_requests = parse_rate("3/1h").unwrap();
    })
    .await;
    // The admin and the backend API draw on the same allowance of the key.
    for _ in 0..2 {
        assert_eq!(
            server.admin_get("/v1/admin/connections").await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        server.admin_get("/v1/users/user_x").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_rate_limited(&server.admin_get("/v1/admin/connections").await);
    assert_rate_limited(&server.admin_get("/v1/users/user_x").await);
    server.shutdown().await;
}

#[tokio::test]
async fn oauth_starts_are_limited_per_address_and_the_session_check_is_not() {
    let server = TestServer::development_with(|args| {
        args.rate_limit_oauth_start = parse_rate("3/1h").unwrap();
    })
    .await;
    let browser = Browser::new();
    for _ in 0..3 {
        browser.start(&server, "intent=sign_in").await;
    }
    let start = server.url("/v1/oauth/atlassian/start?intent=sign_in");
    // A script or tool gets the 429 ...
    let refused = browser.get(&start).await;
    assert_rate_limited(&refused);
    // ... a browser navigation the sign-in page that explains it.
    let navigation = browser
        .http
        .get(&start)
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(navigation.status(), StatusCode::SEE_OTHER);
    assert!(navigation.headers().contains_key("retry-after"));
    let to = location(&navigation);
    assert!(to.starts_with(&server.url("/sign-in")), "{to}");
    assert_eq!(error_of(&to).as_deref(), Some("rate_limited"));
    assert_eq!(
        server.count("oauth_flows").await,
        3,
        "refused starts write nothing"
    );

    for _ in 0..300 {
        let check = browser.get(&server.url("/v1/client")).await;
        assert_eq!(check.status(), StatusCode::OK);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn pending_flows_are_capped_per_address() {
    let server = TestServer::development_with(|args| {
        args.max_pending_flows_per_address = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    let browser = Browser::new();
    browser.start(&server, "intent=sign_in").await;
    browser.start(&server, "intent=sign_in").await;
    assert_rate_limited(
        &browser
            .get(&server.url("/v1/oauth/atlassian/start?intent=sign_in"))
            .await,
    );
    assert_eq!(server.count("oauth_flows").await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn pending_flows_are_capped_in_total() {
    let server = TestServer::development_with(|args| {
        args.trusted_proxies = vec!["127.0.0.1".into()];
        args.max_pending_flows = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    let start = |client: &str| {
        server
            .http
            .get(server.url("/v1/oauth/atlassian/start?intent=sign_in"))
            .header("x-forwarded-for", client.to_owned())
            .send()
    };
    for client in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(start(client).await.unwrap().status(), StatusCode::SEE_OTHER);
    }
    assert_rate_limited(&start("198.51.100.3").await.unwrap());
    assert_eq!(server.count("oauth_flows").await, 2);
    server.shutdown().await;
}

#[tokio::test]
async fn expired_flows_are_swept_within_a_minute() {
    let server = TestServer::development().await;
    Browser::new().start(&server, "intent=sign_in").await;
    let db = &server.server.state.db;
    let expires_at: i64 = sqlx::query_scalar("SELECT expires_at FROM oauth_flows")
        .fetch_one(crate::common::sqlite(db))
        .await
        .unwrap();
    assert_eq!(flows::delete_abandoned(db, expires_at).await.unwrap(), 0);
    assert_eq!(
        flows::delete_abandoned(db, expires_at + flows::ABANDONED_GRACE_SECS)
            .await
            .unwrap(),
        1
    );
    const { assert!(flows::ABANDONED_GRACE_SECS <= 60) };
    server.shutdown().await;
}

/// The sweeper itself (not only the query above): a flow abandoned just over a minute ago is
/// gone as soon as the instance sweeps, which it does on start and every minute after.
#[tokio::test]
async fn the_sweeper_deletes_a_flow_abandoned_a_minute_ago() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut args = vestibule_server::ServeArgs::defaults();
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = data_dir.path().to_owned();
    args.dist_dir = data_dir.path().join("no-dist");
    let first = vestibule_server::server::start(args.clone()).await.unwrap();
    let started = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(first.url("/v1/oauth/atlassian/start?intent=sign_in"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let abandoned = first.state.clock.now() - flows::ABANDONED_GRACE_SECS - 1;
    sqlx::query("UPDATE oauth_flows SET expires_at = $1")
        .bind(abandoned)
        .execute(crate::common::sqlite(&first.state.db))
        .await
        .unwrap();
    first.shutdown().await.unwrap();

    let second = vestibule_server::server::start(args).await.unwrap();
    let mut left = 1;
    for _ in 0..50 {
        left = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM oauth_flows")
            .fetch_one(crate::common::sqlite(&second.state.db))
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the abandoned flow is still there");
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let start = |server: &TestServer, client: &str| {
        server
            .http
            .get(server.url("/v1/oauth/atlassian/start?intent=sign_in"))
            .header("x-forwarded-for", client.to_owned())
            .send()
    };
    // Behind a trusted proxy: each forwarded client has its own allowance.
    let proxied = TestServer::development_with(|args| {
        args.rate_limit_oauth_start = parse_rate("2/1h").unwrap();
        args.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            start(&proxied, "198.51.100.1").await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_rate_limited(&start(&proxied, "198.51.100.1").await.unwrap());
    assert_eq!(
        start(&proxied, "198.51.100.2").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    proxied.shutdown().await;

    // From an untrusted peer the header is the client's own invention and changes nothing.
    let direct = TestServer::development_with(|args| {
        args.rate_limit_oauth_start = parse_rate("2/1h").unwrap();
    })
    .await;
    for client in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(
            start(&direct, client).await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_rate_limited(&start(&direct, "198.51.100.3").await.unwrap());
    direct.shutdown().await;
}

#[tokio::test]
async fn session_tokens_are_limited_per_session() {
    let server = TestServer::development_with(|args| {
        args.rate_limit_token_minting = parse_rate("2/1h").unwrap();
    })
    .await;
    let mint = |session: &str| {
        server
            .http
            .post(server.url(&format!("/v1/client/sessions/{session}/tokens")))
            .header("origin", server.url(""))
            .send()
    };
    for _ in 0..2 {
        assert_ne!(
            mint("ses_a").await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    assert_rate_limited(&mint("ses_a").await.unwrap());
    assert_ne!(
        mint("ses_b").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    server.shutdown().await;
}

/// Every wrong secret key is logged with the address it came from, for the dashboard sign-in
/// and for a Bearer key alike (here an address a trusted proxy forwarded, which no other test
/// uses, so that the line found is this request's).
#[tokio::test]
async fn auth_failures_are_logged_with_the_client_address() {
    let server = TestServer::development_with(|args| {
        args.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let dashboard = server
        .http
        .post(server.url("/v1/admin/session"))
        .header("origin", server.url(""))
        .header("x-forwarded-for", "203.0.113.71")
        .json(&json!({ "secret_key": "sk_test_guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::UNAUTHORIZED);
    let bearer = server
        .http
        .get(server.url("/v1/users/user_x"))
        .bearer_auth("sk_test_guess")
        .header("x-forwarded-for", "203.0.113.72")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::UNAUTHORIZED);
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    for client in ["203.0.113.71", "203.0.113.72"] {
        assert!(
            logs.lines().any(|line| line.contains("wrong secret key")
                && line.contains(&format!("client={client}"))),
            "no auth-failure line names {client}"
        );
    }
    server.shutdown().await;
}

/// Many addresses guessing together meet the total cap, even though none of them spent its
/// own allowance.
#[tokio::test]
async fn wrong_secret_keys_from_many_addresses_meet_the_total_cap() {
    let server = TestServer::development_with(|args| {
        args.trusted_proxies = vec!["127.0.0.1".into()];
        args.rate_limit_secret_key = parse_rate("10/1h").unwrap();
        args.rate_limit_secret_key_total = parse_rate("3/1h").unwrap();
    })
    .await;
    let guess = |client: String| {
        server
            .http
            .post(server.url("/v1/admin/session"))
            .header("origin", server.url(""))
            .header("x-forwarded-for", client)
            .json(&json!({ "secret_key": "sk_test_guess" }))
            .send()
    };
    for i in 1..=3 {
        let wrong = guess(format!("198.51.100.{i}")).await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    assert_rate_limited(&guess("198.51.100.4".to_owned()).await.unwrap());
    assert_rate_limited(&guess("198.51.100.5".to_owned()).await.unwrap());
    server.shutdown().await;
}

/// The total cap does not lock out the clients that already proved the key from their address
/// (the app's backend, an operator signed in earlier): a distributed guesser cannot take the
/// admin and backend APIs down for them. A new address is refused while the cap is spent.
#[tokio::test]
async fn the_total_cap_spares_addresses_that_proved_the_key() {
    let server = TestServer::development_with(|args| {
        args.trusted_proxies = vec!["127.0.0.1".into()];
        args.rate_limit_secret_key_total = parse_rate("3/1h").unwrap();
    })
    .await;
    let backend = |client: &str| {
        server
            .http
            .get(server.url("/v1/admin/connections"))
            .bearer_auth(&server.secret_key)
            .header("x-forwarded-for", client.to_owned())
            .send()
    };
    assert_eq!(
        backend("192.0.2.10").await.unwrap().status(),
        StatusCode::OK
    );
    for i in 1..=4 {
        let guess = server
            .http
            .get(server.url("/v1/users/user_x"))
            .bearer_auth("sk_test_guess")
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        let expected = if i <= 3 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(guess.status(), expected, "guess {i}");
    }
    assert_eq!(
        backend("192.0.2.10").await.unwrap().status(),
        StatusCode::OK,
        "the app's backend still works"
    );
    assert_rate_limited(&backend("192.0.2.11").await.unwrap());
    server.shutdown().await;
}
