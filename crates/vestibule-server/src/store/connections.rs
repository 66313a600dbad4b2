//! Connections: one per provider, with the client secret sealed and write-only.

use sqlx::FromRow;
use vestibule_core::api::{Connection, ConnectionAudience, InstanceEnvironment};
use vestibule_core::{ProviderId, validation};

use super::{join_scopes, split_scopes};
use crate::crypto::{MasterKey, Slot};
use crate::db::Db;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, FromRow)]
pub struct ConnectionRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub provider: ProviderId,
    #[sqlx(try_from = "String")]
    pub audience: ConnectionAudience,
    pub enabled_for_sign_in: bool,
    pub use_custom_credentials: bool,
    pub client_id: Option<String>,
    /// Sealed.
    pub client_secret: Option<String>,
    pub client_secret_last4: Option<String>,
    pub scopes: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const SECRET_SLOT: (&str, &str) = ("connections", "client_secret");

impl ConnectionRow {
    pub fn scope_list(&self) -> Vec<String> {
        split_scopes(&self.scopes)
    }

    pub fn open_secret(&self, key: &MasterKey) -> AppResult<Option<String>> {
        self.client_secret
            .as_deref()
            .map(|sealed| {
                key.open(Slot::new(SECRET_SLOT.0, SECRET_SLOT.1, &self.id), sealed)
                    .map_err(|e| AppError::internal(format!("connection secret: {e}")))
            })
            .transpose()
    }

    /// The admin API's view: the secret only as "set" and its last four characters.
    pub fn to_api(&self, callback_url: &str) -> Connection {
        Connection {
            id: self.id.clone(),
            provider: self.provider,
            audience: self.audience,
            enabled_for_sign_in: self.enabled_for_sign_in,
            use_custom_credentials: self.use_custom_credentials,
            client_id: self.client_id.clone(),
            client_secret_set: self.client_secret.is_some(),
            client_secret_last4: self.client_secret_last4.clone(),
            scopes: self.scope_list(),
            callback_url: callback_url.to_owned(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The rules a connection must satisfy after every create or update
/// ([`validation::connection`], shared with the form); answers with the first broken one.
pub fn check_rules(
    environment: InstanceEnvironment,
    audience: ConnectionAudience,
    enabled_for_sign_in: bool,
    use_custom_credentials: bool,
    client_id: Option<&str>,
    has_secret: bool,
) -> AppResult<()> {
    let draft = validation::ConnectionDraft {
        environment,
        audience,
        enabled_for_sign_in,
        use_custom_credentials,
        has_client_id: client_id.is_some(),
        has_client_secret: has_secret,
    };
    match validation::connection(&draft).into_iter().next() {
        Some(broken) => Err(broken.into()),
        None => Ok(()),
    }
}

/// Secrets shorter than this are shown only as "set": their last four would give away too
/// much of them.
pub const LAST4_MIN_SECRET_CHARS: usize = 16;

/// The last four characters, shown so that an admin can tell which secret is stored; `None`
/// for a secret under [`LAST4_MIN_SECRET_CHARS`] characters.
pub fn last4(secret: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    (chars.len() >= LAST4_MIN_SECRET_CHARS).then(|| chars[chars.len() - 4..].iter().collect())
}

const COLUMNS: &str = "id, provider, audience, enabled_for_sign_in, use_custom_credentials, client_id, \
     client_secret, client_secret_last4, scopes, created_at, updated_at";

pub async fn list(db: &Db) -> sqlx::Result<Vec<ConnectionRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections ORDER BY created_at, id"
    ))
    .fetch_all(pool)
    .await)
}

pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<ConnectionRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!("SELECT {COLUMNS} FROM connections WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await)
}

pub async fn by_provider(db: &Db, provider: ProviderId) -> sqlx::Result<Option<ConnectionRow>> {
    crate::with_db!(db, pool => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections WHERE provider = $1"
    ))
    .bind(provider.as_str())
    .fetch_optional(pool)
    .await)
}

/// Inserts `row`; `false` when the provider already has a connection.
pub async fn insert(db: &Db, row: &ConnectionRow) -> sqlx::Result<bool> {
    let result = crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO connections (id, provider, audience, enabled_for_sign_in, use_custom_credentials, \
         client_id, client_secret, client_secret_last4, scopes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (provider) DO NOTHING",
    )
    .bind(&row.id)
    .bind(row.provider.as_str())
    .bind(row.audience.as_str())
    .bind(row.enabled_for_sign_in)
    .bind(row.use_custom_credentials)
    .bind(&row.client_id)
    .bind(&row.client_secret)
    .bind(&row.client_secret_last4)
    .bind(&row.scopes)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

pub async fn update(db: &Db, row: &ConnectionRow) -> sqlx::Result<bool> {
    let result = crate::with_db!(db, pool => sqlx::query(
        "UPDATE connections SET enabled_for_sign_in = $2, use_custom_credentials = $3, client_id = $4, \
         client_secret = $5, client_secret_last4 = $6, scopes = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(&row.id)
    .bind(row.enabled_for_sign_in)
    .bind(row.use_custom_credentials)
    .bind(&row.client_id)
    .bind(&row.client_secret)
    .bind(&row.client_secret_last4)
    .bind(&row.scopes)
    .bind(row.updated_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

pub async fn delete(db: &Db, id: &str) -> sqlx::Result<bool> {
    let result = crate::with_db!(db, pool => sqlx::query("DELETE FROM connections WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result == 1)
}

/// The connection a fresh development instance starts with: Atlassian, on shared credentials.
pub fn development_default(now: i64) -> ConnectionRow {
    let info = ProviderId::Atlassian.info();
    ConnectionRow {
        id: super::new_id("con"),
        provider: info.id,
        audience: ConnectionAudience::AllUsers,
        enabled_for_sign_in: true,
        use_custom_credentials: false,
        client_id: None,
        client_secret: None,
        client_secret_last4: None,
        scopes: join_scopes(
            &info
                .default_scopes
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
        ),
        created_at: now,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceEnvironment::{Development, Production};
    use vestibule_core::ErrorCode;

    fn code(r: AppResult<()>) -> Option<(ErrorCode, Option<String>)> {
        match r {
            Ok(()) => None,
            Err(AppError::Known { code, field, .. }) => Some((code, field)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn production_needs_custom_credentials_to_enable() {
        let all = ConnectionAudience::AllUsers;
        assert_eq!(
            code(check_rules(Production, all, true, false, None, false)),
            Some((
                ErrorCode::CustomCredentialsRequired,
                Some("use_custom_credentials".into())
            ))
        );
        assert_eq!(
            code(check_rules(Production, all, false, false, None, false)),
            None
        );
        assert_eq!(
            code(check_rules(Production, all, true, true, Some("id"), true)),
            None
        );
        assert_eq!(
            code(check_rules(Development, all, true, false, None, false)),
            None
        );
    }

    #[test]
    fn custom_credentials_need_both_halves_when_enabled() {
        let all = ConnectionAudience::AllUsers;
        assert_eq!(
            code(check_rules(Development, all, true, true, None, true))
                .unwrap()
                .1,
            Some("client_id".into())
        );
        assert_eq!(
            code(check_rules(Development, all, true, true, Some("id"), false))
                .unwrap()
                .1,
            Some("client_secret".into())
        );
        assert_eq!(
            code(check_rules(Development, all, false, true, None, false)),
            None
        );
    }

    #[test]
    fn specific_domains_is_refused_by_field() {
        assert_eq!(
            code(check_rules(
                Development,
                ConnectionAudience::SpecificDomains,
                true,
                false,
                None,
                false
            )),
            Some((ErrorCode::InvalidField, Some("audience".into())))
        );
    }

    #[test]
    fn last4_counts_characters_and_hides_short_secrets() {
        assert_eq!(last4("0123456789abcdef").as_deref(), Some("cdef"));
        assert_eq!(last4("ääääääääääääxyzä").as_deref(), Some("xyzä"));
        assert_eq!(last4("0123456789abcde"), None);
        assert_eq!(last4("ab"), None);
    }
}
