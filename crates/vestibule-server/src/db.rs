//! The database: SQLite (embedded, one process) or PostgreSQL (several processes sharing it);
//! connecting, migrating, and the transactions that must not interleave.
//!
//! Queries are written once, with `$1` placeholders that both engines accept, and run on
//! either pool through [`with_db!`](crate::with_db) and [`with_tx!`](crate::with_tx): each
//! arm compiles the same query for its own driver, so rows decode natively (SQLite's
//! `BOOLEAN` stays a `bool`), which sqlx's `Any` driver cannot do.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, SqlitePool, Transaction};

/// The schema of each engine. Same tables, same names, same meaning; each file is numbered
/// alike in both folders, so that a migration is ported by writing its twin.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A pool on one of the two engines. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either engine; [`Tx::commit`] or drop (rolls back).
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the engine's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! with_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection (an executor).
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// How the pool is sized and how long the database may take (`--database-*` flags).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Connections this process opens at most.
    pub max_connections: u32,
    /// PostgreSQL cancels a statement that runs longer; SQLite waits this long for its write
    /// lock.
    pub statement_timeout: Duration,
    /// How long a request waits for a free connection (or for the database to answer a new
    /// one) before it fails, instead of hanging.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            statement_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL: use sqlite:PATH or postgres://USER@HOST/DB \
                 (the URL is not repeated here, since it may hold a password)"
            )
        }
    }
}

/// The SQLite file a URL (or the default) names, when it is a file: the one a second process
/// must not open.
pub fn sqlite_file(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    match url {
        None => Ok(Some(data_dir.join("vestibule.db"))),
        Some(url) if Engine::of_url(url)? == Engine::Sqlite => {
            if url.contains(":memory:") || url.contains("mode=memory") {
                return Ok(None);
            }
            let options =
                SqliteConnectOptions::from_str(url).with_context(|| "invalid database URL")?;
            Ok(Some(options.get_filename().to_owned()))
        }
        Some(_) => Ok(None),
    }
}

/// Keeps a second `serve` process off an SQLite file: an exclusive lock on `<file>.lock`,
/// held while the returned file stays open. The system drops it when the process ends, however
/// it ends, so a crash leaves nothing to clean up. `None` for PostgreSQL and in-memory SQLite.
pub fn lock_sqlite(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Option<std::fs::File>> {
    let Some(file) = sqlite_file(url, data_dir)? else {
        return Ok(None);
    };
    let mut name = file.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    let lock_path = file.with_file_name(name);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "{} is in use by another vestibule process: SQLite serves one process only. \
             Stop the other process, or run several processes on PostgreSQL \
             (--database-url postgres://...)",
            file.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
        }
    }
}

/// [`connect_with`] with the default pool settings (the `keys` commands, tests).
pub async fn connect(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Db> {
    connect_with(url, data_dir, &PoolSettings::default()).await
}

/// Opens the pool and runs the engine's embedded migrations. Without a URL the database is
/// SQLite in `<data dir>/vestibule.db` (created, in WAL mode).
pub async fn connect_with(
    url: Option<&str>,
    data_dir: &Path,
    settings: &PoolSettings,
) -> anyhow::Result<Db> {
    let engine = match url {
        Some(url) => Engine::of_url(url)?,
        None => Engine::Sqlite,
    };
    let db = match (engine, url) {
        (Engine::Postgres, Some(url)) => Db::Postgres(connect_postgres(url, settings).await?),
        _ => Db::Sqlite(connect_sqlite(url, data_dir, settings).await?),
    };
    db.migrate()
        .await
        .with_context(|| "cannot migrate the database")?;
    Ok(db)
}

async fn connect_sqlite(
    url: Option<&str>,
    data_dir: &Path,
    settings: &PoolSettings,
) -> anyhow::Result<SqlitePool> {
    let options = match url {
        Some(url) => SqliteConnectOptions::from_str(url).with_context(|| "invalid database URL")?,
        None => SqliteConnectOptions::new().filename(data_dir.join("vestibule.db")),
    };
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(settings.statement_timeout);
    SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .with_context(|| "cannot open the database")
}

async fn connect_postgres(url: &str, settings: &PoolSettings) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .with_context(|| "invalid database URL")?
        .application_name("vestibule")
        .options([(
            "statement_timeout",
            format!("{}ms", settings.statement_timeout.as_millis()),
        )]);
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .with_context(|| "cannot connect to PostgreSQL")
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Brings the schema up to this build's migrations.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            // Two processes starting at once: sqlx takes an advisory lock around the run.
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// A plain transaction, for reads that must agree with each other.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await)
    }

    /// Whether the pool has been closed.
    pub fn is_closed(&self) -> bool {
        with_db!(self, pool => pool.is_closed())
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}

/// The advisory-lock key every write transaction takes on PostgreSQL (any constant would do;
/// this one reads "vestibule").
const WRITE_LOCK_KEY: i64 = 0x7665_7374_6962;

/// A transaction that will write, serialized with every other one on the database, as the
/// sign-in and key code expects (read, decide, write). SQLite takes its write lock up front,
/// so two of these queue on the busy timeout instead of one failing when it upgrades from
/// reading; PostgreSQL takes one transaction-scoped advisory lock, shared by every process.
pub async fn begin_write(db: &Db) -> Result<Tx, sqlx::Error> {
    match db {
        Db::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            Ok(Tx::Postgres(tx))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine_and_others_are_refused() {
        assert_eq!(Engine::of_url("sqlite:x.db").unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::of_url("postgres://u@h/db").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::of_url("postgresql://u@h/db").unwrap(),
            Engine::Postgres
        );
        let refused = Engine::of_url("mysql://root:hunter2@h/db").unwrap_err();
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
    }

    #[test]
    fn only_sqlite_files_are_locked() {
        let dir = Path::new("/data");
        assert_eq!(
            sqlite_file(None, dir).unwrap(),
            Some(dir.join("vestibule.db"))
        );
        assert_eq!(
            sqlite_file(Some("sqlite:/tmp/a.db"), dir).unwrap(),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(sqlite_file(Some("sqlite::memory:"), dir).unwrap(), None);
        assert_eq!(sqlite_file(Some("postgres://u@h/db"), dir).unwrap(), None);
    }
}
