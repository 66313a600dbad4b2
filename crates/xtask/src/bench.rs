//! `cargo xtask bench`: the server's throughput, latency and memory (session checks, session
//! token minting, sign-in flows; session checks on SQLite, PostgreSQL and two processes
//! with their database statements per request; the session check as a fraction of a bare
//! route serving the same bytes, both on one core), session-token verification in `vestibule-axum` on one core,
//! and the download size of the wasm bundles against their budgets. Figures are medians of several runs.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::{tool, tools_path};
use crate::step::{cargo, exec, step};
use crate::workspace_root;

/// Brotli budgets in bytes (wasm + JS that a browser downloads).
const SIGN_IN_PAGE_BUDGET: u64 = 90 * 1024;
const PORTAL_BUDGET: u64 = 250 * 1024;

pub fn run() -> Result<()> {
    crate::setup::run()?;
    step(
        "server benchmark (cargo bench -p vestibule-server --bench server)",
        || exec(cargo().args(["bench", "-p", "vestibule-server", "--bench", "server"])),
    )?;
    step(
        "SQLite, PostgreSQL and two processes (cargo bench -p vestibule-server --bench postgres)",
        || exec(cargo().args(["bench", "-p", "vestibule-server", "--bench", "postgres"])),
    )?;
    step(
        "the session check against a bare route, one core (cargo bench -p vestibule-server --bench efficiency)",
        || exec(cargo().args(["bench", "-p", "vestibule-server", "--bench", "efficiency"])),
    )?;
    step(
        "session-token verification on one core (cargo bench -p vestibule-axum --bench verify)",
        || exec(cargo().args(["bench", "-p", "vestibule-axum", "--bench", "verify"])),
    )?;
    step(
        "the example app's /api/my-issues with a warm token (cargo bench -p jira-issues --bench my_issues)",
        || exec(cargo().args(["bench", "-p", "jira-issues", "--bench", "my_issues"])),
    )?;

    let root = workspace_root();
    step(
        "build the portal (trunk build --release)",
        crate::suite::build_portal,
    )?;
    let example_index = root.join("crates/vestibule-components/examples/sign-in-page/index.html");
    let example_dist = root.join("target/example-dist");
    step("build the <SignIn/>-only example page", || {
        // The path goes before `--release`: Trunk 0.21 reads an optional value after it.
        exec(
            Command::new(tool("trunk"))
                .arg("build")
                .arg(&example_index)
                .arg("--release")
                .arg("--dist")
                .arg(&example_dist)
                .current_dir(&root)
                .env("PATH", tools_path()),
        )
    })?;

    println!("\n==> bundle sizes (wasm + js)");
    let over_budget = [
        ("sign-in page", example_dist.as_path(), SIGN_IN_PAGE_BUDGET),
        ("portal", root.join("dist").as_path(), PORTAL_BUDGET),
    ]
    .into_iter()
    .map(|(name, dir, budget)| report_bundle(name, dir, budget))
    .collect::<Result<Vec<bool>>>()?
    .into_iter()
    .any(|ok| !ok);
    if over_budget {
        bail!("a bundle is over its size budget");
    }
    Ok(())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Sizes {
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// Prints the bundle's sizes and whether its brotli size is within `budget`.
fn report_bundle(name: &str, dir: &Path, budget: u64) -> Result<bool> {
    let mut total = Sizes::default();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("wasm" | "js")))
        .collect();
    entries.sort();
    anyhow::ensure!(!entries.is_empty(), "{} holds no wasm or js", dir.display());
    for path in entries {
        let bytes = std::fs::read(&path)?;
        let s = sizes(&bytes)?;
        println!(
            "    {name:<13} {:<40} raw {:>8}  gzip {:>8}  brotli {:>8}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            s.raw,
            s.gzip,
            s.brotli
        );
        total.raw += s.raw;
        total.gzip += s.gzip;
        total.brotli += s.brotli;
    }
    let ok = total.brotli <= budget;
    println!(
        "bundle {name}: raw={} gzip={} brotli={} budget_brotli={} ({:.0}% of budget) {}",
        total.raw,
        total.gzip,
        total.brotli,
        budget,
        total.brotli as f64 * 100.0 / budget as f64,
        if ok { "OK" } else { "OVER BUDGET" }
    );
    Ok(ok)
}

fn sizes(bytes: &[u8]) -> Result<Sizes> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let gzip = gz.finish()?.len() as u64;
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(bytes)?;
    }
    Ok(Sizes {
        raw: bytes.len() as u64,
        gzip,
        brotli: br.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::sizes;

    #[test]
    fn compression_shrinks_repetitive_input_and_brotli_beats_gzip() {
        let input = "(module (func $f (result i32) i32.const 42))\n".repeat(200);
        let s = sizes(input.as_bytes()).unwrap();
        assert_eq!(s.raw, input.len() as u64);
        assert!(s.gzip < s.raw / 10, "{s:?}");
        assert!(s.brotli <= s.gzip, "{s:?}");
    }
}
