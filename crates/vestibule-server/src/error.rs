//! The server's one error type: each variant maps to an HTTP status and a stable code.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vestibule_core::validation::FieldError;
use vestibule_core::{ApiError, ErrorCode};

use crate::atlassian::ProviderError;

/// Everything a handler can fail with. Internal causes are logged, never sent to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A failure with a stable code the client can act on.
    #[error("{code}: {message}")]
    Known {
        status: StatusCode,
        code: ErrorCode,
        message: String,
        field: Option<String>,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Known {
            status: status_of(code),
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Self::Known {
            status: status_of(code),
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(anyhow::anyhow!(message.into()))
    }

    /// The stable code this error shows the client.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Known { code, .. } => *code,
            Self::Database(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The client-facing body; `reference` is the request id for internal errors.
    pub fn to_api_error(&self, reference: Option<&str>) -> (StatusCode, ApiError) {
        match self {
            Self::Known {
                status,
                code,
                message,
                field,
            } => (
                *status,
                ApiError {
                    code: *code,
                    message: message.clone(),
                    field: field.clone(),
                    reference: None,
                },
            ),
            Self::Database(_) | Self::Internal(_) => {
                let reference = reference.unwrap_or("unknown").to_owned();
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ApiError {
                        code: ErrorCode::Internal,
                        message: format!("something went wrong (ref {reference})"),
                        field: None,
                        reference: Some(reference),
                    },
                )
            }
        }
    }
}

/// Atlassian's failures as the client sees them; the cause of an outage goes to the log only.
impl From<ProviderError> for AppError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::InvalidGrant => {
                Self::new(ErrorCode::InvalidGrant, "Atlassian refused the grant")
            }
            ProviderError::Unavailable(why) => {
                tracing::warn!(%why, "Atlassian unavailable");
                Self::new(
                    ErrorCode::ProviderUnavailable,
                    "Atlassian did not answer properly; try again in a moment",
                )
            }
        }
    }
}

/// A query string that does not fit the handler's `Query<T>` (a repeated parameter, say).
impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(ErrorCode::InvalidField, rejection.body_text())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::field(e.code, e.field, e.message)
    }
}

/// The status each code is answered with.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::StateMismatch
        | C::StateMissing
        | C::StateExpired
        | C::AccessDenied
        | C::InvalidGrant
        | C::InvalidField
        | C::InvalidBody
        | C::InvalidRedirectUrl
        | C::CustomCredentialsRequired
        | C::UnknownProvider
        | C::LastExternalAccount => StatusCode::BAD_REQUEST,
        C::NoAtlassianSite | C::AccountInactive | C::EmailUnverified | C::UserBanned => {
            StatusCode::FORBIDDEN
        }
        C::ProviderUnavailable => StatusCode::BAD_GATEWAY,
        C::ExternalAccountTaken | C::ConnectionExists => StatusCode::CONFLICT,
        C::ReconnectNeeded => StatusCode::CONFLICT,
        C::ConnectionDisabled | C::CrossSiteRequest => StatusCode::FORBIDDEN,
        C::ConnectionNotFound | C::NotFound => StatusCode::NOT_FOUND,
        C::Unauthenticated | C::InvalidSecretKey | C::SignInTokenInvalid => {
            StatusCode::UNAUTHORIZED
        }
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::TokenMissing
        | C::TokenExpired
        | C::TokenNotYetValid
        | C::TokenInvalid
        | C::TokenWrongIssuer
        | C::TokenUnauthorizedParty => StatusCode::UNAUTHORIZED,
        C::JwksUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Marks a response as carrying an internal error whose cause is already logged; the
/// request-id middleware fills in the reference.
#[derive(Clone)]
pub struct InternalErrorMarker;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            Self::Known { .. } => {
                let (status, body) = self.to_api_error(None);
                (status, Json(body)).into_response()
            }
            Self::Database(_) | Self::Internal(_) => {
                // The cause goes to the log inside the request's span (which carries the
                // request id); the client sees only a reference, added by `reference_internal_errors`.
                tracing::error!(error = %self, "request failed");
                let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                response.extensions_mut().insert(InternalErrorMarker);
                response
            }
        }
    }
}
