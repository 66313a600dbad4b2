//! The browser test harness: starts the real `vestibule` binary and a headless Chromium
//! driven over WebDriver, and keeps screenshots of what the tests saw.
//!
//! The binary and the built portal come from the environment that `cargo xtask test` sets
//! (`VESTIBULE_BIN`, `VESTIBULE_DIST_DIR`); run the suite through the xtask, or set them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

mod static_site;
pub use static_site::{EXAMPLE_VESTIBULE_URL, StaticSite};

/// How long a test waits for a page element before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// Where screenshots go: `target/e2e-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    workspace_root().join("target/e2e-artifacts")
}

/// `var` from the environment as a path, else `default` under the workspace root.
pub fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(default))
}

/// The example's backend (`jira-issues`), started with `args`; ready once it prints
/// `jira-issues listening on`.
pub async fn start_jira_issues(args: &[&str]) -> Result<Child> {
    let bin = env_path("JIRA_ISSUES_BIN", "target/debug/jira-issues");
    let dist = env_path("JIRA_ISSUES_DIST_DIR", "examples/jira-issues/dist");
    anyhow::ensure!(
        bin.exists() && dist.join("index.html").exists(),
        "{} or {} is missing: run the suite with `cargo xtask test e2e`",
        bin.display(),
        dist.display()
    );
    let mut child = Command::new(&bin)
        .arg("--dist-dir")
        .arg(&dist)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if line.starts_with("jira-issues listening on") {
                return Ok::<_, anyhow::Error>(true);
            }
        }
        Ok(false)
    })
    .await;
    anyhow::ensure!(
        matches!(ready, Ok(Ok(true))),
        "jira-issues did not report `jira-issues listening on`"
    );
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(child)
}

/// A CSS selector for a `data-testid`.
pub fn testid(id: &str) -> Locator<'static> {
    Locator::Css(Box::leak(
        format!("[data-testid=\"{id}\"]").into_boxed_str(),
    ))
}

/// A running `vestibule serve` child process on a free loopback port.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The in-process Atlassian emulator's base URL, when the instance started one.
    pub emulator_url: Option<String>,
    /// Everything the server printed to stdout and stderr, for assertions on logs.
    pub output: Arc<Mutex<Vec<String>>>,
    pub data_dir: tempfile::TempDir,
    child: Child,
}

impl Server {
    /// Starts a development instance with zero configuration.
    pub async fn start() -> Result<Self> {
        Self::start_with(&[], &[]).await
    }

    /// Starts the binary with extra arguments and environment variables.
    pub async fn start_with(args: &[&str], envs: &[(&str, &str)]) -> Result<Self> {
        Self::start_listening("127.0.0.1:0", args, envs).await
    }

    /// Starts the binary on a chosen address (`127.0.0.1:PORT`), for a test that must know
    /// the port before the server starts (to put it into `--public-url`).
    pub async fn start_listening(
        listen: &str,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Result<Self> {
        let bin = env_path("VESTIBULE_BIN", "target/debug/vestibule");
        let dist = env_path("VESTIBULE_DIST_DIR", "dist");
        anyhow::ensure!(
            bin.exists(),
            "{} is missing: run the suite with `cargo xtask test e2e`",
            bin.display()
        );
        let data_dir = tempfile::tempdir()?;
        let mut child = Command::new(&bin)
            .arg("serve")
            .args(["--listen", listen])
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--dist-dir")
            .arg(&dist)
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;

        let output = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        for (stream, is_stdout) in [
            (
                Box::new(stdout) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
                true,
            ),
            (Box::new(stderr), false),
        ] {
            let output = output.clone();
            let ready_tx = ready_tx.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    // Stored before it is announced: whoever reads the banner line finds it
                    // (and every line before it) in `output`.
                    output.lock().expect("output lock").push(line.clone());
                    if is_stdout {
                        let _ = ready_tx.send(line);
                    }
                }
            });
        }
        drop(ready_tx);

        let mut url = None;
        let mut emulator_url = None;
        // The banner ends with the callback URL, and in development with the secret key
        // after it: read to its end, so that `printed_secret_key` never races the printing.
        let (mut development, mut banner_done) = (false, false);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !banner_done {
            let line = tokio::time::timeout_at(deadline, ready_rx.recv())
                .await
                .ok()
                .flatten();
            let Some(line) = line else {
                let printed = output.lock().expect("output lock").join("\n");
                bail!("the server did not report `vestibule listening on`; it printed:\n{printed}");
            };
            if let Some(rest) = line.split("atlassian emulator at ").nth(1) {
                emulator_url = rest.split_whitespace().next().map(str::to_owned);
            }
            if let Some(rest) = line.strip_prefix("vestibule listening on ") {
                url = Some(rest.trim().to_owned());
            }
            development |= line.starts_with("development instance at ");
            banner_done = url.is_some()
                && if development {
                    line.starts_with("secret key: ")
                } else {
                    line.starts_with("callback URL: ")
                };
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while ready_rx.recv().await.is_some() {} });
        Ok(Self {
            url: url.expect("loop ends with a url"),
            emulator_url,
            output,
            data_dir,
            child,
        })
    }

    /// The secret key a development instance prints at start (`secret key: sk_test_…`).
    pub fn printed_secret_key(&self) -> Option<String> {
        self.output
            .lock()
            .expect("output lock")
            .iter()
            .find_map(|l| l.strip_prefix("secret key: ").map(|k| k.trim().to_owned()))
    }

    /// Stops the server and waits for it to exit.
    pub async fn stop(mut self) -> Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }
}

/// A headless Chromium with a fresh profile, driven through its own chromedriver.
pub struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        Self::start_with_args(&[]).await
    }

    /// A browser with extra Chromium switches, e.g.
    /// `--host-resolver-rules=MAP *.vestibule.test 127.0.0.1`.
    pub async fn start_with_args(extra_args: &[&str]) -> Result<Self> {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {chromedriver} (cargo xtask setup installs it)"))?;
        let profile = tempfile::tempdir()?;
        let caps = serde_json::json!({
            // Keeps the console and network errors for `console_errors`.
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--no-first-run",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let mut caps = caps;
        if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
            args.extend(extra_args.iter().map(|a| serde_json::Value::from(*a)));
        }
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("json! of an object"),
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => break client,
                Err(err) if tokio::time::Instant::now() > deadline => {
                    return Err(err).context("connecting to chromedriver");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Ok(Self {
            client,
            driver,
            _profile: profile,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// Waits until an element with this `data-testid` is in the page. A look-up that the
    /// page's own navigation cuts short (a sign-out that reloads it) is tried again.
    pub async fn find(&self, id: &str) -> Result<Element> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let err = match self
                .client
                .wait()
                .at_most(left)
                .for_element(testid(id))
                .await
            {
                Ok(element) => return Ok(element),
                Err(err) if aborted_by_navigation(&err) && !left.is_zero() => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(err) => err,
            };
            let url = self.client.current_url().await.map(|u| u.to_string());
            let shot = self.screenshot(&format!("missing-{id}")).await.ok();
            return Err(err).with_context(|| {
                format!("waiting for [data-testid={id}] at {url:?} (screenshot: {shot:?})")
            });
        }
    }

    /// Waits until the browser's URL satisfies `pred`, and returns it.
    pub async fn wait_for_url(&self, what: &str, pred: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await?.to_string();
            if pred(&url) {
                return Ok(url);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("waited {WAIT:?} for {what}; the browser is at {url}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element with this `data-testid` once it is in the page.
    pub async fn click(&self, id: &str) -> Result<()> {
        self.find(id)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking {id}"))
    }

    /// Waits until the element with this `data-testid` is gone from the page.
    pub async fn wait_gone(&self, id: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.client.find_all(testid(id)).await?.is_empty() {
            if tokio::time::Instant::now() > deadline {
                bail!("[data-testid={id}] is still in the page after {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// On the Atlassian consent page: picks the account and (when it has any) the site,
    /// then presses Accept.
    pub async fn consent(&self, account_id: &str, site_id: Option<&str>) -> Result<()> {
        self.click(&format!("account-option-{account_id}")).await?;
        if let Some(site_id) = site_id {
            self.find("site-select")
                .await?
                .select_by_value(site_id)
                .await?;
        }
        self.click("accept").await
    }

    /// Runs axe-core in the page and returns the serious and critical violations as
    /// `rule: help (N nodes)` lines. The script comes from `AXE_CORE_JS` (installed by
    /// `cargo xtask setup`).
    pub async fn accessibility_violations(&self) -> Result<Vec<String>> {
        let script_path = env_path(
            "AXE_CORE_JS",
            "target/node-tools/node_modules/axe-core/axe.min.js",
        );
        let axe = std::fs::read_to_string(&script_path).with_context(|| {
            format!("reading {} (run cargo xtask setup)", script_path.display())
        })?;
        self.client
            .execute(&axe, vec![])
            .await
            .context("injecting axe-core")?;
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   axe.run(document, { resultTypes: ["violations"] })
                      .then(r => done(r.violations
                          .filter(v => v.impact === "serious" || v.impact === "critical")
                          .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s): `
                                    + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))))
                      .catch(e => done(["axe failed: " + e]));"#,
                vec![],
            )
            .await
            .context("running axe-core")?;
        Ok(serde_json::from_value(result)?)
    }

    /// The browser's errors since the last call: `console.error`, uncaught exceptions,
    /// resources that failed to load (CORS, integrity, 404), as Chromium logs them.
    pub async fn console_errors(&self) -> Result<Vec<String>> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .context("reading the browser log")?;
        let entries: Vec<serde_json::Value> = serde_json::from_value(entries)?;
        Ok(entries
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect())
    }

    /// Saves a PNG of the viewport as `target/e2e-artifacts/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn close(mut self) -> Result<()> {
        self.client.clone().close().await?;
        let _ = self.driver.start_kill();
        let _ = self.driver.wait().await;
        Ok(())
    }
}

/// Chromedriver's `POST /session/{id}/se/log`: the browser log, drained on each read.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Chromium's answer to a command that a navigation of the page interrupted: not an answer
/// about the element, so the caller may ask again.
fn aborted_by_navigation(err: &fantoccini::error::CmdError) -> bool {
    matches!(err, fantoccini::error::CmdError::NotW3C(value) if value.as_str() == Some("aborted by navigation"))
}
