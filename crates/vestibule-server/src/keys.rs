//! `vestibule keys …`: key maintenance on a stopped instance's database. `rotate-master`
//! re-seals every sealed value (client secrets, OAuth tokens, PKCE verifiers, and whatever
//! [`SEALED_COLUMNS`] lists) under a new master key, in one transaction; afterwards no value
//! in the database opens with the old key alone.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

use crate::crypto::{MasterKey, Slot};
use crate::db::{self, Db};

/// `vestibule keys rotate-master`
#[derive(Debug, Args)]
pub struct RotateMasterArgs {
    /// The master key the instance runs with now (hex or base64 of 32 bytes) [default: the
    /// data dir's `master.key`, as a development instance keeps it].
    #[arg(long, env = "VESTIBULE_MASTER_KEY", hide_env_values = true)]
    pub old_key: Option<String>,

    /// The master key to seal with from now on.
    #[arg(long, env = "VESTIBULE_NEW_MASTER_KEY", hide_env_values = true)]
    pub new_key: String,

    /// The instance's data dir (its database, and a development instance's `master.key`).
    #[arg(long, env = "VESTIBULE_DATA_DIR", default_value = ".vestibule")]
    pub data_dir: PathBuf,

    /// Database URL [default: sqlite in the data dir].
    #[arg(long, env = "VESTIBULE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

/// A column whose values are sealed with the master key, with the row id as part of the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: &'static str,
    pub id_column: &'static str,
    pub column: &'static str,
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn {
        table,
        id_column: "id",
        column,
    }
}

/// Every sealed column of the schema. A new table with sealed values adds itself here, or the
/// rotation leaves its values under the old key (and the rotation test fails).
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    sealed("connections", "client_secret"),
    sealed("external_accounts", "access_token"),
    sealed("external_accounts", "refresh_token"),
    sealed("oauth_flows", "pkce_verifier"),
    SealedColumn {
        table: "signing_keys",
        column: "private_key",
        id_column: "kid",
    },
];

/// How many values of each column were re-sealed.
pub type RotationReport = Vec<(SealedColumn, u64)>;

/// `vestibule keys rotate-master`: rotates, reports per column, and updates a development
/// instance's key file.
pub async fn rotate_master_cli(args: RotateMasterArgs) -> anyhow::Result<()> {
    let key_file = args.data_dir.join("master.key");
    let old_encoded = match &args.old_key {
        Some(key) => key.clone(),
        None => std::fs::read_to_string(&key_file).with_context(|| {
            format!("--old-key not given and {} unreadable", key_file.display())
        })?,
    };
    let old = MasterKey::parse(&old_encoded).context("--old-key")?;
    let new = MasterKey::parse(&args.new_key).context("--new-key")?;
    let db = db::connect(args.database_url.as_deref(), &args.data_dir).await?;
    let report = rotate_master(&db, &old, &new).await?;
    for (column, count) in &report {
        println!(
            "re-sealed {count} value(s) of {}.{}",
            column.table, column.column
        );
    }
    if replace_key_file(&key_file, &old, &args.new_key)? {
        println!("master.key in the data dir now holds the new key");
    }
    println!(
        "master key {} replaced by {}: start the instance with the new key",
        old.key_id(),
        new.key_id()
    );
    db.close().await;
    Ok(())
}

/// Re-seals every value of [`SEALED_COLUMNS`] with `new`, all or nothing. Values already
/// sealed with `new` (a rotation run twice) stay; a value that opens with neither key stops
/// the rotation before anything is written.
pub async fn rotate_master(
    db: &Db,
    old: &MasterKey,
    new: &MasterKey,
) -> anyhow::Result<RotationReport> {
    if old.key_id() == new.key_id() {
        bail!("the new master key is the old one");
    }
    let mut tx = db::begin_write(db).await?;
    let mut report = Vec::new();
    for column in SEALED_COLUMNS {
        let rows: Vec<(String, String)> = crate::with_tx!(&mut tx, conn => sqlx::query_as(&format!(
            "SELECT {id}, {col} FROM {table} WHERE {col} IS NOT NULL",
            id = column.id_column,
            col = column.column,
            table = column.table,
        ))
        .fetch_all(conn)
        .await)
        .with_context(|| format!("reading {}.{}", column.table, column.column))?;
        let mut count = 0;
        for (id, value) in rows {
            let slot = Slot::new(column.table, column.column, &id);
            if new.open(slot, &value).is_ok() {
                continue;
            }
            let plaintext = old.open(slot, &value).with_context(|| {
                format!(
                    "{}.{} of row {id} does not open with the old key; nothing was changed",
                    column.table, column.column
                )
            })?;
            crate::with_tx!(&mut tx, conn => sqlx::query(&format!(
                "UPDATE {table} SET {col} = $1 WHERE {id} = $2",
                table = column.table,
                col = column.column,
                id = column.id_column,
            ))
            .bind(new.seal(slot, &plaintext))
            .bind(&id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
            count += 1;
        }
        report.push((*column, count));
    }
    tx.commit().await?;
    Ok(report)
}

/// A development instance keeps its master key in the data dir: when that file holds the old
/// key, it gets the new one (still readable only by us).
fn replace_key_file(path: &Path, old: &MasterKey, new_encoded: &str) -> anyhow::Result<bool> {
    let Ok(current) = std::fs::read_to_string(path) else {
        return Ok(false);
    };
    let holds_old = MasterKey::parse(&current).is_ok_and(|key| key.key_id() == old.key_id());
    if !holds_old {
        return Ok(false);
    }
    let temporary = path.with_extension("key.new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut file = options
            .open(&temporary)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        writeln!(file, "{}", new_encoded.trim())?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(true)
}
