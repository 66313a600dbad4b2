//! The Atlassian emulator a development instance runs in-process when no shared credentials
//! are configured (cargo feature `embedded-emulator`, on by default). A production build can
//! leave the feature out: the fake provider and its demo secret are then not in the binary,
//! and a development instance needs `--shared-client-id` and `--shared-client-secret`.

use crate::atlassian::Credentials;

#[cfg(feature = "embedded-emulator")]
pub use atlassian_emulator::RunningEmulator as EmbeddedEmulator;

/// Without the feature there is never an emulator: this type has no values.
#[cfg(not(feature = "embedded-emulator"))]
#[derive(Debug)]
pub enum EmbeddedEmulator {}

#[cfg(not(feature = "embedded-emulator"))]
impl EmbeddedEmulator {
    pub fn base_url(&self) -> String {
        match *self {}
    }

    pub async fn shutdown(self) {
        match self {}
    }
}

/// Whether this build can start the emulator by itself.
pub const AVAILABLE: bool = cfg!(feature = "embedded-emulator");

/// Starts the emulator with its demo seed, registers this instance's callback URL with its
/// demo app, and returns that app's credentials. Auto consent by `login_hint` is on, so that
/// a headless test can start a sign-in with `?login_hint=<e-mail or account id>` and skip the
/// consent page; without a hint the page shows as usual.
#[cfg(feature = "embedded-emulator")]
pub async fn start(callback_url: &str) -> anyhow::Result<(Credentials, EmbeddedEmulator)> {
    use anyhow::Context;
    use atlassian_emulator::{Seed, demo};
    use url::Url;

    use crate::atlassian::Endpoints;
    let emulator = atlassian_emulator::start(Seed::Demo)
        .await
        .context("cannot start the Atlassian emulator")?;
    emulator
        .control()
        .add_redirect_uri(demo::CLIENT_ID, callback_url)
        .context("cannot register the callback URL with the emulator")?;
    emulator.control().set_auto_consent_by_login_hint(true);
    let credentials = Credentials {
        client_id: demo::CLIENT_ID.to_owned(),
        client_secret: demo::CLIENT_SECRET.to_owned(),
        endpoints: Endpoints {
            auth_base: Url::parse(&emulator.auth_base_url())?,
            api_base: Url::parse(&emulator.api_base_url())?,
        },
    };
    Ok((credentials, emulator))
}

/// Refuses to start: this build has no emulator, and no shared credentials were given.
#[cfg(not(feature = "embedded-emulator"))]
pub async fn start(_callback_url: &str) -> anyhow::Result<(Credentials, EmbeddedEmulator)> {
    anyhow::bail!(
        "this build has no embedded Atlassian emulator (cargo feature `embedded-emulator` is \
         off), so a development instance needs shared credentials: pass --shared-client-id \
         and --shared-client-secret (VESTIBULE_SHARED_CLIENT_ID / _SECRET) of an OAuth app, \
         with --atlassian-auth-url and --atlassian-api-url when it is not Atlassian's (for \
         example a standalone emulator: cargo run -p atlassian-emulator -- --seed demo)"
    )
}
