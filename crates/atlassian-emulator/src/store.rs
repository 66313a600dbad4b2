//! The provider's memory and its rules: registered apps and accounts, pending authorizations, codes,
//! grants (token families), access and refresh tokens, injected faults and counters.
//!
//! Everything lives in one [`Store`] behind one mutex; no lock is held across an `.await`.
//! Tokens and codes are kept only as SHA-256 hashes.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use crate::clock::has_elapsed;
use crate::model::{
    AtlassianAccount, AtlassianSite, AutoConsent, ControlError, Distribution, Endpoint, Fault,
    IssuedSummary, OAuthApp,
};
use crate::secrets::{
    TokenHash, constant_time_eq, is_valid_s256_challenge, random_token, verify_s256,
};

/// The only `audience` Atlassian's authorization server accepts for 3LO.
pub(crate) const AUDIENCE: &str = "api.atlassian.com";
/// Always allowed on top of the app's own scopes; asks for a refresh token.
pub(crate) const OFFLINE_ACCESS: &str = "offline_access";
pub(crate) const READ_ME: &str = "read:me";

pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Reusing a rotated refresh token within this window still works.
pub(crate) const REFRESH_REUSE_LEEWAY: Duration = Duration::from_secs(10 * 60);
pub(crate) const REFRESH_INACTIVITY_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
pub(crate) const GRANT_ABSOLUTE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long a consent page stays usable.
pub(crate) const PENDING_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The query string of `GET /authorize`, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct AuthorizeParams {
    pub audience: Option<String>,
    pub client_id: Option<String>,
    pub scope: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub response_type: Option<String>,
    // `prompt` is not read: the consent page is shown whatever it says.
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub login_hint: Option<String>,
}

/// An `/authorize` request that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub login_hint: Option<String>,
}

/// Why `/authorize` shows an error page instead of redirecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizeError {
    pub error: &'static str,
    pub description: String,
}

impl AuthorizeError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
}

/// Who consents, to which site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Consent {
    pub account_id: String,
    pub site_id: Option<String>,
}

/// Why a consent could not be turned into a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConsentError {
    /// The pending authorization is unknown, used or expired: the flow must start again.
    PendingNotFound,
    UnknownAccount,
    /// The account has sites but none was chosen.
    SiteRequired,
    /// The chosen site is not one of the account's.
    SiteNotOfAccount,
    /// The app is not shared and the account is not its owner.
    NotShared {
        app_name: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct PendingAuthorization {
    pub request: AuthorizationRequest,
    pub created_at: SystemTime,
}

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

/// The body of a `POST /oauth/token`, JSON or form-encoded.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// A successful token response.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct IssuedTokens {
    pub access_token: String,
    pub expires_in: u64,
    pub token_type: &'static str,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A refused token request; the route turns it into Atlassian's status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Unknown client, or missing or wrong secret.
    InvalidClient,
    InvalidRequest(String),
    UnsupportedGrantType(String),
    InvalidGrant(&'static str),
}

pub(crate) const UNKNOWN_REFRESH_TOKEN: &str = "Unknown or invalid refresh token.";
pub(crate) const INVALID_CODE: &str = "Invalid authorization code";

/// Why a bearer token does not open the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerError {
    /// Missing, unknown, expired or revoked.
    Unauthorized,
    /// Valid, but without the scope the endpoint needs.
    MissingScope,
}

/// What a valid bearer token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub account: AtlassianAccount,
    pub site: Option<AtlassianSite>,
    pub scopes: Vec<String>,
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

    // ---- /authorize ----------------------------------------------------------------------

    /// Every check `/authorize` makes before it shows the consent page; a failure is an error page, never a redirect.
    pub(crate) fn validate_authorization(
        &self,
        params: &AuthorizeParams,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let client_id = params.client_id.as_deref().unwrap_or_default();
        if client_id.is_empty() {
            return Err(AuthorizeError::new(
                "invalid_request",
                "Missing required parameter: client_id",
            ));
        }
        let app = self.apps.get(client_id).ok_or_else(|| {
            AuthorizeError::new("invalid_request", format!("Unknown client: {client_id}"))
        })?;

        let redirect_uri = params.redirect_uri.as_deref().unwrap_or_default();
        if redirect_uri.is_empty() {
            return Err(AuthorizeError::new(
                "invalid_request",
                "Missing required parameter: redirect_uri",
            ));
        }
        if !app
            .redirect_uris
            .iter()
            .any(|registered| registered == redirect_uri)
        {
            return Err(AuthorizeError::new(
                "invalid_request",
                format!(
                    "Callback URL mismatch. {redirect_uri} is not in the list of callback URLs registered for {}.",
                    app.name
                ),
            ));
        }

        match params.audience.as_deref() {
            Some(AUDIENCE) => {}
            Some(other) => {
                return Err(AuthorizeError::new(
                    "access_denied",
                    format!("Service not found: {other}. The audience must be {AUDIENCE}."),
                ));
            }
            None => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    format!("Missing required parameter: audience (it must be {AUDIENCE})"),
                ));
            }
        }

        match params.response_type.as_deref() {
            Some("code") => {}
            Some(other) => {
                return Err(AuthorizeError::new(
                    "unsupported_response_type",
                    format!("Unsupported response type: {other}"),
                ));
            }
            None => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "Missing required parameter: response_type",
                ));
            }
        }

        let mut scopes: Vec<String> = Vec::new();
        for scope in params
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
        {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(AuthorizeError::new(
                "invalid_scope",
                "Missing required parameter: scope",
            ));
        }
        let not_enabled: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| *s != OFFLINE_ACCESS && !app.scopes.iter().any(|enabled| enabled == s))
            .collect();
        if !not_enabled.is_empty() {
            return Err(AuthorizeError::new(
                "invalid_scope",
                format!(
                    "The app {} has not enabled the scope(s) {}. Add them in the developer console first.",
                    app.name,
                    not_enabled.join(", ")
                ),
            ));
        }

        let code_challenge = match (
            params.code_challenge.as_deref(),
            params.code_challenge_method.as_deref(),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "code_challenge_method was sent without a code_challenge",
                ));
            }
            (Some(challenge), Some("S256")) if is_valid_s256_challenge(challenge) => {
                Some(challenge.to_owned())
            }
            (Some(_), Some("S256")) => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "code_challenge must be 43 base64url characters (the S256 hash of the verifier)",
                ));
            }
            // RFC 7636 makes a missing method mean "plain", which the emulator refuses.
            (Some(_), _) => {
                return Err(AuthorizeError::new(
                    "invalid_request",
                    "Only code_challenge_method=S256 is supported",
                ));
            }
        };

        Ok(AuthorizationRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: params.state.clone().filter(|s| !s.is_empty()),
            code_challenge,
            login_hint: params.login_hint.clone().filter(|s| !s.is_empty()),
        })
    }

    /// The consent to give without showing the page, when a test asked for it.
    /// A matching `login_hint` (in login-hint mode) wins over the fixed auto consent.
    pub(crate) fn automatic_consent(&self, request: &AuthorizationRequest) -> Option<Consent> {
        if self.auto_consent_by_login_hint
            && let Some(account) = request
                .login_hint
                .as_deref()
                .and_then(|hint| self.account_by_hint(hint))
        {
            return Some(Consent {
                account_id: account.account_id.clone(),
                site_id: account.sites.first().map(|s| s.id.clone()),
            });
        }
        let auto = self.auto_consent.as_ref()?;
        let site_id = auto.site_id.clone().or_else(|| {
            self.account(&auto.account_id)
                .and_then(|a| a.sites.first())
                .map(|s| s.id.clone())
        });
        Some(Consent {
            account_id: auto.account_id.clone(),
            site_id,
        })
    }

    /// The account a `login_hint` names, by account id or (case-insensitively) by e-mail address.
    pub(crate) fn account_by_hint(&self, hint: &str) -> Option<&AtlassianAccount> {
        self.accounts
            .iter()
            .find(|a| a.account_id == hint || a.email.eq_ignore_ascii_case(hint))
    }

    pub(crate) fn create_pending(
        &mut self,
        request: AuthorizationRequest,
        now: SystemTime,
    ) -> String {
        self.pending
            .retain(|_, p| !has_elapsed(p.created_at, PENDING_LIFETIME, now));
        let id = random_token();
        self.pending.insert(
            id.clone(),
            PendingAuthorization {
                request,
                created_at: now,
            },
        );
        id
    }

    pub(crate) fn pending(&self, id: &str, now: SystemTime) -> Option<&PendingAuthorization> {
        self.pending
            .get(id)
            .filter(|p| !has_elapsed(p.created_at, PENDING_LIFETIME, now))
    }

    /// Ends a pending authorization (Cancel, or Accept once it produced a code).
    pub(crate) fn take_pending(
        &mut self,
        id: &str,
        now: SystemTime,
    ) -> Option<PendingAuthorization> {
        let pending = self.pending.remove(id)?;
        (!has_elapsed(pending.created_at, PENDING_LIFETIME, now)).then_some(pending)
    }

    /// Checks a consent against the request and issues a code; returns the URL to redirect to.
    pub(crate) fn issue_code(
        &mut self,
        request: &AuthorizationRequest,
        consent: &Consent,
        now: SystemTime,
    ) -> Result<String, ConsentError> {
        let app = self
            .apps
            .get(&request.client_id)
            .ok_or(ConsentError::PendingNotFound)?;
        let account = self
            .account(&consent.account_id)
            .ok_or(ConsentError::UnknownAccount)?;
        if app.distribution == Distribution::Private && app.owner_account_id != account.account_id {
            return Err(ConsentError::NotShared {
                app_name: app.name.clone(),
            });
        }
        let site_id = match consent.site_id.as_deref() {
            Some(site_id) if account.sites.iter().any(|s| s.id == site_id) => {
                Some(site_id.to_owned())
            }
            Some(_) => return Err(ConsentError::SiteNotOfAccount),
            None if account.sites.is_empty() => None,
            None => return Err(ConsentError::SiteRequired),
        };

        let code = random_token();
        self.codes.insert(
            TokenHash::of(&code),
            AuthorizationCode {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                scopes: request.scopes.clone(),
                code_challenge: request.code_challenge.clone(),
                account_id: account.account_id.clone(),
                site_id,
                issued_at: now,
                redeemed_as: None,
            },
        );
        self.issued.codes_issued += 1;

        let mut params = vec![("code", code.as_str())];
        if let Some(state) = request.state.as_deref() {
            params.push(("state", state));
        }
        Ok(redirect_with(&request.redirect_uri, &params))
    }

    // ---- /oauth/token --------------------------------------------------------------------

    /// Client credentials come from the body only, as Atlassian documents them.
    fn authenticate_client(&self, request: &TokenRequest) -> Result<&OAuthApp, TokenError> {
        let client_id = request.client_id.as_deref().unwrap_or_default();
        let secret = request.client_secret.as_deref().unwrap_or_default();
        match self.apps.get(client_id) {
            Some(app) if !secret.is_empty() && constant_time_eq(&app.client_secret, secret) => {
                Ok(app)
            }
            _ => Err(TokenError::InvalidClient),
        }
    }

    pub(crate) fn token(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        match request.grant_type.as_deref() {
            Some("authorization_code") => self.exchange_code(request, now),
            Some("refresh_token") => self.refresh(request, now),
            Some(other) => Err(TokenError::UnsupportedGrantType(other.to_owned())),
            None => Err(TokenError::InvalidRequest(
                "Missing required parameter: grant_type".to_owned(),
            )),
        }
    }

    fn exchange_code(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        let client_id = self.authenticate_client(request)?.client_id.clone();
        let code = request
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: code".to_owned())
            })?;
        let redirect_uri = request
            .redirect_uri
            .as_deref()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: redirect_uri".to_owned())
            })?;

        let hash = TokenHash::of(code);
        let stored = self
            .codes
            .get(&hash)
            .cloned()
            .ok_or(TokenError::InvalidGrant(INVALID_CODE))?;
        if let Some(grant) = stored.redeemed_as {
            // RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
            self.revoke_grant(grant);
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if has_elapsed(stored.issued_at, CODE_LIFETIME, now) {
            self.codes.remove(&hash);
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if stored.client_id != client_id {
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if stored.redirect_uri != redirect_uri {
            return Err(TokenError::InvalidGrant(
                "redirect_uri does not match the one the authorization code was issued for",
            ));
        }
        match (
            stored.code_challenge.as_deref(),
            request.code_verifier.as_deref(),
        ) {
            (None, None) => {}
            (Some(_), None) => return Err(TokenError::InvalidGrant("Missing code_verifier")),
            (Some(challenge), Some(verifier)) => {
                if !verify_s256(verifier, challenge) {
                    return Err(TokenError::InvalidGrant("Failed to verify code_verifier"));
                }
            }
            // OAuth 2.1: a verifier for a code issued without a challenge is a downgrade attempt.
            (None, Some(_)) => {
                return Err(TokenError::InvalidGrant(
                    "code_verifier was sent but the authorization request had no code_challenge",
                ));
            }
        }

        let grant_id = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            grant_id,
            Grant {
                client_id,
                account_id: stored.account_id.clone(),
                site_id: stored.site_id.clone(),
                scopes: stored.scopes.clone(),
                consented_at: stored.issued_at,
                revoked: false,
                current_refresh_token: None,
            },
        );
        if let Some(code) = self.codes.get_mut(&hash) {
            code.redeemed_as = Some(grant_id);
        }
        self.issued.codes_redeemed += 1;
        Ok(self.issue_tokens(grant_id, now))
    }

    fn refresh(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        let client_id = self.authenticate_client(request)?.client_id.clone();
        let presented = request
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: refresh_token".to_owned())
            })?;
        let invalid = TokenError::InvalidGrant(UNKNOWN_REFRESH_TOKEN);

        let token = self
            .refresh_tokens
            .get(&TokenHash::of(presented))
            .cloned()
            .ok_or_else(|| invalid.clone())?;
        let grant = self
            .grants
            .get(&token.grant)
            .ok_or_else(|| invalid.clone())?;
        if grant.revoked || grant.client_id != client_id {
            return Err(invalid);
        }
        let reused_too_late = token
            .superseded_at
            .is_some_and(|superseded| has_elapsed(superseded, REFRESH_REUSE_LEEWAY, now));
        if has_elapsed(grant.consented_at, GRANT_ABSOLUTE_LIFETIME, now)
            || has_elapsed(token.issued_at, REFRESH_INACTIVITY_LIFETIME, now)
            || reused_too_late
        {
            self.revoke_grant(token.grant);
            return Err(invalid);
        }

        self.issued.refresh_tokens_rotated += 1;
        Ok(self.issue_tokens(token.grant, now))
    }

    /// A new access token, and a new refresh token (superseding the family's current one) when the grant
    /// includes `offline_access`.
    fn issue_tokens(&mut self, grant_id: GrantId, now: SystemTime) -> IssuedTokens {
        let access_token = random_token();
        self.access_tokens.insert(
            TokenHash::of(&access_token),
            AccessToken {
                grant: grant_id,
                expires_at: now + ACCESS_TOKEN_LIFETIME,
            },
        );
        self.issued.access_tokens_issued += 1;

        let Some(grant) = self.grants.get_mut(&grant_id) else {
            unreachable!("tokens are only issued for an existing grant");
        };
        let scope = grant.scopes.join(" ");
        let refresh_token = grant.scopes.iter().any(|s| s == OFFLINE_ACCESS).then(|| {
            let token = random_token();
            let hash = TokenHash::of(&token);
            if let Some(previous) = grant.current_refresh_token.replace(hash.clone())
                && let Some(previous) = self.refresh_tokens.get_mut(&previous)
            {
                previous.superseded_at.get_or_insert(now);
            }
            self.refresh_tokens.insert(
                hash,
                RefreshToken {
                    grant: grant_id,
                    issued_at: now,
                    superseded_at: None,
                },
            );
            self.issued.refresh_tokens_issued += 1;
            token
        });

        IssuedTokens {
            access_token,
            expires_in: ACCESS_TOKEN_LIFETIME.as_secs(),
            token_type: "Bearer",
            scope,
            refresh_token,
        }
    }

    /// Ends a token family: its refresh tokens and the access tokens issued from it stop working.
    fn revoke_grant(&mut self, grant_id: GrantId) {
        if let Some(grant) = self.grants.get_mut(&grant_id)
            && !grant.revoked
        {
            grant.revoked = true;
            self.issued.families_revoked += 1;
        }
    }

    // ---- api.atlassian.com ---------------------------------------------------------------

    /// What a bearer token grants, when it is known, unexpired, unrevoked and carries `required_scope`.
    pub(crate) fn authenticate_bearer(
        &self,
        token: Option<&str>,
        required_scope: Option<&str>,
        now: SystemTime,
    ) -> Result<Authenticated, BearerError> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(BearerError::Unauthorized)?;
        let access = self
            .access_tokens
            .get(&TokenHash::of(token))
            .ok_or(BearerError::Unauthorized)?;
        if now >= access.expires_at {
            return Err(BearerError::Unauthorized);
        }
        let grant = self
            .grants
            .get(&access.grant)
            .filter(|g| !g.revoked)
            .ok_or(BearerError::Unauthorized)?;
        let account = self
            .account(&grant.account_id)
            .ok_or(BearerError::Unauthorized)?;
        if let Some(scope) = required_scope
            && !grant.scopes.iter().any(|s| s == scope)
        {
            return Err(BearerError::MissingScope);
        }
        let site = grant
            .site_id
            .as_deref()
            .and_then(|id| account.sites.iter().find(|s| s.id == id))
            .cloned();
        Ok(Authenticated {
            account: account.clone(),
            site,
            scopes: grant.scopes.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "client-1";
    const SECRET: &str = "secret-1";
    const REDIRECT: &str = "http://127.0.0.1:9/callback";

    fn store() -> Store {
        let mut store = Store::default();
        store.register_app(
            OAuthApp::new(CLIENT, SECRET, "Test app", "owner")
                .with_redirect_uri(REDIRECT)
                .with_scopes(["read:me"]),
        );
        store.seed_account(
            AtlassianAccount::new("acc-1", "one@example.com", "One Person").with_site(
                AtlassianSite::new("site-1", "one", "https://one.atlassian.net"),
            ),
        );
        store
    }

    fn params(scope: &str) -> AuthorizeParams {
        AuthorizeParams {
            audience: Some(AUDIENCE.into()),
            client_id: Some(CLIENT.into()),
            scope: Some(scope.into()),
            redirect_uri: Some(REDIRECT.into()),
            state: Some("st".into()),
            response_type: Some("code".into()),
            ..AuthorizeParams::default()
        }
    }

    fn code_from(location: &str) -> String {
        let url = url::Url::parse(location).unwrap();
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    }

    fn tokens(store: &mut Store, scope: &str, now: SystemTime) -> IssuedTokens {
        let request = store.validate_authorization(&params(scope)).unwrap();
        let consent = Consent {
            account_id: "acc-1".into(),
            site_id: Some("site-1".into()),
        };
        let location = store.issue_code(&request, &consent, now).unwrap();
        store
            .token(
                &TokenRequest {
                    grant_type: Some("authorization_code".into()),
                    client_id: Some(CLIENT.into()),
                    client_secret: Some(SECRET.into()),
                    code: Some(code_from(&location)),
                    redirect_uri: Some(REDIRECT.into()),
                    ..TokenRequest::default()
                },
                now,
            )
            .unwrap()
    }

    fn refresh(
        store: &mut Store,
        token: &str,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        store.token(
            &TokenRequest {
                grant_type: Some("refresh_token".into()),
                client_id: Some(CLIENT.into()),
                client_secret: Some(SECRET.into()),
                refresh_token: Some(token.into()),
                ..TokenRequest::default()
            },
            now,
        )
    }

    #[test]
    fn scopes_are_deduplicated_and_offline_access_is_always_allowed() {
        let store = store();
        let request = store
            .validate_authorization(&params("read:me offline_access read:me"))
            .unwrap();
        assert_eq!(request.scopes, ["read:me", "offline_access"]);
        let err = store
            .validate_authorization(&params("read:me write:jira-work"))
            .unwrap_err();
        assert_eq!(err.error, "invalid_scope");
        assert!(err.description.contains("write:jira-work"));
    }

    #[test]
    fn redirect_keeps_an_existing_query() {
        assert_eq!(
            redirect_with("http://x.test/cb?a=1", &[("code", "c d"), ("state", "s")]),
            "http://x.test/cb?a=1&code=c+d&state=s"
        );
    }

    #[test]
    fn a_refresh_token_is_issued_only_with_offline_access() {
        let mut store = store();
        let now = SystemTime::now();
        assert!(tokens(&mut store, "read:me", now).refresh_token.is_none());
        assert!(
            tokens(&mut store, "read:me offline_access", now)
                .refresh_token
                .is_some()
        );
    }

    #[test]
    fn rotation_supersedes_the_previous_token_and_reuse_after_the_leeway_revokes_the_family() {
        let mut store = store();
        let t0 = SystemTime::now();
        let first = tokens(&mut store, "read:me offline_access", t0)
            .refresh_token
            .unwrap();
        let second = refresh(&mut store, &first, t0)
            .unwrap()
            .refresh_token
            .unwrap();
        // Within the leeway the old token still works.
        let third = refresh(&mut store, &first, t0 + Duration::from_secs(60))
            .unwrap()
            .refresh_token
            .unwrap();
        // After it, the old token kills the family, including the newest token.
        let late = t0 + REFRESH_REUSE_LEEWAY + Duration::from_secs(1);
        assert_eq!(
            refresh(&mut store, &first, late).unwrap_err(),
            TokenError::InvalidGrant(UNKNOWN_REFRESH_TOKEN)
        );
        assert!(refresh(&mut store, &third, late).is_err());
        assert!(refresh(&mut store, &second, late).is_err());
        assert_eq!(store.issued().families_revoked, 1);
    }

    #[test]
    fn a_private_app_accepts_only_its_owner() {
        let mut store = store();
        store.register_app(
            OAuthApp::new("private", "s", "Private app", "owner")
                .with_redirect_uri(REDIRECT)
                .with_distribution(Distribution::Private),
        );
        store.seed_account(AtlassianAccount::new("owner", "owner@example.com", "Owner"));
        let mut p = params("read:me");
        p.client_id = Some("private".into());
        let request = store.validate_authorization(&p).unwrap();
        let stranger = Consent {
            account_id: "acc-1".into(),
            site_id: Some("site-1".into()),
        };
        assert!(matches!(
            store.issue_code(&request, &stranger, SystemTime::now()),
            Err(ConsentError::NotShared { .. })
        ));
        let owner = Consent {
            account_id: "owner".into(),
            site_id: None,
        };
        assert!(
            store
                .issue_code(&request, &owner, SystemTime::now())
                .is_ok()
        );
    }

    #[test]
    fn faults_are_handed_out_in_order_and_counted() {
        let mut store = store();
        store.inject_fault(Endpoint::Token, Fault::Status(500), 2);
        store.inject_fault(Endpoint::Token, Fault::HtmlBody, 1);
        assert_eq!(store.record_call(Endpoint::Token), Some(Fault::Status(500)));
        assert_eq!(store.record_call(Endpoint::Token), Some(Fault::Status(500)));
        assert_eq!(store.record_call(Endpoint::Token), Some(Fault::HtmlBody));
        assert_eq!(store.record_call(Endpoint::Token), None);
        assert_eq!(store.record_call(Endpoint::Me), None);
        assert_eq!(store.call_count(Endpoint::Token), 4);
        assert_eq!(store.call_count(Endpoint::Me), 1);
    }
}
