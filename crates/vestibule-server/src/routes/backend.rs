//! The app's own server's API (`Authorization: Bearer <secret key>`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use vestibule_core::api::{OAuthAccessToken, User};
use vestibule_core::{ErrorCode, ProviderId};

use crate::auth::Backend;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::accounts;
use crate::tokens;

/// `GET /v1/users/{id}`
pub async fn user(
    _: Backend,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<User>> {
    accounts::load_user(&state.db, &id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no such user"))
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    /// Which of the user's accounts; their oldest when absent.
    pub external_account_id: Option<String>,
}

/// `GET /v1/users/{id}/oauth_access_tokens/{provider}[?external_account_id=...]`: a fresh
/// access token of the user's account (their oldest one unless named).
pub async fn oauth_access_token(
    _: Backend,
    State(state): State<AppState>,
    Path((id, provider)): Path<(String, String)>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> AppResult<Json<OAuthAccessToken>> {
    let Query(query) = query?;
    let provider = ProviderId::parse(&provider)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownProvider, "no such provider"))?;
    let account =
        tokens::account_of_user(&state, &id, provider, query.external_account_id.as_deref())
            .await?;
    Ok(Json(tokens::fresh_access_token(&state, account).await?))
}
