//! Signing-key rows: the sealed Ed25519 keys that sign session tokens, and which of them are
//! still published.

use sqlx::FromRow;

use crate::db::{Db, Tx};

/// Where a private key is sealed: the ciphertext only opens in its own row.
pub const PRIVATE_KEY_SLOT: (&str, &str) = ("signing_keys", "private_key");

#[derive(Debug, Clone, FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    /// Sealed base64url PKCS#8 document.
    pub private_key: String,
    /// Raw public key, base64url.
    pub public_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

const COLUMNS: &str = "kid, private_key, public_key, created_at, retired_at";

/// The keys still published: every active one, and those retired after `retired_after`.
/// The signing key first, then the retired ones newest first: a rotation within one second
/// (equal `created_at`) must not let a random kid decide the order.
pub async fn published(db: &Db, retired_after: i64) -> sqlx::Result<Vec<SigningKeyRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE retired_at IS NULL OR retired_at > $1 \
         ORDER BY retired_at IS NOT NULL, created_at DESC, kid DESC"
    ))
    .bind(retired_after)
    .fetch_all(pool)
    .await)
}

pub async fn count_active(tx: &mut Tx) -> sqlx::Result<i64> {
    crate::with_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE retired_at IS NULL")
        .fetch_one(conn)
        .await)
}

pub async fn insert(tx: &mut Tx, row: &SigningKeyRow) -> sqlx::Result<()> {
    crate::with_tx!(tx, conn => sqlx::query(&format!(
        "INSERT INTO signing_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(&row.kid)
    .bind(&row.private_key)
    .bind(&row.public_key)
    .bind(row.created_at)
    .bind(row.retired_at)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Retires every active key but `kid`; returns how many.
pub async fn retire_all_but(tx: &mut Tx, kid: &str, now: i64) -> sqlx::Result<u64> {
    let result = crate::with_tx!(tx, conn => sqlx::query(
        "UPDATE signing_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL",
    )
    .bind(kid)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result)
}

/// Deletes keys retired at or before `cutoff`: no live token can carry their signature.
pub async fn delete_retired(tx: &mut Tx, cutoff: i64) -> sqlx::Result<u64> {
    let result = crate::with_tx!(tx, conn => sqlx::query("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at <= $1")
            .bind(cutoff)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
    Ok(result)
}
