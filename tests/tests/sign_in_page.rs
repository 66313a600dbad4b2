//! The portal's sign-in page in a real browser against the real server.

use vestibule_e2e::{Browser, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_page_offers_continue_with_atlassian() -> anyhow::Result<()> {
    let server = Server::start().await?;
    let browser = Browser::start().await?;
    browser.goto(&format!("{}/sign-in", server.url)).await?;

    let button = browser.find("sign-in-button-atlassian").await?;
    let text = button.text().await?;
    browser.screenshot("sign-in").await?;
    assert!(
        text.contains("Continue with Atlassian"),
        "button text was {text:?}"
    );

    browser.close().await?;
    server.stop().await
}
