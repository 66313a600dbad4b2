//! The admin API: connections, and the dashboard's sign-in with the secret key.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde_json::{Value, json};
use vestibule_core::api::{
    AdminSignIn, Connection, ConnectionList, CreateConnection, UpdateConnection,
};
use vestibule_core::{ErrorCode, ProviderId, validation};

use crate::auth::Admin;
use crate::crypto::{Slot, secrets_equal};
use crate::error::{AppError, AppResult};
use crate::guard::JsonBody;
use crate::state::AppState;
use crate::store::connections::{self, ConnectionRow, SECRET_SLOT};
use crate::store::{admin_sessions, join_scopes, new_id};

/// `GET /v1/admin/connections`
pub async fn list(_: Admin, State(state): State<AppState>) -> AppResult<Json<ConnectionList>> {
    let callback_url = state.settings.callback_url();
    let connections = connections::list(&state.db)
        .await?
        .iter()
        .map(|c| c.to_api(&callback_url))
        .collect();
    Ok(Json(ConnectionList {
        environment: state.settings.environment,
        callback_url,
        connections,
    }))
}

/// `GET /v1/admin/connections/{id}`
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Connection>> {
    let row = connections::get(&state.db, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(row.to_api(&state.settings.callback_url())))
}

/// `POST /v1/admin/connections`
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Value>,
) -> AppResult<impl IntoResponse> {
    // Name an unknown provider as such, rather than as a malformed body.
    match body.get("provider").and_then(Value::as_str) {
        Some(p) if ProviderId::parse(p).is_some() => {}
        Some(_) => {
            return Err(AppError::field(
                ErrorCode::UnknownProvider,
                "provider",
                "the provider is not in the catalog",
            ));
        }
        None => {
            return Err(AppError::field(
                ErrorCode::InvalidField,
                "provider",
                "provider is required",
            ));
        }
    }
    let input: CreateConnection = serde_json::from_value(body)
        .map_err(|e| AppError::new(ErrorCode::InvalidBody, e.to_string()))?;
    let info = input.provider.info();
    let client_id = input
        .client_id
        .as_deref()
        .map(|v| validation::credential("client_id", v))
        .transpose()?;
    let client_secret = input
        .client_secret
        .as_deref()
        .map(|v| validation::credential("client_secret", v))
        .transpose()?;
    let scopes = match &input.scopes {
        Some(scopes) => validation::scopes(info, scopes)?,
        None => validation::scopes(info, info.default_scopes)?,
    };
    connections::check_rules(
        state.settings.environment,
        input.audience,
        input.enabled_for_sign_in,
        input.use_custom_credentials,
        client_id.as_deref(),
        client_secret.is_some(),
    )?;
    let now = state.clock.now();
    let id = new_id("con");
    let row = ConnectionRow {
        client_secret: client_secret.as_deref().map(|s| {
            state
                .master_key
                .seal(Slot::new(SECRET_SLOT.0, SECRET_SLOT.1, &id), s)
        }),
        client_secret_last4: client_secret.as_deref().map(connections::last4),
        id,
        provider: input.provider,
        audience: input.audience,
        enabled_for_sign_in: input.enabled_for_sign_in,
        use_custom_credentials: input.use_custom_credentials,
        client_id,
        scopes: join_scopes(&scopes),
        created_at: now,
        updated_at: now,
    };
    if !connections::insert(&state.db, &row).await? {
        return Err(AppError::new(
            ErrorCode::ConnectionExists,
            "this provider already has a connection; update it instead",
        ));
    }
    tracing::info!(connection_id = %row.id, provider = %row.provider, "connection created");
    Ok((
        StatusCode::CREATED,
        Json(row.to_api(&state.settings.callback_url())),
    ))
}

/// `PATCH /v1/admin/connections/{id}`: absent fields stay; a new secret replaces the old.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<UpdateConnection>,
) -> AppResult<Json<Connection>> {
    let mut row = connections::get(&state.db, &id)
        .await?
        .ok_or_else(not_found)?;
    let info = row.provider.info();
    if let Some(enabled) = input.enabled_for_sign_in {
        row.enabled_for_sign_in = enabled;
    }
    if let Some(custom) = input.use_custom_credentials {
        row.use_custom_credentials = custom;
    }
    if let Some(client_id) = &input.client_id {
        row.client_id = Some(validation::credential("client_id", client_id)?);
    }
    if let Some(secret) = &input.client_secret {
        let secret = validation::credential("client_secret", secret)?;
        row.client_secret = Some(
            state
                .master_key
                .seal(Slot::new(SECRET_SLOT.0, SECRET_SLOT.1, &row.id), &secret),
        );
        row.client_secret_last4 = Some(connections::last4(&secret));
    }
    if let Some(scopes) = &input.scopes {
        row.scopes = join_scopes(&validation::scopes(info, scopes)?);
    }
    connections::check_rules(
        state.settings.environment,
        row.audience,
        row.enabled_for_sign_in,
        row.use_custom_credentials,
        row.client_id.as_deref(),
        row.client_secret.is_some(),
    )?;
    row.updated_at = state.clock.now();
    if !connections::update(&state.db, &row).await? {
        return Err(not_found());
    }
    tracing::info!(connection_id = %row.id, "connection updated");
    Ok(Json(row.to_api(&state.settings.callback_url())))
}

/// `DELETE /v1/admin/connections/{id}`
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    if !connections::delete(&state.db, &id).await? {
        return Err(not_found());
    }
    tracing::info!(connection_id = %id, "connection deleted");
    Ok(StatusCode::NO_CONTENT)
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::ConnectionNotFound, "no such connection")
}

fn admin_status(state: &AppState) -> Json<Value> {
    Json(json!({
        "authenticated": true,
        "environment": state.settings.environment,
    }))
}

/// `POST /v1/admin/session {"secret_key"}`: the dashboard signs in; the cookie is HttpOnly and
/// SameSite=Strict and only its hash is stored.
pub async fn sign_in(
    State(state): State<AppState>,
    jar: CookieJar,
    JsonBody(input): JsonBody<AdminSignIn>,
) -> AppResult<impl IntoResponse> {
    if !secrets_equal(input.secret_key.trim(), &state.secret_key) {
        tracing::warn!("dashboard sign-in with a wrong secret key");
        return Err(AppError::new(
            ErrorCode::InvalidSecretKey,
            "wrong secret key",
        ));
    }
    let token = admin_sessions::create(&state.db, state.clock.now()).await?;
    let jar = jar.add(state.cookies.admin(token, admin_sessions::LIFETIME_SECS));
    Ok((jar, admin_status(&state)))
}

/// `GET /v1/admin/session`: 200 when the admin cookie (or bearer key) is good, 401 otherwise.
pub async fn status(_: Admin, State(state): State<AppState>) -> Json<Value> {
    admin_status(&state)
}

/// `DELETE /v1/admin/session`
pub async fn sign_out(
    State(state): State<AppState>,
    jar: CookieJar,
) -> AppResult<impl IntoResponse> {
    if let Some(cookie) = jar.get(&state.cookies.admin) {
        admin_sessions::end(&state.db, cookie.value()).await?;
    }
    let jar = jar.add(state.cookies.removal(&state.cookies.admin));
    Ok((jar, StatusCode::NO_CONTENT))
}
