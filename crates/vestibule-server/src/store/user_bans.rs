//! Bans: a banned user's sessions end at once, and every way of signing in (Atlassian, a
//! sign-in token) refuses them until the ban is lifted.

use crate::db::{Db, Tx};
use crate::peers::Change;
use crate::store::sessions::SessionCache;

/// Bans (`Some(now)`) or unbans (`None`) a user; `false` when there is no such user. A ban
/// ends every session of the user, in the database and in the session cache.
pub async fn set_banned(
    db: &Db,
    sessions: &SessionCache,
    user_id: &str,
    banned_at: Option<i64>,
) -> sqlx::Result<bool> {
    let mut tx = crate::db::begin_write(db).await?;
    let updated = crate::with_tx!(&mut tx, conn => sqlx::query("UPDATE users SET banned_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(banned_at)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    if banned_at.is_some() {
        crate::with_tx!(&mut tx, conn => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    tx.commit().await?;
    // After the commit: a read racing with it must not cache a session again.
    if banned_at.is_some() {
        sessions.forget_where(|row| row.user_id != user_id);
        sessions.announce(Change::UserSessions(user_id.to_owned()));
    }
    Ok(updated == 1)
}

pub async fn is_banned(db: &Db, user_id: &str) -> sqlx::Result<bool> {
    let banned: Option<Option<i64>> = crate::with_db!(db, pool => sqlx::query_scalar(
        "SELECT banned_at FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await)?;
    Ok(matches!(banned, Some(Some(_))))
}

/// The same, inside a sign-in's transaction.
pub async fn is_banned_in(tx: &mut Tx, user_id: &str) -> sqlx::Result<bool> {
    let banned: Option<Option<i64>> = crate::with_tx!(tx, conn => sqlx::query_scalar(
        "SELECT banned_at FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await)?;
    Ok(matches!(banned, Some(Some(_))))
}
