//! Users and their external (Atlassian) accounts. Tokens are sealed to their row.

use std::sync::Arc;

use sqlx::FromRow;
use vestibule_core::ProviderId;
use vestibule_core::api::{AtlassianSite, ExternalAccount, User};

use super::{join_scopes, new_id, split_scopes};
use crate::cache::TtlCache;
use crate::crypto::{MasterKey, Slot};
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub avatar_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct ExternalAccountRow {
    pub id: String,
    pub user_id: String,
    #[sqlx(try_from = "String")]
    pub provider: ProviderId,
    pub provider_account_id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub site_id: Option<String>,
    pub site_name: Option<String>,
    pub site_url: Option<String>,
    pub site_avatar_url: Option<String>,
    pub scopes: String,
    pub oauth_client_id: String,
    /// Sealed.
    pub access_token: String,
    pub access_token_expires_at: i64,
    /// Sealed.
    pub refresh_token: Option<String>,
    pub reconnect_needed: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the provider says about the person: the user's profile comes from their first account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub avatar_url: Option<String>,
}

/// A token pair as the provider issued it, in plain text: the store seals it as it writes.
/// (No `Debug`, so that it cannot end up in a log line.)
#[derive(Clone)]
pub struct FreshTokens {
    pub access_token: String,
    pub access_token_expires_at: i64,
    pub refresh_token: Option<String>,
}

/// Everything one authorization says about an external account, as the store writes it.
#[derive(Clone)]
pub struct AuthorizedAccount {
    pub provider: ProviderId,
    pub provider_account_id: String,
    pub profile: Profile,
    pub site: AtlassianSite,
    pub scopes: Vec<String>,
    /// The OAuth app that issued the tokens: only it can refresh them.
    pub oauth_client_id: String,
    pub tokens: FreshTokens,
}

const TABLE: &str = "external_accounts";

impl ExternalAccountRow {
    pub fn to_api(&self) -> ExternalAccount {
        ExternalAccount {
            id: self.id.clone(),
            provider: self.provider,
            provider_account_id: self.provider_account_id.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            name: self.name.clone(),
            avatar_url: self.avatar_url.clone(),
            site: match (&self.site_id, &self.site_name, &self.site_url) {
                (Some(id), Some(name), Some(url)) => Some(AtlassianSite {
                    id: id.clone(),
                    name: name.clone(),
                    url: url.clone(),
                    avatar_url: self.site_avatar_url.clone(),
                }),
                _ => None,
            },
            scopes: split_scopes(&self.scopes),
            reconnect_needed: self.reconnect_needed,
            created_at: self.created_at,
        }
    }

    pub fn open_access_token(&self, key: &MasterKey) -> AppResult<String> {
        key.open(
            Slot::new(TABLE, "access_token", &self.id),
            &self.access_token,
        )
        .map_err(|e| AppError::internal(format!("access token of {}: {e}", self.id)))
    }

    pub fn open_refresh_token(&self, key: &MasterKey) -> AppResult<Option<String>> {
        self.refresh_token
            .as_deref()
            .map(|sealed| {
                key.open(Slot::new(TABLE, "refresh_token", &self.id), sealed)
                    .map_err(|e| AppError::internal(format!("refresh token of {}: {e}", self.id)))
            })
            .transpose()
    }
}

pub fn seal_access_token(key: &MasterKey, account_id: &str, token: &str) -> String {
    key.seal(Slot::new(TABLE, "access_token", account_id), token)
}

pub fn seal_refresh_token(key: &MasterKey, account_id: &str, token: &str) -> String {
    key.seal(Slot::new(TABLE, "refresh_token", account_id), token)
}

/// The token pair as stored: each sealed to this account's row and column.
struct SealedTokens {
    access_token: String,
    refresh_token: Option<String>,
}

impl FreshTokens {
    fn seal(&self, key: &MasterKey, account_id: &str) -> SealedTokens {
        SealedTokens {
            access_token: seal_access_token(key, account_id, &self.access_token),
            refresh_token: self
                .refresh_token
                .as_deref()
                .map(|t| seal_refresh_token(key, account_id, t)),
        }
    }
}

const USER_COLUMNS: &str = "id, name, email, email_verified, avatar_url, created_at, updated_at";
const ACCOUNT_COLUMNS: &str = "id, user_id, provider, provider_account_id, email, email_verified, name, \
     avatar_url, site_id, site_name, site_url, site_avatar_url, scopes, oauth_client_id, access_token, \
     access_token_expires_at, refresh_token, reconnect_needed, created_at, updated_at";

/// A user with their external accounts, oldest first; `None` when there is no such user.
pub async fn load_user(db: &Db, user_id: &str) -> sqlx::Result<Option<User>> {
    let Some(user) = crate::with_db!(db, pool => sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(user_id)
            .fetch_optional(pool)
            .await)?
    else {
        return Ok(None);
    };
    let accounts = accounts_of(db, user_id).await?;
    Ok(Some(User {
        id: user.id,
        name: user.name,
        email: user.email,
        email_verified: user.email_verified,
        avatar_url: user.avatar_url,
        created_at: user.created_at,
        external_accounts: accounts.iter().map(ExternalAccountRow::to_api).collect(),
    }))
}

/// The ids of users whose e-mail address is `email` (ignoring ASCII case), oldest first.
pub async fn user_ids_by_email(db: &Db, email: &str) -> sqlx::Result<Vec<String>> {
    crate::with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM users WHERE LOWER(email) = LOWER($1) ORDER BY created_at, id",
    )
    .bind(email)
    .fetch_all(pool)
    .await)
}

pub async fn accounts_of(db: &Db, user_id: &str) -> sqlx::Result<Vec<ExternalAccountRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM external_accounts WHERE user_id = $1 ORDER BY created_at, id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await)
}

pub async fn account(db: &Db, id: &str) -> sqlx::Result<Option<ExternalAccountRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM external_accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await)
}

/// On PostgreSQL, a transaction holding the account's row lock (`SELECT ... FOR UPDATE`):
/// one process at a time refreshes the account, and stores the rotated tokens in this same
/// transaction before the lock goes. The row is read again inside it with [`account_in`].
/// On SQLite, `None`: one process serves the file and its in-process lock suffices, while a
/// write lock held over the provider's answer would stall every sign-in.
pub async fn lock_for_refresh(db: &Db, account_id: &str) -> sqlx::Result<Option<Tx>> {
    let Db::Postgres(pool) = db else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT id FROM external_accounts WHERE id = $1 FOR UPDATE")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    Ok(Some(Tx::Postgres(tx)))
}

/// [`account`], inside a transaction.
pub async fn account_in(tx: &mut Tx, id: &str) -> sqlx::Result<Option<ExternalAccountRow>> {
    crate::with_tx!(tx, conn => sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM external_accounts WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await)
}

pub async fn account_by_provider_id(
    tx: &mut Tx,
    provider: ProviderId,
    provider_account_id: &str,
) -> sqlx::Result<Option<ExternalAccountRow>> {
    crate::with_tx!(tx, conn => sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM external_accounts WHERE provider = $1 AND provider_account_id = $2"
    ))
    .bind(provider.as_str())
    .bind(provider_account_id)
    .fetch_optional(conn)
    .await)
}

/// A new user whose profile is `profile`; returns their id.
pub async fn insert_user(tx: &mut Tx, profile: &Profile, now: i64) -> sqlx::Result<String> {
    let id = new_id("user");
    crate::with_tx!(tx, conn => sqlx::query(
        "INSERT INTO users (id, name, email, email_verified, avatar_url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&profile.name)
    .bind(&profile.email)
    .bind(profile.email_verified)
    .bind(&profile.avatar_url)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(id)
}

/// Refreshes a user's name, e-mail and avatar from the account they signed up with.
pub async fn update_user_profile(
    tx: &mut Tx,
    user_id: &str,
    profile: &Profile,
    now: i64,
) -> sqlx::Result<()> {
    crate::with_tx!(tx, conn => sqlx::query(
        "UPDATE users SET name = $2, email = $3, email_verified = $4, avatar_url = $5, updated_at = $6 \
         WHERE id = $1",
    )
    .bind(user_id)
    .bind(&profile.name)
    .bind(&profile.email)
    .bind(profile.email_verified)
    .bind(&profile.avatar_url)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Whether `account_id` is the user's oldest external account: the one their profile comes from.
pub async fn is_primary(tx: &mut Tx, user_id: &str, account_id: &str) -> sqlx::Result<bool> {
    let primary: Option<String> = crate::with_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM external_accounts WHERE user_id = $1 ORDER BY created_at, id LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await)?;
    Ok(primary.as_deref() == Some(account_id))
}

/// Attaches a newly authorized account to `user_id`, its tokens sealed; returns its id.
pub async fn insert_account(
    tx: &mut Tx,
    key: &MasterKey,
    user_id: &str,
    account: &AuthorizedAccount,
    now: i64,
) -> sqlx::Result<String> {
    let id = new_id("eac");
    let sealed = account.tokens.seal(key, &id);
    let (profile, site) = (&account.profile, &account.site);
    crate::with_tx!(tx, conn => sqlx::query(&format!(
        "INSERT INTO external_accounts ({ACCOUNT_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    ))
    .bind(&id)
    .bind(user_id)
    .bind(account.provider.as_str())
    .bind(&account.provider_account_id)
    .bind(&profile.email)
    .bind(profile.email_verified)
    .bind(&profile.name)
    .bind(&profile.avatar_url)
    .bind(&site.id)
    .bind(&site.name)
    .bind(&site.url)
    .bind(&site.avatar_url)
    .bind(join_scopes(&account.scopes))
    .bind(&account.oauth_client_id)
    .bind(&sealed.access_token)
    .bind(account.tokens.access_token_expires_at)
    .bind(&sealed.refresh_token)
    .bind(false)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(id)
}

/// Everything a fresh authorization says about an account, over what was stored; a new
/// authorization also clears `reconnect_needed`.
pub async fn update_authorized_account(
    tx: &mut Tx,
    key: &MasterKey,
    account_id: &str,
    account: &AuthorizedAccount,
    now: i64,
) -> sqlx::Result<()> {
    let sealed = account.tokens.seal(key, account_id);
    let (profile, site) = (&account.profile, &account.site);
    crate::with_tx!(tx, conn => sqlx::query(
        "UPDATE external_accounts SET email = $2, email_verified = $3, name = $4, avatar_url = $5, \
         site_id = $6, site_name = $7, site_url = $8, site_avatar_url = $9, scopes = $10, \
         oauth_client_id = $11, access_token = $12, access_token_expires_at = $13, refresh_token = $14, \
         reconnect_needed = $15, updated_at = $16 WHERE id = $1",
    )
    .bind(account_id)
    .bind(&profile.email)
    .bind(profile.email_verified)
    .bind(&profile.name)
    .bind(&profile.avatar_url)
    .bind(&site.id)
    .bind(&site.name)
    .bind(&site.url)
    .bind(&site.avatar_url)
    .bind(join_scopes(&account.scopes))
    .bind(&account.oauth_client_id)
    .bind(&sealed.access_token)
    .bind(account.tokens.access_token_expires_at)
    .bind(&sealed.refresh_token)
    .bind(false)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Stores a refreshed token pair (the rotated refresh token with its access token); without
/// a new refresh token the stored one stays.
pub async fn store_refreshed_tokens(
    tx: &mut Tx,
    key: &MasterKey,
    account_id: &str,
    tokens: &FreshTokens,
    now: i64,
) -> sqlx::Result<()> {
    let sealed = tokens.seal(key, account_id);
    crate::with_tx!(tx, conn => sqlx::query(
        "UPDATE external_accounts SET access_token = $2, access_token_expires_at = $3, \
         refresh_token = COALESCE($4, refresh_token), updated_at = $5 WHERE id = $1",
    )
    .bind(account_id)
    .bind(&sealed.access_token)
    .bind(tokens.access_token_expires_at)
    .bind(&sealed.refresh_token)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn mark_reconnect_needed(db: &Db, account_id: &str, now: i64) -> sqlx::Result<()> {
    crate::with_db!(db, pool => sqlx::query(
        "UPDATE external_accounts SET reconnect_needed = $2, updated_at = $3 WHERE id = $1",
    )
    .bind(account_id)
    .bind(true)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Deletes one of `user_id`'s accounts unless it is their last. `Ok(None)`: not theirs.
pub async fn delete_account_unless_last(
    db: &Db,
    user_id: &str,
    account_id: &str,
) -> AppResult<Option<()>> {
    let mut tx = crate::db::begin_write(db).await?;
    let owned: Option<String> = crate::with_tx!(&mut tx, conn => sqlx::query_scalar("SELECT id FROM external_accounts WHERE id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await)?;
    if owned.is_none() {
        return Ok(None);
    }
    let count: i64 = crate::with_tx!(&mut tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM external_accounts WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(conn)
            .await)?;
    if count <= 1 {
        return Err(AppError::new(
            vestibule_core::ErrorCode::LastExternalAccount,
            "this is the only account the user can sign in with",
        ));
    }
    crate::with_tx!(&mut tx, conn => sqlx::query("DELETE FROM external_accounts WHERE id = $1")
        .bind(account_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    tx.commit().await?;
    Ok(Some(()))
}

/// Users as `GET /v1/client` shows them, by id; dropped on every change this process makes
/// to them.
pub type UserCache = TtlCache<User>;

impl TtlCache<User> {
    /// The user changed: read them again, here and in every other process.
    pub fn forget_changed(&self, user_id: &str) {
        self.forget(user_id);
        self.announce(crate::peers::Change::User(user_id.to_owned()));
    }

    pub async fn get_or_load(&self, db: &Db, user_id: &str) -> sqlx::Result<Option<Arc<User>>> {
        if let Some(user) = self.get(user_id) {
            return Ok(Some(user));
        }
        let generation = self.generation();
        let Some(user) = load_user(db, user_id).await? else {
            self.forget(user_id);
            return Ok(None);
        };
        let user = Arc::new(user);
        self.put_if_unchanged(user_id, user.clone(), generation);
        Ok(Some(user))
    }
}
