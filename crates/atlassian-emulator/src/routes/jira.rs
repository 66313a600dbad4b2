//! The Jira site API behind the gateway, as a 3LO app calls it: `GET /api/ex/jira/{cloudid}/rest/api/3/myself`
//! (`read:jira-user`) and `GET /api/ex/jira/{cloudid}/rest/api/3/search/jql` (`read:jira-work`).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{bearer_error, bearer_token};
use crate::control::Shared;
use crate::jira::jql::{self, JqlError};
use crate::jira::paging::{self, FieldSelection};
use crate::jira::render::{self, SiteContext};
use crate::store::{READ_JIRA_USER, READ_JIRA_WORK};

/// Jira's error shape for a refused request: `{"errorMessages": [...], "errors": {}}`.
fn jira_error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({ "errorMessages": [message.into()], "errors": {} })),
    )
        .into_response()
}

fn gateway(shared: &Shared, cloud_id: &str) -> String {
    format!(
        "{}/api/ex/jira/{}",
        shared.base_url,
        url::form_urlencoded::byte_serialize(cloud_id.as_bytes()).collect::<String>()
    )
}

pub(super) async fn myself(
    State(shared): State<Arc<Shared>>,
    Path(cloud_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = shared.now();
    let store = shared.store();
    let auth =
        match store.authenticate_for_site(bearer_token(&headers), &cloud_id, READ_JIRA_USER, now) {
            Ok(auth) => auth,
            Err(error) => return bearer_error(error),
        };
    let ctx = SiteContext {
        gateway: gateway(&shared, &cloud_id),
        site: &auth.site,
    };
    let avatar = shared.asset_url(&auth.account.picture, &auth.account.account_id);
    axum::Json(render::myself(&ctx, &auth.account, &avatar)).into_response()
}

/// The query of a search, as sent: `fields` may repeat.
#[derive(Debug, Default)]
struct SearchQuery {
    jql: String,
    fields: Vec<String>,
    max_results: Option<String>,
    next_page_token: Option<String>,
}

impl SearchQuery {
    fn parse(raw: Option<&str>) -> Self {
        let mut query = Self::default();
        for (name, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "jql" => query.jql = value.into_owned(),
                "fields" => query.fields.push(value.into_owned()),
                "maxResults" => query.max_results = Some(value.into_owned()),
                "nextPageToken" => query.next_page_token = Some(value.into_owned()),
                _ => {}
            }
        }
        query
    }
}

pub(super) async fn search(
    State(shared): State<Arc<Shared>>,
    Path(cloud_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let now = shared.now();
    let store = shared.store();
    let auth =
        match store.authenticate_for_site(bearer_token(&headers), &cloud_id, READ_JIRA_WORK, now) {
            Ok(auth) => auth,
            Err(error) => return bearer_error(error),
        };
    let request = SearchQuery::parse(raw.as_deref());
    let query = match jql::parse(&request.jql) {
        Ok(query) => query,
        Err(JqlError(message)) => return jira_error(StatusCode::BAD_REQUEST, message),
    };
    let max_results = match paging::max_results(request.max_results.as_deref()) {
        Ok(max) => max,
        Err(message) => return jira_error(StatusCode::BAD_REQUEST, message),
    };
    let offset = match request.next_page_token.as_deref().filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match paging::offset_of(token, &request.jql) {
            Some(offset) => offset,
            None => {
                return jira_error(
                    StatusCode::BAD_REQUEST,
                    "The provided next page token is invalid or expired.",
                );
            }
        },
    };
    let selection = FieldSelection::parse(request.fields.iter().map(String::as_str));

    let account_id = auth.account.account_id.as_str();
    let mut found: Vec<_> = store
        .issues(&cloud_id)
        .iter()
        .filter(|issue| query.matches(issue, account_id))
        .collect();
    found.sort_by(|a, b| query.compare(a, b));

    let ctx = SiteContext {
        gateway: gateway(&shared, &cloud_id),
        site: &auth.site,
    };
    let user = |id: &str| match store.account(id) {
        Some(account) => render::user(
            &ctx,
            account,
            &shared.asset_url(&account.picture, &account.account_id),
        ),
        None => Value::Null,
    };
    let issues: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(max_results)
        .map(|issue| render::issue(&ctx, issue, &selection, &user))
        .collect();
    let end = offset.saturating_add(issues.len());
    let is_last = end >= found.len();
    let mut body = json!({ "issues": issues, "isLast": is_last });
    if !is_last {
        body["nextPageToken"] = paging::next_page_token(&request.jql, end).into();
    }
    tracing::info!(%cloud_id, found = found.len(), offset, "Jira search answered");
    axum::Json(body).into_response()
}
