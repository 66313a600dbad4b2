//! The JSON admin API under `/__admin`: the [`EmulatorControl`](crate::EmulatorControl) calls over HTTP, so
//! tests in any language can drive the emulator binary.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::json;

use crate::control::{EmulatorControl, Shared};
use crate::model::{AtlassianAccount, AutoConsent, ControlError, Endpoint, Fault, OAuthApp};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/apps", post(register_app))
        .route("/apps/{client_id}/redirect_uris", post(add_redirect_uri))
        .route("/accounts", post(seed_account))
        .route("/clock/advance", post(advance_clock))
        .route("/faults", post(inject_fault).delete(clear_faults))
        .route("/auto_consent", put(set_auto_consent))
        .route(
            "/auto_consent/login_hint",
            put(set_auto_consent_by_login_hint),
        )
        .route("/stats", get(stats))
}

fn control(shared: Arc<Shared>) -> EmulatorControl {
    EmulatorControl { shared }
}

/// A refused admin call: a status and a small JSON body.
#[derive(Debug)]
struct AdminError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl AdminError {
    fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.error, "error_description": self.description })),
        )
            .into_response()
    }
}

type AdminResult = Result<Response, AdminError>;

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AdminError> {
    body.map(|Json(value)| value)
        .map_err(|rejection| AdminError::bad_request("invalid_body", rejection.body_text()))
}

async fn register_app(
    State(shared): State<Arc<Shared>>,
    app: Result<Json<OAuthApp>, JsonRejection>,
) -> AdminResult {
    let app = body(app)?;
    if let Some(bad) = app
        .redirect_uris
        .iter()
        .find(|u| url::Url::parse(u).is_err())
    {
        return Err(AdminError::bad_request(
            "invalid_redirect_uri",
            format!("{bad:?} is not an absolute URL"),
        ));
    }
    let client_id = app.client_id.clone();
    control(shared).register_app(app);
    Ok((StatusCode::CREATED, Json(json!({ "client_id": client_id }))).into_response())
}

#[derive(Debug, Deserialize)]
struct RedirectUriBody {
    uri: String,
}

async fn add_redirect_uri(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    uri: Result<Json<RedirectUriBody>, JsonRejection>,
) -> AdminResult {
    let uri = body(uri)?.uri;
    match control(shared).add_redirect_uri(&client_id, &uri) {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(error @ ControlError::UnknownApp(_)) => Err(AdminError {
            status: StatusCode::NOT_FOUND,
            error: "unknown_app",
            description: error.to_string(),
        }),
        Err(error @ ControlError::InvalidRedirectUri(_)) => Err(AdminError::bad_request(
            "invalid_redirect_uri",
            error.to_string(),
        )),
    }
}

async fn seed_account(
    State(shared): State<Arc<Shared>>,
    account: Result<Json<AtlassianAccount>, JsonRejection>,
) -> AdminResult {
    let account = body(account)?;
    let account_id = account.account_id.clone();
    control(shared).seed_account(account);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "account_id": account_id })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct AdvanceBody {
    seconds: u64,
}

async fn advance_clock(
    State(shared): State<Arc<Shared>>,
    advance: Result<Json<AdvanceBody>, JsonRejection>,
) -> AdminResult {
    let seconds = body(advance)?.seconds;
    let control = control(shared);
    control.advance_clock(Duration::from_secs(seconds));
    Ok(Json(json!({ "offset_seconds": control.clock_offset().as_secs() })).into_response())
}

/// A fault as JSON: `{"kind":"status","status":500}`, `{"kind":"delay","millis":1500}`,
/// `{"kind":"malformed_json"}`, `{"kind":"html_body"}`, `{"kind":"drop_connection"}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FaultSpec {
    Status { status: u16 },
    Delay { millis: u64 },
    MalformedJson,
    HtmlBody,
    DropConnection,
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Self {
        match spec {
            FaultSpec::Status { status } => Fault::Status(status),
            FaultSpec::Delay { millis } => Fault::Delay(Duration::from_millis(millis)),
            FaultSpec::MalformedJson => Fault::MalformedJson,
            FaultSpec::HtmlBody => Fault::HtmlBody,
            FaultSpec::DropConnection => Fault::DropConnection,
        }
    }
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
struct FaultBody {
    endpoint: Endpoint,
    fault: FaultSpec,
    #[serde(default = "one")]
    times: u32,
}

async fn inject_fault(
    State(shared): State<Arc<Shared>>,
    fault: Result<Json<FaultBody>, JsonRejection>,
) -> AdminResult {
    let fault = body(fault)?;
    if let FaultSpec::Status { status } = fault.fault
        && StatusCode::from_u16(status).is_err()
    {
        return Err(AdminError::bad_request(
            "invalid_fault",
            format!("{status} is not an HTTP status"),
        ));
    }
    control(shared).inject_fault(fault.endpoint, fault.fault.into(), fault.times);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    control(shared).clear_faults();
    StatusCode::NO_CONTENT
}

async fn set_auto_consent(
    State(shared): State<Arc<Shared>>,
    consent: Result<Json<Option<AutoConsent>>, JsonRejection>,
) -> AdminResult {
    control(shared).set_auto_consent(body(consent)?);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize)]
struct EnabledBody {
    enabled: bool,
}

async fn set_auto_consent_by_login_hint(
    State(shared): State<Arc<Shared>>,
    enabled: Result<Json<EnabledBody>, JsonRejection>,
) -> AdminResult {
    control(shared).set_auto_consent_by_login_hint(body(enabled)?.enabled);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let control = control(shared);
    let calls: BTreeMap<&str, u64> = Endpoint::ALL
        .iter()
        .map(|endpoint| (endpoint.as_str(), control.call_count(*endpoint)))
        .collect();
    Json(json!({
        "calls": calls,
        "issued": control.issued(),
        "clock_offset_seconds": control.clock_offset().as_secs(),
    }))
    .into_response()
}
