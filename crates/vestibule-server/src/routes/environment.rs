//! `GET /v1/environment`: what a sign-in page needs before it can draw itself.

use axum::Json;
use axum::extract::State;
use vestibule_core::api::{Environment, PublicConnection};

use crate::error::AppResult;
use crate::state::AppState;
use crate::store::connections;

pub async fn environment(State(state): State<AppState>) -> AppResult<Json<Environment>> {
    let connections = connections::list(&state.db)
        .await?
        .into_iter()
        .filter(|c| c.enabled_for_sign_in)
        .map(|c| c.provider)
        .map(|provider| {
            let info = provider.info();
            PublicConnection {
                provider,
                display_name: info.display_name.to_owned(),
                icon_url: info.icon_path.to_owned(),
            }
        })
        .collect();
    Ok(Json(Environment {
        environment: state.settings.environment,
        application_name: state.settings.application_name.clone(),
        connections,
        portal: state.settings.portal_urls(),
    }))
}

/// `GET /v1/health`: the process is up and its database answers.
pub async fn health(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}
