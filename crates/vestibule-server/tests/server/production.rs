//! Production instances: refusals without secrets or custom credentials, sign-in with the
//! app's own credentials, and a development and a production process side by side.

use atlassian_emulator::{Endpoint, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use vestibule_core::api::ClientState;
use vestibule_server::ServeArgs;
use vestibule_server::config::EnvironmentArg;

use crate::common::{Browser, PROD_CLIENT_ID, TestServer, atlassian, consent_as};

#[tokio::test]
async fn production_refuses_to_start_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = ServeArgs::defaults();
    args.environment = EnvironmentArg::Production;
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = dir.path().join("data");
    let error = vestibule_server::server::start(args.clone())
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("--master-key"), "{error}");

    args.master_key = Some(vestibule_server::crypto::MasterKey::generate_encoded());
    let error = vestibule_server::server::start(args.clone())
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("--secret-key"), "{error}");

    args.secret_key = Some("sk_live_0123456789abcdef0123456789abcdef".into());
    args.public_url = Some("http://auth.example.test".parse().unwrap());
    let error = vestibule_server::server::start(args.clone())
        .await
        .err()
        .unwrap();
    assert!(error.to_string().contains("https"), "{error}");
    // Nothing was written for a refused start: no generated keys, no database.
    assert!(!dir.path().join("data").exists());
}

#[tokio::test]
async fn production_refuses_to_enable_a_connection_without_custom_credentials() {
    let atlassian = atlassian().await;
    let server = TestServer::production(&atlassian).await;
    assert!(
        server.server.emulator.is_none(),
        "production never starts the emulator"
    );

    // A fresh production instance has no connection, and nothing to sign in with.
    let env: Value = server
        .http
        .get(server.url("/v1/environment"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(env["environment"], "production");
    assert_eq!(env["connections"], json!([]));

    let refused = server
        .admin_post("/v1/admin/connections", json!({"provider": "atlassian"}))
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "custom_credentials_required");
    assert_eq!(body["field"], "use_custom_credentials");

    // Created disabled, it still cannot be enabled on shared credentials.
    let created = server
        .admin_post(
            "/v1/admin/connections",
            json!({"provider": "atlassian", "enabled_for_sign_in": false}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = server.connection_id().await;
    let refused = server
        .admin_patch(
            &format!("/v1/admin/connections/{id}"),
            json!({"enabled_for_sign_in": true}),
        )
        .await;
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "custom_credentials_required"
    );

    // Starting a sign-in anyway lands on the sign-in page.
    let r = Browser::new()
        .get(&server.url("/v1/oauth/atlassian/start?intent=sign_in"))
        .await;
    assert_eq!(
        crate::common::location(&r),
        server.url("/sign-in?error=connection_disabled")
    );
    server.shutdown().await;
    atlassian.shutdown().await;
}

#[tokio::test]
async fn production_signs_in_with_custom_credentials() {
    let atlassian = atlassian().await;
    let control = atlassian.control();
    let server = TestServer::production(&atlassian).await;
    server.register_production_app(&control).await;
    consent_as(&control, demo::ACCOUNT_DEFAULT);

    let browser = Browser::new();
    let authorize = browser.start(&server, "intent=sign_in").await;
    assert!(authorize.contains(&format!("client_id={PROD_CLIENT_ID}")));
    assert!(authorize.starts_with(&atlassian.auth_base_url()));
    assert_eq!(
        browser.callback(&browser.consent(&authorize).await).await,
        server.url("/user")
    );
    let user = browser.client_state(&server).await.user.unwrap();
    assert_eq!(
        user.external_accounts[0].provider_account_id,
        demo::ACCOUNT_DEFAULT
    );
    assert_eq!(control.call_count(Endpoint::Token), 1);
    assert_eq!(control.issued().codes_redeemed, 1);

    // The backend API hands out the token for this user.
    let token: Value = server
        .http
        .get(server.url(&format!(
            "/v1/users/{}/oauth_access_tokens/atlassian",
            user.id
        )))
        .bearer_auth(&server.secret_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["site_id"], demo::SITE_DEFAULT);
    assert!(token["token"].as_str().unwrap().len() > 10);
    server.shutdown().await;
    atlassian.shutdown().await;
}

#[tokio::test]
async fn a_development_and_a_production_instance_share_nothing() {
    let atlassian = atlassian().await;
    let dev = TestServer::development().await;
    let prod = TestServer::production(&atlassian).await;
    prod.register_production_app(&atlassian.control()).await;
    assert_ne!(dev.data_dir.path(), prod.data_dir.path());
    assert!(dev.data_dir.path().join("vestibule.db").exists());
    assert!(prod.data_dir.path().join("vestibule.db").exists());
    // Only development generates key files; production's come from its configuration.
    assert!(dev.data_dir.path().join("secret.key").exists());
    assert!(!prod.data_dir.path().join("secret.key").exists());

    // One browser, both instances on 127.0.0.1 (cookies ignore ports).
    let browser = Browser::new();
    consent_as(&dev.control(), demo::ACCOUNT_DEFAULT);
    consent_as(&atlassian.control(), demo::ACCOUNT_THREE_SITES);
    assert_eq!(browser.sign_in(&dev, "").await, dev.url("/user"));
    // Signed in to dev only.
    assert!(browser.client_state(&dev).await.user.is_some());
    assert_eq!(browser.client_state(&prod).await, ClientState::default());
    assert_eq!(prod.counts().await, (0, 0, 0));

    assert_eq!(browser.sign_in(&prod, "").await, prod.url("/user"));
    let in_dev = browser.client_state(&dev).await.user.unwrap();
    let in_prod = browser.client_state(&prod).await.user.unwrap();
    assert_eq!(
        in_dev.external_accounts[0].provider_account_id,
        demo::ACCOUNT_DEFAULT
    );
    assert_eq!(
        in_prod.external_accounts[0].provider_account_id,
        demo::ACCOUNT_THREE_SITES
    );
    assert_eq!(dev.counts().await, (1, 1, 1));
    assert_eq!(prod.counts().await, (1, 1, 1));

    // Neither secret key opens the other instance.
    let cross = prod
        .http
        .get(prod.url("/v1/admin/connections"))
        .bearer_auth(&dev.secret_key)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::UNAUTHORIZED);
    let cross = dev
        .http
        .get(dev.url(&format!("/v1/users/{}", in_prod.id)))
        .bearer_auth(&prod.secret_key)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::UNAUTHORIZED);

    // Signing out of one leaves the other signed in.
    browser
        .send(&dev, reqwest::Method::POST, "/v1/sign_out")
        .await;
    assert_eq!(browser.client_state(&dev).await, ClientState::default());
    assert!(browser.client_state(&prod).await.user.is_some());
    dev.shutdown().await;
    prod.shutdown().await;
    atlassian.shutdown().await;
}
