//! `POST /v1/client/sessions/{sid}/tokens` (a signed-in browser asks for a session token for
//! its page's origin) and `GET /.well-known/jwks.json` (anyone checks it).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vestibule_core::api::User;
use vestibule_core::session_token::{SESSION_TOKEN_LIFETIME_SECS, SessionClaims, SessionToken};
use vestibule_core::{ErrorCode, ProviderId};

use crate::auth::MaybeSession;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Mints a token for the caller's live session. The session is checked on every call, so a
/// sign-out or revocation stops new tokens at once and old ones within their lifetime.
pub async fn mint(
    State(state): State<AppState>,
    MaybeSession(signed_in): MaybeSession,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let Some(signed_in) = signed_in else {
        return Err(signed_out("no live session: sign in again"));
    };
    let session = &signed_in.session;
    if session.id != sid {
        return Err(signed_out("that is not this browser's current session"));
    }
    let azp = requesting_origin(&state, &headers)?;
    let Some(user) = state.users.get_or_load(&state.db, &session.user_id).await? else {
        return Err(signed_out("the session's user no longer exists"));
    };
    let now = state.clock.now();
    let claims = SessionClaims {
        iss: state.settings.url(""),
        sub: user.id.clone(),
        sid: session.id.clone(),
        azp,
        iat: now,
        nbf: now,
        exp: now + SESSION_TOKEN_LIFETIME_SECS,
        site_id: primary_site_id(&user),
    };
    let jwt = state.signing_keys.sign(&claims)?;
    Ok((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(SessionToken {
            jwt,
            expires_at: claims.exp,
        }),
    )
        .into_response())
}

/// `GET /.well-known/jwks.json`: every key that can still verify a live token. Public and
/// readable from any origin; cached briefly (verifiers refetch on an unknown `kid` anyway).
pub async fn jwks(State(state): State<AppState>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        state.signing_keys.jwks(),
    )
        .into_response()
}

fn signed_out(message: &str) -> AppError {
    AppError::new(ErrorCode::Unauthenticated, message)
}

/// The page's origin, serialized as browsers send it: this instance or an allowed origin.
/// A request without `Origin` (the write guard already let it through as same-site) is
/// taken as coming from this instance's own pages.
fn requesting_origin(state: &AppState, headers: &HeaderMap) -> AppResult<String> {
    let own = state.settings.url("");
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(own);
    };
    match origin.to_str() {
        Ok(origin) if state.redirects.is_trusted_origin(origin) => {
            Ok(origin.trim_end_matches('/').to_owned())
        }
        _ => Err(AppError::new(
            ErrorCode::CrossSiteRequest,
            "session tokens are minted only for this instance and its allowed origins",
        )),
    }
}

/// The cloud id of the user's first Atlassian account that has a site.
fn primary_site_id(user: &User) -> Option<String> {
    user.external_accounts
        .iter()
        .filter(|a| a.provider == ProviderId::Atlassian)
        .find_map(|a| a.site.as_ref().map(|s| s.id.clone()))
}
