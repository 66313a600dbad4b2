//! Vestibule's companion server: it holds the OAuth client secret, completes Atlassian's
//! authorization-code exchange, and keeps users and sessions for one instance.
//!
//! [`app`] builds the router for a prepared [`AppState`]; [`server::start`] resolves the
//! configuration, binds the listener and runs it until shut down.

pub mod atlassian;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod crypto;
pub mod db;
pub mod doctor;
pub mod error;
pub mod guard;
pub mod instance;
pub mod portal;
pub mod redirect;
pub mod routes;
pub mod server;
pub mod signin;
pub mod state;
pub mod store;
pub mod tokens;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use config::{Cli, Command, ServeArgs};
pub use error::{AppError, AppResult};
pub use state::{AppState, Settings};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP surface of one instance.
pub fn app(state: AppState) -> Router {
    use routes::{admin, backend, doctor, environment, frontend, oauth};
    let api = Router::new()
        .route("/health", get(environment::health))
        .route("/environment", get(environment::environment))
        // Frontend API (browser, session cookie)
        .route("/oauth/{provider}/start", get(oauth::start))
        .route("/oauth_callback", get(oauth::callback))
        .route("/client", get(frontend::client))
        .route("/sign_out", post(frontend::sign_out))
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
        .route("/users/{id}", get(backend::user))
        .route(
            "/users/{id}/oauth_access_tokens/{provider}",
            get(backend::oauth_access_token),
        )
        .fallback(portal::api_not_found)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            guard::same_origin_writes,
        ));

    let csp = HeaderValue::from_str(
        &state
            .portal
            .content_security_policy(&state.extra_image_origins),
    )
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));

    Router::new()
        .nest("/v1", api)
        .fallback_service(state.portal.service())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
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
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO))
                        .on_failure(DefaultOnFailure::new().level(Level::WARN)),
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
    let request_id = request.headers().get(REQUEST_ID).cloned();
    let response = next.run(request).await;
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
