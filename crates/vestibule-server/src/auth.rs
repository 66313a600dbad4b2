//! Who is asking: a browser with a session cookie, the dashboard with its admin cookie, or the
//! app's own server with the secret key.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use vestibule_core::ErrorCode;

use crate::cookies::cookie_value;
use crate::crypto::secrets_equal;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{admin_sessions, sessions};

/// A browser's live session, found by its cookie.
pub struct SignedIn {
    pub session: std::sync::Arc<sessions::SessionRow>,
    /// The cookie's token, to end this very session on sign-out.
    pub token: String,
}

/// A browser that must be signed in; `Option<Session>` for one that may be.
pub struct Session(pub SignedIn);

impl OptionalFromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Option<Self>> {
        let Some(token) = cookie_value(&parts.headers, &state.cookies.session) else {
            return Ok(None);
        };
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let session = sessions::authenticate(
            &state.db,
            &state.sessions,
            token,
            state.clock.now(),
            state.settings.session_inactivity,
        )
        .await?;
        Ok(session.map(|session| {
            Self(SignedIn {
                session,
                token: token.to_owned(),
            })
        }))
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unauthenticated,
                    "sign in first: no valid session cookie",
                )
            })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn invalid_secret_key() -> AppError {
    AppError::new(
        ErrorCode::InvalidSecretKey,
        "send the instance's secret key as `Authorization: Bearer <secret key>`",
    )
}

/// The app's own server: `Authorization: Bearer <secret key>` only (never a cookie).
pub struct Backend;

impl FromRequestParts<AppState> for Backend {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        match bearer(parts) {
            Some(key) if secrets_equal(key, &state.secret_key) => Ok(Self),
            _ => Err(invalid_secret_key()),
        }
    }
}

/// The admin: the bearer secret key, or the dashboard's admin cookie. (Cookie requests that
/// change something also pass the Origin check in [`crate::guard`].)
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        if let Some(key) = bearer(parts) {
            return if secrets_equal(key, &state.secret_key) {
                Ok(Self)
            } else {
                Err(invalid_secret_key())
            };
        }
        if let Some(token) = cookie_value(&parts.headers, &state.cookies.admin)
            && admin_sessions::is_valid(&state.db, token, state.clock.now()).await?
        {
            return Ok(Self);
        }
        Err(invalid_secret_key())
    }
}
