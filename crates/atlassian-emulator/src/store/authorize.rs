//! `/authorize` and the consent form: validating an authorization request, automatic consent, pending
//! authorizations and issuing codes.

use std::time::SystemTime;

use super::{AuthorizationCode, OFFLINE_ACCESS, PENDING_LIFETIME, Store, redirect_with};
use crate::clock::has_elapsed;
use crate::model::{AtlassianAccount, Distribution, OAuthApp};
use crate::secrets::{TokenHash, is_valid_s256_challenge, random_token};

/// The only `audience` Atlassian's authorization server accepts for 3LO.
pub(crate) const AUDIENCE: &str = "api.atlassian.com";

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
    /// The OAuth error code the page shows.
    pub error: &'static str,
    /// Which check failed, finer than `error`: the page's `data-error` marker.
    pub reason: &'static str,
    pub description: String,
    /// For `invalid_scope`: the requested scopes the app has not enabled.
    pub invalid_scopes: Vec<String>,
}

impl AuthorizeError {
    fn new(error: &'static str, reason: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            reason,
            description: description.into(),
            invalid_scopes: Vec::new(),
        }
    }

    fn missing(parameter: &str) -> Self {
        Self::new(
            "invalid_request",
            "missing_parameter",
            format!("Missing required parameter: {parameter}"),
        )
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

impl Store {
    /// Every check `/authorize` makes before it shows the consent page, in Atlassian's order; a failure is an
    /// error page, never a redirect.
    pub(crate) fn validate_authorization(
        &self,
        params: &AuthorizeParams,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let app = self.client_of(params)?;
        let redirect_uri = registered_redirect_uri(app, params)?;
        check_audience(params)?;
        check_response_type(params)?;
        let scopes = enabled_scopes(app, params)?;
        let code_challenge = code_challenge(params)?;
        Ok(AuthorizationRequest {
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: params.state.clone().filter(|s| !s.is_empty()),
            code_challenge,
            login_hint: params.login_hint.clone().filter(|s| !s.is_empty()),
        })
    }

    /// The registered app `client_id` names.
    fn client_of(&self, params: &AuthorizeParams) -> Result<&OAuthApp, AuthorizeError> {
        let client_id = params.client_id.as_deref().unwrap_or_default();
        if client_id.is_empty() {
            return Err(AuthorizeError::missing("client_id"));
        }
        self.apps.get(client_id).ok_or_else(|| {
            AuthorizeError::new(
                "invalid_request",
                "unknown_client",
                format!("Unknown client: {client_id}"),
            )
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
}

/// `redirect_uri`, when it is byte for byte one of the app's callback URLs.
fn registered_redirect_uri<'a>(
    app: &OAuthApp,
    params: &'a AuthorizeParams,
) -> Result<&'a str, AuthorizeError> {
    let redirect_uri = params.redirect_uri.as_deref().unwrap_or_default();
    if redirect_uri.is_empty() {
        return Err(AuthorizeError::missing("redirect_uri"));
    }
    if !app
        .redirect_uris
        .iter()
        .any(|registered| registered == redirect_uri)
    {
        return Err(AuthorizeError::new(
            "invalid_request",
            "redirect_uri_mismatch",
            format!(
                "Callback URL mismatch. {redirect_uri} is not in the list of callback URLs registered for {}.",
                app.name
            ),
        ));
    }
    Ok(redirect_uri)
}

fn check_audience(params: &AuthorizeParams) -> Result<(), AuthorizeError> {
    match params.audience.as_deref() {
        Some(AUDIENCE) => Ok(()),
        Some(other) => Err(AuthorizeError::new(
            "access_denied",
            "invalid_audience",
            format!("Service not found: {other}. The audience must be {AUDIENCE}."),
        )),
        None => Err(AuthorizeError::new(
            "invalid_request",
            "missing_parameter",
            format!("Missing required parameter: audience (it must be {AUDIENCE})"),
        )),
    }
}

fn check_response_type(params: &AuthorizeParams) -> Result<(), AuthorizeError> {
    match params.response_type.as_deref() {
        Some("code") => Ok(()),
        Some(other) => Err(AuthorizeError::new(
            "unsupported_response_type",
            "unsupported_response_type",
            format!("Unsupported response type: {other}"),
        )),
        None => Err(AuthorizeError::missing("response_type")),
    }
}

/// The requested scopes, deduplicated in request order, when each is enabled for the app
/// (`offline_access` always is).
fn enabled_scopes(app: &OAuthApp, params: &AuthorizeParams) -> Result<Vec<String>, AuthorizeError> {
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
            "missing_parameter",
            "Missing required parameter: scope",
        ));
    }
    let not_enabled: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != OFFLINE_ACCESS && !app.scopes.iter().any(|enabled| enabled == s))
        .collect();
    if !not_enabled.is_empty() {
        let mut error = AuthorizeError::new(
            "invalid_scope",
            "invalid_scope",
            format!(
                "The app {} has not enabled the scope(s) {}. Add them in the developer console first.",
                app.name,
                not_enabled.join(", ")
            ),
        );
        error.invalid_scopes = not_enabled.into_iter().map(str::to_owned).collect();
        return Err(error);
    }
    Ok(scopes)
}

/// The PKCE challenge, if any: only `S256` with a well-formed challenge.
fn code_challenge(params: &AuthorizeParams) -> Result<Option<String>, AuthorizeError> {
    match (
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    ) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(AuthorizeError::new(
            "invalid_request",
            "invalid_code_challenge",
            "code_challenge_method was sent without a code_challenge",
        )),
        (Some(challenge), Some("S256")) if is_valid_s256_challenge(challenge) => {
            Ok(Some(challenge.to_owned()))
        }
        (Some(_), Some("S256")) => Err(AuthorizeError::new(
            "invalid_request",
            "invalid_code_challenge",
            "code_challenge must be 43 base64url characters (the S256 hash of the verifier)",
        )),
        // RFC 7636 makes a missing method mean "plain", which the emulator refuses.
        (Some(_), _) => Err(AuthorizeError::new(
            "invalid_request",
            "invalid_code_challenge",
            "Only code_challenge_method=S256 is supported",
        )),
    }
}
