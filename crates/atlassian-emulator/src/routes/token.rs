//! `POST /auth/oauth/token`: the authorization-code and refresh-token grants, JSON or form-encoded.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::control::Shared;
use crate::store::{TokenError, TokenRequest};

pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match parse_body(&headers, &body) {
        Ok(request) => request,
        Err(description) => return token_error(&TokenError::InvalidRequest(description)),
    };
    let grant_type = request.grant_type.clone().unwrap_or_default();
    let client_id = request.client_id.clone().unwrap_or_default();
    let now = shared.now();
    let result = shared.store().token(&request, now);
    match result {
        Ok(tokens) => {
            tracing::info!(%grant_type, %client_id, scope = %tokens.scope, "tokens issued");
            (
                StatusCode::OK,
                [
                    (header::CACHE_CONTROL, "no-store"),
                    (header::PRAGMA, "no-cache"),
                ],
                axum::Json(tokens),
            )
                .into_response()
        }
        Err(error) => {
            tracing::warn!(%grant_type, %client_id, ?error, "token request refused");
            token_error(&error)
        }
    }
}

/// Atlassian takes either `application/json` or `application/x-www-form-urlencoded`.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map_err(|error| format!("The JSON body could not be read: {error}")),
        "application/x-www-form-urlencoded" => {
            let fields: serde_json::Map<String, serde_json::Value> =
                url::form_urlencoded::parse(body)
                    .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                    .collect();
            serde_json::from_value(serde_json::Value::Object(fields))
                .map_err(|error| format!("The form body could not be read: {error}"))
        }
        _ => Err(format!(
            "Unsupported content type {content_type:?}: send application/json or application/x-www-form-urlencoded"
        )),
    }
}

/// Atlassian's (Auth0's) statuses and bodies for a refused token request.
fn token_error(error: &TokenError) -> Response {
    let (status, code, description) = match error {
        TokenError::InvalidClient => (
            StatusCode::UNAUTHORIZED,
            "access_denied",
            "Unauthorized".to_owned(),
        ),
        TokenError::InvalidRequest(description) => (
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description.clone(),
        ),
        TokenError::UnsupportedGrantType(grant_type) => (
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant type: {grant_type}"),
        ),
        TokenError::InvalidGrant(description) => (
            StatusCode::FORBIDDEN,
            "invalid_grant",
            (*description).to_owned(),
        ),
    };
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        axum::Json(json!({ "error": code, "error_description": description })),
    )
        .into_response()
}
