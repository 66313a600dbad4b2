//! The browser's side of an OAuth authorization: start and callback. Both always answer with
//! a redirect; a failure lands on the portal's sign-in page (or the profile page, for
//! `connect`) with a stable `?error=` code.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use vestibule_core::api::OAuthIntent;

use crate::auth::MaybeSession;
use crate::error::AppError;
use crate::routes::request_id;
use crate::signin::{self, CallbackParams};
use crate::state::AppState;
use crate::store::flows;

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `GET /v1/oauth/{provider}/start?intent=&redirect_url=`
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    MaybeSession(signed_in): MaybeSession,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let intent = match signin::parse_intent(param(&pairs, "intent")) {
        Ok(intent) => intent,
        Err(e) => return failure(&state, None, &e, &headers),
    };
    match signin::start(
        &state,
        &provider,
        intent,
        param(&pairs, "redirect_url"),
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
            (jar, Redirect::to(started.authorize_url.as_str())).into_response()
        }
        Err(e) => failure(&state, Some(intent), &e, &headers),
    }
}

/// `GET /v1/oauth_callback?code=&state=` (or `?error=`)
pub async fn callback(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    MaybeSession(signed_in): MaybeSession,
    headers: HeaderMap,
    jar: CookieJar,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let params = CallbackParams {
        code: param(&pairs, "code").map(str::to_owned),
        state: param(&pairs, "state").map(str::to_owned),
        error: param(&pairs, "error").map(str::to_owned),
    };
    let flow_cookie = jar.get(&state.cookies.flow).map(|c| c.value().to_owned());
    // The flow cookie has done its job whatever happens next.
    let jar = if flow_cookie.is_some() {
        jar.add(state.cookies.removal(&state.cookies.flow))
    } else {
        jar
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
fn failure(
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
