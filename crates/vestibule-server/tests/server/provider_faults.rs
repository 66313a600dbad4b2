//! Atlassian failing: every fault gives the user a stable code, stores nothing, and leaves
//! the server able to sign the next person in.

use std::time::Duration;

use atlassian_emulator::{Endpoint, Fault, demo};

use crate::common::{Browser, TestServer, consent_as, error_of, path_of};

async fn sign_in_with_fault(server: &TestServer, endpoint: Endpoint, fault: Fault) -> String {
    let control = server.control();
    control.inject_fault(endpoint, fault, 1);
    let browser = Browser::new();
    let landed = browser.sign_in(server, "intent=sign_in").await;
    control.clear_faults();
    assert_eq!(
        path_of(&landed),
        "/sign-in",
        "{endpoint:?} {fault:?}: {landed}"
    );
    assert_eq!(
        server.counts().await,
        (0, 0, 0),
        "{endpoint:?} {fault:?} left a partial user, account or session"
    );
    error_of(&landed).unwrap()
}

#[tokio::test]
async fn failing_atlassian_gives_provider_unavailable_and_stores_nothing() {
    let server = TestServer::development_with(|args| {
        args.provider_timeout = Duration::from_millis(400);
    })
    .await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let faults = [
        Fault::Status(500),
        Fault::Status(503),
        Fault::Delay(Duration::from_millis(1500)),
        Fault::MalformedJson,
        Fault::HtmlBody,
        Fault::DropConnection,
    ];
    for endpoint in [Endpoint::Token, Endpoint::Me, Endpoint::AccessibleResources] {
        for fault in faults {
            let started = std::time::Instant::now();
            let code = sign_in_with_fault(&server, endpoint, fault).await;
            assert_eq!(code, "provider_unavailable", "{endpoint:?} {fault:?}");
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{endpoint:?} {fault:?} took {:?}",
                started.elapsed()
            );
        }
    }
    // The server is healthy: the next sign-in works.
    let browser = Browser::new();
    assert_eq!(
        browser.sign_in(&server, "intent=sign_in").await,
        server.url("/user")
    );
    assert_eq!(server.counts().await, (1, 1, 1));
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_atlassian_within_the_timeout_is_fine() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    server
        .control()
        .inject_fault(Endpoint::Token, Fault::Delay(Duration::from_millis(200)), 1);
    assert_eq!(
        Browser::new().sign_in(&server, "").await,
        server.url("/user")
    );
    server.shutdown().await;
}
