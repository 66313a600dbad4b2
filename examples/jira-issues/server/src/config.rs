//! The example's configuration: every option a flag and an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use url::Url;

/// "My Jira issues": an app with its own backend that signs people in with Vestibule and
/// lists the Jira issues assigned to them.
#[derive(Debug, Clone, Parser)]
#[command(name = "jira-issues", version, about)]
pub struct Config {
    /// The Vestibule server's public URL, as browsers reach it (the session tokens' issuer).
    #[arg(long, env = "VESTIBULE_URL", default_value = "http://127.0.0.1:3000")]
    pub vestibule_url: Url,

    /// Where this backend reaches Vestibule's backend API and JWKS, when that differs from
    /// what browsers use (a private address) [default: --vestibule-url].
    #[arg(long, env = "VESTIBULE_API_URL")]
    pub vestibule_api_url: Option<Url>,

    /// The Vestibule instance's secret key (backend and admin API).
    #[arg(long, env = "VESTIBULE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: String,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "JIRA_ISSUES_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,

    /// The URL browsers reach this app at [default: http://<bound listen address>].
    #[arg(long, env = "JIRA_ISSUES_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Origins whose session tokens this backend accepts (the tokens' `azp`, comma
    /// separated) [default: the public URL's origin].
    #[arg(long, env = "JIRA_ISSUES_AUTHORIZED_PARTIES", value_delimiter = ',')]
    pub authorized_parties: Vec<String>,

    /// The built front end (`trunk build` in examples/jira-issues/web).
    #[arg(
        long,
        env = "JIRA_ISSUES_DIST_DIR",
        default_value = "examples/jira-issues/dist"
    )]
    pub dist_dir: PathBuf,

    /// Leave the Atlassian connection's scopes alone instead of adding the Jira ones.
    #[arg(long, env = "JIRA_ISSUES_SKIP_CONNECTION_SETUP")]
    pub skip_connection_setup: bool,
}

impl Config {
    /// Where the backend API and the JWKS are fetched from.
    pub fn api_url(&self) -> Url {
        self.vestibule_api_url
            .clone()
            .unwrap_or_else(|| self.vestibule_url.clone())
    }
}

/// An origin as browsers serialize it (`http://app.example.test:4000`, no trailing slash):
/// the form the token's `azp` claim takes.
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_have_no_path_and_no_default_port() {
        let url = Url::parse("https://app.example.test:443/some/page").unwrap();
        assert_eq!(origin_of(&url), "https://app.example.test");
        let url = Url::parse("http://app.vestibule.test:4123/").unwrap();
        assert_eq!(origin_of(&url), "http://app.vestibule.test:4123");
    }
}
