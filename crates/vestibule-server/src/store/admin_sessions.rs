//! Dashboard sign-ins with the secret key: the cookie's SHA-256 and an expiry.

use crate::crypto::{random_token, sha256_hex};
use crate::db::Db;

/// An admin session lasts this long, however active.
pub const LIFETIME_SECS: i64 = 12 * 3600;

pub async fn create(db: &Db, now: i64) -> sqlx::Result<String> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO admin_sessions (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(sha256_hex(&token))
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .execute(db)
    .await?;
    Ok(token)
}

pub async fn is_valid(db: &Db, token: &str, now: i64) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT expires_at FROM admin_sessions WHERE token_hash = $1")
            .bind(sha256_hex(token))
            .fetch_optional(db)
            .await?;
    Ok(found.is_some_and(|expires_at| expires_at > now))
}

pub async fn end(db: &Db, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
        .bind(sha256_hex(token))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
