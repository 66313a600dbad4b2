//! The script any web page loads, end to end: the two example pages (`examples/plain-html`,
//! `examples/custom-elements`) served on their own origin load `vestibule.js` from the
//! Vestibule server, sign in through the emulator's consent page, show the user button and
//! hand out a session token that the server's JWKS verifies; the custom-elements page also
//! signs out. Chromium maps `*.vestibule.test` to 127.0.0.1: the page is
//! `http://app.vestibule.test:<port>`, Vestibule `http://auth.vestibule.test:<port>`.

use anyhow::{Context, Result, ensure};
use atlassian_emulator::demo;
use fantoccini::Locator;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use vestibule_e2e::{Browser, Server, StaticSite, WAIT, env_path, free_port, workspace_root};

/// A page on one origin, the Vestibule server on another, a browser that resolves both.
struct Setup {
    server: Server,
    auth_url: String,
    app_url: String,
    browser: Browser,
    _site: StaticSite,
}

impl Setup {
    async fn start(example: &str) -> Result<Self> {
        let js_dir = env_path("VESTIBULE_JS_DIR", "js-dist");
        ensure!(
            js_dir.join("vestibule.js").exists(),
            "{} has no vestibule.js: run the suite with `cargo xtask test e2e` (it runs `cargo xtask js`)",
            js_dir.display()
        );
        let (auth_port, app_port) = (free_port()?, free_port()?);
        let auth_url = format!("http://auth.vestibule.test:{auth_port}");
        let app_url = format!("http://app.vestibule.test:{app_port}");
        let server = Server::start_listening(
            &format!("127.0.0.1:{auth_port}"),
            // Only these tests serve the bundle: its compression at start costs the
            // other tests' servers CPU they would not use.
            &[
                "--public-url",
                &auth_url,
                "--allowed-origins",
                &app_url,
                "--js-dir",
                &js_dir.to_string_lossy(),
            ],
            &[],
        )
        .await?;
        let site = StaticSite::start(
            &workspace_root().join("examples").join(example),
            app_port,
            &auth_url,
        )
        .await?;
        let browser =
            Browser::start_with_args(&["--host-resolver-rules=MAP *.vestibule.test 127.0.0.1"])
                .await?;
        Ok(Self {
            server,
            auth_url,
            app_url,
            browser,
            _site: site,
        })
    }

    /// From the page: "Continue with Atlassian", Mara and her site on the consent page,
    /// "Accept", and back on the page's origin.
    async fn sign_in(&self) -> Result<()> {
        click_text(&self.browser, "a", "Continue with Atlassian").await?;
        self.browser
            .wait_for_url("the emulator's consent page", |u| {
                u.contains("/auth/authorize")
            })
            .await?;
        click_text(&self.browser, "label", demo::EMAIL_DEFAULT).await?;
        self.browser
            .find("site-select")
            .await?
            .select_by_value(demo::SITE_DEFAULT)
            .await?;
        click_text(&self.browser, "button", "Accept").await?;
        let app = self.app_url.clone();
        self.browser
            .wait_for_url("the page after sign-in", |u| u.starts_with(&app))
            .await?;
        Ok(())
    }

    /// Checks `token` as the app's backend would: its signature against the server's JWKS
    /// (fetched by the page, which any origin may read), issued by this instance for the
    /// page's origin. Returns the user id it names.
    async fn verify(&self, token: &str) -> Result<String> {
        let jwks = self
            .browser
            .client()
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   fetch(arguments[0]).then(r => r.json()).then(done, e => done({ error: String(e) }));"#,
                vec![Value::from(format!("{}/.well-known/jwks.json", self.auth_url))],
            )
            .await?;
        let jwks: JwkSet = serde_json::from_value(jwks.clone())
            .with_context(|| format!("the JWKS answer: {jwks}"))?;
        let kid = jsonwebtoken::decode_header(token)?
            .kid
            .context("the token names no key")?;
        let jwk = jwks
            .find(&kid)
            .context("the token's key is not in the JWKS")?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[self.auth_url.as_str()]);
        validation.validate_aud = false;
        let claims =
            jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk)?, &validation)
                .context("the JWKS refused the page's token")?
                .claims;
        ensure!(
            claims["azp"] == self.app_url.as_str(),
            "the token was minted for {}, not the page's origin",
            claims["azp"]
        );
        claims["sub"]
            .as_str()
            .map(str::to_owned)
            .context("the token names no user")
    }

    /// No console error, failed load (CORS, integrity, 404) or uncaught exception so far.
    async fn no_console_errors(&self, when: &str) -> Result<()> {
        // The emulator's consent page (not under test) has no favicon.
        let emulator_favicon = format!(
            "{}/favicon.ico ",
            self.server.emulator_url.as_deref().unwrap_or("-")
        );
        let errors: Vec<String> = self
            .browser
            .console_errors()
            .await?
            .into_iter()
            .filter(|e| !e.starts_with(&emulator_favicon))
            .collect();
        ensure!(errors.is_empty(), "console errors {when}: {errors:#?}");
        Ok(())
    }

    async fn stop(self) -> Result<()> {
        self.browser.close().await?;
        self.server.stop().await
    }
}

/// Clicks the `tag` element whose visible text contains `text`, once it is there.
async fn click_text(browser: &Browser, tag: &str, text: &str) -> Result<()> {
    let xpath = format!("//{tag}[contains(normalize-space(.), '{text}')]");
    browser
        .client()
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .with_context(|| format!("waiting for a <{tag}> saying {text:?}"))?
        .click()
        .await
        .with_context(|| format!("clicking the <{tag}> saying {text:?}"))
}

/// Signs out from the user button's menu and waits for the page that `after-sign-out-url`
/// loads to show `[data-testid=id]`: a marker set in the old document tells the two apart,
/// and queries that meet the navigation are retried.
async fn sign_out_and_wait_for(browser: &Browser, id: &str) -> Result<()> {
    browser
        .client()
        .execute("window.__beforeSignOut = true;", vec![])
        .await?;
    browser.click("user-button-trigger").await?;
    click_text(browser, "button", "Sign out").await?;
    let check = format!(
        "return window.__beforeSignOut === undefined && !!document.querySelector('[data-testid=\"{id}\"]');"
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let loaded = browser.client().execute(&check, vec![]).await;
        if loaded.is_ok_and(|v| v == Value::Bool(true)) {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "no new page with [data-testid={id}] after the sign-out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The page's text in `[data-testid=id]`, once it is not empty.
async fn text_of(browser: &Browser, id: &str) -> Result<String> {
    let element = browser.find(id).await?;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = element.text().await?;
        if !text.trim().is_empty() {
            return Ok(text.trim().to_owned());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "[data-testid={id}] stayed empty"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Runs `call` (e.g. `m.getToken()`) on the module the page imported from Vestibule (the
/// same URL is the same module instance, so the same client state).
async fn call_module(setup: &Setup, call: &str) -> Result<Value> {
    let script = format!(
        r#"const done = arguments[arguments.length - 1];
           import(arguments[0]).then(m => {call}).then(v => done({{ ok: v }}), e => done({{ err: String(e) }}));"#
    );
    let module = format!("{}/v1/js/vestibule.js", setup.auth_url);
    let answer = setup
        .browser
        .client()
        .execute_async(&script, vec![Value::from(module)])
        .await?;
    match answer.get("ok") {
        Some(value) => Ok(value.clone()),
        None => anyhow::bail!("{call} failed in the page: {answer}"),
    }
}

/// The copy-paste snippet as the manifest gives it: the versioned script with its
/// `integrity`, which Chromium checks against the bytes it receives (brotli-encoded).
async fn snippet_loads_with_its_integrity(setup: &Setup) -> Result<()> {
    let loaded = setup
        .browser
        .client()
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               fetch(arguments[0]).then(r => r.json()).then(m => {
                 const s = document.createElement("script");
                 s.type = "module"; s.src = m.url; s.integrity = m.integrity; s.crossOrigin = "anonymous";
                 s.onload = () => done(["loaded", m.url]);
                 s.onerror = () => done(["refused", m.url]);
                 document.head.append(s);
               }, e => done(["no manifest", String(e)]));"#,
            vec![Value::from(format!("{}/v1/js/manifest.json", setup.auth_url))],
        )
        .await?;
    ensure!(loaded[0] == "loaded", "the snippet's script: {loaded}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_html_page_on_another_origin_signs_in_and_gets_a_token_the_jwks_verifies()
-> Result<()> {
    let setup = Setup::start("plain-html").await?;
    let browser = &setup.browser;
    browser.goto(&format!("{}/", setup.app_url)).await?;
    browser.find("sign-in-button-atlassian").await?;
    browser.find("app-signed-out").await?;
    setup.no_console_errors("on the signed-out page").await?;
    browser.screenshot("embed-plain-signed-out").await?;

    setup.sign_in().await?;
    browser.find("user-button-trigger").await?;
    let name = text_of(browser, "app-user-name").await?;
    ensure!(name == "Mara Jensen", "the page greets {name:?}");

    click_text(browser, "button", "Get token").await?;
    let token = text_of(browser, "app-token").await?;
    let user_id = setup.verify(&token).await?;
    let shown = call_module(&setup, "m.user().id").await?;
    ensure!(
        shown.as_str() == Some(user_id.as_str()),
        "the token names {user_id}, the page's user() is {shown}"
    );
    snippet_loads_with_its_integrity(&setup).await?;
    setup.no_console_errors("after sign-in").await?;
    browser.screenshot("embed-plain-signed-in").await?;
    setup.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_custom_elements_page_signs_in_and_out_with_no_script_of_its_own() -> Result<()> {
    let setup = Setup::start("custom-elements").await?;
    let browser = &setup.browser;
    browser.goto(&format!("{}/", setup.app_url)).await?;
    browser.find("sign-in-button-atlassian").await?;
    browser.find("app-signed-out").await?;
    ensure!(
        browser
            .client()
            .find_all(vestibule_e2e::testid("app-signed-in"))
            .await?
            .is_empty(),
        "<vestibule-signed-in> shows its content to a signed-out visitor"
    );
    setup.no_console_errors("on the signed-out page").await?;

    setup.sign_in().await?;
    browser.find("app-signed-in").await?;
    browser.find("user-button-trigger").await?;
    browser.wait_gone("app-signed-out").await?;
    browser.wait_gone("sign-in-button-atlassian").await?;
    let token = call_module(&setup, "m.getToken()").await?;
    let token = token.as_str().context("getToken() gave no token")?;
    setup.verify(token).await?;
    browser.screenshot("embed-elements-signed-in").await?;

    sign_out_and_wait_for(browser, "app-signed-out").await?;
    browser.find("sign-in-button-atlassian").await?;
    browser.wait_gone("app-signed-in").await?;
    let token = call_module(&setup, "m.getToken()").await?;
    ensure!(token.is_null(), "getToken() after sign-out gave {token}");
    setup
        .no_console_errors("after sign-in and sign-out")
        .await?;
    browser.screenshot("embed-elements-signed-out").await?;
    setup.stop().await
}
