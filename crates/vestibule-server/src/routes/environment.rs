//! `GET /v1/environment`: what a sign-in page needs before it can draw itself.

use axum::Json;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
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

/// How long the health check waits for the database: a load balancer asks often and must
/// hear "down" rather than wait.
const HEALTH_DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /v1/health`: 200 when the process is up and its database answers within
/// [`HEALTH_DATABASE_TIMEOUT`], else 503, so that a load balancer sends traffic elsewhere.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let answer = crate::with_db!(&state.db, pool => {
        let ping = sqlx::query("SELECT 1").execute(pool);
        tokio::time::timeout(HEALTH_DATABASE_TIMEOUT, ping)
            .await
            .map(|done| done.map(|_| ()))
    });
    match answer {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "no answer in time".to_owned(),
            };
            tracing::warn!(error = %why, "health check: the database is down");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "down" })),
            )
        }
    }
}
