//! The session token an app sends to its own backend: minted by
//! `POST /v1/client/sessions/{sid}/tokens`, cached until shortly before it expires, fetched
//! by one request at a time however many callers ask, refreshed in the background, and
//! mirrored into a `__session` cookie on the app's own origin.
//!
//! The in-flight request is a JS `Promise` that every waiting caller awaits: it costs no
//! extra crate (the wasm module stays small) and settles all waiters at once.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::api::{FrontendApi, RequestError};

/// A token is handed out until this long before it expires, so that it is still valid
/// when the app's backend checks it.
const HAND_OUT_MARGIN_MS: f64 = 10_000.0;
/// The background refresh starts this long before the hand-out margin, so callers find a
/// fresh token and never wait.
const REFRESH_AHEAD_MS: f64 = 5_000.0;
/// The cookie the app's backend reads when a request carries no `Authorization` header.
pub use vestibule_core::session_token::SESSION_COOKIE;

/// Why [`Vestibule::get_token`](crate::Vestibule::get_token) has no token to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Nobody is signed in (or the session ended while the token was on its way).
    #[error("nobody is signed in")]
    SignedOut,
    /// The server refused or could not be reached.
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// A token as the page holds it, with times on the page's own clock.
#[derive(Debug, Clone)]
struct Cached {
    session_id: String,
    jwt: String,
    /// Local milliseconds after which the token is no longer handed out.
    stale_at: f64,
    /// Local milliseconds at which the token expires (the cookie's lifetime).
    expires_at: f64,
}

#[derive(Default)]
struct TokenState {
    cached: Option<Cached>,
    /// The mint on its way, and the session it is for.
    in_flight: Option<(String, Promise)>,
    /// Bumped by every `clear`, so that a mint started before a sign-out is thrown away.
    generation: u64,
    last_error: Option<TokenError>,
    /// Keep the `__session` cookie up to date.
    cookie: bool,
    /// Refresh before expiry without being asked (on once the cookie is kept or a caller
    /// has asked for a token).
    keep_fresh: bool,
    /// Resolves once the client (who is signed in) has loaded.
    ready: Option<(Promise, Option<Function>)>,
}

/// The page's session-token cache; cheap to clone (one shared state).
#[derive(Clone, Default)]
pub(crate) struct SessionTokens {
    state: Rc<RefCell<TokenState>>,
}

impl SessionTokens {
    pub(crate) fn new() -> Self {
        let this = Self::default();
        let mut resolver = None;
        let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
        this.state.borrow_mut().ready = Some((promise, resolver));
        this
    }

    /// Keeps the `__session` cookie in step with the token from now on.
    pub(crate) fn keep_cookie(&self) {
        let mut state = self.state.borrow_mut();
        state.cookie = true;
        state.keep_fresh = true;
    }

    /// The client has loaded: callers waiting for it may go on.
    pub(crate) fn mark_ready(&self) {
        let resolve = self
            .state
            .borrow_mut()
            .ready
            .as_mut()
            .and_then(|(_, resolve)| resolve.take());
        if let Some(resolve) = resolve {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    /// Waits until the client has loaded (at once when it has).
    pub(crate) async fn ready(&self) {
        let promise = self.state.borrow().ready.as_ref().map(|(p, _)| p.clone());
        if let Some(promise) = promise {
            let _ = JsFuture::from(promise).await;
        }
    }

    /// The session changed (signed in, switched, or signed out): a token of another
    /// session is never handed out, and the cookie follows.
    pub(crate) fn session_changed(&self, session_id: Option<String>, api: &FrontendApi) {
        let cached = self
            .state
            .borrow()
            .cached
            .as_ref()
            .map(|c| c.session_id.clone());
        if cached == session_id {
            // The client reloaded for another reason: the token is still this session's.
            return;
        }
        if cached.is_some() {
            self.clear();
        }
        let keep_fresh = self.state.borrow().keep_fresh;
        if let Some(session_id) = session_id
            && keep_fresh
        {
            // Warm: the cookie is there for the first page load or form post.
            let _ = self.mint(api.clone(), session_id);
        }
    }

    /// Forgets the token and the cookie at once (sign-out).
    pub(crate) fn clear(&self) {
        let mut state = self.state.borrow_mut();
        state.cached = None;
        state.in_flight = None;
        state.generation += 1;
        if state.cookie {
            write_cookie(None);
        }
    }

    /// A token for `session_id`: the cached one while it is fresh, else the result of the
    /// one mint on its way (started if none is).
    pub(crate) async fn get(
        &self,
        api: &FrontendApi,
        session_id: String,
    ) -> Result<String, TokenError> {
        {
            let mut state = self.state.borrow_mut();
            state.keep_fresh = true;
            if let Some(cached) = &state.cached
                && cached.session_id == session_id
                && now_ms() < cached.stale_at
            {
                return Ok(cached.jwt.clone());
            }
        }
        let settled = JsFuture::from(self.mint(api.clone(), session_id))
            .await
            .unwrap_or(JsValue::NULL);
        match settled.as_string() {
            Some(jwt) => Ok(jwt),
            None => Err(self
                .state
                .borrow()
                .last_error
                .clone()
                .unwrap_or(TokenError::SignedOut)),
        }
    }

    /// The promise of the mint for `session_id` on its way, or of a new one. It resolves
    /// with the token, or with `null` after storing the error in `last_error`.
    fn mint(&self, api: FrontendApi, session_id: String) -> Promise {
        if let Some((sid, promise)) = &self.state.borrow().in_flight
            && *sid == session_id
        {
            return promise.clone();
        }
        let mut resolver: Option<Function> = None;
        let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
        let generation = {
            let mut state = self.state.borrow_mut();
            state.in_flight = Some((session_id.clone(), promise.clone()));
            state.generation
        };
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let result = request_token(&api, &session_id).await;
            let settled = this.settle(generation, &session_id, result, api);
            if let Some(resolve) = resolver {
                let _ = resolve.call1(&JsValue::NULL, &settled);
            }
        });
        promise
    }

    /// Stores a mint's result (unless a sign-out came first) and returns what waiters get.
    fn settle(
        &self,
        generation: u64,
        session_id: &str,
        result: Result<Minted, RequestError>,
        api: FrontendApi,
    ) -> JsValue {
        let mut state = self.state.borrow_mut();
        if state.generation != generation {
            state.last_error = Some(TokenError::SignedOut);
            return JsValue::NULL;
        }
        if state
            .in_flight
            .as_ref()
            .is_some_and(|(sid, _)| sid == session_id)
        {
            state.in_flight = None;
        }
        match result {
            Ok(minted) => {
                let received = now_ms();
                let lifetime = minted.lifetime_ms(received);
                let cached = Cached {
                    session_id: session_id.to_owned(),
                    jwt: minted.jwt,
                    stale_at: received + lifetime - HAND_OUT_MARGIN_MS,
                    expires_at: received + lifetime,
                };
                if state.cookie {
                    write_cookie(Some((&cached.jwt, lifetime)));
                }
                if state.keep_fresh {
                    let delay = (cached.stale_at - REFRESH_AHEAD_MS - received).max(1_000.0);
                    let this = self.clone();
                    let session_id = session_id.to_owned();
                    leptos::prelude::set_timeout(
                        move || this.refresh_if_current(generation, session_id, api),
                        Duration::from_millis(delay as u64),
                    );
                }
                let jwt = JsValue::from_str(&cached.jwt);
                state.cached = Some(cached);
                jwt
            }
            Err(error) => {
                state.last_error = Some(TokenError::Request(error));
                JsValue::NULL
            }
        }
    }

    /// The background refresh: only while the same session is signed in and no newer
    /// token replaced the one that scheduled it.
    fn refresh_if_current(&self, generation: u64, session_id: String, api: FrontendApi) {
        let current = {
            let state = self.state.borrow();
            state.generation == generation
                && state
                    .cached
                    .as_ref()
                    .is_some_and(|c| c.session_id == session_id && now_ms() < c.expires_at)
        };
        if current {
            let _ = self.mint(api, session_id);
        }
    }
}

/// The answer of the token endpoint.
struct Minted {
    jwt: String,
    /// Unix seconds, on the server's clock.
    expires_at: f64,
}

impl Minted {
    /// How long the token lives, measured without comparing clocks: `exp - iat` from its
    /// claims, so a page whose clock is off by minutes still refreshes in time. Falls back
    /// to `expires_at` against the page's clock when the claims cannot be read.
    fn lifetime_ms(&self, now_ms: f64) -> f64 {
        let from_claims = self.jwt.split('.').nth(1).and_then(claims).and_then(|c| {
            let number = |k: &str| Reflect::get(&c, &k.into()).ok()?.as_f64();
            Some(number("exp")? - number("iat")?)
        });
        match from_claims {
            Some(seconds) if seconds > 0.0 => seconds * 1000.0,
            _ => (self.expires_at * 1000.0 - now_ms).max(0.0),
        }
    }
}

/// The JSON of a JWT's base64url payload, decoded with the browser's `atob` (which takes
/// base64 without its `=` padding, as JWTs write it).
fn claims(payload: &str) -> Option<JsValue> {
    let b64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let json = web_sys::window()?.atob(&b64).ok()?;
    js_sys::JSON::parse(&json).ok()
}

async fn request_token(api: &FrontendApi, session_id: &str) -> Result<Minted, RequestError> {
    let path = format!(
        "/v1/client/sessions/{}/tokens",
        crate::api::encode_component(session_id)
    );
    let body: JsValue = api.send_json("POST", &path).await?;
    let jwt = Reflect::get(&body, &"jwt".into())
        .ok()
        .and_then(|v| v.as_string());
    let expires_at = Reflect::get(&body, &"expires_at".into())
        .ok()
        .and_then(|v| v.as_f64());
    match (jwt, expires_at) {
        (Some(jwt), Some(expires_at)) => Ok(Minted { jwt, expires_at }),
        _ => Err(RequestError::Decode),
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Sets (`Some((jwt, lifetime_ms))`) or deletes (`None`) the `__session` cookie on the
/// page's origin. `SameSite=Lax`: sent on the app's own page loads and form posts, not on
/// other sites' requests; `Secure` whenever the page is on https.
fn write_cookie(token: Option<(&str, f64)>) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let secure = document
        .location()
        .and_then(|l| l.protocol().ok())
        .is_some_and(|p| p == "https:");
    let value = match token {
        Some((jwt, lifetime_ms)) => format!(
            "{SESSION_COOKIE}={jwt}; Path=/; Max-Age={}; SameSite=Lax",
            (lifetime_ms / 1000.0).floor() as i64
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"),
    };
    let value = if secure { value + "; Secure" } else { value };
    if let Ok(document) = document.dyn_into::<web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&value);
    }
}
