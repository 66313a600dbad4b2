//! Request and response bodies of the frontend, admin and backend APIs.
//!
//! Timestamps are Unix seconds (`i64`) so that this crate needs no date library on wasm.

use serde::{Deserialize, Serialize};

use crate::provider::ProviderId;

/// Whether an instance runs on shared development credentials or only on the app's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceEnvironment {
    Development,
    Production,
}

impl InstanceEnvironment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

/// `GET /v1/environment`: what a sign-in page needs before it can draw itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub environment: InstanceEnvironment,
    /// The application's name, shown on the sign-in card.
    pub application_name: String,
    /// Connections enabled for sign-up and sign-in, in display order.
    pub connections: Vec<PublicConnection>,
    pub portal: PortalUrls,
}

/// A connection as the browser sees it: nothing secret, nothing an admin set privately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicConnection {
    pub provider: ProviderId,
    pub display_name: String,
    /// Path or URL of the provider's logo.
    pub icon_url: String,
}

/// Absolute URLs of the hosted account portal's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalUrls {
    pub sign_in_url: String,
    pub sign_up_url: String,
    pub user_profile_url: String,
    pub after_sign_in_url: String,
}

/// What an OAuth start is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthIntent {
    SignIn,
    SignUp,
    /// Attach another external account to the signed-in user.
    Connect,
}

impl OAuthIntent {
    pub const ALL: &'static [OAuthIntent] = &[Self::SignIn, Self::SignUp, Self::Connect];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignUp => "sign_up",
            Self::Connect => "connect",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|i| i.as_str() == s)
    }
}

crate::error::try_from_name!(OAuthIntent, "intent");

/// `GET /v1/client`: the browser's view of who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClientState {
    pub session: Option<SessionInfo>,
    pub user: Option<User>,
}

/// One session of a user, as listed on the profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expires_at: i64,
    /// The browser's User-Agent when the session began, for "Chrome on Linux".
    pub user_agent: Option<String>,
    /// True for the session that made this request.
    pub current: bool,
}

/// A Vestibule user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub avatar_url: Option<String>,
    pub created_at: i64,
    pub external_accounts: Vec<ExternalAccount>,
}

/// `POST /v1/users` (backend API, development instances only): a user made from a seeded
/// emulator account through the real authorization-code flow, as if it had signed in once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUser {
    /// The e-mail address or account id of one of the emulator's accounts.
    pub emulator_account: String,
}

/// `GET /v1/users?email=` (backend API): the users with that e-mail address, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<User>,
}

/// An external (Atlassian) account linked to a user. Never carries tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalAccount {
    pub id: String,
    pub provider: ProviderId,
    /// The provider's stable account id (Atlassian's `account_id`).
    pub provider_account_id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub site: Option<AtlassianSite>,
    pub scopes: Vec<String>,
    /// The stored refresh token stopped working; the user must connect again.
    pub reconnect_needed: bool,
    pub created_at: i64,
}

/// The one Atlassian site (cloud instance) the user authorized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtlassianSite {
    pub id: String,
    pub name: String,
    pub url: String,
    pub avatar_url: Option<String>,
}

/// `GET /v1/me/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// The audience of a connection: who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionAudience {
    AllUsers,
    /// Shown as "coming later"; the server refuses it for now.
    SpecificDomains,
}

impl ConnectionAudience {
    pub const ALL: &'static [ConnectionAudience] = &[Self::AllUsers, Self::SpecificDomains];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllUsers => "all_users",
            Self::SpecificDomains => "specific_domains",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

crate::error::try_from_name!(ConnectionAudience, "audience");

/// A connection as the admin API returns it. The client secret is write-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub provider: ProviderId,
    pub audience: ConnectionAudience,
    pub enabled_for_sign_in: bool,
    pub use_custom_credentials: bool,
    pub client_id: Option<String>,
    /// Whether a client secret is stored.
    pub client_secret_set: bool,
    /// The secret's last four characters, so the admin can tell which one is stored.
    pub client_secret_last4: Option<String>,
    pub scopes: Vec<String>,
    /// Paste this into the provider's console as the app's callback URL.
    pub callback_url: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `GET /v1/admin/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionList {
    pub environment: InstanceEnvironment,
    pub callback_url: String,
    pub connections: Vec<Connection>,
}

/// `POST /v1/admin/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateConnection {
    pub provider: ProviderId,
    #[serde(default = "default_audience")]
    pub audience: ConnectionAudience,
    #[serde(default = "default_true")]
    pub enabled_for_sign_in: bool,
    #[serde(default)]
    pub use_custom_credentials: bool,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Defaults to the provider's default scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

/// `PATCH /v1/admin/connections/{id}`: absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UpdateConnection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_for_sign_in: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_custom_credentials: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// A new secret; leaving it out keeps the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

fn default_audience() -> ConnectionAudience {
    ConnectionAudience::AllUsers
}

fn default_true() -> bool {
    true
}

/// `GET /v1/users/{id}/oauth_access_tokens/atlassian` (backend API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthAccessToken {
    pub external_account_id: String,
    pub provider: ProviderId,
    pub token: String,
    pub expires_at: i64,
    pub scopes: Vec<String>,
    /// The Atlassian cloud id to put in `https://api.atlassian.com/ex/jira/{site_id}/...`.
    pub site_id: Option<String>,
    /// The base URL of the provider API this token is for, without a trailing slash
    /// (`https://api.atlassian.com`; the emulator's address in development), so that an app
    /// calls `{api_url}/ex/jira/{site_id}/rest/api/3/...` with no configuration of its own.
    #[serde(default)]
    pub api_url: String,
}

/// `POST /v1/admin/session`: exchange the secret key for an admin session cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSignIn {
    pub secret_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_connection_defaults_to_all_users_enabled_shared_credentials() {
        let c: CreateConnection = serde_json::from_str(r#"{"provider":"atlassian"}"#).unwrap();
        assert_eq!(c.audience, ConnectionAudience::AllUsers);
        assert!(c.enabled_for_sign_in);
        assert!(!c.use_custom_credentials);
        assert_eq!(c.scopes, None);
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for intent in OAuthIntent::ALL {
            assert_eq!(OAuthIntent::parse(intent.as_str()), Some(*intent));
            let json = serde_json::to_string(intent).unwrap();
            assert_eq!(json, format!("\"{}\"", intent.as_str()));
        }
        for audience in ConnectionAudience::ALL {
            assert_eq!(
                ConnectionAudience::parse(audience.as_str()),
                Some(*audience)
            );
            let json = serde_json::to_string(audience).unwrap();
            assert_eq!(json, format!("\"{}\"", audience.as_str()));
        }
        assert_eq!(OAuthIntent::parse("log_in"), None);
        assert!(ConnectionAudience::try_from("everyone".to_owned()).is_err());
        assert_eq!(
            OAuthIntent::try_from("connect".to_owned()),
            Ok(OAuthIntent::Connect)
        );
    }

    #[test]
    fn update_connection_omits_untouched_fields() {
        let u = UpdateConnection {
            enabled_for_sign_in: Some(false),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"enabled_for_sign_in":false}"#
        );
    }
}
