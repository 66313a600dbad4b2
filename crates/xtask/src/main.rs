//! Vestibule's task runner: every command a newcomer or CI needs, with progress and timings.
//!
//! `cargo xtask setup` installs what is missing, `demo` serves the portal on a development
//! instance, `test` runs every check and suite and ends with one `N passed, N failed` line,
//! `bench` prints the performance and size budgets.

mod bench;
mod demo;
mod js_bundle;
mod setup;
mod sizes;
mod static_site;
mod step;
mod suite;
mod time_to_visible;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup   install what is missing: wasm32 target, trunk, wasm-bindgen-cli, chromium,
          chromedriver, axe-core and binaryen (npm) (each skipped when already at the right version)
  demo    setup, build the portal, and serve a development instance on 127.0.0.1:3000;
          `demo --example jira-issues` also serves the My Jira issues app on localhost:4000;
          `demo --example plain-html|custom-elements` builds the script bundle and serves
          that example page on localhost:4000
  test    setup, fmt, clippy (native + wasm32), native tests, wasm tests in headless
          Chromium, wasm sizes against their budgets, end-to-end browser tests; ends
          with `N passed, N failed`
  bench   server throughput/latency/RSS and wasm size budgets (medians of several runs);
          `bench --sizes` only the wasm sizes, with twiggy's view of where the bytes are
          and the time to a visible sign-in button (sign-in page and portal, cold cache)
  js      build the script bundles any page can load (crates/vestibule-js) into js-dist/:
          vestibule.js + vestibule_bg.wasm (sign-in), vestibule-full.js + its wasm (full)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| true),
        Some("demo") => demo::run(&args[1..]).map(|_| true),
        Some("test") => suite::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]).map(|_| true),
        Some("js") => js_bundle::run(&args[1..]).map(|_| true),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(true)
        }
        Some(other) => {
            eprint!("unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("\nxtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives in `crates/xtask`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the workspace root")
        .to_path_buf()
}
