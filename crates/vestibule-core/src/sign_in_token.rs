//! Sign-in tokens ("tickets"): a single-use link the app's own server asks for with the secret
//! key, which signs a browser in as a given user. Made for tests and support tools; never
//! handed out to the public.
//!
//! `POST /v1/sign_in_tokens` with [`CreateSignInToken`] answers [`SignInToken`]; visiting
//! its `url` signs the browser in and redirects to the validated `redirect_url`.

use serde::{Deserialize, Serialize};

/// Where the backend API creates sign-in tokens, relative to the public URL.
pub const CREATE_PATH: &str = "/v1/sign_in_tokens";

/// Where a browser redeems one (`?token=`), relative to the public URL. The token travels in
/// the query string, which the server never logs.
pub const ACCEPT_PATH: &str = "/v1/sign_in_tokens/accept";

/// The lifetime when the request names none, in seconds.
pub const DEFAULT_LIFETIME_SECS: i64 = 60;

/// The longest lifetime a token may ask for: ten minutes.
pub const MAX_LIFETIME_SECS: i64 = 600;

/// `POST /v1/sign_in_tokens`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSignInToken {
    /// The user the browser will be signed in as.
    pub user_id: String,
    /// 1 to [`MAX_LIFETIME_SECS`]; [`DEFAULT_LIFETIME_SECS`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
    /// Where the browser goes once signed in: a path on the instance or a URL on an allowed
    /// origin. The portal's after-sign-in page when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// The answer: the token (shown once, stored only as a hash) and the URL to visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInToken {
    /// The token's id, as the server's log lines name it.
    pub id: String,
    pub user_id: String,
    /// The secret part; `url` carries it too.
    pub token: String,
    /// Visit it in a browser to be signed in as `user_id`.
    pub url: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The lifetime a request asks for, if it is allowed.
pub fn lifetime(expires_in_seconds: Option<i64>) -> Option<i64> {
    let secs = expires_in_seconds.unwrap_or(DEFAULT_LIFETIME_SECS);
    (1..=MAX_LIFETIME_SECS).contains(&secs).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_one_second_to_ten_minutes() {
        assert_eq!(lifetime(None), Some(DEFAULT_LIFETIME_SECS));
        assert_eq!(lifetime(Some(1)), Some(1));
        assert_eq!(lifetime(Some(600)), Some(600));
        assert_eq!(lifetime(Some(601)), None);
        assert_eq!(lifetime(Some(0)), None);
        assert_eq!(lifetime(Some(-5)), None);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let body = r#"{"user_id":"user_1","expires_in_secs":60}"#;
        assert!(serde_json::from_str::<CreateSignInToken>(body).is_err());
    }
}
