//! `cargo bench -p vestibule-server --bench server`
//!
//! Runs the real `vestibule` binary (release build) as a child process in production mode,
//! with an in-process Atlassian emulator (auto consent) standing for Atlassian, and prints
//! one line per figure, each the median of several runs:
//!
//! - `session_check`: `GET /v1/client` with a session cookie, 64 concurrent keep-alive
//!   connections, a fixed number of requests per run: p50/p99 latency and requests/s;
//! - `token_mint`: `POST /v1/client/sessions/{sid}/tokens` (session cookie, Origin), the same
//!   64 connections: p50/p99 latency and session tokens minted per second;
//! - `sign_in_flow`: complete sign-ins (start → authorize → callback → session) per second;
//! - the server runs on core 0 and this process (the load generator and the emulator) on
//!   core 1, when there are two cores and `taskset` (`BENCH_NO_PIN=1` to share them);
//! - `rss_idle` / `rss_loaded`: the child's VmRSS after start and after the load, plus a
//!   development instance's idle RSS (it also runs its emulator in-process).

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atlassian_emulator::{AutoConsent, OAuthApp, Seed, demo};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use support::{listening_address, median, percentile, sign_in};

const RUNS: usize = 7;
const CONNECTIONS: usize = 64;
const REQUESTS_PER_CONNECTION: usize = 300;
const FLOWS_PER_RUN: usize = 100;
const FLOW_CONCURRENCY: usize = 8;
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-client-secret-0123456789";

struct Server {
    child: Child,
    addr: String,
    _data_dir: tempfile::TempDir,
}

impl Server {
    fn spawn(environment: &str, emulator: Option<&atlassian_emulator::RunningEmulator>) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        // Pinned (see `pinned`): the server gets core 0 to itself.
        let mut command = if pinned() {
            let mut pinned = Command::new("taskset");
            pinned
                .args(["-c", "0"])
                .arg(env!("CARGO_BIN_EXE_vestibule"));
            pinned
        } else {
            Command::new(env!("CARGO_BIN_EXE_vestibule"))
        };
        command
            .args([
                "serve",
                "--environment",
                environment,
                "--listen",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--dist-dir")
            .arg(data_dir.path().join("no-dist"))
            // The bench measures what minting and checks cost, not the abuse limiter: one
            // session mints over 150,000 tokens here, far past the per-session default.
            .args(["--rate-limit-token-minting", "100000000/1s"])
            .env("RUST_LOG", "warn")
            .env_remove("VESTIBULE_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if environment == "production" {
            command
                .env("VESTIBULE_MASTER_KEY", hex_key())
                .env("VESTIBULE_SECRET_KEY", secret_key());
        }
        if let Some(emulator) = emulator {
            command
                .args(["--atlassian-auth-url", &emulator.auth_base_url()])
                .args(["--atlassian-api-url", &emulator.api_base_url()]);
        }
        let mut child = command.spawn().expect("run the vestibule binary");
        let addr = listening_address(&mut child, "vestibule listening on http://");
        Self {
            child,
            addr,
            _data_dir: data_dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    /// A run that fails half-way leaves no server process behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn hex_key() -> String {
    "7f".repeat(32)
}

fn secret_key() -> String {
    "sk_live_benchmark_0123456789abcdefghijklmnop".to_owned()
}

/// One kind of request the load generator repeats.
#[derive(Clone)]
struct Load {
    method: hyper::Method,
    path: String,
    cookie: String,
    origin: Option<String>,
    /// What every answer's body starts with.
    expect: &'static [u8],
}

impl Load {
    fn session_check(cookie: &str) -> Self {
        Self {
            method: hyper::Method::GET,
            path: "/v1/client".to_owned(),
            cookie: cookie.to_owned(),
            origin: None,
            expect: b"{\"session\":{",
        }
    }

    fn token_mint(cookie: &str, sid: &str, origin: String) -> Self {
        Self {
            method: hyper::Method::POST,
            path: format!("/v1/client/sessions/{sid}/tokens"),
            cookie: cookie.to_owned(),
            origin: Some(origin),
            expect: b"{\"jwt\":\"",
        }
    }
}

/// The session id of a signed-in cookie, from `GET /v1/client`.
async fn session_id(http: &reqwest::Client, server: &Server, cookie: &str) -> String {
    let client: serde_json::Value = http
        .get(server.url("/v1/client"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client["session"]["id"].as_str().unwrap().to_owned()
}

/// `CONNECTIONS` keep-alive connections, each sending `REQUESTS_PER_CONNECTION` session checks
/// back to back. Returns (sorted latencies, requests per second).
async fn session_check_run(addr: &str, cookie: &str) -> (Vec<Duration>, f64) {
    load_run(addr, Load::session_check(cookie)).await
}

/// `CONNECTIONS` keep-alive connections, each sending `REQUESTS_PER_CONNECTION` requests of
/// `load` back to back. Returns (sorted latencies, requests per second).
async fn load_run(addr: &str, load: Load) -> (Vec<Duration>, f64) {
    let load = Arc::new(load);
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        let addr = addr.to_owned();
        let load = load.clone();
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
                let mut request = hyper::Request::builder()
                    .method(load.method.clone())
                    .uri(load.path.as_str())
                    .header("host", &addr)
                    .header("cookie", load.cookie.as_str());
                if let Some(origin) = &load.origin {
                    request = request.header("origin", origin.as_str());
                }
                let request = request.body(Empty::<Bytes>::new()).unwrap();
                let sent = Instant::now();
                sender.ready().await.unwrap();
                let response = sender.send_request(request).await.unwrap();
                assert_eq!(response.status(), 200);
                let body = response.into_body().collect().await.unwrap().to_bytes();
                latencies.push(sent.elapsed());
                assert!(body.starts_with(load.expect), "still signed in");
            }
            latencies
        });
    }
    let mut all = Vec::with_capacity(CONNECTIONS * REQUESTS_PER_CONNECTION);
    for latencies in workers.join_all().await {
        all.extend(latencies);
    }
    let elapsed = started.elapsed();
    all.sort();
    let rps = all.len() as f64 / elapsed.as_secs_f64();
    (all, rps)
}

async fn flows_run(http: &reqwest::Client, server: &Arc<Server>) -> f64 {
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..FLOW_CONCURRENCY {
        let http = http.clone();
        let server = server.clone();
        workers.spawn(async move {
            let mut i = worker;
            while i < FLOWS_PER_RUN {
                sign_in(&http, &server.addr).await;
                i += FLOW_CONCURRENCY;
            }
        });
    }
    workers.join_all().await;
    FLOWS_PER_RUN as f64 / started.elapsed().as_secs_f64()
}

/// Whether the server and the load generator run on a core each (two cores or more and
/// `taskset` present; `BENCH_NO_PIN=1` turns it off). Sharing both cores, each waits for the
/// other's time slice and the p99 measures the scheduler more than the server.
fn pinned() -> bool {
    static PINNED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PINNED.get_or_init(|| {
        std::env::var_os("BENCH_NO_PIN").is_none()
            && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
            && Command::new("taskset")
                .args(["-p", "-c", "1", &std::process::id().to_string()])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

fn main() {
    // `cargo bench` passes `--bench`; run regardless of the arguments.
    // Before any thread starts, so that every thread of the load generator stays on core 1.
    let pinned = pinned();
    println!(
        "pinning server_cpu={} load_cpu={}",
        if pinned { "0" } else { "any" },
        if pinned { "1" } else { "any" }
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = atlassian_emulator::start(Seed::Demo).await.unwrap();
        let control = emulator.control();
        let server = Arc::new(Server::spawn("production", Some(&emulator)));
        control.register_app(
            OAuthApp::new(CLIENT_ID, CLIENT_SECRET, "Bench", demo::ACCOUNT_THREE_SITES)
                .with_redirect_uri(server.url("/v1/oauth_callback")),
        );
        control.set_auto_consent(Some(AutoConsent::new(demo::ACCOUNT_DEFAULT)));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let created = http
            .post(server.url("/v1/admin/connections"))
            .bearer_auth(secret_key())
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
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle = server.rss_kib();

        let cookie = sign_in(&http, &server.addr).await;
        // Warm-up: connections, caches, allocator.
        session_check_run(&server.addr, &cookie).await;
        let (mut p50s, mut p99s, mut rpss) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (latencies, rps) = session_check_run(&server.addr, &cookie).await;
            p50s.push(percentile(&latencies, 0.50).as_secs_f64() * 1e6);
            p99s.push(percentile(&latencies, 0.99).as_secs_f64() * 1e6);
            rpss.push(rps);
        }
        println!(
            "session_check connections={CONNECTIONS} requests_per_run={} runs={RUNS} p50_us={:.0} p99_us={:.0} rps={:.0}",
            CONNECTIONS * REQUESTS_PER_CONNECTION,
            median(&mut p50s),
            median(&mut p99s),
            median(&mut rpss)
        );

        let sid = session_id(&http, &server, &cookie).await;
        let mint = Load::token_mint(&cookie, &sid, server.url(""));
        load_run(&server.addr, mint.clone()).await;
        let (mut p50s, mut p99s, mut rpss) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (latencies, rps) = load_run(&server.addr, mint.clone()).await;
            p50s.push(percentile(&latencies, 0.50).as_secs_f64() * 1e6);
            p99s.push(percentile(&latencies, 0.99).as_secs_f64() * 1e6);
            rpss.push(rps);
        }
        println!(
            "token_mint connections={CONNECTIONS} requests_per_run={} runs={RUNS} p50_us={:.0} p99_us={:.0} tokens_per_s={:.0} target_p99_us=2000",
            CONNECTIONS * REQUESTS_PER_CONNECTION,
            median(&mut p50s),
            median(&mut p99s),
            median(&mut rpss)
        );

        flows_run(&http, &server).await;
        let mut flows = Vec::new();
        for _ in 0..RUNS {
            flows.push(flows_run(&http, &server).await);
        }
        println!(
            "sign_in_flow concurrency={FLOW_CONCURRENCY} flows_per_run={FLOWS_PER_RUN} runs={RUNS} flows_per_s={:.0}",
            median(&mut flows)
        );

        let rss_loaded = server.rss_kib();
        println!("rss_idle process=production-child rss_mib={:.1}", rss_idle as f64 / 1024.0);
        println!("rss_loaded process=production-child rss_mib={:.1}", rss_loaded as f64 / 1024.0);
        let server = Arc::into_inner(server).unwrap();
        server.stop();

        let dev = Server::spawn("development", None);
        tokio::time::sleep(Duration::from_millis(300)).await;
        println!(
            "rss_idle process=development-child-with-emulator rss_mib={:.1}",
            dev.rss_kib() as f64 / 1024.0
        );
        dev.stop();
        emulator.shutdown().await;
    });
}
