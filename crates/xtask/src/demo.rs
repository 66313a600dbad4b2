//! `cargo xtask demo`: a development instance with the portal, on 127.0.0.1:3000.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};

use crate::step::{cargo, exec, step};
use crate::workspace_root;

pub fn run(extra_args: &[String]) -> Result<()> {
    crate::setup::run()?;
    step(
        "build the portal (trunk build --release)",
        crate::suite::build_portal,
    )?;
    step("build the server (release)", || {
        exec(cargo().args([
            "build",
            "--release",
            "-p",
            "vestibule-server",
            "--bin",
            "vestibule",
        ]))
    })?;

    let root = workspace_root();
    let mut server = Command::new(root.join("target/release/vestibule"));
    server
        .arg("serve")
        .args(["--environment", "development"])
        .arg("--data-dir")
        .arg(root.join(".vestibule"))
        .arg("--dist-dir")
        .arg(root.join("dist"))
        .args(extra_args)
        .current_dir(&root)
        .stdin(Stdio::null());
    println!("==> serving the demo; press Ctrl-C to stop");

    // Ctrl-C reaches the whole foreground process group: the server shuts down gracefully
    // on its own, and this process just waits for it instead of dying first.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;

    let status = server
        .status()
        .context("starting target/release/vestibule")?;
    if interrupted.load(Ordering::SeqCst) || status.success() {
        println!("==> demo stopped");
        Ok(())
    } else {
        bail!("the server exited with {status}")
    }
}
