//! `GET /api/my-issues`: verify the session token, get the user's Atlassian access token
//! from Vestibule, ask Jira for the issues assigned to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jira_issues_api::{MyIssues, Problem, ProblemCode};
use url::Url;
use vestibule_axum::{BackendError, SignedInUser};
use vestibule_core::{ErrorCode, ProviderId};

use crate::AppState;
use crate::jira::{self, JiraError};

/// The scope Jira's search needs.
const READ_JIRA_WORK: &str = "read:jira-work";

/// An error answer: a status and a [`Problem`] the page turns into a sentence.
#[derive(Debug)]
pub struct ProblemResponse(pub ProblemCode, pub &'static str);

impl IntoResponse for ProblemResponse {
    fn into_response(self) -> Response {
        let status = match self.0 {
            ProblemCode::SignInRequired => StatusCode::UNAUTHORIZED,
            ProblemCode::NoJiraAccess => StatusCode::FORBIDDEN,
            ProblemCode::ReconnectAtlassian | ProblemCode::NoAtlassianSite => StatusCode::CONFLICT,
            ProblemCode::Unavailable => StatusCode::BAD_GATEWAY,
            ProblemCode::Internal | ProblemCode::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = Problem {
            code: self.0,
            message: self.1.to_owned(),
        };
        (status, Json(body)).into_response()
    }
}

/// The handler. A refused session token never gets here: the extractor answers 401 with
/// `vestibule-axum`'s stable code.
pub async fn my_issues(
    user: SignedInUser,
    State(state): State<AppState>,
) -> Result<Json<MyIssues>, ProblemResponse> {
    let grant = state
        .backend
        .oauth_access_token(&user.user_id, ProviderId::Atlassian)
        .await
        .map_err(|e| from_backend(&user.user_id, e))?;
    let site_id = grant
        .site_id
        .clone()
        .or_else(|| user.site_id.clone())
        .ok_or(ProblemResponse(
            ProblemCode::NoAtlassianSite,
            "the Atlassian grant names no site",
        ))?;
    if !grant.scopes.iter().any(|s| s == READ_JIRA_WORK) {
        return Err(ProblemResponse(
            ProblemCode::NoJiraAccess,
            "the Atlassian grant lacks read:jira-work",
        ));
    }
    let api_url = Url::parse(&grant.api_url).map_err(|_| {
        tracing::error!("Vestibule returned an unreadable api_url");
        ProblemResponse(ProblemCode::Internal, "internal error")
    })?;
    let issues = jira::assigned_issues(&state.http, &api_url, &site_id, &grant.token)
        .await
        .map_err(|e| from_jira(&user.user_id, e))?;
    Ok(Json(MyIssues { site_id, issues }))
}

fn from_backend(user_id: &str, error: BackendError) -> ProblemResponse {
    match error.code() {
        Some(ErrorCode::ReconnectNeeded | ErrorCode::NotFound) => ProblemResponse(
            ProblemCode::ReconnectAtlassian,
            "Vestibule has no usable Atlassian grant for this user",
        ),
        Some(ErrorCode::NoAtlassianSite) => {
            ProblemResponse(ProblemCode::NoAtlassianSite, "no Atlassian site")
        }
        Some(ErrorCode::ProviderUnavailable) => {
            ProblemResponse(ProblemCode::Unavailable, "Atlassian is unavailable")
        }
        _ => {
            // The secret key or the connection to Vestibule: the operator's to fix.
            tracing::error!(user_id, error = %error, "Vestibule's backend API failed");
            ProblemResponse(ProblemCode::Unavailable, "Vestibule's backend API failed")
        }
    }
}

fn from_jira(user_id: &str, error: JiraError) -> ProblemResponse {
    match error {
        JiraError::Unauthorized => ProblemResponse(
            ProblemCode::ReconnectAtlassian,
            "Jira refused the access token",
        ),
        JiraError::Forbidden(_) => ProblemResponse(
            ProblemCode::NoJiraAccess,
            "the grant does not cover Jira on this site",
        ),
        JiraError::Unavailable(detail) => {
            tracing::warn!(user_id, %detail, "Jira search failed");
            ProblemResponse(ProblemCode::Unavailable, "Jira is unavailable")
        }
    }
}
