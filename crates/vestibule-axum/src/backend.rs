//! A typed client for the instance's backend API (`Authorization: Bearer <secret key>`):
//! users and their fresh Atlassian access tokens.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;
use vestibule_core::api::{OAuthAccessToken, User};
use vestibule_core::{ApiError, ErrorCode, ProviderId};

/// Talks to a Vestibule instance's backend API with its secret key. Cheap to clone.
///
/// ```no_run
/// use vestibule_axum::{Backend, BackendError};
/// use vestibule_core::{ErrorCode, ProviderId};
///
/// # async fn run() -> Result<(), BackendError> {
/// let backend = Backend::new(
///     "https://auth.example.com".parse().unwrap(),
///     std::env::var("VESTIBULE_SECRET_KEY").unwrap(),
/// );
/// let user = backend.users().get("user_123").await?;
/// println!("{:?} signed in", user.name);
/// match backend.oauth_access_token(&user.id, ProviderId::Atlassian).await {
///     Ok(token) => {
///         let site = token.site_id.unwrap_or_default();
///         let url = format!("{}/ex/jira/{site}/rest/api/3/myself", token.api_url);
///         let _myself = reqwest::Client::new().get(url).bearer_auth(&token.token).send().await;
///     }
///     // The user must connect Atlassian again: send them to sign in.
///     Err(e) if e.code() == Some(ErrorCode::ReconnectNeeded) => {}
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Backend {
    api_url: Url,
    secret_key: Arc<str>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Backend {
    /// Never prints the secret key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("api_url", &self.api_url.as_str())
            .finish_non_exhaustive()
    }
}

/// Everything a backend call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The server refused, with one of its stable codes (`not_found`, `invalid_secret_key`,
    /// `reconnect_needed`, `provider_unavailable`, ...).
    #[error("Vestibule answered {status}: {code}: {message}")]
    Api {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// No answer within the timeout.
    #[error("Vestibule did not answer in time")]
    Timeout,
    /// The server could not be reached.
    #[error("cannot reach Vestibule: {0}")]
    Transport(reqwest::Error),
    /// An answer that is not the documented JSON.
    #[error("unexpected answer from Vestibule ({status}): {detail}")]
    UnexpectedResponse { status: u16, detail: String },
}

impl BackendError {
    /// The server's error code, when it answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for BackendError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else {
            Self::Transport(e)
        }
    }
}

/// `backend.users()`: the user endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    backend: &'a Backend,
}

impl Users<'_> {
    /// `GET /v1/users/{id}`: the user and their connected accounts (never tokens).
    pub async fn get(&self, user_id: &str) -> Result<User, BackendError> {
        self.backend.get_json(&["v1", "users", user_id]).await
    }
}

impl Backend {
    /// `api_url` is the instance's public URL; `secret_key` its secret key. Calls time out
    /// after 10 s (connecting: 5 s), long enough for the server to refresh an access token.
    pub fn new(api_url: Url, secret_key: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            api_url,
            secret_key: Arc::from(secret_key.into()),
            http,
        }
    }

    /// Uses `http` instead (its own timeouts, proxy, ...).
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    pub fn users(&self) -> Users<'_> {
        Users { backend: self }
    }

    /// `GET /v1/users/{id}/oauth_access_tokens/{provider}`: a fresh access token for the user's
    /// (oldest) account at `provider`, with the site id and the API base URL to call.
    pub async fn oauth_access_token(
        &self,
        user_id: &str,
        provider: ProviderId,
    ) -> Result<OAuthAccessToken, BackendError> {
        self.get_json(&[
            "v1",
            "users",
            user_id,
            "oauth_access_tokens",
            provider.as_str(),
        ])
        .await
    }

    /// The URL of `segments`, each percent-encoded as one path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.api_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn get_json<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, BackendError> {
        let response = self
            .http
            .get(self.url(segments))
            .bearer_auth(&*self.secret_key)
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|e| BackendError::UnexpectedResponse {
                status,
                detail: e.to_string(),
            });
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(error) => Err(BackendError::Api {
                status,
                code: error.code,
                message: error.message,
            }),
            Err(_) => Err(BackendError::UnexpectedResponse {
                status,
                detail: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_and_the_key_is_not_printed() {
        let backend = Backend::new("https://auth.example.com/".parse().unwrap(), "sk_live_x");
        assert_eq!(
            backend
                .url(&["v1", "users", "a/b?c", "oauth_access_tokens", "atlassian"])
                .as_str(),
            "https://auth.example.com/v1/users/a%2Fb%3Fc/oauth_access_tokens/atlassian"
        );
        assert!(!format!("{backend:?}").contains("sk_live_x"));
    }
}
