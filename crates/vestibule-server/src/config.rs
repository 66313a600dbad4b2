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
    /// Manage the instance's keys: session-token signing keys and the master key.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-seal every secret in the database with a new master key, so that the old key opens
    /// nothing. Stop the instance first; start it again with the new key.
    RotateMaster(crate::keys::RotateMasterArgs),
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

    /// Connections to the database this process opens at most.
    #[arg(
        long,
        env = "VESTIBULE_DATABASE_MAX_CONNECTIONS",
        default_value_t = 8,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub database_max_connections: u32,

    /// The longest one database statement may run (PostgreSQL cancels it; SQLite waits this
    /// long for its write lock).
    #[arg(long, env = "VESTIBULE_DATABASE_STATEMENT_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub database_statement_timeout: Duration,

    /// How long a request waits for a database connection before it fails (so that a
    /// database that is down answers 503 instead of hanging).
    #[arg(long, env = "VESTIBULE_DATABASE_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = parse_duration)]
    pub database_acquire_timeout: Duration,

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

    /// The script bundle any web page loads (`cargo xtask js` builds it into `js-dist/`).
    #[arg(long, env = "VESTIBULE_JS_DIR", default_value = "js-dist")]
    pub js_dir: PathBuf,

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

    /// Proxies (addresses or CIDR ranges, comma separated) whose X-Forwarded-For names the
    /// client; from anyone else the header is ignored.
    #[arg(
        long,
        env = "VESTIBULE_TRUSTED_PROXIES",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub trusted_proxies: Vec<String>,

    /// The longest a request may take before it is answered with an error.
    #[arg(long, env = "VESTIBULE_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// The longest a client may take to send a request's headers before it is disconnected.
    #[arg(long, env = "VESTIBULE_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, env = "VESTIBULE_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Wrong secret keys (dashboard sign-in, Bearer) per client address, as N/period; past it
    /// the address gets 429 before its key is even compared.
    #[arg(long, env = "VESTIBULE_RATE_LIMIT_SECRET_KEY", default_value = "10/1m", value_parser = crate::rate_limit::parse_rate)]
    pub rate_limit_secret_key: crate::rate_limit::Rate,

    /// Wrong secret keys from all addresses together.
    #[arg(long, env = "VESTIBULE_RATE_LIMIT_SECRET_KEY_TOTAL", default_value = "100/1m", value_parser = crate::rate_limit::parse_rate)]
    pub rate_limit_secret_key_total: crate::rate_limit::Rate,

    /// Admin and backend API calls per secret key.
    #[arg(long, env = "VESTIBULE_RATE_LIMIT_SECRET_KEY_REQUESTS", default_value = "6000/1m", value_parser = crate::rate_limit::parse_rate)]
    pub rate_limit_secret_key_requests: crate::rate_limit::Rate,

    /// Session tokens minted per session.
    #[arg(long, env = "VESTIBULE_RATE_LIMIT_TOKEN_MINTING", default_value = "600/1m", value_parser = crate::rate_limit::parse_rate)]
    pub rate_limit_token_minting: crate::rate_limit::Rate,

    /// OAuth starts per client address.
    #[arg(long, env = "VESTIBULE_RATE_LIMIT_OAUTH_START", default_value = "1200/1m", value_parser = crate::rate_limit::parse_rate)]
    pub rate_limit_oauth_start: crate::rate_limit::Rate,

    /// OAuth flows one client address may have pending (started within a flow's 10 minutes).
    #[arg(
        long,
        env = "VESTIBULE_MAX_PENDING_FLOWS_PER_ADDRESS",
        default_value = "2000"
    )]
    pub max_pending_flows_per_address: std::num::NonZeroU32,

    /// OAuth flows pending in total.
    #[arg(long, env = "VESTIBULE_MAX_PENDING_FLOWS", default_value = "100000")]
    pub max_pending_flows: std::num::NonZeroU32,
}

impl ServeArgs {
    /// The pool these options ask for.
    pub fn pool_settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            max_connections: self.database_max_connections,
            statement_timeout: self.database_statement_timeout,
            acquire_timeout: self.database_acquire_timeout,
        }
    }

    /// The abuse limits these options ask for.
    pub fn limit_settings(&self) -> crate::rate_limit::LimitSettings {
        crate::rate_limit::LimitSettings {
            secret_key_failures: self.rate_limit_secret_key,
            secret_key_failures_total: self.rate_limit_secret_key_total,
            oauth_starts: self.rate_limit_oauth_start,
            pending_flows_per_address: self.max_pending_flows_per_address,
            pending_flows_total: self.max_pending_flows,
            secret_key_requests: self.rate_limit_secret_key_requests,
            token_minting: self.rate_limit_token_minting,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl ServeArgs {
    /// The options as `vestibule serve` with no flags and an empty environment would parse
    /// them: the defaults (tests start from here). No `VESTIBULE_*` variable of the calling
    /// process reaches them.
    pub fn defaults() -> Self {
        let command = <Self as Args>::augment_args(clap::Command::new("vestibule"))
            .mut_args(|arg| arg.env(None));
        // Parsing an empty command line cannot fail: every option has a default or is optional.
        command
            .try_get_matches_from(["vestibule"])
            .and_then(|matches| <Self as clap::FromArgMatches>::from_arg_matches(&matches))
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

    /// Runs [`defaults_read_no_environment_child`] in a child process with `VESTIBULE_*`
    /// variables set (setting them here would race with the other tests).
    #[test]
    fn defaults_read_no_environment() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "config::tests::defaults_read_no_environment_child",
            ])
            .env("VESTIBULE_DEFAULTS_CHILD", "1")
            .env("VESTIBULE_LISTEN", "10.9.8.7:1234")
            .env("VESTIBULE_ENVIRONMENT", "production")
            .env("VESTIBULE_APPLICATION_NAME", "From the shell")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "the child test ran: {stdout}");
    }

    #[test]
    fn defaults_read_no_environment_child() {
        if std::env::var_os("VESTIBULE_DEFAULTS_CHILD").is_none() {
            return;
        }
        let args = ServeArgs::defaults();
        assert_eq!(args.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(args.environment, EnvironmentArg::Development);
        assert_eq!(args.application_name, "Vestibule");
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
