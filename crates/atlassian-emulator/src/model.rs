//! The things a test seeds into the emulator (apps, accounts, sites) and the knobs it turns (faults, auto consent).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// An OAuth 2.0 (3LO) app as registered in Atlassian's developer console.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    /// Shown on the consent page ("`<name>` is requesting access to your Atlassian account").
    pub name: String,
    /// Callback URLs; `/authorize` accepts a `redirect_uri` only when it is exactly one of these.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Scopes enabled for the app (its "Permissions"). `offline_access` is always allowed on top.
    #[serde(default)]
    pub scopes: Vec<String>,
    pub distribution: Distribution,
    /// The developer account that owns the app: the only one that may authorize a [`Distribution::Private`] app.
    pub owner_account_id: String,
}

impl OAuthApp {
    /// An app shared with everyone, with no redirect URI yet.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        name: impl Into<String>,
        owner_account_id: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            name: name.into(),
            redirect_uris: Vec::new(),
            scopes: vec!["read:me".to_owned()],
            distribution: Distribution::Sharing,
            owner_account_id: owner_account_id.into(),
        }
    }

    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    pub fn with_distribution(mut self, distribution: Distribution) -> Self {
        self.distribution = distribution;
        self
    }
}

// The secret never reaches a log line, even through `{:?}`.
impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("name", &self.name)
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .field("distribution", &self.distribution)
            .field("owner_account_id", &self.owner_account_id)
            .finish()
    }
}

/// A change to a registered app, as the developer console makes it: each `Some` field replaces the app's.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppUpdate {
    #[serde(default)]
    pub name: Option<String>,
    /// A new secret, as after "Rotate secret"; the old one stops working at once.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Replaces the whole list of callback URLs.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    /// Replaces the enabled scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub distribution: Option<Distribution>,
    #[serde(default)]
    pub owner_account_id: Option<String>,
}

impl fmt::Debug for AppUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppUpdate")
            .field("name", &self.name)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .field("distribution", &self.distribution)
            .field("owner_account_id", &self.owner_account_id)
            .finish()
    }
}

/// The developer console's "Distribution status".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// "Sharing": any Atlassian account may authorize the app.
    Sharing,
    /// "Not sharing" (Atlassian's default): only the owner may authorize it.
    Private,
}

/// An Atlassian account, with the profile `/me` reports and the sites it can reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtlassianAccount {
    pub account_id: String,
    pub email: String,
    #[serde(default = "default_true")]
    pub email_verified: bool,
    pub name: String,
    #[serde(default)]
    pub nickname: String,
    /// Avatar URL. Empty means "the emulator draws one"; a path starting with `/` is served by the emulator.
    #[serde(default)]
    pub picture: String,
    #[serde(default)]
    pub status: AccountStatus,
    /// Sites (cloud instances) the account can grant access to; the consent page offers exactly these.
    #[serde(default)]
    pub sites: Vec<AtlassianSite>,
    #[serde(default = "default_zoneinfo")]
    pub zoneinfo: String,
    #[serde(default = "default_locale")]
    pub locale: String,
    #[serde(default)]
    pub extended_profile: ExtendedProfile,
}

fn default_true() -> bool {
    true
}

fn default_zoneinfo() -> String {
    "UTC".to_owned()
}

fn default_locale() -> String {
    "en-US".to_owned()
}

impl AtlassianAccount {
    /// An active account with a verified e-mail address and no site.
    pub fn new(
        account_id: impl Into<String>,
        email: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            account_id: account_id.into(),
            email: email.into(),
            email_verified: true,
            nickname: name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned(),
            name,
            picture: String::new(),
            status: AccountStatus::Active,
            sites: Vec::new(),
            zoneinfo: default_zoneinfo(),
            locale: default_locale(),
            extended_profile: ExtendedProfile::default(),
        }
    }

    pub fn with_site(mut self, site: AtlassianSite) -> Self {
        self.sites.push(site);
        self
    }

    pub fn with_status(mut self, status: AccountStatus) -> Self {
        self.status = status;
        self
    }

    pub fn with_email_verified(mut self, verified: bool) -> Self {
        self.email_verified = verified;
        self
    }
}

/// `account_status` in `/me`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    #[default]
    Active,
    Inactive,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Closed => "closed",
        }
    }
}

/// An Atlassian site (a cloud instance such as `acme.atlassian.net`); its `id` is the cloud id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtlassianSite {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Empty means "the emulator draws one"; a path starting with `/` is served by the emulator.
    #[serde(default)]
    pub avatar_url: String,
}

impl AtlassianSite {
    pub fn new(id: impl Into<String>, name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            url: url.into(),
            avatar_url: String::new(),
        }
    }
}

/// `extended_profile` in `/me`; absent fields are left out of the JSON, as Atlassian does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExtendedProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// An endpoint a fault can be injected into, and whose calls are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `GET {base}/auth/authorize`
    Authorize,
    /// `POST {base}/auth/oauth/token`
    Token,
    /// `GET {base}/api/me`
    Me,
    /// `GET {base}/api/oauth/token/accessible-resources`
    AccessibleResources,
    /// `GET {base}/api/ex/jira/{cloudid}/rest/api/3/myself`
    JiraMyself,
    /// `GET {base}/api/ex/jira/{cloudid}/rest/api/3/search/jql`
    JiraSearch,
}

impl Endpoint {
    pub const ALL: [Endpoint; 6] = [
        Self::Authorize,
        Self::Token,
        Self::Me,
        Self::AccessibleResources,
        Self::JiraMyself,
        Self::JiraSearch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorize => "authorize",
            Self::Token => "token",
            Self::Me => "me",
            Self::AccessibleResources => "accessible_resources",
            Self::JiraMyself => "jira_myself",
            Self::JiraSearch => "jira_search",
        }
    }
}

/// What an endpoint does instead of (or before) answering normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a small JSON (HTML for `/authorize`) error body.
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 200 `application/json` with a body that is not JSON.
    MalformedJson,
    /// Answer 200 `text/html` with an HTML page, as a proxy or a maintenance page would.
    HtmlBody,
    /// Close the TCP connection without sending any HTTP response.
    DropConnection,
}

/// Consent given on the person's behalf: `/authorize` (after all its checks) redirects with a code at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoConsent {
    pub account_id: String,
    /// The site to authorize; `None` takes the account's first site (or none when it has none).
    #[serde(default)]
    pub site_id: Option<String>,
}

impl AutoConsent {
    pub fn new(account_id: impl Into<String>) -> Self {
        Self {
            account_id: account_id.into(),
            site_id: None,
        }
    }

    pub fn with_site(mut self, site_id: impl Into<String>) -> Self {
        self.site_id = Some(site_id.into());
        self
    }
}

/// Counters of what the emulator has handed out, for assertions such as "the refresh token was rotated once".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssuedSummary {
    /// Authorization codes issued (by consent or auto consent).
    pub codes_issued: u64,
    /// Authorization codes exchanged for tokens (the first, successful time).
    pub codes_redeemed: u64,
    pub access_tokens_issued: u64,
    pub refresh_tokens_issued: u64,
    /// Refresh-token grants answered with a new pair (each one also counts in `refresh_tokens_issued`).
    pub refresh_tokens_rotated: u64,
    /// Grants (token families) revoked: code replay, refresh-token reuse, inactivity or absolute expiry.
    pub families_revoked: u64,
}

/// Why a control call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("no app is registered with client_id {0:?}")]
    UnknownApp(String),
    #[error("{0:?} is not an absolute http(s) URL")]
    InvalidRedirectUri(String),
    #[error("no seeded account has a site with cloud id {0:?}")]
    UnknownSite(String),
    #[error("no account is seeded with account_id {0:?}")]
    UnknownAccount(String),
    #[error("{0:?} is not an issue key such as PROJ-12")]
    InvalidIssueKey(String),
}
