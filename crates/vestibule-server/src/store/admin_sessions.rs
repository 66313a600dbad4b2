//! Dashboard sign-ins with the secret key: a keyed hash of the cookie and an expiry.
//!
//! The row is found by HMAC-SHA256 of the cookie under the secret key that signed in and the
//! instance's environment. A restart with another secret key (a leaked one rotated) or in the
//! other environment computes other hashes, so every dashboard session of the old key or
//! environment ends at once, and nobody holding only the database can mint a cookie.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::crypto::random_token;
use crate::db::Db;
use crate::state::AppState;

/// An admin session lasts this long, however active.
pub const LIFETIME_SECS: i64 = 12 * 3600;

/// What a dashboard session is bound to.
#[derive(Clone, Copy)]
pub struct Binding<'a> {
    pub secret_key: &'a str,
    pub environment: &'a str,
}

impl<'a> Binding<'a> {
    pub fn of(state: &'a AppState) -> Self {
        Self {
            secret_key: &state.secret_key,
            environment: state.settings.environment.as_str(),
        }
    }

    /// What the database keeps for the cookie `token`.
    pub fn token_hash(self, token: &str) -> String {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.secret_key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        for part in ["vestibule admin session v1", self.environment, token] {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

pub async fn create(db: &Db, binding: Binding<'_>, now: i64) -> sqlx::Result<String> {
    let token = random_token();
    crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO admin_sessions (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(binding.token_hash(&token))
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(token)
}

/// Whether the dashboard cookie `token` names a live session of this key and environment.
pub async fn is_valid(state: &AppState, token: &str) -> sqlx::Result<bool> {
    if token.is_empty() || token.len() > 128 {
        return Ok(false);
    }
    let found: Option<i64> = crate::with_db!(&state.db, pool => sqlx::query_scalar("SELECT expires_at FROM admin_sessions WHERE token_hash = $1")
            .bind(Binding::of(state).token_hash(token))
            .fetch_optional(pool)
            .await)?;
    Ok(found.is_some_and(|expires_at| expires_at > state.clock.now()))
}

pub async fn end(db: &Db, binding: Binding<'_>, token: &str) -> sqlx::Result<()> {
    crate::with_db!(db, pool => sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
        .bind(binding.token_hash(token))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    let result = crate::with_db!(db, pool => sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_key_environment_and_token() {
        let a = Binding {
            secret_key: "sk_one",
            environment: "development",
        };
        let hash = a.token_hash("tok");
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, a.token_hash("tok"));
        assert_ne!(hash, a.token_hash("tok2"));
        let other_key = Binding {
            secret_key: "sk_two",
            ..a
        };
        assert_ne!(hash, other_key.token_hash("tok"));
        let other_environment = Binding {
            environment: "production",
            ..a
        };
        assert_ne!(hash, other_environment.token_hash("tok"));
    }
}
