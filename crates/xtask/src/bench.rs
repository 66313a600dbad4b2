//! `cargo xtask bench`: the server's throughput, latency and memory (session checks, session
//! token minting, sign-in flows; session checks on SQLite, PostgreSQL and two processes with
//! their database statements per request; the session check as a fraction of a bare route
//! serving the same bytes, both on one core), session-token verification in `vestibule-axum` on
//! one core, the example app's `/api/my-issues`, and the download size of the wasm bundles
//! against their budgets (`sizes.rs`). Figures are medians of several runs.

use anyhow::{Result, bail};

use crate::step::{cargo, exec, step};

/// `cargo xtask bench [--sizes]`: everything, or only the wasm sizes and where their bytes
/// are (the server benchmarks take minutes and need no browser build).
pub fn run(args: &[String]) -> Result<()> {
    let sizes_only = match args {
        [] => false,
        [flag] if flag == "--sizes" => true,
        _ => bail!("usage: cargo xtask bench [--sizes]"),
    };
    crate::setup::run()?;
    if !sizes_only {
        let benches: [(&str, &[&str]); 5] = [
            (
                "server benchmark (cargo bench -p vestibule-server --bench server)",
                &["-p", "vestibule-server", "--bench", "server"],
            ),
            (
                "SQLite, PostgreSQL and two processes (cargo bench -p vestibule-server --bench postgres)",
                &["-p", "vestibule-server", "--bench", "postgres"],
            ),
            (
                "the session check against a bare route, one core (cargo bench -p vestibule-server --bench efficiency)",
                &["-p", "vestibule-server", "--bench", "efficiency"],
            ),
            (
                "session-token verification on one core (cargo bench -p vestibule-axum --bench verify)",
                &["-p", "vestibule-axum", "--bench", "verify"],
            ),
            (
                "the example app's /api/my-issues with a warm token (cargo bench -p jira-issues --bench my_issues)",
                &["-p", "jira-issues", "--bench", "my_issues"],
            ),
        ];
        for (name, args) in benches {
            step(name, || exec(cargo().arg("bench").args(args)))?;
        }
    }
    crate::sizes::run()
}
