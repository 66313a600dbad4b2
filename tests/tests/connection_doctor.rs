//! The connection doctor in a real Chromium: the guide's production walkthrough, with each
//! mistake an admin makes in Atlassian's console in turn (a secret from another app, a
//! Callback URL with a trailing slash, the User identity API not added, an app not shared),
//! each shown as the right checklist in the connection dialog; then everything right, the
//! connection added, checked again from its row, and a person signing in with it.

use anyhow::{Context, Result, ensure};
use atlassian_emulator::{Distribution, EmulatorControl, OAuthApp, Seed, demo};
use fantoccini::Locator;
use fantoccini::key::Key;
use vestibule_e2e::{Browser, Server, WAIT};

const CLIENT_ID: &str = "acme-doctor-client";
const CLIENT_SECRET: &str = "acme-doctor-secret-8c1d2e3f4a5b";
const OTHER_SECRET: &str = "secret-of-another-app-77aa66bb";

/// The portal page the browser is on, without the query string.
fn path_of(url: &str) -> &str {
    let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
    after_host.split(['?', '#']).next().unwrap_or("")
}

/// The Atlassian app as its admin configured it in the console.
fn register(control: &EmulatorControl, configure: impl FnOnce(OAuthApp) -> OAuthApp) {
    let app = OAuthApp::new(
        CLIENT_ID,
        CLIENT_SECRET,
        "Acme Portal",
        demo::ACCOUNT_THREE_SITES,
    );
    control.register_app(configure(app));
}

/// Presses the "Check connection" button `button` (the dialog's or a row's) and waits until
/// every `(step, code)` is on the checklist; returns the checklist's overall outcome.
async fn check(browser: &Browser, button: &str, expect: &[(&str, &str)]) -> Result<String> {
    browser.click(button).await?;
    for (step, code) in expect {
        let selector = format!("[data-testid=\"connection-check-{step}\"][data-code=\"{code}\"]");
        browser
            .client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&selector))
            .await
            .with_context(|| format!("waiting for the checklist to say {step} = {code}"))?;
    }
    let list = browser.find("connection-check").await?;
    browser
        .client()
        .execute(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![serde_json::to_value(&list)?],
        )
        .await?;
    list.attr("data-outcome")
        .await?
        .context("the checklist has no outcome")
}

/// The guide's step a failed check step links to.
async fn guide_link(browser: &Browser, step: &str) -> Result<Option<String>> {
    let item = browser.find(&format!("connection-check-{step}")).await?;
    let links = item
        .find_all(Locator::Css("[data-testid=\"connection-check-guide\"]"))
        .await?;
    let Some(href) = (match links.first() {
        Some(link) => link.attr("href").await?,
        None => None,
    }) else {
        return Ok(None);
    };
    // The guide's ids carry the dialog's instance number (`#vst-guide-callback-1`): the link
    // counts only when it names a guide step and that step is on the page.
    let Some(id) = href.strip_prefix('#') else {
        return Ok(Some(href));
    };
    if browser.client().find(Locator::Id(id)).await.is_err() {
        return Ok(Some(format!("{href} (no such element)")));
    }
    Ok(Some(match id.rsplit_once('-') {
        Some((step, n)) if n.parse::<u32>().is_ok() => format!("#{step}"),
        _ => href,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_names_each_mistake_of_the_walkthrough() -> Result<()> {
    let emulator = atlassian_emulator::start(Seed::Demo).await?;
    let control = emulator.control();
    register(&control, |a| a);

    let secret_key = "sk_live_e2e_doctor_0123456789abcdef0123456789";
    let master_key = "22".repeat(32);
    let (auth_url, api_url) = (emulator.auth_base_url(), emulator.api_base_url());
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
    let browser = Browser::start().await?;

    browser.goto(&format!("{}/dashboard", server.url)).await?;
    browser
        .find("admin-secret-key")
        .await?
        .send_keys(secret_key)
        .await?;
    browser.click("admin-sign-in-submit").await?;
    browser.click("add-connection").await?;
    browser.click("connection-audience-all-users").await?;
    browser
        .find("connection-provider")
        .await?
        .select_by_value("atlassian")
        .await?;
    let callback_url = browser
        .find("connection-callback-url")
        .await?
        .prop("value")
        .await?
        .context("no Callback URL")?;
    browser
        .find("connection-client-id")
        .await?
        .send_keys(CLIENT_ID)
        .await?;

    // (a) The secret of another app.
    register(&control, |a| a.with_redirect_uri(callback_url.clone()));
    let secret = browser.find("connection-client-secret").await?;
    secret.send_keys(OTHER_SECRET).await?;
    let outcome = check(
        &browser,
        "connection-dialog-check",
        &[
            ("client_id", "client_known"),
            ("callback_url", "callback_registered"),
            ("client_secret", "secret_rejected"),
        ],
    )
    .await?;
    ensure!(outcome == "failed", "wrong secret: outcome {outcome}");
    ensure!(
        guide_link(&browser, "client_secret").await?.as_deref() == Some("#vst-guide-credentials"),
        "the secret step does not link to the guide's credentials step"
    );
    let text = browser.find("connection-check").await?.text().await?;
    ensure!(
        !text.contains(OTHER_SECRET),
        "the checklist shows the secret"
    );
    browser.screenshot("doctor-a-wrong-secret").await?;

    // (b) The right secret, but the Callback URL registered with a trailing slash.
    let secret = browser.find("connection-client-secret").await?;
    secret
        .send_keys(&format!("{}a{}{}", Key::Control, Key::Null, Key::Backspace))
        .await?;
    secret.send_keys(CLIENT_SECRET).await?;
    register(&control, |a| {
        a.with_redirect_uri(format!("{callback_url}/"))
    });
    let outcome = check(
        &browser,
        "connection-dialog-check",
        &[
            ("client_id", "client_known"),
            ("callback_url", "callback_not_registered"),
            ("scopes", "not_checked"),
            ("client_secret", "secret_accepted"),
        ],
    )
    .await?;
    ensure!(outcome == "failed", "trailing slash: outcome {outcome}");
    let sentence = browser
        .find("connection-check-callback_url")
        .await?
        .text()
        .await?;
    ensure!(
        sentence.contains(&callback_url),
        "the callback step does not say which URL to register: {sentence:?}"
    );
    ensure!(
        guide_link(&browser, "callback_url").await?.as_deref() == Some("#vst-guide-callback"),
        "the callback step does not link to the guide's callback step"
    );
    browser.screenshot("doctor-b-trailing-slash").await?;

    // (c) The User identity API never added: read:me is not enabled.
    register(&control, |a| {
        a.with_redirect_uri(callback_url.clone())
            .with_scopes(Vec::<String>::new())
    });
    let outcome = check(
        &browser,
        "connection-dialog-check",
        &[
            ("callback_url", "callback_registered"),
            ("scopes", "scope_not_enabled"),
        ],
    )
    .await?;
    ensure!(outcome == "failed", "scope: outcome {outcome}");
    let sentence = browser
        .find("connection-check-scopes")
        .await?
        .text()
        .await?;
    ensure!(
        sentence.contains("read:me"),
        "the scope step does not name read:me: {sentence:?}"
    );
    browser.screenshot("doctor-c-scope-not-enabled").await?;

    // (d) Distribution left on "Not sharing".
    register(&control, |a| {
        a.with_redirect_uri(callback_url.clone())
            .with_distribution(Distribution::Private)
    });
    let outcome = check(
        &browser,
        "connection-dialog-check",
        &[
            ("scopes", "scopes_enabled"),
            ("client_secret", "secret_accepted"),
            ("distribution", "app_private"),
        ],
    )
    .await?;
    ensure!(outcome == "failed", "private app: outcome {outcome}");
    browser.screenshot("doctor-d-private-app").await?;

    // (e) Everything right: only the note that this instance is plain http on loopback.
    register(&control, |a| a.with_redirect_uri(callback_url.clone()));
    let outcome = check(
        &browser,
        "connection-dialog-check",
        &[
            ("client_id", "client_known"),
            ("callback_url", "callback_registered"),
            ("scopes", "scopes_enabled"),
            ("client_secret", "secret_accepted"),
            ("distribution", "app_shared"),
            ("public_url", "public_url_loopback"),
            ("callback_consistent", "callback_url_matches"),
            ("clock", "clock_in_sync"),
        ],
    )
    .await?;
    ensure!(outcome == "warning", "everything right: outcome {outcome}");
    browser.screenshot("doctor-e-everything-right").await?;

    // Add the connection; its row checks the saved values and remembers the check.
    browser.click("connection-submit").await?;
    browser.wait_gone("connection-dialog").await?;
    let last = browser.find("connection-last-check").await?;
    ensure!(
        last.attr("data-outcome").await?.as_deref() == Some("none"),
        "a new connection already has a check"
    );
    let outcome = check(
        &browser,
        "connection-check-run",
        &[
            ("client_secret", "secret_accepted"),
            ("distribution", "app_shared"),
        ],
    )
    .await?;
    ensure!(outcome == "warning", "row check: outcome {outcome}");
    browser
        .client()
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "[data-testid=\"connection-last-check\"][data-outcome=\"warning\"]",
        ))
        .await
        .context("the row does not say when it was last checked")?;
    browser.screenshot("doctor-e-row-checked").await?;

    // And a person signs in with it.
    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the consent page", |u| u.contains("/auth/authorize"))
        .await?;
    browser
        .consent(demo::ACCOUNT_THREE_SITES, Some(demo::SITE_GLOBEX))
        .await?;
    browser
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    let name = browser.find("user-profile-name").await?.text().await?;
    ensure!(name.contains("Priya Raman"), "profile shows {name:?}");
    browser.screenshot("doctor-e-signed-in").await?;

    browser.close().await?;
    server.stop().await?;
    emulator.shutdown().await;
    Ok(())
}
