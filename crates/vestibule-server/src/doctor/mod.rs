//! The connection doctor: checks an Atlassian connection from the server, without a user,
//! by asking Atlassian what a sign-in would ask (`GET /authorize`, no cookies, no redirects
//! followed) and by a token request with a code that cannot exist (the only request that
//! carries the secret, to the token endpoint only).
//!
//! [`probe`] sends and reads; [`steps`] turns what was found into the checklist; [`limit`]
//! keeps the doctor from hammering Atlassian; [`record`] keeps each connection's last check.

pub mod limit;
pub mod probe;
pub mod record;
pub mod steps;

use std::time::Duration;

use url::Url;
use vestibule_core::connection_check::{CheckOutcome, ConnectionCheck};

use crate::atlassian::{Credentials, Pkce};
use crate::crypto::random_token;
use crate::state::AppState;
use probe::{AuthorizeFinding, TokenFinding};

/// The doctor's own HTTP client and rate limiter, one per instance.
#[derive(Debug)]
pub struct Doctor {
    http: reqwest::Client,
    pub limiter: limit::CheckLimiter,
}

/// At most this long per request, whatever the sign-in timeouts: the admin is waiting.
const MAX_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// At most this many extra probes to name the scopes Atlassian refused.
const MAX_SCOPE_PROBES: usize = 8;

impl Doctor {
    /// Takes the sign-in timeouts and keeps them short.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // The answer itself is what the doctor reads; and a redirect must never carry
            // the secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout.min(MAX_CONNECT_TIMEOUT))
            .timeout(timeout.min(MAX_TIMEOUT))
            .user_agent(concat!("vestibule-doctor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            limiter: limit::CheckLimiter::default(),
        })
    }
}

/// What to check: an OAuth app and the scopes a sign-in would ask it for.
pub struct Target {
    pub credentials: Credentials,
    pub scopes: Vec<String>,
}

/// Runs every probe and returns the checklist (not recorded; see [`record::save`]).
pub async fn run(
    state: &AppState,
    target: &Target,
    connection_id: Option<String>,
) -> ConnectionCheck {
    let callback_url = state.settings.callback_url();
    let authorize_url = sign_in_authorize_url(state, target, &target.scopes);
    let sent_redirect_uri = authorize_url.as_ref().and_then(|url| {
        url.query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
    });

    let (authorize, date) = match &authorize_url {
        Some(url) => match probe::get(&state.doctor.http, url).await {
            Ok(answer) => (probe::read_authorize(&answer, url), answer.date),
            Err(why) => (AuthorizeFinding::Unavailable(why), None),
        },
        None => (AuthorizeFinding::Unreadable, None),
    };
    let refused_scopes = match &authorize {
        AuthorizeFinding::InvalidScope { description } => {
            refused_scopes(state, target, description).await
        }
        _ => Vec::new(),
    };
    let token = match authorize {
        // The token endpoint would only repeat "unknown client".
        AuthorizeFinding::UnknownClient => None,
        _ => Some(token_probe(state, target, &callback_url).await),
    };
    let (token, token_date) = match token {
        Some((finding, date)) => (Some(finding), date),
        None => (None, None),
    };

    let now = state.clock.now();
    let steps = steps::checklist(&steps::Findings {
        authorize: &authorize,
        token: token.as_ref(),
        refused_scopes: &refused_scopes,
        callback_url: &callback_url,
        sent_redirect_uri: sent_redirect_uri.as_deref(),
        environment: state.settings.environment,
        public_url: &state.settings.public_url,
        skew_secs: date.or(token_date).map(|d| probe::skew_secs(now, d)),
    });
    let outcome = CheckOutcome::overall(steps.iter().map(|s| s.outcome));
    tracing::info!(
        connection_id = connection_id.as_deref().unwrap_or("-"),
        client_id = %target.credentials.client_id,
        outcome = outcome.as_str(),
        failed = ?steps.iter().filter(|s| s.outcome == CheckOutcome::Failed).map(|s| s.code.as_str()).collect::<Vec<_>>(),
        "connection checked"
    );
    ConnectionCheck {
        connection_id,
        checked_at: now,
        outcome,
        steps,
    }
}

/// The authorize URL exactly as sign-in builds it (fresh state and PKCE challenge).
fn sign_in_authorize_url(state: &AppState, target: &Target, scopes: &[String]) -> Option<Url> {
    state
        .atlassian
        .authorize_url(
            &target.credentials,
            &state.settings.callback_url(),
            scopes,
            &random_token(),
            Pkce::new().challenge,
        )
        .ok()
}

/// The scopes Atlassian refused: named in its description, or else found by asking for each
/// scope alone (a handful of requests at most).
async fn refused_scopes(state: &AppState, target: &Target, description: &str) -> Vec<String> {
    let named = probe::scopes_named(description, &target.scopes);
    if !named.is_empty() {
        return named;
    }
    let mut refused = Vec::new();
    for scope in target.scopes.iter().take(MAX_SCOPE_PROBES) {
        let Some(url) = sign_in_authorize_url(state, target, std::slice::from_ref(scope)) else {
            continue;
        };
        if let Ok(answer) = probe::get(&state.doctor.http, &url).await
            && matches!(
                probe::read_authorize(&answer, &url),
                AuthorizeFinding::InvalidScope { .. }
            )
        {
            refused.push(scope.clone());
        }
    }
    refused
}

async fn token_probe(
    state: &AppState,
    target: &Target,
    callback_url: &str,
) -> (TokenFinding, Option<std::time::SystemTime>) {
    let token_url = format!(
        "{}/oauth/token",
        target
            .credentials
            .endpoints
            .auth_base
            .as_str()
            .trim_end_matches('/')
    );
    match probe::token_with_invalid_code(
        &state.doctor.http,
        &token_url,
        &target.credentials.client_id,
        &target.credentials.client_secret,
        callback_url,
    )
    .await
    {
        Ok(answer) => (probe::read_token(&answer), answer.date),
        Err(why) => (TokenFinding::Unavailable(why), None),
    }
}

/// Counts a check against the limits; `Err` carries the seconds to wait.
pub fn admit(state: &AppState, key: &str) -> Result<(), u64> {
    state.doctor.limiter.try_start(key)
}
