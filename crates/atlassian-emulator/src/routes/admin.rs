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
use crate::jira::JiraIssue;
use crate::model::{
    AppUpdate, AtlassianAccount, AutoConsent, ControlError, Endpoint, Fault, OAuthApp,
};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/apps", post(register_app))
        .route("/apps/{client_id}", get(read_app).patch(update_app))
        .route("/apps/{client_id}/redirect_uris", post(add_redirect_uri))
        .route(
            "/sites/{cloud_id}/issues",
            get(list_issues).post(seed_issue),
        )
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

impl From<ControlError> for AdminError {
    fn from(error: ControlError) -> Self {
        let (status, code) = match error {
            ControlError::UnknownApp(_) => (StatusCode::NOT_FOUND, "unknown_app"),
            ControlError::UnknownSite(_) => (StatusCode::NOT_FOUND, "unknown_site"),
            ControlError::InvalidRedirectUri(_) => {
                (StatusCode::BAD_REQUEST, "invalid_redirect_uri")
            }
            ControlError::UnknownAccount(_) => (StatusCode::BAD_REQUEST, "unknown_account"),
            ControlError::InvalidIssueKey(_) => (StatusCode::BAD_REQUEST, "invalid_issue_key"),
        };
        Self {
            status,
            error: code,
            description: error.to_string(),
        }
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
    control(shared).add_redirect_uri(&client_id, &uri)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An app as the admin API shows it: everything but the secret, which is never read back.
fn app_view(app: &OAuthApp) -> Json<serde_json::Value> {
    Json(json!({
        "client_id": app.client_id,
        "name": app.name,
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes,
        "distribution": app.distribution,
        "owner_account_id": app.owner_account_id,
    }))
}

async fn read_app(State(shared): State<Arc<Shared>>, Path(client_id): Path<String>) -> AdminResult {
    let app = control(shared)
        .app(&client_id)
        .ok_or(ControlError::UnknownApp(client_id))?;
    Ok(app_view(&app).into_response())
}

async fn update_app(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    update: Result<Json<AppUpdate>, JsonRejection>,
) -> AdminResult {
    let app = control(shared).update_app(&client_id, body(update)?)?;
    Ok(app_view(&app).into_response())
}

async fn list_issues(
    State(shared): State<Arc<Shared>>,
    Path(cloud_id): Path<String>,
) -> AdminResult {
    let control = control(shared);
    if control.site(&cloud_id).is_none() {
        return Err(ControlError::UnknownSite(cloud_id).into());
    }
    Ok(Json(control.issues(&cloud_id)).into_response())
}

async fn seed_issue(
    State(shared): State<Arc<Shared>>,
    Path(cloud_id): Path<String>,
    issue: Result<Json<JiraIssue>, JsonRejection>,
) -> AdminResult {
    let issue = control(shared).seed_issue(&cloud_id, body(issue)?)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": issue.id, "key": issue.key })),
    )
        .into_response())
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
