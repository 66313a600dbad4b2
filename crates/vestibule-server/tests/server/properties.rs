//! Property tests (proptest, the stable stand-in for cargo-fuzz, which needs nightly) of the
//! parsers hostile input reaches first: the redirect policy, the Origin check, the cookie
//! reader, the sealed-value decoder and the emulator's token-form parser.
//!
//! `cargo test` runs 256 cases of each; a longer run:
//! `PROPTEST_CASES=100000 cargo test -p vestibule-server --test server properties`.

use axum::http::HeaderMap;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use url::Url;
use vestibule_server::cookies::cookie_value;
use vestibule_server::crypto::{MasterKey, Slot};
use vestibule_server::redirect::RedirectPolicy;

const BASE: &str = "http://127.0.0.1:3000";
const ALLOWED: &str = "https://allowed.test";

/// `PROPTEST_CASES` (read by proptest's default config) or 256; no regression files.
fn runner() -> TestRunner {
    TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    })
}

fn policy() -> RedirectPolicy {
    RedirectPolicy::new(&Url::parse(BASE).unwrap(), &[ALLOWED.to_owned()]).unwrap()
}

/// Strings that look like URLs often enough to reach deep into the parsers.
fn url_like() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "",
        "/",
        "//",
        "/\\",
        "\\\\",
        "http://",
        "https://",
        "HTTPS://",
        "https:",
        "javascript:",
        "data:",
        "http://127.0.0.1:3000",
        "https://allowed.test",
        "https://allowed.test.",
        "https://allowed.test@",
        "http://evil@127.0.0.1:3000",
        "%2f%2f",
        "/%5c",
    ]);
    let piece = prop::sample::select(vec![
        "evil.test",
        "allowed.test",
        "127.0.0.1",
        ":3000",
        ":443",
        "@",
        "/",
        "\\",
        ".",
        "%2f",
        "%00",
        "?",
        "#",
        "\t",
        "\n",
        " ",
        "user:pw@",
        "[::1]",
        "xn--",
        "é",
        "..",
    ]);
    (prefix, prop::collection::vec(piece, 0..6), "\\PC{0,12}")
        .prop_map(|(p, pieces, tail)| format!("{p}{}{tail}", pieces.concat()))
}

#[test]
fn redirects_never_leave_the_trusted_origins() {
    let policy = policy();
    let trusted = [
        Url::parse(BASE).unwrap().origin(),
        Url::parse(ALLOWED).unwrap().origin(),
    ];
    runner()
        .run(&prop_oneof![url_like(), any::<String>()], |input| {
            if let Some(url) = policy.resolve(&input) {
                prop_assert!(trusted.contains(&url.origin()), "{input:?} -> {url}");
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(input.len() <= 2048);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn only_the_exact_serialized_origins_are_trusted() {
    let policy = policy();
    runner()
        .run(&prop_oneof![url_like(), any::<String>()], |origin| {
            if policy.is_trusted_origin(&origin) {
                prop_assert!(
                    origin == BASE || origin == ALLOWED,
                    "{origin:?} was trusted"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Cookie names and values as browsers send them (RFC 6265 token and cookie-octet).
fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_!#$%&'*+.^`|~-]{1,16}"
}

fn cookie_octets() -> impl Strategy<Value = String> {
    "[!#-+\\--:<-\\[\\]-~]{0,32}"
}

#[test]
fn the_cookie_reader_finds_exactly_its_cookie() {
    let strategy = (
        prop::collection::vec((cookie_name(), cookie_octets()), 0..6),
        cookie_name(),
        cookie_octets(),
        any::<bool>(),
    );
    runner()
        .run(&strategy, |(others, name, value, present)| {
            let mut pairs: Vec<String> = others
                .iter()
                .filter(|(n, _)| *n != name)
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            if present {
                let at = pairs.len() / 2;
                pairs.insert(at, format!("{name}={value}"));
            }
            let mut headers = HeaderMap::new();
            headers.insert("cookie", pairs.join("; ").parse().unwrap());
            let found = cookie_value(&headers, &name);
            if present {
                prop_assert_eq!(found, Some(value.trim_matches('"')));
            } else {
                prop_assert_eq!(found, None);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_cookie_reader_takes_any_header_bytes() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..200), |bytes| {
            let mut headers = HeaderMap::new();
            if let Ok(value) = axum::http::HeaderValue::from_bytes(&bytes) {
                headers.insert("cookie", value);
            }
            let _ = cookie_value(&headers, "vst_session_x");
            Ok(())
        })
        .unwrap();
}

#[test]
fn sealed_values_open_only_unaltered() {
    let key = MasterKey::parse(&MasterKey::generate_encoded()).unwrap();
    let slot = Slot::new("external_accounts", "access_token", "eac_1");
    let strategy = (
        "\\PC{0,64}",
        any::<prop::sample::Index>(),
        any::<u8>(),
        any::<String>(),
    );
    runner()
        .run(&strategy, |(plaintext, at, byte, junk)| {
            let sealed = key.seal(slot, &plaintext);
            prop_assert_eq!(key.open(slot, &sealed).unwrap(), plaintext.clone());
            // One byte changed anywhere: it opens to the same text or not at all.
            let mut altered = sealed.clone().into_bytes();
            let i = at.index(altered.len());
            altered[i] = byte;
            if let Ok(altered) = String::from_utf8(altered)
                && altered != sealed
                && let Ok(opened) = key.open(slot, &altered)
            {
                prop_assert_eq!(opened, plaintext);
            }
            // Anything else is refused without a panic.
            prop_assert!(key.open(slot, &junk).is_err());
            let with_our_key_id = format!("v1.{}.{junk}", key.key_id());
            prop_assert!(key.open(slot, &with_our_key_id).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_emulator_token_endpoint_answers_any_form_with_a_client_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(atlassian_emulator::start(atlassian_emulator::Seed::Demo))
        .unwrap();
    let token_url = format!("{}/oauth/token", emulator.auth_base_url());
    let http = reqwest::Client::new();
    let field = prop::sample::select(vec![
        "grant_type",
        "code",
        "client_id",
        "client_secret",
        "redirect_uri",
        "refresh_token",
        "code_verifier",
        "scope",
    ]);
    let value = prop_oneof![
        Just("authorization_code".to_owned()),
        Just("refresh_token".to_owned()),
        Just(atlassian_emulator::demo::CLIENT_ID.to_owned()),
        "\\PC{0,40}",
    ];
    let form = prop::collection::vec((field, value), 0..8).prop_map(|pairs| {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            body.append_pair(k, &v);
        }
        body.finish().into_bytes()
    });
    let body = prop_oneof![form, prop::collection::vec(any::<u8>(), 0..300)];
    let content_type = prop::sample::select(vec![
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
    ]);
    runner()
        .run(&(body, content_type), |(body, content_type)| {
            let (status, json) = runtime.block_on(async {
                let response = http
                    .post(&token_url)
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (status, response.json::<serde_json::Value>().await.ok())
            });
            prop_assert!(
                status.is_client_error(),
                "{status} for {:?}",
                String::from_utf8_lossy(&body)
            );
            prop_assert!(
                json.is_some_and(|j| j.get("error").is_some()),
                "a JSON OAuth error"
            );
            Ok(())
        })
        .unwrap();
    runtime.block_on(emulator.shutdown());
}
