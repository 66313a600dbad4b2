//! The "My Jira issues" backend: serves the front end on the app's own origin and answers
//! `/api/my-issues` for whoever the Vestibule session token names.
//!
//! | route | what |
//! |---|---|
//! | `GET /api/my-issues` | the signed-in user's assigned Jira issues ([`my_issues`]) |
//! | `GET /` and any page | the front end, with the Vestibule server's URL written in |
//! | the rest | the front end's files (Trunk's `dist/`) |

pub mod config;
pub mod connection;
pub mod jira;
pub mod my_issues;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use jira_issues_api::MY_ISSUES_PATH;
use tower_http::services::ServeDir;
use url::Url;
use vestibule_axum::{Backend, VestibuleAuth};

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Verifies session tokens (the `SignedInUser` extractor reads it from here).
    pub auth: VestibuleAuth,
    /// Vestibule's backend API: the user's Atlassian access token.
    pub backend: Backend,
    /// For Jira.
    pub http: reqwest::Client,
}

impl FromRef<AppState> for VestibuleAuth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// The whole HTTP surface. `page` is the front end's `index.html` as served (see
/// [`front_end_page`]); `dist_dir` holds its scripts and styles.
pub fn app(state: AppState, page: Arc<str>, dist_dir: &Path) -> Router {
    let serve_page = move || {
        let page = page.clone();
        async move {
            (
                // The page names the Vestibule server; a cached copy must not outlive a change.
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                Html(page.to_string()),
            )
                .into_response()
        }
    };
    let files = ServeDir::new(dist_dir)
        .append_index_html_on_directories(false)
        .fallback(get(serve_page.clone()));
    Router::new()
        .route(MY_ISSUES_PATH, get(my_issues::my_issues))
        .route("/", get(serve_page.clone()))
        .route("/index.html", get(serve_page))
        .with_state(state)
        .fallback_service(files)
}

/// Reads Trunk's `index.html` and writes the Vestibule server's URL into it as
/// `<meta name="vestibule-frontend-api">`, so one build of the front end serves any
/// deployment.
pub fn front_end_page(dist_dir: &Path, vestibule_url: &Url) -> Result<Arc<str>> {
    let path = dist_dir.join("index.html");
    let html = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: build the front end first (`trunk build --release` in \
             examples/jira-issues/web, or `cargo xtask demo --example jira-issues`)",
            path.display()
        )
    })?;
    Ok(with_frontend_api(&html, vestibule_url).into())
}

fn with_frontend_api(html: &str, vestibule_url: &Url) -> String {
    let base = vestibule_url.as_str().trim_end_matches('/');
    let meta = format!(
        "<meta name=\"vestibule-frontend-api\" content=\"{}\">",
        html_escape::encode_double_quoted_attribute(base)
    );
    match html.find("</head>") {
        Some(at) => format!("{}{meta}{}", &html[..at], &html[at..]),
        None => format!("{meta}{html}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_vestibule_server_without_a_trailing_slash() {
        let url = Url::parse("http://auth.vestibule.test:4100/").unwrap();
        let html = with_frontend_api(
            "<html><head><title>x</title></head><body></body></html>",
            &url,
        );
        assert_eq!(
            html,
            "<html><head><title>x</title><meta name=\"vestibule-frontend-api\" \
             content=\"http://auth.vestibule.test:4100\"></head><body></body></html>"
        );
    }
}
