//! The JSON admin API, driven over HTTP like a test in another language would, both in-process and against
//! the real `atlassian-emulator` binary.

mod support;

use std::time::Duration;

use atlassian_emulator::{Emulator, Seed, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{REDIRECT_URI, STATE, authorize_url_with, client, location, query_param};
use tokio::io::{AsyncBufReadExt, BufReader};

const CLIENT_ID: &str = "admin-made-app";
const CLIENT_SECRET: &str = "admin-made-secret";
const ACCOUNT_ID: &str = "557058:admin-made-account";
const SITE_ID: &str = "c0ffee00-0000-4000-8000-000000000001";

async fn post(http: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    http.post(url)
        .json(&body)
        .send()
        .await
        .expect("admin request sent")
}

async fn put(http: &reqwest::Client, url: String, body: Value) -> reqwest::Response {
    http.put(url)
        .json(&body)
        .send()
        .await
        .expect("admin request sent")
}

fn authorize(base: &str, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("audience", "api.atlassian.com"),
        ("client_id", client_id),
        ("scope", "read:me offline_access"),
        ("redirect_uri", REDIRECT_URI),
        ("state", STATE),
        ("response_type", "code"),
        ("prompt", "consent"),
    ];
    params.extend_from_slice(extra);
    authorize_url_with(&format!("{base}/auth"), &params)
}

#[tokio::test]
async fn the_admin_api_seeds_steers_and_reports() {
    let emulator = atlassian_emulator::start(Seed::Empty).await.unwrap();
    let base = emulator.base_url();
    let admin = format!("{base}/__admin");
    let http = client();

    // Seed an app (no redirect URI yet) and an account with a site.
    let app = post(
        &http,
        format!("{admin}/apps"),
        json!({ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Admin Made",
                "scopes": ["read:me"], "distribution": "sharing", "owner_account_id": ACCOUNT_ID }),
    )
    .await;
    assert_eq!(app.status(), StatusCode::CREATED);
    let account = post(
        &http,
        format!("{admin}/accounts"),
        json!({ "account_id": ACCOUNT_ID, "email": "ada@example.com", "name": "Ada Byron",
                "status": "inactive", "email_verified": false,
                "sites": [{ "id": SITE_ID, "name": "analytical", "url": "https://analytical.atlassian.net" }],
                "extended_profile": { "job_title": "Analyst" } }),
    )
    .await;
    assert_eq!(account.status(), StatusCode::CREATED);

    // Before the redirect URI is registered, /authorize refuses.
    assert_eq!(
        http.get(authorize(&base, CLIENT_ID, &[]))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let added = post(
        &http,
        format!("{admin}/apps/{CLIENT_ID}/redirect_uris"),
        json!({ "uri": REDIRECT_URI }),
    )
    .await;
    assert_eq!(added.status(), StatusCode::NO_CONTENT);
    let unknown = post(
        &http,
        format!("{admin}/apps/nobody/redirect_uris"),
        json!({ "uri": REDIRECT_URI }),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["error"],
        "unknown_app"
    );
    let relative = post(
        &http,
        format!("{admin}/apps/{CLIENT_ID}/redirect_uris"),
        json!({ "uri": "/callback" }),
    )
    .await;
    assert_eq!(relative.status(), StatusCode::BAD_REQUEST);

    // Auto consent through the admin API: /authorize answers with a code at once.
    let auto = put(
        &http,
        format!("{admin}/auto_consent"),
        json!({ "account_id": ACCOUNT_ID, "site_id": SITE_ID }),
    )
    .await;
    assert_eq!(auto.status(), StatusCode::NO_CONTENT);
    let redirect = http
        .get(authorize(&base, CLIENT_ID, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let code = query_param(&location(&redirect), "code").unwrap();
    let tokens: Value = post(
        &http,
        format!("{base}/auth/oauth/token"),
        json!({ "grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "code": code, "redirect_uri": REDIRECT_URI }),
    )
    .await
    .json()
    .await
    .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let me: Value = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["account_id"], ACCOUNT_ID);
    assert_eq!(me["account_status"], "inactive");
    assert_eq!(me["email_verified"], false);
    assert_eq!(me["extended_profile"], json!({ "job_title": "Analyst" }));

    // A fault through the admin API.
    let fault = post(
        &http,
        format!("{admin}/faults"),
        json!({ "endpoint": "me", "fault": { "kind": "status", "status": 502 }, "times": 1 }),
    )
    .await;
    assert_eq!(fault.status(), StatusCode::NO_CONTENT);
    let faulted = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(faulted.status(), StatusCode::BAD_GATEWAY);
    let delay = post(
        &http,
        format!("{admin}/faults"),
        json!({ "endpoint": "accessible_resources", "fault": { "kind": "delay", "millis": 300 } }),
    )
    .await;
    assert_eq!(delay.status(), StatusCode::NO_CONTENT);
    let started = std::time::Instant::now();
    let resources = http
        .get(format!("{base}/api/oauth/token/accessible-resources"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(resources.json::<Value>().await.unwrap()[0]["id"], SITE_ID);
    for kind in ["malformed_json", "html_body", "drop_connection"] {
        let queued = post(
            &http,
            format!("{admin}/faults"),
            json!({ "endpoint": "token", "fault": { "kind": kind } }),
        )
        .await;
        assert_eq!(queued.status(), StatusCode::NO_CONTENT, "{kind}");
    }
    assert_eq!(
        http.delete(format!("{admin}/faults"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );

    // The clock through the admin API: the access token expires.
    let advanced = post(
        &http,
        format!("{admin}/clock/advance"),
        json!({ "seconds": 3600 }),
    )
    .await;
    assert_eq!(advanced.status(), StatusCode::OK);
    assert_eq!(
        advanced.json::<Value>().await.unwrap()["offset_seconds"],
        3600
    );
    let expired = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);

    // Stats reflect all of the above.
    let stats: Value = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["calls"]["authorize"], 2);
    assert_eq!(stats["calls"]["token"], 1);
    assert_eq!(stats["calls"]["me"], 3);
    assert_eq!(stats["calls"]["accessible_resources"], 1);
    assert_eq!(stats["issued"]["codes_issued"], 1);
    assert_eq!(stats["issued"]["access_tokens_issued"], 1);
    assert_eq!(stats["issued"]["refresh_tokens_issued"], 1);
    assert_eq!(stats["clock_offset_seconds"], 3600);

    // Auto consent off, login-hint mode on.
    assert_eq!(
        put(&http, format!("{admin}/auto_consent"), Value::Null)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        http.get(authorize(&base, CLIENT_ID, &[]))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let hint = put(
        &http,
        format!("{admin}/auto_consent/login_hint"),
        json!({ "enabled": true }),
    )
    .await;
    assert_eq!(hint.status(), StatusCode::NO_CONTENT);
    let hinted = http
        .get(authorize(
            &base,
            CLIENT_ID,
            &[("login_hint", "ada@example.com")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(hinted.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn the_admin_api_refuses_malformed_requests_with_json_errors() {
    let emulator = atlassian_emulator::start(Seed::Demo).await.unwrap();
    let admin = format!("{}/__admin", emulator.base_url());
    let http = client();
    let cases = [
        (format!("{admin}/apps"), json!({ "client_id": "x" })),
        (
            format!("{admin}/accounts"),
            json!({ "email": "no-id@example.com" }),
        ),
        (format!("{admin}/clock/advance"), json!({ "seconds": -5 })),
        (
            format!("{admin}/faults"),
            json!({ "endpoint": "nowhere", "fault": { "kind": "html_body" } }),
        ),
        (
            format!("{admin}/faults"),
            json!({ "endpoint": "token", "fault": { "kind": "explode" } }),
        ),
        (
            format!("{admin}/faults"),
            json!({ "endpoint": "token", "fault": { "kind": "status", "status": 42 } }),
        ),
    ];
    for (url, body) in cases {
        let response = post(&http, url.clone(), body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url} {body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string(), "{error}");
    }
    // Nothing was changed by the refused calls.
    let stats: Value = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["clock_offset_seconds"], 0);
}

#[tokio::test]
async fn the_admin_api_can_be_left_out() {
    let emulator = Emulator::new(Seed::Demo)
        .admin_api(false)
        .start()
        .await
        .unwrap();
    let response = client()
        .get(format!("{}/__admin/stats", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    emulator.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_the_listener() {
    let emulator = atlassian_emulator::start(Seed::Demo).await.unwrap();
    let base = emulator.base_url();
    assert_eq!(
        client().get(&base).send().await.unwrap().status(),
        StatusCode::OK
    );
    emulator.shutdown().await;
    assert!(client().get(&base).send().await.unwrap_err().is_connect());
}

#[tokio::test]
async fn the_binary_prints_its_urls_serves_the_admin_api_and_stops_on_ctrl_c() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_atlassian-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "demo",
            "--redirect-uri",
            REDIRECT_URI,
        ])
        .env_remove("ATLASSIAN_EMULATOR_LISTEN")
        .env_remove("ATLASSIAN_EMULATOR_SEED")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("base_url") {
                return url.trim().to_owned();
            }
        }
        panic!("the binary exited without printing base_url");
    })
    .await
    .expect("base_url printed in time");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let http = client();
    let stats = http
        .get(format!("{base}/__admin/stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), StatusCode::OK);
    // --redirect-uri registered the callback for the demo app: the consent page opens.
    let page = http
        .get(authorize(&base, demo::CLIENT_ID, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(demo::APP_NAME));
    // And the admin API drives the binary: auto consent by login hint.
    put(
        &http,
        format!("{base}/__admin/auto_consent/login_hint"),
        json!({ "enabled": true }),
    )
    .await;
    let hinted = http
        .get(authorize(
            &base,
            demo::CLIENT_ID,
            &[("login_hint", demo::EMAIL_DEFAULT)],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(hinted.status(), StatusCode::FOUND);

    let pid = child.id().expect("running").to_string();
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(signalled.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the binary stops within 10 s of Ctrl-C")
        .unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
    assert!(http.get(&base).send().await.unwrap_err().is_connect());
}
