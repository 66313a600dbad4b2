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
pub mod envelope;
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
use axum::http::HeaderValue;
use axum::middleware;
use axum::routing::{any, get, post};
use tower::ServiceBuilder;

pub use config::{Cli, Command, ServeArgs};
pub use error::{AppError, AppResult};
pub use state::{AppState, Settings};

/// The whole HTTP surface of one instance, as a service (`app(state).oneshot(request)`).
pub type App = envelope::Outer<tower_http::cors::Cors<envelope::Inner<Router>>>;

/// The whole HTTP surface of one instance.
pub fn app(state: AppState) -> App {
    let csp = HeaderValue::from_str(
        &state
            .portal
            .content_security_policy(&state.extra_image_origins),
    )
    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));

    let routes = api_routes(&state)
        .route(
            vestibule_core::session_token::JWKS_PATH,
            get(routes::session_tokens::jwks),
        )
        .fallback_service(state.portal.service())
        .with_state(state.clone());
    // What every request passes goes around the router, not through `Router::layer`, which
    // wraps each route in a boxed service that every request clones with all the boxes
    // beneath it; and as two services of our own rather than a stack of `from_fn`
    // middlewares, each of which boxes a clone of the stack beneath it per request
    // (`envelope`). The stack is served as it is, not as a router's fallback, which would
    // box it and clone the box on every request.
    ServiceBuilder::new()
        // Outermost: request id, client address, the request's span and log line; on the way
        // out the security headers, CORS's `Vary` and the request id.
        .layer(envelope::OuterLayer::new(
            state.clone(),
            security_headers::SecurityHeaders::new(csp),
        ))
        // CORS outside the error handling, so that refusals and internal errors still carry it.
        .layer(cors::frontend_api(&state.redirects))
        // Time limit, panics, internal errors, abuse limits, the API's same-origin rule for
        // writes and its `no-store`, compression.
        .layer(envelope::InnerLayer::new(state.clone()))
        .service(routes)
}

/// Everything under `/v1`: the frontend, admin and backend APIs. Flat paths rather than a
/// nested router, which would strip the prefix and match twice on every request.
fn api_routes(state: &AppState) -> Router<AppState> {
    use routes::{
        admin, backend, doctor, environment, frontend, oauth, session_tokens, sign_in_tokens,
    };
    let routes = Router::new()
        .route("/v1/health", get(environment::health))
        .route("/v1/environment", get(environment::environment))
        // The script any web page loads (the manifest, its versions and its wasm).
        .route("/v1/js/{file}", get(routes::js::file))
        // Frontend API (browser, cookie session).
        .route(
            "/v1/oauth/{provider}/start",
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
        .route("/v1/oauth_callback", get(oauth::callback))
        .route("/v1/client", get(frontend::client))
        .route("/v1/sign_out", post(frontend::sign_out))
        .route(
            "/v1/client/sessions/{sid}/tokens",
            post(session_tokens::mint),
        )
        .route("/v1/me/sessions", get(frontend::list_sessions))
        .route(
            "/v1/me/sessions/{id}",
            axum::routing::delete(frontend::revoke_session),
        )
        .route(
            "/v1/me/external_accounts/{id}",
            axum::routing::delete(frontend::disconnect_account),
        )
        // Admin API (secret key or dashboard session).
        .route(
            "/v1/admin/connections",
            get(admin::list).post(admin::create),
        )
        .route(
            "/v1/admin/connections/{id}",
            get(admin::get).patch(admin::update).delete(admin::delete),
        )
        .route("/v1/admin/connections/check", post(doctor::check_unsaved))
        .route(
            "/v1/admin/connections/{id}/check",
            get(doctor::last_check).post(doctor::check_saved),
        )
        .route(
            "/v1/admin/session",
            get(admin::status)
                .post(admin::sign_in)
                .delete(admin::sign_out),
        )
        // Backend API (secret key).
        .route(
            "/v1/users",
            get(backend::users_by_email).post(backend::create_user),
        )
        .route("/v1/users/{id}", get(backend::user))
        .route("/v1/users/{id}/ban", post(backend::ban))
        .route("/v1/users/{id}/unban", post(backend::unban))
        .route("/v1/sign_in_tokens", post(sign_in_tokens::create))
        .route("/v1/sign_in_tokens/accept", get(sign_in_tokens::accept))
        .route(
            "/v1/users/{id}/oauth_access_tokens/{provider}",
            get(backend::oauth_access_token),
        )
        // Any other path under `/v1` is the API's JSON 404, not a portal page.
        .route("/v1", any(portal::api_not_found))
        .route("/v1/", any(portal::api_not_found))
        .route("/v1/{*rest}", any(portal::api_not_found));
    // With peers on a shared database, a request waits until this process has caught up with
    // their latest changes (`peers`); on SQLite there are none.
    if state.peers.is_shared() {
        routes.layer(middleware::from_fn_with_state(
            state.clone(),
            crate::peers::wait_for_peers,
        ))
    } else {
        routes
    }
}
