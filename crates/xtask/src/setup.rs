//! `cargo xtask setup`: installs every tool the build and the tests need, each only when it
//! is missing or at another version, so a second run installs nothing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::step::{exec, output, step};
use crate::workspace_root;

pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian packages: a real browser and its WebDriver for the browser tests, and `wrk`, the
/// load generator of the bench's per-process efficiency figure.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("wrk", "/usr/bin/wrk"),
];
/// npm packages, pinned: axe-core for the accessibility checks in the browser tests;
/// binaryen for Trunk's `wasm-opt -Oz` (Trunk.toml pins its version); terser for the
/// wasm-bindgen loader, which Trunk's own minifier cannot parse (`sizes::minify_js`);
/// playwright-core, which the JavaScript testing helper's test drives Chromium with.
const NPM_PACKAGES: &[(&str, &str, &str)] = &[
    ("axe-core", "4.11.4", "axe.min.js"),
    ("binaryen", "132.0.0", "bin/wasm-opt"),
    ("terser", "5.51.4", "bin/terser"),
    ("playwright-core", "1.65.1", "index.mjs"),
];

pub fn run() -> Result<()> {
    step(
        "setup: rust target wasm32-unknown-unknown",
        ensure_wasm_target,
    )?;
    step(
        "setup: Debian packages (chromium, chromium-driver, wrk)",
        ensure_apt_packages,
    )?;
    step(
        "setup: wasm-bindgen-cli at the Cargo.lock version",
        ensure_wasm_bindgen,
    )?;
    step("setup: trunk", ensure_trunk)?;
    step(
        "setup: npm packages (axe-core, binaryen, terser, playwright-core)",
        ensure_npm_packages,
    )?;
    Ok(())
}

fn ensure_wasm_target() -> Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("    already installed");
        return Ok(());
    }
    exec(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_apt_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, binary)| !Path::new(binary).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        println!("    already installed");
        return Ok(());
    }
    let command = format!("apt-get update && apt-get install -y {}", missing.join(" "));
    if !is_root() {
        bail!(
            "missing Debian packages: {}. Install them as root and run again:\n    sudo sh -c '{command}'",
            missing.join(", ")
        );
    }
    println!("    installing {} (a minute or two)", missing.join(", "));
    exec(Command::new("apt-get").args(["update", "-q"]))?;
    exec(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// The `wasm-bindgen` version that Cargo.lock pins; the CLI must match it exactly or the
/// generated bindings fail with a "schema version" error.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .context("reading Cargo.lock (run `cargo generate-lockfile` first)")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock names no wasm-bindgen package")
}

fn ensure_wasm_bindgen() -> Result<()> {
    let wanted = locked_wasm_bindgen_version()?;
    let have = output(Command::new(tool("wasm-bindgen")).arg("--version"));
    let runner = tool("wasm-bindgen-test-runner");
    if have.as_deref() == Some(&format!("wasm-bindgen {wanted}")) && runner.exists() {
        println!("    wasm-bindgen {wanted} already installed");
        return Ok(());
    }
    println!(
        "    installing wasm-bindgen-cli {wanted} (found {}); this takes about 6 minutes on 2 cores",
        have.as_deref().unwrap_or("none")
    );
    // Not `--locked`: the CLI's own lockfile names a crate version the registry lacks.
    exec(crate::step::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

fn ensure_trunk() -> Result<()> {
    let have = output(Command::new(tool("trunk")).arg("--version"));
    if have.as_deref() == Some(&format!("trunk {TRUNK_VERSION}")) {
        println!("    trunk {TRUNK_VERSION} already installed");
        return Ok(());
    }
    println!(
        "    installing trunk {TRUNK_VERSION} (found {}); this takes about 15 minutes on 2 cores",
        have.as_deref().unwrap_or("none")
    );
    exec(crate::step::cargo().args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

/// The folder that holds the project's npm tools (under `target/`, so `cargo clean` resets it).
pub fn node_tools_dir() -> PathBuf {
    workspace_root().join("target/node-tools")
}

/// Where the JavaScript testing helper's test finds playwright-core.
pub fn playwright_core_module() -> PathBuf {
    node_tools_dir().join("node_modules/playwright-core/index.mjs")
}

/// Where the browser tests find axe-core's script.
pub fn axe_core_script() -> PathBuf {
    node_tools_dir().join("node_modules/axe-core/axe.min.js")
}

fn ensure_npm_packages() -> Result<()> {
    let modules = node_tools_dir().join("node_modules");
    let missing: Vec<String> = NPM_PACKAGES
        .iter()
        .filter(|(name, version, file)| {
            let manifest = std::fs::read_to_string(modules.join(name).join("package.json"));
            let right_version = manifest
                .map(|m| m.contains(&format!("\"version\": \"{version}\"")))
                .unwrap_or(false);
            !(right_version && modules.join(name).join(file).exists())
        })
        .map(|(name, version, _)| format!("{name}@{version}"))
        .collect();
    if missing.is_empty() {
        println!("    already installed");
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        if !is_root() {
            bail!(
                "npm is missing: install it as root and run again:\n    sudo apt-get install -y npm"
            );
        }
        exec(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "npm"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    let prefix = node_tools_dir();
    std::fs::create_dir_all(&prefix)?;
    exec(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&prefix)
            .args(&missing),
    )
}

/// Cargo's binary folder, where `cargo install` puts trunk and wasm-bindgen.
fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"))
        .join("bin")
}

/// A cargo-installed tool by absolute path, so a shell without `~/.cargo/bin` on PATH works.
pub fn tool(name: &str) -> PathBuf {
    cargo_bin_dir().join(name)
}

/// PATH with cargo's binary folder and the npm tools first, for tools that look others up
/// (Trunk runs `wasm-bindgen` and `wasm-opt` from PATH in offline mode).
pub fn tools_path() -> OsString {
    let mut paths = vec![cargo_bin_dir(), node_tools_dir().join("node_modules/.bin")];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}
