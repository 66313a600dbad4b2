//! The connection doctor's vocabulary: what `POST /v1/admin/connections/{id}/check` (and its
//! variant for unsaved values) answers, step by step, with stable codes the components
//! translate into a sentence and a fix.

use serde::{Deserialize, Serialize};

use crate::provider::ProviderId;

/// One thing the doctor checks, in the order the checklist shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStep {
    /// Atlassian knows the Client ID.
    ClientId,
    /// Our Callback URL is registered for that app, byte for byte.
    CallbackUrl,
    /// Every scope the connection asks for is enabled for the app.
    Scopes,
    /// The Client Secret belongs to the Client ID.
    ClientSecret,
    /// The app is shared, so that people other than its owner can sign in.
    Distribution,
    /// This instance's public URL is `https` (production).
    PublicUrl,
    /// The Callback URL the dashboard shows is the one sign-in sends.
    CallbackConsistent,
    /// This server's clock agrees with Atlassian's.
    Clock,
}

impl CheckStep {
    pub const ALL: &'static [CheckStep] = &[
        Self::ClientId,
        Self::CallbackUrl,
        Self::Scopes,
        Self::ClientSecret,
        Self::Distribution,
        Self::PublicUrl,
        Self::CallbackConsistent,
        Self::Clock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientId => "client_id",
            Self::CallbackUrl => "callback_url",
            Self::Scopes => "scopes",
            Self::ClientSecret => "client_secret",
            Self::Distribution => "distribution",
            Self::PublicUrl => "public_url",
            Self::CallbackConsistent => "callback_consistent",
            Self::Clock => "clock",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == value)
    }

    /// The step of the guide where the admin fixes what this step finds.
    pub fn guide_step(self) -> Option<GuideStep> {
        match self {
            Self::ClientId | Self::ClientSecret => Some(GuideStep::Credentials),
            Self::CallbackUrl | Self::CallbackConsistent => Some(GuideStep::Callback),
            Self::Scopes => Some(GuideStep::IdentityScope),
            Self::Distribution => Some(GuideStep::Distribution),
            Self::PublicUrl | Self::Clock => None,
        }
    }
}

/// The steps of Clerk's guide "Add Atlassian as a social connection" that the connection
/// dialog lists; a failed check links to the one that fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuideStep {
    /// Add the User identity API and its scopes in the developer console.
    IdentityScope,
    /// Paste the Callback URL into Authorization → OAuth 2.0 (3LO).
    Callback,
    /// Distribution → Sharing.
    Distribution,
    /// Copy the Client ID and Secret from Settings.
    Credentials,
}

impl GuideStep {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityScope => "identity_scope",
            Self::Callback => "callback",
            Self::Distribution => "distribution",
            Self::Credentials => "credentials",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::IdentityScope,
            Self::Callback,
            Self::Distribution,
            Self::Credentials,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }

    /// The `id` of the guide's list item in the connection dialog, for `href="#…"`.
    pub fn anchor(self) -> &'static str {
        match self {
            Self::IdentityScope => "vst-guide-identity-scope",
            Self::Callback => "vst-guide-callback",
            Self::Distribution => "vst-guide-distribution",
            Self::Credentials => "vst-guide-credentials",
        }
    }
}

/// How one step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    Ok,
    /// Nothing known to be wrong, but worth the admin's look (or not decidable from outside).
    Warning,
    /// Sign-in will fail for this reason.
    Failed,
    /// Not checked: an earlier step failed or the answer could not tell.
    Skipped,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Ok, Self::Warning, Self::Failed, Self::Skipped]
            .into_iter()
            .find(|o| o.as_str() == value)
    }

    /// The outcome of a whole check: failed if any step failed, else warning if any warned.
    pub fn overall(steps: impl IntoIterator<Item = CheckOutcome>) -> CheckOutcome {
        let mut overall = CheckOutcome::Ok;
        for step in steps {
            match step {
                CheckOutcome::Failed => return CheckOutcome::Failed,
                CheckOutcome::Warning => overall = CheckOutcome::Warning,
                CheckOutcome::Ok | CheckOutcome::Skipped => {}
            }
        }
        overall
    }
}

/// What a step found, by a code that never changes once shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckCode {
    ClientKnown,
    UnknownClient,
    CallbackRegistered,
    /// `detail`: the exact Callback URL that was sent.
    CallbackNotRegistered,
    ScopesEnabled,
    /// `detail`: the scopes Atlassian refused, space separated.
    ScopeNotEnabled,
    SecretAccepted,
    SecretRejected,
    AppShared,
    AppPrivate,
    /// Atlassian does not show from outside whether the app is shared: a reminder.
    DistributionUnknown,
    PublicUrlHttps,
    /// Plain `http` on loopback: fine for trying on this machine, not for users.
    PublicUrlLoopback,
    PublicUrlNotHttps,
    /// A development instance: `http` is expected.
    PublicUrlDevelopment,
    CallbackUrlMatches,
    /// `detail`: the Callback URL sign-in would send.
    CallbackUrlDiffers,
    ClockInSync,
    /// `detail`: how far off, in seconds (positive: we are ahead).
    ClockSkewed,
    /// Atlassian's answer carried no usable `Date` header.
    ClockUnknown,
    /// Atlassian timed out, refused the connection or answered with a server error.
    ProviderUnavailable,
    /// Atlassian answered something the doctor cannot read (an HTML page from a proxy, say).
    UnexpectedAnswer,
    /// An earlier step failed, so this one could not be checked.
    NotChecked,
}

impl CheckCode {
    pub const ALL: &'static [CheckCode] = &[
        Self::ClientKnown,
        Self::UnknownClient,
        Self::CallbackRegistered,
        Self::CallbackNotRegistered,
        Self::ScopesEnabled,
        Self::ScopeNotEnabled,
        Self::SecretAccepted,
        Self::SecretRejected,
        Self::AppShared,
        Self::AppPrivate,
        Self::DistributionUnknown,
        Self::PublicUrlHttps,
        Self::PublicUrlLoopback,
        Self::PublicUrlNotHttps,
        Self::PublicUrlDevelopment,
        Self::CallbackUrlMatches,
        Self::CallbackUrlDiffers,
        Self::ClockInSync,
        Self::ClockSkewed,
        Self::ClockUnknown,
        Self::ProviderUnavailable,
        Self::UnexpectedAnswer,
        Self::NotChecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientKnown => "client_known",
            Self::UnknownClient => "unknown_client",
            Self::CallbackRegistered => "callback_registered",
            Self::CallbackNotRegistered => "callback_not_registered",
            Self::ScopesEnabled => "scopes_enabled",
            Self::ScopeNotEnabled => "scope_not_enabled",
            Self::SecretAccepted => "secret_accepted",
            Self::SecretRejected => "secret_rejected",
            Self::AppShared => "app_shared",
            Self::AppPrivate => "app_private",
            Self::DistributionUnknown => "distribution_unknown",
            Self::PublicUrlHttps => "public_url_https",
            Self::PublicUrlLoopback => "public_url_loopback",
            Self::PublicUrlNotHttps => "public_url_not_https",
            Self::PublicUrlDevelopment => "public_url_development",
            Self::CallbackUrlMatches => "callback_url_matches",
            Self::CallbackUrlDiffers => "callback_url_differs",
            Self::ClockInSync => "clock_in_sync",
            Self::ClockSkewed => "clock_skewed",
            Self::ClockUnknown => "clock_unknown",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::UnexpectedAnswer => "unexpected_answer",
            Self::NotChecked => "not_checked",
        }
    }

    /// Unknown codes yield `None`, so an older kit shows a generic sentence instead of failing.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == value)
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckStepResult {
    pub step: CheckStep,
    pub outcome: CheckOutcome,
    pub code: CheckCode,
    /// What was found, in English, for scripts and logs; the components show their own.
    pub message: String,
    /// What to do about it, in English; absent when there is nothing to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The guide's step that fixes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_step: Option<GuideStep>,
    /// The specific value at fault (a scope, a URL, seconds of skew); never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer of a check: every step, and the worst outcome among them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCheck {
    /// The saved connection checked; `None` for unsaved values.
    #[serde(default)]
    pub connection_id: Option<String>,
    /// Unix seconds.
    pub checked_at: i64,
    pub outcome: CheckOutcome,
    pub steps: Vec<CheckStepResult>,
}

/// `GET /v1/admin/connections/{id}/check`: the last recorded check, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastConnectionCheck {
    pub last_check: Option<ConnectionCheck>,
}

/// `POST /v1/admin/connections/check`: the dialog's values before they are saved. With a
/// `connection_id`, absent credentials fall back to that connection's stored ones (so an
/// edit that leaves the secret blank checks the stored secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConnection {
    #[serde(default = "default_provider")]
    pub provider: ProviderId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default)]
    pub use_custom_credentials: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Sent only in this body and only on to Atlassian's token endpoint; never echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

fn default_provider() -> ProviderId {
    ProviderId::Atlassian
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde_names() {
        for code in CheckCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(CheckCode::parse(code.as_str()), Some(*code));
        }
        for step in CheckStep::ALL {
            let json = serde_json::to_string(step).unwrap();
            assert_eq!(json, format!("\"{}\"", step.as_str()));
            assert_eq!(CheckStep::parse(step.as_str()), Some(*step));
            if let Some(guide) = step.guide_step() {
                let json = serde_json::to_string(&guide).unwrap();
                assert_eq!(json, format!("\"{}\"", guide.as_str()));
                assert_eq!(GuideStep::parse(guide.as_str()), Some(guide));
            }
        }
    }

    #[test]
    fn overall_outcome_is_the_worst_step() {
        use CheckOutcome::*;
        assert_eq!(CheckOutcome::overall([Ok, Skipped, Ok]), Ok);
        assert_eq!(CheckOutcome::overall([Ok, Warning, Skipped]), Warning);
        assert_eq!(CheckOutcome::overall([Warning, Failed, Skipped]), Failed);
    }

    #[test]
    fn check_request_defaults_to_atlassian_and_never_serializes_an_absent_secret() {
        let c: CheckConnection = serde_json::from_str("{}").unwrap();
        assert_eq!(c.provider, ProviderId::Atlassian);
        assert!(!c.use_custom_credentials);
        assert!(!serde_json::to_string(&c).unwrap().contains("client_secret"));
    }
}
