//! The admin API: connections and the dashboard's secret-key sign-in.

use reqwest::StatusCode;
use serde_json::{Value, json};
use vestibule_core::api::{Connection, ConnectionList, InstanceEnvironment};

use crate::common::{Browser, TestServer};

#[tokio::test]
async fn a_fresh_development_instance_has_an_enabled_atlassian_connection() {
    let server = TestServer::development().await;
    let list: ConnectionList = server
        .admin_get("/v1/admin/connections")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.environment, InstanceEnvironment::Development);
    assert_eq!(list.callback_url, server.url("/v1/oauth_callback"));
    assert_eq!(list.connections.len(), 1);
    let c = &list.connections[0];
    assert!(c.enabled_for_sign_in);
    assert!(!c.use_custom_credentials);
    assert_eq!(c.scopes, vec!["read:me"]);
    assert_eq!(c.callback_url, server.url("/v1/oauth_callback"));
    assert!(!c.client_secret_set);
    server.shutdown().await;
}

#[tokio::test]
async fn the_admin_api_needs_the_secret_key() {
    let server = TestServer::development().await;
    let none = server
        .http
        .get(server.url("/v1/admin/connections"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["code"], "invalid_secret_key");
    let wrong = server
        .http
        .get(server.url("/v1/admin/connections"))
        .bearer_auth("sk_test_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // The backend API too; and it never takes a session cookie instead.
    let user = server
        .http
        .get(server.url("/v1/users/user_x"))
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}

#[tokio::test]
async fn connections_are_validated_field_by_field() {
    let server = TestServer::development().await;
    let id = server.connection_id().await;
    let path = format!("/v1/admin/connections/{id}");

    // One connection per provider.
    let dup = server
        .admin_post("/v1/admin/connections", json!({"provider": "atlassian"}))
        .await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    assert_eq!(
        dup.json::<Value>().await.unwrap()["code"],
        "connection_exists"
    );

    let unknown = server
        .admin_post("/v1/admin/connections", json!({"provider": "github"}))
        .await;
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["code"],
        "unknown_provider"
    );

    let cases = [
        (
            json!({"scopes": ["read:jira-work"]}),
            "invalid_field",
            "scopes",
        ),
        (
            json!({"scopes": ["read:me", "bad\"scope"]}),
            "invalid_field",
            "scopes",
        ),
        (json!({"client_id": "   "}), "invalid_field", "client_id"),
        (
            json!({"client_secret": "has space"}),
            "invalid_field",
            "client_secret",
        ),
        (
            json!({"use_custom_credentials": true}),
            "invalid_field",
            "client_id",
        ),
        (
            json!({"use_custom_credentials": true, "client_id": "abc"}),
            "invalid_field",
            "client_secret",
        ),
    ];
    for (patch, code, field) in cases {
        let r = server.admin_patch(&path, patch.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{patch}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{patch}");
        assert_eq!(body["field"], field, "{patch}");
    }

    // Scopes are split, de-duplicated, and keep read:me; offline_access is the server's own.
    let ok: Connection = server
        .admin_patch(
            &path,
            json!({"scopes": ["read:me read:jira-work,read:me offline_access"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok.scopes, vec!["read:me", "read:jira-work"]);

    // specific_domains is refused, by field.
    let deleted = server
        .http
        .delete(server.url(&path))
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let r = server
        .admin_post(
            "/v1/admin/connections",
            json!({"provider": "atlassian", "audience": "specific_domains"}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "audience");
    assert_eq!(
        server.admin_get(&path).await.status(),
        StatusCode::NOT_FOUND
    );
    server.shutdown().await;
}

#[tokio::test]
async fn client_secrets_are_write_only() {
    let server = TestServer::development().await;
    let id = server.connection_id().await;
    let path = format!("/v1/admin/connections/{id}");
    let secret = "ATOAxyzSecretValue1234";
    let r = server
        .admin_patch(
            &path,
            json!({"use_custom_credentials": true, "client_id": "my-client", "client_secret": secret}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let raw = r.text().await.unwrap();
    assert!(!raw.contains(secret), "{raw}");
    let c: Connection = serde_json::from_str(&raw).unwrap();
    assert!(c.client_secret_set);
    assert_eq!(c.client_secret_last4.as_deref(), Some("1234"));
    assert_eq!(c.client_id.as_deref(), Some("my-client"));
    let listed = server
        .admin_get("/v1/admin/connections")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(secret));
    // Updating other fields keeps the secret.
    let c: Connection = server
        .admin_patch(&path, json!({"enabled_for_sign_in": false}))
        .await
        .json()
        .await
        .unwrap();
    assert!(c.client_secret_set);
    server.shutdown().await;
}

#[tokio::test]
async fn the_dashboard_signs_in_with_the_secret_key_into_a_strict_cookie() {
    let server = TestServer::development().await;
    let dashboard = Browser::new();
    let origin = server.url("");

    let status = dashboard.get(&server.url("/v1/admin/session")).await;
    assert_eq!(status.status(), StatusCode::UNAUTHORIZED);

    let wrong = dashboard
        .http
        .post(server.url("/v1/admin/session"))
        .header("origin", &origin)
        .json(&json!({"secret_key": "sk_test_nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // A form post (not JSON) is refused even from the same origin.
    let form = dashboard
        .http
        .post(server.url("/v1/admin/session"))
        .header("origin", &origin)
        .form(&[("secret_key", server.secret_key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        form.json::<Value>().await.unwrap()["code"],
        "cross_site_request"
    );

    let ok = dashboard
        .http
        .post(server.url("/v1/admin/session"))
        .header("origin", &origin)
        .json(&json!({"secret_key": server.secret_key}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let set_cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("vst_admin_"));
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    // Only a hash is stored.
    let token = set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM admin_sessions")
        .fetch_one(crate::common::sqlite(&server.server.state.db))
        .await
        .unwrap();
    assert_ne!(stored, token);
    // Keyed by the secret key and the environment, so that rotating either ends the session.
    let binding = vestibule_server::store::admin_sessions::Binding {
        secret_key: &server.secret_key,
        environment: "development",
    };
    assert_eq!(stored, binding.token_hash(&token));

    assert_eq!(
        dashboard
            .get(&server.url("/v1/admin/session"))
            .await
            .status(),
        StatusCode::OK
    );
    let list = dashboard.get(&server.url("/v1/admin/connections")).await;
    assert_eq!(list.status(), StatusCode::OK);
    let id = server.connection_id().await;

    // The cookie works for writes only from the instance's own pages.
    let cross = dashboard
        .http
        .patch(server.url(&format!("/v1/admin/connections/{id}")))
        .header("origin", "https://evil.test")
        .json(&json!({"enabled_for_sign_in": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let same = dashboard
        .http
        .patch(server.url(&format!("/v1/admin/connections/{id}")))
        .header("origin", &origin)
        .json(&json!({"enabled_for_sign_in": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);

    let out = dashboard
        .send(&server, reqwest::Method::DELETE, "/v1/admin/session")
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        dashboard
            .get(&server.url("/v1/admin/session"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The old cookie, replayed, is dead.
    let replay = server
        .http
        .get(server.url("/v1/admin/connections"))
        .header("cookie", set_cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}
