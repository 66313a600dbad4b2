//! What every request passes on its way to a route and back, as two services of our own
//! instead of a stack of single-purpose layers.
//!
//! [`Outer`] (outside CORS and compression): the request id, the client address, the request's
//! log line; on the way out the security headers, CORS's `Vary` and the request id.
//! [`Inner`] (right around the router): the time limit, panics and internal errors answered as
//! JSON with the request id as reference, the abuse limits, the same-origin rule for writes
//! to the API and `Cache-Control: no-store` on its answers.
//!
//! Each axum `from_fn` middleware boxes a clone of the whole stack beneath it and a future of
//! its own on every request, and each `Router::layer` boxes every route: the session check ran
//! through four of the former and one of the latter. Here each request costs one boxed future
//! per service, and the router's clone is a reference count.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use tower::{Layer, Service};
use tower_http::compression::Compression;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};

use crate::error::{AppError, InternalErrorMarker};
use crate::security_headers::SecurityHeaders;
use crate::state::AppState;
use crate::{client_addr, cors, guard, rate_limit, request_log};

/// The request id: the client's own when it sends one, else a random UUID; sent back on the
/// answer and named as the `reference` of an internal error.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// Layer of [`Outer`].
#[derive(Clone)]
pub struct OuterLayer {
    state: AppState,
    security: SecurityHeaders,
}

impl OuterLayer {
    pub fn new(state: AppState, security: SecurityHeaders) -> Self {
        Self { state, security }
    }
}

impl<S> Layer<S> for OuterLayer {
    type Service = Outer<S>;

    fn layer(&self, inner: S) -> Outer<S> {
        Outer {
            inner,
            layer: Arc::new(self.clone()),
        }
    }
}

/// See the [module](self).
#[derive(Clone)]
pub struct Outer<S> {
    inner: S,
    layer: Arc<OuterLayer>,
}

impl<S> Service<Request> for Outer<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> BoxFuture {
        let id = match request.headers().get(&REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = request_log::new_request_id();
                request.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        client_addr::resolve_client(&self.layer.state.trusted_proxies, &mut request);
        let log = request_log::RequestLog::start(&id, &request);
        let answer = self.inner.call(request);
        let layer = self.layer.clone();
        Box::pin(async move {
            let Ok(mut response) = log.around(answer).await;
            layer.security.apply_to(response.headers_mut());
            cors::append_vary(response.headers_mut());
            response.headers_mut().entry(REQUEST_ID).or_insert(id);
            Ok(response)
        })
    }
}

/// Layer of [`Inner`].
#[derive(Clone)]
pub struct InnerLayer {
    state: AppState,
}

impl InnerLayer {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl<S: Clone> Layer<S> for InnerLayer {
    type Service = Inner<S>;

    fn layer(&self, inner: S) -> Inner<S> {
        Inner {
            compressing: Compression::new(inner.clone()),
            inner,
            state: self.state.clone(),
        }
    }
}

/// See the [module](self).
#[derive(Clone)]
pub struct Inner<S> {
    inner: S,
    /// The same service behind tower-http's compression, for requests with `Accept-Encoding`.
    compressing: Compression<S>,
    state: AppState,
}

impl<S> Service<Request> for Inner<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> BoxFuture {
        // The ready service goes into the future; a clone (a reference count) stays. The
        // router, the only service used here, is always ready.
        let compress = request.headers().contains_key(header::ACCEPT_ENCODING);
        let mut route = if compress {
            Route::Compressing(self.compressing.clone())
        } else {
            let clone = self.inner.clone();
            Route::Plain(std::mem::replace(&mut self.inner, clone))
        };
        let state = self.state.clone();
        Box::pin(async move {
            let limit = state.request_timeout;
            let id = request.headers().get(&REQUEST_ID).cloned();
            let api = is_api(request.uri().path());
            let state = &state;
            let routed = rate_limit::abuse_limits(state, request, |request| async move {
                if api && let Some(refused) = guard::refuse_cross_site_write(state, &request) {
                    return refused;
                }
                route.call(request).await
            });
            let mut response = within_limits(limit, id.as_ref(), routed).await;
            if api {
                response
                    .headers_mut()
                    .entry(header::CACHE_CONTROL)
                    .or_insert(HeaderValue::from_static("no-store"));
            }
            Ok(response)
        })
    }
}

/// The router, behind compression or not.
enum Route<S> {
    Plain(S),
    Compressing(Compression<S>),
}

impl<S> Route<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    async fn call(&mut self, request: Request) -> Response {
        match self {
            Route::Compressing(service) => {
                let Ok(response) = service.call(request).await;
                response.map(Body::new)
            }
            // Without `Accept-Encoding` tower-http would send the body as it is, with the same
            // `Vary` as a compressed answer (a cache must not hand it to a client that asks
            // for compression); so does this, without wrapping and boxing the body again.
            Route::Plain(service) => {
                let Ok(mut response) = service.call(request).await;
                let headers = response.headers();
                if !headers.contains_key(header::CONTENT_ENCODING)
                    && !headers.contains_key(header::CONTENT_RANGE)
                    && DefaultPredicate::new().should_compress(&response)
                {
                    response
                        .headers_mut()
                        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
                }
                response
            }
        }
    }
}

/// The API's paths (`/v1`, `/v1/...`): the portal's pages and the JWKS are not.
fn is_api(path: &str) -> bool {
    path.strip_prefix("/v1")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `work`'s answer; an internal error instead when it panics or runs past `limit`. Every
/// internal error (these, and a handler's own, which carries [`InternalErrorMarker`]) is
/// answered as the API's JSON error with the request id as its `reference`; the log line was
/// written where it happened, and no detail reaches the client.
pub async fn within_limits(
    limit: Duration,
    request_id: Option<&HeaderValue>,
    work: impl Future<Output = Response>,
) -> Response {
    let response = match tokio::time::timeout(limit, AssertUnwindSafe(work).catch_unwind()).await {
        Ok(Ok(response)) => response,
        Ok(Err(_panic)) => {
            tracing::error!("request handler panicked");
            internal_error_response()
        }
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            internal_error_response()
        }
    };
    if response.extensions().get::<InternalErrorMarker>().is_none() {
        return response;
    }
    let reference = request_id.and_then(|v| v.to_str().ok());
    let (status, body) = AppError::internal("already logged").to_api_error(reference);
    (status, axum::Json(body)).into_response()
}

/// A bare 500 that [`within_limits`] turns into the JSON error.
fn internal_error_response() -> Response {
    let mut response = axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(InternalErrorMarker);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(path: &str) -> (StatusCode, serde_json::Value) {
        let routes: Router = Router::new()
            .route(
                "/panics",
                get(|| async {
                    if path_is_real() {
                        panic!("internal detail: db password is hunter2");
                    }
                    "unreachable"
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                    "late"
                }),
            );
        let id = HeaderValue::from_static("req-1");
        let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
        let work = async move {
            let Ok(response) = routes.oneshot(request).await;
            response
        };
        let response = within_limits(Duration::from_millis(100), Some(&id), work).await;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn path_is_real() -> bool {
        true
    }

    #[tokio::test]
    async fn panics_and_timeouts_answer_as_internal_errors() {
        for path in ["/panics", "/slow"] {
            let (status, body) = answer(path).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            assert_eq!(body["code"], "internal");
            assert_eq!(body["reference"], "req-1");
            assert!(!body.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn the_api_is_v1_and_below() {
        for path in ["/v1", "/v1/", "/v1/client", "/v1/js/vestibule.js"] {
            assert!(is_api(path), "{path}");
        }
        for path in [
            "/",
            "/v1x",
            "/v10/client",
            "/sign-in",
            "/.well-known/jwks.json",
        ] {
            assert!(!is_api(path), "{path}");
        }
    }
}
