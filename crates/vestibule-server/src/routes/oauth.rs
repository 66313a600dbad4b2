//! The browser's side of an OAuth authorization: start and callback. Both always answer with
//! a redirect; a failure lands on the portal's sign-in page (or the profile page, for
//! `connect`) with a stable `?error=` code.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use vestibule_core::ErrorCode;
use vestibule_core::api::{InstanceEnvironment, OAuthIntent};

use crate::auth::Session;
use crate::error::AppError;
use crate::routes::request_id;
use crate::signin::{self, CallbackParams};
use crate::state::AppState;
use crate::store::flows;

/// The start's query. Both stay strings here: a bad value is answered with the sign-in
/// page's error, not with a bare 400.
#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    pub intent: Option<String>,
    pub redirect_url: Option<String>,
    /// Development only: the e-mail or account id of an emulator account, which the emulator
    /// then consents as without showing its page (headless tests). Ignored in production.
    pub login_hint: Option<String>,
}

/// `GET /v1/oauth/{provider}/start?intent=&redirect_url=[&login_hint=]`
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    query: Result<Query<StartQuery>, QueryRejection>,
    session: Option<Session>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return failure(&state, None, &rejection.into(), &headers),
    };
    let intent = match signin::parse_intent(query.intent.as_deref()) {
        Ok(intent) => intent,
        Err(e) => return failure(&state, None, &e, &headers),
    };
    let login_hint = match login_hint(&state, query.login_hint.as_deref()) {
        Ok(hint) => hint,
        Err(e) => return failure(&state, Some(intent), &e, &headers),
    };
    let signed_in = session.map(|Session(signed_in)| signed_in);
    match signin::start(
        &state,
        &provider,
        intent,
        query.redirect_url.as_deref(),
        signed_in.as_ref(),
    )
    .await
    {
        Ok(started) => {
            let jar = jar.add(
                state
                    .cookies
                    .flow(started.flow_cookie, flows::LIFETIME_SECS),
            );
            let mut authorize_url = started.authorize_url;
            if let Some(hint) = login_hint {
                authorize_url
                    .query_pairs_mut()
                    .append_pair("login_hint", hint);
            }
            (jar, Redirect::to(authorize_url.as_str())).into_response()
        }
        Err(e) => failure(&state, Some(intent), &e, &headers),
    }
}

/// The `login_hint` to pass on to the provider: a development instance's only. Production
/// ignores it, so that no link can steer a real sign-in towards a chosen account.
fn login_hint<'a>(state: &AppState, hint: Option<&'a str>) -> Result<Option<&'a str>, AppError> {
    let Some(hint) = hint.filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    if state.settings.environment != InstanceEnvironment::Development {
        tracing::debug!("login_hint ignored: not a development instance");
        return Ok(None);
    }
    if hint.len() > 256 || hint.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::field(
            ErrorCode::InvalidField,
            "login_hint",
            "login_hint must be an e-mail address or account id of at most 256 characters",
        ));
    }
    Ok(Some(hint))
}

/// `GET /v1/oauth_callback?code=&state=` (or `?error=`)
pub async fn callback(
    State(state): State<AppState>,
    params: Result<Query<CallbackParams>, QueryRejection>,
    session: Option<Session>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let flow_cookie = jar.get(&state.cookies.flow).map(|c| c.value().to_owned());
    // The flow cookie has done its job whatever happens next.
    let jar = if flow_cookie.is_some() {
        jar.add(state.cookies.removal(&state.cookies.flow))
    } else {
        jar
    };
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => {
            // A query that does not parse (a repeated parameter) carries no usable state; the
            // flow is taken all the same, so that it cannot be tried again.
            let taken = signin::take_flow(&state, flow_cookie.as_deref(), None).await;
            let intent = taken.err().and_then(|e| e.intent());
            return (jar, failure(&state, intent, &rejection.into(), &headers)).into_response();
        }
    };
    let flow =
        match signin::take_flow(&state, flow_cookie.as_deref(), params.state.as_deref()).await {
            Ok(flow) => flow,
            Err(e) => {
                let intent = e.intent();
                return (jar, failure(&state, intent, &e.into(), &headers)).into_response();
            }
        };
    let intent = Some(flow.intent);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let signed_in = session.map(|Session(signed_in)| signed_in);
    match signin::complete(&state, &flow, &params, signed_in.as_ref(), user_agent).await {
        Ok(done) => {
            let jar = match done.new_session {
                Some((token, max_age)) => jar.add(state.cookies.session(token, max_age)),
                None => jar,
            };
            (jar, Redirect::to(&done.redirect_url)).into_response()
        }
        Err(e) => (jar, failure(&state, intent, &e, &headers)).into_response(),
    }
}

/// A 303 to the portal page that explains `error`; internal errors carry their reference.
pub(crate) fn failure(
    state: &AppState,
    intent: Option<OAuthIntent>,
    error: &AppError,
    headers: &HeaderMap,
) -> Response {
    let code = error.code();
    let reference = request_id(headers);
    match error {
        AppError::Known { message, .. } => {
            tracing::warn!(code = code.as_str(), %message, "sign-in refused");
        }
        other => tracing::error!(error = %other, "sign-in failed"),
    }
    let page = match intent {
        Some(OAuthIntent::Connect) => "/user",
        _ => "/sign-in",
    };
    let mut url = state.settings.url(page);
    url.push_str("?error=");
    url.push_str(code.as_str());
    if code == vestibule_core::ErrorCode::Internal
        && let Some(reference) = reference
    {
        url.push_str("&ref=");
        url.extend(url::form_urlencoded::byte_serialize(reference.as_bytes()));
    }
    Redirect::to(&url).into_response()
}
