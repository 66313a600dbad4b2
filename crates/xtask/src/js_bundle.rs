//! `cargo xtask js`: the components as a script any web page can load. Builds
//! `crates/vestibule-js` into `js-dist/`: for each bundle one self-contained ES module
//! (wasm-bindgen's `--target web` glue with the crate's `js/elements.js` appended, minified
//! by npm's terser) beside its wasm (npm's binaryen 132 `wasm-opt -Oz`), and prints their
//! sizes against the budgets. The Vestibule server serves these files (`/v1/js/...`) and
//! puts a content-hashed name where the module names `<stem>_bg.wasm`, which must therefore
//! appear in it exactly once.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::setup::{node_tools_dir, tool, tools_path};
use crate::step::{cargo, exec, step};
use crate::workspace_root;

/// One script bundle: `js-dist/<stem>.js` + `js-dist/<stem>_bg.wasm`.
pub struct JsBundle {
    pub name: &'static str,
    stem: &'static str,
    /// Cargo features of `vestibule-js`.
    features: &'static [&'static str],
    /// Brotli bytes, wasm + JS.
    pub budget: u64,
}

pub const JS_BUNDLES: &[JsBundle] = &[
    JsBundle {
        name: "script, sign-in",
        stem: "vestibule",
        features: &[],
        // TARGET NOT MET: issue 11 asks for 70,000 B. Measured 131,076 B brotli (wasm + JS)
        // on 2026-11-29; the budget is that plus 1 KB so it cannot grow while it is brought
        // down (see crates/vestibule-js/README.md, Size).
        budget: 132_100,
    },
    JsBundle {
        name: "script, full",
        stem: "vestibule-full",
        features: &["full"],
        budget: 200_000,
    },
];

/// `cargo xtask js`: builds every bundle, prints the sizes, fails when one is over budget.
pub fn run(args: &[String]) -> Result<()> {
    ensure!(args.is_empty(), "`cargo xtask js` takes no arguments");
    let over = build_and_report()?;
    ensure!(over.is_empty(), "over its size budget: {}", over.join(", "));
    Ok(())
}

/// Builds every bundle into `js-dist/` and prints its sizes; returns the names of those
/// over budget (what `cargo xtask test sizes` checks too).
pub fn build_and_report() -> Result<Vec<&'static str>> {
    build_all()?;
    println!("\n==> script bundle sizes (wasm + js)");
    let mut over = Vec::new();
    for bundle in JS_BUNDLES {
        let dist = dist_dir();
        let files = [
            dist.join(format!("{}.js", bundle.stem)),
            dist.join(format!("{}_bg.wasm", bundle.stem)),
        ];
        if !crate::sizes::report_files(bundle.name, &files, bundle.budget)? {
            over.push(bundle.name);
        }
    }
    Ok(over)
}

/// Builds every bundle into `js-dist/`, once per run of xtask (the sizes check, the
/// browser tests and the bundle's own test all need it).
pub fn build_all() -> Result<()> {
    crate::step::once("js-dist", || {
        for bundle in JS_BUNDLES {
            step(
                &format!(
                    "build the {} bundle (js-dist/{}.js)",
                    bundle.name, bundle.stem
                ),
                || build(bundle),
            )?;
        }
        Ok(())
    })
}

/// Where the bundles go: `js-dist/` at the workspace root (ignored by git).
pub fn dist_dir() -> PathBuf {
    workspace_root().join("js-dist")
}

fn build(bundle: &JsBundle) -> Result<()> {
    let root = workspace_root();
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "vestibule-js",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]);
    if !bundle.features.is_empty() {
        build.args(["--features", &bundle.features.join(",")]);
    }
    exec(&mut build)?;
    let module = root.join("target/wasm32-unknown-unknown/wasm-release/vestibule_js.wasm");
    let out = root.join("target/js-bundle").join(bundle.stem);
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    exec(
        Command::new(tool("wasm-bindgen"))
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                bundle.stem,
            ])
            .arg("--out-dir")
            .arg(&out)
            .arg(&module),
    )?;
    let dist = dist_dir();
    std::fs::create_dir_all(&dist)?;
    let glue = std::fs::read_to_string(out.join(format!("{}.js", bundle.stem)))?;
    let elements_path = root.join("crates/vestibule-js/js/elements.js");
    let elements = std::fs::read_to_string(&elements_path)
        .with_context(|| format!("reading {}", elements_path.display()))?;
    let js_path = dist.join(format!("{}.js", bundle.stem));
    std::fs::write(&js_path, one_module(&glue, &elements)?)?;
    exec(
        Command::new(node_tools_dir().join("node_modules/.bin/terser"))
            .arg(&js_path)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(&js_path),
    )?;
    let wasm_name = format!("{}_bg.wasm", bundle.stem);
    check_wasm_reference(&std::fs::read_to_string(&js_path)?, &wasm_name)?;
    wasm_opt(&out.join(&wasm_name), &dist.join(&wasm_name))
}

/// The glue and the elements' script as one module. The glue must import nothing (a
/// wasm-bindgen snippet would be a second file); the `_`-prefixed exports the elements'
/// script calls stay private to the module (`__stats`, for tests, stays exported).
fn one_module(glue: &str, elements: &str) -> Result<String> {
    if let Some(line) = glue.lines().find(|l| l.trim_start().starts_with("import ")) {
        bail!("the wasm-bindgen glue imports another file, so it is not one module: {line}");
    }
    let glue: String = glue
        .lines()
        .map(|line| match line.strip_prefix("export ") {
            Some(rest) if rest.starts_with("function _") && !rest.starts_with("function __") => {
                rest
            }
            _ => line,
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    Ok(format!("{glue}\n{elements}"))
}

/// The server swaps `<stem>_bg.wasm` for a content-hashed name, so the module must name
/// it once, and fetch it relative to its own URL.
fn check_wasm_reference(js: &str, wasm_name: &str) -> Result<()> {
    let times = js.matches(wasm_name).count();
    ensure!(
        times == 1,
        "the module names {wasm_name} {times} times; the server replaces it, so exactly once"
    );
    ensure!(
        js.contains("import.meta.url"),
        "the module does not load its wasm relative to import.meta.url"
    );
    Ok(())
}

/// npm's binaryen 132 (what Trunk runs for the pages; Debian's 108 breaks wasm-bindgen
/// 0.2.130's externref table).
fn wasm_opt(input: &Path, output: &Path) -> Result<()> {
    exec(
        Command::new(node_tools_dir().join("node_modules/.bin/wasm-opt"))
            .arg("-Oz")
            .arg(input)
            .arg("-o")
            .arg(output)
            .env("PATH", tools_path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_module_keeps_the_api_exported_and_the_internals_private() {
        let glue = "export function mountSignIn(a) {}\nexport function _watchSession(f) {}\n\
                    export function __stats() {}\n";
        let module = one_module(glue, "await __wbg_init();").unwrap();
        assert!(module.contains("export function mountSignIn"));
        assert!(module.contains("\nfunction _watchSession"));
        assert!(module.contains("export function __stats"));
        assert!(module.ends_with("await __wbg_init();"));
    }

    #[test]
    fn a_glue_that_imports_a_snippet_is_refused() {
        let glue = "import { x } from './snippets/vestibule-js-1/inline0.js';\n";
        assert!(one_module(glue, "").is_err());
    }

    #[test]
    fn the_wasm_file_is_named_once_and_loaded_relative_to_the_module() {
        let ok = "new URL(\"vestibule_bg.wasm\",import.meta.url)";
        assert!(check_wasm_reference(ok, "vestibule_bg.wasm").is_ok());
        let twice = format!("{ok};\"vestibule_bg.wasm\"");
        assert!(check_wasm_reference(&twice, "vestibule_bg.wasm").is_err());
        assert!(check_wasm_reference("fetch(\"vestibule_bg.wasm\")", "vestibule_bg.wasm").is_err());
    }
}
