//! One span and one log line per request: the request id, method and client address on the
//! span (so every line a handler logs carries them), the path once, bounded, on the last line.
//! A hostile client cannot make one request fill the log with its path.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Instrument;

use crate::client_addr::client_ip;
use crate::crypto::random_bytes;

/// How much of a path a log line carries.
pub const MAX_LOGGED_PATH_CHARS: usize = 120;

/// The path as logged: at most [`MAX_LOGGED_PATH_CHARS`] characters, the rest counted.
pub fn bounded_path(path: &str) -> String {
    BoundedPath(path).to_string()
}

/// Middleware: runs the request inside its span and logs its outcome once. The query string
/// is never logged: it carries OAuth codes and states.
pub async fn log_request(request_id: HeaderName, request: Request, next: Next) -> Response {
    // The span copies what it records: nothing here allocates when the log level drops it.
    let span = tracing::info_span!(
        "request",
        id = %request
            .headers()
            .get(&request_id)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-"),
        method = %request.method(),
        client = %client_ip(&request),
    );
    // A reference-counted handle on the request's bytes, cut to length only for a line written.
    let uri = request.uri().clone();
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let latency = Latency(started.elapsed());
    span.in_scope(|| {
        let path = BoundedPath(uri.path());
        if response.status().is_server_error() {
            tracing::warn!(status, %latency, %path, "request failed");
        } else {
            tracing::info!(status, %latency, %path, "request");
        }
    });
    response
}

/// [`bounded_path`] written straight into the log line.
struct BoundedPath<'a>(&'a str);

impl std::fmt::Display for BoundedPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.0;
        match path.char_indices().nth(MAX_LOGGED_PATH_CHARS) {
            None => f.write_str(path),
            Some((cut, _)) => write!(f, "{}…(+{} bytes)", &path[..cut], path.len() - cut),
        }
    }
}

/// Request ids: random UUIDs (v4) from the thread's CSPRNG. tower-http's `MakeRequestUuid`
/// asks the kernel for each one (a `getrandom` system call per request) and formats it twice.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(random_bytes::<16>()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = id.hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(text).ok().map(RequestId::new)
    }
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

    #[test]
    fn request_ids_are_distinct_random_uuids() {
        let request = axum::http::Request::new(());
        let mut make = RandomRequestId;
        let mut id = || {
            let id = make.make_request_id(&request).unwrap();
            let text = id.header_value().to_str().unwrap().to_owned();
            uuid::Uuid::parse_str(&text).unwrap()
        };
        let (a, b) = (id(), id());
        assert_ne!(a, b);
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
        assert_eq!(a.hyphenated().to_string(), a.to_string());
    }
}
