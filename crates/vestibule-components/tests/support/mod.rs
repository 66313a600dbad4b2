//! Test helpers: a stubbed `fetch` that answers like the Vestibule server and records what
//! it was asked, and DOM queries by `data-testid`.
#![allow(dead_code)]

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

pub const SIGNED_OUT: &str = r#"{"session":null,"user":null}"#;

pub fn environment_json(environment: &str) -> String {
    format!(
        r#"{{"environment":"{environment}","application_name":"Acme",
            "connections":[{{"provider":"atlassian","display_name":"Atlassian","icon_url":"/icons/atlassian.svg"}}],
            "portal":{{"sign_in_url":"https://vst.test/sign-in","sign_up_url":"https://vst.test/sign-up",
                      "user_profile_url":"https://vst.test/user","after_sign_in_url":"https://app.test/"}}}}"#
    )
}

pub fn signed_in_json() -> String {
    r#"{"session":{"id":"sess_1","created_at":1700000000,"last_active_at":1700000500,"expires_at":1800000000,
                   "user_agent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0","current":true},
        "user":{"id":"user_1","name":"Ada Lovelace","email":"ada@example.com","email_verified":true,
                "avatar_url":null,"created_at":1700000000,
                "external_accounts":[{"id":"ext_1","provider":"atlassian","provider_account_id":"acc-1",
                    "email":"ada@example.com","email_verified":true,"name":"Ada Lovelace","avatar_url":null,
                    "site":{"id":"cloud-1","name":"acme","url":"https://acme.atlassian.net","avatar_url":null},
                    "scopes":["read:me"],"reconnect_needed":false,"created_at":1700000000}]}}"#
        .to_owned()
}

/// A stand-in for the server: `window.fetch` answers from a route table and records every
/// call (method, URL, Content-Type, body) in `window.__vstCalls`.
pub struct FakeServer {
    routes: js_sys::Array,
}

impl FakeServer {
    pub fn new() -> Self {
        Self {
            routes: js_sys::Array::new(),
        }
    }

    /// Answers `method path` (the URL's path, query ignored) with `status` and `body`.
    /// A later route for the same call wins, so a test can change an answer.
    pub fn route(self, method: &str, path: &str, status: u16, body: &str) -> Self {
        self.answer(method, path, status, body);
        self
    }

    pub fn install(&self) {
        let install = js_sys::Function::new_with_args(
            "routes",
            r#"
            window.__vstRoutes = routes;
            window.__vstCalls = [];
            window.__vstAnswered = 0;
            window.fetch = async (input, init) => {
                init = init || {};
                const url = new URL(typeof input === 'string' ? input : input.url, location.href);
                const method = (init.method || 'GET').toUpperCase();
                const ct = new Headers(init.headers || {}).get('content-type');
                window.__vstCalls.push({ method, url: url.href, path: url.pathname, contentType: ct, body: init.body ?? null });
                let hit = null;
                for (const r of window.__vstRoutes) if (r[0] === method && r[1] === url.pathname) hit = r;
                if (!hit) return new Response('{"code":"not_found","message":"no route"}', { status: 404 });
                // Status 0: a server that never answers, to see loading states.
                if (hit[2] === 0) return new Promise(() => {});
                // Status 1: the network fails.
                if (hit[2] === 1) throw new TypeError('Failed to fetch');
                // A delayed route answers late, as a slow server would.
                if (hit[4]) await new Promise(resolve => setTimeout(resolve, hit[4]));
                window.__vstAnswered = (window.__vstAnswered || 0) + 1;
                const body = hit[2] === 204 ? null : hit[3];
                return new Response(body, { status: hit[2], headers: { 'Content-Type': 'application/json' } });
            };
            "#,
        );
        install.call1(&JsValue::NULL, &self.routes).unwrap();
    }

    /// Adds or replaces a route on the installed stub.
    pub fn answer(&self, method: &str, path: &str, status: u16, body: &str) {
        self.answer_after(method, path, status, body, 0);
    }

    /// Like [`answer`](Self::answer), but the answer arrives `delay_ms` after the request.
    pub fn answer_after(&self, method: &str, path: &str, status: u16, body: &str, delay_ms: u32) {
        let r = js_sys::Array::new();
        r.push(&method.into());
        r.push(&path.into());
        r.push(&JsValue::from(status));
        r.push(&body.into());
        r.push(&JsValue::from(delay_ms));
        self.routes.push(&r);
    }
}

/// How many requests the stub has answered so far (delayed ones once their delay is over).
pub fn answered() -> u32 {
    js_sys::Reflect::get(&window(), &"__vstAnswered".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u32
}

/// One recorded call to the stubbed server.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub content_type: Option<String>,
    pub body: Option<String>,
}

pub fn calls() -> Vec<Call> {
    let calls = js_sys::Reflect::get(&window(), &"__vstCalls".into()).unwrap();
    let calls: js_sys::Array = calls.dyn_into().unwrap();
    calls
        .iter()
        .map(|c| {
            let get = |k: &str| js_sys::Reflect::get(&c, &k.into()).unwrap().as_string();
            Call {
                method: get("method").unwrap(),
                path: get("path").unwrap(),
                content_type: get("contentType"),
                body: get("body"),
            }
        })
        .collect()
}

/// The calls other than loading the environment and client.
pub fn writes() -> Vec<Call> {
    calls().into_iter().filter(|c| c.method != "GET").collect()
}

/// A `navigate` callback for the provider that records URLs instead of leaving the page.
pub fn capture_navigation() -> (Callback<String>, RwSignal<Vec<String>>) {
    let seen = RwSignal::new(Vec::new());
    (
        Callback::new(move |url: String| seen.update(|v| v.push(url))),
        seen,
    )
}

/// Mounts a view into a fresh `<section>` of the test page. The view stays mounted (tests
/// in one binary share the page), so each test queries only inside its own section.
pub fn mount<F, V>(f: F) -> web_sys::HtmlElement
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    let section = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&section).unwrap();
    let section: web_sys::HtmlElement = section.unchecked_into();
    let handle = leptos::mount::mount_to(section.clone(), f);
    handle.forget();
    section
}

/// How long [`wait_until`] waits before it fails the test.
const WAIT_MS: f64 = 3000.0;

/// Waits until `done` holds (polling between browser tasks, so fetches resolve and effects
/// run meanwhile), and fails the test with `what` when it does not within a few seconds.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> impl Future<Output = ()> {
    let caller = std::panic::Location::caller();
    let what = what.to_owned();
    async move {
        let start = js_sys::Date::now();
        while !done() {
            assert!(
                js_sys::Date::now() - start < WAIT_MS,
                "waited {WAIT_MS} ms for {what} ({caller})"
            );
            sleep(5).await;
            leptos::task::tick().await;
        }
    }
}

/// Waits until an element with this `data-testid` is inside `root`, and returns it.
pub async fn wait_for(root: &web_sys::HtmlElement, testid: &str) -> web_sys::HtmlElement {
    wait_until(&format!("[data-testid={testid}]"), || {
        query(root, testid).is_some()
    })
    .await;
    find(root, testid)
}

/// Waits until no element with this `data-testid` is inside `root`.
pub async fn wait_gone(root: &web_sys::HtmlElement, testid: &str) {
    wait_until(&format!("[data-testid={testid}] to go"), || {
        query(root, testid).is_none()
    })
    .await;
}

/// Waits until the stub has answered `n` requests in all, then lets the page read the
/// answers (a macrotask runs after every microtask the answers queued).
pub async fn wait_answered(n: u32) {
    wait_until(&format!("{n} answers from the stub"), || answered() >= n).await;
    sleep(0).await;
    leptos::task::tick().await;
}

/// Lets fetches resolve and effects run, on a timer. Prefer [`wait_until`] and its
/// relatives: a timer passes whether or not the awaited thing happened.
pub async fn settle() {
    for _ in 0..6 {
        sleep(5).await;
        leptos::task::tick().await;
    }
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub fn query(root: &web_sys::HtmlElement, testid: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(&format!("[data-testid='{testid}']"))
        .unwrap()
        .map(|e| e.unchecked_into())
}

#[track_caller]
pub fn find(root: &web_sys::HtmlElement, testid: &str) -> web_sys::HtmlElement {
    query(root, testid).unwrap_or_else(|| {
        panic!(
            "no element with data-testid={testid} in:\n{}",
            root.inner_html()
        )
    })
}

pub fn count(root: &web_sys::HtmlElement, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

#[track_caller]
pub fn text(root: &web_sys::HtmlElement, testid: &str) -> String {
    find(root, testid)
        .text_content()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn click(el: &web_sys::HtmlElement) {
    el.click();
}

/// Types into an input as a person would: sets the value and fires `input`.
pub fn type_into(el: &web_sys::HtmlElement, value: &str) {
    let input: &web_sys::HtmlInputElement = el.unchecked_ref();
    input.set_value(value);
    let ev = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// Presses a key on an element (`keydown`, bubbling).
pub fn press(el: &web_sys::HtmlElement, key: &str, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_shift_key(shift);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

/// The element that has focus, if any.
pub fn focused() -> Option<web_sys::Element> {
    document().active_element()
}

/// Replaces the test page's query string (`?error=...`), keeping its path.
pub fn set_query(query: &str) {
    let path = window().location().pathname().unwrap();
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{query}")))
        .unwrap();
}

/// Chooses an option of a `<select>` as a person would: sets the value, fires `change`.
pub fn select(el: &web_sys::HtmlElement, value: &str) {
    let select: &web_sys::HtmlSelectElement = el.unchecked_ref();
    select.set_value(value);
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Flips a checkbox as a click would.
pub fn is_checked(el: &web_sys::HtmlElement) -> bool {
    el.unchecked_ref::<web_sys::HtmlInputElement>().checked()
}

pub fn is_disabled(el: &web_sys::HtmlElement) -> bool {
    el.has_attribute("disabled")
}

pub fn value(el: &web_sys::HtmlElement) -> String {
    el.unchecked_ref::<web_sys::HtmlInputElement>().value()
}

/// The JSON body of a recorded call, parsed.
pub fn body_json(call: &Call) -> serde_json::Value {
    serde_json::from_str(call.body.as_deref().unwrap_or("null")).unwrap()
}

/// Takes every Vestibule stylesheet out of `<head>`. The test page is shared by every test
/// in the binary, so a test that checks that a component mounts its stylesheet removes them
/// first: otherwise an earlier test's sheet would make the check pass whatever happens.
pub fn remove_stylesheets() {
    let sheets = document()
        .head()
        .unwrap()
        .query_selector_all("style[data-vestibule]")
        .unwrap();
    for i in 0..sheets.length() {
        if let Some(sheet) = sheets.item(i) {
            sheet.unchecked_into::<web_sys::Element>().remove();
        }
    }
}

/// Clicks `el` with ctrl held (as a person opening a link in a new tab would) and returns
/// whether the page took the click over (`preventDefault`). A listener on `window`, the last
/// stop of the event, reads that and then cancels the click, so that the test page itself
/// never follows the link.
pub fn ctrl_click_is_taken_over(el: &web_sys::HtmlElement) -> bool {
    let taken_over = std::rc::Rc::new(std::cell::Cell::new(None));
    let seen = taken_over.clone();
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        seen.set(Some(ev.default_prevented()));
        ev.prevent_default();
    });
    window()
        .add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .unwrap();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_ctrl_key(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
    window()
        .remove_event_listener_with_callback("click", listener.as_ref().unchecked_ref())
        .unwrap();
    taken_over
        .get()
        .expect("the click did not bubble up to window")
}
