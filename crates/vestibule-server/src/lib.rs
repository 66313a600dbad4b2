//! Vestibule's companion server: it holds the OAuth client secret, completes Atlassian's
//! authorization-code exchange, and keeps users and sessions for one instance.
//!
//! [`app`] builds the router for a prepared [`AppState`]; [`server::start`] resolves the
//! configuration, binds the listener and runs it until shut down.

pub mod atlassian;
pub mod auth;
pub mod cache;
pub mod client_addr;
pub mod client_body;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod cors;
pub mod crypto;
pub mod db;
pub mod doctor;
pub mod embedded_emulator;
pub mod emulator_users;
pub mod error;
pub mod guard;
pub mod http_serve;
pub mod instance;
pub mod js_bundle;
pub mod keys;
pub mod peers;
pub mod portal;
pub mod rate_limit;
pub mod redirect;
pub mod request_log;
pub mod routes;
pub mod security_headers;
pub mod server;
pub mod session_tokens;
pub mod signin;
pub mod state;
pub mod store;
pub mod tokens;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::{Cli, Command, ServeArgs};
pub use error::{AppError, AppResult};
pub use state::{AppState, Settings};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface of one instance.
pub fn app(state: AppState) -> Router {
    let csp = HeaderValue::from_str(
        &state
            .portal
            .content_security_policy(&state.extra_image_origins),
    )
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));

    let timeout = state.request_timeout;
    let routes = Router::new()
        .nest("/v1", api_routes(&state))
        .route(
            vestibule_core::session_token::JWKS_PATH,
            get(routes::session_tokens::jwks),
        )
        .fallback_service(state.portal.service())
        .with_state(state.clone());
    // The layers every request passes go around the router, not through `Router::layer`: that
    // wraps each route in a boxed service which every request clones, together with all the
    // boxes beneath it, so that a stack of router layers costs each request a heap copy per
    // layer per level. Here the stack is plain values, cloned once per request.
    let stack = ServiceBuilder::new()
        // Outermost first: id, client address, the request's span and its log line, the
        // security headers, compression.
        .layer(SetRequestIdLayer::new(
            REQUEST_ID,
            request_log::RandomRequestId,
        ))
        .layer(middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            |State(trusted): State<client_addr::TrustedProxies>, request: Request, next: Next| {
                let request = client_addr::resolve_client(&trusted, request);
                request_log::log_request(REQUEST_ID, request, next)
            },
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(security_headers::SecurityHeaders::new(csp).layer())
        // CORS outside the error handling, so that refusals and internal errors still carry it,
        // and outside compression: CORS appends its `Vary` after compression has looked for
        // `accept-encoding` among the `Vary` values (a byte-by-byte scan of CORS's long one).
        .layer(cors::vary_layer())
        .layer(cors::frontend_api(&state.redirects))
        .layer(MapResponseLayer::new(boxed_body))
        .layer(CompressionLayer::new())
        // As `with_error_handling`.
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            answer_internal_errors(timeout, request, next)
        }))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::abuse_limits,
        ))
        .service(routes);
    Router::new().fallback_service(stack)
}

/// The compressed response with its body boxed at once: the layers above then move a small
/// response instead of the compression body's whole state, on every request.
fn boxed_body<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    response.map(axum::body::Body::new)
}

/// Everything under `/v1`: the frontend, admin and backend APIs, each answer `no-store`.
fn api_routes(state: &AppState) -> Router<AppState> {
    use routes::{
        admin, backend, doctor, environment, frontend, oauth, session_tokens, sign_in_tokens,
    };
    let routes = Router::new()
        .route("/health", get(environment::health))
        .route("/environment", get(environment::environment))
        // The script any web page loads, with its wasm and manifest (CORS of its own).
        .route("/js/{file}", get(routes::js::file))
        // Frontend API (browser, session cookie)
        .route(
            "/oauth/{provider}/start",
            get(oauth::start)
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    rate_limit::oauth_starts,
                ))
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    guard::connect_from_own_pages,
                )),
        )
        .route("/oauth_callback", get(oauth::callback))
        .route("/client", get(frontend::client))
        .route("/sign_out", post(frontend::sign_out))
        .route("/client/sessions/{sid}/tokens", post(session_tokens::mint))
        .route("/me/sessions", get(frontend::list_sessions))
        .route(
            "/me/sessions/{id}",
            axum::routing::delete(frontend::revoke_session),
        )
        .route(
            "/me/external_accounts/{id}",
            axum::routing::delete(frontend::disconnect_account),
        )
        // Admin API (secret key or dashboard cookie)
        .route("/admin/connections", get(admin::list).post(admin::create))
        .route(
            "/admin/connections/{id}",
            get(admin::get).patch(admin::update).delete(admin::delete),
        )
        .route("/admin/connections/check", post(doctor::check_unsaved))
        .route(
            "/admin/connections/{id}/check",
            get(doctor::last_check).post(doctor::check_saved),
        )
        .route(
            "/admin/session",
            get(admin::status)
                .post(admin::sign_in)
                .delete(admin::sign_out),
        )
        // Backend API (secret key)
        .route(
            "/users",
            get(backend::users_by_email).post(backend::create_user),
        )
        .route("/users/{id}", get(backend::user))
        .route("/users/{id}/ban", post(backend::ban))
        .route("/users/{id}/unban", post(backend::unban))
        .route("/sign_in_tokens", post(sign_in_tokens::create))
        .route("/sign_in_tokens/accept", get(sign_in_tokens::accept))
        .route(
            "/users/{id}/oauth_access_tokens/{provider}",
            get(backend::oauth_access_token),
        )
        .fallback(portal::api_not_found)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            guard::same_origin_writes,
        ));
    // A sign-out or revoke answered here holds on every other process once it is read. One
    // process alone (SQLite) has nobody to wait for, and its session checks skip the layer.
    let routes = if state.peers.is_shared() {
        routes.layer(middleware::from_fn_with_state(
            state.clone(),
            crate::peers::wait_for_peers,
        ))
    } else {
        routes
    };
    // Every API answer may carry a token or personal data: no cache keeps it.
    routes.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ))
}

/// Every failure answers in the API's JSON error shape: internal errors with a reference, a
/// handler that panics or runs past `timeout` as an internal error. (One middleware for the
/// time limit and the reference: each layer costs every request a clone of the stack beneath.)
pub fn with_error_handling<S>(routes: Router<S>, timeout: std::time::Duration) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    routes.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(move |request: Request, next: Next| {
                answer_internal_errors(timeout, request, next)
            }))
            .layer(CatchPanicLayer::custom(panic_response)),
    )
}

/// A response that the error-body layer turns into "something went wrong (ref …)".
fn internal_error_response() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(error::InternalErrorMarker);
    response
}

/// A handler that panicked answers like any internal error; the process serves on.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The payload may hold internals: the log says only that it happened (in the span).
    tracing::error!("request handler panicked");
    internal_error_response()
}

/// No request runs longer than `--request-timeout`; one that would answers as an internal
/// error (the provider calls inside have their own, shorter timeouts). Internal errors get
/// their body: a generic sentence and the request id to quote.
async fn answer_internal_errors(
    limit: std::time::Duration,
    request: Request,
    next: Next,
) -> Response {
    let request_id = request.headers().get(REQUEST_ID).cloned();
    let response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            internal_error_response()
        }
    };
    if response
        .extensions()
        .get::<error::InternalErrorMarker>()
        .is_none()
    {
        return response;
    }
    let reference = request_id.as_ref().and_then(|v| v.to_str().ok());
    let (status, body) = AppError::internal("already logged").to_api_error(reference);
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
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
        let app = with_error_handling(routes, std::time::Duration::from_millis(100));
        let response = app
            .oneshot(
                axum::http::Request::get(path)
                    .header(REQUEST_ID, "req-1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
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
}
