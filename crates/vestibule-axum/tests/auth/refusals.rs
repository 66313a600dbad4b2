//! Every token that must not pass is refused, each with its own code; the key cache fetches
//! the JWKS once, follows a rotation, and cannot be made to hammer the instance.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use vestibule_axum::AuthError;

use crate::support::{APP, Instance, TestKey, claims, now, raw_token};

#[tokio::test]
async fn a_token_of_the_instance_passes_with_its_claims() {
    let instance = Instance::start().await;
    let auth = instance.auth();
    let user = auth.verify(&instance.token()).await.unwrap();
    assert_eq!(user.user_id, "user_1");
    assert_eq!(user.session_id, "sess_1");
    assert_eq!(user.site_id.as_deref(), Some("cloud-1"));
    assert_eq!(user.authorized_party, APP);
    // Verified networklessly from then on: one fetch for any number of tokens.
    for _ in 0..20 {
        auth.verify(&instance.token()).await.unwrap();
    }
    assert_eq!(instance.fetches(), 1);
    // A trailing slash on the configured URL names the same issuer.
    let slash =
        vestibule_axum::VestibuleAuth::new(format!("{}/", instance.issuer).parse().unwrap())
            .authorized_parties([format!("{APP}/")]);
    assert!(slash.verify(&instance.token()).await.is_ok());
}

#[tokio::test]
async fn a_token_signed_by_another_instance_is_refused() {
    let instance = Instance::start().await;
    let other = TestKey::new("key-of-another-instance");
    let token = other.sign(&claims(&instance.issuer));
    assert_eq!(
        instance.auth().verify(&token).await,
        Err(AuthError::Invalid)
    );
    // The same, claiming our key id: the signature does not match our key.
    let mut impostor = TestKey::new("key-1");
    impostor.kid = instance.key.kid.clone();
    let token = impostor.sign(&claims(&instance.issuer));
    assert_eq!(
        instance.auth().verify(&token).await,
        Err(AuthError::Invalid)
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let instance = Instance::start().await;
    let auth = instance.auth();
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": instance.key.kid});
        let token = raw_token(&header, &claims(&instance.issuer), "");
        assert_eq!(auth.verify(&token).await, Err(AuthError::Invalid), "{alg}");
    }
}

#[tokio::test]
async fn hs256_with_the_public_key_as_secret_is_refused() {
    let instance = Instance::start().await;
    let auth = instance.auth();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(instance.key.kid.clone());
    // Both spellings of the public key an attacker could try as the HMAC secret.
    let raw = instance.key.signing.verifying_key().to_bytes();
    for secret in [raw.to_vec(), instance.key.public_x().into_bytes()] {
        let key = EncodingKey::from_secret(&secret).unwrap();
        let token = jsonwebtoken::encode(&header, &claims(&instance.issuer), &key).unwrap();
        assert_eq!(auth.verify(&token).await, Err(AuthError::Invalid));
    }
}

#[tokio::test]
async fn a_changed_kid_is_refused() {
    let instance = Instance::start().await;
    let second = TestKey::new("key-2");
    instance.publish(&second);
    let auth = instance.auth();
    let token = instance.token();
    assert!(auth.verify(&token).await.is_ok());
    let (header, rest) = token.split_once('.').unwrap();
    for kid in [second.kid.as_str(), "key-unknown", ""] {
        let mut decoded: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
                .unwrap(),
        )
        .unwrap();
        decoded["kid"] = json!(kid);
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&decoded).unwrap(),
        );
        let token = format!("{header}.{rest}");
        assert_eq!(
            auth.verify(&token).await,
            Err(AuthError::Invalid),
            "kid {kid:?}"
        );
    }
    // And no kid at all.
    let mut no_kid = Header::new(Algorithm::EdDSA);
    no_kid.kid = None;
    let token = jsonwebtoken::encode(
        &no_kid,
        &claims(&instance.issuer),
        &instance.key.encoding_key(),
    )
    .unwrap();
    assert_eq!(auth.verify(&token).await, Err(AuthError::Invalid));
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let instance = Instance::start().await;
    let token = instance.token();
    let mut parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims(&instance.issuer);
    forged.sub = "user_admin".into();
    let payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&forged).unwrap(),
    );
    parts[1] = &payload;
    let token = parts.join(".");
    assert_eq!(
        instance.auth().verify(&token).await,
        Err(AuthError::Invalid)
    );
    assert_eq!(
        instance.auth().verify("not a token").await,
        Err(AuthError::Invalid)
    );
}

#[tokio::test]
async fn expiry_and_not_before_are_checked_with_at_most_five_seconds_of_leeway() {
    let instance = Instance::start().await;
    let auth = instance.auth();
    let sign = |edit: &dyn Fn(&mut vestibule_core::SessionClaims)| {
        let mut c = claims(&instance.issuer);
        edit(&mut c);
        instance.key.sign(&c)
    };
    let expired = sign(&|c| {
        c.iat = now() - 120;
        c.nbf = c.iat;
        c.exp = now() - 10;
    });
    assert_eq!(auth.verify(&expired).await, Err(AuthError::Expired));
    let just_expired = sign(&|c| c.exp = now() - 2);
    assert!(
        auth.verify(&just_expired).await.is_ok(),
        "within the leeway"
    );
    let future = sign(&|c| c.nbf = now() + 30);
    assert_eq!(auth.verify(&future).await, Err(AuthError::NotYetValid));
    let barely_future = sign(&|c| c.nbf = now() + 2);
    assert!(
        auth.verify(&barely_future).await.is_ok(),
        "within the leeway"
    );
    // A bigger leeway is not honoured beyond five seconds.
    let lenient = instance.auth().leeway(Duration::from_secs(3600));
    assert_eq!(lenient.verify(&expired).await, Err(AuthError::Expired));
}

#[tokio::test]
async fn a_wrong_issuer_and_an_unlisted_party_are_refused() {
    let instance = Instance::start().await;
    let auth = instance.auth();
    let mut wrong_iss = claims(&instance.issuer);
    wrong_iss.iss = "http://auth.other.test".into();
    assert_eq!(
        auth.verify(&instance.key.sign(&wrong_iss)).await,
        Err(AuthError::WrongIssuer)
    );
    let mut slash = claims(&instance.issuer);
    slash.iss = format!("{}/", instance.issuer);
    assert_eq!(
        auth.verify(&instance.key.sign(&slash)).await,
        Err(AuthError::WrongIssuer)
    );
    let mut other_app = claims(&instance.issuer);
    other_app.azp = "http://evil.test".into();
    assert_eq!(
        auth.verify(&instance.key.sign(&other_app)).await,
        Err(AuthError::UnauthorizedParty)
    );
    // No authorized party configured: nothing passes.
    let unconfigured = vestibule_axum::VestibuleAuth::new(instance.issuer.parse().unwrap());
    assert_eq!(
        unconfigured.verify(&instance.token()).await,
        Err(AuthError::UnauthorizedParty)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_kid_flood_refetches_at_most_once_per_interval() {
    let instance = Instance::start().await;
    let interval = Duration::from_millis(300);
    let auth = instance.auth().jwks_refetch_interval(interval);
    auth.verify(&instance.token()).await.unwrap();
    assert_eq!(instance.fetches(), 1);

    // Forged tokens, each naming another made-up key (minted up front: signing is slow in
    // debug builds, and the flood should be a flood).
    let mut forger = TestKey::new("made-up");
    let forged: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        (0..200)
            .map(|i| {
                forger.kid = format!("made-up-{i}");
                forger.sign(&claims(&instance.issuer))
            })
            .collect(),
    );
    let started = Instant::now();
    let mut flood = tokio::task::JoinSet::new();
    for worker in 0..16 {
        let auth = auth.clone();
        let forged = forged.clone();
        flood.spawn(async move {
            let mut i = worker;
            while started.elapsed() < Duration::from_millis(1000) {
                let refused = auth.verify(&forged[i % forged.len()]).await;
                assert_eq!(refused, Err(AuthError::Invalid));
                i += 1;
            }
            (i - worker) as u64
        });
    }
    let attempts: u64 = flood.join_all().await.into_iter().sum();
    let elapsed = started.elapsed();
    let allowed = 1 + (elapsed.as_millis() / interval.as_millis()) as u64 + 1;
    assert!(attempts > 500, "the flood was a flood ({attempts} tokens)");
    assert!(
        instance.fetches() <= allowed,
        "{} fetches in {elapsed:?} for {attempts} forged tokens",
        instance.fetches()
    );
    assert_eq!(auth.jwks_fetches().await, instance.fetches());
}

#[tokio::test]
async fn a_new_key_is_fetched_when_it_first_signs() {
    let instance = Instance::start().await;
    let auth = instance
        .auth()
        .jwks_refetch_interval(Duration::from_millis(50));
    auth.verify(&instance.token()).await.unwrap();
    let rotated = TestKey::new("key-2");
    instance.publish(&rotated);
    tokio::time::sleep(Duration::from_millis(60)).await;
    let user = auth.verify(&rotated.sign(&claims(&instance.issuer))).await;
    assert!(user.is_ok(), "{user:?}");
    assert_eq!(instance.fetches(), 2);
    // The old key still verifies the tokens it signed.
    assert!(auth.verify(&instance.token()).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_instance_is_a_503_not_the_visitors_fault() {
    let instance = Instance::start().await;
    let token = instance.token();
    instance.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let auth = instance.auth();
    assert_eq!(auth.verify(&token).await, Err(AuthError::JwksUnavailable));
    assert_eq!(AuthError::JwksUnavailable.status(), 503);
}

#[tokio::test]
async fn a_remembered_token_still_expires_and_still_needs_its_party() {
    let instance = Instance::start().await;
    let auth = instance.auth().leeway(Duration::ZERO);
    let mut short = claims(&instance.issuer);
    short.exp = now() + 1;
    let token = instance.key.sign(&short);
    assert!(auth.verify(&token).await.is_ok());
    assert!(auth.verify(&token).await.is_ok(), "answered from memory");
    // A clone with other parties shares the memory but not the verdict.
    let other_app = auth.clone().authorized_parties(["https://other-app.test"]);
    assert_eq!(
        other_app.verify(&token).await,
        Err(AuthError::UnauthorizedParty)
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(auth.verify(&token).await, Err(AuthError::Expired));
    // Nothing refused is remembered: a forged token is refused every time.
    let forged = TestKey::new(&instance.key.kid).sign(&claims(&instance.issuer));
    for _ in 0..2 {
        assert_eq!(auth.verify(&forged).await, Err(AuthError::Invalid));
    }
}
