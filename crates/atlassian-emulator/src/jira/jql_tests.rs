//! The JQL subset: what it accepts, what it refuses, and how it filters and orders.

use time::{Duration, OffsetDateTime};

use super::*;

const ME: &str = "557058:me";
const OTHER: &str = "557058:other";

fn issues() -> Vec<JiraIssue> {
    let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
    vec![
        JiraIssue::new("NW-1", "Mine, in progress", t0)
            .assigned_to(ME)
            .with_status("In Progress", StatusCategory::InProgress)
            .updated_at(t0 + Duration::days(5)),
        JiraIssue::new("NW-2", "Mine, done", t0 + Duration::days(1))
            .assigned_to(ME)
            .reported_by(OTHER)
            .with_status("Done", StatusCategory::Done)
            .with_priority("High")
            .updated_at(t0 + Duration::days(2)),
        JiraIssue::new("NW-10", "Someone else's", t0 + Duration::days(2)).assigned_to(OTHER),
        JiraIssue::new("OPS-3", "Unassigned bug", t0 + Duration::days(3)).with_issue_type("Bug"),
    ]
}

fn keys(jql: &str) -> Vec<String> {
    let query = parse(jql).unwrap_or_else(|e| panic!("{jql}: {e:?}"));
    let mut found: Vec<JiraIssue> = issues()
        .into_iter()
        .filter(|i| query.matches(i, ME))
        .collect();
    found.sort_by(|a, b| query.compare(a, b));
    found.into_iter().map(|i| i.key).collect()
}

fn refused(jql: &str) -> String {
    parse(jql).expect_err(jql).0
}

#[test]
fn current_user_picks_the_callers_issues() {
    assert_eq!(keys("assignee = currentUser()"), ["NW-2", "NW-1"]);
    assert_eq!(
        keys("ASSIGNEE=currentuser() order by updated desc"),
        ["NW-1", "NW-2"]
    );
    assert_eq!(keys("reporter = currentUser()"), Vec::<String>::new());
    assert_eq!(keys(&format!("assignee = \"{OTHER}\"")), ["NW-10"]);
}

#[test]
fn clauses_combine_with_and() {
    assert_eq!(
        keys("assignee = currentUser() AND resolution = Unresolved ORDER BY updated DESC"),
        ["NW-1"]
    );
    assert_eq!(
        keys("assignee = currentUser() AND statusCategory != Done"),
        ["NW-1"]
    );
    assert_eq!(keys("project = NW and status = 'In Progress'"), ["NW-1"]);
    assert_eq!(keys("issuetype = bug AND assignee is EMPTY"), ["OPS-3"]);
}

#[test]
fn not_equal_never_matches_an_empty_field() {
    assert_eq!(keys("assignee != currentUser() ORDER BY key"), ["NW-10"]);
    assert_eq!(
        keys("assignee IS NOT EMPTY ORDER BY key ASC"),
        ["NW-1", "NW-2", "NW-10"]
    );
}

#[test]
fn ordering_follows_order_by_then_newest_key() {
    assert_eq!(
        keys("project = NW ORDER BY created ASC"),
        ["NW-1", "NW-2", "NW-10"]
    );
    assert_eq!(
        keys("project = NW ORDER BY key DESC"),
        ["NW-10", "NW-2", "NW-1"]
    );
    assert_eq!(
        keys("project = NW ORDER BY priority DESC, key ASC"),
        ["NW-2", "NW-1", "NW-10"]
    );
    // No ORDER BY: newest created first.
    assert_eq!(keys("project = NW"), ["NW-10", "NW-2", "NW-1"]);
}

#[test]
fn a_query_without_a_restriction_is_unbounded() {
    assert_eq!(refused(""), UNBOUNDED);
    assert_eq!(refused("   "), UNBOUNDED);
    assert_eq!(refused("ORDER BY created DESC"), UNBOUNDED);
}

#[test]
fn anything_outside_the_subset_is_refused_with_a_reason() {
    assert!(refused("assignee = currentUser() OR reporter = currentUser()").contains("OR"));
    assert!(refused("(assignee = currentUser())").contains("parentheses"));
    assert!(refused("assignee in (a, b)").contains("IN"));
    assert!(refused("summary ~ login").contains("'summary'"));
    assert!(refused("created > -7d").contains("'created'"));
    assert!(refused("colour = red").contains("does not exist"));
    assert!(refused("priority > High").contains("'>'"));
    assert!(refused("assignee = membersOf(x)").contains("membersOf"));
    assert!(refused("project = NW ORDER BY rank").contains("rank"));
    assert!(refused("project = NW AND").contains("field name"));
    assert!(refused("project = 'NW").contains("not closed"));
    assert!(refused("project = NW status = Done").contains("AND"));
}
