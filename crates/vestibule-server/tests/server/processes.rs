//! The real `vestibule` binary, as the end-to-end harness runs it: a development and a
//! production process side by side, each with its own data dir, announcing readiness on
//! stdout and stopping cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use atlassian_emulator::demo;
use serde_json::{Value, json};
use vestibule_server::crypto::MasterKey;

use crate::common::{Browser, PROD_CLIENT_ID, PROD_CLIENT_SECRET, atlassian, consent_as};

struct Process {
    child: Child,
    url: String,
    emulator_url: Option<String>,
    secret_key: Option<String>,
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
        let (mut url, mut emulator_url, mut secret_key) = (None, None, None);
        // The banner: the emulator line (development only) comes before the readiness line;
        // development ends with its secret key, production with the callback URL.
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(u) = line.strip_prefix("atlassian emulator at ") {
                emulator_url = Some(u.to_owned());
            } else if let Some(addr) = line.strip_prefix("vestibule listening on ") {
                url = Some(addr.to_owned());
            } else if let Some(key) = line.strip_prefix("secret key: ") {
                secret_key = Some(key.to_owned());
                break;
            } else if line.starts_with("callback URL: ") && emulator_url.is_none() {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            url: url.expect("the readiness line"),
            emulator_url,
            secret_key,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// SIGTERM, and the process exits 0 after finishing what it was doing.
    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    }
}

impl Drop for Process {
    /// A run that fails half-way leaves no server process behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_development_and_a_production_process_side_by_side() {
    let dev_dir = tempfile::tempdir().unwrap();
    let prod_dir = tempfile::tempdir().unwrap();
    let atlassian = atlassian().await;
    let prod_secret = "sk_live_processes_test_0123456789abcdef";
    let master = MasterKey::generate_encoded();

    let dev = Process::spawn(
        &[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dev_dir.path().to_str().unwrap(),
        ],
        &[],
    );
    let prod = Process::spawn(
        &[
            "--environment",
            "production",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            prod_dir.path().to_str().unwrap(),
            "--atlassian-auth-url",
            &atlassian.auth_base_url(),
            "--atlassian-api-url",
            &atlassian.api_base_url(),
        ],
        &[
            ("VESTIBULE_MASTER_KEY", &master),
            ("VESTIBULE_SECRET_KEY", prod_secret),
        ],
    );
    assert!(
        prod.emulator_url.is_none(),
        "production never starts the emulator"
    );
    let emulator_url = dev
        .emulator_url
        .clone()
        .expect("development announces its emulator");
    let dev_secret = dev
        .secret_key
        .clone()
        .expect("development prints its secret key");
    assert_eq!(
        std::fs::read_to_string(dev_dir.path().join("secret.key"))
            .unwrap()
            .trim(),
        dev_secret
    );
    assert!(dev_dir.path().join("vestibule.db").exists());
    assert!(prod_dir.path().join("vestibule.db").exists());

    let http = reqwest::Client::new();
    let env = |url: String| {
        let http = http.clone();
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        env(dev.url("/v1/environment")).await["environment"],
        "development"
    );
    assert_eq!(
        env(prod.url("/v1/environment")).await["environment"],
        "production"
    );

    // Development signs in at once through its own emulator, steered by its admin API.
    let consent = http
        .put(format!("{emulator_url}/__admin/auto_consent"))
        .json(&json!({"account_id": demo::ACCOUNT_DEFAULT, "site_id": null}))
        .send()
        .await
        .unwrap();
    assert!(consent.status().is_success());

    // Production, with the app's own credentials at "Atlassian".
    atlassian.control().register_app(
        atlassian_emulator::OAuthApp::new(
            PROD_CLIENT_ID,
            PROD_CLIENT_SECRET,
            "Prod",
            demo::ACCOUNT_THREE_SITES,
        )
        .with_redirect_uri(prod.url("/v1/oauth_callback")),
    );
    let created = http
        .post(prod.url("/v1/admin/connections"))
        .bearer_auth(prod_secret)
        .json(&json!({
            "provider": "atlassian",
            "use_custom_credentials": true,
            "client_id": PROD_CLIENT_ID,
            "client_secret": PROD_CLIENT_SECRET,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    consent_as(&atlassian.control(), demo::ACCOUNT_THREE_SITES);

    // One browser, both instances.
    let browser = Browser::new();
    let sign_in = |base: String| {
        let browser = browser.clone();
        async move {
            let start = browser
                .get(&format!("{base}/v1/oauth/atlassian/start"))
                .await;
            let authorize = crate::common::location(&start);
            let callback = browser.consent(&authorize).await;
            browser.callback(&callback).await
        }
    };
    assert_eq!(sign_in(dev.url("")).await, dev.url("/user"));
    assert_eq!(sign_in(prod.url("")).await, prod.url("/user"));
    let who = |url: String| {
        let browser = browser.clone();
        async move {
            let state: Value = browser.get(&url).await.json().await.unwrap();
            state["user"]["external_accounts"][0]["provider_account_id"].clone()
        }
    };
    assert_eq!(who(dev.url("/v1/client")).await, demo::ACCOUNT_DEFAULT);
    assert_eq!(who(prod.url("/v1/client")).await, demo::ACCOUNT_THREE_SITES);

    // Keys do not cross.
    let cross = http
        .get(prod.url("/v1/admin/connections"))
        .bearer_auth(&dev_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 401);

    dev.terminate();
    prod.terminate();
    atlassian.shutdown().await;
}
