//! A stand-in Vestibule instance: Ed25519 keys, a JWKS endpoint that counts its fetches, and
//! a token minter that can write any header and claims.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use vestibule_axum::VestibuleAuth;
use vestibule_core::session_token::{JsonWebKey, JsonWebKeySet, SessionClaims};

pub const APP: &str = "http://app.vestibule.test:4100";

/// One Ed25519 key with its id.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub signing: SigningKey,
}

impl TestKey {
    pub fn new(kid: &str) -> Self {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        Self {
            kid: kid.to_owned(),
            signing: SigningKey::from_bytes(&seed),
        }
    }

    pub fn public_x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.verifying_key().to_bytes())
    }

    pub fn jwk(&self) -> JsonWebKey {
        JsonWebKey::ed25519(&self.kid, self.public_x())
    }

    pub fn encoding_key(&self) -> EncodingKey {
        EncodingKey::from_ed_der(self.signing.to_pkcs8_der().unwrap().as_bytes())
    }

    /// `claims` signed by this key, with `kid` in the header.
    pub fn sign(&self, claims: &SessionClaims) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).unwrap()
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Good claims for `issuer`, minted now for [`APP`].
pub fn claims(issuer: &str) -> SessionClaims {
    let now = now();
    SessionClaims {
        iss: issuer.to_owned(),
        sub: "user_1".into(),
        sid: "sess_1".into(),
        azp: APP.into(),
        iat: now,
        nbf: now,
        exp: now + 60,
        site_id: Some("cloud-1".into()),
    }
}

#[derive(Clone, Default)]
struct Published {
    keys: Arc<Mutex<Vec<JsonWebKey>>>,
    fetches: Arc<AtomicU64>,
}

/// The stand-in instance: its issuer URL, its keys and how often its JWKS was fetched.
pub struct Instance {
    pub issuer: String,
    pub key: TestKey,
    published: Published,
    task: tokio::task::JoinHandle<()>,
}

impl Instance {
    pub async fn start() -> Self {
        let key = TestKey::new("key-1");
        let published = Published::default();
        published.keys.lock().unwrap().push(key.jwk());
        let app = Router::new()
            .route(
                "/.well-known/jwks.json",
                get(|State(p): State<Published>| async move {
                    p.fetches.fetch_add(1, Ordering::SeqCst);
                    let keys = p.keys.lock().unwrap().clone();
                    axum::Json(JsonWebKeySet { keys })
                }),
            )
            .with_state(published.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            issuer,
            key,
            published,
            task,
        }
    }

    /// A verifier for this instance that accepts [`APP`].
    pub fn auth(&self) -> VestibuleAuth {
        VestibuleAuth::new(self.issuer.parse().unwrap()).authorized_parties([APP])
    }

    pub fn publish(&self, key: &TestKey) {
        self.published.keys.lock().unwrap().push(key.jwk());
    }

    pub fn fetches(&self) -> u64 {
        self.published.fetches.load(Ordering::SeqCst)
    }

    /// A token this instance would mint now.
    pub fn token(&self) -> String {
        self.key.sign(&claims(&self.issuer))
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

/// `header.claims.` with any JSON in both parts and the signature given.
pub fn raw_token(header: &serde_json::Value, claims: &SessionClaims, signature: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap());
    let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    format!("{header}.{claims}.{signature}")
}
