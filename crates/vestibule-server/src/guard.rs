//! Defences for browser requests that change something: a cross-site page must not be able to
//! trigger them with the visitor's cookies.

use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use serde::de::DeserializeOwned;
use vestibule_core::ErrorCode;

use crate::error::AppError;
use crate::state::AppState;

/// POST, PUT, PATCH and DELETE carrying no bearer key must come from this instance (or an
/// allowed origin) by `Origin`, or by `Sec-Fetch-Site` when a browser sends no `Origin`.
/// Requests with neither header are not from a browser and carry no ambient cookies by
/// accident.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let has_bearer = request.headers().contains_key(header::AUTHORIZATION);
    if changes_state && !has_bearer && !is_same_site(&state, &request) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "cross-site request refused");
        return AppError::new(
            ErrorCode::CrossSiteRequest,
            "this request must come from the instance's own pages",
        )
        .into_response();
    }
    next.run(request).await
}

fn is_same_site(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin
            .to_str()
            .is_ok_and(|origin| state.redirects.is_trusted_origin(origin));
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") | Some(b"none") => true,
        Some(_) => false,
        None => true,
    }
}

/// A JSON body that must be sent as `application/json`: an HTML form cannot send that
/// cross-site without a CORS preflight, which this server never grants.
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::Known {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: ErrorCode::CrossSiteRequest,
                message: "send the body as Content-Type: application/json".to_owned(),
                field: None,
            }),
            Err(rejection) => Err(AppError::new(ErrorCode::InvalidBody, rejection.body_text())),
        }
    }
}
