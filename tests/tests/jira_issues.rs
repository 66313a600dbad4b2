//! The "My Jira issues" example end to end, with the app and Vestibule on two origins of one
//! site: Chromium maps `*.vestibule.test` to 127.0.0.1, the app is
//! `http://app.vestibule.test:<port>` and Vestibule `http://auth.vestibule.test:<port>`.
//! Sign in from the app's page through the emulator's consent page, see the seeded issues,
//! sign out from the `UserButton`, and watch the app refuse the old token once it expires.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use atlassian_emulator::demo;
use serde_json::Value;
use vestibule_e2e::{Browser, Server, free_port, start_jira_issues};

/// A token lives 60 s and the app's backend allows 5 s of clock leeway.
const TOKEN_LIFETIME_PLUS_LEEWAY: Duration = Duration::from_secs(65);

/// `GET /api/my-issues` from the app's page with `Authorization: Bearer <token>`: the
/// status and the JSON body.
async fn my_issues_with(browser: &Browser, token: &str) -> Result<(u64, Value)> {
    let answer = browser
        .client()
        .execute_async(
            r#"const [token, done] = arguments;
               fetch('/api/my-issues', { headers: { Authorization: 'Bearer ' + token } })
                 .then(async r => done([r.status, await r.json().catch(() => null)]))
                 .catch(e => done([0, String(e)]));"#,
            vec![Value::from(token)],
        )
        .await?;
    Ok((answer[0].as_u64().unwrap_or(0), answer[1].clone()))
}

/// The `__session` cookie on the app's origin, if any.
async fn session_cookie(browser: &Browser) -> Result<Option<String>> {
    let cookie = browser
        .client()
        .execute(
            "const c = document.cookie.split('; ').find(c => c.startsWith('__session='));
             return c ? c.slice('__session='.length) : null;",
            vec![],
        )
        .await?;
    Ok(cookie.as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_on_another_origin_lists_jira_issues_and_refuses_the_old_token() -> Result<()> {
    let (auth_port, app_port) = (free_port()?, free_port()?);
    let auth_url = format!("http://auth.vestibule.test:{auth_port}");
    let app_url = format!("http://app.vestibule.test:{app_port}");

    let server = Server::start_listening(
        &format!("127.0.0.1:{auth_port}"),
        &["--public-url", &auth_url, "--allowed-origins", &app_url],
        &[],
    )
    .await?;
    let secret_key = server
        .printed_secret_key()
        .context("a development instance prints its secret key")?;
    // The app's backend cannot resolve *.vestibule.test (only Chromium maps it), so it
    // reaches Vestibule's backend API and JWKS on the loopback address.
    let mut app = start_jira_issues(&[
        "--listen",
        &format!("127.0.0.1:{app_port}"),
        "--public-url",
        &app_url,
        "--vestibule-url",
        &auth_url,
        "--vestibule-api-url",
        &server.url,
        "--secret-key",
        &secret_key,
    ])
    .await?;
    let browser =
        Browser::start_with_args(&["--host-resolver-rules=MAP *.vestibule.test 127.0.0.1"]).await?;

    // Signed out: the app's own page shows <SignIn/>.
    browser.goto(&format!("{app_url}/")).await?;
    browser.find("sign-in-button-atlassian").await?;
    browser.screenshot("jira-issues-signed-out").await?;
    browser.click("sign-in-button-atlassian").await?;
    browser
        .wait_for_url("the emulator's consent page", |u| {
            u.contains("/auth/authorize")
        })
        .await?;
    browser
        .consent(demo::ACCOUNT_DEFAULT, Some(demo::SITE_DEFAULT))
        .await?;

    // Back in the app, on its own origin, with the issues of the chosen site.
    browser
        .wait_for_url("the app after sign-in", |u| u.starts_with(&app_url))
        .await?;
    let list = browser.find("issues").await?;
    let site = list.attr("data-site-id").await?;
    ensure!(
        site.as_deref() == Some(demo::SITE_DEFAULT),
        "the issues come from site {site:?}"
    );
    let mut keys = Vec::new();
    for issue in browser
        .client()
        .find_all(vestibule_e2e::testid("issue"))
        .await?
    {
        keys.push(issue.attr("data-issue-key").await?.unwrap_or_default());
    }
    // The emulator seeds NW-1..NW-5 on this site: Mara has 1-3 (3 is done), 4 is
    // unassigned and 5 is Priya's; most recently updated first.
    ensure!(
        keys == ["NW-1", "NW-2", "NW-3"],
        "the app lists {keys:?}, not Mara's issues"
    );
    browser.find("user-button-trigger").await?;
    browser.screenshot("jira-issues-signed-in").await?;

    // The provider keeps the token in a cookie on the app's origin; the API takes it.
    let token = session_cookie(&browser)
        .await?
        .context("the __session cookie is set on the app's origin")?;
    let (status, body) = my_issues_with(&browser, &token).await?;
    ensure!(
        status == 200,
        "the app refused a fresh token: {status} {body}"
    );
    let (status, body) = my_issues_with(&browser, "not-a-token").await?;
    ensure!(
        status == 401 && body["code"] == "token_invalid",
        "a forged token: {status} {body}"
    );

    // Sign out from the UserButton: back to <SignIn/>, cookie gone.
    let signed_out_at = Instant::now();
    browser.click("user-button-trigger").await?;
    browser.click("user-button-sign-out").await?;
    browser.find("sign-in-button-atlassian").await?;
    browser.wait_gone("issues").await?;
    ensure!(
        session_cookie(&browser).await?.is_none(),
        "the __session cookie outlived the sign-out"
    );
    browser.screenshot("jira-issues-after-sign-out").await?;

    // The old token is self-contained: the app refuses it once it expires, within its
    // lifetime plus the leeway (and a little for the browser's round trips).
    loop {
        let (status, body) = my_issues_with(&browser, &token).await?;
        if status == 401 {
            ensure!(body["code"] == "token_expired", "refused as {body}");
            break;
        }
        ensure!(status == 200, "the old token got {status} {body}");
        if signed_out_at.elapsed() > TOKEN_LIFETIME_PLUS_LEEWAY + Duration::from_secs(5) {
            bail!("the app still accepts the old token after {TOKEN_LIFETIME_PLUS_LEEWAY:?}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    browser.close().await?;
    let _ = app.start_kill();
    let _ = app.wait().await;
    server.stop().await
}
