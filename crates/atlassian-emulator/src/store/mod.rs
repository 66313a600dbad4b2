//! The provider's memory: one [`Store`] holding registered apps and accounts, pending authorizations, codes,
//! grants (token families), access and refresh tokens, injected faults and counters, and the control calls
//! that seed and steer it.
//!
//! The rules live in child modules, each adding an `impl Store` block for one side of the wire, mirroring
//! `routes/`: [`authorize`] (`/authorize` and consent), [`token`] (`/oauth/token`), [`bearer`] (what an access
//! token opens on the API host).
//!
//! Everything lives behind one mutex (see `control::Shared`); no lock is held across an `.await`.
//! Tokens and codes are kept only as SHA-256 hashes.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use crate::jira::JiraIssue;
use crate::model::{
    AppUpdate, AtlassianAccount, AutoConsent, ControlError, Endpoint, Fault, IssuedSummary,
    OAuthApp,
};
use crate::secrets::TokenHash;

mod authorize;
mod bearer;
mod jira;
#[cfg(test)]
mod tests;
mod token;

pub(crate) use authorize::{AuthorizeParams, Consent, ConsentError, PendingAuthorization};
pub(crate) use bearer::BearerError;
pub(crate) use token::{TokenError, TokenRequest};

/// Always allowed on top of the app's own scopes; asks for a refresh token.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";
pub(crate) const READ_ME: &str = "read:me";
/// Opens the Jira search (`/rest/api/3/search/jql`).
pub(crate) const READ_JIRA_WORK: &str = "read:jira-work";
/// Opens Jira's `/rest/api/3/myself`.
pub(crate) const READ_JIRA_USER: &str = "read:jira-user";

pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Reusing a rotated refresh token within this window still works.
pub(crate) const REFRESH_REUSE_LEEWAY: Duration = Duration::from_secs(10 * 60);
pub(crate) const REFRESH_INACTIVITY_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
pub(crate) const GRANT_ABSOLUTE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long a consent page stays usable.
pub(crate) const PENDING_LIFETIME: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone)]
struct AuthorizationCode {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    account_id: String,
    site_id: Option<String>,
    issued_at: SystemTime,
    /// Set by the first successful exchange; a replay revokes this grant.
    redeemed_as: Option<GrantId>,
}

type GrantId = u64;

/// What one consent produced: the family that every token issued from it belongs to.
#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    account_id: String,
    site_id: Option<String>,
    scopes: Vec<String>,
    consented_at: SystemTime,
    revoked: bool,
    current_refresh_token: Option<TokenHash>,
}

#[derive(Debug, Clone)]
struct AccessToken {
    grant: GrantId,
    expires_at: SystemTime,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    grant: GrantId,
    issued_at: SystemTime,
    /// When a newer refresh token of the same family was issued.
    superseded_at: Option<SystemTime>,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    apps: HashMap<String, OAuthApp>,
    /// In seeding order, which is the order of the consent page's account chooser.
    accounts: Vec<AtlassianAccount>,
    pending: HashMap<String, PendingAuthorization>,
    codes: HashMap<TokenHash, AuthorizationCode>,
    grants: HashMap<GrantId, Grant>,
    next_grant: GrantId,
    access_tokens: HashMap<TokenHash, AccessToken>,
    refresh_tokens: HashMap<TokenHash, RefreshToken>,
    faults: HashMap<Endpoint, VecDeque<(Fault, u32)>>,
    calls: HashMap<Endpoint, u64>,
    auto_consent: Option<AutoConsent>,
    auto_consent_by_login_hint: bool,
    issued: IssuedSummary,
    /// Jira issues by site (cloud id), in seeding order.
    issues: HashMap<String, Vec<JiraIssue>>,
    /// How many issues got an id from the emulator, so ids never repeat.
    issues_seeded: u64,
}

/// `redirect_uri` with `params` appended to its query, keeping any query it already has.
pub(crate) fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.into()
        }
        // Registered URIs are validated as absolute URLs, so this is unreachable in practice.
        Err(_) => redirect_uri.to_owned(),
    }
}

fn is_http_url(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

impl Store {
    // ---- control -------------------------------------------------------------------------

    pub(crate) fn register_app(&mut self, app: OAuthApp) {
        self.apps.insert(app.client_id.clone(), app);
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<&OAuthApp> {
        self.apps.get(client_id)
    }

    pub(crate) fn add_redirect_uri(
        &mut self,
        client_id: &str,
        uri: &str,
    ) -> Result<(), ControlError> {
        if !is_http_url(uri) {
            return Err(ControlError::InvalidRedirectUri(uri.to_owned()));
        }
        let app = self
            .apps
            .get_mut(client_id)
            .ok_or_else(|| ControlError::UnknownApp(client_id.to_owned()))?;
        if !app.redirect_uris.iter().any(|u| u == uri) {
            app.redirect_uris.push(uri.to_owned());
        }
        Ok(())
    }

    /// Applies a developer-console change to an app; callback URLs must be absolute http(s) URLs.
    pub(crate) fn update_app(
        &mut self,
        client_id: &str,
        update: AppUpdate,
    ) -> Result<OAuthApp, ControlError> {
        if let Some(bad) = update
            .redirect_uris
            .iter()
            .flatten()
            .find(|u| !is_http_url(u))
        {
            return Err(ControlError::InvalidRedirectUri(bad.clone()));
        }
        let app = self
            .apps
            .get_mut(client_id)
            .ok_or_else(|| ControlError::UnknownApp(client_id.to_owned()))?;
        let AppUpdate {
            name,
            client_secret,
            redirect_uris,
            scopes,
            distribution,
            owner_account_id,
        } = update;
        app.name = name.unwrap_or_else(|| app.name.clone());
        app.client_secret = client_secret.unwrap_or_else(|| app.client_secret.clone());
        app.redirect_uris = redirect_uris.unwrap_or_else(|| app.redirect_uris.clone());
        app.scopes = scopes.unwrap_or_else(|| app.scopes.clone());
        app.distribution = distribution.unwrap_or(app.distribution);
        app.owner_account_id = owner_account_id.unwrap_or_else(|| app.owner_account_id.clone());
        Ok(app.clone())
    }

    pub(crate) fn seed_account(&mut self, account: AtlassianAccount) {
        match self
            .accounts
            .iter_mut()
            .find(|a| a.account_id == account.account_id)
        {
            Some(existing) => *existing = account,
            None => self.accounts.push(account),
        }
    }

    pub(crate) fn accounts(&self) -> &[AtlassianAccount] {
        &self.accounts
    }

    pub(crate) fn account(&self, account_id: &str) -> Option<&AtlassianAccount> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }

    pub(crate) fn inject_fault(&mut self, endpoint: Endpoint, fault: Fault, times: u32) {
        if times > 0 {
            self.faults
                .entry(endpoint)
                .or_default()
                .push_back((fault, times));
        }
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Counts a call to `endpoint` and hands out the next queued fault, if any.
    pub(crate) fn record_call(&mut self, endpoint: Endpoint) -> Option<Fault> {
        *self.calls.entry(endpoint).or_default() += 1;
        let queue = self.faults.get_mut(&endpoint)?;
        let (fault, remaining) = queue.front_mut()?;
        let fault = *fault;
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    pub(crate) fn call_count(&self, endpoint: Endpoint) -> u64 {
        self.calls.get(&endpoint).copied().unwrap_or(0)
    }

    pub(crate) fn set_auto_consent(&mut self, consent: Option<AutoConsent>) {
        self.auto_consent = consent;
    }

    pub(crate) fn set_auto_consent_by_login_hint(&mut self, enabled: bool) {
        self.auto_consent_by_login_hint = enabled;
    }

    pub(crate) fn issued(&self) -> IssuedSummary {
        self.issued
    }
}
