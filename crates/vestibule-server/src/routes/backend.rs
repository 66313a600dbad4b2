//! The app's own server's API (`Authorization: Bearer <secret key>`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use vestibule_core::api::{CreateUser, OAuthAccessToken, User, UserList};
use vestibule_core::{ErrorCode, ProviderId};

use crate::auth::Backend;
use crate::error::{AppError, AppResult};
use crate::guard::JsonBody;
use crate::state::AppState;
use crate::store::{accounts, user_bans};
use crate::{emulator_users, tokens};

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

/// `POST /v1/users/{id}/ban`: ends the user's sessions and refuses their sign-ins (by
/// Atlassian or sign-in token) until unbanned.
pub async fn ban(
    _: Backend,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<User>> {
    set_banned(&state, &id, Some(state.clock.now())).await
}

/// `POST /v1/users/{id}/unban`
pub async fn unban(
    _: Backend,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<User>> {
    set_banned(&state, &id, None).await
}

async fn set_banned(state: &AppState, id: &str, banned_at: Option<i64>) -> AppResult<Json<User>> {
    if !user_bans::set_banned(&state.db, &state.sessions, id, banned_at).await? {
        return Err(AppError::new(ErrorCode::NotFound, "no such user"));
    }
    state.users.forget(id);
    tracing::info!(user_id = %id, banned = banned_at.is_some(), "user ban changed");
    user(Backend, State(state.clone()), Path(id.to_owned())).await
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    pub email: Option<String>,
}

/// `GET /v1/users?email=`: the users with that e-mail address (usually one), so that a test
/// or a support tool can find whom to make a sign-in token for.
pub async fn users_by_email(
    _: Backend,
    State(state): State<AppState>,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> AppResult<Json<UserList>> {
    let Query(query) = query?;
    let email = query
        .email
        .filter(|e| !e.trim().is_empty() && e.len() <= 320)
        .ok_or_else(|| {
            AppError::field(
                ErrorCode::InvalidField,
                "email",
                "email is required (at most 320 characters)",
            )
        })?;
    let mut users = Vec::new();
    for id in accounts::user_ids_by_email(&state.db, email.trim()).await? {
        users.extend(accounts::load_user(&state.db, &id).await?);
    }
    Ok(Json(UserList { users }))
}

/// `POST /v1/users` `{"emulator_account": "<e-mail or account id>"}` (development only): the
/// user of a seeded emulator account, made through the real flow (201) or already linked
/// (200). Production instances answer 404 `not_found`.
pub async fn create_user(
    _: Backend,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<CreateUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    let (id, created) = emulator_users::create(&state, &body.emulator_account).await?;
    let user = accounts::load_user(&state.db, &id)
        .await?
        .ok_or_else(|| AppError::internal("a user linked a moment ago is gone"))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(user)))
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
