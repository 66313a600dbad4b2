//! Session tokens over real HTTP: minted only for a live session and a trusted origin, checked
//! by `vestibule-axum` against the instance's own JWKS, and kept valid across a key rotation.

use std::time::Duration;

use atlassian_emulator::demo;
use reqwest::{Method, StatusCode};
use vestibule_axum::{AuthError, Backend, VestibuleAuth};
use vestibule_core::session_token::{
    JsonWebKeySet, SESSION_TOKEN_LIFETIME_SECS, SessionClaims, SessionToken,
};
use vestibule_core::{ApiError, ErrorCode, ProviderId};
use vestibule_server::session_tokens::{self, RETIRED_KEY_RETENTION_SECS};

use crate::common::{Browser, TestServer, consent_as};

const ALLOWED: &str = "https://allowed.test";

async fn signed_in(server: &TestServer) -> (Browser, String) {
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let browser = Browser::new();
    browser.sign_in(server, "").await;
    let sid = browser.client_state(server).await.session.unwrap().id;
    (browser, sid)
}

async fn mint(
    browser: &Browser,
    server: &TestServer,
    sid: &str,
    origin: &str,
) -> reqwest::Response {
    browser
        .http
        .post(server.url(&format!("/v1/client/sessions/{sid}/tokens")))
        .header("origin", origin)
        .send()
        .await
        .unwrap()
}

async fn minted(browser: &Browser, server: &TestServer, sid: &str, origin: &str) -> SessionToken {
    let response = mint(browser, server, sid, origin).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn refused_with(response: reqwest::Response, status: StatusCode, code: ErrorCode) {
    assert_eq!(response.status(), status);
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, code, "{}", error.message);
}

/// The instance's issuer, as its tokens carry it.
fn issuer(server: &TestServer) -> String {
    server.url("")
}

fn verifier(server: &TestServer) -> VestibuleAuth {
    VestibuleAuth::new(issuer(server).parse().unwrap())
        .authorized_parties([issuer(server), ALLOWED.to_owned()])
        .jwks_refetch_interval(Duration::ZERO)
}

async fn jwks(server: &TestServer) -> JsonWebKeySet {
    server
        .http
        .get(server.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_in_browser_gets_a_token_its_app_can_verify() {
    let server = TestServer::development().await;
    let (browser, sid) = signed_in(&server).await;
    let user = browser.client_state(&server).await.user.unwrap();
    let token = minted(&browser, &server, &sid, &issuer(&server)).await;

    let header = jsonwebtoken::decode_header(&token.jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.kid, server.server.state.signing_keys.active_kid());
    let claims = jsonwebtoken::dangerous::insecure_decode::<SessionClaims>(&token.jwt)
        .unwrap()
        .claims;
    assert_eq!(claims.iss, issuer(&server));
    assert!(!claims.iss.ends_with('/'));
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.sid, sid);
    assert_eq!(claims.azp, issuer(&server));
    assert_eq!(claims.nbf, claims.iat);
    assert_eq!(claims.exp - claims.iat, SESSION_TOKEN_LIFETIME_SECS);
    assert_eq!(token.expires_at, claims.exp);
    assert_eq!(claims.site_id.as_deref(), Some(demo::SITE_DEFAULT));

    // The app's backend checks it against the instance's JWKS.
    let signed_in = verifier(&server).verify(&token.jwt).await.unwrap();
    assert_eq!(signed_in.user_id, user.id);
    assert_eq!(signed_in.session_id, sid);
    assert_eq!(signed_in.site_id.as_deref(), Some(demo::SITE_DEFAULT));

    // An allowed origin gets a token naming it.
    let token = minted(&browser, &server, &sid, ALLOWED).await;
    let signed_in = verifier(&server).verify(&token.jwt).await.unwrap();
    assert_eq!(signed_in.authorized_party, ALLOWED);
    server.shutdown().await;
}

#[tokio::test]
async fn tokens_are_minted_only_for_the_live_session_and_a_trusted_origin() {
    let server = TestServer::development().await;
    let (browser, sid) = signed_in(&server).await;
    let own = issuer(&server);

    let stranger = Browser::new();
    refused_with(
        mint(&stranger, &server, &sid, &own).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
    refused_with(
        mint(&browser, &server, "sess_someone_else", &own).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
    for origin in [
        "https://evil.test",
        "null",
        "https://allowed.test.evil.test",
    ] {
        refused_with(
            mint(&browser, &server, &sid, origin).await,
            StatusCode::FORBIDDEN,
            ErrorCode::CrossSiteRequest,
        )
        .await;
    }

    // Signing out stops new tokens at once.
    let out = browser.send(&server, Method::POST, "/v1/sign_out").await;
    assert_eq!(out.status(), StatusCode::OK);
    refused_with(
        mint(&browser, &server, &sid, &own).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn revoked_and_expired_sessions_get_no_token() {
    let server = TestServer::development().await;
    let (browser, sid) = signed_in(&server).await;
    let (other, other_sid) = signed_in(&server).await;
    let own = issuer(&server);
    minted(&other, &server, &other_sid, &own).await;

    // Revoked from the first browser's device list.
    let revoked = browser
        .send(
            &server,
            Method::DELETE,
            &format!("/v1/me/sessions/{other_sid}"),
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    refused_with(
        mint(&other, &server, &other_sid, &own).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;

    // Past its inactivity timeout.
    minted(&browser, &server, &sid, &own).await;
    let inactivity = server.server.state.settings.session_inactivity as u64;
    server
        .server
        .state
        .clock
        .advance(Duration::from_secs(inactivity + 1));
    refused_with(
        mint(&browser, &server, &sid, &own).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthenticated,
    )
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_jwks_is_public_and_rotation_keeps_old_tokens_valid_until_they_expire() {
    let server = TestServer::development().await;
    let state = &server.server.state;
    let (browser, sid) = signed_in(&server).await;
    let own = issuer(&server);

    let response = server
        .http
        .get(server.url("/.well-known/jwks.json"))
        .header("origin", "https://anyone.test")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let first = jwks(&server).await;
    assert_eq!(first.keys.len(), 1);
    let old_kid = first.keys[0].kid.clone();
    assert_eq!(
        (first.keys[0].kty.as_str(), first.keys[0].crv.as_str()),
        ("OKP", "Ed25519")
    );
    let old_token = minted(&browser, &server, &sid, &own).await;

    let new_kid = session_tokens::rotate(&state.db, &state.master_key, state.clock.now())
        .await
        .unwrap();
    state
        .signing_keys
        .reload(&state.db, &state.master_key, state.clock.now())
        .await
        .unwrap();
    let both: Vec<String> = jwks(&server)
        .await
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(
        both,
        [new_kid.clone(), old_kid.clone()],
        "newest first, the old one kept"
    );
    let new_token = minted(&browser, &server, &sid, &own).await;
    let header = jsonwebtoken::decode_header(&new_token.jwt).unwrap();
    assert_eq!(
        header.kid.as_deref(),
        Some(new_kid.as_str()),
        "the new key signs"
    );

    // A verifier that knew only the old key learns the new one, and still takes old tokens.
    let auth = verifier(&server);
    auth.verify(&old_token.jwt).await.unwrap();
    auth.verify(&new_token.jwt).await.unwrap();
    auth.verify(&old_token.jwt).await.unwrap();

    // Once every token the old key signed has expired, it leaves the JWKS.
    state
        .clock
        .advance(Duration::from_secs(RETIRED_KEY_RETENTION_SECS as u64 + 1));
    state
        .signing_keys
        .reload(&state.db, &state.master_key, state.clock.now())
        .await
        .unwrap();
    let after: Vec<String> = jwks(&server)
        .await
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(after, [new_kid]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_running_server_picks_up_a_rotation_by_the_cli() {
    let server = TestServer::development().await;
    let before = server.server.state.signing_keys.active_kid().unwrap();
    // Let the reload task take its first (immediate) turn, so that only a periodic re-read
    // can notice what the CLI does next.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vestibule"))
        .args(["keys", "rotate", "--data-dir"])
        .arg(server.data_dir.path())
        .env("RUST_LOG", "warn")
        .env_remove("VESTIBULE_DATABASE_URL")
        .env_remove("VESTIBULE_MASTER_KEY")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let new_kid = stdout
        .split_whitespace()
        .find(|w| w.starts_with("ed25519_"))
        .unwrap()
        .trim_end_matches(';')
        .to_owned();
    assert_ne!(new_kid, before);

    // Within one reload interval (plus slack), the server signs with it.
    let deadline =
        std::time::Instant::now() + session_tokens::KEY_RELOAD_INTERVAL + Duration::from_secs(3);
    while server.server.state.signing_keys.active_kid().as_deref() != Some(new_kid.as_str()) {
        assert!(std::time::Instant::now() < deadline, "rotation not noticed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let kids: Vec<String> = jwks(&server)
        .await
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, [new_kid, before]);
    server.shutdown().await;
}

#[tokio::test]
async fn access_tokens_say_which_api_to_call() {
    let server = TestServer::development().await;
    let (browser, _) = signed_in(&server).await;
    let user = browser.client_state(&server).await.user.unwrap();
    let backend = Backend::new(issuer(&server).parse().unwrap(), server.secret_key.clone());
    assert_eq!(backend.users().get(&user.id).await.unwrap(), user);
    let token = backend
        .oauth_access_token(&user.id, ProviderId::Atlassian)
        .await
        .unwrap();
    assert_eq!(
        token.api_url,
        server.emulator().api_base_url().trim_end_matches('/')
    );
    assert_eq!(token.site_id.as_deref(), Some(demo::SITE_DEFAULT));
    let missing = backend.users().get("user_nobody").await.unwrap_err();
    assert_eq!(missing.code(), Some(ErrorCode::NotFound));
    let wrong = Backend::new(issuer(&server).parse().unwrap(), "sk_test_wrong");
    let denied = wrong.users().get(&user.id).await.unwrap_err();
    assert_eq!(denied.code(), Some(ErrorCode::InvalidSecretKey));
    server.shutdown().await;
}

#[tokio::test]
async fn a_token_for_another_instance_is_refused_by_this_ones_verifier() {
    let one = TestServer::development().await;
    let two = TestServer::development().await;
    let (browser, sid) = signed_in(&two).await;
    let token = minted(&browser, &two, &sid, &issuer(&two)).await;
    let auth = VestibuleAuth::new(issuer(&one).parse().unwrap()).authorized_parties([issuer(&two)]);
    assert_eq!(auth.verify(&token.jwt).await, Err(AuthError::Invalid));
    one.shutdown().await;
    two.shutdown().await;
}
