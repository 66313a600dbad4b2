//! The database: connecting, migrating, and the transactions that must not interleave.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub type Db = SqlitePool;
pub type Tx = Transaction<'static, Sqlite>;

/// Opens the pool (creating the file), switches SQLite to WAL and runs the embedded migrations.
/// Without a URL the database is `<data dir>/vestibule.db`.
pub async fn connect(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Db> {
    let options = match url {
        Some(url) if url.starts_with("sqlite:") => {
            SqliteConnectOptions::from_str(url).with_context(|| "invalid database URL")?
        }
        Some(_) => anyhow::bail!(
            "unsupported database URL: this build supports sqlite: URLs (Postgres comes next)"
        ),
        None => SqliteConnectOptions::new().filename(data_dir.join("vestibule.db")),
    };
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await
        .with_context(|| "cannot open the database")?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .with_context(|| "cannot migrate the database")?;
    Ok(pool)
}

/// A transaction that will write. SQLite takes the write lock up front, so two of these
/// queue on the busy timeout instead of one failing when it upgrades from reading.
pub async fn begin_write(db: &Db) -> Result<Tx, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}
