//! Fresh Atlassian access tokens for the app's own server. A token that expires within a
//! minute is refreshed first; concurrent callers for one account, in this process or any
//! other on the same PostgreSQL database, wait for a single refresh, and the rotated refresh
//! token is stored before anyone sees the new access token, even when the caller has gone away.

use vestibule_core::api::OAuthAccessToken;
use vestibule_core::{ErrorCode, ProviderId};

use crate::atlassian::ProviderError;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::accounts::{self, ExternalAccountRow, FreshTokens};
use crate::store::{connections, split_scopes};

/// Refresh when the access token has less than this left.
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// The user's Atlassian account: the one named, or their oldest.
pub async fn account_of_user(
    state: &AppState,
    user_id: &str,
    provider: ProviderId,
    external_account_id: Option<&str>,
) -> AppResult<ExternalAccountRow> {
    let accounts = accounts::accounts_of(&state.db, user_id).await?;
    accounts
        .into_iter()
        .filter(|a| a.provider == provider)
        .find(|a| external_account_id.is_none_or(|id| a.id == id))
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such user or external account"))
}

/// The account's access token, refreshed first when it is about to expire.
pub async fn fresh_access_token(
    state: &AppState,
    account: ExternalAccountRow,
) -> AppResult<OAuthAccessToken> {
    if let Some(token) = usable(state, &account)? {
        return Ok(token);
    }
    // Once Atlassian has rotated the refresh token, only the new one works: the refresh and
    // the write that keeps it run in their own task, which finishes even when the caller
    // disconnects (and so drops this future) half-way.
    let state = state.clone();
    let refresh = tokio::spawn(async move {
        let _lock = state.refresh_locks.lock(&account.id).await;
        refresh_once(&state, &account.id).await
    });
    refresh
        .await
        .map_err(|e| AppError::internal(format!("the refresh task failed: {e}")))?
}

/// The stored token when it is still good for a while.
fn usable(state: &AppState, account: &ExternalAccountRow) -> AppResult<Option<OAuthAccessToken>> {
    if account.reconnect_needed {
        return Err(reconnect_needed());
    }
    if account.access_token_expires_at - state.clock.now() > REFRESH_MARGIN_SECS {
        return Ok(Some(to_api(
            account,
            account.open_access_token(&state.master_key)?,
        )));
    }
    Ok(None)
}

/// Under the account's lock: someone may have refreshed while we waited, so read again. On
/// PostgreSQL the lock is also the account row's, held until the rotated tokens are stored,
/// so that processes sharing the database refresh one at a time too.
async fn refresh_once(state: &AppState, account_id: &str) -> AppResult<OAuthAccessToken> {
    let mut row_lock = accounts::lock_for_refresh(&state.db, account_id).await?;
    let account = match &mut row_lock {
        Some(tx) => accounts::account_in(tx, account_id).await?,
        None => accounts::account(&state.db, account_id).await?,
    }
    .ok_or_else(|| AppError::new(ErrorCode::NotFound, "the external account was removed"))?;
    if let Some(token) = usable(state, &account)? {
        return Ok(token);
    }
    let connection = connections::by_provider(&state.db, account.provider).await?;
    let credentials =
        state.credentials_for_client(connection.as_ref(), &account.oauth_client_id)?;
    let (Some(credentials), Some(refresh_token)) =
        (credentials, account.open_refresh_token(&state.master_key)?)
    else {
        // The app that issued the tokens is gone, or Atlassian gave no refresh token.
        release(row_lock).await?;
        return Err(mark_reconnect_needed(state, &account).await);
    };
    let tokens = match state
        .atlassian
        .refresh(&credentials, &state.settings.callback_url(), &refresh_token)
        .await
    {
        Ok(tokens) => tokens,
        Err(ProviderError::InvalidGrant) => {
            release(row_lock).await?;
            return Err(mark_reconnect_needed(state, &account).await);
        }
        Err(other) => return Err(other.into()),
    };
    let now = state.clock.now();
    let expires_at = now + tokens.expires_in.as_secs() as i64;
    let fresh = FreshTokens {
        access_token: tokens.access_token,
        access_token_expires_at: expires_at,
        refresh_token: tokens.refresh_token,
    };
    let mut tx = match row_lock {
        Some(tx) => tx,
        None => db::begin_write(&state.db).await?,
    };
    accounts::store_refreshed_tokens(&mut tx, &state.master_key, &account.id, &fresh, now).await?;
    tx.commit().await?;
    tracing::info!(external_account_id = %account.id, "access token refreshed");
    let mut refreshed = account;
    refreshed.access_token_expires_at = expires_at;
    Ok(to_api(&refreshed, fresh.access_token))
}

/// Ends the row lock's transaction before writing elsewhere (which would wait for it).
async fn release(row_lock: Option<db::Tx>) -> AppResult<()> {
    if let Some(tx) = row_lock {
        tx.rollback().await?;
    }
    Ok(())
}

async fn mark_reconnect_needed(state: &AppState, account: &ExternalAccountRow) -> AppError {
    tracing::warn!(external_account_id = %account.id, "refresh refused; the user must reconnect");
    if let Err(e) = accounts::mark_reconnect_needed(&state.db, &account.id, state.clock.now()).await
    {
        return e.into();
    }
    state.users.forget_changed(&account.user_id);
    reconnect_needed()
}

fn reconnect_needed() -> AppError {
    AppError::new(
        ErrorCode::ReconnectNeeded,
        "Atlassian no longer accepts this account's refresh token; the user must sign in again",
    )
}

fn to_api(account: &ExternalAccountRow, token: String) -> OAuthAccessToken {
    OAuthAccessToken {
        external_account_id: account.id.clone(),
        provider: account.provider,
        token,
        expires_at: account.access_token_expires_at,
        scopes: split_scopes(&account.scopes),
        site_id: account.site_id.clone(),
        // Filled in by the backend route, which knows which provider API issued it.
        api_url: String::new(),
    }
}
