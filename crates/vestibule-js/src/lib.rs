//! The Vestibule components as one ES module any web page can load, whatever it is built
//! with: a JavaScript API and custom elements over the same Rust components.
//!
//! `cargo xtask js` builds `js-dist/vestibule.js` (the sign-in bundle: SignIn, SignUp,
//! UserButton, the signed-in/out switches, the token API) and `js-dist/vestibule-full.js`
//! (plus UserProfile), each one self-contained module beside its `_bg.wasm`. Importing it
//! starts the wasm, registers the custom elements (`js/elements.js`) and exports:
//!
//! | export | what it does |
//! |---|---|
//! | `load({ frontendApi, locale, appearance, sessionCookie })` | configures the page's one client state; a Promise that resolves once the client has loaded |
//! | `mountSignIn(el, props)`, `mountSignUp`, `mountUserButton`, `mountUserProfile` | mounts a component into `el` (again on the same `el` replaces it) |
//! | `unmount(el)` | removes what is mounted in `el`; `true` if something was |
//! | `getToken()` | Promise of the session token (a JWT for the app's backend) or `null` when signed out |
//! | `signOut({ redirectUrl })` | Promise that resolves once signed out (or leaves for `redirectUrl`) |
//! | `addListener(fn)` | calls `fn(user or null)` once loaded and on every change; returns the remover |
//! | `user()`, `session()` | the signed-in user and session as plain objects, or `null` |
//!
//! Props are plain objects with the Leptos props' names in camelCase (`redirectUrl`,
//! `signUpUrl`, `afterSignOutUrl`, ...); an unknown name or a wrong type is a
//! `console.error` that names the call and the known props, and the rest still mounts.

mod mounts;
mod page;
mod props;
mod state;

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use vestibule_components::TokenError;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::mounts::Component;

/// Configures the page's client state: `frontendApi` (default: the origin this module was
/// served from), `locale` (`"en"`, `"de"`), `appearance` (`{ theme, variables }`) and
/// `sessionCookie` (keep a `__session` cookie with the token on the page's origin; on by
/// default when the frontend API is another origin). Called again, it changes the
/// language and the look of every mounted component. Resolves once the client has loaded.
#[wasm_bindgen]
pub fn load(options: JsValue) -> Promise {
    let (options, mut problems) = props::read("load", props::LOAD, &options);
    let vestibule = page::load(&options, &mut problems);
    problems.iter().for_each(|p| console_error(p));
    state::until(move || vestibule.is_loaded.get())
}

/// Mounts `<SignIn/>` into `el`; props: `class`, `redirectUrl`, `signUpUrl`,
/// `appearance`, `locale`.
#[wasm_bindgen(js_name = mountSignIn)]
pub fn mount_sign_in(el: JsValue, props: JsValue) {
    mounts::mount(Component::SignIn, el, props);
}

/// Mounts `<SignUp/>` into `el`; props: `class`, `redirectUrl`, `signInUrl`, `appearance`,
/// `locale`.
#[wasm_bindgen(js_name = mountSignUp)]
pub fn mount_sign_up(el: JsValue, props: JsValue) {
    mounts::mount(Component::SignUp, el, props);
}

/// Mounts `<UserButton/>` into `el`; props: `class`, `userProfileUrl`, `afterSignOutUrl`,
/// `showName`, `appearance`, `locale`.
#[wasm_bindgen(js_name = mountUserButton)]
pub fn mount_user_button(el: JsValue, props: JsValue) {
    mounts::mount(Component::UserButton, el, props);
}

/// Mounts `<UserProfile/>` into `el` (full bundle only); props: `class`,
/// `afterSignOutUrl`, `appearance`, `locale`.
#[wasm_bindgen(js_name = mountUserProfile)]
pub fn mount_user_profile(el: JsValue, props: JsValue) {
    mounts::mount(Component::UserProfile, el, props);
}

/// Removes what is mounted in `el` with its listeners; `true` if something was.
#[wasm_bindgen]
pub fn unmount(el: JsValue) -> bool {
    match el.dyn_ref::<web_sys::HtmlElement>() {
        Some(el) => mounts::unmount(el),
        None => {
            console_error("vestibule: unmount: the argument must be an HTML element");
            false
        }
    }
}

/// A Promise of a session token for the app's own backend (`Authorization: Bearer`), or
/// `null` when nobody is signed in; rejected with an `Error` when the server cannot be
/// reached or refuses.
#[wasm_bindgen(js_name = getToken)]
pub fn get_token() -> Promise {
    let vestibule = page::vestibule();
    wasm_bindgen_futures::future_to_promise(async move {
        match vestibule.get_token().await {
            Ok(token) => Ok(token.into()),
            Err(TokenError::SignedOut) => Ok(JsValue::NULL),
            Err(error) => Err(js_sys::Error::new(&format!("vestibule: getToken: {error}")).into()),
        }
    })
}

/// Ends the session; the Promise resolves once the page knows it is signed out. With
/// `{ redirectUrl }` the page leaves for that URL instead.
#[wasm_bindgen(js_name = signOut)]
pub fn sign_out(options: JsValue) -> Promise {
    let vestibule = page::vestibule();
    let redirect_url = match options.is_object() {
        true => Reflect::get(&options, &"redirectUrl".into())
            .ok()
            .and_then(|v| v.as_string()),
        false => None,
    };
    vestibule.sign_out(redirect_url);
    let signing_out = vestibule.signing_out();
    state::until(move || !signing_out.get())
}

/// Calls `listener(user)` (a plain object, or `null` when signed out) once the client has
/// loaded and on every change; returns the function that removes the listener.
#[wasm_bindgen(js_name = addListener)]
pub fn add_listener(listener: JsValue) -> Function {
    let Some(listener) = listener.dyn_ref::<Function>().cloned() else {
        console_error("vestibule: addListener: the argument must be a function");
        return Function::new_no_args("");
    };
    let vestibule = page::vestibule();
    state::watch(
        move || vestibule.is_loaded.get().then(|| vestibule.user.get()),
        |user| user.as_ref().map_or(JsValue::NULL, state::user_object),
        listener,
    )
}

/// The signed-in user as a plain object (`id`, `name`, `email`, `avatarUrl`,
/// `externalAccounts`, ...), or `null` (signed out or still loading).
#[wasm_bindgen]
pub fn user() -> JsValue {
    let vestibule = page::vestibule();
    vestibule
        .user
        .with_untracked(|u| u.as_ref().map_or(JsValue::NULL, state::user_object))
}

/// The current session as a plain object (`id`, `createdAt`, `lastActiveAt`,
/// `expiresAt`), or `null`.
#[wasm_bindgen]
pub fn session() -> JsValue {
    let vestibule = page::vestibule();
    vestibule
        .session
        .with_untracked(|s| s.as_ref().map_or(JsValue::NULL, state::session_object))
}

/// For the bundle's own script (not exported from the module): the module's URL, whose
/// origin is the default frontend API.
#[wasm_bindgen(js_name = _setModuleUrl)]
pub fn set_module_url(url: String) {
    page::set_module_url(url);
}

/// For `<vestibule-signed-in>`/`<vestibule-signed-out>`: calls `listener` with
/// `"loading"`, `"signed-out"` or `"signed-in"` on every change; returns the remover.
#[wasm_bindgen(js_name = _watchSession)]
pub fn watch_session(listener: Function) -> Function {
    let vestibule = page::vestibule();
    state::watch(
        move || Some(session_state(vestibule)),
        |s| JsValue::from_str(s),
        listener,
    )
}

/// For the same elements, as they connect: the state now, without waiting for an effect.
#[wasm_bindgen(js_name = _sessionState)]
pub fn session_state_now() -> String {
    untrack(|| session_state(page::vestibule())).to_owned()
}

fn session_state(vestibule: vestibule_components::Vestibule) -> &'static str {
    match (vestibule.is_loaded.get(), vestibule.is_signed_in.get()) {
        (false, _) => "loading",
        (true, false) => "signed-out",
        (true, true) => "signed-in",
    }
}

/// For tests and leak hunts: `{ mounted, wasmMemoryBytes }`, how many components are
/// mounted and how large the wasm memory has grown.
#[wasm_bindgen(js_name = __stats)]
pub fn stats() -> JsValue {
    let memory_bytes = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length()
        })
        .unwrap_or_default();
    let stats = js_sys::Object::new();
    let _ = Reflect::set(&stats, &"mounted".into(), &(mounts::count() as u32).into());
    let _ = Reflect::set(&stats, &"wasmMemoryBytes".into(), &memory_bytes.into());
    stats.into()
}

fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}
