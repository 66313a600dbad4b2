//! `cargo bench -p vestibule-axum --bench verify`
//!
//! Session-token verification on one core (a current-thread runtime, one OS thread), the
//! median of several runs, against the target of 50,000 verifications per second:
//!
//! - `ed25519_verify`: plain Ed25519 signature checks of a token-sized message, the floor
//!   under everything else;
//! - `session_token_verify`: `VestibuleAuth::verify` on distinct, valid tokens (header and
//!   claims parsed, signature, `exp`/`nbf`/`iss`/`azp` checked), keys already cached.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::{Signer, SigningKey, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use vestibule_axum::VestibuleAuth;
use vestibule_core::session_token::{JsonWebKey, JsonWebKeySet, SessionClaims};

const RUNS: usize = 5;
const PER_RUN: usize = 20_000;
const TARGET_PER_S: f64 = 50_000.0;
const APP: &str = "https://app.example.com";

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn per_second(runs: usize, mut run: impl FnMut() -> Duration) -> f64 {
    median(
        (0..runs)
            .map(|_| PER_RUN as f64 / run().as_secs_f64())
            .collect(),
    )
}

fn main() {
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let public = key.verifying_key();

    // A message as long as a real token's signing input.
    let message = vec![b'x'; 330];
    let signature = key.sign(&message);
    let plain = per_second(RUNS, || {
        let started = Instant::now();
        for _ in 0..PER_RUN {
            public.verify(&message, &signature).expect("valid");
        }
        started.elapsed()
    });
    println!("ed25519_verify threads=1 runs={RUNS} per_run={PER_RUN} per_s={plain:.0}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (full, repeat) = runtime.block_on(async {
        let jwks = JsonWebKeySet {
            keys: vec![JsonWebKey::ed25519(
                "bench",
                URL_SAFE_NO_PAD.encode(public.to_bytes()),
            )],
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let tokens = mint(&key, &issuer, PER_RUN);
        let auth = VestibuleAuth::new(issuer.parse().unwrap()).authorized_parties([APP]);
        let uncached = auth.clone().cache_verified_tokens(false);
        auth.verify(&tokens[0])
            .await
            .expect("the bench token verifies");
        let mut rates = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            for token in &tokens {
                uncached.verify(token).await.expect("valid");
            }
            rates.push(PER_RUN as f64 / started.elapsed().as_secs_f64());
        }
        let mut repeats = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            for _ in 0..PER_RUN {
                auth.verify(&tokens[0]).await.expect("valid");
            }
            repeats.push(PER_RUN as f64 / started.elapsed().as_secs_f64());
        }
        (median(rates), median(repeats))
    });
    println!(
        "session_token_verify threads=1 runs={RUNS} per_run={PER_RUN} per_s={full:.0} target_per_s={TARGET_PER_S:.0} {}",
        if full >= TARGET_PER_S {
            "target=met"
        } else {
            "target=missed"
        }
    );
    println!(
        "session_token_verify_repeat threads=1 runs={RUNS} per_run={PER_RUN} per_s={repeat:.0} target_per_s={TARGET_PER_S:.0} {}",
        if repeat >= TARGET_PER_S {
            "target=met"
        } else {
            "target=missed"
        }
    );
}

/// `count` distinct valid tokens (their `sid`s differ).
fn mint(key: &SigningKey, issuer: &str, count: usize) -> Vec<String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let encoding = EncodingKey::from_ed_der(key.to_pkcs8_der().unwrap().as_bytes());
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("bench".into());
    (0..count)
        .map(|i| {
            let claims = SessionClaims {
                iss: issuer.to_owned(),
                sub: "user_2b7f1c0e9d8a4f6b8c1d2e3f4a5b6c7d".into(),
                sid: format!("sess_{i:032}"),
                azp: APP.into(),
                iat: now,
                nbf: now,
                // Long enough for every run.
                exp: now + 3600,
                site_id: Some("1324a887-45db-1bf4-1e99-ef0ff456d421".into()),
            };
            jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
        })
        .collect()
}
