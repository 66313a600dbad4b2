//! The last check of each saved connection, so that its row can say "last checked … ok".
//! The stored report is the API's own JSON, which never holds a secret.

use vestibule_core::connection_check::ConnectionCheck;

use crate::db::Db;
use crate::error::{AppError, AppResult};

pub async fn save(db: &Db, connection_id: &str, check: &ConnectionCheck) -> AppResult<()> {
    let report = serde_json::to_string(check)
        .map_err(|e| AppError::internal(format!("check report: {e}")))?;
    crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO connection_checks (connection_id, checked_at, outcome, report) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (connection_id) DO UPDATE SET \
         checked_at = excluded.checked_at, outcome = excluded.outcome, report = excluded.report",
    )
    .bind(connection_id)
    .bind(check.checked_at)
    .bind(check.outcome.as_str())
    .bind(report)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn last(db: &Db, connection_id: &str) -> AppResult<Option<ConnectionCheck>> {
    let report: Option<String> = crate::with_db!(db, pool => sqlx::query_scalar("SELECT report FROM connection_checks WHERE connection_id = $1")
            .bind(connection_id)
            .fetch_optional(pool)
            .await)?;
    // A report this version cannot read (written by a newer one) is as good as none.
    Ok(report.and_then(|r| serde_json::from_str(&r).ok()))
}
