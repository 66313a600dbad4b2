//! How soon a visitor can sign in: the time from navigation to the "Continue with Atlassian"
//! button being visible, for the `<SignIn/>`-only example and the portal's `/sign-in`, each
//! served by a release Vestibule server and loaded with a cold cache in headless Chromium
//! (`time_to_visible.mjs`, driven by playwright-core). Printed by `cargo xtask bench --sizes`
//! beside the download sizes, as the median and range of ten loads.

use std::process::Command;

use anyhow::{Context, Result};

use crate::setup::playwright_core_module;
use crate::step::step;
use crate::workspace_root;

/// Loads of each page, after one uncounted load of each.
const RUNS: usize = 10;

/// Builds the release server, loads both pages `RUNS` times and prints each page's median,
/// minimum and maximum. Needs both bundles built (`sizes::check_budgets` builds them).
pub fn run() -> Result<()> {
    let root = workspace_root();
    step(
        "build the server (release) that serves both pages",
        crate::demo::build_release_server,
    )?;
    let output = step(
        &format!("time to a visible sign-in button, {RUNS} cold-cache loads of each page"),
        || {
            let output = Command::new("node")
                .arg(root.join("crates/xtask/src/time_to_visible.mjs"))
                .current_dir(&root)
                .env("PLAYWRIGHT_CORE", playwright_core_module())
                .env("VESTIBULE_BIN", root.join("target/release/vestibule"))
                .env("PORTAL_DIST_DIR", root.join("dist"))
                .env("SIGN_IN_DIST_DIR", root.join("target/example-dist"))
                .env("RUNS", RUNS.to_string())
                .env("CHROMIUM", "/usr/bin/chromium")
                .output()
                .context("running node crates/xtask/src/time_to_visible.mjs")?;
            anyhow::ensure!(
                output.status.success(),
                "time_to_visible.mjs failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        },
    )?;
    println!(
        "\n==> time from navigation to a visible \"Continue with Atlassian\" (ms, cold cache)"
    );
    for (page, times) in parse(&output)? {
        let s = Summary::of(&times).context("no loads measured")?;
        println!(
            "    {page:<13} median {:>5}  min {:>5}  max {:>5}  ({} loads)",
            s.median,
            s.min,
            s.max,
            times.len()
        );
    }
    Ok(())
}

/// The script's `time-to-visible <page>: <ms> <ms> ...` lines, in order.
fn parse(output: &str) -> Result<Vec<(String, Vec<u64>)>> {
    let mut pages = Vec::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix("time-to-visible ") else {
            continue;
        };
        let (page, times) = rest
            .split_once(": ")
            .with_context(|| format!("unreadable line: {line}"))?;
        let times = times
            .split_whitespace()
            .map(|t| t.parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("unreadable times: {line}"))?;
        pages.push((page.to_owned(), times));
    }
    anyhow::ensure!(!pages.is_empty(), "the script printed no times:\n{output}");
    Ok(pages)
}

#[derive(Debug, PartialEq, Eq)]
struct Summary {
    median: u64,
    min: u64,
    max: u64,
}

impl Summary {
    /// The median (the mean of the middle two for an even count), minimum and maximum.
    fn of(times: &[u64]) -> Option<Self> {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]).div_ceil(2),
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            Summary::of(&[40, 10, 30, 20]),
            Some(Summary {
                median: 25,
                min: 10,
                max: 40
            })
        );
        assert_eq!(Summary::of(&[3, 1, 2]).map(|s| s.median), Some(2));
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn the_scripts_lines_are_read_and_other_output_is_skipped() {
        let output = "some log line\n\
                      time-to-visible sign-in page: 120 130 125\n\
                      time-to-visible portal: 300 310\n";
        assert_eq!(
            parse(output).unwrap(),
            vec![
                ("sign-in page".to_owned(), vec![120, 130, 125]),
                ("portal".to_owned(), vec![300, 310]),
            ]
        );
        assert!(parse("time-to-visible portal: 12 x").is_err());
        assert!(parse("nothing here").is_err());
    }
}
