//! OAuth authorizations in progress. The browser holds a random cookie; the row is found by its
//! SHA-256, holds the SHA-256 of `state` and the sealed PKCE verifier, and is deleted by the
//! callback that consumes it, so a `state` works once.

use sqlx::FromRow;
use vestibule_core::ProviderId;
use vestibule_core::api::OAuthIntent;

use crate::crypto::{MasterKey, Slot, sha256_hex};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// How long a person may spend on Atlassian's consent page.
pub const LIFETIME_SECS: i64 = 10 * 60;

/// How long an expired flow is kept to tell a late callback "expired".
pub const ABANDONED_GRACE_SECS: i64 = 60;

#[derive(Debug, Clone, FromRow)]
pub struct FlowRow {
    pub id: String,
    pub cookie_hash: String,
    pub state_hash: String,
    #[sqlx(try_from = "String")]
    pub provider: ProviderId,
    #[sqlx(try_from = "String")]
    pub intent: OAuthIntent,
    pub oauth_client_id: String,
    /// Sealed.
    pub pkce_verifier: String,
    pub redirect_url: String,
    /// For `connect`: the user the account will be attached to.
    pub user_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A flow as `start` makes it, with its secrets in plain text: the store keeps only the
/// hashes of the cookie and `state`, and seals the verifier.
pub struct NewFlow<'a> {
    pub flow_cookie: &'a str,
    pub oauth_state: &'a str,
    pub pkce_verifier: &'a str,
    pub provider: ProviderId,
    pub intent: OAuthIntent,
    pub oauth_client_id: &'a str,
    pub redirect_url: &'a str,
    pub user_id: Option<&'a str>,
}

fn seal_verifier(key: &MasterKey, flow_id: &str, verifier: &str) -> String {
    key.seal(Slot::new("oauth_flows", "pkce_verifier", flow_id), verifier)
}

impl FlowRow {
    pub fn open_verifier(&self, key: &MasterKey) -> AppResult<String> {
        key.open(
            Slot::new("oauth_flows", "pkce_verifier", &self.id),
            &self.pkce_verifier,
        )
        .map_err(|e| AppError::internal(format!("pkce verifier: {e}")))
    }
}

pub async fn insert(db: &Db, key: &MasterKey, flow: &NewFlow<'_>, now: i64) -> sqlx::Result<()> {
    let id = super::new_id("flow");
    crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO oauth_flows (id, cookie_hash, state_hash, provider, intent, oauth_client_id, \
         pkce_verifier, redirect_url, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(sha256_hex(flow.flow_cookie))
    .bind(sha256_hex(flow.oauth_state))
    .bind(flow.provider.as_str())
    .bind(flow.intent.as_str())
    .bind(flow.oauth_client_id)
    .bind(seal_verifier(key, &id, flow.pkce_verifier))
    .bind(flow.redirect_url)
    .bind(flow.user_id)
    .bind(now)
    .bind(now + LIFETIME_SECS)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Takes the flow a cookie stands for out of the database: whoever deletes it, owns it.
pub async fn take_by_cookie_hash(db: &Db, cookie_hash: &str) -> sqlx::Result<Option<FlowRow>> {
    let flow: Option<FlowRow> = crate::with_db!(db, pool => sqlx::query_as(
        "SELECT id, cookie_hash, state_hash, provider, intent, oauth_client_id, pkce_verifier, \
         redirect_url, user_id, created_at, expires_at FROM oauth_flows WHERE cookie_hash = $1",
    )
    .bind(cookie_hash)
    .fetch_optional(pool)
    .await)?;
    let Some(flow) = flow else {
        return Ok(None);
    };
    let deleted = crate::with_db!(db, pool => sqlx::query("DELETE FROM oauth_flows WHERE id = $1")
        .bind(&flow.id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    // Two callbacks racing with one cookie: only the one that deleted the row goes on.
    Ok((deleted == 1).then_some(flow))
}

/// Deletes flows that expired over a minute ago: an abandoned flow takes room only briefly
/// (a callback within that minute still hears "expired" rather than "missing").
pub async fn delete_abandoned(db: &Db, now: i64) -> sqlx::Result<u64> {
    let result = crate::with_db!(db, pool => sqlx::query("DELETE FROM oauth_flows WHERE expires_at <= $1")
        .bind(now - ABANDONED_GRACE_SECS)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result)
}
