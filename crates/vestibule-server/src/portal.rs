//! The built account portal (Trunk's `dist/`): static files, the SPA fallback, and the
//! Content-Security-Policy that lets exactly its own inline bootstrap scripts run.

use std::path::{Path, PathBuf};

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The portal as found on disk at start.
#[derive(Debug, Clone)]
pub struct Portal {
    pub dist_dir: PathBuf,
    /// `'sha256-…'` sources of every inline `<script>` in `index.html`.
    pub inline_script_hashes: Vec<String>,
    pub index_found: bool,
}

impl Portal {
    /// Reads `index.html` once; a missing portal is not fatal (the APIs still work).
    pub fn load(dist_dir: &Path) -> Self {
        let index = dist_dir.join("index.html");
        match std::fs::read_to_string(&index) {
            Ok(html) => Self {
                dist_dir: dist_dir.to_owned(),
                inline_script_hashes: inline_script_hashes(&html),
                index_found: true,
            },
            Err(e) => {
                tracing::warn!(path = %index.display(), error = %e, "portal not found; serving the APIs only");
                Self {
                    dist_dir: dist_dir.to_owned(),
                    inline_script_hashes: Vec::new(),
                    index_found: false,
                }
            }
        }
    }

    /// The policy for every response: the portal's needs and nothing more. `extra_img_src`
    /// names plain-http image origins to allow besides `https:` (the development emulator's
    /// avatars).
    pub fn content_security_policy(&self, extra_img_src: &[String]) -> String {
        let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
        for hash in &self.inline_script_hashes {
            script_src.push(' ');
            script_src.push_str(hash);
        }
        let mut img_src = String::from("'self' data: https:");
        for origin in extra_img_src {
            img_src.push(' ');
            img_src.push_str(origin);
        }
        format!(
            "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
             img-src {img_src}; connect-src 'self'; font-src 'self' data:; \
             object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
        )
    }

    /// Files from `dist/`, and `index.html` for any other path so that client-side routes
    /// (`/sign-in`, `/user`, …) load the app. Assets Trunk names by content hash are cached
    /// for good; everything else (the HTML above all) is revalidated.
    ///
    /// Directories are never redirected to their `/` form: tower-http would answer `//name`
    /// with `Location: //name/`, which a browser reads as another host. A directory gets the
    /// SPA fallback like any other unknown path.
    pub fn service(&self) -> MethodRouter {
        let index = self.dist_dir.join("index.html");
        let serve = ServeDir::new(&self.dist_dir)
            .append_index_html_on_directories(false)
            .fallback(ServeFile::new(index));
        let cache = SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, cache_control);
        axum::routing::get_service(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn(refuse_hostile_paths))
                .layer(cache)
                .service(serve),
        )
    }
}

/// Longest path segment a file system takes (NAME_MAX); a raw segment is never shorter than
/// the name it decodes to.
const MAX_SEGMENT_BYTES: usize = 255;
/// No file of the portal has a path anywhere near this long.
const MAX_PATH_BYTES: usize = 1024;

/// Whether a request path could name a file of the portal. Anything else (over-long names
/// that make the file system fail, NUL bytes, backslashes) is a 404 without touching the disk.
pub fn is_plausible_portal_path(path: &str) -> bool {
    path.len() <= MAX_PATH_BYTES
        && path
            .split('/')
            .all(|segment| segment.len() <= MAX_SEGMENT_BYTES)
        && !path.contains('\\')
        && !path.to_ascii_lowercase().contains("%00")
        && !path.to_ascii_lowercase().contains("%5c")
}

/// 404 for hostile paths before the file system sees them; and, whatever the file service
/// answers, never a redirect (no path of ours may send a browser elsewhere) and never a 5xx
/// for a path that names nothing.
async fn refuse_hostile_paths(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !is_plausible_portal_path(request.uri().path()) {
        return not_found();
    }
    let response = next.run(request).await;
    // A redirect is what carries a Location (304 Not Modified, also a 3xx, is fine).
    if response.headers().contains_key(header::LOCATION) || response.status().is_server_error() {
        tracing::debug!(status = %response.status(), "portal answer replaced by 404");
        return not_found();
    }
    response
}

fn not_found() -> Response {
    crate::error::AppError::new(vestibule_core::ErrorCode::NotFound, "no such page").into_response()
}

fn cache_control<B>(response: &Response<B>) -> Option<HeaderValue> {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    Some(HeaderValue::from_static(
        if is_html || !response.status().is_success() {
            "no-cache"
        } else {
            // Trunk fingerprints wasm, js and css; other files are few and small.
            "public, max-age=3600"
        },
    ))
}

/// `'sha256-<base64>'` of the text of each `<script>` without a `src` attribute.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(open) = lower[at..].find("<script").map(|i| at + i) {
        let Some(tag_end) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else {
            break;
        };
        let tag = &lower[open..tag_end];
        if !has_src_attribute(tag) {
            let body = &html[tag_end + 1..close];
            let digest = Sha256::digest(body.as_bytes());
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        at = close;
    }
    hashes
}

fn has_src_attribute(tag: &str) -> bool {
    tag.split(|c: char| c.is_ascii_whitespace())
        .any(|attr| attr == "src" || attr.starts_with("src="))
}

/// Answer for `/v1/...` paths no route matches: JSON, never the portal.
pub async fn api_not_found() -> Response {
    crate::error::AppError::new(vestibule_core::ErrorCode::NotFound, "no such endpoint")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<html><head>
<script src="/app.js"></script>
<script type="module">import init from '/app.js';init();</script>
<SCRIPT>alert(1)</SCRIPT>
</head></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        let expected = STANDARD.encode(Sha256::digest(b"import init from '/app.js';init();"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn hostile_paths_are_not_portal_paths() {
        assert!(is_plausible_portal_path("/"));
        assert!(is_plausible_portal_path("/sign-in"));
        assert!(is_plausible_portal_path("/app-3f2a.wasm"));
        assert!(!is_plausible_portal_path(&format!("/{}", "a".repeat(256))));
        assert!(!is_plausible_portal_path(&format!(
            "/a/{}",
            "b/".repeat(600)
        )));
        assert!(!is_plausible_portal_path("/a%00.html"));
        assert!(!is_plausible_portal_path("/a\\b"));
        assert!(!is_plausible_portal_path("/%5C%5Cevil.test"));
    }

    #[test]
    fn policy_forbids_framing_and_allows_wasm() {
        let portal = Portal {
            dist_dir: PathBuf::from("dist"),
            inline_script_hashes: vec!["'sha256-abc'".into()],
            index_found: true,
        };
        let csp = portal.content_security_policy(&[]);
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc';"));
        assert!(csp.contains("img-src 'self' data: https:"));
    }
}
