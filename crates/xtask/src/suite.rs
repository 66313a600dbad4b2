//! `cargo xtask test`: every check and every test suite, in the order that fails fastest,
//! ending with one `N passed, N failed` line that counts the tests of every suite.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::setup::{self, axe_core_script, tool, tools_path};
use crate::step::{cargo, describe, exec, fmt_duration, step};
use crate::workspace_root;

/// Packages whose tests run natively. The component kit is here too: its logic (sentences
/// for every error code, redirect rules, placeholders) is tested on the host as well as in
/// the browser.
const NATIVE_PACKAGES: &[&str] = &[
    "vestibule-core",
    "vestibule-components",
    "vestibule-js",
    "vestibule-server",
    "vestibule-axum",
    "vestibule-testing",
    "atlassian-emulator",
    "xtask",
    "jira-issues-api",
    "jira-issues",
];
/// Packages that compile to wasm32: the shared types, the kit, the portal and the example.
const WASM_PACKAGES: &[&str] = &[
    "vestibule-core",
    "vestibule-components",
    "vestibule-js",
    "vestibule-app",
    "vestibule-example-sign-in-page",
    "jira-issues-web",
];
/// `sizes` builds the sign-in example and the portal as shipped and fails when one is over
/// its brotli budget (`sizes.rs`).
const SUITES: &[&str] = &["fmt", "clippy", "native", "wasm", "sizes", "e2e", "js"];

/// The outcome of one suite, parsed from the test runners' `test result:` lines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
    /// Cases the PostgreSQL suite skipped because no PostgreSQL answered (each reported as
    /// `test NAME ... ignored, skipped: no PostgreSQL`); other ignored tests are not counted.
    skipped: u64,
    /// How many `test result:` lines were seen; zero means the runner never ran.
    result_lines: u64,
}

impl Counts {
    /// Reads `test result: ok. 12 passed; 0 failed; 0 ignored; ...` (libtest and
    /// wasm-bindgen-test-runner print the same line).
    fn add_line(&mut self, line: &str) {
        if line.trim_end().ends_with("ignored, skipped: no PostgreSQL") {
            self.skipped += 1;
        }
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        self.result_lines += 1;
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let n_before = |word: &str| {
                words
                    .iter()
                    .position(|w| *w == word)
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| words[i].parse::<u64>().ok())
            };
            if let Some(n) = n_before("passed") {
                self.passed += n;
            }
            if let Some(n) = n_before("failed") {
                self.failed += n;
            }
        }
    }
}

struct Outcome {
    name: &'static str,
    ok: bool,
    counts: Option<Counts>,
    seconds: f64,
    note: String,
}

pub fn run(args: &[String]) -> Result<bool> {
    let selected: Vec<&str> = if args.is_empty() {
        SUITES.to_vec()
    } else {
        for a in args {
            anyhow::ensure!(
                SUITES.contains(&a.as_str()),
                "unknown suite `{a}`; choose from {}",
                SUITES.join(", ")
            );
        }
        SUITES
            .iter()
            .copied()
            .filter(|s| args.iter().any(|a| a == s))
            .collect()
    };
    let started = Instant::now();
    setup::run()?;

    let mut outcomes = Vec::new();
    for suite in selected {
        let t = Instant::now();
        let result = match suite {
            "fmt" => check("fmt", cargo().args(["fmt", "--all", "--", "--check"])),
            "clippy" => clippy(),
            "native" => tests("native tests", native_tests()),
            "wasm" => tests("wasm tests in headless Chromium", wasm_tests()),
            "sizes" => crate::sizes::check_budgets()
                .map(|_| SuiteResult::Check)
                .map_err(|e| (None, e)),
            "e2e" => e2e(),
            "js" => js_helper().and_then(|helper| Ok(helper.and(script_bundle_tests()?))),
            _ => unreachable!("suite names are checked above"),
        };
        let (ok, counts, note) = match result {
            Ok(SuiteResult::Check) => (true, None, String::new()),
            Ok(SuiteResult::Tests(c)) if c.result_lines == 0 || c.passed + c.failed == 0 => {
                (false, Some(c), "ran no test".to_owned())
            }
            Ok(SuiteResult::Tests(c)) => (c.failed == 0, Some(c), String::new()),
            Err((counts, err)) => (false, counts, format!("{err:#}")),
        };
        outcomes.push(Outcome {
            name: suite,
            ok,
            counts,
            seconds: t.elapsed().as_secs_f64(),
            note,
        });
    }

    println!("\n==> summary ({} in all)", fmt_duration(started.elapsed()));
    let (mut passed, mut failed) = (0, 0);
    for o in &outcomes {
        let counts = match &o.counts {
            Some(c) if c.skipped > 0 => format!(
                "{} passed, {} failed, {} skipped",
                c.passed, c.failed, c.skipped
            ),
            Some(c) => format!("{} passed, {} failed", c.passed, c.failed),
            None => "check".to_owned(),
        };
        println!(
            "    {:<7} {:<4} {:<24} {:>7.1}s  {}",
            o.name,
            if o.ok { "ok" } else { "FAIL" },
            counts,
            o.seconds,
            o.note
        );
        if let Some(c) = &o.counts {
            passed += c.passed;
            failed += c.failed;
        }
        // A failed check or a suite that broke before reporting still counts as a failure,
        // so the last line never says "0 failed" for a red run.
        if !o.ok && o.counts.as_ref().is_none_or(|c| c.failed == 0) {
            failed += 1;
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(outcomes.iter().all(|o| o.ok))
}

enum SuiteResult {
    Check,
    Tests(Counts),
}

impl SuiteResult {
    /// Two runs of one suite as one: their counts added.
    fn and(self, other: SuiteResult) -> SuiteResult {
        match (self, other) {
            (SuiteResult::Tests(a), SuiteResult::Tests(b)) => SuiteResult::Tests(Counts {
                passed: a.passed + b.passed,
                failed: a.failed + b.failed,
                skipped: a.skipped + b.skipped,
                result_lines: a.result_lines + b.result_lines,
            }),
            (SuiteResult::Check, other) | (other, SuiteResult::Check) => other,
        }
    }
}

type SuiteError = (Option<Counts>, anyhow::Error);

fn check(name: &str, cmd: &mut Command) -> Result<SuiteResult, SuiteError> {
    step(name, || exec(cmd))
        .map(|_| SuiteResult::Check)
        .map_err(|e| (None, e))
}

fn clippy() -> Result<SuiteResult, SuiteError> {
    let mut native = cargo();
    native.arg("clippy").arg("--all-targets");
    for p in NATIVE_PACKAGES.iter().chain(["vestibule-e2e"].iter()) {
        native.args(["-p", p]);
    }
    native.args(["--", "-D", "warnings"]);
    check("clippy (native)", &mut native)?;

    let mut wasm = cargo();
    wasm.args([
        "clippy",
        "--all-targets",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    for p in WASM_PACKAGES {
        wasm.args(["-p", p]);
    }
    wasm.args(["--", "-D", "warnings"]);
    check("clippy (wasm32)", &mut wasm)
}

fn native_tests() -> Command {
    let mut cmd = cargo();
    cmd.args(["test", "--no-fail-fast"]);
    for p in NATIVE_PACKAGES {
        cmd.args(["-p", p]);
    }
    cmd
}

fn wasm_tests() -> Command {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--no-fail-fast",
        "-p",
        "vestibule-components",
        "--target",
        "wasm32-unknown-unknown",
    ])
    .env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        tool("wasm-bindgen-test-runner"),
    )
    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
    .env("PATH", tools_path());
    cmd
}

/// The portal, the script bundle, the server binary and the example: what the browser
/// suites run against.
fn build_e2e_targets() -> Result<(), SuiteError> {
    step("build the portal (trunk build --release)", build_portal).map_err(|e| (None, e))?;
    step("build the script bundle (cargo xtask js)", build_js_bundle).map_err(|e| (None, e))?;
    step("build the server binary", || {
        exec(cargo().args(["build", "-p", "vestibule-server", "--bin", "vestibule"]))
    })
    .map_err(|e| (None, e))?;
    step(
        "build the My Jira issues example (trunk build --release, cargo build)",
        || {
            build_jira_example_front_end()?;
            exec(cargo().args(["build", "-p", "jira-issues", "--bin", "jira-issues"]))
        },
    )
    .map_err(|e| (None, e))
}

/// Where [`build_e2e_targets`] put what the browser suites start, as the variables the
/// Rust harness (`tests/src/lib.rs`) and the JavaScript tests read.
fn built_targets() -> [(&'static str, std::path::PathBuf); 5] {
    let root = workspace_root();
    [
        ("VESTIBULE_BIN", root.join("target/debug/vestibule")),
        ("VESTIBULE_DIST_DIR", root.join("dist")),
        ("VESTIBULE_JS_DIR", root.join("js-dist")),
        ("JIRA_ISSUES_BIN", root.join("target/debug/jira-issues")),
        (
            "JIRA_ISSUES_DIST_DIR",
            root.join("examples/jira-issues/dist"),
        ),
    ]
}

fn e2e() -> Result<SuiteResult, SuiteError> {
    build_e2e_targets()?;
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--no-fail-fast",
        "-p",
        "vestibule-e2e",
        "--",
        "--test-threads=2",
    ])
    .envs(built_targets())
    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
    .env("AXE_CORE_JS", axe_core_script());
    tests("end-to-end browser tests", cmd)
}

/// The JavaScript testing helper's test: Node drives Debian's Chromium with playwright-core
/// against the example; it prints libtest's `test result:` line.
fn js_helper() -> Result<SuiteResult, SuiteError> {
    build_e2e_targets()?;
    let root = workspace_root();
    let mut cmd = Command::new("node");
    cmd.arg(root.join("packages/vestibule-testing-js/test/jira-issues.test.mjs"))
        .current_dir(&root)
        .env("PLAYWRIGHT_CORE", setup::playwright_core_module())
        .envs(built_targets())
        .env("CHROMIUM", "/usr/bin/chromium");
    tests("JavaScript testing helper (playwright-core, Chromium)", cmd)
}

/// The script bundle's test (`crates/vestibule-js/tests/bundle.test.mjs`): `cargo xtask js`,
/// then Node drives Debian's Chromium with playwright-core against `js-dist/vestibule.js`.
fn script_bundle_tests() -> Result<SuiteResult, SuiteError> {
    step("build the script bundles (cargo xtask js)", build_js_bundle).map_err(|e| (None, e))?;
    let root = workspace_root();
    let mut cmd = Command::new("node");
    cmd.arg(root.join("crates/vestibule-js/tests/bundle.test.mjs"))
        .current_dir(&root)
        .env("PLAYWRIGHT_CORE", setup::playwright_core_module())
        .env("JS_DIST", crate::js_bundle::dist_dir())
        .env("CHROMIUM", "/usr/bin/chromium");
    tests("script bundle (playwright-core, Chromium)", cmd)
}

/// `cargo xtask js`: the script bundle any web page loads, into `js-dist/`, which the server
/// serves under `/v1/js/` (the e2e suite and the page demos load it from there).
pub fn build_js_bundle() -> Result<()> {
    crate::js_bundle::build_all()
}

/// `trunk build --release`: the portal that the server serves from `dist/` (its loader
/// minified, see `sizes::minify_js`).
pub fn build_portal() -> Result<()> {
    // The same build as the sizes check's (Trunk.toml's target and dist), so once per run.
    crate::step::once("trunk build app/index.html", || {
        exec(
            Command::new(tool("trunk"))
                .args(["build", "--release"])
                .current_dir(workspace_root())
                .env("PATH", tools_path()),
        )?;
        crate::sizes::minify_js(&workspace_root().join("dist"))
    })
}

/// `trunk build --release` of the My Jira issues front end into
/// `examples/jira-issues/dist`, which the example's backend serves.
pub fn build_jira_example_front_end() -> Result<()> {
    crate::step::once("trunk build examples/jira-issues/web", || {
        exec(
            Command::new(tool("trunk"))
                .args(["build", "--release"])
                .current_dir(workspace_root().join("examples/jira-issues/web"))
                .env("PATH", tools_path()),
        )?;
        crate::sizes::minify_js(&workspace_root().join("examples/jira-issues/dist"))
    })
}

/// Runs a test command, echoing its output and counting the `test result:` lines.
fn tests(name: &str, mut cmd: Command) -> Result<SuiteResult, SuiteError> {
    step(name, || {
        let shown = describe(&cmd);
        println!("    $ {shown}");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start `{shown}`"))?;
        let mut counts = Counts::default();
        let stdout = child.stdout.take().context("no stdout pipe")?;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            counts.add_line(&line);
        }
        let status = child.wait()?;
        Ok((status, counts))
    })
    .map_err(|e| (None, e))
    .and_then(|(status, counts)| {
        if status.success() || counts.failed > 0 {
            Ok(SuiteResult::Tests(counts))
        } else {
            // Non-zero exit with no failed test: a build error or a crashed runner.
            Err((Some(counts), anyhow::anyhow!("exited with {status}")))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Counts;

    #[test]
    fn counts_libtest_and_wasm_runner_lines() {
        let mut c = Counts::default();
        c.add_line("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.20s");
        c.add_line("test result: FAILED. 3 passed; 2 failed; 0 ignored");
        c.add_line("running 5 tests");
        c.add_line("test processes::a_flow ... ignored, skipped: no PostgreSQL");
        assert_eq!(
            c,
            Counts {
                passed: 15,
                failed: 2,
                skipped: 1,
                result_lines: 2
            }
        );
    }

    #[test]
    fn counts_the_javascript_helper_tests_line() {
        let mut c = Counts::default();
        c.add_line("test result: FAILED. 3 passed; 1 failed;");
        assert_eq!(
            c,
            Counts {
                passed: 3,
                failed: 1,
                skipped: 0,
                result_lines: 1
            }
        );
    }

    #[test]
    fn a_runner_that_never_reports_counts_nothing() {
        let mut c = Counts::default();
        c.add_line("error: could not compile `x`");
        assert_eq!(c.result_lines, 0);
    }
}
