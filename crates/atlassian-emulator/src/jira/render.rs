//! Jira's JSON for users and issues, in the shapes Jira Cloud REST v3 documents (`GET /rest/api/3/myself`,
//! the issue bean of `GET /rest/api/3/search/jql`). `self` links point at the gateway URL the caller used:
//! `{api}/ex/jira/{cloudid}/rest/api/3/…`.

use serde_json::{Value, json};

use super::paging::FieldSelection;
use super::{JiraIssue, jira_timestamp};
use crate::model::{AccountStatus, AtlassianAccount, AtlassianSite};

/// What every rendered link needs to know about the site being read.
pub(crate) struct SiteContext<'a> {
    /// `{api}/ex/jira/{cloudid}`
    pub gateway: String,
    pub site: &'a AtlassianSite,
}

impl SiteContext<'_> {
    fn rest(&self, path: &str) -> String {
        format!("{}/rest/api/3/{path}", self.gateway)
    }

    fn icon(&self, path: &str) -> String {
        format!("{}/{path}", self.site.url.trim_end_matches('/'))
    }
}

/// A user as Jira embeds it (assignee, reporter): `avatar` is the absolute picture URL.
pub(crate) fn user(ctx: &SiteContext<'_>, account: &AtlassianAccount, avatar: &str) -> Value {
    json!({
        "self": ctx.rest(&format!("user?accountId={}", url_component(&account.account_id))),
        "accountId": account.account_id,
        "emailAddress": account.email,
        "avatarUrls": {
            "48x48": avatar,
            "24x24": avatar,
            "16x16": avatar,
            "32x32": avatar,
        },
        "displayName": account.name,
        "active": account.status == AccountStatus::Active,
        "timeZone": account.zoneinfo,
        "accountType": "atlassian",
    })
}

/// `GET /rest/api/3/myself`: the embedded user plus locale, groups and application roles.
pub(crate) fn myself(ctx: &SiteContext<'_>, account: &AtlassianAccount, avatar: &str) -> Value {
    let mut me = user(ctx, account, avatar);
    if let Some(object) = me.as_object_mut() {
        // Jira writes Java locales: `en_US`, where the profile API writes `en-US`.
        object.insert("locale".into(), account.locale.replace('-', "_").into());
        object.insert("groups".into(), json!({ "size": 0, "items": [] }));
        object.insert("applicationRoles".into(), json!({ "size": 1, "items": [] }));
        object.insert("expand".into(), "groups,applicationRoles".into());
    }
    me
}

/// One issue of a search answer, with the selected fields. `user` renders an account id (or `null`).
pub(crate) fn issue(
    ctx: &SiteContext<'_>,
    issue: &JiraIssue,
    selection: &FieldSelection,
    user: &dyn Fn(&str) -> Value,
) -> Value {
    if selection.ids_only() {
        return json!({ "id": issue.id });
    }
    let mut fields = serde_json::Map::new();
    for &name in &selection.fields {
        let value = match name {
            "summary" => issue.summary.clone().into(),
            "status" => status(ctx, issue),
            "assignee" => issue.assignee.as_deref().map_or(Value::Null, user),
            "reporter" => issue.reporter.as_deref().map_or(Value::Null, user),
            "priority" => priority(ctx, &issue.priority),
            "issuetype" => issue_type(ctx, &issue.issue_type),
            "project" => project(ctx, issue),
            "created" => jira_timestamp(issue.created).into(),
            "updated" => jira_timestamp(issue.updated).into(),
            "labels" => json!(issue.labels),
            "resolution" => resolution(ctx, issue),
            "description" => issue.description.as_deref().map_or(Value::Null, document),
            _ => continue,
        };
        fields.insert(name.to_owned(), value);
    }
    json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id,
        "self": ctx.rest(&format!("issue/{}", issue.id)),
        "key": issue.key,
        "fields": fields,
    })
}

fn status(ctx: &SiteContext<'_>, issue: &JiraIssue) -> Value {
    let id = match issue.status.as_str() {
        "To Do" => "10000".to_owned(),
        "In Progress" => "3".to_owned(),
        "Done" => "10001".to_owned(),
        other => (10_100 + stable_number(other) % 900).to_string(),
    };
    let category = issue.category();
    json!({
        "self": ctx.rest(&format!("status/{id}")),
        "description": "",
        "iconUrl": ctx.icon(""),
        "name": issue.status,
        "id": id,
        "statusCategory": {
            "self": ctx.rest(&format!("statuscategory/{}", category.id())),
            "id": category.id(),
            "key": category.key(),
            "colorName": category.colour(),
            "name": category.name(),
        },
    })
}

fn priority(ctx: &SiteContext<'_>, name: &str) -> Value {
    let id = match name.to_ascii_lowercase().as_str() {
        "highest" => 1,
        "high" => 2,
        "medium" => 3,
        "low" => 4,
        "lowest" => 5,
        other => 10_000 + stable_number(other) % 900,
    };
    json!({
        "self": ctx.rest(&format!("priority/{id}")),
        "iconUrl": ctx.icon(&format!("images/icons/priorities/{}.svg", name.to_ascii_lowercase())),
        "name": name,
        "id": id.to_string(),
    })
}

fn issue_type(ctx: &SiteContext<'_>, name: &str) -> Value {
    let (id, level) = match name.to_ascii_lowercase().as_str() {
        "epic" => (10_000, 1),
        "task" => (10_001, 0),
        "bug" => (10_002, 0),
        "story" => (10_003, 0),
        "subtask" | "sub-task" => (10_004, -1),
        other => (10_100 + stable_number(other) % 900, 0),
    };
    json!({
        "self": ctx.rest(&format!("issuetype/{id}")),
        "id": id.to_string(),
        "description": "",
        "iconUrl": ctx.icon(&format!("rest/api/2/universal_avatar/view/type/issuetype/avatar/{id}")),
        "name": name,
        "subtask": level < 0,
        "hierarchyLevel": level,
    })
}

fn project(ctx: &SiteContext<'_>, issue: &JiraIssue) -> Value {
    let key = issue.project_key();
    let id = (10_000 + stable_number(key) % 10_000).to_string();
    let name = if issue.project_name.is_empty() {
        key
    } else {
        issue.project_name.as_str()
    };
    let avatar = ctx.icon(&format!(
        "rest/api/3/universal_avatar/view/type/project/avatar/{id}"
    ));
    json!({
        "self": ctx.rest(&format!("project/{id}")),
        "id": id,
        "key": key,
        "name": name,
        "projectTypeKey": "software",
        "simplified": true,
        "avatarUrls": { "48x48": avatar, "24x24": avatar, "16x16": avatar, "32x32": avatar },
    })
}

fn resolution(ctx: &SiteContext<'_>, issue: &JiraIssue) -> Value {
    if !issue.is_resolved() {
        return Value::Null;
    }
    json!({
        "self": ctx.rest("resolution/10000"),
        "id": "10000",
        "description": "Work has been completed on this issue.",
        "name": "Done",
    })
}

/// Plain text as an Atlassian Document Format document: one paragraph per line.
fn document(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| json!({ "type": "paragraph", "content": [{ "type": "text", "text": line }] }))
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

/// A small number that is the same for the same name on every run, for ids the seed does not give.
fn stable_number(name: &str) -> u32 {
    name.bytes().fold(17u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    })
}

fn url_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
