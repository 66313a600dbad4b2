//! `cargo xtask demo`: a development instance with the portal, on 127.0.0.1:3000; with
//! `--example jira-issues`, also the "My Jira issues" app on its own origin beside it; with
//! `--example plain-html` or `--example custom-elements`, that example's page on its own
//! origin, loading the script bundle from the instance.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::step::{cargo, exec, step};
use crate::workspace_root;

/// The examples `--example` can start.
const EXAMPLES: &[&str] = &["jira-issues", "plain-html", "custom-elements"];
/// The examples that are one HTML page loading the script bundle (`examples/<name>/`).
const PAGE_EXAMPLES: &[&str] = &["plain-html", "custom-elements"];

/// Where the examples' demos live. Both on `localhost`: two origins (the ports differ) of
/// one site, so the Vestibule session cookie reaches the frontend API from the app's page
/// even where third-party cookies are blocked.
const DEMO_VESTIBULE_URL: &str = "http://localhost:3000";
const DEMO_APP_URL: &str = "http://localhost:4000";

pub fn run(extra_args: &[String]) -> Result<()> {
    let (example, extra_args) = split_example(extra_args)?;
    crate::setup::run()?;
    step(
        "build the portal (trunk build --release)",
        crate::suite::build_portal,
    )?;
    step("build the server (release)", build_release_server)?;
    let page_example = example
        .clone()
        .filter(|name| PAGE_EXAMPLES.contains(&name.as_str()));
    if page_example.is_some() {
        step(
            "build the script bundle (cargo xtask js)",
            crate::suite::build_js_bundle,
        )?;
    } else if example.is_some() {
        step(
            "build the My Jira issues front end (trunk build --release)",
            crate::suite::build_jira_example_front_end,
        )?;
        step("build the My Jira issues backend (release)", || {
            exec(cargo().args(["build", "--release", "-p", "jira-issues"]))
        })?;
    }

    // Ctrl-C reaches the whole foreground process group: the servers shut down gracefully
    // on their own, and this process just waits for them instead of dying first.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    let status = match (example, page_example.as_deref()) {
        (_, Some(name)) => page_demo(name, &extra_args, &interrupted)?,
        (None, _) => {
            println!("==> serving the demo; press Ctrl-C to stop");
            vestibule(&extra_args)
                .status()
                .context("starting target/release/vestibule")?
        }
        (Some(_), None) => jira_issues_demo(&extra_args, &interrupted)?,
    };
    if interrupted.load(Ordering::SeqCst) || status.success() {
        println!("==> demo stopped");
        Ok(())
    } else {
        bail!("the demo exited with {status}")
    }
}

/// Takes `--example NAME` (or `--example=NAME`) out of the arguments; the rest go to
/// `vestibule serve`.
fn split_example(args: &[String]) -> Result<(Option<String>, Vec<String>)> {
    let mut example = None;
    let mut rest = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--example=") {
            example = Some(name.to_owned());
        } else if arg == "--example" {
            example = Some(args.next().context("--example needs a name")?.clone());
        } else {
            rest.push(arg.clone());
        }
    }
    if let Some(name) = &example
        && !EXAMPLES.contains(&name.as_str())
    {
        bail!(
            "unknown example `{name}`; choose from {}",
            EXAMPLES.join(", ")
        );
    }
    Ok((example, rest))
}

/// `vestibule serve` for the demo, with the operator's extra arguments last.
fn vestibule(extra_args: &[String]) -> Command {
    let root = workspace_root();
    let mut server = Command::new(root.join("target/release/vestibule"));
    server
        .arg("serve")
        .args(["--environment", "development"])
        .arg("--data-dir")
        .arg(root.join(".vestibule"))
        .arg("--dist-dir")
        .arg(root.join("dist"))
        .arg("--js-dir")
        .arg(root.join("js-dist"))
        .args(extra_args)
        .current_dir(&root)
        .stdin(Stdio::null());
    server
}

/// `target/release/vestibule`, which the demos and the time-to-visible measurement run.
pub fn build_release_server() -> Result<()> {
    exec(cargo().args([
        "build",
        "--release",
        "-p",
        "vestibule-server",
        "--bin",
        "vestibule",
    ]))
}

/// Vestibule on localhost:3000 (as `DEMO_VESTIBULE_URL`) allowing the app's origin on
/// localhost:4000, its output piped so that its secret key can be read.
fn vestibule_beside_app(extra_args: &[String]) -> Result<std::process::Child> {
    let args: Vec<String> = [
        "--listen",
        "127.0.0.1:3000",
        "--public-url",
        DEMO_VESTIBULE_URL,
        "--allowed-origins",
        DEMO_APP_URL,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(extra_args.iter().cloned())
    .collect();
    vestibule(&args)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting target/release/vestibule")
}

/// Vestibule on localhost:3000 allowing the app's origin, and the app on localhost:4000
/// with the instance's secret key; prints the URLs and waits for both.
fn jira_issues_demo(
    extra_args: &[String],
    interrupted: &AtomicBool,
) -> Result<std::process::ExitStatus> {
    let root = workspace_root();
    let mut server = vestibule_beside_app(extra_args)?;
    let secret_key = match read_secret_key(&mut server) {
        Ok(key) => key,
        Err(err) => {
            let _ = server.kill();
            return Err(err);
        }
    };
    let mut app = Command::new(root.join("target/release/jira-issues"))
        .args(["--listen", "127.0.0.1:4000", "--public-url", DEMO_APP_URL])
        .args(["--vestibule-url", DEMO_VESTIBULE_URL])
        .args(["--vestibule-api-url", "http://127.0.0.1:3000"])
        .arg("--dist-dir")
        .arg(root.join("examples/jira-issues/dist"))
        .env("VESTIBULE_SECRET_KEY", &secret_key)
        .current_dir(&root)
        .stdin(Stdio::null())
        .spawn()
        .context("starting target/release/jira-issues")?;
    // Give the app a moment to configure the connection and bind before the banner.
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "\n==> the My Jira issues demo is up; press Ctrl-C to stop\n\
         \x20   the app:         {DEMO_APP_URL}/   (sign in, then see your issues)\n\
         \x20   Vestibule:       {DEMO_VESTIBULE_URL}/sign-in\n\
         \x20   dashboard:       {DEMO_VESTIBULE_URL}/dashboard   (secret key above)\n\
         \x20   JWKS:            {DEMO_VESTIBULE_URL}/.well-known/jwks.json\n"
    );
    let app_status = app.wait().context("waiting for jira-issues")?;
    // Ctrl-C stops both gracefully; if the app stopped on its own (it failed), take
    // Vestibule down with it.
    if !interrupted.load(Ordering::SeqCst) {
        let _ = server.kill();
    }
    let server_status = server.wait()?;
    Ok(if app_status.success() {
        server_status
    } else {
        app_status
    })
}

/// Vestibule on localhost:3000 allowing the page's origin, and `examples/<name>/` served as
/// it is on localhost:4000 (the page names `http://localhost:3000` as its Vestibule).
fn page_demo(
    name: &str,
    extra_args: &[String],
    interrupted: &AtomicBool,
) -> Result<std::process::ExitStatus> {
    let mut server = vestibule_beside_app(extra_args)?;
    if let Err(err) = read_secret_key(&mut server).and_then(|_| {
        crate::static_site::spawn(
            workspace_root().join("examples").join(name),
            "127.0.0.1:4000",
        )
    }) {
        let _ = server.kill();
        return Err(err);
    }
    println!(
        "\n==> the {name} example is up; press Ctrl-C to stop\n\
         \x20   the page:        {DEMO_APP_URL}/   (its script comes from Vestibule)\n\
         \x20   the script:      {DEMO_VESTIBULE_URL}/v1/js/manifest.json\n\
         \x20   Vestibule:       {DEMO_VESTIBULE_URL}/sign-in\n\
         \x20   JWKS:            {DEMO_VESTIBULE_URL}/.well-known/jwks.json\n"
    );
    let status = server.wait().context("waiting for vestibule")?;
    if !interrupted.load(Ordering::SeqCst) && !status.success() {
        bail!("vestibule exited with {status}");
    }
    Ok(status)
}

/// Echoes the server's banner until its `secret key:` line (printed by development
/// instances), then keeps echoing in the background.
fn read_secret_key(server: &mut Child) -> Result<String> {
    let stdout = server.stdout.take().context("no stdout pipe")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut key = None;
    for line in lines.by_ref() {
        let line = line?;
        println!("{line}");
        if let Some(k) = line.strip_prefix("secret key: ") {
            key = Some(k.trim().to_owned());
            break;
        }
    }
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            println!("{line}");
        }
    });
    key.context("the development instance did not print its secret key")
}

#[cfg(test)]
mod tests {
    use super::split_example;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_example_flag_is_taken_out_and_the_rest_kept() {
        let (example, rest) = split_example(&strings(&[
            "--example",
            "jira-issues",
            "--log-format",
            "json",
        ]))
        .unwrap();
        assert_eq!(example.as_deref(), Some("jira-issues"));
        assert_eq!(rest, strings(&["--log-format", "json"]));
        let (example, rest) = split_example(&strings(&["--example=jira-issues"])).unwrap();
        assert_eq!(example.as_deref(), Some("jira-issues"));
        assert!(rest.is_empty());
        assert_eq!(split_example(&[]).unwrap(), (None, vec![]));
    }

    #[test]
    fn an_unknown_example_is_refused_by_name() {
        let err = split_example(&strings(&["--example", "confluence"])).unwrap_err();
        assert!(err.to_string().contains("jira-issues"), "{err}");
        assert!(err.to_string().contains("plain-html"), "{err}");
    }
}
