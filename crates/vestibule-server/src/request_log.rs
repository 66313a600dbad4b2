//! One span and one log line per request: the request id, method and client address on the
//! span (so every line a handler logs carries them), the path once, bounded, on the last line.
//! A hostile client cannot make one request fill the log with its path.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::Response;
use tracing::Instrument;

use crate::client_addr::client_ip;
use crate::crypto::random_bytes;

/// How much of a path a log line carries.
pub const MAX_LOGGED_PATH_CHARS: usize = 120;

/// The path as logged: at most [`MAX_LOGGED_PATH_CHARS`] characters, the rest counted.
pub fn bounded_path(path: &str) -> String {
    BoundedPath(path).to_string()
}

/// One request's span and log line. [`RequestLog::start`] opens the span; [`RequestLog::around`]
/// runs the request inside it and logs its outcome once. The query string is never logged: it
/// carries OAuth codes and states. With `info` off for requests, nothing is built.
pub struct RequestLog {
    span: tracing::Span,
    /// The path and the start, kept only when the span is on.
    logged: Option<(axum::http::Uri, Instant)>,
}

impl RequestLog {
    pub fn start(request_id: &HeaderValue, request: &Request) -> Self {
        let span = tracing::info_span!(
            "request",
            id = %request_id.to_str().unwrap_or("-"),
            method = %request.method(),
            client = %client_ip(request),
        );
        let logged = (!span.is_disabled()).then(|| (request.uri().clone(), Instant::now()));
        Self { span, logged }
    }

    pub async fn around<E>(
        self,
        answer: impl Future<Output = Result<Response, E>>,
    ) -> Result<Response, E> {
        let Some((uri, started)) = self.logged else {
            return answer.await;
        };
        let response = answer.instrument(self.span.clone()).await?;
        let status = response.status().as_u16();
        let latency = Latency(started.elapsed());
        self.span.in_scope(|| {
            let path = BoundedPath(uri.path());
            if response.status().is_server_error() {
                tracing::warn!(status, %latency, %path, "request failed");
            } else {
                tracing::info!(status, %latency, %path, "request");
            }
        });
        Ok(response)
    }
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

/// A new request id: a random UUID (v4) from the thread's CSPRNG. tower-http's
/// `MakeRequestUuid` asks the kernel for each one (a `getrandom` system call per request) and
/// formats it twice.
pub fn new_request_id() -> HeaderValue {
    let id = uuid::Builder::from_random_bytes(random_bytes::<16>()).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = id.hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(text).expect("a UUID is a valid header value")
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
        let id = || uuid::Uuid::parse_str(new_request_id().to_str().unwrap()).unwrap();
        let (a, b) = (id(), id());
        assert_ne!(a, b);
        assert_eq!(a.get_version(), Some(uuid::Version::Random));
        assert_eq!(a.hyphenated().to_string(), a.to_string());
    }
}
