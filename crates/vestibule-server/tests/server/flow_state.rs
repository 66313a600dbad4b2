//! The callback's `state` check: missing, reused, expired, from another browser; and a
//! replayed authorization code.

use std::time::Duration;

use atlassian_emulator::{Endpoint, demo};
use url::Url;

use crate::common::{Browser, TestServer, consent_as, error_of, location};

fn with_state(callback: &str, state: &str) -> String {
    let mut url = Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

fn without_state(callback: &str) -> String {
    let mut url = Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "state")
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}

#[tokio::test]
async fn a_callback_without_state_or_flow_cookie_is_refused() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);

    // No state parameter.
    let browser = Browser::new();
    let callback = browser.consent(&browser.start(&server, "").await).await;
    let landed = browser.callback(&without_state(&callback)).await;
    assert_eq!(error_of(&landed).as_deref(), Some("state_missing"));

    // No flow at all in this browser.
    let landed = Browser::new()
        .callback(&server.url("/v1/oauth_callback?code=x&state=y"))
        .await;
    assert_eq!(landed, server.url("/sign-in?error=state_missing"));

    assert_eq!(server.control().call_count(Endpoint::Token), 0);
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_state_works_once() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let callback = browser.consent(&browser.start(&server, "").await).await;
    // Keep the flow cookie as it was, as an attacker replaying the whole request would.
    let cookie = browser.cookies_for(&server.url("/"));
    assert_eq!(browser.callback(&callback).await, server.url("/user"));

    // The same browser replays the callback: its flow cookie was cleared.
    let again = browser.callback(&callback).await;
    assert_eq!(error_of(&again).as_deref(), Some("state_missing"));

    // The request replayed byte for byte, old cookie included: the flow is consumed.
    let replay = server
        .http
        .get(&callback)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(&location(&replay)).as_deref(),
        Some("state_mismatch")
    );

    assert_eq!(server.control().call_count(Endpoint::Token), 1);
    assert_eq!(server.counts().await, (1, 1, 1));
    server.shutdown().await;
}

#[tokio::test]
async fn a_state_expires_after_ten_minutes() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let callback = browser.consent(&browser.start(&server, "").await).await;
    server
        .server
        .state
        .clock
        .advance(Duration::from_secs(10 * 60 + 1));
    let landed = browser.callback(&callback).await;
    assert_eq!(landed, server.url("/sign-in?error=state_expired"));
    assert_eq!(server.control().call_count(Endpoint::Token), 0);
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_state_from_another_browser_is_refused() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let victim = Browser::new();
    let attacker = Browser::new();

    // The attacker's callback URL (their code, their state) opened in the victim's browser,
    // which has no flow: login CSRF refused.
    let attackers_callback = attacker.consent(&attacker.start(&server, "").await).await;
    let landed = victim.callback(&attackers_callback).await;
    assert_eq!(error_of(&landed).as_deref(), Some("state_missing"));

    // And while the victim has a flow of their own: the states differ.
    let _victims_authorize = victim.start(&server, "").await;
    let landed = victim.callback(&attackers_callback).await;
    assert_eq!(error_of(&landed).as_deref(), Some("state_mismatch"));

    // A forged state with the victim's own code is refused too.
    let victims_callback = victim.consent(&victim.start(&server, "").await).await;
    let landed = victim
        .callback(&with_state(&victims_callback, "forged"))
        .await;
    assert_eq!(error_of(&landed).as_deref(), Some("state_mismatch"));

    assert_eq!(victim.client_state(&server).await.user, None);
    assert_eq!(server.control().call_count(Endpoint::Token), 0);
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_by_atlassian_and_signs_no_one_in() {
    let server = TestServer::development().await;
    let control = server.control();
    consent_as(&control, demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let first = browser.consent(&browser.start(&server, "").await).await;
    assert_eq!(browser.callback(&first).await, server.url("/user"));
    let code = Url::parse(&first)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    // Another browser with a valid flow of its own presents the used code.
    let other = Browser::new();
    let own = other.consent(&other.start(&server, "").await).await;
    let own_state = Url::parse(&own)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let replay = format!(
        "{}?code={code}&state={own_state}",
        server.url("/v1/oauth_callback")
    );
    let landed = other.callback(&replay).await;
    assert_eq!(landed, server.url("/sign-in?error=invalid_grant"));
    assert_eq!(other.client_state(&server).await.user, None);
    assert_eq!(server.counts().await, (1, 1, 1));
    // Atlassian revoked what the first exchange issued (RFC 6749 §4.1.2).
    assert_eq!(control.issued().families_revoked, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_callback_with_a_repeated_parameter_is_refused_and_its_flow_is_spent() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let authorize = browser.start(&server, "").await;
    let callback = browser.consent(&authorize).await;
    let landed = browser.callback(&format!("{callback}&state=another")).await;
    assert_eq!(error_of(&landed).as_deref(), Some("invalid_field"));
    assert_eq!(server.count("oauth_flows").await, 0, "the flow was taken");
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
}
