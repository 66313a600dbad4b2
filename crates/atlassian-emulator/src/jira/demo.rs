//! The issues the demo sites start with (see [`demo`](crate::demo)): a few per site, most assigned to the
//! site's owner, some to nobody or to someone else, in every status category.

use time::{Duration, OffsetDateTime};

use super::{JiraIssue, StatusCategory};
use crate::seed::demo::{
    ACCOUNT_CLOSED, ACCOUNT_DEFAULT, ACCOUNT_THREE_SITES, ACCOUNT_UNVERIFIED, SITE_ACME,
    SITE_CLOSED, SITE_DEFAULT, SITE_GLOBEX, SITE_INITECH, SITE_UNVERIFIED,
};

/// One demo issue: site, key, summary, type, status, priority, assignee, created (days ago), updated
/// (hours ago).
type DemoIssue = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
    i64,
);

/// The issues every demo site starts with. On [`SITE_DEFAULT`], Mara has `NW-1` and `NW-2` open and
/// `NW-3` done; `NW-4` is unassigned and `NW-5` is Priya's, so `assignee = currentUser()` has something
/// to leave out. Priya's sites, Lena's and Kofi's have a few each.
#[rustfmt::skip]
const ISSUES: &[DemoIssue] = &[
    (SITE_DEFAULT, "NW-1", "Set up single sign-on for the staging environment", "Story", "In Progress", "High", Some(ACCOUNT_DEFAULT), 12, 2),
    (SITE_DEFAULT, "NW-2", "Rotate the deploy key before the audit", "Task", "To Do", "Highest", Some(ACCOUNT_DEFAULT), 5, 26),
    (SITE_DEFAULT, "NW-3", "Dashboard loads slowly on Monday mornings", "Bug", "Done", "Medium", Some(ACCOUNT_DEFAULT), 20, 72),
    (SITE_DEFAULT, "NW-4", "Write the onboarding guide for new engineers", "Task", "To Do", "Low", None, 2, 48),
    (SITE_DEFAULT, "NW-5", "Migrate invoices to the new billing API", "Story", "In Progress", "Medium", Some(ACCOUNT_THREE_SITES), 8, 5),
    (SITE_ACME, "ACME-1", "Upgrade the CI runners to the new image", "Task", "In Progress", "High", Some(ACCOUNT_THREE_SITES), 9, 3),
    (SITE_ACME, "ACME-2", "Login test is flaky on Safari", "Bug", "To Do", "Medium", Some(ACCOUNT_THREE_SITES), 4, 30),
    (SITE_ACME, "ACME-3", "Document the release checklist", "Task", "Done", "Low", Some(ACCOUNT_THREE_SITES), 30, 240),
    (SITE_ACME, "ACME-4", "Choose a name for the mobile app", "Story", "To Do", "Lowest", None, 1, 20),
    (SITE_GLOBEX, "GLX-1", "Evaluate the new search cluster", "Story", "To Do", "Medium", Some(ACCOUNT_THREE_SITES), 6, 50),
    (SITE_GLOBEX, "GLX-2", "Renew the TLS certificates", "Task", "In Progress", "Highest", Some(ACCOUNT_THREE_SITES), 3, 1),
    (SITE_INITECH, "INI-1", "Fix the cover sheet on the weekly report", "Bug", "To Do", "High", Some(ACCOUNT_THREE_SITES), 7, 10),
    (SITE_INITECH, "INI-2", "Archive the old printer drivers", "Task", "Done", "Low", None, 40, 400),
    (SITE_UNVERIFIED, "HS-1", "Refresh the portfolio site", "Story", "In Progress", "Medium", Some(ACCOUNT_UNVERIFIED), 10, 6),
    (SITE_UNVERIFIED, "HS-2", "Send the quarterly invoices", "Task", "To Do", "High", Some(ACCOUNT_UNVERIFIED), 2, 12),
    (SITE_CLOSED, "ML-1", "Plan the warehouse route changes", "Task", "To Do", "Medium", Some(ACCOUNT_CLOSED), 14, 100),
    (SITE_CLOSED, "ML-2", "Replace the scanner batteries", "Task", "Done", "Low", Some(ACCOUNT_CLOSED), 25, 300),
];

fn project_name(key: &str) -> &'static str {
    match key {
        "NW" => "Northwind Platform",
        "ACME" => "Acme Web",
        "GLX" => "Globex Infrastructure",
        "INI" => "Initech Operations",
        "HS" => "Hoffmann Studio",
        _ => "Mensah Logistics",
    }
}

/// The demo issues as (cloud id, issue), dated relative to `now`; each is reported by its assignee
/// (or by the site's owner when unassigned).
pub(crate) fn issues(now: OffsetDateTime) -> Vec<(String, JiraIssue)> {
    ISSUES
        .iter()
        .map(
            |&(site, key, summary, issue_type, status, priority, assignee, days, hours)| {
                let category = match status {
                    "Done" => StatusCategory::Done,
                    "In Progress" => StatusCategory::InProgress,
                    _ => StatusCategory::ToDo,
                };
                let reporter = assignee.unwrap_or(match site {
                    SITE_DEFAULT => ACCOUNT_DEFAULT,
                    _ => ACCOUNT_THREE_SITES,
                });
                let mut issue = JiraIssue::new(key, summary, now - Duration::days(days))
                    .with_issue_type(issue_type)
                    .with_status(status, category)
                    .with_priority(priority)
                    .reported_by(reporter)
                    .updated_at(now - Duration::hours(hours));
                issue.assignee = assignee.map(str::to_owned);
                issue.project_name = project_name(issue.project_key()).to_owned();
                (site.to_owned(), issue)
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::seed::Seed;
    use crate::store::Store;

    #[test]
    fn every_demo_issue_seeds_onto_a_demo_site() {
        let mut store = Store::default();
        for account in Seed::Demo.accounts() {
            store.seed_account(account);
        }
        let issues = Seed::Demo.issues(time::OffsetDateTime::now_utc());
        assert!(issues.len() >= 12);
        for (site, issue) in issues {
            assert!(issue.updated >= issue.created, "{}", issue.key);
            let key = issue.key.clone();
            store
                .seed_issue(&site, issue)
                .unwrap_or_else(|e| panic!("{key}: {e}"));
        }
        for site in Seed::Demo.accounts().iter().flat_map(|a| a.sites.clone()) {
            assert!(
                !store.issues(&site.id).is_empty(),
                "{} has issues",
                site.name
            );
        }
    }
}
