//! Stable error codes: the server answers with them and the components translate them.

use serde::{Deserialize, Serialize};

/// Every error the server can answer with, by a code that never changes once shipped.
///
/// Codes travel as JSON (`{"code": "state_mismatch", ...}`) and as the `?error=` query
/// parameter of the sign-in page after a failed OAuth callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // --- OAuth flow -------------------------------------------------------------------
    /// The callback's `state` did not match this browser's flow cookie.
    StateMismatch,
    /// The callback came without a flow cookie (another browser, or cookies blocked).
    StateMissing,
    /// The flow was older than its lifetime (10 minutes).
    StateExpired,
    /// The person pressed "Cancel" on Atlassian's consent screen.
    AccessDenied,
    /// The Atlassian account has access to no site (Jira, Confluence, ...).
    NoAtlassianSite,
    /// The Atlassian account is closed or deactivated.
    AccountInactive,
    /// Atlassian did not confirm the e-mail address and the instance needs a verified one.
    /// (Nothing produces it yet: no instance setting requires a verified e-mail. It stays
    /// because the components already translate it and shipped codes never change.)
    EmailUnverified,
    /// Atlassian refused the authorization code (expired or already used).
    InvalidGrant,
    /// Atlassian answered with an error, garbage, or too slowly.
    ProviderUnavailable,
    /// The Atlassian account is already connected to another user.
    ExternalAccountTaken,
    /// The connection's stored refresh token no longer works; the user must sign in again.
    ReconnectNeeded,
    // --- connections ------------------------------------------------------------------
    /// The provider has no enabled connection for sign-in or sign-up.
    ConnectionDisabled,
    /// No connection exists for that provider or id.
    ConnectionNotFound,
    /// A connection for this provider exists already.
    ConnectionExists,
    /// A production instance needs the app's own Client ID and Secret.
    CustomCredentialsRequired,
    /// The provider is not in the catalog.
    UnknownProvider,
    // --- request shape ----------------------------------------------------------------
    /// A field failed validation; `field` names it.
    InvalidField,
    /// The body was not the JSON the endpoint expects.
    InvalidBody,
    /// `redirect_url` is not on this instance's origin or its allow-list.
    InvalidRedirectUrl,
    /// A state-changing request came from another site.
    CrossSiteRequest,
    // --- sessions and auth --------------------------------------------------------------
    /// No valid session cookie.
    Unauthenticated,
    /// No valid secret key for the admin or backend API.
    InvalidSecretKey,
    /// The thing asked for does not exist (or is not yours).
    NotFound,
    /// Disconnecting the last external account would lock the user out.
    LastExternalAccount,
    /// Too many requests in a short time (the rate limits answer 429 with it).
    RateLimited,
    /// Something unexpected; the response carries a reference to quote.
    Internal,
    /// A sign-in token (ticket) that is unknown here, already used, expired, or whose user is
    /// gone.
    SignInTokenInvalid,
    /// The user is banned (backend API): no sessions, no sign-in, until unbanned.
    UserBanned,
    // --- session tokens (the app's backend, `vestibule-axum`) ---------------------------
    /// No session token: neither `Authorization: Bearer` nor the `__session` cookie.
    TokenMissing,
    /// The session token's `exp` has passed (beyond the leeway).
    TokenExpired,
    /// The session token's `nbf` is still in the future (beyond the leeway).
    TokenNotYetValid,
    /// The session token is malformed, forged, of another algorithm or signed by an unknown key.
    TokenInvalid,
    /// The session token was issued by another instance (`iss`).
    TokenWrongIssuer,
    /// The session token was minted for an origin (`azp`) the app does not accept.
    TokenUnauthorizedParty,
    /// The instance's public keys could not be fetched to check the token.
    JwksUnavailable,
}

impl ErrorCode {
    /// Every code, for exhaustive checks (each one must have a sentence in every language).
    pub const ALL: &'static [ErrorCode] = &[
        Self::StateMismatch,
        Self::StateMissing,
        Self::StateExpired,
        Self::AccessDenied,
        Self::NoAtlassianSite,
        Self::AccountInactive,
        Self::EmailUnverified,
        Self::InvalidGrant,
        Self::ProviderUnavailable,
        Self::ExternalAccountTaken,
        Self::ReconnectNeeded,
        Self::ConnectionDisabled,
        Self::ConnectionNotFound,
        Self::ConnectionExists,
        Self::CustomCredentialsRequired,
        Self::UnknownProvider,
        Self::InvalidField,
        Self::InvalidBody,
        Self::InvalidRedirectUrl,
        Self::CrossSiteRequest,
        Self::Unauthenticated,
        Self::InvalidSecretKey,
        Self::NotFound,
        Self::LastExternalAccount,
        Self::RateLimited,
        Self::Internal,
        Self::SignInTokenInvalid,
        Self::UserBanned,
        Self::TokenMissing,
        Self::TokenExpired,
        Self::TokenNotYetValid,
        Self::TokenInvalid,
        Self::TokenWrongIssuer,
        Self::TokenUnauthorizedParty,
        Self::JwksUnavailable,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StateMismatch => "state_mismatch",
            Self::StateMissing => "state_missing",
            Self::StateExpired => "state_expired",
            Self::AccessDenied => "access_denied",
            Self::NoAtlassianSite => "no_atlassian_site",
            Self::AccountInactive => "account_inactive",
            Self::EmailUnverified => "email_unverified",
            Self::InvalidGrant => "invalid_grant",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::ExternalAccountTaken => "external_account_taken",
            Self::ReconnectNeeded => "reconnect_needed",
            Self::ConnectionDisabled => "connection_disabled",
            Self::ConnectionNotFound => "connection_not_found",
            Self::ConnectionExists => "connection_exists",
            Self::CustomCredentialsRequired => "custom_credentials_required",
            Self::UnknownProvider => "unknown_provider",
            Self::InvalidField => "invalid_field",
            Self::InvalidBody => "invalid_body",
            Self::InvalidRedirectUrl => "invalid_redirect_url",
            Self::CrossSiteRequest => "cross_site_request",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidSecretKey => "invalid_secret_key",
            Self::NotFound => "not_found",
            Self::LastExternalAccount => "last_external_account",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::SignInTokenInvalid => "sign_in_token_invalid",
            Self::UserBanned => "user_banned",
            Self::TokenMissing => "token_missing",
            Self::TokenExpired => "token_expired",
            Self::TokenNotYetValid => "token_not_yet_valid",
            Self::TokenInvalid => "token_invalid",
            Self::TokenWrongIssuer => "token_wrong_issuer",
            Self::TokenUnauthorizedParty => "token_unauthorized_party",
            Self::JwksUnavailable => "jwks_unavailable",
        }
    }

    /// Parses a code read from a query string; unknown codes yield `None` so that the
    /// components can fall back to a generic sentence instead of failing.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    /// A sentence for developers; the components show their own translated sentence.
    pub message: String,
    /// The request field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A reference to quote to the operator, for internal errors (the request id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A name read from the database or a request that is none of the enum's: a bad value is an
/// error, never silently the first variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What the name should have named ("provider", "intent", "audience").
    pub kind: &'static str,
    pub name: String,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bounded: the name may come from anyone.
        let name: String = self.name.chars().take(64).collect();
        write!(f, "unknown {} {name:?}", self.kind)
    }
}

impl std::error::Error for UnknownName {}

/// `TryFrom<String>` for an enum with `parse`, so that a database column can be read as the
/// enum (`#[sqlx(try_from = "String")]` on the server).
macro_rules! try_from_name {
    ($ty:ty, $kind:literal) => {
        impl TryFrom<String> for $ty {
            type Error = $crate::error::UnknownName;

            fn try_from(name: String) -> Result<Self, Self::Error> {
                Self::parse(&name).ok_or($crate::error::UnknownName { kind: $kind, name })
            }
        }
    };
}
pub(crate) use try_from_name;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn unknown_code_parses_to_none() {
        assert_eq!(ErrorCode::parse("<script>"), None);
    }
}
