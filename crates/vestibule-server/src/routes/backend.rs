//! The app's own server's API (`Authorization: Bearer <secret key>`).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
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

/// `GET /v1/users/{id}/oauth_access_tokens/{provider}[?external_account_id=...]`: a fresh
/// access token of the user's account (their oldest one unless named).
pub async fn oauth_access_token(
    _: Backend,
    State(state): State<AppState>,
    Path((id, provider)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> AppResult<Json<OAuthAccessToken>> {
    let provider = ProviderId::parse(&provider)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownProvider, "no such provider"))?;
    let external_account_id = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "external_account_id")
            .map(|(_, v)| v.into_owned())
    });
    let account =
        tokens::account_of_user(&state, &id, provider, external_account_id.as_deref()).await?;
    let api_url = api_url_for(&state, &account.oauth_client_id);
    let mut token = tokens::fresh_access_token(&state, account).await?;
    token.api_url = api_url;
    Ok(Json(token))
}

/// The provider API a token issued to `client_id` works against: the shared development
/// app's (the emulator, in development), else the configured `--atlassian-api-url`.
fn api_url_for(state: &AppState, client_id: &str) -> String {
    let base = match &state.shared_credentials {
        Some(shared) if shared.client_id == client_id => &shared.endpoints.api_base,
        _ => &state.provider_endpoints.api_base,
    };
    base.as_str().trim_end_matches('/').to_owned()
}
