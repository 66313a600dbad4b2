//! [`EmulatorControl`]: the handle tests use to seed, steer and inspect a running emulator.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::clock::VirtualClock;
use crate::jira::JiraIssue;
use crate::model::{
    AppUpdate, AtlassianAccount, AtlassianSite, AutoConsent, ControlError, Endpoint, Fault,
    IssuedSummary, OAuthApp,
};
use crate::store::Store;

/// What the routes and the control handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    pub(crate) clock: VirtualClock,
    /// `http://127.0.0.1:PORT`, for URLs the emulator hands out (avatars, form actions).
    pub(crate) base_url: String,
}

impl Shared {
    pub(crate) fn new(base_url: String) -> Self {
        Self {
            store: Mutex::new(Store::default()),
            clock: VirtualClock::default(),
            base_url,
        }
    }

    /// The store; a panic in another request never wedges the emulator.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Makes a picture or avatar URL absolute: empty means the emulator's drawing of `key`.
    pub(crate) fn asset_url(&self, url: &str, key: &str) -> String {
        if url.is_empty() {
            format!("{}/avatars/{}", self.base_url, url_segment(key))
        } else if url.starts_with('/') {
            format!("{}{url}", self.base_url)
        } else {
            url.to_owned()
        }
    }
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A cheap, cloneable handle on a running emulator. Every change takes effect for the next request.
#[derive(Debug, Clone)]
pub struct EmulatorControl {
    pub(crate) shared: Arc<Shared>,
}

impl EmulatorControl {
    /// Registers an app, replacing any app with the same `client_id`.
    pub fn register_app(&self, app: OAuthApp) {
        tracing::info!(client_id = %app.client_id, name = %app.name, "app registered");
        self.shared.store().register_app(app);
    }

    /// Adds a callback URL to an app (no-op when it is already there).
    pub fn add_redirect_uri(&self, client_id: &str, uri: &str) -> Result<(), ControlError> {
        self.shared.store().add_redirect_uri(client_id, uri)?;
        tracing::info!(%client_id, %uri, "redirect URI registered");
        Ok(())
    }

    /// The app registered as `client_id`, as it is now.
    pub fn app(&self, client_id: &str) -> Option<OAuthApp> {
        self.shared.store().app(client_id).cloned()
    }

    /// Changes an app as its developer would in the console (callback URLs, scopes, distribution, secret…);
    /// the next request sees the change. Returns the app as changed.
    pub fn update_app(&self, client_id: &str, update: AppUpdate) -> Result<OAuthApp, ControlError> {
        let app = self.shared.store().update_app(client_id, update)?;
        tracing::info!(%client_id, distribution = ?app.distribution, scopes = ?app.scopes, "app changed");
        Ok(app)
    }

    /// Adds a Jira issue to the site with this cloud id, replacing the issue with the same key. The site,
    /// the assignee and the reporter must be seeded; an empty `id` is numbered. Returns the stored issue.
    pub fn seed_issue(&self, cloud_id: &str, issue: JiraIssue) -> Result<JiraIssue, ControlError> {
        let issue = self.shared.store().seed_issue(cloud_id, issue)?;
        tracing::info!(%cloud_id, key = %issue.key, "issue seeded");
        Ok(issue)
    }

    /// The site with this cloud id, whichever seeded account reaches it.
    pub fn site(&self, cloud_id: &str) -> Option<AtlassianSite> {
        self.shared.store().site(cloud_id).cloned()
    }

    /// The Jira issues of a site, in seeding order.
    pub fn issues(&self, cloud_id: &str) -> Vec<JiraIssue> {
        self.shared.store().issues(cloud_id).to_vec()
    }

    /// Adds an account, replacing any account with the same `account_id`.
    pub fn seed_account(&self, account: AtlassianAccount) {
        tracing::info!(account_id = %account.account_id, "account seeded");
        self.shared.store().seed_account(account);
    }

    /// Moves the virtual clock forward; codes, tokens and grants age accordingly.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
        tracing::info!(by_secs = by.as_secs(), "clock advanced");
    }

    /// How far the virtual clock is ahead of real time.
    pub fn clock_offset(&self) -> Duration {
        self.shared.clock.offset()
    }

    /// Makes the next `times` calls to `endpoint` misbehave. Faults queue up in the order they were injected.
    pub fn inject_fault(&self, endpoint: Endpoint, fault: Fault, times: u32) {
        tracing::info!(
            endpoint = endpoint.as_str(),
            ?fault,
            times,
            "fault injected"
        );
        self.shared.store().inject_fault(endpoint, fault, times);
    }

    /// Forgets every fault not yet triggered.
    pub fn clear_faults(&self) {
        self.shared.store().clear_faults();
    }

    /// With `Some`, `/authorize` gives this consent itself (after all its checks) and redirects with a code.
    pub fn set_auto_consent(&self, consent: Option<AutoConsent>) {
        self.shared.store().set_auto_consent(consent);
    }

    /// When on, `/authorize?login_hint=<email or account_id>` naming a seeded account consents as that account,
    /// for its first site, without showing the page. Requests without a matching hint still see the page.
    pub fn set_auto_consent_by_login_hint(&self, enabled: bool) {
        self.shared.store().set_auto_consent_by_login_hint(enabled);
    }

    /// Requests received by `endpoint`, including those answered by a fault.
    pub fn call_count(&self, endpoint: Endpoint) -> u64 {
        self.shared.store().call_count(endpoint)
    }

    /// What has been issued, redeemed, rotated and revoked so far.
    pub fn issued(&self) -> IssuedSummary {
        self.shared.store().issued()
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }
}
