//! `cargo bench -p vestibule-server --bench efficiency`
//!
//! Per-process efficiency: what the session check's layers cost against the cheapest server
//! that could send the same answer. The real `vestibule` binary (production, SQLite, warm
//! cache) answers `GET /v1/client` with a session cookie; a bare axum route in a child process
//! answers the very same body bytes with no auth and no layers. Both run pinned to one core
//! (`taskset -c 0`), the load generator on the other (`wrk -t1 -c64`, `taskset -c 1`), and the
//! two are measured in turn so that the machine's other load falls on both alike. It prints
//! both throughputs (medians) and the session check's as a fraction of the bare route's.
//!
//! `EFFICIENCY_VESTIBULE=<path>` measures another build of the `vestibule` binary (an older
//! commit's, say) against the same bare route.
//!
//! `wrk` comes from `cargo xtask setup` (Debian's package). With `EFFICIENCY_BARE_BODY=<file>`
//! this binary is instead the bare server: it prints its address and serves the file's bytes.
//!
//! With `EFFICIENCY_CALLGRIND=<dir>` both servers run under `valgrind --tool=callgrind`
//! instead, with instrumentation switched on only around a fixed number of warm requests, and
//! it prints instructions per request for each (stable on a loaded machine, unlike wrk); the
//! profiles stay in `<dir>` for `callgrind_annotate`.

mod support;

/// The same allocator as the `vestibule` binary (its `main.rs`), so that the bare route, run
/// from this binary, is measured with it too: a faster allocator must not count as the
/// layers getting cheaper.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::{Child, Command, Stdio};

use atlassian_emulator::{AutoConsent, OAuthApp, Seed, demo};
use support::{listening_address, median, sign_in};

const RUNS: usize = 5;
const RUN_SECONDS: u32 = 4;
const SERVER_CORE: &str = "0";
const LOAD_CORE: &str = "1";
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-client-secret-0123456789";
const SECRET_KEY: &str = "sk_live_benchmark_0123456789abcdefghijklmnop";
const BARE_BODY_ENV: &str = "EFFICIENCY_BARE_BODY";
const BARE_READY: &str = "bare route listening on http://";
const CALLGRIND_ENV: &str = "EFFICIENCY_CALLGRIND";
/// Requests counted under callgrind, after as many unmeasured ones.
const CALLGRIND_REQUESTS: usize = 4000;
const CALLGRIND_CONNECTIONS: usize = 16;

/// A child process pinned to [`SERVER_CORE`] that prints its address on stdout.
struct Pinned {
    child: Child,
    addr: String,
    _data_dir: Option<tempfile::TempDir>,
}

impl Pinned {
    fn spawn(
        mut command: Command,
        ready_prefix: &str,
        data_dir: Option<tempfile::TempDir>,
    ) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run taskset (util-linux)");
        let addr = listening_address(&mut child, ready_prefix);
        Self {
            child,
            addr,
            _data_dir: data_dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `program` pinned to [`SERVER_CORE`], or under callgrind (instrumentation off until asked).
fn pinned(program: &str) -> Command {
    match std::env::var(CALLGRIND_ENV) {
        Ok(dir) => {
            let mut command = Command::new("valgrind");
            command
                .args(["--tool=callgrind", "--instr-atstart=no"])
                .arg(format!("--callgrind-out-file={dir}/callgrind.out.%p"))
                .arg(program);
            command
        }
        Err(_) => {
            let mut command = Command::new("taskset");
            command.args(["-c", SERVER_CORE, program]);
            command
        }
    }
}

fn spawn_vestibule(emulator: &atlassian_emulator::RunningEmulator) -> Pinned {
    let data_dir = tempfile::tempdir().unwrap();
    let program = std::env::var("EFFICIENCY_VESTIBULE")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_vestibule").to_owned());
    let mut command = pinned(&program);
    command
        .args(["serve", "--environment", "production"])
        .args(["--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir.path())
        .arg("--dist-dir")
        .arg(data_dir.path().join("no-dist"))
        .args(["--atlassian-auth-url", &emulator.auth_base_url()])
        .args(["--atlassian-api-url", &emulator.api_base_url()])
        .env("RUST_LOG", "warn")
        .env_remove("VESTIBULE_DATABASE_URL")
        .env("VESTIBULE_MASTER_KEY", "7f".repeat(32))
        .env("VESTIBULE_SECRET_KEY", SECRET_KEY);
    Pinned::spawn(command, "vestibule listening on http://", Some(data_dir))
}

/// Requests per second from one `wrk -t1 -c64` run on [`LOAD_CORE`]; every answer must be a
/// 200 (wrk counts other statuses as "Non-2xx").
fn wrk(url: &str, cookie: Option<&str>) -> f64 {
    let mut command = Command::new("taskset");
    command
        .args(["-c", LOAD_CORE, "wrk", "-t1", "-c64"])
        .arg(format!("-d{RUN_SECONDS}s"));
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command
        .arg(url)
        .output()
        .expect("run wrk (cargo xtask setup installs it)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    assert!(
        !text.contains("Non-2xx"),
        "some answers were not 200: {text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output: {text}"))
}

/// The bare server: one route, the body from the file, no layers.
async fn serve_bare(body_file: &str) {
    let body = axum::body::Bytes::from(std::fs::read(body_file).unwrap());
    let app = axum::Router::new().route(
        "/v1/client",
        axum::routing::get(move || {
            let body = body.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{BARE_READY}{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

async fn measure() {
    let emulator = atlassian_emulator::start(Seed::Demo).await.unwrap();
    let control = emulator.control();
    let server = spawn_vestibule(&emulator);
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
    let cookie = sign_in(&http, &server.addr).await;
    let answer = http
        .get(server.url("/v1/client"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body = answer.bytes().await.unwrap();
    assert!(body.starts_with(b"{\"session\":{"), "signed in");

    let body_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(body_file.path(), &body).unwrap();
    let mut command = pinned(&std::env::current_exe().unwrap().to_string_lossy());
    command.env(BARE_BODY_ENV, body_file.path());
    let bare = Pinned::spawn(command, BARE_READY, None);
    let bare_body = http.get(bare.url("/v1/client")).send().await.unwrap();
    assert_eq!(
        bare_body.bytes().await.unwrap(),
        body,
        "the same body bytes"
    );

    match std::env::var(CALLGRIND_ENV) {
        Ok(dir) => {
            let check = instructions_per_request(&dir, &http, &server, Some(&cookie)).await;
            let bare_ir = instructions_per_request(&dir, &http, &bare, None).await;
            println!(
                "efficiency_instructions requests={CALLGRIND_REQUESTS} connections={CALLGRIND_CONNECTIONS} session_check_ir={check} bare_route_ir={bare_ir} ratio={:.2} profiles={dir}",
                check as f64 / bare_ir as f64
            );
        }
        Err(_) => throughput(&server, &bare, cookie, body.len()).await,
    }
    drop(bare);
    drop(server);
    emulator.shutdown().await;
}

/// `count` GETs of `path`, over [`CALLGRIND_CONNECTIONS`] keep-alive connections; each a 200.
async fn requests(http: &reqwest::Client, url: String, cookie: Option<&str>, count: usize) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CALLGRIND_CONNECTIONS {
        let (http, url) = (http.clone(), url.clone());
        let cookie = cookie.map(str::to_owned);
        tasks.spawn(async move {
            for _ in 0..count / CALLGRIND_CONNECTIONS {
                let mut request = http.get(&url);
                if let Some(cookie) = &cookie {
                    request = request.header("cookie", cookie);
                }
                let answer = request.send().await.unwrap();
                assert_eq!(answer.status(), 200);
                answer.bytes().await.unwrap();
            }
        });
    }
    tasks.join_all().await;
}

fn callgrind_control(args: &[&str], pid: u32) {
    let status = Command::new("callgrind_control")
        .args(args)
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .status()
        .expect("run callgrind_control (valgrind)");
    assert!(status.success(), "callgrind_control {args:?} failed");
}

/// Instructions the server executes per `GET /v1/client`, warm: the `totals` of a profile taken
/// around exactly [`CALLGRIND_REQUESTS`] requests.
async fn instructions_per_request(
    dir: &str,
    http: &reqwest::Client,
    server: &Pinned,
    cookie: Option<&str>,
) -> u64 {
    let url = server.url("/v1/client");
    requests(http, url.clone(), cookie, CALLGRIND_REQUESTS).await;
    let pid = server.child.id();
    tokio::task::spawn_blocking(move || callgrind_control(&["--instr=on"], pid))
        .await
        .unwrap();
    requests(http, url, cookie, CALLGRIND_REQUESTS).await;
    tokio::task::spawn_blocking(move || {
        callgrind_control(&["--dump=session checks"], pid);
        callgrind_control(&["--instr=off"], pid);
    })
    .await
    .unwrap();
    let prefix = format!("callgrind.out.{pid}.");
    let dump = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .unwrap_or_else(|| panic!("no {prefix}* in {dir}"));
    let text = std::fs::read_to_string(&dump).unwrap();
    let total: u64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no totals in {}", dump.display()));
    total / CALLGRIND_REQUESTS as u64
}

/// Medians of `wrk` runs against the session check and the bare route, alternated.
async fn throughput(server: &Pinned, bare: &Pinned, cookie: String, body_bytes: usize) {
    let check_url = server.url("/v1/client");
    let bare_url = bare.url("/v1/client");
    // Warm-up, then alternate, so that load from elsewhere falls on both alike.
    let load = tokio::task::spawn_blocking(move || {
        wrk(&check_url, Some(&cookie));
        wrk(&bare_url, None);
        let (mut checks, mut bares) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            checks.push(wrk(&check_url, Some(&cookie)));
            bares.push(wrk(&bare_url, None));
        }
        (median(&mut checks), median(&mut bares))
    });
    let (check, bare_rps) = load.await.unwrap();
    println!(
        "efficiency core={SERVER_CORE} wrk=\"-t1 -c64 -d{RUN_SECONDS}s\" runs={RUNS} body_bytes={body_bytes} session_check_rps={check:.0} bare_route_rps={bare_rps:.0} fraction={:.0}% target=50%",
        check * 100.0 / bare_rps,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // `cargo bench` passes `--bench`; run regardless of the arguments.
    match std::env::var(BARE_BODY_ENV) {
        Ok(file) => runtime.block_on(serve_bare(&file)),
        Err(_) => runtime.block_on(measure()),
    }
}
