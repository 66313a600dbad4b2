//! What a new visitor of the account portal meets first: every address lands on a page
//! (no blank page, no console error), each page names itself in the tab title, and errors
//! look like errors.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use atlassian_emulator::demo;
use vestibule_e2e::{Browser, Server, WAIT};

/// Chromedriver's door to the DevTools protocol (`POST /session/{id}/goog/cdp/execute`):
/// the one way to run a script in a page before the page's own scripts, so that an error
/// thrown while the app starts is caught too.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// From now on, every page the browser opens records its console errors, uncaught
/// exceptions (a wasm panic is a `RuntimeError: unreachable`) and unhandled rejections in
/// `window.__errors`.
async fn record_page_errors(browser: &Browser) -> Result<()> {
    let source = r#"
        window.__errors = [];
        const record = (what) => window.__errors.push(String(what));
        const consoleError = console.error.bind(console);
        console.error = (...args) => { record(args.join(" ")); consoleError(...args); };
        window.addEventListener("error", (e) => record(e.error?.stack || e.message));
        window.addEventListener("unhandledrejection", (e) => record(e.reason?.stack || e.reason));
    "#;
    browser
        .client()
        .issue_cmd(Cdp {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: serde_json::json!({ "source": source }),
        })
        .await
        .context("installing the error recorder")?;
    Ok(())
}

/// What the current page recorded (see [`record_page_errors`]).
async fn page_errors(browser: &Browser) -> Result<Vec<String>> {
    let errors = browser
        .client()
        .execute(
            "return window.__errors || ['the error recorder is missing'];",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(errors)?)
}

/// Waits until the tab title is `expected`.
async fn wait_for_title(browser: &Browser, expected: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let title = browser.client().title().await?;
        if title == expected {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the tab title is {title:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page the browser is on, without the query string.
fn path_of(url: &str) -> &str {
    let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
    after_host.split(['?', '#']).next().unwrap_or("")
}

/// The application's name, as the sign-in card's title shows it (`Sign in to {app}`).
async fn application_name(browser: &Browser) -> Result<String> {
    let title = browser.find("sign-in-title").await?;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = title.text().await?;
        if let Some(name) = text.strip_prefix("Sign in to ") {
            return Ok(name.to_owned());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the card's title is {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_address_lands_on_the_sign_in_card_without_an_error() -> Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;
    record_page_errors(&browser).await?;

    browser.goto(&format!("{}/sign-in", server.url)).await?;
    let app = application_name(&browser).await?;
    wait_for_title(&browser, &format!("Sign in · {app}")).await?;

    for path in ["/", "/signin", "/nope/deeper", "/?redirect_url=%2Fuser"] {
        browser.goto(&format!("{}{path}", server.url)).await?;
        let url = browser
            .wait_for_url(&format!("{path} to lead to /sign-in"), |u| {
                path_of(u) == "sign-in"
            })
            .await?;
        browser.find("sign-in-button-atlassian").await?;
        wait_for_title(&browser, &format!("Sign in · {app}")).await?;
        if path.contains('?') {
            ensure!(
                url.ends_with("?redirect_url=%2Fuser"),
                "{path} lost its query on the way: {url}"
            );
        }
        let errors = page_errors(&browser).await?;
        ensure!(errors.is_empty(), "{path}: the page reported {errors:#?}");
    }
    browser.screenshot("unknown-path-to-sign-in").await?;

    browser.close().await?;
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_names_itself_and_a_refused_disconnect_is_an_error_alert() -> Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;
    record_page_errors(&browser).await?;

    browser.goto(&format!("{}/sign-in", server.url)).await?;
    let app = application_name(&browser).await?;
    browser.goto(&format!("{}/sign-up", server.url)).await?;
    browser.find("sign-up-button-atlassian").await?;
    wait_for_title(&browser, &format!("Sign up · {app}")).await?;

    // Sign in, and land on the profile page.
    browser.goto(&format!("{}/sign-in", server.url)).await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the consent page", |u| u.contains("/auth/authorize"))
        .await?;
    browser
        .consent(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT))
        .await?;
    browser
        .wait_for_url("the profile page", |u| path_of(u) == "user")
        .await?;
    wait_for_title(&browser, &format!("Account · {app}")).await?;
    let heading = browser.find("user-profile-title").await?;
    ensure!(
        heading.tag_name().await?.eq_ignore_ascii_case("h1"),
        "the profile's heading is not the page's h1"
    );
    ensure!(
        heading.text().await? == "Account",
        "the heading reads {:?}",
        heading.text().await?
    );

    // The only account cannot be disconnected; the refusal is an alert like every error.
    browser.click("external-account-disconnect").await?;
    browser
        .click("external-account-disconnect-confirm-button")
        .await?;
    let error = browser.find("external-account-error").await?;
    ensure!(
        error.text().await?.contains("only way to sign in"),
        "the refusal reads {:?}",
        error.text().await?
    );
    let class = error.attr("class").await?.unwrap_or_default();
    ensure!(
        class.contains("vst-alert--error"),
        "the refusal is not an alert: {class:?}"
    );
    let background = error.css_value("background-color").await?;
    ensure!(
        background != "rgba(0, 0, 0, 0)" && background != "transparent",
        "the refusal has no error background: {background}"
    );
    browser.screenshot("profile-last-account-refused").await?;

    // The dashboard: its sign-in, then the connections.
    browser.goto(&format!("{}/dashboard", server.url)).await?;
    browser.find("admin-secret-key").await?;
    wait_for_title(&browser, &format!("Dashboard · {app}")).await?;
    let secret_key = server
        .printed_secret_key()
        .context("no secret key printed")?;
    browser
        .find("admin-secret-key")
        .await?
        .send_keys(&secret_key)
        .await?;
    browser.click("admin-sign-in-submit").await?;
    browser.find("connection-settings-title").await?;
    wait_for_title(&browser, &format!("SSO connections · {app}")).await?;

    let errors = page_errors(&browser).await?;
    ensure!(errors.is_empty(), "the dashboard reported {errors:#?}");
    browser.close().await?;
    server.stop().await
}
