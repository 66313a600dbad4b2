//! Fault injection: the middleware in front of each counted endpoint, and the handle that lets a request
//! close its own TCP connection.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::Notify;

use crate::control::Shared;
use crate::model::{Endpoint, Fault};
use crate::pages;

/// Put into every request's extensions by the connection loop; notifying it closes the connection at once.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionDropper(Arc<Notify>);

impl ConnectionDropper {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Notify::new()))
    }

    /// Resolves once a handler asked for the connection to be dropped.
    pub(crate) async fn requested(&self) {
        self.0.notified().await;
    }

    fn drop_connection(&self) {
        // `notify_one` keeps the permit if the connection loop is not waiting yet.
        self.0.notify_one();
    }
}

/// Counts the call and, when a fault is queued for `endpoint`, answers with it instead.
pub(crate) async fn inject(
    State((shared, endpoint)): State<(Arc<Shared>, Endpoint)>,
    request: Request,
    next: Next,
) -> Response {
    let fault = shared.store().record_call(endpoint);
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    tracing::info!(
        endpoint = endpoint.as_str(),
        ?fault,
        "answering with an injected fault"
    );
    match fault {
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::Status(status) => status_response(endpoint, status),
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"access_token\": \"eyJhbGciOiJSUzI1NiJ9.truncated",
        )
            .into_response(),
        Fault::HtmlBody => Html(pages::fault_html_page()).into_response(),
        Fault::DropConnection => match request.extensions().get::<ConnectionDropper>() {
            Some(dropper) => {
                dropper.drop_connection();
                // The connection loop drops this future together with the connection.
                std::future::pending::<Response>().await
            }
            None => {
                tracing::warn!(
                    "DropConnection fault outside the emulator's own listener; answering 500"
                );
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
    }
}

fn status_response(endpoint: Endpoint, status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let description = format!("Injected fault: HTTP {}", status.as_u16());
    match endpoint {
        Endpoint::Authorize => (
            status,
            Html(pages::error_page(
                "server_error",
                "server_error",
                &description,
                &[],
            )),
        )
            .into_response(),
        Endpoint::Token => (
            status,
            axum::Json(
                serde_json::json!({ "error": "server_error", "error_description": description }),
            ),
        )
            .into_response(),
        Endpoint::Me
        | Endpoint::AccessibleResources
        | Endpoint::JiraMyself
        | Endpoint::JiraSearch => (
            status,
            axum::Json(serde_json::json!({ "code": status.as_u16(), "message": description })),
        )
            .into_response(),
    }
}
