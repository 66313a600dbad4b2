//! The testing kit (`vestibule-testing`) against the "My Jira issues" example: two users in
//! two browsers (each its own Chromium profile), one signed in through the real OAuth flow
//! with `login_hint`, then with a sign-in token; each sees only their own Jira issues, and a
//! used ticket is refused.

use anyhow::{Context, Result, ensure};
use atlassian_emulator::demo;
use tokio::process::Child;
use vestibule_e2e::{Browser, env_path, free_port, start_jira_issues, testid};
use vestibule_testing::{Error, SignInAs, TestInstance, sign_in, sign_out};

/// The example's backend on `app_url`, talking to `vestibule`; ready once it says so.
async fn start_app(app_url: &str, app_port: u16, vestibule: &TestInstance) -> Result<Child> {
    let listen = format!("127.0.0.1:{app_port}");
    start_jira_issues(&[
        "--listen",
        &listen,
        "--public-url",
        app_url,
        "--vestibule-url",
        vestibule.url().as_str().trim_end_matches('/'),
        // The app's backend cannot resolve *.vestibule.test (only Chromium maps it).
        "--vestibule-api-url",
        vestibule.api_url(),
        "--secret-key",
        vestibule.secret_key(),
    ])
    .await
}

/// The issue keys the app shows, once it shows them, and the site they come from.
async fn shown_issues(browser: &Browser) -> Result<(Option<String>, Vec<String>)> {
    let list = browser.find("issues").await?;
    let site = list.attr("data-site-id").await?;
    let mut keys = Vec::new();
    for issue in browser.client().find_all(testid("issue")).await? {
        keys.push(issue.attr("data-issue-key").await?.unwrap_or_default());
    }
    Ok((site, keys))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_sign_in_in_two_browsers_and_see_their_own_issues() -> Result<()> {
    let (auth_port, app_port) = (free_port()?, free_port()?);
    let auth_url = format!("http://auth.vestibule.test:{auth_port}");
    let app_url = format!("http://app.vestibule.test:{app_port}");
    let vestibule = TestInstance::builder()
        .binary(env_path("VESTIBULE_BIN", "target/debug/vestibule"))
        .listen(format!("127.0.0.1:{auth_port}"))
        .public_url(&auth_url)
        .allowed_origin(&app_url)
        .start()
        .await?;
    let mut app = start_app(&app_url, app_port, &vestibule).await?;
    let resolve = ["--host-resolver-rules=MAP *.vestibule.test 127.0.0.1"];
    let (mara, priya) = tokio::try_join!(
        Browser::start_with_args(&resolve),
        Browser::start_with_args(&resolve)
    )?;
    let home = format!("{app_url}/");

    // The real flow, one line each: no consent page, straight back to the app.
    let landed = sign_in(
        mara.client(),
        &vestibule.as_email(demo::EMAIL_DEFAULT, &home),
    )
    .await?;
    ensure!(landed.as_str() == home, "Mara landed on {landed}");
    sign_in(
        priya.client(),
        &vestibule.as_email(demo::EMAIL_THREE_SITES, &home),
    )
    .await?;
    let (site, keys) = shown_issues(&mara).await?;
    ensure!(
        site.as_deref() == Some(demo::SITE_DEFAULT) && keys == ["NW-1", "NW-2", "NW-3"],
        "Mara sees {keys:?} on {site:?}"
    );
    // Priya's first site is Acme, where ACME-1..3 are hers (ACME-4 is nobody's).
    let (site, keys) = shown_issues(&priya).await?;
    ensure!(
        site.as_deref() == Some(demo::SITE_ACME) && keys == ["ACME-1", "ACME-2", "ACME-3"],
        "Priya sees {keys:?} on {site:?}"
    );
    priya.screenshot("testing-kit-priya").await?;

    // Mara signs out, and back in with a ticket; Priya's browser is not disturbed.
    sign_out(mara.client(), vestibule.url()).await?;
    mara.goto(&home).await?;
    mara.find("sign-in-button-atlassian").await?;
    let user = vestibule
        .user_by_email(demo::EMAIL_DEFAULT)
        .await?
        .context("Mara is a user after her first sign-in")?;
    let made = vestibule.create_user(demo::EMAIL_DEFAULT).await?;
    ensure!(made.id == user.id, "create_user made a second Mara");
    let ticket = vestibule.sign_in_token(&user.id, Some(&home)).await?;
    sign_in(mara.client(), &SignInAs::ticket(&ticket)?).await?;
    let (_, keys) = shown_issues(&mara).await?;
    ensure!(
        keys == ["NW-1", "NW-2", "NW-3"],
        "after the ticket: {keys:?}"
    );
    mara.screenshot("testing-kit-mara-ticket").await?;
    priya.goto(&home).await?;
    let (_, keys) = shown_issues(&priya).await?;
    ensure!(keys[0] == "ACME-1", "Priya after Mara's ticket: {keys:?}");

    // The ticket is spent: Priya's browser cannot use it.
    match sign_in(priya.client(), &SignInAs::ticket(&ticket)?).await {
        Err(Error::Refused { code, .. }) => {
            ensure!(code == "sign_in_token_invalid", "refused as {code}")
        }
        other => anyhow::bail!("a used ticket signed in: {other:?}"),
    }
    ensure!(
        vestibule.log().contains("signed in with a sign-in token"),
        "the instance logs ticket sign-ins"
    );

    mara.close().await?;
    priya.close().await?;
    let _ = app.start_kill();
    let _ = app.wait().await;
    Ok(())
}
