//! Two `vestibule` binaries on one PostgreSQL database; one is killed with SIGKILL in the
//! middle of a burst of sign-ins and token requests. The other serves throughout, and the
//! database holds no half-written sign-in.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use atlassian_emulator::{OAuthApp, demo};
use reqwest::StatusCode;
use serde_json::json;
use vestibule_core::api::ClientState;
use vestibule_server::crypto::{MasterKey, random_token};

use crate::common::{Browser, PROD_CLIENT_ID, PROD_CLIENT_SECRET, atlassian, consent_as, location};
use crate::harness::BoxFuture;

/// A `vestibule serve` child, killed when dropped.
struct Process {
    child: Child,
    /// `http://addr` it listens on.
    origin: String,
}

impl Process {
    fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vestibule"))
            .arg("serve")
            .args(args)
            .envs(envs.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut origin = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(addr) = line.strip_prefix("vestibule listening on ") {
                origin = Some(addr.to_owned());
            } else if line.starts_with("callback URL: ") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            origin: origin.expect("the readiness line"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    fn kill_9(&mut self) {
        let status = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One whole sign-in on `process` (start, consent, callback); `Ok` with the browser when it
/// landed on the portal.
async fn sign_in(process_url: String, public: String) -> Result<Browser, String> {
    let browser = Browser::new();
    let started = browser
        .http
        .get(format!(
            "{process_url}/v1/oauth/atlassian/start?intent=sign_in"
        ))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if started.status() != StatusCode::SEE_OTHER {
        return Err(format!("start answered {}", started.status()));
    }
    let callback = browser.consent(&location(&started)).await;
    let callback = callback.replacen(&public, &process_url, 1);
    let landed = browser
        .http
        .get(&callback)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if landed.status() != StatusCode::SEE_OTHER {
        return Err(format!("callback answered {}", landed.status()));
    }
    Ok(browser)
}

pub fn a_killed_process_loses_nothing(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let atlassian = atlassian().await;
        let master_key = MasterKey::generate_encoded();
        let secret_key = format!("sk_live_{}", random_token());
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let (auth_url, api_url) = (atlassian.auth_base_url(), atlassian.api_base_url());
        let envs = [
            ("VESTIBULE_MASTER_KEY", master_key.as_str()),
            ("VESTIBULE_SECRET_KEY", secret_key.as_str()),
            ("VESTIBULE_DATABASE_URL", url.as_str()),
        ];
        let args = |dir: &tempfile::TempDir| -> Vec<String> {
            [
                "--environment",
                "production",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--atlassian-auth-url",
                &auth_url,
                "--atlassian-api-url",
                &api_url,
            ]
            .map(str::to_owned)
            .to_vec()
        };
        let a_args = args(&dirs[0]);
        let a = Process::spawn(
            &a_args.iter().map(String::as_str).collect::<Vec<_>>(),
            &envs,
        );
        let mut b_args = args(&dirs[1]);
        b_args.extend(["--public-url".to_owned(), a.origin.clone()]);
        let mut b = Process::spawn(
            &b_args.iter().map(String::as_str).collect::<Vec<_>>(),
            &envs,
        );

        let control = atlassian.control();
        control.register_app(
            OAuthApp::new(
                PROD_CLIENT_ID,
                PROD_CLIENT_SECRET,
                "Prod App",
                demo::ACCOUNT_THREE_SITES,
            )
            .with_redirect_uri(a.url("/v1/oauth_callback")),
        );
        consent_as(&control, demo::ACCOUNT_DEFAULT);
        let http = reqwest::Client::new();
        let created = http
            .post(a.url("/v1/admin/connections"))
            .bearer_auth(&secret_key)
            .json(&json!({
                "provider": "atlassian",
                "enabled_for_sign_in": true,
                "use_custom_credentials": true,
                "client_id": PROD_CLIENT_ID,
                "client_secret": PROD_CLIENT_SECRET,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let first = sign_in(a.url(""), a.origin.clone()).await.unwrap();
        let state: ClientState = first.get(&a.url("/v1/client")).await.json().await.unwrap();
        let user_id = state.user.unwrap().id;

        // The burst: sign-ins and token requests on both; B dies half-way.
        let mut on_a = tokio::task::JoinSet::new();
        let mut on_b = tokio::task::JoinSet::new();
        for i in 0..60 {
            let (set, origin) = if i % 2 == 0 {
                (&mut on_a, a.origin.clone())
            } else {
                (&mut on_b, b.origin.clone())
            };
            let public = a.origin.clone();
            if i % 3 == 0 {
                set.spawn(async move { sign_in(origin, public).await.map(|_| ()) });
            } else {
                let request = http
                    .get(format!(
                        "{origin}/v1/users/{user_id}/oauth_access_tokens/atlassian"
                    ))
                    .bearer_auth(&secret_key);
                set.spawn(async move {
                    let response = request.send().await.map_err(|e| e.to_string())?;
                    match response.status() {
                        StatusCode::OK => Ok(()),
                        other => Err(format!("token answered {other}")),
                    }
                });
            }
        }
        // B dies once it has answered something, with the rest of its share in flight.
        let mut finished_on_b = 0;
        while let Some(outcome) = on_b.join_next().await {
            if outcome.unwrap().is_ok() {
                finished_on_b += 1;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        b.kill_9();
        for outcome in on_a.join_all().await {
            outcome.expect("A serves throughout");
        }
        finished_on_b += on_b.join_all().await.iter().filter(|r| r.is_ok()).count();
        println!("    (B finished {finished_on_b} of its 30 requests before it died)");

        // After the crash: A still signs people in, and every row is whole.
        sign_in(a.url(""), a.origin.clone())
            .await
            .expect("A signs in after B died");
        let db = vestibule_server::db::connect(Some(&url), dirs[0].path())
            .await
            .unwrap();
        let vestibule_server::db::Db::Postgres(pool) = &db else {
            unreachable!("a postgres URL")
        };
        let accountless_users: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users u WHERE NOT EXISTS \
             (SELECT 1 FROM external_accounts e WHERE e.user_id = u.id)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(accountless_users, 0, "no half-written sign-in");
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(pool)
            .await
            .unwrap();
        // The first sign-in, A's ten, the one after the crash, and whatever B finished.
        assert!(sessions >= 12, "sessions: {sessions}");
        let refresh_tokens: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM external_accounts WHERE refresh_token IS NULL \
             OR reconnect_needed",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(refresh_tokens, 0, "the account still refreshes");
        db.close().await;
        drop(a);
    })
}
