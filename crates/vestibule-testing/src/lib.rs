//! Sign in, in one line, in your own headless browser tests of an app that uses Vestibule.
//!
//! Two ways, both through a real browser driven by [`fantoccini`]:
//!
//! - **Through the real OAuth flow** ([`SignInAs::email`]): a development instance passes
//!   `login_hint` to its Atlassian emulator, which consents at once as the seeded account that
//!   the hint names. The browser goes through start, authorize and callback like a person's,
//!   without seeing the consent page.
//! - **With a sign-in token** ([`SignInAs::ticket`]): the backend API (secret key) makes a
//!   single-use link for an existing user ([`TestInstance::sign_in_token`]); visiting it signs
//!   the browser in. Works on production instances too.
//!
//! [`TestInstance::start`] runs a development instance (the `vestibule` binary) on a free
//! port with its own data directory; when a test fails it prints where its data and log are.
//!
//! ```no_run
//! # async fn example(client: fantoccini::Client) -> Result<(), vestibule_testing::Error> {
//! use vestibule_testing::{SignInAs, TestInstance, sign_in};
//!
//! let vestibule = TestInstance::builder()
//!     .allowed_origin("http://127.0.0.1:8080")
//!     .start()
//!     .await?;
//! // Mara, a seeded emulator account, through the real flow; back on the app's page.
//! sign_in(&client, &vestibule.as_email("mara.jensen@example.com", "http://127.0.0.1:8080/")).await?;
//!
//! // Or with a ticket for a user the instance knows.
//! let user = vestibule.user_by_email("mara.jensen@example.com").await?.expect("signed in before");
//! let ticket = vestibule.sign_in_token(&user.id, Some("http://127.0.0.1:8080/")).await?;
//! sign_in(&client, &SignInAs::ticket(&ticket)?).await?;
//! # Ok(()) }
//! ```

mod instance;
mod sign_in;

pub use instance::{TestInstance, TestInstanceBuilder};
pub use sign_in::{SignInAs, sign_in, sign_out};

/// Everything the helpers can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `vestibule` binary could not be started, or did not report that it listens.
    #[error("cannot start vestibule: {0}")]
    Start(String),
    /// The instance refused the sign-in; `code` is its stable error code
    /// (`sign_in_token_invalid`, `invalid_redirect_url`, …).
    #[error("the sign-in was refused with {code} (the browser is at {url})")]
    Refused { code: String, url: String },
    /// The backend API answered with an error.
    #[error("the backend API answered {status}: {body}")]
    Api { status: u16, body: String },
    #[error("WebDriver: {0}")]
    WebDriver(#[from] fantoccini::error::CmdError),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("the backend API's answer: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("bad URL: {0}")]
    Url(#[from] url::ParseError),
}
