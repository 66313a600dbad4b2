//! Session tokens: the instance's Ed25519 signing keys (generated on first start, sealed with
//! the master key, rotated without downtime, re-read by every running process), signing a
//! token's claims, and the published key set (JWKS).
//!
//! Rotation: `vestibule keys rotate` inserts a new key and marks the others retired. A running
//! server re-reads the keys every [`KEY_RELOAD_INTERVAL`], so it signs with the new key within
//! that interval; a retired key stays in the JWKS for [`RETIRED_KEY_RETENTION_SECS`], longer
//! than any token it can have signed lives (lifetime + reload interval + verifier leeway).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::sync::watch;
use vestibule_core::session_token::{
    JsonWebKey, JsonWebKeySet, MAX_LEEWAY_SECS, SESSION_TOKEN_LIFETIME_SECS, SessionClaims,
};

use crate::crypto::{MasterKey, Slot, random_bytes};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::signing_keys::{self, PRIVATE_KEY_SLOT, SigningKeyRow};

/// How often a running server re-reads the keys, to notice a rotation made by the CLI.
pub const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(10);

/// How long a retired key stays published. A process that has not re-read the keys yet may
/// sign with it for up to one reload interval after retirement; that token lives one
/// lifetime more, and verifiers forgive up to their leeway. Twice that, for good measure.
pub const RETIRED_KEY_RETENTION_SECS: i64 = 2
    * (SESSION_TOKEN_LIFETIME_SECS + KEY_RELOAD_INTERVAL.as_secs() as i64 + MAX_LEEWAY_SECS as i64);

/// The key that signs, ready to use.
struct Signer {
    header: Header,
    key: EncodingKey,
}

/// What one reading of the table gives: the signer and the serialized JWKS.
struct KeyRing {
    signer: Option<Signer>,
    jwks: Bytes,
    kids: Vec<String>,
    minted: MintedThisSecond,
}

/// The most tokens remembered within one second; past it, tokens are signed without being kept.
const MINTED_CAPACITY: usize = 4_096;

/// Tokens signed during the current second, by their claims. Ed25519 signatures are
/// deterministic and `iat` counts whole seconds, so signing the same claims again within the
/// second gives the very same token: a browser (or several tabs) asking twice gets it from
/// here instead of paying for a second signature. The session is still checked on every call
/// before this is consulted, so a revoked session gets nothing.
#[derive(Default)]
struct MintedThisSecond {
    second: Mutex<(i64, HashMap<Vec<u8>, String>)>,
}

impl MintedThisSecond {
    fn get_or_sign(
        &self,
        claims: &SessionClaims,
        sign: impl FnOnce() -> AppResult<String>,
    ) -> AppResult<String> {
        let Ok(key) = serde_json::to_vec(claims) else {
            return sign();
        };
        {
            let memo = self.second.lock().unwrap_or_else(|p| p.into_inner());
            if memo.0 == claims.iat
                && let Some(jwt) = memo.1.get(&key)
            {
                return Ok(jwt.clone());
            }
        }
        let jwt = sign()?;
        let mut memo = self.second.lock().unwrap_or_else(|p| p.into_inner());
        if memo.0 != claims.iat {
            *memo = (claims.iat, HashMap::new());
        }
        if memo.1.len() < MINTED_CAPACITY {
            memo.1.insert(key, jwt.clone());
        }
        Ok(jwt)
    }
}

/// The instance's keys as last read from the database; cheap to read on every request.
pub struct SigningKeys {
    ring: RwLock<Arc<KeyRing>>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("published", &self.current().kids)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// Makes sure an active key exists (generating the first one) and reads the keys.
    pub async fn load(db: &Db, master_key: &MasterKey, now: i64) -> anyhow::Result<Self> {
        ensure_active_key(db, master_key, now).await?;
        let ring = read_ring(db, master_key, now).await?;
        Ok(Self {
            ring: RwLock::new(Arc::new(ring)),
        })
    }

    /// Re-reads the keys (after a rotation by this or another process).
    pub async fn reload(&self, db: &Db, master_key: &MasterKey, now: i64) -> anyhow::Result<()> {
        let ring = read_ring(db, master_key, now).await?;
        *self.ring.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(ring);
        Ok(())
    }

    fn current(&self) -> Arc<KeyRing> {
        self.ring.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The JWKS document, serialized once per reading.
    pub fn jwks(&self) -> Bytes {
        self.current().jwks.clone()
    }

    /// The ids of every published key, newest first.
    pub fn published_kids(&self) -> Vec<String> {
        self.current().kids.clone()
    }

    /// The id of the key that signs now.
    pub fn active_kid(&self) -> Option<String> {
        self.current()
            .signer
            .as_ref()
            .and_then(|s| s.header.kid.clone())
    }

    /// The compact JWS of `claims`, signed with the active key.
    pub fn sign(&self, claims: &SessionClaims) -> AppResult<String> {
        let ring = self.current();
        let signer = ring
            .signer
            .as_ref()
            .ok_or_else(|| AppError::internal("no active signing key"))?;
        ring.minted.get_or_sign(claims, || {
            jsonwebtoken::encode(&signer.header, claims, &signer.key)
                .map_err(|e| AppError::internal(format!("signing a session token: {e}")))
        })
    }
}

/// A fresh key row, its private half sealed for its own row.
fn generate(master_key: &MasterKey, now: i64) -> anyhow::Result<SigningKeyRow> {
    let signing_key = SigningKey::from_bytes(&random_bytes::<32>());
    let document = signing_key
        .to_pkcs8_der()
        .context("encoding the signing key")?;
    let kid = format!("ed25519_{}", hex::encode(random_bytes::<8>()));
    let private_key = master_key.seal(
        Slot::new(PRIVATE_KEY_SLOT.0, PRIVATE_KEY_SLOT.1, &kid),
        &URL_SAFE_NO_PAD.encode(document.as_bytes()),
    );
    Ok(SigningKeyRow {
        public_key: URL_SAFE_NO_PAD.encode(signing_key.verifying_key().to_bytes()),
        kid,
        private_key,
        created_at: now,
        retired_at: None,
    })
}

/// First start: generate the instance's first key, unless another process just did.
async fn ensure_active_key(db: &Db, master_key: &MasterKey, now: i64) -> anyhow::Result<()> {
    let mut tx = db::begin_write(db).await?;
    if signing_keys::count_active(&mut tx).await? == 0 {
        let row = generate(master_key, now)?;
        signing_keys::insert(&mut tx, &row).await?;
        tracing::info!(kid = %row.kid, "generated the instance's session-token signing key");
    }
    tx.commit().await?;
    Ok(())
}

/// Adds a key that signs from now on and retires the others (they stay published until the
/// tokens they signed have expired); deletes keys retired long enough ago. Returns the new kid.
pub async fn rotate(db: &Db, master_key: &MasterKey, now: i64) -> anyhow::Result<String> {
    let row = generate(master_key, now)?;
    let mut tx = db::begin_write(db).await?;
    signing_keys::insert(&mut tx, &row).await?;
    let retired = signing_keys::retire_all_but(&mut tx, &row.kid, now).await?;
    let deleted = signing_keys::delete_retired(&mut tx, now - RETIRED_KEY_RETENTION_SECS).await?;
    tx.commit().await?;
    tracing::info!(kid = %row.kid, retired, deleted, "signing keys rotated");
    Ok(row.kid)
}

async fn read_ring(db: &Db, master_key: &MasterKey, now: i64) -> anyhow::Result<KeyRing> {
    let rows = signing_keys::published(db, now - RETIRED_KEY_RETENTION_SECS).await?;
    let signer = match rows.iter().find(|r| r.retired_at.is_none()) {
        Some(row) => Some(open_signer(master_key, row)?),
        None => None,
    };
    let set = JsonWebKeySet {
        keys: rows
            .iter()
            .map(|r| JsonWebKey::ed25519(&r.kid, &r.public_key))
            .collect(),
    };
    Ok(KeyRing {
        signer,
        jwks: Bytes::from(serde_json::to_vec(&set)?),
        kids: rows.into_iter().map(|r| r.kid).collect(),
        minted: MintedThisSecond::default(),
    })
}

fn open_signer(master_key: &MasterKey, row: &SigningKeyRow) -> anyhow::Result<Signer> {
    let encoded = master_key
        .open(
            Slot::new(PRIVATE_KEY_SLOT.0, PRIVATE_KEY_SLOT.1, &row.kid),
            &row.private_key,
        )
        .with_context(|| format!("opening signing key {}", row.kid))?;
    let der = URL_SAFE_NO_PAD
        .decode(encoded)
        .with_context(|| format!("signing key {} is malformed", row.kid))?;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(row.kid.clone());
    Ok(Signer {
        header,
        key: EncodingKey::from_ed_der(&der),
    })
}

/// `vestibule keys rotate`: opens the instance's database with its master key and rotates.
pub async fn rotate_from_cli(args: &crate::config::ServeArgs) -> anyhow::Result<String> {
    let environment = args.environment.into();
    crate::instance::create_data_dir(&args.data_dir)?;
    let keys = crate::instance::load_keys(args, environment)?;
    let db = db::connect(args.database_url.as_deref(), &args.data_dir).await?;
    let now = crate::clock::Clock::default().now();
    let kid = rotate(&db, &keys.master_key, now).await?;
    db.close().await;
    Ok(kid)
}

/// Re-reads the keys every [`KEY_RELOAD_INTERVAL`] until shutdown.
pub async fn reload_periodically(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(KEY_RELOAD_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let now = state.clock.now();
        if let Err(e) = state
            .signing_keys
            .reload(&state.db, &state.master_key, now)
            .await
        {
            tracing::warn!(error = %e, "re-reading the signing keys failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_keys_outlive_every_token_they_signed() {
        let longest_token_after_retirement = KEY_RELOAD_INTERVAL.as_secs() as i64
            + SESSION_TOKEN_LIFETIME_SECS
            + MAX_LEEWAY_SECS as i64;
        assert!(RETIRED_KEY_RETENTION_SECS > longest_token_after_retirement);
    }

    #[test]
    fn generated_keys_are_sealed_and_distinct() {
        let master = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
        let a = generate(&master, 1).unwrap();
        let b = generate(&master, 1).unwrap();
        assert_ne!(a.kid, b.kid);
        assert_ne!(a.public_key, b.public_key);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.public_key).unwrap().len(), 32);
        assert!(a.private_key.starts_with("v1."));
        let signer = open_signer(&master, &a).unwrap();
        assert_eq!(signer.header.kid.as_deref(), Some(a.kid.as_str()));
        // Moved to another row, the sealed key no longer opens.
        let mut moved = a.clone();
        moved.kid = b.kid.clone();
        assert!(open_signer(&master, &moved).is_err());
    }

    fn claims(sid: &str, iat: i64) -> SessionClaims {
        SessionClaims {
            iss: "http://auth.test".into(),
            sub: "user_1".into(),
            sid: sid.into(),
            azp: "http://app.test".into(),
            iat,
            nbf: iat,
            exp: iat + SESSION_TOKEN_LIFETIME_SECS,
            site_id: None,
        }
    }

    #[test]
    fn a_repeat_within_the_second_is_the_token_a_fresh_signature_gives() {
        let master = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
        let signer = open_signer(&master, &generate(&master, 1).unwrap()).unwrap();
        let sign = |c: &SessionClaims| {
            jsonwebtoken::encode(&signer.header, c, &signer.key)
                .map_err(|e| AppError::internal(e.to_string()))
        };
        let minted = MintedThisSecond::default();
        let signatures = std::cell::Cell::new(0);
        let counted = |c: &SessionClaims| {
            signatures.set(signatures.get() + 1);
            sign(c)
        };
        let first = minted.get_or_sign(&claims("s1", 100), || counted(&claims("s1", 100)));
        let again = minted.get_or_sign(&claims("s1", 100), || counted(&claims("s1", 100)));
        assert_eq!(first.as_ref().unwrap(), again.as_ref().unwrap());
        assert_eq!(signatures.get(), 1, "the repeat was not signed again");
        // Deterministic signing: the remembered token is what signing again would give.
        assert_eq!(first.unwrap(), sign(&claims("s1", 100)).unwrap());
        // Other claims, or the next second, are signed anew.
        let other = minted.get_or_sign(&claims("s2", 100), || counted(&claims("s2", 100)));
        let later = minted.get_or_sign(&claims("s1", 101), || counted(&claims("s1", 101)));
        assert_eq!(signatures.get(), 3);
        assert_ne!(other.unwrap(), later.unwrap());
    }
}
