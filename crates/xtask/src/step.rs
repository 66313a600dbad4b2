//! Progress output: every step says what it does before it starts and how long it took.

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Runs `f` as a named step, printing a header and the elapsed time.
pub fn step<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    println!("==> {name}");
    let started = Instant::now();
    let result = f();
    let took = fmt_duration(started.elapsed());
    match &result {
        Ok(_) => println!("    done: {name} ({took})"),
        Err(_) => println!("    FAILED: {name} ({took})"),
    }
    result
}

/// Runs `f` unless a call with the same `what` already succeeded in this process, so one
/// `cargo xtask test` builds each artifact once however many suites need it (the sizes
/// check, the browser tests and the JavaScript tests all need the portal and the script).
pub fn once(what: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    static DONE: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let done = |d: &Mutex<Vec<String>>| d.lock().is_ok_and(|d| d.iter().any(|w| w == what));
    if done(&DONE) {
        println!("    already built in this run: {what}");
        return Ok(());
    }
    f()?;
    if let Ok(mut d) = DONE.lock() {
        d.push(what.to_owned());
    }
    Ok(())
}

pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// Runs a command with inherited output and fails when it exits non-zero.
pub fn exec(cmd: &mut Command) -> Result<()> {
    let shown = describe(cmd);
    println!("    $ {shown}");
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs a command and returns its trimmed stdout, or `None` when it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// `cargo` as invoked by the running `cargo xtask` (respects rustup's toolchain choice).
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(crate::workspace_root());
    cmd
}

#[cfg(test)]
mod once_tests {
    use super::once;
    use std::cell::Cell;

    #[test]
    fn a_build_runs_once_per_run_but_a_failed_one_runs_again() {
        let runs = Cell::new(0);
        let build = || {
            runs.set(runs.get() + 1);
            Ok(())
        };
        once("test: twice", build).unwrap();
        once("test: twice", build).unwrap();
        assert_eq!(runs.get(), 1);

        assert!(once("test: fails first", || anyhow::bail!("no")).is_err());
        once("test: fails first", build).unwrap();
        assert_eq!(runs.get(), 2, "a failed build is not remembered as built");
    }
}
