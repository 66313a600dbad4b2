//! The account portal as people use it: a real Chromium against the real `vestibule`
//! binary and the Atlassian emulator, clicking through every screen.

use anyhow::{Context, Result, ensure};
use atlassian_emulator::{OAuthApp, Seed, demo};
use fantoccini::Locator;
use vestibule_e2e::{Browser, Server, testid};

/// The portal page the browser is on, without the query string.
fn path_of(url: &str) -> &str {
    let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
    after_host.split(['?', '#']).next().unwrap_or("")
}

/// Signs in from the portal's sign-in page as `account_id` on `site_id`, and waits for /user.
async fn sign_in(
    browser: &Browser,
    server_url: &str,
    account_id: &str,
    site_id: &str,
) -> Result<()> {
    browser.goto(&format!("{server_url}/sign-in")).await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the Atlassian consent page", |u| {
            u.contains("/auth/authorize")
        })
        .await?;
    browser.consent(account_id, Some(site_id)).await?;
    browser
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    browser.find("user-profile-name").await?;
    Ok(())
}

/// Signs in to the dashboard with the instance's secret key.
async fn open_dashboard(browser: &Browser, server_url: &str, secret_key: &str) -> Result<()> {
    browser.goto(&format!("{server_url}/dashboard")).await?;
    browser
        .find("admin-secret-key")
        .await?
        .send_keys(secret_key)
        .await?;
    browser.click("admin-sign-in-submit").await?;
    browser.find("connection-settings-title").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_instance_signs_in_with_zero_configuration() -> Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;

    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.find("sign-in-dev-badge").await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the emulator's consent page", |u| {
            u.contains("/auth/authorize")
        })
        .await?;
    let app_name = browser.find("app-name").await?.text().await?;
    ensure!(
        app_name.contains(demo::APP_NAME),
        "consent page names {app_name:?}"
    );
    browser
        .click(&format!("account-option-{}", demo::ACCOUNT_DEFAULT))
        .await?;
    browser
        .find("site-select")
        .await?
        .select_by_value(demo::SITE_DEFAULT)
        .await?;
    browser.screenshot("flow-dev-consent").await?;
    browser.click("accept").await?;

    browser
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    let name = browser.find("user-profile-name").await?.text().await?;
    ensure!(name.contains("Mara Jensen"), "profile shows {name:?}");
    let email = browser.find("user-profile-email").await?.text().await?;
    ensure!(
        email.contains(demo::EMAIL_DEFAULT),
        "profile shows {email:?}"
    );
    let site = browser.find("external-account-site").await?.text().await?;
    ensure!(
        site.contains("northwind"),
        "the authorized site shown is {site:?}"
    );
    browser.screenshot("flow-dev-user").await?;

    browser.click("user-profile-sign-out").await?;
    browser
        .wait_for_url("the sign-in page after sign-out", |u| {
            path_of(u) == "sign-in"
        })
        .await?;
    browser.find("sign-in-button-atlassian").await?;
    // Signed out for real: the profile page no longer shows the user.
    browser.goto(&format!("{}/user", server.url)).await?;
    browser
        .wait_for_url("the sign-in page", |u| path_of(u) == "sign-in")
        .await?;

    browser.close().await?;
    server.stop().await
}

/// Clerk's guide "Add Atlassian as a social connection", step by step, on a production
/// instance: the admin reads the Callback URL off the page, registers it with the Atlassian
/// app, pastes the app's Client ID and Secret, and then a user signs in through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_walkthrough_from_the_guide() -> Result<()> {
    const CLIENT_ID: &str = "acme-production-client";
    const CLIENT_SECRET: &str = "acme-production-secret-5f1c2b7e9d";
    let emulator = atlassian_emulator::start(Seed::Demo).await?;
    let control = emulator.control();
    control.register_app(OAuthApp::new(
        CLIENT_ID,
        CLIENT_SECRET,
        "Acme Portal",
        demo::ACCOUNT_THREE_SITES,
    ));

    let secret_key = "sk_live_e2e_0123456789abcdef0123456789abcdef";
    let master_key = "11".repeat(32);
    let auth_url = emulator.auth_base_url();
    let api_url = emulator.api_base_url();
    let server = Server::start_with(
        &[
            "--environment",
            "production",
            "--secret-key",
            secret_key,
            "--master-key",
            &master_key,
            "--atlassian-auth-url",
            &auth_url,
            "--atlassian-api-url",
            &api_url,
        ],
        &[],
    )
    .await?;
    ensure!(
        server.emulator_url.is_none(),
        "production started an emulator"
    );
    let browser = Browser::start().await?;

    // SSO connections: a production instance starts with none.
    open_dashboard(&browser, &server.url, secret_key).await?;
    let badge = browser
        .find("dashboard-environment-badge")
        .await?
        .text()
        .await?;
    ensure!(
        badge.to_lowercase().contains("production"),
        "badge says {badge:?}"
    );
    browser.find("connection-list-empty").await?;
    browser.screenshot("guide-1-connections").await?;

    // Add connection → For all users → Atlassian.
    browser.click("add-connection").await?;
    browser.click("connection-audience-all-users").await?;
    browser
        .find("connection-provider")
        .await?
        .select_by_value("atlassian")
        .await?;

    // Production: "Use custom credentials" is on and locked.
    let custom = browser.find("connection-custom-credentials").await?;
    ensure!(
        custom.prop("checked").await?.as_deref() == Some("true"),
        "custom credentials not on"
    );
    ensure!(
        !custom.is_enabled().await?,
        "custom credentials toggle is not locked"
    );
    let enabled = browser.find("connection-enabled").await?;
    if enabled.prop("checked").await?.as_deref() != Some("true") {
        enabled.click().await?;
    }
    browser.find("connection-guide-distribution").await?;
    browser.find("connection-site-warning").await?;

    // Saving without credentials: the server's error shows beside the field.
    browser.click("connection-submit").await?;
    browser.find("connection-client-id-error").await?;
    browser.screenshot("guide-2-missing-credentials").await?;

    // Copy the Callback URL into the Atlassian app's settings.
    let callback_url = browser
        .find("connection-callback-url")
        .await?
        .prop("value")
        .await?
        .context("callback URL field has no value")?;
    ensure!(
        callback_url == format!("{}/v1/oauth_callback", server.url),
        "callback URL on the page is {callback_url:?}"
    );
    control.add_redirect_uri(CLIENT_ID, &callback_url)?;

    // Paste the Client ID and Secret, then Add connection.
    browser
        .find("connection-client-id")
        .await?
        .send_keys(CLIENT_ID)
        .await?;
    browser
        .find("connection-client-secret")
        .await?
        .send_keys(CLIENT_SECRET)
        .await?;
    browser.screenshot("guide-3-credentials").await?;
    browser.click("connection-submit").await?;
    browser.wait_gone("connection-dialog").await?;
    let row = browser.find("connection-atlassian").await?;
    ensure!(
        row.attr("data-enabled").await?.as_deref() == Some("true"),
        "connection not enabled"
    );
    let page = browser.client().source().await?;
    ensure!(
        !page.contains(CLIENT_SECRET),
        "the saved secret is shown again"
    );
    browser.screenshot("guide-4-connection-added").await?;

    // Visit the Account Portal's sign-in URL and sign in with the new connection.
    let visit = browser.find("dashboard-portal-visit").await?;
    let href = visit
        .attr("href")
        .await?
        .context("Visit link has no href")?;
    ensure!(path_of(&href) == "sign-in", "Visit points at {href}");
    browser.goto(&href).await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the consent page", |u| {
            u.contains("/auth/authorize") && u.contains(CLIENT_ID)
        })
        .await?;
    let app_name = browser.find("app-name").await?.text().await?;
    ensure!(app_name.contains("Acme Portal"), "consent for {app_name:?}");
    browser
        .consent(demo::ACCOUNT_THREE_SITES, Some(demo::SITE_GLOBEX))
        .await?;
    browser
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    let name = browser.find("user-profile-name").await?.text().await?;
    ensure!(name.contains("Priya Raman"), "profile shows {name:?}");
    let site = browser.find("external-account-site").await?.text().await?;
    ensure!(site.contains("globex"), "site shown is {site:?}");
    browser.screenshot("guide-5-signed-in").await?;

    browser.close().await?;
    server.stop().await?;
    emulator.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_errors_are_friendly_and_a_disabled_connection_has_no_button() -> Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;

    // An account with no Atlassian site.
    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the consent page", |u| u.contains("/auth/authorize"))
        .await?;
    browser.consent(demo::ACCOUNT_NO_SITE, None).await?;
    browser
        .wait_for_url("the sign-in page with an error", |u| {
            u.contains("error=no_atlassian_site")
        })
        .await?;
    let banner = browser.find("sign-in-error").await?;
    let text = banner.text().await?;
    ensure!(
        text.contains("at least one Atlassian site") && text.contains("Jira"),
        "no-site banner says {text:?}"
    );
    browser.screenshot("error-no-site").await?;

    // Cancelled consent.
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the consent page", |u| u.contains("/auth/authorize"))
        .await?;
    browser.click("cancel").await?;
    browser
        .wait_for_url("the sign-in page with an error", |u| {
            u.contains("error=access_denied")
        })
        .await?;
    let text = browser.find("sign-in-error").await?.text().await?;
    ensure!(
        text.to_lowercase().contains("cancel"),
        "cancel banner says {text:?}"
    );
    browser.screenshot("error-cancelled").await?;
    // Nobody was signed in by either attempt.
    browser.goto(&format!("{}/user", server.url)).await?;
    browser
        .wait_for_url("the sign-in page", |u| path_of(u) == "sign-in")
        .await?;

    // The admin turns "Enable for sign-up and sign-in" off: the button disappears.
    let secret_key = server
        .printed_secret_key()
        .context("a development instance prints its secret key")?;
    open_dashboard(&browser, &server.url, &secret_key).await?;
    let row = browser.find("connection-atlassian").await?;
    ensure!(
        row.attr("data-enabled").await?.as_deref() == Some("true"),
        "dev connection not enabled"
    );
    browser.click("connection-toggle").await?;
    let deadline = tokio::time::Instant::now() + vestibule_e2e::WAIT;
    while browser
        .find("connection-atlassian")
        .await?
        .attr("data-enabled")
        .await?
        .as_deref()
        != Some("false")
    {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the toggle did not disable the connection"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.find("sign-in-title").await?;
    browser.find("sign-in-empty").await?;
    ensure!(
        browser
            .client()
            .find_all(testid("sign-in-button-atlassian"))
            .await?
            .is_empty(),
        "a disabled connection still has a button"
    );
    browser.screenshot("error-connection-disabled").await?;

    browser.close().await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_connects_and_disconnects_an_account_and_revokes_another_session() -> Result<()> {
    let server = Server::start().await?;
    let laptop = Browser::start().await?;
    let phone = Browser::start().await?;
    sign_in(
        &laptop,
        &server.url,
        demo::ACCOUNT_DEFAULT,
        demo::SITE_DEFAULT,
    )
    .await?;
    sign_in(
        &phone,
        &server.url,
        demo::ACCOUNT_DEFAULT,
        demo::SITE_DEFAULT,
    )
    .await?;

    // Connect a second Atlassian account from the laptop.
    laptop.goto(&format!("{}/user", server.url)).await?;
    laptop.click("connect-button-atlassian").await?;
    laptop
        .wait_for_url("the consent page", |u| u.contains("/auth/authorize"))
        .await?;
    laptop
        .consent(demo::ACCOUNT_THREE_SITES, Some(demo::SITE_ACME))
        .await?;
    laptop
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    let accounts = laptop.find("user-profile-accounts").await?;
    let deadline = tokio::time::Instant::now() + vestibule_e2e::WAIT;
    let rows = loop {
        let rows = accounts
            .find_all(Locator::Css("li[data-testid^=\"external-account-\"]"))
            .await?;
        if rows.len() == 2 || tokio::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    ensure!(
        rows.len() == 2,
        "expected two connected accounts, found {}",
        rows.len()
    );
    let text = accounts.text().await?;
    ensure!(
        text.contains("acme"),
        "the second account's site is not shown: {text:?}"
    );
    laptop.screenshot("profile-two-accounts").await?;

    // Disconnect it again, with confirmation.
    let mut second = None;
    for row in rows {
        if row.text().await?.contains("acme") {
            second = Some(row);
        }
    }
    let second = second.context("no row for the acme account")?;
    let second_id = second
        .attr("data-testid")
        .await?
        .context("row without testid")?;
    second
        .find(testid("external-account-disconnect"))
        .await?
        .click()
        .await?;
    laptop
        .click("external-account-disconnect-confirm-button")
        .await?;
    laptop.wait_gone(&second_id).await?;
    laptop.screenshot("profile-disconnected").await?;

    // Revoke the phone's session from the laptop.
    let sessions = laptop.find("user-profile-sessions").await?;
    let deadline = tokio::time::Instant::now() + vestibule_e2e::WAIT;
    let other = loop {
        let mut other = None;
        for row in sessions
            .find_all(Locator::Css("li[data-current=\"false\"]"))
            .await?
        {
            other = Some(row);
        }
        if other.is_some() || tokio::time::Instant::now() > deadline {
            break other;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let other = other.context("the phone's session is not listed")?;
    let other_id = other
        .attr("data-testid")
        .await?
        .context("session row without testid")?;
    other.find(testid("session-revoke")).await?.click().await?;
    laptop.wait_gone(&other_id).await?;
    laptop.screenshot("profile-session-revoked").await?;

    // The phone is signed out on its very next request; the laptop is not.
    phone.goto(&format!("{}/user", server.url)).await?;
    phone
        .wait_for_url("the phone's sign-in page", |u| path_of(u) == "sign-in")
        .await?;
    laptop.goto(&format!("{}/user", server.url)).await?;
    laptop.find("user-profile-name").await?;

    laptop.close().await?;
    phone.close().await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_no_serious_violation_on_sign_in_profile_and_dashboard() -> Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;
    let mut report = Vec::new();

    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.find("sign-in-button-atlassian").await?;
    for v in browser.accessibility_violations().await? {
        report.push(format!("/sign-in: {v}"));
    }

    sign_in(
        &browser,
        &server.url,
        demo::ACCOUNT_DEFAULT,
        demo::SITE_DEFAULT,
    )
    .await?;
    browser.find("user-profile-sessions").await?;
    for v in browser.accessibility_violations().await? {
        report.push(format!("/user: {v}"));
    }

    let secret_key = server
        .printed_secret_key()
        .context("no secret key printed")?;
    open_dashboard(&browser, &server.url, &secret_key).await?;
    browser.find("connection-atlassian").await?;
    for v in browser.accessibility_violations().await? {
        report.push(format!("/dashboard: {v}"));
    }
    // The connection dialog (edit mode: a development instance already has the connection).
    browser.click("connection-configure").await?;
    browser.find("connection-dialog").await?;
    for v in browser.accessibility_violations().await? {
        report.push(format!("/dashboard connection dialog: {v}"));
    }

    ensure!(
        report.is_empty(),
        "axe-core violations:\n{}",
        report.join("\n")
    );
    browser.close().await?;
    server.stop().await
}
