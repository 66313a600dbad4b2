//! Shared helpers for the emulator's HTTP tests: a real listener, a real client that follows no redirect,
//! and the steps of a sign-in a client would take.
#![allow(dead_code)] // each test binary uses its own subset

use atlassian_emulator::{EmulatorControl, RunningEmulator, Seed, demo};
use reqwest::StatusCode;
use serde_json::Value;

/// Registered for the demo app; never contacted, since the client does not follow redirects.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth/callback";
pub const STATE: &str = "state-7f3a9c";

pub struct Harness {
    pub emulator: RunningEmulator,
    pub control: EmulatorControl,
    pub http: reqwest::Client,
}

/// A consent page as the browser received it.
pub struct ConsentPage {
    pub status: StatusCode,
    pub html: String,
    pub pending: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

impl Harness {
    /// The demo seed with [`REDIRECT_URI`] registered for the demo app.
    pub async fn demo() -> Self {
        let emulator = atlassian_emulator::start(Seed::Demo)
            .await
            .expect("emulator starts");
        let control = emulator.control();
        control
            .add_redirect_uri(demo::CLIENT_ID, REDIRECT_URI)
            .expect("demo app exists");
        Self {
            emulator,
            control,
            http: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    /// `/auth/authorize` for the demo app with `scope`, plus `extra` parameters (which replace defaults).
    pub fn authorize_url(&self, scope: &str, extra: &[(&str, &str)]) -> String {
        let mut params: Vec<(&str, &str)> = vec![
            ("audience", "api.atlassian.com"),
            ("client_id", demo::CLIENT_ID),
            ("scope", scope),
            ("redirect_uri", REDIRECT_URI),
            ("state", STATE),
            ("response_type", "code"),
            ("prompt", "consent"),
        ];
        for (key, value) in extra {
            params.retain(|(k, _)| k != key);
            params.push((key, value));
        }
        authorize_url_with(&self.emulator.auth_base_url(), &params)
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.expect("request sent")
    }

    pub async fn open_consent(&self, url: &str) -> ConsentPage {
        let response = self.get(url).await;
        let status = response.status();
        let html = response.text().await.expect("body");
        let pending = pending_id(&html).unwrap_or_default();
        ConsentPage {
            status,
            html,
            pending,
        }
    }

    /// Submits the consent form as a browser would.
    pub async fn submit_consent(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/auth/authorize/consent"))
            .form(form)
            .send()
            .await
            .expect("consent posted")
    }

    /// Opens the consent page for `url`, accepts as `account_id` on `site_id`, and returns the redirect's code.
    pub async fn code_via(&self, url: &str, account_id: &str, site_id: Option<&str>) -> String {
        let page = self.open_consent(url).await;
        assert_eq!(page.status, StatusCode::OK, "consent page: {}", page.html);
        let response = self
            .submit_consent(&[
                ("pending", page.pending.as_str()),
                ("account_id", account_id),
                ("site_id", site_id.unwrap_or("")),
                ("decision", "accept"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = location(&response);
        query_param(&location, "code").expect("code in redirect")
    }

    /// A code from the demo app for `account_id`'s `site_id`, with `scope`.
    pub async fn code(&self, account_id: &str, site_id: Option<&str>, scope: &str) -> String {
        self.code_via(&self.authorize_url(scope, &[]), account_id, site_id)
            .await
    }

    pub async fn token_json(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("/auth/oauth/token"))
            .json(&body)
            .send()
            .await
            .expect("token request sent")
    }

    pub async fn token_form(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/auth/oauth/token"))
            .form(form)
            .send()
            .await
            .expect("token request sent")
    }

    /// Exchanges a demo-app code (JSON body) and returns the response.
    pub async fn exchange(&self, code: &str) -> reqwest::Response {
        self.token_json(serde_json::json!({
            "grant_type": "authorization_code",
            "client_id": demo::CLIENT_ID,
            "client_secret": demo::CLIENT_SECRET,
            "code": code,
            "redirect_uri": REDIRECT_URI,
        }))
        .await
    }

    /// Signs `account_id` in on `site_id` and returns the token response JSON.
    pub async fn sign_in(&self, account_id: &str, site_id: Option<&str>, scope: &str) -> Value {
        let code = self.code(account_id, site_id, scope).await;
        let response = self.exchange(&code).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("token JSON")
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.token_json(serde_json::json!({
            "grant_type": "refresh_token",
            "client_id": demo::CLIENT_ID,
            "client_secret": demo::CLIENT_SECRET,
            "refresh_token": refresh_token,
        }))
        .await
    }

    pub async fn api(&self, path: &str, access_token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.emulator.api_base_url()))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("API request sent")
    }

    pub async fn me(&self, access_token: &str) -> reqwest::Response {
        self.api("/me", access_token).await
    }

    pub async fn resources(&self, access_token: &str) -> reqwest::Response {
        self.api("/oauth/token/accessible-resources", access_token)
            .await
    }
}

pub fn authorize_url_with(auth_base_url: &str, params: &[(&str, &str)]) -> String {
    let mut url = url_parse(&format!("{auth_base_url}/authorize"));
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

fn url_parse(s: &str) -> reqwest::Url {
    reqwest::Url::parse(s).expect("valid URL")
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("ASCII Location")
        .to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url_parse(url)
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The server-side pending-authorization id the consent form carries.
pub fn pending_id(html: &str) -> Option<String> {
    let marker = "name=\"pending\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// Asserts the response is an Atlassian-style HTML error page (400 unless told otherwise) and not a redirect.
pub async fn assert_error_page(
    response: reqwest::Response,
    status: StatusCode,
    mentions: &str,
) -> String {
    assert_eq!(response.status(), status);
    assert!(
        response.headers().get(reqwest::header::LOCATION).is_none(),
        "no redirect"
    );
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"error-page\""), "{html}");
    assert!(
        html.contains(mentions),
        "error page should mention {mentions:?}: {html}"
    );
    html
}

pub fn access_token(tokens: &Value) -> &str {
    tokens["access_token"].as_str().expect("access_token")
}

pub fn refresh_token(tokens: &Value) -> &str {
    tokens["refresh_token"].as_str().expect("refresh_token")
}
