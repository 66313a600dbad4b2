//! A test instance on 127.0.0.1:0 and a "browser": a reqwest client with its own cookie jar
//! that follows no redirect by itself, so each hop of a sign-in is visible.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use atlassian_emulator::{AutoConsent, EmulatorControl, OAuthApp, RunningEmulator, Seed, demo};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use serde_json::json;
use url::Url;
use vestibule_core::api::ClientState;
use vestibule_server::ServeArgs;
use vestibule_server::config::EnvironmentArg;
use vestibule_server::crypto::MasterKey;
use vestibule_server::server::{self, RunningServer};

pub const PROD_CLIENT_ID: &str = "prod-app-client-id";
pub const PROD_CLIENT_SECRET: &str = "prod-app-client-secret-Zq81";

/// Everything every server in this test binary logs, for the no-secrets test.
pub fn captured_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(Default::default)
}

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        captured_logs().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            // cookie_store is the test browsers' cookie jar (the server has none): it logs
            // every cookie it stores, which is the browser's business, not the server's.
            .with_env_filter("debug,vestibule_server=trace,cookie_store=off")
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

/// The pool of a test instance on the default SQLite file, for tests that look at its rows.
pub fn sqlite(db: &vestibule_server::db::Db) -> &sqlx::SqlitePool {
    match db {
        vestibule_server::db::Db::Sqlite(pool) => pool,
        vestibule_server::db::Db::Postgres(_) => panic!("this test reads an SQLite instance"),
    }
}

pub struct TestServer {
    pub server: RunningServer,
    pub secret_key: String,
    pub data_dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl TestServer {
    fn base_args(data_dir: &tempfile::TempDir) -> ServeArgs {
        let mut args = ServeArgs::defaults();
        args.listen = "127.0.0.1:0".parse().unwrap();
        args.data_dir = data_dir.path().to_owned();
        args.dist_dir = data_dir.path().join("no-dist");
        args.js_dir = data_dir.path().join("no-js-dist");
        args.provider_timeout = Duration::from_millis(1500);
        args.provider_connect_timeout = Duration::from_millis(500);
        args.allowed_redirect_origins = vec!["https://allowed.test".into()];
        args
    }

    /// A zero-configuration development instance, with its own emulator.
    pub async fn development() -> Self {
        Self::development_with(|_| {}).await
    }

    pub async fn development_with(configure: impl FnOnce(&mut ServeArgs)) -> Self {
        init_logs();
        let data_dir = tempfile::tempdir().unwrap();
        let mut args = Self::base_args(&data_dir);
        configure(&mut args);
        let server = server::start(args)
            .await
            .expect("development server starts");
        let secret_key = server.state.secret_key.clone();
        Self {
            server,
            secret_key,
            data_dir,
            http: plain_client(),
        }
    }

    /// A production instance whose "real Atlassian" is `emulator`; the test registers the
    /// app there with [`TestServer::register_production_app`].
    pub async fn production(emulator: &RunningEmulator) -> Self {
        Self::production_with(emulator, |_| {}).await
    }

    pub async fn production_with(
        emulator: &RunningEmulator,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> Self {
        init_logs();
        let data_dir = tempfile::tempdir().unwrap();
        let mut args = Self::base_args(&data_dir);
        args.environment = EnvironmentArg::Production;
        args.master_key = Some(MasterKey::generate_encoded());
        let secret_key = format!("sk_live_{}", vestibule_server::crypto::random_token());
        args.secret_key = Some(secret_key.clone());
        args.atlassian_auth_url = Url::parse(&emulator.auth_base_url()).unwrap();
        args.atlassian_api_url = Url::parse(&emulator.api_base_url()).unwrap();
        configure(&mut args);
        let server = server::start(args).await.expect("production server starts");
        Self {
            server,
            secret_key,
            data_dir,
            http: plain_client(),
        }
    }

    /// Registers the production app at the emulator with this instance's callback URL and
    /// creates the enabled connection with its credentials.
    pub async fn register_production_app(&self, control: &EmulatorControl) {
        control.register_app(
            OAuthApp::new(
                PROD_CLIENT_ID,
                PROD_CLIENT_SECRET,
                "Prod App",
                demo::ACCOUNT_THREE_SITES,
            )
            .with_redirect_uri(self.url("/v1/oauth_callback")),
        );
        let response = self
            .admin_post(
                "/v1/admin/connections",
                json!({
                    "provider": "atlassian",
                    "enabled_for_sign_in": true,
                    "use_custom_credentials": true,
                    "client_id": PROD_CLIENT_ID,
                    "client_secret": PROD_CLIENT_SECRET,
                }),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap()
        );
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn emulator(&self) -> &RunningEmulator {
        self.server
            .emulator
            .as_ref()
            .expect("a development instance runs an emulator")
    }

    pub fn control(&self) -> EmulatorControl {
        self.emulator().control()
    }

    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(&self.secret_key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_patch(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .patch(self.url(path))
            .bearer_auth(&self.secret_key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The id of the (only) Atlassian connection.
    pub async fn connection_id(&self) -> String {
        let list: serde_json::Value = self
            .admin_get("/v1/admin/connections")
            .await
            .json()
            .await
            .unwrap();
        list["connections"][0]["id"].as_str().unwrap().to_owned()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(sqlite(&self.server.state.db))
            .await
            .unwrap()
    }

    /// Users, external accounts and sessions.
    pub async fn counts(&self) -> (i64, i64, i64) {
        (
            self.count("users").await,
            self.count("external_accounts").await,
            self.count("sessions").await,
        )
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await.unwrap();
    }
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One browser: its own cookie jar; redirects followed by hand.
#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .user_agent("TestBrowser/1.0")
            .build()
            .unwrap();
        Self { http, jar }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.unwrap()
    }

    /// A state-changing request as a same-origin page would send it.
    pub async fn send(
        &self,
        server: &TestServer,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::Response {
        self.http
            .request(method, server.url(path))
            .header("origin", server.url(""))
            .send()
            .await
            .unwrap()
    }

    /// The `Cookie` header this browser sends to `url`.
    pub fn cookies_for(&self, url: &str) -> String {
        self.jar
            .cookies(&Url::parse(url).unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// `GET /v1/oauth/atlassian/start` and its 303, as the portal's button navigates there
    /// (a same-origin navigation, which a `connect` start requires).
    pub async fn start(&self, server: &TestServer, query: &str) -> String {
        let response = self
            .http
            .get(server.url(&format!("/v1/oauth/atlassian/start?{query}")))
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "navigate")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }

    /// Follows an authorize URL at the emulator (auto consent on) to the callback URL.
    pub async fn consent(&self, authorize_url: &str) -> String {
        let response = self.get(authorize_url).await;
        assert!(
            response.status().is_redirection(),
            "authorize answered {}: {}",
            response.status(),
            response.text().await.unwrap()
        );
        location(&response)
    }

    /// The callback's redirect target.
    pub async fn callback(&self, callback_url: &str) -> String {
        let response = self.get(callback_url).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{callback_url}");
        location(&response)
    }

    /// start → authorize (auto consent) → callback; where the browser ends up.
    pub async fn sign_in(&self, server: &TestServer, query: &str) -> String {
        let authorize = self.start(server, query).await;
        let callback = self.consent(&authorize).await;
        self.callback(&callback).await
    }

    pub async fn client_state(&self, server: &TestServer) -> ClientState {
        let response = self.get(&server.url("/v1/client")).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Auto consent as `account_id` (its first site).
pub fn consent_as(control: &EmulatorControl, account_id: &str) {
    control.set_auto_consent(Some(AutoConsent::new(account_id)));
}

/// A standalone emulator standing for the real Atlassian of a production instance.
pub async fn atlassian() -> RunningEmulator {
    atlassian_emulator::start(Seed::Demo).await.unwrap()
}

/// The `error` query parameter of a portal URL.
pub fn error_of(url: &str) -> Option<String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
}

pub fn path_of(url: &str) -> String {
    Url::parse(url).unwrap().path().to_owned()
}
