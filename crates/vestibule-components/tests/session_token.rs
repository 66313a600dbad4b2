//! `use_vestibule().get_token()` in headless Chromium against a stubbed, slow `fetch`: one
//! request however many callers, the cache, the refresh near expiry, the `__session` cookie
//! and sign-out.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use support::*;
use vestibule_components::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A compact JWS whose payload says it lives `lifetime` seconds (the signature is not
/// checked by the page, only by the app's backend).
fn token(name: &str, lifetime: i64) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let b64url = |s: &str| {
        window()
            .btoa(s)
            .unwrap()
            .replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_owned()
    };
    format!(
        "{}.{}.c2ln",
        b64url(r#"{"alg":"EdDSA","typ":"JWT","kid":"k1"}"#),
        b64url(&format!(
            r#"{{"sub":"user_1","sid":"x","name":"{name}","iat":{now},"nbf":{now},"exp":{}}}"#,
            now + lifetime
        ))
    )
}

fn token_json(jwt: &str, lifetime: i64) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    format!(r#"{{"jwt":"{jwt}","expires_at":{}}}"#, now + lifetime)
}

/// A signed-in server whose session is `sid` (each test has its own, so a background
/// refresh left over from one test is never counted by another), with every answer
/// delayed by 50 ms so that callers overlap.
fn server(sid: &str, mint_status: u16, mint_body: &str) -> FakeServer {
    let server = FakeServer::new()
        .route(
            "GET",
            "/v1/environment",
            200,
            &environment_json("development"),
        )
        .route(
            "GET",
            "/v1/client",
            200,
            &signed_in_json().replace("sess_1", sid),
        )
        .route(
            "POST",
            &format!("/v1/client/sessions/{sid}/tokens"),
            mint_status,
            mint_body,
        )
        .route("POST", "/v1/sign_out", 204, "");
    server.install();
    js_sys::eval(
        "const answer = window.fetch; \
         window.fetch = (input, init) => new Promise(r => setTimeout(r, 50)).then(() => answer(input, init));",
    )
    .unwrap();
    server
}

fn mints(sid: &str) -> usize {
    let path = format!("/v1/client/sessions/{sid}/tokens");
    calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path == path)
        .count()
}

fn session_cookie() -> Option<String> {
    let cookies: web_sys::HtmlDocument = wasm_bindgen::JsCast::unchecked_into(document());
    cookies.cookie().unwrap().split("; ").find_map(|c| {
        c.strip_prefix(&format!("{SESSION_COOKIE}="))
            .map(str::to_owned)
    })
}

fn forget_cookie() {
    let cookies: web_sys::HtmlDocument = wasm_bindgen::JsCast::unchecked_into(document());
    cookies
        .set_cookie(&format!("{SESSION_COOKIE}=; Path=/; Max-Age=0"))
        .unwrap();
}

/// Mounts a provider for `https://vst.test` and hands back its state.
fn provider(session_cookie: bool) -> Vestibule {
    let slot = StoredValue::new(None::<Vestibule>);
    mount(move || {
        view! {
            <VestibuleProvider frontend_api="https://vst.test" session_cookie=session_cookie>
                {move || slot.set_value(Some(use_vestibule()))}
            </VestibuleProvider>
        }
    });
    slot.get_value().expect("the provider's children ran")
}

/// Starts `n` `get_token()` calls at once and collects their results.
async fn concurrent_tokens(vst: Vestibule, n: usize) -> Vec<Result<String, TokenError>> {
    let results = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..n {
        let results = results.clone();
        leptos::task::spawn_local(async move {
            let token = vst.get_token().await;
            results.borrow_mut().push(token);
        });
    }
    for _ in 0..100 {
        if results.borrow().len() == n {
            break;
        }
        sleep(10).await;
    }
    results.take()
}

#[wasm_bindgen_test]
async fn callers_at_once_share_one_request_then_the_cache() {
    forget_cookie();
    let jwt = token("one-flight", 60);
    server("sess_flight", 200, &token_json(&jwt, 60));
    let vst = provider(false);

    // Asked before the client has even loaded: the callers wait for it, then share a mint.
    let results = concurrent_tokens(vst, 8).await;
    assert_eq!(results.len(), 8, "every caller got an answer");
    for result in &results {
        assert_eq!(result.as_deref(), Ok(jwt.as_str()));
    }
    assert_eq!(
        mints("sess_flight"),
        1,
        "one request for eight callers: {:?}",
        calls()
    );

    // Later callers get the cached token without asking the server.
    assert_eq!(vst.get_token().await.as_deref(), Ok(jwt.as_str()));
    let results = concurrent_tokens(vst, 3).await;
    assert!(results.iter().all(|r| r.as_deref() == Ok(jwt.as_str())));
    assert_eq!(mints("sess_flight"), 1, "the cache answered");
    assert_eq!(
        session_cookie(),
        None,
        "session_cookie=false writes no cookie"
    );
}

#[wasm_bindgen_test]
async fn a_token_within_ten_seconds_of_expiry_is_not_handed_out() {
    forget_cookie();
    // Lives 9 s: already inside the 10 s margin when it arrives.
    let jwt = token("short", 9);
    server("sess_short", 200, &token_json(&jwt, 9));
    let vst = provider(false);

    assert_eq!(vst.get_token().await.as_deref(), Ok(jwt.as_str()));
    assert_eq!(vst.get_token().await.as_deref(), Ok(jwt.as_str()));
    assert_eq!(
        mints("sess_short"),
        2,
        "a token near expiry is fetched again"
    );
}

#[wasm_bindgen_test]
async fn the_session_cookie_follows_the_token_and_sign_out_clears_both() {
    forget_cookie();
    let jwt = token("cookie", 60);
    let fake = server("sess_cookie", 200, &token_json(&jwt, 60));
    // On by default when the frontend API is another origin.
    let vst = provider(true);

    // Without any caller: the provider warms the token for the cookie.
    for _ in 0..50 {
        if session_cookie().is_some() {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(session_cookie().as_deref(), Some(jwt.as_str()));
    assert_eq!(vst.get_token().await.as_deref(), Ok(jwt.as_str()));
    assert_eq!(mints("sess_cookie"), 1, "the warm token is the cached one");

    fake.answer("GET", "/v1/client", 200, SIGNED_OUT);
    vst.sign_out(None);
    assert_eq!(session_cookie(), None, "the cookie goes at once");
    assert_eq!(vst.get_token().await, Err(TokenError::SignedOut));
    settle().await;
    sleep(150).await;
    assert!(!vst.is_signed_in.get_untracked());
    assert_eq!(vst.get_token().await, Err(TokenError::SignedOut));
    assert_eq!(mints("sess_cookie"), 1, "no token is minted after sign-out");
    assert_eq!(session_cookie(), None);
}

#[wasm_bindgen_test]
async fn a_refused_mint_is_an_error_and_the_next_call_asks_again() {
    forget_cookie();
    let fake = server(
        "sess_refused",
        401,
        r#"{"code":"signed_out","message":"the session has ended"}"#,
    );
    let vst = provider(false);

    let result = vst.get_token().await;
    assert!(
        matches!(
            result,
            Err(TokenError::Request(RequestError::Api { status: 401, .. }))
        ),
        "{result:?}"
    );
    let jwt = token("again", 60);
    fake.answer(
        "POST",
        "/v1/client/sessions/sess_refused/tokens",
        200,
        &token_json(&jwt, 60),
    );
    // The refusal made the page reload the client; it still has the session here.
    settle().await;
    sleep(150).await;
    assert_eq!(vst.get_token().await.as_deref(), Ok(jwt.as_str()));
}
