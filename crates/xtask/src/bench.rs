//! `cargo xtask bench`: the server's throughput, latency and memory (session checks, session
//! token minting, sign-in flows), session-token verification in `vestibule-axum` on one core,
//! and the download size of the wasm bundles against their budgets (`sizes.rs`). Figures are
//! medians of several runs.

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
        step(
            "server benchmark (cargo bench -p vestibule-server --bench server)",
            || exec(cargo().args(["bench", "-p", "vestibule-server", "--bench", "server"])),
        )?;
        step(
            "session-token verification on one core (cargo bench -p vestibule-axum --bench verify)",
            || exec(cargo().args(["bench", "-p", "vestibule-axum", "--bench", "verify"])),
        )?;
    }
    crate::sizes::run()
}
