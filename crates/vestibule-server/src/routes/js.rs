//! `GET /v1/js/{file}`: the script any web page loads (`vestibule@<version>.js`, its
//! content-hashed wasm, `vestibule.js` for development) and `manifest.json`, which names them
//! with the script's integrity hash.
//!
//! A page on an allowed origin loads them with CORS and no credentials (module scripts and
//! the wasm `fetch`), so they answer `Access-Control-Allow-Origin` for those origins, and
//! `Cross-Origin-Resource-Policy: cross-origin` so that a page isolated with COEP may too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vestibule_core::ErrorCode;

use crate::error::AppError;
use crate::js_bundle::{Asset, BUILD_COMMAND, Encoding, JsBundle, MAIN, Module, VERSION};
use crate::state::AppState;

/// A versioned URL or a hashed name never changes its bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The development URL and the manifest follow the server's bundle: revalidate every time.
const REVALIDATE: &str = "no-cache";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const WASM: &str = "application/wasm";

/// What a file name under `/v1/js/` names.
#[derive(Debug)]
enum Target<'a> {
    Manifest,
    Script { module: &'a Module, immutable: bool },
    Wasm(&'a Module),
}

pub async fn file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut response = match find(&state.js_bundle, &file) {
        Ok(Target::Manifest) => manifest(&state),
        Ok(Target::Script { module, immutable }) => {
            let cache = if immutable { IMMUTABLE } else { REVALIDATE };
            serve(&module.js, JAVASCRIPT, cache, &headers).await
        }
        Ok(Target::Wasm(module)) => serve(&module.wasm, WASM, IMMUTABLE, &headers).await,
        Err(error) => error.into_response(),
    };
    allow_cross_origin(&state, &headers, &mut response);
    response
}

/// The file `name` names, or the 404 that says what is served instead.
fn find<'a>(bundle: &'a JsBundle, name: &str) -> Result<Target<'a>, AppError> {
    let Some(modules) = bundle.modules() else {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!(
                "this server has no script bundle: build it with `{BUILD_COMMAND}` and restart the server"
            ),
        ));
    };
    if name == "manifest.json" {
        return Ok(Target::Manifest);
    }
    for module in modules {
        if name == module.unversioned_file() {
            return Ok(Target::Script {
                module,
                immutable: false,
            });
        }
        if name == module.versioned_file() {
            return Ok(Target::Script {
                module,
                immutable: true,
            });
        }
        if name == module.wasm_file() {
            return Ok(Target::Wasm(module));
        }
    }
    let asked_version = modules.iter().find_map(|m| {
        name.strip_prefix(&format!("{}@", m.name))
            .and_then(|rest| rest.strip_suffix(".js"))
            .map(|version| (m, version))
    });
    if let Some((module, asked)) = asked_version {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!(
                "no version {asked} here: this server serves {} (version {VERSION})",
                module.versioned_file()
            ),
        ));
    }
    let stale_wasm = modules
        .iter()
        .find(|m| name.starts_with(&format!("{}_bg.", m.name)) && name.ends_with(".wasm"));
    if let Some(module) = stale_wasm {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!(
                "no such wasm: the script of this server loads {}",
                module.wasm_file()
            ),
        ));
    }
    Err(AppError::new(
        ErrorCode::NotFound,
        format!("no such script file; see /v1/js/manifest.json or load /v1/js/{MAIN}@{VERSION}.js"),
    ))
}

/// `{version, url, integrity, wasm}` of the sign-in bundle (and `full`, when built), with
/// absolute URLs: what a page or a build step needs to write the `<script>` tag.
fn manifest(state: &AppState) -> Response {
    let describe = |module: &Module| {
        json!({
            "version": VERSION,
            "url": state.settings.url(&format!("/v1/js/{}", module.versioned_file())),
            "integrity": module.integrity,
            "wasm": state.settings.url(&format!("/v1/js/{}", module.wasm_file())),
        })
    };
    let modules = state.js_bundle.modules().unwrap_or_default();
    let mut body = modules
        .iter()
        .find(|m| m.name == MAIN)
        .map(describe)
        .unwrap_or_default();
    if let Some(full) = modules.iter().find(|m| m.name != MAIN) {
        body["full"] = describe(full);
    }
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    response
}

/// One asset in the encoding the request prefers, or 304 when its ETag still matches.
async fn serve(
    asset: &Asset,
    content_type: &'static str,
    cache: &'static str,
    request: &HeaderMap,
) -> Response {
    let accepted = Encoding::negotiate(
        request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let (encoding, body) = asset.body(accepted).await;
    let etag = asset.etag(encoding);
    let not_modified = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| etag_matches(tags, &etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(coding) = encoding.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    response
}

/// `If-None-Match`: a list of tags or `*`; compared weakly, as RFC 9110 says for it.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.trim() == "*"
        || if_none_match
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == etag)
}

/// CORS without credentials for this instance's own and allowed origins, on every answer
/// (404s included, so a page's script can read why); CORP for pages isolated with COEP.
fn allow_cross_origin(state: &AppState, request: &HeaderMap, response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    let Some(origin) = request.get(header::ORIGIN) else {
        return;
    };
    if origin
        .to_str()
        .is_ok_and(|origin| state.redirects.is_trusted_origin(origin))
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_takes_lists() {
        assert!(etag_matches("\"ab-br\"", "\"ab-br\""));
        assert!(etag_matches("W/\"ab-br\"", "\"ab-br\""));
        assert!(etag_matches("\"x\", \"ab-br\"", "\"ab-br\""));
        assert!(etag_matches("*", "\"ab-br\""));
        assert!(!etag_matches("\"ab\"", "\"ab-br\""));
        assert!(!etag_matches("", "\"ab\""));
    }
}
