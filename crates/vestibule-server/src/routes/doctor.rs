//! The admin API of the connection doctor: check a saved connection (and record the result),
//! read its last check, or check the dialog's values before they are saved.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vestibule_core::connection_check::{CheckConnection, ConnectionCheck, LastConnectionCheck};
use vestibule_core::{ErrorCode, ProviderId, validation};

use crate::auth::Admin;
use crate::doctor::{self, Target, record};
use crate::error::{AppError, AppResult};
use crate::guard::JsonBody;
use crate::state::AppState;
use crate::store::connections::{self, ConnectionRow};

/// `POST /v1/admin/connections/{id}/check`: checks the stored values and records the result.
pub async fn check_saved(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let row = connections::get(&state.db, &id)
        .await?
        .ok_or_else(not_found)?;
    let target = Target {
        credentials: state.credentials_for(&row)?,
        scopes: row.scope_list(),
    };
    if let Err(wait) = doctor::admit(&state, &format!("connection:{id}")) {
        return Ok(rate_limited(wait));
    }
    let check = doctor::run(&state, &target, Some(row.id.clone())).await;
    // The row may have been deleted meanwhile; then there is nothing to record against.
    if connections::get(&state.db, &id).await?.is_some() {
        record::save(&state.db, &id, &check).await?;
    }
    Ok(Json(check).into_response())
}

/// `GET /v1/admin/connections/{id}/check`: the last recorded check.
pub async fn last_check(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<LastConnectionCheck>> {
    if connections::get(&state.db, &id).await?.is_none() {
        return Err(not_found());
    }
    Ok(Json(LastConnectionCheck {
        last_check: record::last(&state.db, &id).await?,
    }))
}

/// `POST /v1/admin/connections/check`: the dialog's values, saved or not. Not recorded: they
/// may never be saved. The secret travels in this body and on to the token endpoint only.
pub async fn check_unsaved(
    _: Admin,
    State(state): State<AppState>,
    JsonBody(input): JsonBody<CheckConnection>,
) -> AppResult<Response> {
    if input.provider != ProviderId::Atlassian {
        return Err(AppError::field(
            ErrorCode::UnknownProvider,
            "provider",
            "the doctor checks Atlassian connections",
        ));
    }
    let stored = match &input.connection_id {
        Some(id) => Some(
            connections::get(&state.db, id)
                .await?
                .ok_or_else(not_found)?,
        ),
        None => None,
    };
    let target = unsaved_target(&state, &input, stored.as_ref())?;
    let key = format!("client:{}", target.credentials.client_id);
    if let Err(wait) = doctor::admit(&state, &key) {
        return Ok(rate_limited(wait));
    }
    let check: ConnectionCheck = doctor::run(&state, &target, None).await;
    Ok(Json(check).into_response())
}

/// The OAuth app the dialog describes: its fields, else the stored connection's.
fn unsaved_target(
    state: &AppState,
    input: &CheckConnection,
    stored: Option<&ConnectionRow>,
) -> AppResult<Target> {
    let info = input.provider.info();
    let scopes = match (&input.scopes, stored) {
        (Some(scopes), _) => validation::scopes(info, scopes)?,
        (None, Some(row)) => row.scope_list(),
        (None, None) => validation::scopes(info, info.default_scopes)?,
    };
    if !input.use_custom_credentials {
        let credentials = state.shared_credentials.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::CustomCredentialsRequired,
                "a production instance signs in only with the app's own Client ID and Secret",
            )
        })?;
        return Ok(Target {
            credentials,
            scopes,
        });
    }
    let client_id = match (input.client_id.as_deref(), stored) {
        (Some(id), _) => validation::credential("client_id", id)?,
        (None, Some(row)) => row.client_id.clone().ok_or_else(|| required("client_id"))?,
        (None, None) => return Err(required("client_id")),
    };
    let client_secret = match (input.client_secret.as_deref(), stored) {
        (Some(secret), _) => validation::credential("client_secret", secret)?,
        // The stored secret goes only with the Client ID it was stored for.
        (None, Some(row)) if row.client_id.as_deref() == Some(client_id.as_str()) => row
            .open_secret(&state.master_key)?
            .ok_or_else(|| required("client_secret"))?,
        (None, _) => return Err(required("client_secret")),
    };
    Ok(Target {
        credentials: crate::atlassian::Credentials {
            client_id,
            client_secret,
            endpoints: state.provider_endpoints.clone(),
        },
        scopes,
    })
}

fn required(field: &str) -> AppError {
    AppError::field(
        ErrorCode::InvalidField,
        field,
        format!("{field} is required to check custom credentials"),
    )
}

fn not_found() -> AppError {
    AppError::new(ErrorCode::ConnectionNotFound, "no such connection")
}

fn rate_limited(wait_secs: u64) -> Response {
    let error = AppError::new(
        ErrorCode::RateLimited,
        format!("too many checks; try again in {wait_secs} s"),
    );
    let mut response = error.into_response();
    if let Ok(value) = HeaderValue::from_str(&wait_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
