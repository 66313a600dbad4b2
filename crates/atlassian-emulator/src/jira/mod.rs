//! The slice of a Jira Cloud site that a "my issues" app reads through `https://api.atlassian.com/ex/jira/{cloudid}`:
//! the seeded [`JiraIssue`]s, their JSON in Atlassian's documented shapes ([`render`]), the JQL subset the
//! emulator understands ([`jql`]) and the search paging ([`paging`]).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub(crate) mod demo;
pub(crate) mod jql;
pub(crate) mod paging;
pub(crate) mod render;

/// A Jira issue on one site, as a test seeds it; the API derives Jira's JSON from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JiraIssue {
    /// Jira's numeric id, as a string. Empty: the emulator numbers it when it is seeded.
    #[serde(default)]
    pub id: String,
    /// `PROJ-12`; the part before the last `-` is the project key.
    pub key: String,
    pub summary: String,
    /// Plain text; the API answers it as an Atlassian Document Format paragraph.
    #[serde(default)]
    pub description: Option<String>,
    /// `Task`, `Bug`, `Story`, …
    #[serde(default = "default_issue_type")]
    pub issue_type: String,
    /// The status name, such as `To Do`, `In Progress` or `Done`.
    #[serde(default = "default_status")]
    pub status: String,
    /// The status's category; `None` derives it from the status name (see [`JiraIssue::category`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_category: Option<StatusCategory>,
    /// `Highest`, `High`, `Medium`, `Low` or `Lowest`.
    #[serde(default = "default_priority")]
    pub priority: String,
    /// The assignee's account id; `None` is unassigned.
    #[serde(default)]
    pub assignee: Option<String>,
    /// The reporter's account id.
    #[serde(default)]
    pub reporter: Option<String>,
    /// The project's display name; empty means the project key.
    #[serde(default)]
    pub project_name: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
}

fn default_issue_type() -> String {
    "Task".to_owned()
}

fn default_status() -> String {
    "To Do".to_owned()
}

fn default_priority() -> String {
    "Medium".to_owned()
}

impl JiraIssue {
    /// An unassigned `Task` in `To Do`, created and updated at `created`.
    pub fn new(
        key: impl Into<String>,
        summary: impl Into<String>,
        created: OffsetDateTime,
    ) -> Self {
        Self {
            id: String::new(),
            key: key.into(),
            summary: summary.into(),
            description: None,
            issue_type: default_issue_type(),
            status: default_status(),
            status_category: None,
            priority: default_priority(),
            assignee: None,
            reporter: None,
            project_name: String::new(),
            labels: Vec::new(),
            created,
            updated: created,
        }
    }

    pub fn assigned_to(mut self, account_id: impl Into<String>) -> Self {
        self.assignee = Some(account_id.into());
        self
    }

    pub fn reported_by(mut self, account_id: impl Into<String>) -> Self {
        self.reporter = Some(account_id.into());
        self
    }

    /// Sets the status and its category (which `statusCategory` and `resolution` in JQL read).
    pub fn with_status(mut self, status: impl Into<String>, category: StatusCategory) -> Self {
        self.status = status.into();
        self.status_category = Some(category);
        self
    }

    pub fn with_issue_type(mut self, issue_type: impl Into<String>) -> Self {
        self.issue_type = issue_type.into();
        self
    }

    pub fn with_priority(mut self, priority: impl Into<String>) -> Self {
        self.priority = priority.into();
        self
    }

    pub fn updated_at(mut self, updated: OffsetDateTime) -> Self {
        self.updated = updated;
        self
    }

    /// `NW` for `NW-12`.
    pub fn project_key(&self) -> &str {
        self.key.rsplit_once('-').map_or(&self.key, |(key, _)| key)
    }

    /// The status category as set, or else from the status name: `Done`, `Closed`, `Resolved` are done;
    /// `To Do`, `Open`, `Backlog` are to do; any other status is in progress.
    pub fn category(&self) -> StatusCategory {
        self.status_category
            .unwrap_or_else(|| match self.status.to_ascii_lowercase().as_str() {
                "done" | "closed" | "resolved" => StatusCategory::Done,
                "to do" | "open" | "backlog" => StatusCategory::ToDo,
                _ => StatusCategory::InProgress,
            })
    }

    /// Done issues are resolved; the others are `Unresolved` in JQL.
    pub fn is_resolved(&self) -> bool {
        self.category() == StatusCategory::Done
    }
}

/// Jira's three status categories (ids and keys as Jira Cloud reports them); in JSON `"to_do"`,
/// `"in_progress"`, `"done"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// key `new`, "To Do"
    #[default]
    ToDo,
    /// key `indeterminate`, "In Progress"
    InProgress,
    /// key `done`, "Done"
    Done,
}

impl StatusCategory {
    pub(crate) fn id(self) -> u32 {
        match self {
            Self::ToDo => 2,
            Self::Done => 3,
            Self::InProgress => 4,
        }
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::ToDo => "new",
            Self::InProgress => "indeterminate",
            Self::Done => "done",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::ToDo => "To Do",
            Self::InProgress => "In Progress",
            Self::Done => "Done",
        }
    }

    pub(crate) fn colour(self) -> &'static str {
        match self {
            Self::ToDo => "blue-gray",
            Self::InProgress => "yellow",
            Self::Done => "green",
        }
    }
}

/// Jira's timestamp format: `2026-01-15T10:22:31.000+0000` (always UTC here).
pub(crate) fn jira_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_jiras_format() {
        let at = OffsetDateTime::from_unix_timestamp(1_768_472_551).unwrap();
        assert_eq!(jira_timestamp(at), "2026-01-15T10:22:31.000+0000");
    }

    #[test]
    fn the_category_follows_the_status_name_unless_set() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let issue = |status: &str| {
            let mut issue = JiraIssue::new("NW-1", "s", at);
            issue.status = status.to_owned();
            issue
        };
        assert_eq!(issue("Done").category(), StatusCategory::Done);
        assert!(issue("Closed").is_resolved());
        assert_eq!(issue("Backlog").category(), StatusCategory::ToDo);
        assert_eq!(issue("In Review").category(), StatusCategory::InProgress);
        let set = issue("Shipped").with_status("Shipped", StatusCategory::Done);
        assert!(set.is_resolved());
    }

    #[test]
    fn the_project_key_is_the_part_before_the_number() {
        let at = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(JiraIssue::new("NW-12", "s", at).project_key(), "NW");
        assert_eq!(JiraIssue::new("MY-APP-3", "s", at).project_key(), "MY-APP");
    }
}
