//! Sign-in tokens: only the SHA-256 of the token is stored. Redeeming marks the row used in
//! the same statement that checks it is unused, so two visits racing with one token cannot
//! both sign in.

use sqlx::FromRow;

use crate::crypto::{random_token, sha256_hex};
use crate::db::{Db, Tx};

#[derive(Debug, Clone, FromRow)]
pub struct SignInTokenRow {
    pub id: String,
    pub user_id: String,
    pub redirect_url: String,
    pub requested_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// What a new token is for.
pub struct NewSignInToken<'a> {
    pub user_id: &'a str,
    pub redirect_url: &'a str,
    pub requested_by: &'a str,
    pub lifetime_secs: i64,
}

/// Stores a new token and returns it with its row; the token itself is never stored.
pub async fn insert(
    db: &Db,
    new: &NewSignInToken<'_>,
    now: i64,
) -> sqlx::Result<(String, SignInTokenRow)> {
    let token = random_token();
    let row = SignInTokenRow {
        id: super::new_id("sit"),
        user_id: new.user_id.to_owned(),
        redirect_url: new.redirect_url.to_owned(),
        requested_by: new.requested_by.to_owned(),
        created_at: now,
        expires_at: now + new.lifetime_secs,
        used_at: None,
    };
    let hash = sha256_hex(&token);
    crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO sign_in_tokens (id, token_hash, user_id, redirect_url, requested_by, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&row.id)
    .bind(&hash)
    .bind(&row.user_id)
    .bind(&row.redirect_url)
    .bind(&row.requested_by)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok((token, row))
}

/// Why a token cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Never issued by this instance (or its user was deleted, which deletes it).
    Unknown,
    AlreadyUsed,
    Expired,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "this sign-in token is unknown to this instance",
            Self::AlreadyUsed => "this sign-in token was already used",
            Self::Expired => "this sign-in token has expired",
        }
    }
}

/// Marks the token used, inside the caller's transaction, and returns its row; or why not.
pub async fn redeem(
    tx: &mut Tx,
    token: &str,
    now: i64,
) -> sqlx::Result<Result<SignInTokenRow, Refusal>> {
    let hash = sha256_hex(token);
    let row: Option<SignInTokenRow> = crate::with_tx!(tx, conn => sqlx::query_as(
        "SELECT id, user_id, redirect_url, requested_by, created_at, expires_at, used_at \
         FROM sign_in_tokens WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(conn)
    .await)?;
    let Some(row) = row else {
        return Ok(Err(Refusal::Unknown));
    };
    if row.used_at.is_some() {
        return Ok(Err(Refusal::AlreadyUsed));
    }
    if now >= row.expires_at {
        return Ok(Err(Refusal::Expired));
    }
    let marked = crate::with_tx!(tx, conn => sqlx::query(
        "UPDATE sign_in_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
    )
    .bind(&row.id)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    if marked != 1 {
        return Ok(Err(Refusal::AlreadyUsed));
    }
    Ok(Ok(row))
}

/// Deletes tokens that expired over a minute ago, used or not.
pub async fn delete_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    let result = crate::with_db!(db, pool => sqlx::query(
        "DELETE FROM sign_in_tokens WHERE expires_at <= $1",
    )
    .bind(now - 60)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result)
}
