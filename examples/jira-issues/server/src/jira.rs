//! The one Jira call the example makes: the issues assigned to the user, through
//! Atlassian's API gateway (`{api_url}/ex/jira/{cloud_id}/rest/api/3/search/jql`).

use jira_issues_api::Issue;
use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

/// Assigned to whoever the access token belongs to, most recently changed first.
pub const ASSIGNED_TO_ME: &str = "assignee = currentUser() ORDER BY updated DESC";
/// The enhanced search returns only ids unless asked for fields.
const FIELDS: &str = "summary,status,updated";
const MAX_RESULTS: &str = "50";

/// Why Jira gave no list.
#[derive(Debug, thiserror::Error)]
pub enum JiraError {
    /// 401: Jira does not accept the access token (expired or revoked grant).
    #[error("Jira refused the access token")]
    Unauthorized,
    /// 403/404: the grant does not cover this site or these scopes.
    #[error("the grant does not cover Jira on this site (HTTP {0})")]
    Forbidden(u16),
    /// No answer, an error status, or an answer that is not a search result.
    #[error("Jira is unavailable: {0}")]
    Unavailable(String),
}

/// The search URL for a site: `{api_url}/ex/jira/{cloud_id}/rest/api/3/search/jql?...`.
pub fn search_url(api_url: &Url, cloud_id: &str) -> Url {
    let mut url = api_url.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["ex", "jira", cloud_id, "rest", "api", "3", "search", "jql"]);
    }
    url.query_pairs_mut()
        .append_pair("jql", ASSIGNED_TO_ME)
        .append_pair("fields", FIELDS)
        .append_pair("maxResults", MAX_RESULTS);
    url
}

/// The issues assigned to the token's user on `cloud_id`.
pub async fn assigned_issues(
    http: &reqwest::Client,
    api_url: &Url,
    cloud_id: &str,
    access_token: &str,
) -> Result<Vec<Issue>, JiraError> {
    let response = http
        .get(search_url(api_url, cloud_id))
        .bearer_auth(access_token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| JiraError::Unavailable(e.without_url().to_string()))?;
    match response.status() {
        StatusCode::UNAUTHORIZED => return Err(JiraError::Unauthorized),
        s @ (StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            return Err(JiraError::Forbidden(s.as_u16()));
        }
        s if !s.is_success() => return Err(JiraError::Unavailable(format!("HTTP {s}"))),
        _ => {}
    }
    let body: SearchResults = response
        .json()
        .await
        .map_err(|e| JiraError::Unavailable(format!("unreadable search result: {e}")))?;
    Ok(body.into_issues())
}

/// The part of Jira's search result the page needs; other fields are ignored.
#[derive(Debug, Deserialize)]
struct SearchResults {
    #[serde(default)]
    issues: Vec<RawIssue>,
}

#[derive(Debug, Deserialize)]
struct RawIssue {
    key: String,
    #[serde(default)]
    fields: RawFields,
}

#[derive(Debug, Default, Deserialize)]
struct RawFields {
    summary: Option<String>,
    status: Option<RawStatus>,
    updated: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawStatus {
    name: String,
}

impl SearchResults {
    fn into_issues(self) -> Vec<Issue> {
        self.issues
            .into_iter()
            .map(|i| Issue {
                key: i.key,
                summary: i.fields.summary.unwrap_or_default(),
                status: i.fields.status.map(|s| s.name).unwrap_or_default(),
                updated: i.fields.updated,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_url_goes_through_the_gateway_with_the_jql_encoded() {
        let api = Url::parse("http://127.0.0.1:9999/").unwrap();
        let url = search_url(&api, "4d9a6c3e");
        assert_eq!(url.path(), "/ex/jira/4d9a6c3e/rest/api/3/search/jql");
        let jql = url
            .query_pairs()
            .find(|(k, _)| k == "jql")
            .map(|(_, v)| v.into_owned());
        assert_eq!(jql.as_deref(), Some(ASSIGNED_TO_ME));
        let api = Url::parse("https://api.atlassian.com").unwrap();
        assert!(
            search_url(&api, "c").as_str().starts_with(
                "https://api.atlassian.com/ex/jira/c/rest/api/3/search/jql?jql=assignee"
            )
        );
    }

    #[test]
    fn reads_the_documented_search_result_shape() {
        // As in Atlassian's "Search for issues using JQL enhanced search (GET)" example.
        let body = r#"{
          "isLast": true,
          "issues": [
            {"expand": "", "id": "10002", "key": "ED-1",
             "self": "https://your-domain.atlassian.net/rest/api/3/issue/10002",
             "fields": {"summary": "Fix the login page",
                        "status": {"name": "In Progress", "id": "3",
                                   "statusCategory": {"key": "indeterminate"}},
                        "updated": "2026-11-20T09:12:00.000+0000"}},
            {"id": "10003", "key": "ED-2"}
          ]
        }"#;
        let issues = serde_json::from_str::<SearchResults>(body)
            .unwrap()
            .into_issues();
        assert_eq!(issues.len(), 2);
        assert_eq!(issues[0].key, "ED-1");
        assert_eq!(issues[0].status, "In Progress");
        assert_eq!(issues[0].summary, "Fix the login page");
        assert_eq!(issues[1].summary, "", "an issue without fields still lists");
    }
}
