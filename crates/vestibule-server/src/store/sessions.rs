//! Sessions: only the SHA-256 of the browser's token is stored. A small in-process cache
//! answers the session check without touching the database on most requests; every sign-out
//! and revocation goes through it, so they take effect on the very next request.

use std::sync::Arc;

use sqlx::FromRow;
use vestibule_core::api::SessionInfo;

use crate::cache::TtlCache;
use crate::client_body::ClientBodyMemo;
use crate::crypto::{random_token, sha256_hex};
use crate::db::{Db, Tx};
use crate::peers::Change;

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
    /// This row's `GET /v1/client` answer, rendered on the first check that needs it.
    #[sqlx(skip)]
    pub client_body: ClientBodyMemo,
}

impl SessionRow {
    /// When the session ends: at its absolute expiry, or after `inactivity` without a request.
    pub fn ends_at(&self, inactivity: i64) -> i64 {
        self.expires_at.min(self.last_active_at + inactivity)
    }

    pub fn to_api(&self, inactivity: i64, current: bool) -> SessionInfo {
        SessionInfo {
            id: self.id.clone(),
            created_at: self.created_at,
            last_active_at: self.last_active_at,
            expires_at: self.ends_at(inactivity),
            user_agent: self.user_agent.clone(),
            current,
        }
    }
}

/// How long a session's settings hold before they are worth writing again.
const TOUCH_EVERY_SECS: i64 = 60;
/// Sessions by the SHA-256 of their token.
pub type SessionCache = TtlCache<SessionRow>;

impl TtlCache<SessionRow> {
    /// The session of `token` ended: here and in every other process.
    pub fn forget_token(&self, token: &str) {
        self.forget_ended(&sha256_hex(token));
    }

    fn forget_ended(&self, hash: &str) {
        self.forget(hash);
        self.announce(Change::SessionToken(hash.to_owned()));
    }
}

/// A new session for `user_id`; the token goes into the cookie and is never stored.
pub async fn create(
    tx: &mut Tx,
    user_id: &str,
    user_agent: Option<&str>,
    now: i64,
    lifetime: i64,
) -> sqlx::Result<(String, SessionRow)> {
    let token = random_token();
    let row = SessionRow {
        id: super::new_id("sess"),
        user_id: user_id.to_owned(),
        created_at: now,
        last_active_at: now,
        expires_at: now + lifetime,
        user_agent: user_agent.map(|ua| ua.chars().take(256).collect()),
        client_body: ClientBodyMemo::default(),
    };
    crate::with_tx!(tx, conn => sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_active_at, expires_at, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&row.id)
    .bind(sha256_hex(&token))
    .bind(&row.user_id)
    .bind(row.created_at)
    .bind(row.last_active_at)
    .bind(row.expires_at)
    .bind(&row.user_agent)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok((token, row))
}

/// The live session a cookie token stands for. Ends expired sessions and records activity
/// (at most once a minute, so that a busy session does not write on every request).
pub async fn authenticate(
    db: &Db,
    cache: &SessionCache,
    token: &str,
    now: i64,
    inactivity: i64,
) -> sqlx::Result<Option<Arc<SessionRow>>> {
    let hash = sha256_hex(token);
    let row = match cache.get(&hash) {
        Some(row) => row,
        None => {
            let generation = cache.generation();
            let row: Option<SessionRow> = crate::with_db!(db, pool => sqlx::query_as(
                "SELECT id, user_id, created_at, last_active_at, expires_at, user_agent \
                 FROM sessions WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await)?;
            match row {
                Some(row) => {
                    let row = Arc::new(row);
                    cache.put_if_unchanged(&hash, row.clone(), generation);
                    row
                }
                // Unknown token: nothing to forget (and a stream of made-up cookies must not
                // disturb the cache).
                None => return Ok(None),
            }
        }
    };
    if row.ends_at(inactivity) <= now {
        cache.forget(&hash);
        crate::with_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&row.id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        return Ok(None);
    }
    if now - row.last_active_at >= TOUCH_EVERY_SECS {
        let generation = cache.generation();
        let mut touched = (*row).clone();
        touched.last_active_at = now;
        let touched = Arc::new(touched);
        let updated = crate::with_db!(db, pool => sqlx::query("UPDATE sessions SET last_active_at = $2 WHERE id = $1")
            .bind(&row.id)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))?;
        if updated == 0 {
            // Ended meanwhile.
            cache.forget(&hash);
            return Ok(None);
        }
        cache.put_if_unchanged(&hash, touched.clone(), generation);
        return Ok(Some(touched));
    }
    Ok(Some(row))
}

/// Ends the session a cookie token stands for.
pub async fn end_by_token(db: &Db, cache: &SessionCache, token: &str) -> sqlx::Result<()> {
    let hash = sha256_hex(token);
    crate::with_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    // After the delete: a read racing with it must not find the row and cache it again.
    cache.forget_ended(&hash);
    Ok(())
}

/// Ends one of `user_id`'s sessions; `false` when it is not theirs.
pub async fn end_by_id(
    db: &Db,
    cache: &SessionCache,
    user_id: &str,
    session_id: &str,
) -> sqlx::Result<bool> {
    let result = crate::with_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    cache.forget_where(|row| row.id != session_id);
    cache.announce(Change::SessionId(session_id.to_owned()));
    Ok(result == 1)
}

/// The same, inside a sign-in's transaction (a browser that signs in again drops its old
/// session). The caller calls [`SessionCache::forget_token`] after the commit.
pub async fn end_by_token_in(tx: &mut Tx, token: &str) -> sqlx::Result<()> {
    let hash = sha256_hex(token);
    crate::with_tx!(tx, conn => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&hash)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn list_for_user(
    db: &Db,
    user_id: &str,
    now: i64,
    inactivity: i64,
) -> sqlx::Result<Vec<SessionRow>> {
    crate::with_db!(db, pool => sqlx::query_as(
        "SELECT id, user_id, created_at, last_active_at, expires_at, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 AND last_active_at > $3 ORDER BY created_at DESC, id",
    )
    .bind(user_id)
    .bind(now)
    .bind(now - inactivity)
    .fetch_all(pool)
    .await)
}

/// Deletes sessions past their end.
pub async fn delete_expired(db: &Db, now: i64, inactivity: i64) -> sqlx::Result<u64> {
    let result = crate::with_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_active_at <= $2")
        .bind(now)
        .bind(now - inactivity)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result)
}
