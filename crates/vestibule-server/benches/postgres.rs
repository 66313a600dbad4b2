//! `cargo bench -p vestibule-server --bench postgres`
//!
//! The session check (`GET /v1/client`, 64 keep-alive connections) on one process on SQLite,
//! one on PostgreSQL, and two on PostgreSQL with the connections split between them; and
//! complete sign-in flows on PostgreSQL. Each figure is the median of several runs and comes
//! with the database statements per request, counted from the server's own `sqlx::query`
//! log lines (a warm session check should need none). PostgreSQL comes from
//! `VESTIBULE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); a
//! database is created for the run and dropped after. Without PostgreSQL it says so and
//! measures SQLite only.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atlassian_emulator::{AutoConsent, OAuthApp, RunningEmulator, Seed, demo};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use support::{listening_address, median, percentile, sign_in};

const RUNS: usize = 5;
const CONNECTIONS: usize = 64;
const REQUESTS_PER_CONNECTION: usize = 200;
const FLOWS_PER_RUN: usize = 60;
const FLOW_CONCURRENCY: usize = 8;
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-client-secret-0123456789";
const SECRET_KEY: &str = "sk_live_benchmark_0123456789abcdefghijklmnop";

/// A `vestibule serve` child whose statement log lines are counted.
struct Server {
    child: Child,
    addr: String,
    statements: Arc<AtomicU64>,
    _data_dir: tempfile::TempDir,
}

impl Server {
    fn spawn(
        database_url: Option<&str>,
        public_url: Option<&str>,
        emulator: &RunningEmulator,
    ) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_vestibule"));
        command
            .args([
                "serve",
                "--environment",
                "production",
                "--listen",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--dist-dir")
            .arg(data_dir.path().join("no-dist"))
            .args(["--atlassian-auth-url", &emulator.auth_base_url()])
            .args(["--atlassian-api-url", &emulator.api_base_url()])
            .env("VESTIBULE_MASTER_KEY", "7f".repeat(32))
            .env("VESTIBULE_SECRET_KEY", SECRET_KEY)
            .env("RUST_LOG", "warn,sqlx::query=debug")
            .env_remove("VESTIBULE_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        if let Some(url) = public_url {
            command.args(["--public-url", url]);
        }
        let mut child = command.spawn().expect("run the vestibule binary");
        let statements = Arc::new(AtomicU64::new(0));
        let counted = statements.clone();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if line.contains("sqlx::query") {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        let addr = listening_address(&mut child, "vestibule listening on http://");
        Self {
            child,
            addr,
            statements,
            _data_dir: data_dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// `CONNECTIONS` keep-alive connections spread over `addrs`, each sending
/// `REQUESTS_PER_CONNECTION` session checks. Returns (sorted latencies, requests per second).
async fn session_checks(addrs: &[String], cookie: &str) -> (Vec<Duration>, f64) {
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for i in 0..CONNECTIONS {
        let addr = addrs[i % addrs.len()].clone();
        let cookie = cookie.to_owned();
        workers.spawn(async move {
            let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut latencies = Vec::with_capacity(REQUESTS_PER_CONNECTION);
            for _ in 0..REQUESTS_PER_CONNECTION {
                let request = hyper::Request::get("/v1/client")
                    .header("host", &addr)
                    .header("cookie", &cookie)
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                let sent = Instant::now();
                sender.ready().await.unwrap();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 200);
                let body = response.into_body().collect().await.unwrap().to_bytes();
                latencies.push(sent.elapsed());
                assert!(body.starts_with(b"{\"session\":{"), "still signed in");
            }
            latencies
        });
    }
    let mut all = Vec::new();
    for latencies in workers.join_all().await {
        all.extend(latencies);
    }
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (all, rps)
}

/// Starts `count` processes on `database_url` (SQLite when `None`), the later ones announcing
/// the first one's URL, and creates the Atlassian connection.
async fn start(
    count: usize,
    database_url: Option<&str>,
    emulator: &RunningEmulator,
    http: &reqwest::Client,
) -> Vec<Server> {
    let first = Server::spawn(database_url, None, emulator);
    let public = first.url("");
    let mut servers = vec![first];
    for _ in 1..count {
        servers.push(Server::spawn(database_url, Some(&public), emulator));
    }
    emulator.control().register_app(
        OAuthApp::new(CLIENT_ID, CLIENT_SECRET, "Bench", demo::ACCOUNT_THREE_SITES)
            .with_redirect_uri(servers[0].url("/v1/oauth_callback")),
    );
    let created = http
        .post(servers[0].url("/v1/admin/connections"))
        .bearer_auth(SECRET_KEY)
        .json(&serde_json::json!({
            "provider": "atlassian",
            "use_custom_credentials": true,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    servers
}

fn statements(servers: &[Server]) -> u64 {
    servers.iter().map(Server::statements).sum()
}

async fn measure_session_checks(label: &str, servers: &[Server], http: &reqwest::Client) {
    let cookie = sign_in(http, &servers[0].addr).await;
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    session_checks(&addrs, &cookie).await;
    let before = statements(servers);
    let (mut p50s, mut p99s, mut rpss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (latencies, rps) = session_checks(&addrs, &cookie).await;
        p50s.push(percentile(&latencies, 0.50).as_secs_f64() * 1e6);
        p99s.push(percentile(&latencies, 0.99).as_secs_f64() * 1e6);
        rpss.push(rps);
    }
    // The log lines of the last requests may still be on their way.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let requests = (RUNS * CONNECTIONS * REQUESTS_PER_CONNECTION) as f64;
    println!(
        "session_check {label} connections={CONNECTIONS} runs={RUNS} p50_us={:.0} p99_us={:.0} rps={:.0} db_statements_per_request={:.4}",
        median(&mut p50s),
        median(&mut p99s),
        median(&mut rpss),
        (statements(servers) - before) as f64 / requests
    );
}

async fn measure_flows(label: &str, servers: &[Server], http: &reqwest::Client) {
    let servers = Arc::new(servers.iter().map(|s| s.addr.clone()).collect::<Vec<_>>());
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..FLOW_CONCURRENCY {
            let http = http.clone();
            let addrs = servers.clone();
            workers.spawn(async move {
                for _ in (worker..FLOWS_PER_RUN).step_by(FLOW_CONCURRENCY) {
                    sign_in(&http, &addrs[0]).await;
                }
            });
        }
        workers.join_all().await;
        rates.push(FLOWS_PER_RUN as f64 / started.elapsed().as_secs_f64());
    }
    println!(
        "sign_in_flow {label} concurrency={FLOW_CONCURRENCY} flows_per_run={FLOWS_PER_RUN} runs={RUNS} flows_per_s={:.0}",
        median(&mut rates)
    );
}

/// PostgreSQL for the run: a fresh database, dropped by [`drop_database`].
async fn create_database() -> Option<(String, PgConnectOptions, String)> {
    let admin_url = std::env::var("VESTIBULE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = PgConnectOptions::from_str(&admin_url).ok()?;
    let Ok(Ok(mut conn)) = tokio::time::timeout(Duration::from_secs(5), admin.connect()).await
    else {
        println!("skipped: no PostgreSQL at {admin_url}: measuring SQLite only");
        return None;
    };
    let name = format!("vestibule_bench_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .ok()?;
    let mut url = url::Url::parse(&admin_url).ok()?;
    url.set_path(&name);
    Some((url.to_string(), admin, name))
}

async fn drop_database(admin: &PgConnectOptions, name: &str) {
    if let Ok(mut conn) = admin.connect().await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

/// A fresh schema of the bench database, as a URL whose connections use it.
async fn schema_url(database_url: &str, schema: &str) -> String {
    let mut conn = PgConnectOptions::from_str(database_url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut url = url::Url::parse(database_url).unwrap();
    url.query_pairs_mut()
        .append_pair("options[search_path]", schema);
    url.to_string()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = atlassian_emulator::start(Seed::Demo).await.unwrap();
        emulator
            .control()
            .set_auto_consent(Some(AutoConsent::new(demo::ACCOUNT_DEFAULT)));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        println!("(2 shared cores: load generator, PostgreSQL and servers on one machine; figures are medians and noisy)");

        let sqlite = start(1, None, &emulator, &http).await;
        measure_session_checks("engine=sqlite processes=1", &sqlite, &http).await;
        drop(sqlite);

        let Some((database_url, admin, name)) = create_database().await else {
            return;
        };
        let one = start(1, Some(&schema_url(&database_url, "one").await), &emulator, &http).await;
        measure_session_checks("engine=postgres processes=1", &one, &http).await;
        let before = statements(&one);
        measure_flows("engine=postgres processes=1", &one, &http).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        println!(
            "sign_in_flow engine=postgres db_statements_per_flow={:.1}",
            (statements(&one) - before) as f64 / (RUNS * FLOWS_PER_RUN) as f64
        );
        drop(one);

        let two = start(2, Some(&schema_url(&database_url, "two").await), &emulator, &http).await;
        measure_session_checks("engine=postgres processes=2", &two, &http).await;
        drop(two);
        drop_database(&admin, &name).await;
        emulator.shutdown().await;
    });
}
