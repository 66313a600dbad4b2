//! `vestibule keys rotate-master`: on a database holding connections, accounts and flows,
//! every sealed value moves to the new key, the old key opens nothing, and the instance runs
//! on with the new key.

use clap::Parser;
use reqwest::StatusCode;
use serde_json::json;
use vestibule_server::config::{Cli, Command, KeysCommand};
use vestibule_server::crypto::{CryptoError, MasterKey, Slot};
use vestibule_server::keys::{self, SEALED_COLUMNS};
use vestibule_server::{ServeArgs, db, server};

use crate::common::{Browser, TestServer, sqlite};

async fn sealed_values(db: &db::Db) -> Vec<(keys::SealedColumn, String, String)> {
    let mut values = Vec::new();
    for column in SEALED_COLUMNS {
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT {}, {} FROM {} WHERE {} IS NOT NULL",
            column.id_column, column.column, column.table, column.column
        ))
        .fetch_all(sqlite(db))
        .await
        .unwrap();
        values.extend(rows.into_iter().map(|(id, value)| (*column, id, value)));
    }
    values
}

/// Every `table.column` of the whole schema holding a value sealed with `key_id`, whether
/// or not [`SEALED_COLUMNS`] knows the column: a table added later cannot be forgotten.
async fn values_sealed_with(db: &db::Db, key_id: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(sqlite(db))
    .await
    .unwrap();
    let prefix = format!("v1.{key_id}.%");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(sqlite(db))
                .await
                .unwrap();
        for column in columns {
            let count: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE $1"
            ))
            .bind(&prefix)
            .fetch_one(sqlite(db))
            .await
            .unwrap();
            if count > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn rotating_the_master_key_reseals_everything() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut args = ServeArgs::defaults();
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = data_dir.path().to_owned();
    args.dist_dir = data_dir.path().join("no-dist");

    // An instance with a custom connection secret, a user with tokens, and a pending flow.
    let running = server::start(args.clone()).await.unwrap();
    let secret_key = running.state.secret_key.clone();
    let http = reqwest::Client::new();
    let connection_id: String = {
        let list: serde_json::Value = http
            .get(running.url("/v1/admin/connections"))
            .bearer_auth(&secret_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["connections"][0]["id"].as_str().unwrap().to_owned()
    };
    let patched = http
        .patch(running.url(&format!("/v1/admin/connections/{connection_id}")))
        .bearer_auth(&secret_key)
        .json(&json!({ "client_id": "custom-app", "client_secret": "custom-secret-0123456789" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let test_server = TestServer {
        server: running,
        secret_key: secret_key.clone(),
        // The data dir is ours (it outlives this server); this one is a placeholder.
        data_dir: tempfile::tempdir().unwrap(),
        http: http.clone(),
    };
    crate::common::consent_as(
        &test_server.control(),
        atlassian_emulator::demo::ACCOUNT_DEFAULT,
    );
    let browser = Browser::new();
    browser.sign_in(&test_server, "intent=sign_in").await;
    let user_id = browser.client_state(&test_server).await.user.unwrap().id;
    Browser::new().start(&test_server, "intent=sign_in").await;
    test_server.shutdown().await;

    let old_encoded = std::fs::read_to_string(data_dir.path().join("master.key")).unwrap();
    let old = MasterKey::parse(&old_encoded).unwrap();
    let new_encoded = MasterKey::generate_encoded();
    let new = MasterKey::parse(&new_encoded).unwrap();

    let db = db::connect(None, data_dir.path()).await.unwrap();
    assert!(!values_sealed_with(&db, old.key_id()).await.is_empty());
    let before = sealed_values(&db).await;
    for table in ["connections", "external_accounts", "oauth_flows"] {
        assert!(
            before.iter().any(|(c, _, _)| c.table == table),
            "the database must hold sealed {table} values"
        );
    }
    // As the operator types it (`--old-key` defaults to a development data dir's master.key).
    let command = Cli::try_parse_from([
        "vestibule",
        "keys",
        "rotate-master",
        "--new-key",
        &new_encoded,
        "--data-dir",
        data_dir.path().to_str().unwrap(),
    ])
    .unwrap();
    let Command::Keys(KeysCommand::RotateMaster(rotate)) = command.command else {
        panic!("`keys rotate-master` is another command");
    };
    keys::rotate_master_cli(rotate).await.unwrap();
    assert_eq!(
        values_sealed_with(&db, old.key_id()).await,
        Vec::<String>::new(),
        "a sealed column missing from keys::SEALED_COLUMNS"
    );

    let after = sealed_values(&db).await;
    assert_eq!(after.len(), before.len());
    for ((column, id, value), (_, _, old_value)) in after.iter().zip(&before) {
        let slot = Slot::new(column.table, column.column, id);
        assert!(
            matches!(old.open(slot, value), Err(CryptoError::UnknownKey(_))),
            "{}.{} still opens with the old key",
            column.table,
            column.column
        );
        assert_eq!(
            new.open(slot, value).unwrap(),
            old.open(slot, old_value).unwrap(),
            "the same secret, under the new key"
        );
    }
    // Running it again changes nothing; the old key is refused from now on.
    let again = keys::rotate_master(&db, &old, &new).await.unwrap();
    assert!(again.iter().all(|(_, count)| *count == 0));
    db.close().await;

    // The development instance picks the new key up from its data dir and opens its tokens.
    let reopened = server::start(args).await.unwrap();
    assert_eq!(reopened.state.master_key.key_id(), new.key_id());
    let token = http
        .get(reopened.url(&format!(
            "/v1/users/{user_id}/oauth_access_tokens/atlassian"
        )))
        .bearer_auth(&secret_key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        token.status(),
        StatusCode::OK,
        "{}",
        token.text().await.unwrap()
    );
    reopened.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_value_that_opens_with_neither_key_stops_the_rotation_untouched() {
    let data_dir = tempfile::tempdir().unwrap();
    let db = db::connect(None, data_dir.path()).await.unwrap();
    let old = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
    let stranger = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
    let new = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
    let insert = |id: &str, sealed: String| {
        sqlx::query(
            "INSERT INTO connections (id, provider, audience, enabled_for_sign_in, \
             use_custom_credentials, client_id, client_secret, scopes, created_at, updated_at) \
             VALUES ($1, $2, 'all_users', FALSE, TRUE, 'c', $3, 'read:me', 0, 0)",
        )
        .bind(id.to_owned())
        .bind(format!("provider-{id}"))
        .bind(sealed)
        .execute(sqlite(&db))
    };
    let good = old.seal(Slot::new("connections", "client_secret", "con_a"), "a");
    insert("con_a", good.clone()).await.unwrap();
    let bad = stranger.seal(Slot::new("connections", "client_secret", "con_b"), "b");
    insert("con_b", bad).await.unwrap();
    assert!(keys::rotate_master(&db, &old, &new).await.is_err());
    let kept: String =
        sqlx::query_scalar("SELECT client_secret FROM connections WHERE id = 'con_a'")
            .fetch_one(sqlite(&db))
            .await
            .unwrap();
    assert_eq!(kept, good, "all or nothing");
}
