//! `GET /v1/environment`: what a sign-in page needs before it can draw itself.

use axum::Json;
use axum::extract::State;
use vestibule_core::ProviderId;
use vestibule_core::api::{Environment, PublicConnection};

use crate::error::AppResult;
use crate::state::AppState;

pub async fn environment(State(state): State<AppState>) -> AppResult<Json<Environment>> {
    let info = ProviderId::Atlassian.info();
    Ok(Json(Environment {
        environment: state.settings.environment,
        application_name: state.settings.application_name.clone(),
        connections: vec![PublicConnection {
            provider: info.id,
            display_name: info.display_name.to_owned(),
            icon_url: info.icon_path.to_owned(),
        }],
        portal: state.settings.portal_urls(),
    }))
}
