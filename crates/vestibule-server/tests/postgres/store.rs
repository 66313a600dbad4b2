//! The store on both engines: each case writes and reads through the store's own functions
//! and notes what it saw (never a random id), so that the harness can check that SQLite and
//! PostgreSQL answered alike.

use std::time::Duration;

use vestibule_core::ProviderId;
use vestibule_core::api::{AtlassianSite, OAuthIntent};
use vestibule_server::cache::TtlCache;
use vestibule_server::crypto::MasterKey;
use vestibule_server::db::{self, Db};
use vestibule_server::store::accounts::{self, AuthorizedAccount, FreshTokens, Profile};
use vestibule_server::store::signing_keys::{self, SigningKeyRow};
use vestibule_server::store::{connections, flows, sessions};
use vestibule_server::{instance, with_db};

use crate::harness::{BoxFuture, Transcript};

fn master_key() -> MasterKey {
    MasterKey::parse(&MasterKey::generate_encoded()).unwrap()
}

fn authorized(account_id: &str, refresh: Option<&str>) -> AuthorizedAccount {
    AuthorizedAccount {
        provider: ProviderId::Atlassian,
        provider_account_id: account_id.to_owned(),
        profile: Profile {
            name: Some("Mara Lind".into()),
            email: Some("mara@example.test".into()),
            email_verified: true,
            avatar_url: None,
        },
        site: AtlassianSite {
            id: "site-1".into(),
            name: "Northwind".into(),
            url: "https://northwind.example.test".into(),
            avatar_url: None,
        },
        scopes: vec!["read:me".into(), "offline_access".into()],
        oauth_client_id: "client-1".into(),
        tokens: FreshTokens {
            access_token: format!("at-{account_id}"),
            access_token_expires_at: 5_000,
            refresh_token: refresh.map(str::to_owned),
        },
    }
}

pub fn instance_and_connections(db: Db) -> BoxFuture<Transcript> {
    Box::pin(async move {
        let mut notes = Vec::new();
        let first = instance::instance_id(&db).await.unwrap();
        let again = instance::instance_id(&db).await.unwrap();
        notes.push(format!("instance id is kept: {}", first == again));
        instance::seed_development_connection(&db, 100)
            .await
            .unwrap();
        instance::seed_development_connection(&db, 200)
            .await
            .unwrap();
        let list = connections::list(&db).await.unwrap();
        notes.push(format!("seeded once: {}", list.len()));
        let mut row = list.into_iter().next().unwrap();
        notes.push(format!(
            "{} {} enabled={} custom={} secret={:?} scopes={}",
            row.provider.as_str(),
            row.audience.as_str(),
            row.enabled_for_sign_in,
            row.use_custom_credentials,
            row.client_secret,
            row.scopes
        ));
        let duplicate = connections::development_default(300);
        notes.push(format!(
            "second connection of a provider inserted: {}",
            connections::insert(&db, &duplicate).await.unwrap()
        ));
        row.use_custom_credentials = true;
        row.client_id = Some("client-1".into());
        row.client_secret_last4 = Some("Zq81".into());
        row.updated_at = 400;
        notes.push(format!(
            "updated: {}",
            connections::update(&db, &row).await.unwrap()
        ));
        let read = connections::by_provider(&db, ProviderId::Atlassian)
            .await
            .unwrap()
            .unwrap();
        notes.push(format!(
            "read back: custom={} id={:?} last4={:?} updated_at={}",
            read.use_custom_credentials, read.client_id, read.client_secret_last4, read.updated_at
        ));
        notes.push(format!(
            "deleted: {} then {}",
            connections::delete(&db, &row.id).await.unwrap(),
            connections::delete(&db, &row.id).await.unwrap()
        ));
        notes.push(format!(
            "gone: {}",
            connections::get(&db, &row.id).await.unwrap().is_none()
        ));
        notes
    })
}

pub fn users_accounts_and_tokens(db: Db) -> BoxFuture<Transcript> {
    Box::pin(async move {
        let key = master_key();
        let mut notes = Vec::new();
        let mut tx = db::begin_write(&db).await.unwrap();
        let account = authorized("acc-1", Some("rt-1"));
        let user_id = accounts::insert_user(&mut tx, &account.profile, 10)
            .await
            .unwrap();
        let first = accounts::insert_account(&mut tx, &key, &user_id, &account, 10)
            .await
            .unwrap();
        let second =
            accounts::insert_account(&mut tx, &key, &user_id, &authorized("acc-2", None), 11)
                .await
                .unwrap();
        notes.push(format!(
            "primary: {} {}",
            accounts::is_primary(&mut tx, &user_id, &first)
                .await
                .unwrap(),
            accounts::is_primary(&mut tx, &user_id, &second)
                .await
                .unwrap()
        ));
        let found = accounts::account_by_provider_id(&mut tx, ProviderId::Atlassian, "acc-1")
            .await
            .unwrap()
            .unwrap();
        notes.push(format!("found by provider id: {}", found.id == first));
        tx.commit().await.unwrap();

        let user = accounts::load_user(&db, &user_id).await.unwrap().unwrap();
        notes.push(format!(
            "user {:?} {:?} verified={} accounts={}",
            user.name,
            user.email,
            user.email_verified,
            user.external_accounts.len()
        ));
        let api = &user.external_accounts[0];
        notes.push(format!(
            "account {} site={:?} scopes={:?} reconnect={}",
            api.provider_account_id,
            api.site.as_ref().map(|s| &s.name),
            api.scopes,
            api.reconnect_needed
        ));

        // A refresh without a new refresh token keeps the stored one (COALESCE on both).
        let mut tx = db::begin_write(&db).await.unwrap();
        let fresh = FreshTokens {
            access_token: "at-new".into(),
            access_token_expires_at: 9_000,
            refresh_token: None,
        };
        accounts::store_refreshed_tokens(&mut tx, &key, &first, &fresh, 20)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let row = accounts::account(&db, &first).await.unwrap().unwrap();
        notes.push(format!(
            "refreshed: access={} expires={} refresh={:?}",
            row.open_access_token(&key).unwrap(),
            row.access_token_expires_at,
            row.open_refresh_token(&key).unwrap()
        ));
        accounts::mark_reconnect_needed(&db, &first, 30)
            .await
            .unwrap();
        let row = accounts::account(&db, &first).await.unwrap().unwrap();
        notes.push(format!("reconnect needed: {}", row.reconnect_needed));

        let removed = accounts::delete_account_unless_last(&db, &user_id, &second)
            .await
            .unwrap();
        notes.push(format!("second removed: {}", removed.is_some()));
        let last = accounts::delete_account_unless_last(&db, &user_id, &first).await;
        notes.push(format!(
            "the last one is kept: {:?}",
            last.err().map(|e| e.code())
        ));
        let not_theirs = accounts::delete_account_unless_last(&db, "user_x", &first)
            .await
            .unwrap();
        notes.push(format!("not theirs: {}", not_theirs.is_none()));

        let cache: accounts::UserCache = TtlCache::default();
        let cached = cache.get_or_load(&db, &user_id).await.unwrap().unwrap();
        notes.push(format!(
            "cached user accounts: {}",
            cached.external_accounts.len()
        ));
        notes
    })
}

pub fn sessions_and_flows(db: Db) -> BoxFuture<Transcript> {
    Box::pin(async move {
        let key = master_key();
        let mut notes = Vec::new();
        let mut tx = db::begin_write(&db).await.unwrap();
        let user_id = accounts::insert_user(&mut tx, &authorized("a", None).profile, 0)
            .await
            .unwrap();
        let (token, row) = sessions::create(&mut tx, &user_id, Some("Browser/1"), 1_000, 500)
            .await
            .unwrap();
        let (other, _) = sessions::create(&mut tx, &user_id, None, 1_001, 500)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let cache: sessions::SessionCache = TtlCache::default();
        let found = sessions::authenticate(&db, &cache, &token, 1_010, 100)
            .await
            .unwrap()
            .unwrap();
        notes.push(format!(
            "authenticated: {} agent={:?}",
            found.id == row.id,
            found.user_agent
        ));
        let touched = sessions::authenticate(&db, &cache, &token, 1_070, 100)
            .await
            .unwrap()
            .unwrap();
        notes.push(format!("touched at {}", touched.last_active_at));
        let listed = sessions::list_for_user(&db, &user_id, 1_080, 100)
            .await
            .unwrap();
        notes.push(format!(
            "listed {} (newest first: {})",
            listed.len(),
            listed[0].created_at
        ));
        notes.push(format!(
            "ended by id: {} then {}",
            sessions::end_by_id(&db, &cache, &user_id, &row.id)
                .await
                .unwrap(),
            sessions::end_by_id(&db, &cache, &user_id, &row.id)
                .await
                .unwrap()
        ));
        notes.push(format!(
            "after revoke: {:?}",
            sessions::authenticate(&db, &cache, &token, 1_090, 100)
                .await
                .unwrap()
                .map(|s| s.id.clone())
        ));
        notes.push(format!(
            "idle session ends: {:?}",
            sessions::authenticate(&db, &cache, &other, 1_200, 100)
                .await
                .unwrap()
                .is_some()
        ));
        notes.push(format!(
            "expired swept: {}",
            sessions::delete_expired(&db, 1_200, 100).await.unwrap()
        ));

        let flow = flows::NewFlow {
            flow_cookie: "cookie-1",
            oauth_state: "state-1",
            pkce_verifier: "verifier-1",
            provider: ProviderId::Atlassian,
            intent: OAuthIntent::Connect,
            oauth_client_id: "client-1",
            redirect_url: "https://app.example.test/after",
            user_id: Some(&user_id),
        };
        flows::insert(&db, &key, &flow, 2_000).await.unwrap();
        let hash = vestibule_server::crypto::sha256_hex("cookie-1");
        let taken = flows::take_by_cookie_hash(&db, &hash)
            .await
            .unwrap()
            .unwrap();
        notes.push(format!(
            "flow {} {} verifier={} expires_at={} user={}",
            taken.provider.as_str(),
            taken.intent.as_str(),
            taken.open_verifier(&key).unwrap(),
            taken.expires_at,
            taken.user_id.as_deref() == Some(user_id.as_str())
        ));
        notes.push(format!(
            "taken once: {}",
            flows::take_by_cookie_hash(&db, &hash)
                .await
                .unwrap()
                .is_none()
        ));
        flows::insert(&db, &key, &flow, 3_000).await.unwrap();
        notes.push(format!(
            "abandoned swept: {} then {}",
            flows::delete_abandoned(&db, 3_000 + flows::LIFETIME_SECS)
                .await
                .unwrap(),
            flows::delete_abandoned(&db, 3_000 + flows::LIFETIME_SECS + 60)
                .await
                .unwrap()
        ));
        notes
    })
}

pub fn signing_keys_in_order(db: Db) -> BoxFuture<Transcript> {
    Box::pin(async move {
        let mut notes = Vec::new();
        let row = |kid: &str, created_at: i64| SigningKeyRow {
            kid: kid.to_owned(),
            private_key: format!("sealed-{kid}"),
            public_key: format!("public-{kid}"),
            created_at,
            retired_at: None,
        };
        let mut tx = db::begin_write(&db).await.unwrap();
        notes.push(format!(
            "active before: {}",
            signing_keys::count_active(&mut tx).await.unwrap()
        ));
        for (kid, at) in [("k_a", 10), ("k_b", 10), ("k_c", 20)] {
            signing_keys::insert(&mut tx, &row(kid, at)).await.unwrap();
        }
        notes.push(format!(
            "retired: {}",
            signing_keys::retire_all_but(&mut tx, "k_a", 30)
                .await
                .unwrap()
        ));
        tx.commit().await.unwrap();
        let published = signing_keys::published(&db, 0).await.unwrap();
        notes.push(format!(
            "published: {:?}",
            published
                .iter()
                .map(|r| (r.kid.as_str(), r.retired_at))
                .collect::<Vec<_>>()
        ));
        let mut tx = db::begin_write(&db).await.unwrap();
        notes.push(format!(
            "deleted: {}",
            signing_keys::delete_retired(&mut tx, 30).await.unwrap()
        ));
        notes.push(format!(
            "active after: {}",
            signing_keys::count_active(&mut tx).await.unwrap()
        ));
        tx.commit().await.unwrap();
        notes
    })
}

/// Two write transactions never interleave: the second waits for the first to commit.
pub fn write_transactions_queue(db: Db) -> BoxFuture<Transcript> {
    Box::pin(async move {
        let mut notes = Vec::new();
        let first = db::begin_write(&db).await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let tx = db::begin_write(&db).await.unwrap();
                tx.commit().await.unwrap();
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        notes.push(format!("second waits: {}", !second.is_finished()));
        first.commit().await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .unwrap()
            .unwrap();
        notes.push("second ran after the commit".to_owned());
        let facts: i64 =
            with_db!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM instance_facts")
            .fetch_one(pool)
            .await)
            .unwrap();
        notes.push(format!("facts: {facts}"));
        notes
    })
}

/// On PostgreSQL the refresh lock is the account's row: a second process's refresh waits.
pub fn refresh_lock_is_the_row(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let key = master_key();
        let db = db::connect(Some(&url), std::path::Path::new("unused"))
            .await
            .unwrap();
        let mut tx = db::begin_write(&db).await.unwrap();
        let user_id = accounts::insert_user(&mut tx, &authorized("a", None).profile, 0)
            .await
            .unwrap();
        let account_id =
            accounts::insert_account(&mut tx, &key, &user_id, &authorized("a", Some("r")), 0)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        let other_process = db::connect(Some(&url), std::path::Path::new("unused"))
            .await
            .unwrap();
        let held = accounts::lock_for_refresh(&db, &account_id)
            .await
            .unwrap()
            .expect("PostgreSQL locks the row");
        let waiting = tokio::spawn({
            let account_id = account_id.clone();
            async move {
                let mut tx = accounts::lock_for_refresh(&other_process, &account_id)
                    .await
                    .unwrap()
                    .unwrap();
                let row = accounts::account_in(&mut tx, &account_id).await.unwrap();
                row.unwrap().access_token_expires_at
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the second refresh waits");
        let mut held = held;
        let fresh = FreshTokens {
            access_token: "at-2".into(),
            access_token_expires_at: 7_777,
            refresh_token: Some("r-2".into()),
        };
        accounts::store_refreshed_tokens(&mut held, &key, &account_id, &fresh, 1)
            .await
            .unwrap();
        held.commit().await.unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen, 7_777, "the waiter reads the stored refresh");
    })
}

/// `--database-statement-timeout`: PostgreSQL cancels a statement that runs longer, and the
/// pool answers within `--database-acquire-timeout` when it has no connection to give.
pub fn timeouts_hold(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let settings = db::PoolSettings {
            max_connections: 1,
            statement_timeout: Duration::from_millis(200),
            acquire_timeout: Duration::from_millis(300),
        };
        let db = db::connect_with(Some(&url), std::path::Path::new("unused"), &settings)
            .await
            .unwrap();
        let Db::Postgres(pool) = &db else {
            unreachable!("a postgres URL")
        };
        let started = std::time::Instant::now();
        let slow = sqlx::query("SELECT pg_sleep(5)").execute(pool).await;
        let error = slow.expect_err("cancelled").to_string();
        assert!(error.contains("statement timeout"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(2));

        let held = pool.acquire().await.unwrap();
        let started = std::time::Instant::now();
        let waited = pool.acquire().await;
        assert!(matches!(waited, Err(sqlx::Error::PoolTimedOut)));
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(held);
    })
}
