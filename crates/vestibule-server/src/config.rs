//! Command line and environment configuration: every option is a flag and a `VESTIBULE_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use url::Url;
use vestibule_core::api::InstanceEnvironment;

/// Vestibule's companion server.
#[derive(Debug, Parser)]
#[command(name = "vestibule", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve one instance: the frontend, admin and backend APIs and the account portal.
    Serve(Box<ServeArgs>),
    /// Manage the instance's session-token signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key that signs from now on; the old one stays in the JWKS until every
    /// token it signed has expired. Running servers pick it up within seconds. Takes the same
    /// options as `serve` (the data dir, database and master key matter).
    Rotate(Box<ServeArgs>),
}

/// Which kind of instance this process serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentArg {
    /// Zero configuration: shared credentials served by the in-process Atlassian emulator.
    Development,
    /// Only the app's own Atlassian credentials; refuses to start without its secrets.
    Production,
}

impl From<EnvironmentArg> for InstanceEnvironment {
    fn from(value: EnvironmentArg) -> Self {
        match value {
            EnvironmentArg::Development => InstanceEnvironment::Development,
            EnvironmentArg::Production => InstanceEnvironment::Production,
        }
    }
}

/// Options of `vestibule serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Development (zero configuration) or production.
    #[arg(
        long,
        env = "VESTIBULE_ENVIRONMENT",
        value_enum,
        default_value = "development"
    )]
    pub environment: EnvironmentArg,

    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "VESTIBULE_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Where the database and the generated development keys live.
    #[arg(long, env = "VESTIBULE_DATA_DIR", default_value = ".vestibule")]
    pub data_dir: PathBuf,

    /// The URL browsers reach this server at [default: http://<bound listen address>].
    #[arg(long, env = "VESTIBULE_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Database URL [default: sqlite in the data dir].
    #[arg(long, env = "VESTIBULE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// 32 bytes, hex or base64, that encrypt secrets at rest [development: generated].
    #[arg(long, env = "VESTIBULE_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,

    /// The key for the admin and backend APIs [development: generated].
    #[arg(long, env = "VESTIBULE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Atlassian's authorization server.
    #[arg(
        long,
        env = "VESTIBULE_ATLASSIAN_AUTH_URL",
        default_value = "https://auth.atlassian.com"
    )]
    pub atlassian_auth_url: Url,

    /// Atlassian's API host.
    #[arg(
        long,
        env = "VESTIBULE_ATLASSIAN_API_URL",
        default_value = "https://api.atlassian.com"
    )]
    pub atlassian_api_url: Url,

    /// Origins of apps that embed the components (comma separated, each just
    /// scheme://host[:port]): the frontend API answers them with CORS and credentials, and
    /// `redirect_url` may point at them.
    #[arg(
        long,
        env = "VESTIBULE_ALLOWED_ORIGINS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_origins: Vec<String>,

    /// The older name of `--allowed-origins`; both lists are merged into one.
    #[arg(
        long,
        env = "VESTIBULE_ALLOWED_REDIRECT_ORIGINS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_redirect_origins: Vec<String>,

    /// A session ends after this long without a request (e.g. 30m, 12h, 7d).
    #[arg(
        long,
        env = "VESTIBULE_SESSION_INACTIVITY_TIMEOUT",
        default_value = "7d",
        value_parser = parse_duration
    )]
    pub session_inactivity_timeout: Duration,

    /// A session ends this long after sign-in, however active.
    #[arg(
        long,
        env = "VESTIBULE_SESSION_LIFETIME",
        default_value = "30d",
        value_parser = parse_duration
    )]
    pub session_lifetime: Duration,

    /// The application's name, shown on the sign-in card.
    #[arg(long, env = "VESTIBULE_APPLICATION_NAME", default_value = "Vestibule")]
    pub application_name: String,

    /// The built account portal (Trunk's `dist/`).
    #[arg(long, env = "VESTIBULE_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// Shared development credentials' client id [default: the in-process emulator's demo app].
    #[arg(
        long,
        env = "VESTIBULE_SHARED_CLIENT_ID",
        requires = "shared_client_secret"
    )]
    pub shared_client_id: Option<String>,

    /// Shared development credentials' client secret.
    #[arg(
        long,
        env = "VESTIBULE_SHARED_CLIENT_SECRET",
        hide_env_values = true,
        requires = "shared_client_id"
    )]
    pub shared_client_secret: Option<String>,

    /// Total time allowed for one call to Atlassian.
    #[arg(
        long,
        env = "VESTIBULE_PROVIDER_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration
    )]
    pub provider_timeout: Duration,

    /// Time allowed to connect to Atlassian.
    #[arg(
        long,
        env = "VESTIBULE_PROVIDER_CONNECT_TIMEOUT",
        default_value = "5s",
        value_parser = parse_duration
    )]
    pub provider_connect_timeout: Duration,

    /// Log format on stderr.
    #[arg(long, env = "VESTIBULE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    /// The options as `vestibule serve` with no flags would parse them (tests start from here).
    pub fn defaults() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        // Parsing an empty command line cannot fail: every option has a default or is optional.
        Only::try_parse_from(["vestibule"])
            .map(|o| o.args)
            .unwrap_or_else(|e| panic!("defaults must parse: {e}"))
    }
}

/// `250ms`, `30s`, `15m`, `12h`, `7d`, or plain seconds.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let input = input.trim();
    let split = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    let (number, unit) = input.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("\"{input}\" is not a duration like 30s, 15m, 12h or 7d"))?;
    let seconds = |factor: u64| {
        number
            .checked_mul(factor)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("\"{input}\" is too long"))
    };
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "" | "s" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(86_400),
        _ => Err(format!(
            "\"{input}\" has an unknown unit; use ms, s, m, h or d"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_duration("7 weeks").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn defaults_are_a_zero_config_development_instance() {
        let args = ServeArgs::defaults();
        assert_eq!(args.environment, EnvironmentArg::Development);
        assert_eq!(args.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(args.data_dir, PathBuf::from(".vestibule"));
        assert_eq!(
            args.session_inactivity_timeout,
            Duration::from_secs(7 * 86_400)
        );
        assert_eq!(args.session_lifetime, Duration::from_secs(30 * 86_400));
    }
}
