//! `POST /v1/users` on a development instance: a user made from a seeded emulator account
//! through the real flow, with working tokens and no session left behind; refused elsewhere.

use atlassian_emulator::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vestibule_core::api::{OAuthAccessToken, User};

use crate::common::{TestServer, atlassian, consent_as};

async fn create_user(server: &TestServer, key: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = server.http.post(server.url("/v1/users")).json(&body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_seeded_account_becomes_a_user_with_working_tokens_once() {
    let server = TestServer::development().await;
    // The scopes a "my Jira issues" app asks for.
    let connection = server.connection_id().await;
    let patched = server
        .admin_patch(
            &format!("/v1/admin/connections/{connection}"),
            json!({"scopes": ["read:me", "read:jira-user", "read:jira-work"]}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);

    let made = create_user(
        &server,
        Some(&server.secret_key),
        json!({"emulator_account": demo::EMAIL_DEFAULT}),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let user: User = made.json().await.unwrap();
    assert_eq!(user.email.as_deref(), Some(demo::EMAIL_DEFAULT));
    assert_eq!(user.external_accounts.len(), 1);
    assert_eq!(
        user.external_accounts[0].provider_account_id,
        demo::ACCOUNT_DEFAULT
    );
    // A user, an account with tokens, and no session: no browser holds one.
    assert_eq!(server.counts().await, (1, 1, 0));
    assert_eq!(server.count("oauth_flows").await, 0, "the flow was taken");

    // Its access token works against the emulator's Jira, as after a real sign-in.
    let token: OAuthAccessToken = server
        .admin_get(&format!(
            "/v1/users/{}/oauth_access_tokens/atlassian",
            user.id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token.site_id.as_deref(), Some(demo::SITE_DEFAULT));
    let myself: Value = server
        .http
        .get(format!(
            "{}/ex/jira/{}/rest/api/3/myself",
            token.api_url,
            demo::SITE_DEFAULT
        ))
        .bearer_auth(&token.token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(myself["accountId"], demo::ACCOUNT_DEFAULT);

    // The same account again, by its id this time: the same user, 200, nothing new.
    let again = create_user(
        &server,
        Some(&server.secret_key),
        json!({"emulator_account": demo::ACCOUNT_DEFAULT}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: User = again.json().await.unwrap();
    assert_eq!(again.id, user.id);
    assert_eq!(server.counts().await, (1, 1, 0));

    // Banned, the user is not handed out again.
    let banned = server
        .admin_post(&format!("/v1/users/{}/ban", user.id), json!({}))
        .await;
    assert_eq!(banned.status(), StatusCode::OK);
    let refused = create_user(
        &server,
        Some(&server.secret_key),
        json!({"emulator_account": demo::ACCOUNT_DEFAULT}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["code"], "user_banned");
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_or_malformed_account_is_refused_and_nothing_is_made() {
    let server = TestServer::development().await;
    let key = Some(server.secret_key.as_str());

    let unknown = create_user(
        &server,
        key,
        json!({"emulator_account": "nobody@example.com"}),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["code"], "invalid_field");
    assert_eq!(body["field"], "emulator_account");

    // A fixed auto consent answers for any hint; still only the account asked for counts.
    consent_as(&server.control(), demo::ACCOUNT_THREE_SITES);
    let other = create_user(
        &server,
        key,
        json!({"emulator_account": "nobody@example.com"}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A seeded account that cannot sign in is refused as its sign-in would be.
    let no_site = create_user(
        &server,
        key,
        json!({"emulator_account": demo::EMAIL_NO_SITE}),
    )
    .await;
    assert_eq!(no_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        no_site.json::<Value>().await.unwrap()["code"],
        "no_atlassian_site"
    );

    let blank = create_user(&server, key, json!({"emulator_account": "a b"})).await;
    assert_eq!(blank.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        blank.json::<Value>().await.unwrap()["code"],
        "invalid_field"
    );
    let missing = create_user(&server, key, json!({})).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["code"],
        "invalid_body"
    );

    assert_eq!(server.counts().await, (0, 0, 0));
    assert_eq!(server.count("oauth_flows").await, 0, "no flow left pending");
    server.shutdown().await;
}

#[tokio::test]
async fn without_the_secret_key_no_user_is_made() {
    let server = TestServer::development().await;
    let body = json!({"emulator_account": demo::EMAIL_DEFAULT});

    let anonymous = create_user(&server, None, body.clone()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = create_user(&server, Some("sk_test_wrong"), body).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "invalid_secret_key"
    );
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_production_instance_answers_not_found() {
    let atlassian = atlassian().await;
    let control = atlassian.control();
    // Even a provider that would consent by hint is never asked.
    control.set_auto_consent_by_login_hint(true);
    let server = TestServer::production(&atlassian).await;
    server.register_production_app(&control).await;

    let refused = create_user(
        &server,
        Some(&server.secret_key),
        json!({"emulator_account": demo::EMAIL_DEFAULT}),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "not_found");
    assert_eq!(server.counts().await, (0, 0, 0));
    server.shutdown().await;
    atlassian.shutdown().await;
}
