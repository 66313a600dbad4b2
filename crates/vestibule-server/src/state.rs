//! What every request handler shares: the resolved settings and the instance's resources.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;
use url::Url;
use vestibule_core::ErrorCode;
use vestibule_core::api::{InstanceEnvironment, PortalUrls};

use crate::atlassian::{AtlassianClient, Credentials, Endpoints};
use crate::clock::Clock;
use crate::cookies::CookieNames;
use crate::crypto::MasterKey;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::portal::Portal;
use crate::redirect::RedirectPolicy;
use crate::store::accounts::UserCache;
use crate::store::connections::ConnectionRow;
use crate::store::sessions::SessionCache;

/// The configuration after defaults are resolved against the bound address.
#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: InstanceEnvironment,
    /// Where browsers reach this server.
    pub public_url: Url,
    pub application_name: String,
    /// Seconds without a request after which a session ends.
    pub session_inactivity: i64,
    /// Seconds after sign-in at which a session ends.
    pub session_lifetime: i64,
}

impl Settings {
    /// `path` (starting with `/`) on the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    pub fn portal_urls(&self) -> PortalUrls {
        PortalUrls {
            sign_in_url: self.url("/sign-in"),
            sign_up_url: self.url("/sign-up"),
            user_profile_url: self.url("/user"),
            after_sign_in_url: self.url("/user"),
        }
    }

    /// The one callback URL of every connection of this instance.
    pub fn callback_url(&self) -> String {
        self.url("/v1/oauth_callback")
    }

    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// Cheap to clone: one `Arc` shared by every handler.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    pub settings: Settings,
    pub portal: Portal,
    /// The script any web page loads (`/v1/js/*`), read from `--js-dir` at start.
    pub js_bundle: crate::js_bundle::JsBundle,
    /// Image origins the CSP allows besides `https:` (the development emulator's avatars).
    pub extra_image_origins: Vec<String>,
    pub db: Db,
    /// Seals client secrets, tokens and PKCE verifiers.
    pub master_key: MasterKey,
    /// Opens the admin and backend APIs.
    pub secret_key: String,
    pub clock: Clock,
    pub redirects: RedirectPolicy,
    pub cookies: CookieNames,
    pub atlassian: AtlassianClient,
    /// Where a connection's own (custom) credentials are used: Atlassian, unless configured.
    pub provider_endpoints: Endpoints,
    /// The shared development credentials; `None` in production.
    pub shared_credentials: Option<Credentials>,
    pub sessions: SessionCache,
    pub users: UserCache,
    /// The other processes on the same PostgreSQL database (none on SQLite).
    pub peers: crate::peers::Peers,
    pub refresh_locks: RefreshLocks,
    /// Rate limits and pending-flow caps (`--rate-limit-*`).
    pub abuse: crate::rate_limit::AbuseLimits,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxies`).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// The longest any request may run (`--request-timeout`).
    pub request_timeout: std::time::Duration,
    /// Signs session tokens; re-read from the database to follow rotations.
    pub signing_keys: crate::session_tokens::SigningKeys,
    /// The connection doctor's HTTP client and rate limit.
    pub doctor: crate::doctor::Doctor,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self {
            inner: Arc::new(shared),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}

impl Shared {
    /// The OAuth app a connection signs in with now.
    pub fn credentials_for(&self, connection: &ConnectionRow) -> AppResult<Credentials> {
        if connection.use_custom_credentials {
            let (Some(client_id), Some(client_secret)) = (
                connection.client_id.clone(),
                connection.open_secret(&self.master_key)?,
            ) else {
                return Err(AppError::new(
                    ErrorCode::CustomCredentialsRequired,
                    "the connection has no Client ID and Secret yet",
                ));
            };
            return Ok(Credentials {
                client_id,
                client_secret,
                endpoints: self.provider_endpoints.clone(),
            });
        }
        self.shared_credentials.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::CustomCredentialsRequired,
                "a production instance signs in only with the app's own Client ID and Secret",
            )
        })
    }

    /// The OAuth app that issued tokens to `client_id`, when this instance still has it: only
    /// that app can refresh them.
    pub fn credentials_for_client(
        &self,
        connection: Option<&ConnectionRow>,
        client_id: &str,
    ) -> AppResult<Option<Credentials>> {
        if let Some(connection) = connection
            && connection.use_custom_credentials
            && connection.client_id.as_deref() == Some(client_id)
        {
            return self.credentials_for(connection).map(Some);
        }
        Ok(self
            .shared_credentials
            .as_ref()
            .filter(|shared| shared.client_id == client_id)
            .cloned())
    }
}

/// One lock per external account, so that concurrent token requests wait for a single
/// refresh instead of each spending (and so revoking) the rotating refresh token.
#[derive(Debug, Default)]
pub struct RefreshLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds an account's refresh lock; dropping it releases the lock and, when nobody else holds
/// or waits for it, removes it from the map.
pub struct RefreshLockGuard<'a> {
    locks: &'a RefreshLocks,
    account_id: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl RefreshLocks {
    /// Waits for the account's lock.
    pub async fn lock(&self, account_id: &str) -> RefreshLockGuard<'_> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(account_id.to_owned()).or_default().clone()
        };
        RefreshLockGuard {
            locks: self,
            account_id: account_id.to_owned(),
            guard: Some(lock.lock_owned().await),
        }
    }

    pub fn len(&self) -> usize {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for RefreshLockGuard<'_> {
    fn drop(&mut self) {
        let Some(guard) = self.guard.take() else {
            return;
        };
        // Under the map's mutex, where every clone is made: the map's `Arc` and ours are the
        // only ones when no one else holds or waits.
        let mut locks = self.locks.locks.lock().unwrap_or_else(|p| p.into_inner());
        let lock = OwnedMutexGuard::mutex(&guard).clone();
        drop(guard);
        if Arc::strong_count(&lock) == 2 {
            locks.remove(&self.account_id);
        }
    }
}
