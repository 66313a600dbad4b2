//! The axum extractors: `SignedInUser` (401 when there is no valid session token) and
//! `Option<SignedInUser>` (`None` when signed out).

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use crate::error::AuthError;
use crate::verify::{SignedInUser, VestibuleAuth};

impl<S> FromRequestParts<S> for SignedInUser
where
    VestibuleAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthError> {
        VestibuleAuth::from_ref(state)
            .authenticate(&parts.headers)
            .await
    }
}

/// `Option<SignedInUser>`: any refused token counts as signed out, except when the
/// instance's keys cannot be fetched (503), which says nothing about the visitor.
impl<S> OptionalFromRequestParts<S> for SignedInUser
where
    VestibuleAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, AuthError> {
        match VestibuleAuth::from_ref(state)
            .authenticate(&parts.headers)
            .await
        {
            Ok(user) => Ok(Some(user)),
            Err(AuthError::JwksUnavailable) => Err(AuthError::JwksUnavailable),
            Err(_) => Ok(None),
        }
    }
}
