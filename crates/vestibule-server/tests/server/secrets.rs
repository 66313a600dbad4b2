//! No secret in plain text: not in the SQLite files, not in the logs.

use atlassian_emulator::demo;
use vestibule_core::api::OAuthAccessToken;
use vestibule_server::store::accounts;

use crate::common::{
    Browser, PROD_CLIENT_SECRET, TestServer, atlassian, captured_logs, consent_as,
};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_secret_is_stored_or_logged_in_plain_text() {
    let atlassian = atlassian().await;
    let control = atlassian.control();
    let server = TestServer::production(&atlassian).await;
    server.register_production_app(&control).await;
    consent_as(&control, demo::ACCOUNT_DEFAULT);

    let browser = Browser::new();
    assert_eq!(browser.sign_in(&server, "").await, server.url("/user"));
    let session_token = browser
        .cookies_for(&server.url("/"))
        .split("; ")
        .find_map(|c| {
            c.split_once('=')
                .filter(|(k, _)| k.contains("vst_session_"))
                .map(|(_, v)| v.to_owned())
        })
        .expect("a session cookie");
    let user = browser.client_state(&server).await.user.unwrap();
    let token_url = server.url(&format!(
        "/v1/users/{}/oauth_access_tokens/atlassian",
        user.id
    ));

    let first: OAuthAccessToken = server
        .http
        .get(&token_url)
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state = &server.server.state;
    let refresh_before = accounts::account(&state.db, &first.external_account_id)
        .await
        .unwrap()
        .unwrap()
        .open_refresh_token(&state.master_key)
        .unwrap()
        .unwrap();
    // Force a refresh so that a rotated pair is stored too.
    sqlx::query("UPDATE external_accounts SET access_token_expires_at = 0")
        .execute(crate::common::sqlite(&state.db))
        .await
        .unwrap();
    let second: OAuthAccessToken = server
        .http
        .get(&token_url)
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(first.token, second.token);
    let row = accounts::account(&state.db, &first.external_account_id)
        .await
        .unwrap()
        .unwrap();
    let refresh_after = row.open_refresh_token(&state.master_key).unwrap().unwrap();
    assert_ne!(refresh_before, refresh_after, "the refresh token rotated");

    let secrets = [
        ("client secret", PROD_CLIENT_SECRET.to_owned()),
        ("first access token", first.token.clone()),
        ("second access token", second.token.clone()),
        ("first refresh token", refresh_before),
        ("second refresh token", refresh_after),
        ("session token", session_token),
        ("secret key", server.secret_key.clone()),
    ];

    // The raw database files, write-ahead log included, checkpointed or not.
    let mut raw = Vec::new();
    for entry in std::fs::read_dir(server.data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("vestibule.db")
        {
            raw.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(raw.len() > 4096, "the database files were read");
    assert!(
        contains(&raw, demo::ACCOUNT_DEFAULT),
        "the scan sees plain columns"
    );
    for (what, secret) in &secrets {
        assert!(
            !contains(&raw, secret),
            "{what} found in the database files"
        );
    }

    let logs = captured_logs().lock().unwrap().clone();
    assert!(
        contains(&logs, "sign-in completed"),
        "the logs were captured"
    );
    for (what, secret) in &secrets {
        if let Some(at) = logs
            .windows(secret.len())
            .position(|w| w == secret.as_bytes())
        {
            let from = at.saturating_sub(400);
            panic!(
                "{what} found in the logs: {}",
                String::from_utf8_lossy(&logs[from..(at + 100).min(logs.len())])
            );
        }
    }
    server.shutdown().await;
    atlassian.shutdown().await;
}
