//! The sites' Jira data: seeding issues and finding the sites they live on.

use super::Store;
use crate::jira::JiraIssue;
use crate::model::{AtlassianSite, ControlError};

/// Issue ids count up from here, as on a fresh Jira site.
const FIRST_ISSUE_ID: u64 = 10_001;

impl Store {
    /// The site with this cloud id, whichever account reaches it.
    pub(crate) fn site(&self, cloud_id: &str) -> Option<&AtlassianSite> {
        self.accounts
            .iter()
            .flat_map(|a| a.sites.iter())
            .find(|s| s.id == cloud_id)
    }

    /// Adds an issue to a site, replacing the issue with the same key. The site and the people named must
    /// exist; an empty `id` gets the next free one.
    pub(crate) fn seed_issue(
        &mut self,
        cloud_id: &str,
        mut issue: JiraIssue,
    ) -> Result<JiraIssue, ControlError> {
        if self.site(cloud_id).is_none() {
            return Err(ControlError::UnknownSite(cloud_id.to_owned()));
        }
        let well_formed = issue
            .key
            .rsplit_once('-')
            .is_some_and(|(project, n)| !project.is_empty() && n.parse::<u64>().is_ok());
        if !well_formed {
            return Err(ControlError::InvalidIssueKey(issue.key));
        }
        for person in [&issue.assignee, &issue.reporter].into_iter().flatten() {
            if self.account(person).is_none() {
                return Err(ControlError::UnknownAccount(person.clone()));
            }
        }
        let issues = self.issues.entry(cloud_id.to_owned()).or_default();
        let existing = issues.iter().position(|i| i.key == issue.key);
        if issue.id.is_empty() {
            issue.id = match existing {
                Some(at) => issues[at].id.clone(),
                None => {
                    self.issues_seeded += 1;
                    (FIRST_ISSUE_ID + self.issues_seeded - 1).to_string()
                }
            };
        }
        match existing {
            Some(at) => issues[at] = issue.clone(),
            None => issues.push(issue.clone()),
        }
        Ok(issue)
    }

    /// The issues of a site, in seeding order.
    pub(crate) fn issues(&self, cloud_id: &str) -> &[JiraIssue] {
        self.issues.get(cloud_id).map_or(&[], Vec::as_slice)
    }
}
