//! HTTP handlers, one module per API surface.

pub mod admin;
pub mod backend;
pub mod doctor;
pub mod environment;
pub mod frontend;
pub mod js;
pub mod oauth;
pub mod session_tokens;
pub mod sign_in_tokens;

use axum::http::HeaderMap;

/// The request id the request-id layer set, for error references.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
