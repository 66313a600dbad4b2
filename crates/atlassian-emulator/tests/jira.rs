//! The Jira site API behind the gateway over real HTTP: `myself`, the enhanced JQL search and its paging,
//! the bearer rules (site and scope), Jira's error shapes, and seeding issues through the admin API.

mod support;

use atlassian_emulator::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, access_token};

const JIRA_SCOPES: &str = "read:me read:jira-user read:jira-work";

fn site_path(site: &str, rest: &str) -> String {
    format!("/ex/jira/{site}/rest/api/3/{rest}")
}

/// `GET …/search/jql` with `params` encoded as a browser would.
async fn search(
    h: &Harness,
    site: &str,
    token: &str,
    params: &[(&str, &str)],
) -> reqwest::Response {
    let mut url = reqwest::Url::parse(&format!(
        "{}{}",
        h.emulator.api_base_url(),
        site_path(site, "search/jql")
    ))
    .unwrap();
    url.query_pairs_mut().extend_pairs(params);
    h.http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("search sent")
}

async fn mara(h: &Harness, scope: &str) -> String {
    let tokens = h
        .sign_in(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), scope)
        .await;
    access_token(&tokens).to_owned()
}

fn keys(body: &Value) -> Vec<&str> {
    body["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key"))
        .collect()
}

async fn assert_jira_error(response: reqwest::Response, mentions: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"], json!({}));
    let message = body["errorMessages"][0].as_str().expect("one message");
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
}

#[tokio::test]
async fn myself_answers_the_signed_in_account_in_jiras_shape() {
    let h = Harness::demo().await;
    let token = mara(&h, JIRA_SCOPES).await;
    let response = h
        .api(&site_path(demo::SITE_DEFAULT, "myself"), &token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["accountId"], demo::ACCOUNT_DEFAULT);
    assert_eq!(me["accountType"], "atlassian");
    assert_eq!(me["emailAddress"], demo::EMAIL_DEFAULT);
    assert_eq!(me["displayName"], "Mara Jensen");
    assert_eq!(me["active"], true);
    assert_eq!(me["timeZone"], "Europe/Copenhagen");
    assert_eq!(me["locale"], "en_GB");
    let gateway = format!(
        "{}/ex/jira/{}/rest/api/3/",
        h.emulator.api_base_url(),
        demo::SITE_DEFAULT
    );
    assert!(
        me["self"].as_str().unwrap().starts_with(&gateway),
        "{}",
        me["self"]
    );
    for size in ["16x16", "24x24", "32x32", "48x48"] {
        assert!(me["avatarUrls"][size].as_str().unwrap().starts_with("http"));
    }
}

#[tokio::test]
async fn the_search_answers_the_callers_open_issues_newest_update_first() {
    let h = Harness::demo().await;
    let token = mara(&h, JIRA_SCOPES).await;
    let response = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[
            (
                "jql",
                "assignee = currentUser() AND resolution = Unresolved ORDER BY updated DESC",
            ),
            ("fields", "summary,status,assignee,updated"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(keys(&body), ["NW-1", "NW-2"]);
    assert_eq!(body["isLast"], true);
    assert!(body.get("nextPageToken").is_none());
    let first = &body["issues"][0];
    assert!(first["id"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(
        first["self"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/issue/{}", first["id"].as_str().unwrap()))
    );
    let fields = &first["fields"];
    assert_eq!(fields["assignee"]["accountId"], demo::ACCOUNT_DEFAULT);
    assert_eq!(fields["assignee"]["displayName"], "Mara Jensen");
    assert_eq!(fields["status"]["name"], "In Progress");
    assert_eq!(fields["status"]["statusCategory"]["key"], "indeterminate");
    assert!(fields["summary"].as_str().unwrap().len() > 5);
    // Jira's timestamp format, and only the fields asked for.
    let updated = fields["updated"].as_str().unwrap();
    assert_eq!(
        updated.len(),
        "2026-01-15T10:22:31.000+0000".len(),
        "{updated}"
    );
    assert!(updated.ends_with("+0000"));
    assert!(fields.get("reporter").is_none() && fields.get("priority").is_none());

    // Another account's token on its own site sees only its own issues.
    let priya = h
        .sign_in(
            demo::ACCOUNT_THREE_SITES,
            Some(demo::SITE_ACME),
            JIRA_SCOPES,
        )
        .await;
    let body: Value = search(
        &h,
        demo::SITE_ACME,
        access_token(&priya),
        &[("jql", "assignee = currentUser()"), ("fields", "assignee")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(!keys(&body).is_empty());
    for issue in body["issues"].as_array().unwrap() {
        assert_eq!(
            issue["fields"]["assignee"]["accountId"],
            demo::ACCOUNT_THREE_SITES
        );
        assert!(issue["key"].as_str().unwrap().starts_with("ACME-"));
    }
}

#[tokio::test]
async fn without_fields_the_search_returns_ids_only() {
    let h = Harness::demo().await;
    let token = mara(&h, JIRA_SCOPES).await;
    let body: Value = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", "assignee = currentUser()")],
    )
    .await
    .json()
    .await
    .unwrap();
    let issues = body["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 3);
    for issue in issues {
        let object = issue.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["id"]);
    }
}

#[tokio::test]
async fn the_search_pages_with_next_page_token() {
    let h = Harness::demo().await;
    let token = mara(&h, JIRA_SCOPES).await;
    let jql = "project = NW ORDER BY key ASC";
    let first: Value = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", jql), ("fields", "key"), ("maxResults", "2")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(keys(&first), ["NW-1", "NW-2"]);
    assert_eq!(first["isLast"], false);
    let next = first["nextPageToken"]
        .as_str()
        .expect("a token for the next page");
    let second: Value = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[
            ("jql", jql),
            ("fields", "key"),
            ("maxResults", "2"),
            ("nextPageToken", next),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(keys(&second), ["NW-3", "NW-4"]);
    let last_token = second["nextPageToken"].as_str().unwrap().to_owned();
    let last: Value = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[
            ("jql", jql),
            ("fields", "key"),
            ("nextPageToken", &last_token),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(keys(&last), ["NW-5"]);
    assert_eq!(last["isLast"], true);
    assert!(last.get("nextPageToken").is_none());

    // A token belongs to its query.
    let other = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", "project = NW"), ("nextPageToken", next)],
    )
    .await;
    assert_jira_error(other, "next page token").await;
}

#[tokio::test]
async fn jql_outside_the_subset_is_refused_in_jiras_error_shape() {
    let h = Harness::demo().await;
    let token = mara(&h, JIRA_SCOPES).await;
    let or = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", "assignee = currentUser() OR project = NW")],
    )
    .await;
    assert_jira_error(or, "OR").await;
    let unbounded = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", "ORDER BY created DESC")],
    )
    .await;
    assert_jira_error(unbounded, "Unbounded JQL").await;
    let missing = search(&h, demo::SITE_DEFAULT, &token, &[]).await;
    assert_jira_error(missing, "Unbounded JQL").await;
    let unknown = search(&h, demo::SITE_DEFAULT, &token, &[("jql", "colour = red")]).await;
    assert_jira_error(unknown, "Field 'colour' does not exist").await;
    let bad_max = search(
        &h,
        demo::SITE_DEFAULT,
        &token,
        &[("jql", "project = NW"), ("maxResults", "ten")],
    )
    .await;
    assert_jira_error(bad_max, "maxResults").await;
}

async fn assert_status(response: reqwest::Response, status: StatusCode, message: &str) {
    assert_eq!(response.status(), status);
    if status == StatusCode::UNAUTHORIZED {
        assert_eq!(
            response.headers()[reqwest::header::WWW_AUTHENTICATE],
            "Bearer"
        );
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], status.as_u16());
    assert!(
        body["message"].as_str().unwrap().starts_with(message),
        "{body}"
    );
}

#[tokio::test]
async fn the_site_api_needs_a_live_bearer_token() {
    let h = Harness::demo().await;
    let myself = format!(
        "{}{}",
        h.emulator.api_base_url(),
        site_path(demo::SITE_DEFAULT, "myself")
    );
    assert_status(
        h.get(&myself).await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    )
    .await;
    assert_status(
        h.api(&site_path(demo::SITE_DEFAULT, "myself"), "made-up")
            .await,
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
    )
    .await;
    let made_up = search(
        &h,
        demo::SITE_DEFAULT,
        "made-up",
        &[("jql", "project = NW")],
    )
    .await;
    assert_status(made_up, StatusCode::UNAUTHORIZED, "Unauthorized").await;

    let token = mara(&h, JIRA_SCOPES).await;
    h.control
        .advance_clock(std::time::Duration::from_secs(3601));
    let expired = search(&h, demo::SITE_DEFAULT, &token, &[("jql", "project = NW")]).await;
    assert_status(expired, StatusCode::UNAUTHORIZED, "Unauthorized").await;
}

#[tokio::test]
async fn the_token_must_grant_the_site_and_the_endpoints_scope() {
    let h = Harness::demo().await;
    // Only read:me: neither Jira endpoint.
    let profile_only = mara(&h, "read:me").await;
    assert_status(
        h.api(&site_path(demo::SITE_DEFAULT, "myself"), &profile_only)
            .await,
        StatusCode::FORBIDDEN,
        "Forbidden; scope does not match",
    )
    .await;
    let search_refused = search(
        &h,
        demo::SITE_DEFAULT,
        &profile_only,
        &[("jql", "project = NW")],
    )
    .await;
    assert_status(
        search_refused,
        StatusCode::FORBIDDEN,
        "Forbidden; scope does not match",
    )
    .await;

    // read:jira-user opens myself but not the search.
    let user_only = mara(&h, "read:jira-user").await;
    assert_eq!(
        h.api(&site_path(demo::SITE_DEFAULT, "myself"), &user_only)
            .await
            .status(),
        StatusCode::OK
    );
    let refused = search(
        &h,
        demo::SITE_DEFAULT,
        &user_only,
        &[("jql", "project = NW")],
    )
    .await;
    assert_status(
        refused,
        StatusCode::FORBIDDEN,
        "Forbidden; scope does not match",
    )
    .await;

    // A grant for Mara's site does not open another site, known or not.
    let token = mara(&h, JIRA_SCOPES).await;
    for site in [demo::SITE_ACME, "no-such-site"] {
        let other = search(&h, site, &token, &[("jql", "project = NW")]).await;
        assert_status(
            other,
            StatusCode::FORBIDDEN,
            "Forbidden; the token does not grant access to this site",
        )
        .await;
        let me = h.api(&site_path(site, "myself"), &token).await;
        assert_status(
            me,
            StatusCode::FORBIDDEN,
            "Forbidden; the token does not grant access to this site",
        )
        .await;
    }
}

#[tokio::test]
async fn the_admin_api_seeds_and_replaces_issues() {
    let h = Harness::demo().await;
    let admin = h.url(&format!("/__admin/sites/{}/issues", demo::SITE_DEFAULT));
    let created = h
        .http
        .post(&admin)
        .json(&json!({
            "key": "NW-42",
            "summary": "Seeded by a test",
            "status": "In Progress",
            "status_category": "in_progress",
            "assignee": demo::ACCOUNT_DEFAULT,
            "created": "2026-01-02T03:04:05Z",
            "updated": "2026-01-03T03:04:05Z",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["key"], "NW-42");
    let id = created["id"].as_str().unwrap().to_owned();

    let token = mara(&h, JIRA_SCOPES).await;
    let find = |jql: &'static str| {
        let token = token.clone();
        let h = &h;
        async move {
            search(
                h,
                demo::SITE_DEFAULT,
                &token,
                &[("jql", jql), ("fields", "summary,created")],
            )
            .await
            .json::<Value>()
            .await
            .unwrap()
        }
    };
    let body = find("key = NW-42").await;
    assert_eq!(keys(&body), ["NW-42"]);
    assert_eq!(body["issues"][0]["id"], id.as_str());
    assert_eq!(
        body["issues"][0]["fields"]["created"],
        "2026-01-02T03:04:05.000+0000"
    );

    // The same key again replaces the issue and keeps its id.
    let replaced = h
        .http
        .post(&admin)
        .json(&json!({ "key": "NW-42", "summary": "Renamed", "status": "Closed", "created": "2026-01-02T03:04:05Z", "updated": "2026-01-04T00:00:00Z" }))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::CREATED);
    // Without a status_category, "Closed" counts as done.
    let body = find("key = NW-42 AND resolution = Done").await;
    assert_eq!(body["issues"][0]["fields"]["summary"], "Renamed");
    assert_eq!(body["issues"][0]["id"], id.as_str());

    let listed: Value = h
        .http
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "NW-42")
    );

    // Refusals: unknown site, unknown person, bad key, bad body.
    let issue = json!({ "key": "X-1", "summary": "s", "created": "2026-01-02T03:04:05Z", "updated": "2026-01-02T03:04:05Z" });
    let unknown_site = h
        .http
        .post(h.url("/__admin/sites/nope/issues"))
        .json(&issue)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_site.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown_site.json::<Value>().await.unwrap()["error"],
        "unknown_site"
    );
    let mut stranger = issue.clone();
    stranger["assignee"] = json!("557058:nobody");
    let refused = h.http.post(&admin).json(&stranger).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "unknown_account"
    );
    let mut bad_key = issue.clone();
    bad_key["key"] = json!("no-number");
    let refused = h.http.post(&admin).json(&bad_key).send().await.unwrap();
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "invalid_issue_key"
    );
    let refused = h
        .http
        .post(&admin)
        .json(&json!({ "key": "NW-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"],
        "invalid_body"
    );
}
