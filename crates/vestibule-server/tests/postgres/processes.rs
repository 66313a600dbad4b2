//! Two production processes on one PostgreSQL database, over real HTTP, with the emulator as
//! Atlassian: both announce the same public URL, as behind a load balancer, and the test
//! plays the balancer by sending each request to the process it chooses.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use atlassian_emulator::{Endpoint, Fault, OAuthApp, RunningEmulator, demo};
use reqwest::StatusCode;
use serde_json::json;
use vestibule_core::api::{ClientState, OAuthAccessToken, SessionList};
use vestibule_server::cache::TTL;
use vestibule_server::config::EnvironmentArg;
use vestibule_server::crypto::{MasterKey, random_token};
use vestibule_server::server::{self, RunningServer};
use vestibule_server::{ServeArgs, with_db};

use crate::common::{Browser, PROD_CLIENT_ID, PROD_CLIENT_SECRET, atlassian, consent_as, location};
use crate::harness::BoxFuture;

/// Processes A and B and what they share: the database, the keys, the public URL.
struct Pair {
    a: RunningServer,
    b: RunningServer,
    secret_key: String,
    atlassian: RunningEmulator,
    http: reqwest::Client,
    _dirs: [tempfile::TempDir; 2],
}

fn args(
    database_url: &str,
    dir: &tempfile::TempDir,
    keys: (&str, &str),
    atlassian: &RunningEmulator,
) -> ServeArgs {
    let mut args = ServeArgs::defaults();
    args.environment = EnvironmentArg::Production;
    args.listen = "127.0.0.1:0".parse().unwrap();
    args.data_dir = dir.path().to_owned();
    args.dist_dir = dir.path().join("no-dist");
    args.database_url = Some(database_url.to_owned());
    args.master_key = Some(keys.0.to_owned());
    args.secret_key = Some(keys.1.to_owned());
    args.atlassian_auth_url = atlassian.auth_base_url().parse().unwrap();
    args.atlassian_api_url = atlassian.api_base_url().parse().unwrap();
    args.provider_timeout = Duration::from_secs(5);
    args
}

impl Pair {
    async fn start(database_url: &str) -> Self {
        let atlassian = atlassian().await;
        let master_key = MasterKey::generate_encoded();
        let secret_key = format!("sk_live_{}", random_token());
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let keys = (master_key.as_str(), secret_key.as_str());
        let a = server::start(args(database_url, &dirs[0], keys, &atlassian))
            .await
            .expect("A starts");
        let mut b_args = args(database_url, &dirs[1], keys, &atlassian);
        b_args.public_url = Some(a.public_url().clone());
        let b = server::start(b_args).await.expect("B starts");
        let pair = Self {
            a,
            b,
            secret_key,
            atlassian,
            http: reqwest::Client::new(),
            _dirs: dirs,
        };
        pair.register_app().await;
        pair
    }

    async fn register_app(&self) {
        let control = self.atlassian.control();
        control.register_app(
            OAuthApp::new(
                PROD_CLIENT_ID,
                PROD_CLIENT_SECRET,
                "Prod App",
                demo::ACCOUNT_THREE_SITES,
            )
            .with_redirect_uri(self.a.url("/v1/oauth_callback")),
        );
        consent_as(&control, demo::ACCOUNT_DEFAULT);
        let created = self
            .http
            .post(at(&self.a, "/v1/admin/connections"))
            .bearer_auth(&self.secret_key)
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
    }

    /// A sign-in started on `start` whose callback the balancer sends to `finish`.
    async fn sign_in(&self, browser: &Browser, start: &RunningServer, finish: &RunningServer) {
        let started = browser
            .http
            .get(at(start, "/v1/oauth/atlassian/start?intent=sign_in"))
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "navigate")
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::SEE_OTHER);
        let callback = browser.consent(&location(&started)).await;
        let public = self.a.url("");
        assert!(callback.starts_with(&public), "{callback}");
        let landed = browser
            .callback(&callback.replacen(&public, &at(finish, ""), 1))
            .await;
        assert_eq!(landed, self.a.url("/user"));
    }

    async fn shutdown(self) {
        self.a.shutdown().await.unwrap();
        self.b.shutdown().await.unwrap();
    }
}

/// `path` on one process, past the balancer.
fn at(server: &RunningServer, path: &str) -> String {
    format!("http://{}{path}", server.local_addr)
}

async fn client_state(browser: &Browser, server: &RunningServer) -> ClientState {
    let response = browser.get(&at(server, "/v1/client")).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

pub fn a_flow_started_on_a_completes_on_b(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let pair = Pair::start(&url).await;
        let browser = Browser::new();
        pair.sign_in(&browser, &pair.a, &pair.b).await;
        let on_b = client_state(&browser, &pair.b).await;
        let on_a = client_state(&browser, &pair.a).await;
        assert!(on_b.user.is_some(), "signed in on B");
        assert_eq!(on_a.session, on_b.session, "one session, seen by both");
        pair.shutdown().await;
    })
}

pub fn a_revoke_on_a_is_refused_on_b_at_once(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let pair = Pair::start(&url).await;
        let laptop = Browser::new();
        let phone = Browser::new();
        pair.sign_in(&laptop, &pair.a, &pair.a).await;
        pair.sign_in(&phone, &pair.b, &pair.b).await;
        // B has the laptop's session in its cache, trusted for the cache's TTL from now.
        assert!(client_state(&laptop, &pair.b).await.session.is_some());
        let cached_at = Instant::now();

        let list: SessionList = phone
            .get(&at(&pair.a, "/v1/me/sessions"))
            .await
            .json()
            .await
            .unwrap();
        let laptop_session = list.sessions.iter().find(|s| !s.current).unwrap();
        let revoked = phone
            .http
            .delete(at(
                &pair.a,
                &format!("/v1/me/sessions/{}", laptop_session.id),
            ))
            .header("origin", pair.a.url(""))
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let after = client_state(&laptop, &pair.b).await;
        assert_eq!(after.session, None, "B refuses the revoked session at once");
        assert!(
            cached_at.elapsed() < TTL,
            "inconclusive: B's entry may have expired"
        );

        // Sign-out on A: the old cookie is refused on B at once too.
        assert!(client_state(&phone, &pair.b).await.session.is_some());
        let cached_at = Instant::now();
        let old_cookie = phone.cookies_for(&at(&pair.b, "/"));
        let out = phone
            .http
            .post(at(&pair.a, "/v1/sign_out"))
            .header("origin", pair.a.url(""))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::OK);
        let replayed: ClientState = pair
            .http
            .get(at(&pair.b, "/v1/client"))
            .header("cookie", old_cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(replayed.session, None, "B refuses the signed-out cookie");
        assert!(
            cached_at.elapsed() < TTL,
            "inconclusive: B's entry may have expired"
        );
        pair.shutdown().await;
    })
}

pub fn two_hundred_token_requests_on_two_processes_refresh_once(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let pair = Pair::start(&url).await;
        let browser = Browser::new();
        pair.sign_in(&browser, &pair.a, &pair.b).await;
        let user_id = client_state(&browser, &pair.a).await.user.unwrap().id;
        let control = pair.atlassian.control();
        let exchanges = control.call_count(Endpoint::Token);

        // Every stored access token is about to expire; the refresh is slow, so that all
        // two hundred requests arrive while it is in flight.
        let soon = pair.a.state.clock.now() + 30;
        with_db!(&pair.a.state.db, pool => sqlx::query("UPDATE external_accounts SET access_token_expires_at = $1")
            .bind(soon)
            .execute(pool)
            .await
            .map(|_| ()))
        .unwrap();
        control.inject_fault(Endpoint::Token, Fault::Delay(Duration::from_millis(300)), 1);

        let mut requests = tokio::task::JoinSet::new();
        for i in 0..200 {
            let server = if i % 2 == 0 { &pair.a } else { &pair.b };
            let request = pair
                .http
                .get(at(
                    server,
                    &format!("/v1/users/{user_id}/oauth_access_tokens/atlassian"),
                ))
                .bearer_auth(&pair.secret_key);
            requests.spawn(async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            });
        }
        let mut tokens = HashSet::new();
        for (status, body) in requests.join_all().await {
            assert_eq!(status, StatusCode::OK, "no invalid_grant: {body}");
            let token: OAuthAccessToken = serde_json::from_str(&body).unwrap();
            assert!(token.expires_at > soon);
            tokens.insert(token.token);
        }
        assert_eq!(tokens.len(), 1, "everyone got the one new token");
        assert_eq!(
            control.call_count(Endpoint::Token) - exchanges,
            1,
            "exactly one refresh at the provider"
        );
        pair.shutdown().await;
    })
}

/// The health check answers 503 once the database is gone, without hanging.
pub fn health_reports_the_database(url: String) -> BoxFuture<()> {
    Box::pin(async move {
        let pair = Pair::start(&url).await;
        let health = pair
            .http
            .get(at(&pair.b, "/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        // Closing marks the pool closed at once (every later acquire fails, as when the
        // database is down), then waits for checked-out connections to come back; B's
        // listener keeps one, so the wait is bounded rather than awaited to the end.
        let _ = tokio::time::timeout(Duration::from_secs(2), pair.b.state.db.close()).await;
        let started = std::time::Instant::now();
        let health = pair
            .http
            .get(at(&pair.b, "/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(started.elapsed() < Duration::from_secs(3));
        let on_a = pair
            .http
            .get(at(&pair.a, "/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(on_a.status(), StatusCode::OK, "A serves on");
        pair.shutdown().await;
    })
}
