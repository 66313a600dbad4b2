//! A loopback stand-in for Vestibule (JWKS, backend API) and Jira, an EdDSA key to mint
//! session tokens with, and the example's router on a real listener: shared by the
//! handler tests and the bench.
#![allow(dead_code)]

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use url::Url;
use vestibule_axum::{Backend, VestibuleAuth};
use vestibule_core::session_token::{JsonWebKey, JsonWebKeySet, SessionClaims};

pub const APP_ORIGIN: &str = "http://app.example.test";
pub const SITE: &str = "site-1";
pub const KID: &str = "k1";

/// How the stand-in answers.
#[derive(Clone)]
pub struct Answers {
    /// The backend API's `oauth_access_tokens` answer.
    pub grant: (StatusCode, Value),
    /// Jira's search answer.
    pub search: (StatusCode, Value),
}

impl Answers {
    /// A user with a Jira grant on [`SITE`] and five issues assigned.
    pub fn happy(base: &str) -> Self {
        Self {
            grant: (
                StatusCode::OK,
                grant(base, &["read:me", "read:jira-work", "read:jira-user"]),
            ),
            search: (
                StatusCode::OK,
                json!({ "isLast": true, "issues": (1..=5).map(|n| json!({
                    "id": format!("{n}"), "key": format!("ENG-{n}"),
                    "fields": { "summary": format!("Issue {n}"), "status": { "name": "To Do" },
                                "updated": "2026-11-20T09:12:00.000+0000" }
                })).collect::<Vec<_>>() }),
            ),
        }
    }
}

pub fn grant(api_url: &str, scopes: &[&str]) -> Value {
    json!({
        "external_account_id": "ext_1", "provider": "atlassian", "token": "at-secret",
        "expires_at": 4_000_000_000_i64, "scopes": scopes, "site_id": SITE, "api_url": api_url,
    })
}

pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// Starts the stand-in; `answers` gets its base URL and says what to answer.
pub async fn start_stub(key: &SigningKey, answers: impl FnOnce(&str) -> Answers) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let answers = answers(&base);
    let jwks = JsonWebKeySet {
        keys: vec![JsonWebKey::ed25519(
            KID,
            URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        )],
    };
    let (grant, search) = (answers.grant, answers.search);
    let router = axum::Router::new()
        .route(
            "/.well-known/jwks.json",
            get(move || async move { Json(jwks) }),
        )
        .route(
            "/v1/users/{id}/oauth_access_tokens/atlassian",
            get(move || async move { (grant.0, Json(grant.1)).into_response() }),
        )
        .route(
            "/ex/jira/{site}/rest/api/3/search/jql",
            get(move || async move { (search.0, Json(search.1)).into_response() }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Url::parse(&base).unwrap()
}

/// A token of the stand-in instance for `azp`, valid for ten minutes.
pub fn mint(key: &SigningKey, issuer: &Url, azp: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let claims = SessionClaims {
        iss: issuer.as_str().trim_end_matches('/').to_owned(),
        sub: "user_1".to_owned(),
        sid: "sess_1".to_owned(),
        azp: azp.to_owned(),
        iat: now,
        nbf: now,
        exp: now + 600,
        site_id: Some(SITE.to_owned()),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(KID.to_owned());
    let der = key
        .to_pkcs8_der()
        .expect("an Ed25519 key encodes as PKCS#8");
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(der.as_bytes()))
        .expect("signing a test token")
}

/// The example's router on a loopback listener, trusting the stand-in; its base URL.
pub async fn start_app(stub: &Url) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = jira_issues::AppState {
        auth: VestibuleAuth::new(stub.clone()).authorized_parties([APP_ORIGIN]),
        backend: Backend::new(stub.clone(), "sk_test_stub".to_owned()),
        http: reqwest::Client::new(),
    };
    let page: Arc<str> = "<html><head></head><body>page</body></html>".into();
    let router = jira_issues::app(state, page, std::path::Path::new("."));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}
