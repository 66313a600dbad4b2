//! Why a request carries no usable session token, as a stable code and a 401 in the
//! server's error shape (`vestibule_core::ApiError`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vestibule_core::{ApiError, ErrorCode};

/// A refused session token. Each variant has a stable [`ErrorCode`]:
///
/// | variant | code | status |
/// |---|---|---|
/// | `Missing` | `token_missing` | 401 |
/// | `Expired` | `token_expired` | 401 |
/// | `NotYetValid` | `token_not_yet_valid` | 401 |
/// | `Invalid` | `token_invalid` (malformed, forged, other algorithm, unknown key) | 401 |
/// | `WrongIssuer` | `token_wrong_issuer` | 401 |
/// | `UnauthorizedParty` | `token_unauthorized_party` | 401 |
/// | `JwksUnavailable` | `jwks_unavailable` (the instance's keys could not be fetched) | 503 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no session token: send `Authorization: Bearer <token>` or the __session cookie")]
    Missing,
    #[error("the session token has expired")]
    Expired,
    #[error("the session token is not valid yet")]
    NotYetValid,
    #[error("the session token is malformed, forged or signed by an unknown key")]
    Invalid,
    #[error("the session token was issued by another Vestibule instance")]
    WrongIssuer,
    #[error("the session token was minted for an origin this app does not accept")]
    UnauthorizedParty,
    #[error("the Vestibule instance's public keys could not be fetched")]
    JwksUnavailable,
}

impl AuthError {
    /// The stable code the JSON body carries.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Missing => ErrorCode::TokenMissing,
            Self::Expired => ErrorCode::TokenExpired,
            Self::NotYetValid => ErrorCode::TokenNotYetValid,
            Self::Invalid => ErrorCode::TokenInvalid,
            Self::WrongIssuer => ErrorCode::TokenWrongIssuer,
            Self::UnauthorizedParty => ErrorCode::TokenUnauthorizedParty,
            Self::JwksUnavailable => ErrorCode::JwksUnavailable,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::JwksUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let body = ApiError {
            code: self.code(),
            message: self.to_string(),
            field: None,
            reference: None,
        };
        let mut response = (self.status(), Json(body)).into_response();
        if self.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vestibule\""),
            );
        }
        response
    }
}
