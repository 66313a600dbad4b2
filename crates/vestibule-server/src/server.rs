//! Starting and stopping one instance: resolve the configuration, bind, serve, shut down.

use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use crate::config::ServeArgs;
use crate::portal::Portal;
use crate::state::{AppState, Settings, Shared};

/// A server accepting connections in this process.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn public_url(&self) -> &Url {
        &self.state.settings.public_url
    }

    /// `path` on the public URL.
    pub fn url(&self, path: &str) -> String {
        self.state.settings.url(path)
    }

    /// Lines for the operator: the readiness line first (harnesses wait for it).
    pub fn banner(&self) -> Vec<String> {
        let urls = self.state.settings.portal_urls();
        vec![
            format!("vestibule listening on http://{}", self.local_addr),
            format!(
                "{} instance at {}",
                self.state.settings.environment.as_str(),
                self.url("")
            ),
            format!("sign-in page: {}", urls.sign_in_url),
            format!("sign-up page: {}", urls.sign_up_url),
            format!("user profile: {}", urls.user_profile_url),
        ]
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stops (after [`RunningServer::shutdown`] or an I/O failure).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")??;
        Ok(())
    }

    /// A handle that triggers graceful shutdown from elsewhere (a signal handler).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Resolves `args`, binds the listener and starts serving in a background task. When this
/// returns the socket is listening, so the caller may announce readiness.
pub async fn start(args: ServeArgs) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local_addr = listener.local_addr()?;

    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{local_addr}"))?,
    };
    let settings = Settings {
        environment: args.environment.into(),
        public_url,
        application_name: args.application_name.clone(),
    };
    let portal = Portal::load(&args.dist_dir);
    let state = AppState::new(Shared { settings, portal });

    let router = crate::app(state.clone());
    let (shutdown, mut shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = shutdown_rx.wait_for(|stop| *stop).await;
            })
            .await
    });

    Ok(RunningServer {
        local_addr,
        state,
        shutdown,
        task,
    })
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
