//! Vestibule's companion server: it holds the OAuth client secret, completes Atlassian's
//! authorization-code exchange, and keeps users and sessions for one instance.
//!
//! [`app`] builds the router for a prepared [`AppState`]; [`server::start`] resolves the
//! configuration, binds the listener and runs it until shut down.

pub mod config;
pub mod error;
pub mod portal;
pub mod routes;
pub mod server;
pub mod state;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use config::{Cli, Command, ServeArgs};
pub use error::{AppError, AppResult};
pub use state::{AppState, Settings};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface of one instance.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/environment", get(routes::environment::environment))
        .fallback(portal::api_not_found);

    let csp = HeaderValue::from_str(&state.portal.content_security_policy())
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));

    Router::new()
        .nest("/v1", api)
        .fallback_service(state.portal.service())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|request: &Request| {
                        let request_id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // The path only: query strings carry OAuth codes and states.
                        tracing::info_span!(
                            "request",
                            id = %request_id,
                            method = %request.method(),
                            path = %request.uri().path(),
                        )
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    csp,
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(CompressionLayer::new())
                .layer(middleware::from_fn(reference_internal_errors)),
        )
        .with_state(state)
}

/// Gives internal errors their body: a generic sentence and the request id to quote.
async fn reference_internal_errors(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    if response
        .extensions()
        .get::<error::InternalErrorMarker>()
        .is_none()
    {
        return response;
    }
    let (status, body) = AppError::internal("already logged").to_api_error(request_id.as_deref());
    (status, axum::Json(body)).into_response()
}
