//! One span and one log line per request: the request id, method and client address on the
//! span (so every line a handler logs carries them), the path once, bounded, on the last line.
//! A hostile client cannot make one request fill the log with its path.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::client_addr::client_ip;

/// How much of a path a log line carries.
pub const MAX_LOGGED_PATH_CHARS: usize = 120;

/// The path as logged: at most [`MAX_LOGGED_PATH_CHARS`] characters, the rest counted.
pub fn bounded_path(path: &str) -> String {
    match path.char_indices().nth(MAX_LOGGED_PATH_CHARS) {
        None => path.to_owned(),
        Some((cut, _)) => format!("{}…(+{} bytes)", &path[..cut], path.len() - cut),
    }
}

/// Middleware: runs the request inside its span and logs its outcome once. The query string
/// is never logged: it carries OAuth codes and states.
pub async fn log_request(request_id: HeaderName, request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&request_id)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        client = %client_ip(&request),
    );
    let path = bounded_path(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let latency = Latency(started.elapsed());
    span.in_scope(|| {
        if response.status().is_server_error() {
            tracing::warn!(status, %latency, %path, "request failed");
        } else {
            tracing::info!(status, %latency, %path, "request");
        }
    });
    response
}

struct Latency(Duration);

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} µs", self.0.as_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_cut_and_counted() {
        assert_eq!(bounded_path("/v1/client"), "/v1/client");
        let long = format!("/{}", "a".repeat(10_000));
        let logged = bounded_path(&long);
        assert!(
            logged.chars().count() < MAX_LOGGED_PATH_CHARS + 20,
            "{logged}"
        );
        assert!(logged.ends_with("…(+9881 bytes)"), "{logged}");
        // Never cut inside a character.
        let wide = "é".repeat(500);
        assert!(bounded_path(&wide).starts_with(&"é".repeat(MAX_LOGGED_PATH_CHARS)));
    }
}
