//! `/auth/authorize` and the consent page over real HTTP: request validation, the account and site choice,
//! Accept and Cancel, private apps, and automatic consent.

mod support;

use atlassian_emulator::{AutoConsent, Distribution, OAuthApp, demo};
use reqwest::StatusCode;
use support::{Harness, REDIRECT_URI, STATE, assert_error_page, location, query_param};

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_not_a_redirect() {
    let h = Harness::demo().await;
    let url = h.authorize_url("read:me", &[("client_id", "nobody")]);
    assert_error_page(h.get(&url).await, StatusCode::BAD_REQUEST, "Unknown client").await;
}

#[tokio::test]
async fn the_redirect_uri_must_match_a_registered_one_exactly() {
    let h = Harness::demo().await;
    for near_miss in [
        "http://127.0.0.1:9/oauth/callback/",
        "http://127.0.0.1:9/oauth/callback?next=/",
        "http://localhost:9/oauth/callback",
        "http://127.0.0.1:10/oauth/callback",
        "https://127.0.0.1:9/oauth/callback",
        "http://127.0.0.1:9/OAUTH/callback",
    ] {
        let url = h.authorize_url("read:me", &[("redirect_uri", near_miss)]);
        assert_error_page(
            h.get(&url).await,
            StatusCode::BAD_REQUEST,
            "Callback URL mismatch",
        )
        .await;
    }
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn the_audience_must_be_api_atlassian_com() {
    let h = Harness::demo().await;
    let missing = h
        .authorize_url("read:me", &[])
        .replace("audience=api.atlassian.com&", "");
    assert!(!missing.contains("audience"));
    assert_error_page(h.get(&missing).await, StatusCode::BAD_REQUEST, "audience").await;
    let wrong = h.authorize_url("read:me", &[("audience", "auth.atlassian.com")]);
    assert_error_page(
        h.get(&wrong).await,
        StatusCode::BAD_REQUEST,
        "api.atlassian.com",
    )
    .await;
}

#[tokio::test]
async fn only_the_code_response_type_is_accepted() {
    let h = Harness::demo().await;
    let token = h.authorize_url("read:me", &[("response_type", "token")]);
    assert_error_page(
        h.get(&token).await,
        StatusCode::BAD_REQUEST,
        "unsupported_response_type",
    )
    .await;
    let missing = h
        .authorize_url("read:me", &[])
        .replace("&response_type=code", "");
    assert_error_page(
        h.get(&missing).await,
        StatusCode::BAD_REQUEST,
        "response_type",
    )
    .await;
}

#[tokio::test]
async fn scopes_must_be_enabled_for_the_app_except_offline_access() {
    let h = Harness::demo().await;
    let html = assert_error_page(
        h.get(&h.authorize_url("read:me write:jira-work", &[]))
            .await,
        StatusCode::BAD_REQUEST,
        "write:jira-work",
    )
    .await;
    assert!(html.contains("invalid_scope"));
    assert_error_page(
        h.get(&h.authorize_url("", &[])).await,
        StatusCode::BAD_REQUEST,
        "scope",
    )
    .await;

    let page = h
        .open_consent(&h.authorize_url("read:me offline_access", &[]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn a_pkce_challenge_must_use_s256() {
    let h = Harness::demo().await;
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let plain = h.authorize_url(
        "read:me",
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "plain"),
        ],
    );
    assert_error_page(h.get(&plain).await, StatusCode::BAD_REQUEST, "S256").await;
    let no_method = h.authorize_url("read:me", &[("code_challenge", challenge)]);
    assert_error_page(h.get(&no_method).await, StatusCode::BAD_REQUEST, "S256").await;
    let s256 = h.authorize_url(
        "read:me",
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    assert_eq!(h.open_consent(&s256).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_consent_page_shows_the_app_scopes_accounts_and_sites() {
    let h = Harness::demo().await;
    let page = h
        .open_consent(&h.authorize_url("read:me offline_access", &[]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.html;
    assert!(html.contains(&format!(
        "<span data-testid=\"app-name\">{}</span>",
        demo::APP_NAME
    )));
    assert!(html.contains("data-testid=\"scope-list\""));
    assert!(html.contains("data-scope=\"read:me\""));
    assert!(html.contains("data-scope=\"offline_access\""));
    for account in demo::ACCOUNTS {
        assert!(
            html.contains(&format!("type=\"radio\" id=\"account-{account}\" name=\"account_id\" value=\"{account}\" data-testid=\"account-option-{account}\"")),
            "radio for {account}"
        );
        assert!(html.contains(&format!(
            "<label class=\"atlemu-account\" for=\"account-{account}\">"
        )));
    }
    assert!(html.contains("<label for=\"site-select\">"));
    assert!(html.contains("data-testid=\"site-select\""));
    for site in [
        demo::SITE_DEFAULT,
        demo::SITE_ACME,
        demo::SITE_GLOBEX,
        demo::SITE_INITECH,
    ] {
        assert!(
            html.contains(&format!("<option value=\"{site}\"")),
            "site {site}"
        );
    }
    assert!(html.contains("data-testid=\"accept\""));
    assert!(html.contains("data-testid=\"cancel\""));
    assert!(!page.pending.is_empty());
    assert!(
        !html.contains(STATE),
        "the state stays on the server, not in the form"
    );
}

#[tokio::test]
async fn accept_redirects_to_the_app_with_a_code_and_the_state() {
    let h = Harness::demo().await;
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    let response = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = location(&response);
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?")),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some(STATE));
    let code = query_param(&location, "code").unwrap();
    assert!(code.len() >= 22, "at least 128 bits: {code}");
    assert_eq!(query_param(&location, "error"), None);
    assert_eq!(h.control.issued().codes_issued, 1);
}

#[tokio::test]
async fn cancel_redirects_with_access_denied_and_the_state() {
    let h = Harness::demo().await;
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    // Cancel needs no account: the browser skips validation for it.
    let response = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("site_id", ""),
            ("decision", "cancel"),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = location(&response);
    assert!(location.starts_with(&format!("{REDIRECT_URI}?")));
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_param(&location, "error_description").is_some_and(|d| !d.is_empty()));
    assert_eq!(query_param(&location, "state").as_deref(), Some(STATE));
    assert_eq!(query_param(&location, "code"), None);
    assert_eq!(h.control.issued().codes_issued, 0);
}

#[tokio::test]
async fn the_form_relies_only_on_the_server_side_pending_authorization() {
    let h = Harness::demo().await;
    let forged = h
        .submit_consent(&[
            ("pending", "made-up"),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    assert_error_page(
        forged,
        StatusCode::BAD_REQUEST,
        "expired or was already answered",
    )
    .await;

    // Client parameters re-posted with the form are ignored: the code goes to the registered URI.
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    let form = [
        ("pending", page.pending.as_str()),
        ("account_id", demo::ACCOUNT_DEFAULT),
        ("site_id", demo::SITE_DEFAULT),
        ("decision", "accept"),
        ("redirect_uri", "https://evil.example/steal"),
        ("state", "forged"),
        ("scope", "write:jira-work"),
    ];
    let response = h.submit_consent(&form).await;
    let location = location(&response);
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some(STATE));

    // The pending authorization is answered once.
    let again = h.submit_consent(&form).await;
    assert_error_page(
        again,
        StatusCode::BAD_REQUEST,
        "expired or was already answered",
    )
    .await;
}

#[tokio::test]
async fn a_pending_authorization_expires_by_the_virtual_clock() {
    let h = Harness::demo().await;
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    h.control
        .advance_clock(std::time::Duration::from_secs(2 * 3600));
    let response = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    assert_error_page(response, StatusCode::BAD_REQUEST, "expired").await;
}

#[tokio::test]
async fn the_site_must_be_one_of_the_chosen_accounts_sites() {
    let h = Harness::demo().await;
    let page = h.open_consent(&h.authorize_url("read:me", &[])).await;
    let cases = [
        (demo::SITE_ACME, "does not belong to Mara Jensen"),
        ("", "Choose one of Mara Jensen"),
    ];
    for (site, message) in cases {
        let response = h
            .submit_consent(&[
                ("pending", &page.pending),
                ("account_id", demo::ACCOUNT_DEFAULT),
                ("site_id", site),
                ("decision", "accept"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("data-testid=\"form-error\""), "{html}");
        assert!(html.contains(message), "{message}: {html}");
        // The page keeps the person's account choice and can be submitted again.
        assert!(html.contains(&format!(
            "value=\"{}\" data-testid=\"account-option-{}\" required checked",
            demo::ACCOUNT_DEFAULT,
            demo::ACCOUNT_DEFAULT
        )));
    }
    let without_account = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("site_id", ""),
            ("decision", "accept"),
        ])
        .await;
    assert_eq!(without_account.status(), StatusCode::BAD_REQUEST);
    assert!(
        without_account
            .text()
            .await
            .unwrap()
            .contains("Choose an account")
    );
    // The same pending authorization still works with a valid choice.
    let ok = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_account_without_a_site_can_consent() {
    let h = Harness::demo().await;
    let code = h.code(demo::ACCOUNT_NO_SITE, None, "read:me").await;
    assert!(!code.is_empty());
}

#[tokio::test]
async fn a_closed_account_can_consent() {
    let h = Harness::demo().await;
    let code = h
        .code(demo::ACCOUNT_CLOSED, Some(demo::SITE_CLOSED), "read:me")
        .await;
    assert!(!code.is_empty());
}

#[tokio::test]
async fn an_app_that_is_not_shared_can_be_authorized_only_by_its_owner() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new(
            "private-app",
            "private-secret",
            "Team Tool",
            demo::ACCOUNT_THREE_SITES,
        )
        .with_redirect_uri(REDIRECT_URI)
        .with_distribution(Distribution::Private),
    );
    let url = h.authorize_url("read:me", &[("client_id", "private-app")]);
    let page = h.open_consent(&url).await;
    assert!(page.html.contains("data-testid=\"private-notice\""));
    let stranger = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_DEFAULT),
            ("site_id", demo::SITE_DEFAULT),
            ("decision", "accept"),
        ])
        .await;
    assert_error_page(
        stranger,
        StatusCode::FORBIDDEN,
        "only its owner can authorize it",
    )
    .await;

    let owner = h
        .submit_consent(&[
            ("pending", &page.pending),
            ("account_id", demo::ACCOUNT_THREE_SITES),
            ("site_id", demo::SITE_GLOBEX),
            ("decision", "accept"),
        ])
        .await;
    assert_eq!(owner.status(), StatusCode::SEE_OTHER);
    assert!(query_param(&location(&owner), "code").is_some());
}

#[tokio::test]
async fn auto_consent_redirects_at_once_but_only_after_every_check() {
    let h = Harness::demo().await;
    h.control.set_auto_consent(Some(
        AutoConsent::new(demo::ACCOUNT_THREE_SITES).with_site(demo::SITE_INITECH),
    ));
    let response = h.get(&h.authorize_url("read:me", &[])).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = location(&response);
    assert!(location.starts_with(REDIRECT_URI));
    assert_eq!(query_param(&location, "state").as_deref(), Some(STATE));
    let code = query_param(&location, "code").unwrap();
    let tokens: serde_json::Value = h.exchange(&code).await.json().await.unwrap();
    let resources: serde_json::Value = h
        .resources(support::access_token(&tokens))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resources[0]["id"], demo::SITE_INITECH);

    // Validation still comes first.
    let bad = h.authorize_url("read:me", &[("redirect_uri", "http://127.0.0.1:9/other")]);
    assert_error_page(
        h.get(&bad).await,
        StatusCode::BAD_REQUEST,
        "Callback URL mismatch",
    )
    .await;

    // Without a site, the account's first site is chosen.
    h.control
        .set_auto_consent(Some(AutoConsent::new(demo::ACCOUNT_THREE_SITES)));
    let code = query_param(&location_of(&h, "read:me").await, "code").unwrap();
    let tokens: serde_json::Value = h.exchange(&code).await.json().await.unwrap();
    let resources: serde_json::Value = h
        .resources(support::access_token(&tokens))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resources[0]["id"], demo::SITE_ACME);

    // A misconfigured auto consent is an error page, not a code.
    h.control
        .set_auto_consent(Some(AutoConsent::new("557058:nobody")));
    assert_error_page(
        h.get(&h.authorize_url("read:me", &[])).await,
        StatusCode::BAD_REQUEST,
        "does not exist",
    )
    .await;

    // Turned off, the page is back.
    h.control.set_auto_consent(None);
    assert_eq!(
        h.open_consent(&h.authorize_url("read:me", &[]))
            .await
            .status,
        StatusCode::OK
    );
}

async fn location_of(h: &Harness, scope: &str) -> String {
    let response = h.get(&h.authorize_url(scope, &[])).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    location(&response)
}

#[tokio::test]
async fn login_hint_mode_consents_as_the_hinted_account() {
    let h = Harness::demo().await;

    // Off (the default): a hint only pre-selects the account on the page.
    let page = h
        .open_consent(&h.authorize_url("read:me", &[("login_hint", demo::EMAIL_THREE_SITES)]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!(
        "data-testid=\"account-option-{}\" required checked",
        demo::ACCOUNT_THREE_SITES
    )));

    h.control.set_auto_consent_by_login_hint(true);
    let by_email = h
        .get(&h.authorize_url(
            "read:me",
            &[("login_hint", &demo::EMAIL_UNVERIFIED.to_uppercase())],
        ))
        .await;
    assert_eq!(by_email.status(), StatusCode::FOUND);
    let code = query_param(&location(&by_email), "code").unwrap();
    let tokens: serde_json::Value = h.exchange(&code).await.json().await.unwrap();
    let me: serde_json::Value = h
        .me(support::access_token(&tokens))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["account_id"], demo::ACCOUNT_UNVERIFIED);

    let by_id = h
        .get(&h.authorize_url("read:me", &[("login_hint", demo::ACCOUNT_THREE_SITES)]))
        .await;
    let code = query_param(&location(&by_id), "code").unwrap();
    let tokens: serde_json::Value = h.exchange(&code).await.json().await.unwrap();
    let resources: serde_json::Value = h
        .resources(support::access_token(&tokens))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resources[0]["id"], demo::SITE_ACME, "the first site");

    // No hint, or an unknown one: the consent page.
    assert_eq!(
        h.open_consent(&h.authorize_url("read:me", &[]))
            .await
            .status,
        StatusCode::OK
    );
    let unknown = h.authorize_url("read:me", &[("login_hint", "stranger@example.com")]);
    assert_eq!(h.open_consent(&unknown).await.status, StatusCode::OK);
}

#[tokio::test]
async fn everything_the_page_shows_is_escaped() {
    let h = Harness::demo().await;
    h.control.register_app(
        OAuthApp::new(
            "xss",
            "s",
            "<img src=x onerror=alert(1)>",
            demo::ACCOUNT_DEFAULT,
        )
        .with_redirect_uri(REDIRECT_URI),
    );
    let page = h
        .open_consent(&h.authorize_url("read:me", &[("client_id", "xss")]))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains("<img src=x"));
    assert!(page.html.contains("&lt;img src=x onerror=alert(1)&gt;"));

    let reflected = h.authorize_url("read:me", &[("client_id", "<script>alert(1)</script>")]);
    let html = assert_error_page(
        h.get(&reflected).await,
        StatusCode::BAD_REQUEST,
        "Unknown client",
    )
    .await;
    assert!(!html.contains("<script>alert(1)</script>"));
}
