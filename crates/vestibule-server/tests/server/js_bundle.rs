//! `/v1/js/*` over real HTTP against a hand-made `js-dist/`: the versioned script and its
//! hashed wasm cached for good, the development script revalidated, the encoding the
//! request prefers, ETags, CORS for allowed origins only, the manifest's integrity matching
//! the served bytes, and the 404s that say what to do.

use std::io::Read;

use base64::Engine;
use reqwest::StatusCode;
use sha2::Digest;

use crate::common::TestServer;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const ALLOWED: &str = "https://allowed.test";
/// Enough repetition that compression visibly pays.
fn fixture_js() -> String {
    "const w=new URL(\"vestibule_bg.wasm\",import.meta.url);export function load(){return w}\n"
        .repeat(40)
}
const FIXTURE_WASM: &[u8] = b"\0asm\x01\0\0\0 the fixture module, not a real one";

/// A development instance serving a bundle written into a temp dir (kept alive with it).
async fn server_with_bundle() -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vestibule.js"), fixture_js()).unwrap();
    std::fs::write(dir.path().join("vestibule_bg.wasm"), FIXTURE_WASM).unwrap();
    let js_dir = dir.path().to_owned();
    let server = TestServer::development_with(|args| args.js_dir = js_dir).await;
    (server, dir)
}

async fn get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = server.http.get(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

async fn manifest(server: &TestServer) -> serde_json::Value {
    get(server, "/v1/js/manifest.json", &[])
        .await
        .json()
        .await
        .unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn the_manifest_names_the_script_its_wasm_and_an_integrity_that_matches() {
    let (server, _dir) = server_with_bundle().await;
    let manifest = manifest(&server).await;
    let script_url = server.url(&format!("/v1/js/vestibule@{VERSION}.js"));
    assert_eq!(manifest["version"], VERSION);
    assert_eq!(manifest["url"], script_url);

    let script = server.http.get(&script_url).send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    let served = script.bytes().await.unwrap();
    let digest = sha2::Sha384::digest(&served);
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    assert_eq!(manifest["integrity"], integrity);

    // The script fetches the wasm under its content-hashed name, which the manifest names.
    let wasm_url = manifest["wasm"].as_str().unwrap();
    let wasm_name = wasm_url.rsplit('/').next().unwrap();
    let hash = &hex::encode(sha2::Sha256::digest(FIXTURE_WASM))[..16];
    assert_eq!(wasm_name, format!("vestibule_bg.{hash}.wasm"));
    let text = std::str::from_utf8(&served).unwrap();
    assert!(text.contains(&format!("new URL(\"{wasm_name}\"")), "{text}");
    assert!(!text.contains("\"vestibule_bg.wasm\""));
    let wasm = server.http.get(wasm_url).send().await.unwrap();
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(header(&wasm, "content-type"), Some("application/wasm"));
    assert_eq!(wasm.bytes().await.unwrap(), FIXTURE_WASM);

    // The start banner carries the same snippet.
    let banner = server.server.banner().join("\n");
    assert!(
        banner.contains(&format!(
            "<script type=\"module\" src=\"{script_url}\" integrity=\"{integrity}\" crossorigin=\"anonymous\"></script>"
        )),
        "{banner}"
    );
}

#[tokio::test]
async fn versioned_files_are_immutable_and_the_development_script_revalidates() {
    let (server, _dir) = server_with_bundle().await;
    let wasm_url = manifest(&server).await["wasm"].as_str().unwrap().to_owned();
    let wasm_path = &wasm_url[server.url("").len()..];
    for (path, content_type) in [
        (format!("/v1/js/vestibule@{VERSION}.js"), "text/javascript"),
        (wasm_path.to_owned(), "application/wasm"),
    ] {
        let response = get(&server, &path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, "cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
        assert!(
            header(&response, "content-type")
                .unwrap()
                .starts_with(content_type)
        );
        assert!(header(&response, "etag").is_some(), "{path}");
        // Every security header stays; CORP lets other origins (COEP pages too) load it.
        assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"));
        assert!(header(&response, "content-security-policy").is_some());
        assert_eq!(
            header(&response, "cross-origin-resource-policy"),
            Some("cross-origin")
        );
    }
    let development = get(&server, "/v1/js/vestibule.js", &[]).await;
    assert_eq!(header(&development, "cache-control"), Some("no-cache"));
    let etag = header(&development, "etag").unwrap().to_owned();
    let body = development.bytes().await.unwrap();
    let versioned = get(&server, &format!("/v1/js/vestibule@{VERSION}.js"), &[]).await;
    assert_eq!(versioned.bytes().await.unwrap(), body);

    // Revalidation: the same ETag answers 304 without a body.
    let again = get(&server, "/v1/js/vestibule.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, "etag"), Some(etag.as_str()));
    assert!(again.bytes().await.unwrap().is_empty());
    let changed = get(
        &server,
        "/v1/js/vestibule.js",
        &[("if-none-match", "\"other\"")],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_encoding_follows_accept_encoding_brotli_first() {
    let (server, _dir) = server_with_bundle().await;
    let path = format!("/v1/js/vestibule@{VERSION}.js");
    let plain = get(&server, &path, &[]).await;
    assert_eq!(header(&plain, "content-encoding"), None);
    let plain_etag = header(&plain, "etag").unwrap().to_owned();
    let plain = plain.bytes().await.unwrap().to_vec();

    let mut etags = vec![plain_etag];
    for (accept, coding) in [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
    ] {
        let response = get(&server, &path, &[("accept-encoding", accept)]).await;
        assert_eq!(
            header(&response, "content-encoding"),
            Some(coding),
            "{accept}"
        );
        let vary = response
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        assert!(vary.contains("accept-encoding"), "{vary}");
        assert!(vary.contains("origin"), "{vary}");
        etags.push(header(&response, "etag").unwrap().to_owned());
        let body = response.bytes().await.unwrap();
        assert!(body.len() < plain.len(), "{coding} is smaller");
        let decoded = if coding == "br" {
            unbrotli(&body)
        } else {
            gunzip(&body)
        };
        assert_eq!(decoded, plain, "{coding} decodes to the script");
    }
    // Each encoding has its own tag; the two gzip answers share one.
    assert_ne!(etags[0], etags[1]);
    assert_ne!(etags[1], etags[2]);
    assert_eq!(etags[2], etags[3]);
}

#[tokio::test]
async fn cors_answers_allowed_origins_without_credentials() {
    let (server, _dir) = server_with_bundle().await;
    let path = format!("/v1/js/vestibule@{VERSION}.js");
    for p in [path.as_str(), "/v1/js/manifest.json"] {
        let allowed = get(&server, p, &[("origin", ALLOWED)]).await;
        assert_eq!(allowed.status(), StatusCode::OK);
        assert_eq!(
            header(&allowed, "access-control-allow-origin"),
            Some(ALLOWED),
            "{p}"
        );
        assert_eq!(header(&allowed, "access-control-allow-credentials"), None);
        let foreign = get(&server, p, &[("origin", "https://evil.test")]).await;
        assert_eq!(foreign.status(), StatusCode::OK);
        assert_eq!(header(&foreign, "access-control-allow-origin"), None, "{p}");
    }
}

#[tokio::test]
async fn wrong_versions_and_names_answer_404_with_what_is_served() {
    let (server, _dir) = server_with_bundle().await;
    let wrong = get(&server, "/v1/js/vestibule@0.0.1-old.js", &[]).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("vestibule@{VERSION}.js")),
        "{message}"
    );
    assert!(message.contains("0.0.1-old"), "{message}");

    let stale = get(&server, "/v1/js/vestibule_bg.0000000000000000.wasm", &[]).await;
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = stale.json().await.unwrap();
    let current = manifest(&server).await["wasm"].as_str().unwrap().to_owned();
    let current = current.rsplit('/').next().unwrap();
    assert!(
        body["message"].as_str().unwrap().contains(current),
        "{body}"
    );

    // The unhashed wasm name is not served: a page must get it through the script.
    let unhashed = get(&server, "/v1/js/vestibule_bg.wasm", &[]).await;
    assert_eq!(unhashed.status(), StatusCode::NOT_FOUND);
    let other = get(&server, "/v1/js/vestibule.mjs", &[]).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_bundle_every_script_route_says_how_to_build_it() {
    let server = TestServer::development().await;
    for path in [
        format!("/v1/js/vestibule@{VERSION}.js"),
        "/v1/js/vestibule.js".to_owned(),
        "/v1/js/manifest.json".to_owned(),
    ] {
        let response = get(&server, &path, &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        assert!(
            body["message"].as_str().unwrap().contains("cargo xtask js"),
            "{body}"
        );
    }
    let banner = server.server.banner().join("\n");
    assert!(banner.contains("script: not built"), "{banner}");
    assert!(banner.contains("cargo xtask js"), "{banner}");
}
