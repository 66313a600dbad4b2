//! `vestibule serve`: run one instance until Ctrl-C or SIGTERM.

use std::io::{IsTerminal, Write};

use clap::Parser;
use tracing_subscriber::EnvFilter;
use vestibule_server::config::{Cli, Command, KeysCommand, LogFormat};

/// mimalloc instead of glibc's malloc: every request allocates and frees a hundred-odd small
/// blocks (headers, boxed futures, extensions), which mimalloc's per-thread free lists serve
/// in a fraction of the instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            init_tracing(args.log_format);
            let server = vestibule_server::server::start(*args).await?;
            {
                let mut stdout = std::io::stdout().lock();
                for line in server.banner() {
                    writeln!(stdout, "{line}")?;
                }
                stdout.flush()?;
            }
            let stop = server.shutdown_handle();
            tokio::spawn(async move {
                vestibule_server::server::shutdown_signal().await;
                let _ = stop.send(true);
            });
            server.wait().await
        }
        Command::Keys(KeysCommand::RotateMaster(args)) => {
            init_tracing(LogFormat::Text);
            vestibule_server::keys::rotate_master_cli(args).await
        }
        Command::Keys(KeysCommand::Rotate(args)) => {
            init_tracing(args.log_format);
            let kid = vestibule_server::session_tokens::rotate_from_cli(&args).await?;
            println!("new signing key {kid}; running servers sign with it within seconds");
            Ok(())
        }
    }
}

/// Logs go to stderr so that stdout carries only the banner harnesses read.
fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
