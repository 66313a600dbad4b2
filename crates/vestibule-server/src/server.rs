//! Starting and stopping one instance: resolve the configuration, bind, serve, shut down.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;
use vestibule_core::api::InstanceEnvironment;

use crate::atlassian::{AtlassianClient, Endpoints};
use crate::clock::Clock;
use crate::config::ServeArgs;
use crate::cookies::CookieNames;
use crate::db::{self, Db};
use crate::doctor::Doctor;
use crate::embedded_emulator::EmbeddedEmulator;
use crate::instance;
use crate::js_bundle::JsBundle;
use crate::peers::Peers;
use crate::portal::Portal;
use crate::redirect::RedirectPolicy;
use crate::state::{AppState, RefreshLocks, Settings, Shared};
use crate::store::{admin_sessions, flows, sessions, sign_in_tokens};

/// A server accepting connections in this process.
pub struct RunningServer {
    pub local_addr: SocketAddr,
    pub state: AppState,
    /// The development instance's own Atlassian emulator, when it runs one.
    pub emulator: Option<EmbeddedEmulator>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    /// Held while serving: keeps a second process off the SQLite file.
    _sqlite_lock: Option<std::fs::File>,
}

impl RunningServer {
    pub fn public_url(&self) -> &Url {
        &self.state.settings.public_url
    }

    /// `path` on the public URL.
    pub fn url(&self, path: &str) -> String {
        self.state.settings.url(path)
    }

    /// Lines for the operator. The emulator's address comes before the readiness line, so a
    /// harness that waits for the latter has read the former.
    pub fn banner(&self) -> Vec<String> {
        let settings = &self.state.settings;
        let urls = settings.portal_urls();
        let mut lines = Vec::new();
        if let Some(emulator) = &self.emulator {
            lines.push(format!("atlassian emulator at {}", emulator.base_url()));
        }
        lines.push(format!("vestibule listening on http://{}", self.local_addr));
        lines.push(format!(
            "{} instance at {}",
            settings.environment.as_str(),
            self.url("")
        ));
        lines.push(format!("sign-in page: {}", urls.sign_in_url));
        lines.push(format!("sign-up page: {}", urls.sign_up_url));
        lines.push(format!("user profile: {}", urls.user_profile_url));
        lines.push(format!("dashboard: {}", self.url("/dashboard")));
        lines.extend(self.state.js_bundle.banner(&self.url("")));
        lines.push(format!("callback URL: {}", settings.callback_url()));
        if settings.environment == InstanceEnvironment::Development {
            // Development only: the operator needs it to open the dashboard.
            lines.push(format!("secret key: {}", self.state.secret_key));
        }
        lines
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stops (after [`RunningServer::shutdown`] or an I/O failure).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")??;
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
        Ok(())
    }

    /// A handle that triggers graceful shutdown from elsewhere (a signal handler).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Resolves `args`, opens the database, binds the listener and starts serving in a background
/// task. When this returns the socket is listening, so the caller may announce readiness.
pub async fn start(args: ServeArgs) -> anyhow::Result<RunningServer> {
    let environment: InstanceEnvironment = args.environment.into();
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local_addr = listener.local_addr()?;
    let (public_url, redirects) = public_url_and_origins(&args, environment, local_addr)?;

    instance::create_data_dir(&args.data_dir)?;
    let keys = instance::load_keys(&args, environment)?;
    let sqlite_lock = db::lock_sqlite(args.database_url.as_deref(), &args.data_dir)?;
    let db = db::connect_with(
        args.database_url.as_deref(),
        &args.data_dir,
        &args.pool_settings(),
    )
    .await?;
    let (peers, peer_queue) = match &db {
        Db::Postgres(pool) => {
            let (peers, queue) = Peers::shared(pool.clone());
            (peers, Some(queue))
        }
        Db::Sqlite(_) => (Peers::default(), None),
    };
    let instance_id = instance::instance_id(&db).await?;
    let clock = Clock::default();

    let settings = Settings {
        environment,
        public_url: public_url.clone(),
        application_name: args.application_name.clone(),
        session_inactivity: args.session_inactivity_timeout.as_secs() as i64,
        session_lifetime: args.session_lifetime.as_secs() as i64,
    };
    let (shared_credentials, emulator) = match environment {
        InstanceEnvironment::Development => {
            instance::seed_development_connection(&db, clock.now()).await?;
            let (credentials, emulator) =
                instance::shared_credentials(&args, &settings.callback_url()).await?;
            (Some(credentials), emulator)
        }
        InstanceEnvironment::Production => (None, None),
    };
    let trusted_proxies = crate::client_addr::TrustedProxies::parse(&args.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
    let signing_keys =
        crate::session_tokens::SigningKeys::load(&db, &keys.master_key, clock.now()).await?;

    let state = AppState::new(Shared {
        cookies: CookieNames::new(&instance_id, settings.is_https()),
        settings,
        portal: Portal::load(&args.dist_dir),
        js_bundle: load_js_bundle(&args.js_dir).await,
        extra_image_origins: emulator.iter().map(EmbeddedEmulator::base_url).collect(),
        db,
        master_key: keys.master_key,
        secret_key: keys.secret_key,
        clock,
        redirects,
        atlassian: AtlassianClient::new(args.provider_connect_timeout, args.provider_timeout)?,
        provider_endpoints: Endpoints {
            auth_base: args.atlassian_auth_url.clone(),
            api_base: args.atlassian_api_url.clone(),
        },
        shared_credentials,
        sessions: Default::default(),
        users: Default::default(),
        peers: peers.clone(),
        refresh_locks: RefreshLocks::default(),
        abuse: crate::rate_limit::AbuseLimits::new(args.limit_settings()),
        trusted_proxies,
        request_timeout: args.request_timeout,
        signing_keys,
        doctor: Doctor::new(args.provider_connect_timeout, args.provider_timeout)?,
    });
    tracing::info!(
        environment = environment.as_str(),
        %instance_id,
        public_url = %public_url,
        "instance ready"
    );

    let router = crate::app(state.clone());
    let (shutdown, mut shutdown_rx) = watch::channel(false);
    if let Some(queue) = peer_queue {
        state.sessions.announce_to(peers.clone());
        state.users.announce_to(peers);
        crate::peers::spawn(state.clone(), queue, shutdown.subscribe());
    }
    tokio::spawn(sweep_expired(state.clone(), shutdown.subscribe()));
    tokio::spawn(crate::session_tokens::reload_periodically(
        state.clone(),
        shutdown.subscribe(),
    ));
    let limits = crate::http_serve::ConnectionLimits {
        header_read_timeout: args.header_read_timeout,
        max_connections: args.max_connections,
    };
    let task = tokio::spawn(crate::http_serve::serve(
        listener,
        router,
        limits,
        async move {
            let _ = shutdown_rx.wait_for(|stop| *stop).await;
        },
    ));

    Ok(RunningServer {
        local_addr,
        state,
        emulator,
        shutdown,
        task,
        _sqlite_lock: sqlite_lock,
    })
}

/// The instance's public URL (from `--public-url`, or the listener's address) and the one
/// allow-list of `--allowed-origins` and its older name `--allowed-redirect-origins`, each
/// refused with a sentence when it cannot work.
fn public_url_and_origins(
    args: &ServeArgs,
    environment: InstanceEnvironment,
    local_addr: SocketAddr,
) -> anyhow::Result<(Url, RedirectPolicy)> {
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => default_public_url(local_addr)?,
    };
    if environment == InstanceEnvironment::Production {
        instance::check_production(args, &public_url)?;
    }
    if public_url.path() != "/" {
        anyhow::bail!("--public-url must be an origin without a path (got {public_url})");
    }
    let allowed_origins: Vec<String> = args
        .allowed_origins
        .iter()
        .chain(&args.allowed_redirect_origins)
        .cloned()
        .collect();
    crate::cors::check_allowed_origins(environment, &public_url, &allowed_origins)?;
    let redirects = RedirectPolicy::new(&public_url, &allowed_origins)
        .map_err(|e| anyhow::anyhow!("--allowed-origins: {e}"))?;
    Ok((public_url, redirects))
}

/// The script bundle in `dir`, compressed off the async threads. A broken bundle is logged
/// and not served: the instance's sign-in works without it.
async fn load_js_bundle(dir: &std::path::Path) -> JsBundle {
    let owned = dir.to_owned();
    let loaded = tokio::task::spawn_blocking(move || JsBundle::load(&owned)).await;
    match loaded {
        Ok(Ok(bundle)) => {
            bundle.compress_in_background();
            if bundle.modules().is_none() {
                tracing::warn!(
                    js_dir = %dir.display(),
                    "no script bundle: /v1/js/* answer 404; build it with `{}`",
                    crate::js_bundle::BUILD_COMMAND
                );
            }
            bundle
        }
        Ok(Err(e)) => {
            tracing::error!(js_dir = %dir.display(), error = %e, "the script bundle cannot be served");
            JsBundle::missing(dir)
        }
        Err(e) => {
            tracing::error!(error = %e, "loading the script bundle panicked");
            JsBundle::missing(dir)
        }
    }
}

/// `http://<bound address>`; a wildcard address (`0.0.0.0`, `::`) becomes loopback, which a
/// browser on this machine can reach.
fn default_public_url(bound: SocketAddr) -> anyhow::Result<Url> {
    let ip = match bound.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    Ok(Url::parse(&format!(
        "http://{}",
        SocketAddr::new(ip, bound.port())
    ))?)
}

/// Deletes expired sessions, admin sessions and flows every minute, so that abandoned flows
/// stop taking room soon after they expire.
async fn sweep_expired(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let now = state.clock.now();
        let swept = async {
            let s =
                sessions::delete_expired(&state.db, now, state.settings.session_inactivity).await?;
            let a = admin_sessions::delete_expired(&state.db, now).await?;
            let f = flows::delete_abandoned(&state.db, now).await?;
            let t = sign_in_tokens::delete_expired(&state.db, now).await?;
            Ok::<_, sqlx::Error>(s + a + f + t)
        }
        .await;
        match swept {
            Ok(0) => {}
            Ok(n) => tracing::debug!(rows = n, "expired rows deleted"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired rows failed"),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listen_addresses_default_to_loopback_urls() {
        let url = |addr: &str| {
            default_public_url(addr.parse().unwrap())
                .unwrap()
                .to_string()
        };
        assert_eq!(url("0.0.0.0:3000"), "http://127.0.0.1:3000/");
        assert_eq!(url("[::]:3000"), "http://[::1]:3000/");
        assert_eq!(url("127.0.0.1:4000"), "http://127.0.0.1:4000/");
    }
}
