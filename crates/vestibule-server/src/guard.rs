//! Defences for browser requests that change something: a cross-site page must not be able to
//! trigger them with the visitor's cookies, nor start linking an account to the visitor.

use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use vestibule_core::ErrorCode;

use crate::cookies::cookie_value;
use crate::crypto::secrets_equal;
use crate::error::AppError;
use crate::state::AppState;

/// POST, PUT, PATCH and DELETE must come from this instance (or an allowed origin) by
/// `Origin`, or by `Sec-Fetch-Site` when a browser sends no `Origin`. Requests with neither
/// header are not from a browser and carry no ambient cookies by accident. Only a request
/// that carries the valid secret key as a Bearer token is exempt: any other `Authorization`
/// (a proxy's Basic or Negotiate, a wrong key) leaves the handler authenticating by cookie.
///
/// Returns the refusal to answer, or `None` to go on; [`crate::envelope`] asks for every
/// request to the API.
pub fn refuse_cross_site_write(state: &AppState, request: &Request) -> Option<Response> {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state
        && !has_valid_secret_key(state, request.headers())
        && !is_same_site(state, request)
    {
        // The request's own log line names the path (once); this one names the refusal.
        tracing::warn!(method = %request.method(), "cross-site request refused");
        return Some(
            AppError::new(
                ErrorCode::CrossSiteRequest,
                "this request must come from the instance's own pages",
            )
            .into_response(),
        );
    }
    None
}

fn has_valid_secret_key(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .is_some_and(|(_, key)| secrets_equal(key.trim(), &state.secret_key))
}

/// Route layer of `GET /v1/oauth/{provider}/start`: a `connect` (which attaches the account
/// to the signed-in user) must be started from the instance's own pages or an allowed origin,
/// so that a foreign page cannot put a signed-in user one click away from linking the
/// attacker's Atlassian account. Without a session cookie the start is left to fail as
/// `unauthenticated`.
pub async fn connect_from_own_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_connect = query_param(&request, "intent").as_deref() == Some("connect");
    let has_session = cookie_value(request.headers(), &state.cookies.session).is_some();
    if is_connect && has_session && !is_own_navigation(&state, request.headers()) {
        tracing::warn!("connect start from another site refused");
        let url = state.settings.url("/user?error=cross_site_request");
        return Redirect::to(&url).into_response();
    }
    next.run(request).await
}

/// A navigation our own pages made: the browser says same-origin or same-site, or the
/// `Referer` (which a page can drop but never forge) is this instance or an allowed origin.
fn is_own_navigation(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") | Some(b"same-site") => return true,
        _ => {}
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| url::Url::parse(referer).ok())
        .is_some_and(|referer| {
            state
                .redirects
                .is_trusted_origin(&referer.origin().ascii_serialization())
        })
}

fn query_param(request: &Request, name: &str) -> Option<String> {
    url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The portal page that explains a refused OAuth start: the profile for `connect`.
pub fn error_page_for_start(request: &Request) -> &'static str {
    match query_param(request, "intent").as_deref() {
        Some("connect") => "/user",
        _ => "/sign-in",
    }
}

fn is_same_site(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin
            .to_str()
            .is_ok_and(|origin| state.redirects.is_trusted_origin(origin));
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") | Some(b"none") => true,
        Some(_) => false,
        None => true,
    }
}

/// A JSON body that must be sent as `application/json`: an HTML form cannot send that
/// cross-site without a CORS preflight, which this server never grants.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::Known {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: ErrorCode::CrossSiteRequest,
                message: "send the body as Content-Type: application/json".to_owned(),
                field: None,
            }),
            Err(rejection) => Err(AppError::new(ErrorCode::InvalidBody, rejection.body_text())),
        }
    }
}
