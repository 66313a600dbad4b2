//! Sessions: sign-out, revocation, lifetimes, and the cross-site defences of the browser API.

use std::time::Duration;

use atlassian_emulator::demo;
use reqwest::{Method, StatusCode};
use vestibule_core::api::{ClientState, SessionList};

use crate::common::{Browser, TestServer, consent_as};

async fn signed_in(server: &TestServer) -> Browser {
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    assert_eq!(browser.sign_in(server, "").await, server.url("/user"));
    browser
}

#[tokio::test]
async fn signed_out_client_state_is_empty() {
    let server = TestServer::development().await;
    let body = Browser::new()
        .get(&server.url("/v1/client"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(body, r#"{"session":null,"user":null}"#);
    server.shutdown().await;
}

#[tokio::test]
async fn sign_out_takes_effect_on_the_next_request() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;
    let cookie = browser.cookies_for(&server.url("/"));
    assert!(browser.client_state(&server).await.user.is_some());

    let out = browser.send(&server, Method::POST, "/v1/sign_out").await;
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(browser.client_state(&server).await, ClientState::default());

    // The old cookie, kept by someone, is dead too.
    let stolen: ClientState = server
        .http
        .get(server.url("/v1/client"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stolen, ClientState::default());
    assert_eq!(server.count("sessions").await, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn revoking_another_session_ends_it_at_once() {
    let server = TestServer::development().await;
    let laptop = signed_in(&server).await;
    let phone = signed_in(&server).await;

    let list: SessionList = laptop
        .get(&server.url("/v1/me/sessions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.sessions.len(), 2);
    assert_eq!(list.sessions.iter().filter(|s| s.current).count(), 1);
    let phones = list
        .sessions
        .iter()
        .find(|s| !s.current)
        .unwrap()
        .id
        .clone();

    // Warm the phone's session in the cache, then revoke it from the laptop.
    assert!(phone.client_state(&server).await.user.is_some());
    let revoked = laptop
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/sessions/{phones}"),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(phone.client_state(&server).await, ClientState::default());
    assert!(laptop.client_state(&server).await.user.is_some());

    // Someone else's session id is not found, and nothing happens to it.
    let other = {
        consent_as(&server.control(), demo::ACCOUNT_THREE_SITES);
        let b = Browser::new();
        b.sign_in(&server, "").await;
        b
    };
    let others = other.client_state(&server).await.session.unwrap().id;
    let refused = laptop
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/sessions/{others}"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert!(other.client_state(&server).await.user.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn sessions_end_after_inactivity_and_at_their_absolute_lifetime() {
    let server = TestServer::development_with(|args| {
        args.session_inactivity_timeout = Duration::from_secs(3600);
        args.session_lifetime = Duration::from_secs(4 * 3600);
    })
    .await;
    let clock = &server.server.state.clock;

    let idle = signed_in(&server).await;
    clock.advance(Duration::from_secs(3601));
    assert_eq!(idle.client_state(&server).await, ClientState::default());

    // Active every 50 minutes: alive past the inactivity timeout, dead at 4 hours.
    let busy = signed_in(&server).await;
    for _ in 0..4 {
        clock.advance(Duration::from_secs(50 * 60));
        assert!(busy.client_state(&server).await.user.is_some());
    }
    clock.advance(Duration::from_secs(50 * 60));
    assert_eq!(busy.client_state(&server).await, ClientState::default());
    server.shutdown().await;
}

#[tokio::test]
async fn session_cookie_is_http_only_and_lax() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    let callback = browser.consent(&browser.start(&server, "").await).await;
    let response = browser.get(&callback).await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies.iter().find(|c| c.contains("vst_session_")).unwrap();
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
    assert!(session.contains("Path=/"));
    // 256 random bits, URL-safe base64.
    let value = session
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1;
    assert_eq!(value.len(), 43);
    let flow_removed = cookies
        .iter()
        .find(|c| c.contains("vst_oauth_flow_"))
        .unwrap();
    assert!(flow_removed.contains("Max-Age=0"));
    server.shutdown().await;
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let server = TestServer::development().await;
    let browser = signed_in(&server).await;

    // A form on evil.test posting to sign out.
    let refused = browser
        .http
        .post(server.url("/v1/sign_out"))
        .header("origin", "https://evil.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "cross_site_request");

    // No Origin, but the browser says it is cross-site.
    let refused = browser
        .http
        .post(server.url("/v1/sign_out"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Origin "null" (sandboxed frames, some redirects).
    let refused = browser
        .http
        .delete(server.url("/v1/me/sessions/x"))
        .header("origin", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(browser.client_state(&server).await.user.is_some());

    // Same-site fetch metadata is fine; so is an allowed origin.
    let ok = browser
        .http
        .post(server.url("/v1/sign_out"))
        .header("origin", "https://allowed.test")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    server.shutdown().await;
}
