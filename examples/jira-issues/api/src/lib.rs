//! What the "My Jira issues" front end and backend say to each other over `/api/my-issues`:
//! one crate, so that the two sides cannot drift apart.

use serde::{Deserialize, Serialize};

/// The path of the one endpoint.
pub const MY_ISSUES_PATH: &str = "/api/my-issues";

/// `GET /api/my-issues`: the issues assigned to the signed-in user on their Atlassian site,
/// most recently updated first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyIssues {
    /// The Atlassian cloud id of the site the issues come from.
    pub site_id: String,
    pub issues: Vec<Issue>,
}

/// One Jira issue, reduced to what the page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// `PROJ-42`
    pub key: String,
    pub summary: String,
    /// The workflow status' name, e.g. "In Progress".
    pub status: String,
    /// When it last changed, as Jira writes it (`2026-11-20T09:12:00.000+0000`).
    pub updated: Option<String>,
}

/// Why `/api/my-issues` has no list: a stable code the page turns into a sentence, and a
/// message for people reading the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
}

/// The stable codes of [`Problem`]. The session-token codes of `vestibule-axum`
/// (`token_missing`, `token_expired`, ...) arrive as [`ProblemCode::SignInRequired`] on the
/// page: whatever was wrong with the token, signing in again mends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No valid session token.
    SignInRequired,
    /// Vestibule holds no usable Atlassian grant: the user must connect Atlassian again.
    ReconnectAtlassian,
    /// The grant has no site (or Vestibule knows none for it).
    NoAtlassianSite,
    /// The grant does not cover Jira (scopes or site): reconnect to grant it.
    NoJiraAccess,
    /// Jira or Vestibule did not answer in time or answered with an error.
    Unavailable,
    /// Anything else; the server logged it.
    Internal,
    /// A code this version of the page does not know.
    #[serde(other)]
    Unknown,
}

impl ProblemCode {
    /// The sentence the page shows for this code.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::SignInRequired => "Your session has ended. Sign in again to see your issues.",
            Self::ReconnectAtlassian => {
                "This app can no longer reach your Atlassian account. Sign out and sign in \
                 again to reconnect it."
            }
            Self::NoAtlassianSite => {
                "Your Atlassian account has no site this app may read. Sign out, sign in \
                 again and choose a Jira site."
            }
            Self::NoJiraAccess => {
                "This app may not read Jira issues on your site yet. Sign out and sign in \
                 again to reconnect, and allow access to Jira."
            }
            Self::Unavailable => "Jira did not answer just now. Try again in a moment.",
            Self::Internal | Self::Unknown => "Something went wrong while loading your issues.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_unknown_ones_still_read() {
        let p: Problem =
            serde_json::from_str(r#"{"code":"no_jira_access","message":"m"}"#).unwrap();
        assert_eq!(p.code, ProblemCode::NoJiraAccess);
        let p: Problem = serde_json::from_str(r#"{"code":"teapot","message":"m"}"#).unwrap();
        assert_eq!(p.code, ProblemCode::Unknown);
    }
}
