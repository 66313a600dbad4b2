//! `redirect_url`: same-origin paths and allowed origins only.

use atlassian_emulator::demo;

use crate::common::{Browser, TestServer, consent_as, location};

const REFUSED: &[&str] = &[
    "//evil.test",
    "/\\evil.test",
    "https:evil.test",
    "https://evil.test",
    "https://user@evil.test",
    "https://allowed.test@evil.test",
    "https://allowed.test.evil.test",
    "%2F%2Fevil.test",
    "/%2F%2Fevil.test",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://allowed.test./",
    "HTTP://ALLOWED.TEST/",
    "https://allowed.test:8443/",
    "/\t/evil.test",
    "evil.test",
];

#[tokio::test]
async fn every_foreign_redirect_url_is_refused_before_atlassian_is_asked() {
    let server = TestServer::development().await;
    let browser = Browser::new();
    for bad in REFUSED {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("intent", "sign_in")
            .append_pair("redirect_url", bad)
            .finish();
        let response = browser
            .get(&server.url(&format!("/v1/oauth/atlassian/start?{query}")))
            .await;
        assert_eq!(response.status(), 303, "{bad}");
        assert_eq!(
            location(&response),
            server.url("/sign-in?error=invalid_redirect_url"),
            "{bad:?} must be refused"
        );
    }
    assert_eq!(server.count("oauth_flows").await, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn same_origin_paths_and_allowed_origins_are_where_sign_in_ends() {
    let server = TestServer::development().await;
    consent_as(&server.control(), demo::ACCOUNT_DEFAULT);
    let cases = [
        ("/dashboard?tab=2", server.url("/dashboard?tab=2")),
        (
            "https://allowed.test/after-sign-in",
            "https://allowed.test/after-sign-in".to_owned(),
        ),
        (
            "HTTPS://ALLOWED.TEST/x",
            "https://allowed.test/x".to_owned(),
        ),
        (&*server.url("/user"), server.url("/user")),
    ];
    for (given, expected) in cases {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("redirect_url", given)
            .finish();
        let landed = Browser::new().sign_in(&server, &query).await;
        assert_eq!(landed, expected, "{given}");
    }
    server.shutdown().await;
}
