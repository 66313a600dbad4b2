//! The API host over real HTTP: `/api/me` and `/api/oauth/token/accessible-resources`.

mod support;

use std::time::Duration;

use atlassian_emulator::{OAuthApp, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Harness, REDIRECT_URI, access_token};

#[tokio::test]
async fn me_reports_the_profile_of_the_consenting_account() {
    let h = Harness::demo().await;
    let tokens = h
        .sign_in(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    let response = h.me(access_token(&tokens)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["account_type"], "atlassian");
    assert_eq!(me["account_id"], demo::ACCOUNT_DEFAULT);
    assert_eq!(me["email"], demo::EMAIL_DEFAULT);
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["name"], "Mara Jensen");
    assert_eq!(me["nickname"], "Mara");
    assert_eq!(me["account_status"], "active");
    assert_eq!(me["zoneinfo"], "Europe/Copenhagen");
    assert_eq!(me["locale"], "en-GB");
    assert_eq!(
        me["extended_profile"],
        json!({ "job_title": "Engineering Manager", "organization": "Northwind Traders",
                "department": "Platform", "location": "Copenhagen" })
    );
    // The picture is a URL that serves an image.
    let picture = me["picture"].as_str().unwrap();
    let avatar = h.get(picture).await;
    assert_eq!(avatar.status(), StatusCode::OK);
    assert_eq!(avatar.headers()["content-type"], "image/svg+xml");
    assert!(avatar.text().await.unwrap().contains(">MJ</text>"));
}

#[tokio::test]
async fn me_reports_unverified_and_closed_accounts_as_they_are() {
    let h = Harness::demo().await;
    let lena = h
        .sign_in(
            demo::ACCOUNT_UNVERIFIED,
            Some(demo::SITE_UNVERIFIED),
            "read:me",
        )
        .await;
    let me: Value = h.me(access_token(&lena)).await.json().await.unwrap();
    assert_eq!(me["email_verified"], false);
    assert_eq!(me["account_status"], "active");

    let kofi = h
        .sign_in(demo::ACCOUNT_CLOSED, Some(demo::SITE_CLOSED), "read:me")
        .await;
    let me: Value = h.me(access_token(&kofi)).await.json().await.unwrap();
    assert_eq!(me["account_status"], "closed");
    assert_eq!(me["email"], demo::EMAIL_CLOSED);
}

#[tokio::test]
async fn me_requires_a_valid_bearer_token() {
    let h = Harness::demo().await;
    let unauthorized = json!({ "code": 401, "message": "Unauthorized" });

    let none = h.get(&format!("{}/me", h.emulator.api_base_url())).await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    assert_eq!(none.json::<Value>().await.unwrap(), unauthorized);

    let garbage = h.me("not-a-token").await;
    assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);

    let tokens = h
        .sign_in(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT), "read:me")
        .await;
    let basic = h
        .http
        .get(format!("{}/me", h.emulator.api_base_url()))
        .header("authorization", format!("Basic {}", access_token(&tokens)))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    h.control.advance_clock(Duration::from_secs(3590));
    assert_eq!(h.me(access_token(&tokens)).await.status(), StatusCode::OK);
    h.control.advance_clock(Duration::from_secs(10));
    let expired = h.me(access_token(&tokens)).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(expired.json::<Value>().await.unwrap(), unauthorized);
    assert_eq!(
        h.resources(access_token(&tokens)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn me_is_forbidden_without_the_read_me_scope() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new(
            "jira-app",
            "jira-secret",
            "Jira Reporter",
            demo::ACCOUNT_DEFAULT,
        )
        .with_redirect_uri(REDIRECT_URI)
        .with_scopes(["read:jira-work", "read:me"]),
    );
    let url = h.authorize_url("read:jira-work", &[("client_id", "jira-app")]);
    let code = h
        .code_via(&url, demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT))
        .await;
    let tokens: Value = h
        .token_json(json!({ "grant_type": "authorization_code", "client_id": "jira-app",
                            "client_secret": "jira-secret", "code": code, "redirect_uri": REDIRECT_URI }))
        .await
        .json()
        .await
        .unwrap();
    let me = h.me(access_token(&tokens)).await;
    assert_eq!(me.status(), StatusCode::FORBIDDEN);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["code"], 403);
    assert!(body["message"].as_str().unwrap().contains("scope"));
    // The same token still lists its site, with the scope it was granted.
    let resources: Value = h
        .resources(access_token(&tokens))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resources[0]["scopes"], json!(["read:jira-work"]));
}

#[tokio::test]
async fn accessible_resources_lists_the_one_authorized_site() {
    let h = Harness::demo().await;
    let tokens = h
        .sign_in(
            demo::ACCOUNT_THREE_SITES,
            Some(demo::SITE_GLOBEX),
            "read:me offline_access",
        )
        .await;
    let response = h.resources(access_token(&tokens)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let resources: Value = response.json().await.unwrap();
    let resources = resources.as_array().unwrap();
    assert_eq!(resources.len(), 1, "exactly one of the three sites");
    let site = &resources[0];
    assert_eq!(site["id"], demo::SITE_GLOBEX);
    assert_eq!(site["name"], "globex");
    assert_eq!(site["url"], "https://globex.atlassian.net");
    assert_eq!(site["scopes"], json!(["read:me"]));
    let avatar = site["avatarUrl"].as_str().unwrap();
    assert_eq!(h.get(avatar).await.status(), StatusCode::OK);
    let keys: Vec<&str> = site
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5, "id, url, name, scopes, avatarUrl: {keys:?}");
}

#[tokio::test]
async fn accessible_resources_is_empty_for_an_account_without_a_site() {
    let h = Harness::demo().await;
    let tokens = h.sign_in(demo::ACCOUNT_NO_SITE, None, "read:me").await;
    let response = h.resources(access_token(&tokens)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
    // The account is still a working sign-in.
    let me: Value = h.me(access_token(&tokens)).await.json().await.unwrap();
    assert_eq!(me["account_id"], demo::ACCOUNT_NO_SITE);
}

#[tokio::test]
async fn accessible_resources_requires_a_valid_token() {
    let h = Harness::demo().await;
    let none = h
        .get(&format!(
            "{}/oauth/token/accessible-resources",
            h.emulator.api_base_url()
        ))
        .await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        h.resources("forged").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
