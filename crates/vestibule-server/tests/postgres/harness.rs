//! This binary's own test runner: it creates one PostgreSQL database for the run, gives each
//! case a fresh schema in it, drops the database at the end whatever happened, and prints
//! libtest's `test result:` line. Without a PostgreSQL server it prints
//! `skipped: no PostgreSQL at ...` and counts those cases as ignored, except under `CI=true`,
//! where a missing server fails the run.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use vestibule_server::db::{self, Db};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a case notes about the answers it got: the same notes from SQLite and PostgreSQL
/// show that both schemas answer the store's queries alike.
pub type Transcript = Vec<String>;

pub enum Kind {
    /// Runs on a fresh SQLite file and on a fresh PostgreSQL schema; the transcripts must match.
    BothEngines(fn(Db) -> BoxFuture<Transcript>),
    /// Needs PostgreSQL: gets the URL of a fresh schema.
    Postgres(fn(String) -> BoxFuture<()>),
}

pub struct Case {
    pub name: &'static str,
    pub kind: Kind,
}

/// The database of this run, dropped by [`TestDatabase::drop_now`].
struct TestDatabase {
    admin: PgConnectOptions,
    name: String,
    url: String,
    schemas: u32,
}

/// The URL to show: without its password.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

impl TestDatabase {
    async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let admin = PgConnectOptions::from_str(admin_url)?;
        let mut conn = tokio::time::timeout(Duration::from_secs(5), admin.connect())
            .await
            .map_err(|_| anyhow::anyhow!("no answer in 5 s"))??;
        let name = format!(
            "vestibule_test_{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..8)
                .unwrap_or("x")
        );
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        let mut url = url::Url::parse(admin_url)?;
        url.set_path(&name);
        Ok(Self {
            admin,
            name,
            url: url.to_string(),
            schemas: 0,
        })
    }

    /// A fresh schema of the run's database, as a URL whose connections use it.
    async fn fresh_schema(&mut self) -> anyhow::Result<String> {
        self.schemas += 1;
        let schema = format!("case_{}", self.schemas);
        let mut conn = PgConnectOptions::from_str(&self.url)?.connect().await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await?;
        let mut url = url::Url::parse(&self.url)?;
        url.query_pairs_mut()
            .append_pair("options[search_path]", &schema);
        Ok(url.to_string())
    }

    async fn drop_now(self) -> anyhow::Result<()> {
        let mut conn = self.admin.connect().await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}

enum Outcome {
    Passed,
    Failed(String),
    Skipped,
}

/// Runs `future` in its own task, so that a panic fails the case and not the run.
async fn catch<T: Send + 'static>(future: BoxFuture<T>) -> Result<T, String> {
    tokio::spawn(future)
        .await
        .map_err(|e| match e.try_into_panic() {
            Ok(panic) => panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panicked".to_owned()),
            Err(e) => e.to_string(),
        })
}

async fn run_case(case: &Case, postgres: Option<&mut TestDatabase>) -> Outcome {
    match (&case.kind, postgres) {
        (Kind::Postgres(_), None) => Outcome::Skipped,
        (Kind::Postgres(run), Some(database)) => match database.fresh_schema().await {
            Ok(url) => match catch(run(url)).await {
                Ok(()) => Outcome::Passed,
                Err(why) => Outcome::Failed(why),
            },
            Err(e) => Outcome::Failed(format!("no fresh schema: {e:#}")),
        },
        (Kind::BothEngines(run), database) => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let sqlite = match on_sqlite(dir.path(), *run).await {
                Ok(transcript) => transcript,
                Err(why) => return Outcome::Failed(format!("on SQLite: {why}")),
            };
            let Some(database) = database else {
                return Outcome::Passed;
            };
            let url = match database.fresh_schema().await {
                Ok(url) => url,
                Err(e) => return Outcome::Failed(format!("no fresh schema: {e:#}")),
            };
            let postgres = match on_postgres(&url, *run).await {
                Ok(transcript) => transcript,
                Err(why) => return Outcome::Failed(format!("on PostgreSQL: {why}")),
            };
            compare(&sqlite, &postgres)
        }
    }
}

async fn on_sqlite(dir: &Path, run: fn(Db) -> BoxFuture<Transcript>) -> Result<Transcript, String> {
    let db = db::connect(None, dir).await.map_err(|e| format!("{e:#}"))?;
    let transcript = catch(run(db.clone())).await;
    db.close().await;
    transcript
}

async fn on_postgres(
    url: &str,
    run: fn(Db) -> BoxFuture<Transcript>,
) -> Result<Transcript, String> {
    let db = db::connect(Some(url), Path::new("unused"))
        .await
        .map_err(|e| format!("{e:#}"))?;
    let transcript = catch(run(db.clone())).await;
    db.close().await;
    transcript
}

fn compare(sqlite: &Transcript, postgres: &Transcript) -> Outcome {
    if sqlite == postgres {
        return Outcome::Passed;
    }
    let first = sqlite
        .iter()
        .zip(postgres)
        .position(|(a, b)| a != b)
        .unwrap_or(sqlite.len().min(postgres.len()));
    Outcome::Failed(format!(
        "the engines answered differently at note {first}: SQLite {:?}, PostgreSQL {:?}",
        sqlite.get(first),
        postgres.get(first)
    ))
}

/// Runs the cases whose name contains the first free argument (all without one).
pub fn main(cases: &[Case]) -> ExitCode {
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let cases: Vec<&Case> = cases.iter().filter(|c| c.name.contains(&filter)).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run_all(&cases))
}

async fn run_all(cases: &[&Case]) -> ExitCode {
    let started = Instant::now();
    let admin_url =
        std::env::var("VESTIBULE_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let mut database = match TestDatabase::create(&admin_url).await {
        Ok(database) => Some(database),
        Err(e) => {
            println!("skipped: no PostgreSQL at {} ({e:#})", shown(&admin_url));
            None
        }
    };
    println!("\nrunning {} tests", cases.len());
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in cases {
        let t = Instant::now();
        let outcome = run_case(case, database.as_mut()).await;
        let seconds = t.elapsed().as_secs_f64();
        match outcome {
            Outcome::Passed => {
                passed += 1;
                println!("test {} ... ok ({seconds:.1}s)", case.name);
            }
            Outcome::Skipped => {
                skipped += 1;
                println!("test {} ... ignored, skipped: no PostgreSQL", case.name);
            }
            Outcome::Failed(why) => {
                failed += 1;
                println!("test {} ... FAILED", case.name);
                failures.push(format!("---- {} ----\n{why}", case.name));
            }
        }
    }
    if let Some(database) = database {
        if let Err(e) = database.drop_now().await {
            println!("could not drop the test database: {e:#}");
        }
    } else if in_ci {
        println!("CI=true: PostgreSQL is required; its absence fails the run");
        failed += 1;
    }
    for failure in &failures {
        println!("\n{failure}");
    }
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed; {skipped} ignored; 0 measured; \
         0 filtered out; finished in {:.2}s\n",
        if failed == 0 { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
