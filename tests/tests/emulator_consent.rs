//! The Atlassian emulator's consent page in headless Chromium: pick an account, pick a site, Accept (or
//! Cancel), and check what the app's callback URL received.

use anyhow::{Context, Result, bail};
use atlassian_emulator::{Seed, demo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use vestibule_e2e::{Browser, WAIT};

const STATE: &str = "e2e-state-42";

/// A stand-in for the app's callback: records each `/callback?...` request target and answers a tiny page.
async fn start_callback_recorder() -> Result<(String, mpsc::UnboundedReceiver<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/callback", listener.local_addr()?);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let target = head
                    .lines()
                    .next()
                    .and_then(|line| line.split_whitespace().nth(1));
                if let Some(target) = target.filter(|t| t.starts_with("/callback")) {
                    let _ = tx.send(target.to_owned());
                }
                let body = "<!doctype html><title>Callback</title><h1 data-testid=\"callback\">Back at the app</h1>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok((url, rx))
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let (_, query) = target.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| decode(value))
    })
}

fn authorize_url(auth_base_url: &str, redirect_uri: &str) -> String {
    format!(
        "{auth_base_url}/authorize?audience=api.atlassian.com&client_id={}&scope={}&redirect_uri={}&state={STATE}&response_type=code&prompt=consent",
        encode(demo::CLIENT_ID),
        encode("read:me offline_access"),
        encode(redirect_uri),
    )
}

async fn next_callback(rx: &mut mpsc::UnboundedReceiver<String>) -> Result<String> {
    match tokio::time::timeout(WAIT, rx.recv()).await {
        Ok(Some(target)) => Ok(target),
        Ok(None) => bail!("the callback recorder stopped"),
        Err(_) => bail!("the app's callback was not called within {WAIT:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_accept_redirects_with_code_and_state() -> Result<()> {
    let emulator = atlassian_emulator::start(Seed::Demo).await?;
    let control = emulator.control();
    let (redirect_uri, mut callbacks) = start_callback_recorder().await?;
    control.add_redirect_uri(demo::CLIENT_ID, &redirect_uri)?;

    let browser = Browser::start().await?;
    browser
        .goto(&authorize_url(&emulator.auth_base_url(), &redirect_uri))
        .await?;
    let app_name = browser.find("app-name").await?.text().await?;
    assert_eq!(app_name, demo::APP_NAME);
    let scopes = browser.find("scope-list").await?.text().await?;
    assert!(
        scopes.contains("read:me") && scopes.contains("offline_access"),
        "{scopes}"
    );
    browser.screenshot("emulator-consent").await?;

    browser
        .find(&format!("account-option-{}", demo::ACCOUNT_THREE_SITES))
        .await?
        .click()
        .await
        .context("picking Priya Raman")?;
    let sites = browser.find("site-select").await?;
    sites
        .select_by_value(demo::SITE_GLOBEX)
        .await
        .context("picking the globex site")?;
    assert_eq!(
        sites.prop("value").await?.as_deref(),
        Some(demo::SITE_GLOBEX)
    );
    browser.screenshot("emulator-consent-filled").await?;
    // The scopes and the buttons sit below the fold of a 900 px window.
    browser
        .client()
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await?;
    browser.screenshot("emulator-consent-actions").await?;
    browser.find("accept").await?.click().await?;

    let target = next_callback(&mut callbacks).await?;
    let code = query_param(&target, "code").context("the redirect carried no code")?;
    assert!(code.len() >= 22, "code {code:?}");
    assert_eq!(query_param(&target, "state").as_deref(), Some(STATE));
    assert_eq!(query_param(&target, "error"), None);
    browser
        .wait_for_url("the app's callback", |url| url.starts_with(&redirect_uri))
        .await?;
    assert_eq!(control.issued().codes_issued, 1);

    browser.close().await?;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_cancel_redirects_with_access_denied() -> Result<()> {
    let emulator = atlassian_emulator::start(Seed::Demo).await?;
    let control = emulator.control();
    let (redirect_uri, mut callbacks) = start_callback_recorder().await?;
    control.add_redirect_uri(demo::CLIENT_ID, &redirect_uri)?;

    let browser = Browser::start().await?;
    browser
        .goto(&authorize_url(&emulator.auth_base_url(), &redirect_uri))
        .await?;
    browser
        .find(&format!("account-option-{}", demo::ACCOUNT_DEFAULT))
        .await?
        .click()
        .await?;
    browser.screenshot("emulator-consent-before-cancel").await?;
    browser.find("cancel").await?.click().await?;

    let target = next_callback(&mut callbacks).await?;
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_param(&target, "error_description").is_some_and(|d| !d.is_empty()));
    assert_eq!(query_param(&target, "state").as_deref(), Some(STATE));
    assert_eq!(query_param(&target, "code"), None);
    assert_eq!(control.issued().codes_issued, 0);

    browser.close().await?;
    emulator.shutdown().await;
    Ok(())
}

#[test]
fn query_params_are_decoded() {
    let target =
        "/callback?error=access_denied&error_description=User+did%20not%2Fauthorize&state=s";
    assert_eq!(
        query_param(target, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(target, "error_description").as_deref(),
        Some("User did not/authorize")
    );
    assert_eq!(query_param(target, "code"), None);
    assert_eq!(decode("100%"), "100%");
    assert_eq!(encode("http://a/b c"), "http%3A%2F%2Fa%2Fb%20c");
}
