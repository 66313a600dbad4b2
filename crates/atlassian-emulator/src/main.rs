//! The `atlassian-emulator` binary: serves the emulator with its admin API until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;

use atlassian_emulator::{Emulator, Seed, demo};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// A local stand-in for Atlassian's OAuth 2.0 (3LO) provider (auth.atlassian.com and api.atlassian.com).
#[derive(Debug, Parser)]
#[command(name = "atlassian-emulator", version, about)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        env = "ATLASSIAN_EMULATOR_LISTEN",
        default_value = "127.0.0.1:4000"
    )]
    listen: SocketAddr,

    /// Starting data: "demo" (the shared development app and demo accounts) or "empty".
    #[arg(long, env = "ATLASSIAN_EMULATOR_SEED", default_value = "demo")]
    seed: Seed,

    /// Callback URLs to register for the demo app (repeat the flag, or comma-separate in the env var).
    #[arg(
        long = "redirect-uri",
        env = "ATLASSIAN_EMULATOR_REDIRECT_URIS",
        value_delimiter = ','
    )]
    redirect_uris: Vec<String>,

    /// Consent at once for `/authorize?login_hint=<email or account id>` naming a seeded account.
    #[arg(long, env = "ATLASSIAN_EMULATOR_AUTO_CONSENT_BY_LOGIN_HINT")]
    auto_consent_by_login_hint: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("atlassian_emulator=info,warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    if !cli.redirect_uris.is_empty() && cli.seed != Seed::Demo {
        eprintln!("--redirect-uri registers URLs for the demo app, which only the demo seed has");
        return std::process::ExitCode::from(2);
    }

    let emulator = match Emulator::new(cli.seed).listen_on(cli.listen).start().await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot listen on {}: {error}", cli.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    let control = emulator.control();
    for uri in &cli.redirect_uris {
        if let Err(error) = control.add_redirect_uri(demo::CLIENT_ID, uri) {
            eprintln!("{error}");
            emulator.shutdown().await;
            return std::process::ExitCode::from(2);
        }
    }
    control.set_auto_consent_by_login_hint(cli.auto_consent_by_login_hint);

    // Plain lines on stdout, so scripts (and our own tests) can read the address when the port was 0.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Atlassian OAuth 2.0 (3LO) emulator ({} seed)",
        cli.seed
    );
    let _ = writeln!(out, "base_url      {}", emulator.base_url());
    let _ = writeln!(out, "auth_base_url {}", emulator.auth_base_url());
    let _ = writeln!(out, "api_base_url  {}", emulator.api_base_url());
    let _ = writeln!(out, "admin_url     {}/__admin", emulator.base_url());
    if cli.seed == Seed::Demo {
        let _ = writeln!(out, "client_id     {}", demo::CLIENT_ID);
        let _ = writeln!(out, "client_secret {} (emulator only)", demo::CLIENT_SECRET);
    }
    let _ = out.flush();
    drop(out);

    wait_for_stop_signal().await;
    tracing::info!("stop signal received; shutting down");
    emulator.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// Ctrl-C everywhere, and SIGTERM on Unix (what container runtimes and CI send).
async fn wait_for_stop_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
