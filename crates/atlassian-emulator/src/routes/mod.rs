//! The HTTP surface: the auth host under `/auth`, the API host under `/api`, avatars, and the admin API.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::control::Shared;
use crate::faults;
use crate::model::Endpoint;
use crate::pages;

pub(crate) mod admin;
mod api;
mod authorize;
mod jira;
mod token;

/// Every route of the emulator; the admin API only when `admin` is set.
pub(crate) fn router(shared: Arc<Shared>, admin: bool) -> Router {
    let fault = |endpoint: Endpoint| {
        middleware::from_fn_with_state((shared.clone(), endpoint), faults::inject)
    };
    let mut router = Router::new()
        .route("/", get(index))
        .route(
            "/auth/authorize",
            get(authorize::authorize).route_layer(fault(Endpoint::Authorize)),
        )
        .route("/auth/authorize/consent", post(authorize::consent))
        .route(
            "/auth/oauth/token",
            post(token::token).route_layer(fault(Endpoint::Token)),
        )
        .route("/api/me", get(api::me).route_layer(fault(Endpoint::Me)))
        .route(
            "/api/oauth/token/accessible-resources",
            get(api::accessible_resources).route_layer(fault(Endpoint::AccessibleResources)),
        )
        .route(
            "/api/ex/jira/{cloud_id}/rest/api/3/myself",
            get(jira::myself).route_layer(fault(Endpoint::JiraMyself)),
        )
        .route(
            "/api/ex/jira/{cloud_id}/rest/api/3/search/jql",
            get(jira::search).route_layer(fault(Endpoint::JiraSearch)),
        )
        .route("/avatars/{key}", get(api::avatar));
    if admin {
        router = router.nest("/__admin", admin::router());
    }
    router
        .fallback(not_found)
        // Method and path only: query strings carry state, codes and challenges.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(shared)
}

async fn index(State(shared): State<Arc<Shared>>) -> Html<String> {
    Html(pages::index_page(&shared.base_url))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "code": 404, "message": "Not Found" })),
    )
        .into_response()
}

/// An HTML page that must not be cached, framed, or leak its URL (state, challenge) through a Referer.
fn html_page(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        ],
        Html(html),
    )
        .into_response()
}

/// An error page; `reason` becomes its `data-error` marker.
fn error_page(status: StatusCode, error: &str, reason: &str, description: &str) -> Response {
    html_page(status, pages::error_page(error, reason, description, &[]))
}

/// A redirect carrying a code or an error back to the app.
fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (
            status,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ),
            ],
        )
            .into_response(),
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "invalid_request",
            "The redirect URI cannot be sent as a Location header",
        ),
    }
}
