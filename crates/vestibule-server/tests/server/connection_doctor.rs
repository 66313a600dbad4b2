//! The connection doctor against the emulator over real HTTP: each mistake of the guide's
//! production walkthrough is named as such, Atlassian failing is not mistaken for a verdict,
//! and the secret goes nowhere but the token endpoint.

use std::collections::HashMap;
use std::time::Duration;

use atlassian_emulator::{Distribution, Endpoint, Fault, OAuthApp, RunningEmulator, demo};
use reqwest::StatusCode;
use serde_json::{Value, json};
use vestibule_core::connection_check::{CheckCode, CheckOutcome, CheckStep, ConnectionCheck};

use crate::common::{PROD_CLIENT_ID, PROD_CLIENT_SECRET, TestServer, atlassian};

/// Each step's code, by step.
fn codes(check: &ConnectionCheck) -> HashMap<CheckStep, CheckCode> {
    check.steps.iter().map(|s| (s.step, s.code)).collect()
}

async fn check_saved(server: &TestServer, id: &str) -> ConnectionCheck {
    let response = server
        .admin_post(&format!("/v1/admin/connections/{id}/check"), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn check_unsaved(server: &TestServer, body: Value) -> ConnectionCheck {
    let response = server.admin_post("/v1/admin/connections/check", body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Registers an app at `emulator` and returns the unsaved-check body for it.
fn app(
    emulator: &RunningEmulator,
    server: &TestServer,
    client_id: &str,
    configure: impl FnOnce(OAuthApp) -> OAuthApp,
) -> Value {
    let app = OAuthApp::new(
        client_id,
        "the-right-secret-1234",
        "Doctor App",
        demo::ACCOUNT_DEFAULT,
    )
    .with_redirect_uri(server.url("/v1/oauth_callback"));
    emulator.control().register_app(configure(app));
    json!({
        "provider": "atlassian",
        "use_custom_credentials": true,
        "client_id": client_id,
        "client_secret": "the-right-secret-1234",
    })
}

#[tokio::test]
async fn a_right_connection_passes_and_its_row_remembers_the_check() {
    let emulator = atlassian().await;
    let server = TestServer::production(&emulator).await;
    server.register_production_app(&emulator.control()).await;
    let id = server.connection_id().await;

    let last: Value = server
        .admin_get(&format!("/v1/admin/connections/{id}/check"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last, json!({ "last_check": null }));

    let check = check_saved(&server, &id).await;
    let codes = codes(&check);
    assert_eq!(codes[&CheckStep::ClientId], CheckCode::ClientKnown);
    assert_eq!(
        codes[&CheckStep::CallbackUrl],
        CheckCode::CallbackRegistered
    );
    assert_eq!(codes[&CheckStep::Scopes], CheckCode::ScopesEnabled);
    assert_eq!(codes[&CheckStep::ClientSecret], CheckCode::SecretAccepted);
    assert_eq!(codes[&CheckStep::Distribution], CheckCode::AppShared);
    // A production instance on http://127.0.0.1 works, but not for real users.
    assert_eq!(codes[&CheckStep::PublicUrl], CheckCode::PublicUrlLoopback);
    assert_eq!(
        codes[&CheckStep::CallbackConsistent],
        CheckCode::CallbackUrlMatches
    );
    assert_eq!(codes[&CheckStep::Clock], CheckCode::ClockInSync);
    assert_eq!(check.outcome, CheckOutcome::Warning);
    assert_eq!(check.connection_id.as_deref(), Some(id.as_str()));

    let last: Value = server
        .admin_get(&format!("/v1/admin/connections/{id}/check"))
        .await
        .json()
        .await
        .unwrap();
    let last: ConnectionCheck = serde_json::from_value(last["last_check"].clone()).unwrap();
    assert_eq!(last, check);
    server.shutdown().await;
}

#[tokio::test]
async fn each_mistake_of_the_walkthrough_is_named() {
    let emulator = atlassian().await;
    let server = TestServer::production(&emulator).await;

    // (a) A secret from another app.
    let mut body = app(&emulator, &server, "doctor-wrong-secret", |a| a);
    body["client_secret"] = json!("a-secret-of-another-app");
    let check = check_unsaved(&server, body).await;
    let c = codes(&check);
    assert_eq!(c[&CheckStep::ClientId], CheckCode::ClientKnown);
    assert_eq!(c[&CheckStep::ClientSecret], CheckCode::SecretRejected);
    assert_eq!(check.outcome, CheckOutcome::Failed);
    assert!(
        !serde_json::to_string(&check)
            .unwrap()
            .contains("a-secret-of-another-app")
    );

    // (b) The Callback URL registered with a trailing slash.
    let callback = server.url("/v1/oauth_callback");
    let body = app(&emulator, &server, "doctor-trailing-slash", |mut a| {
        a.redirect_uris = vec![format!("{callback}/")];
        a
    });
    let check = check_unsaved(&server, body).await;
    let c = codes(&check);
    assert_eq!(c[&CheckStep::ClientId], CheckCode::ClientKnown);
    assert_eq!(c[&CheckStep::CallbackUrl], CheckCode::CallbackNotRegistered);
    assert_eq!(c[&CheckStep::Scopes], CheckCode::NotChecked);
    let step = &check.steps[1];
    assert_eq!(step.detail.as_deref(), Some(callback.as_str()));
    assert!(step.fix.as_deref().unwrap().contains(&callback));

    // (c) A scope the connection asks for but the app does not have.
    let mut body = app(&emulator, &server, "doctor-scope", |a| a);
    body["scopes"] = json!(["read:me", "read:jira-work"]);
    let check = check_unsaved(&server, body).await;
    let c = codes(&check);
    assert_eq!(c[&CheckStep::CallbackUrl], CheckCode::CallbackRegistered);
    assert_eq!(c[&CheckStep::Scopes], CheckCode::ScopeNotEnabled);
    assert_eq!(check.steps[2].detail.as_deref(), Some("read:jira-work"));

    // (d) An app that is not shared.
    let body = app(&emulator, &server, "doctor-private", |a| {
        a.with_distribution(Distribution::Private)
    });
    let check = check_unsaved(&server, body).await;
    let c = codes(&check);
    assert_eq!(c[&CheckStep::Scopes], CheckCode::ScopesEnabled);
    assert_eq!(c[&CheckStep::ClientSecret], CheckCode::SecretAccepted);
    assert_eq!(c[&CheckStep::Distribution], CheckCode::AppPrivate);
    assert_eq!(check.outcome, CheckOutcome::Failed);

    // A Client ID Atlassian never issued: nothing else can be told, and no secret is sent.
    let tokens_before = emulator.control().call_count(Endpoint::Token);
    let check = check_unsaved(
        &server,
        json!({"use_custom_credentials": true, "client_id": "nobody", "client_secret": "x1234567"}),
    )
    .await;
    let c = codes(&check);
    assert_eq!(c[&CheckStep::ClientId], CheckCode::UnknownClient);
    assert_eq!(c[&CheckStep::ClientSecret], CheckCode::NotChecked);
    assert_eq!(
        emulator.control().call_count(Endpoint::Token),
        tokens_before
    );
    server.shutdown().await;
}

#[tokio::test]
async fn unsaved_values_fall_back_to_the_stored_secret_of_the_same_client_id() {
    let emulator = atlassian().await;
    let server = TestServer::production(&emulator).await;
    server.register_production_app(&emulator.control()).await;
    let id = server.connection_id().await;
    // The dialog edits the scopes and leaves the secret blank.
    let check = check_unsaved(
        &server,
        json!({"connection_id": id, "use_custom_credentials": true, "client_id": PROD_CLIENT_ID,
               "scopes": ["read:me"]}),
    )
    .await;
    assert_eq!(
        codes(&check)[&CheckStep::ClientSecret],
        CheckCode::SecretAccepted
    );
    assert_eq!(check.connection_id, None);
    // Another Client ID does not get the stored secret.
    let response = server
        .admin_post(
            "/v1/admin/connections/check",
            json!({"connection_id": id, "use_custom_credentials": true, "client_id": "other-app"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "invalid_field");
    assert_eq!(error["field"], "client_secret");
    // Unsaved checks are not recorded against the connection.
    let last: Value = server
        .admin_get(&format!("/v1/admin/connections/{id}/check"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["last_check"], Value::Null);
    server.shutdown().await;
}

#[tokio::test]
async fn atlassian_failing_is_reported_as_unavailable_not_as_a_mistake() {
    let emulator = atlassian().await;
    let server = TestServer::production(&emulator).await;
    server.register_production_app(&emulator.control()).await;
    let id = server.connection_id().await;
    let control = emulator.control();
    let cases = [
        (
            Endpoint::Authorize,
            Fault::Delay(Duration::from_millis(2500)),
            CheckCode::ProviderUnavailable,
        ),
        (
            Endpoint::Authorize,
            Fault::Status(503),
            CheckCode::ProviderUnavailable,
        ),
        (
            Endpoint::Authorize,
            Fault::HtmlBody,
            CheckCode::UnexpectedAnswer,
        ),
        (
            Endpoint::Authorize,
            Fault::DropConnection,
            CheckCode::ProviderUnavailable,
        ),
    ];
    for (endpoint, fault, code) in cases {
        control.inject_fault(endpoint, fault, 1);
        let started = std::time::Instant::now();
        let check = check_saved(&server, &id).await;
        control.clear_faults();
        assert!(started.elapsed() < Duration::from_secs(4), "{fault:?}");
        let c = codes(&check);
        assert_eq!(c[&CheckStep::ClientId], code, "{fault:?}");
        assert_eq!(
            c[&CheckStep::CallbackUrl],
            CheckCode::NotChecked,
            "{fault:?}"
        );
        assert_eq!(check.outcome, CheckOutcome::Failed);
    }
    // Two checks left in this minute for this connection; use a fresh connection key for the
    // token faults by checking the same values unsaved.
    let body = json!({"use_custom_credentials": true, "client_id": PROD_CLIENT_ID,
                      "client_secret": PROD_CLIENT_SECRET});
    let cases = [
        (
            Fault::Delay(Duration::from_millis(2500)),
            CheckCode::ProviderUnavailable,
        ),
        (Fault::Status(500), CheckCode::ProviderUnavailable),
        (Fault::HtmlBody, CheckCode::UnexpectedAnswer),
        (Fault::DropConnection, CheckCode::ProviderUnavailable),
    ];
    for (fault, code) in cases {
        control.inject_fault(Endpoint::Token, fault, 1);
        let check = check_unsaved(&server, body.clone()).await;
        control.clear_faults();
        let c = codes(&check);
        assert_eq!(c[&CheckStep::ClientId], CheckCode::ClientKnown, "{fault:?}");
        assert_eq!(c[&CheckStep::ClientSecret], code, "{fault:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn checks_are_rate_limited_per_connection() {
    let emulator = atlassian().await;
    let server = TestServer::production(&emulator).await;
    server.register_production_app(&emulator.control()).await;
    let id = server.connection_id().await;
    for _ in 0..vestibule_server::doctor::limit::PER_KEY {
        check_saved(&server, &id).await;
    }
    let calls = emulator.control().call_count(Endpoint::Authorize);
    let response = server
        .admin_post(&format!("/v1/admin/connections/{id}/check"), json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "rate_limited");
    assert_eq!(emulator.control().call_count(Endpoint::Authorize), calls);
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_clock_and_the_development_instance() {
    let server = TestServer::development().await;
    let id = server.connection_id().await;
    let check = check_saved(&server, &id).await;
    let c = codes(&check);
    // The shared development app at the in-process emulator is right by construction.
    assert_eq!(c[&CheckStep::ClientSecret], CheckCode::SecretAccepted);
    assert_eq!(c[&CheckStep::PublicUrl], CheckCode::PublicUrlDevelopment);
    assert_eq!(check.outcome, CheckOutcome::Ok, "{check:#?}");

    server.server.state.clock.advance(Duration::from_secs(3600));
    let check = check_saved(&server, &id).await;
    let clock = check
        .steps
        .iter()
        .find(|s| s.step == CheckStep::Clock)
        .unwrap();
    assert_eq!(clock.code, CheckCode::ClockSkewed);
    let skew: i64 = clock.detail.as_deref().unwrap().parse().unwrap();
    assert!((3590..=3610).contains(&skew), "{skew}");
    assert_eq!(check.outcome, CheckOutcome::Warning);

    // Only the admin may ask.
    let response = server
        .http
        .post(server.url(&format!("/v1/admin/connections/{id}/check")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    server.shutdown().await;
}
