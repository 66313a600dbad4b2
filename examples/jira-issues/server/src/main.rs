//! `jira-issues`: the "My Jira issues" example's backend. Configure it with flags or
//! environment variables (`jira-issues --help`).

use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use jira_issues::config::{Config, origin_of};
use jira_issues::{AppState, app, connection, front_end_page};
use tokio::net::TcpListener;
use url::Url;
use vestibule_axum::{Backend, VestibuleAuth};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let bound = listener.local_addr()?;
    let public_url = match &config.public_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{bound}"))?,
    };
    let authorized_parties = if config.authorized_parties.is_empty() {
        vec![origin_of(&public_url)]
    } else {
        config.authorized_parties.clone()
    };
    // No redirects: an answer that moves elsewhere is an error, never followed with the
    // user's token attached.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    let api_url = config.api_url();
    if !config.skip_connection_setup {
        connection::ensure_jira_scopes(&http, &api_url, &config.secret_key)
            .await
            .context("configuring the Atlassian connection's Jira scopes")?;
    }
    let page = front_end_page(&config.dist_dir, &config.vestibule_url)?;
    let auth = VestibuleAuth::new(config.vestibule_url.clone())
        .authorized_parties(authorized_parties.iter().cloned())
        .jwks_url(api_url.join(".well-known/jwks.json")?);
    let backend = Backend::new(api_url, config.secret_key.clone());
    let state = AppState {
        auth,
        backend,
        http,
    };

    // The e2e harness and `cargo xtask demo` wait for this line.
    println!("jira-issues listening on {public_url} (bound to {bound})");
    tracing::info!(
        vestibule = %config.vestibule_url,
        authorized_parties = %authorized_parties.join(","),
        "serving My Jira issues"
    );
    axum::serve(listener, app(state, page, &config.dist_dir))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
