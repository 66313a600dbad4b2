//! Who is signed in, as JavaScript sees it: the user and session as plain objects,
//! listeners called on every change, and promises that settle when the state gets somewhere.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use leptos::prelude::*;
use vestibule_components::vestibule_core::api::{ExternalAccount, SessionInfo, User};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;

/// The user as a plain object with camelCase names, as JavaScript APIs write them.
pub(crate) fn user_object(user: &User) -> JsValue {
    let accounts: Array = user.external_accounts.iter().map(account_object).collect();
    object(&[
        ("id", user.id.as_str().into()),
        ("name", optional(&user.name)),
        ("email", optional(&user.email)),
        ("emailVerified", user.email_verified.into()),
        ("avatarUrl", optional(&user.avatar_url)),
        ("createdAt", (user.created_at as f64).into()),
        ("externalAccounts", accounts.into()),
    ])
}

fn account_object(account: &ExternalAccount) -> JsValue {
    let site = account.site.as_ref().map_or(JsValue::NULL, |site| {
        object(&[
            ("id", site.id.as_str().into()),
            ("name", site.name.as_str().into()),
            ("url", site.url.as_str().into()),
        ])
    });
    object(&[
        ("id", account.id.as_str().into()),
        ("provider", account.provider.as_str().into()),
        (
            "providerAccountId",
            account.provider_account_id.as_str().into(),
        ),
        ("email", optional(&account.email)),
        ("name", optional(&account.name)),
        ("site", site),
        ("reconnectNeeded", account.reconnect_needed.into()),
    ])
}

/// The session as a plain object: `{ id, createdAt, lastActiveAt, expiresAt }` (Unix seconds).
pub(crate) fn session_object(session: &SessionInfo) -> JsValue {
    object(&[
        ("id", session.id.as_str().into()),
        ("createdAt", (session.created_at as f64).into()),
        ("lastActiveAt", (session.last_active_at as f64).into()),
        ("expiresAt", (session.expires_at as f64).into()),
    ])
}

fn optional(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from_str)
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// Calls `listener` with `value()` once the client has loaded and again on every change;
/// returns the JavaScript function that stops it. Each listener has its own root owner, so
/// removing one frees its effect and nothing else.
pub(crate) fn watch<T: PartialEq + 'static>(
    value: impl Fn() -> Option<T> + 'static,
    to_js: fn(&T) -> JsValue,
    listener: Function,
) -> Function {
    let owner = Owner::new();
    owner.with(|| {
        // The effect's own last value says whether anything changed (a reload of the
        // client that brings the same user is not a change).
        Effect::new(move |previous: Option<Option<T>>| {
            let current = value();
            if let Some(now) = &current
                && previous.flatten().as_ref() != Some(now)
            {
                let _ = listener.call1(&JsValue::NULL, &to_js(now));
            }
            current
        });
    });
    let owner = RefCell::new(Some(owner));
    Closure::<dyn Fn()>::new(move || drop(owner.borrow_mut().take()))
        .into_js_value()
        .into()
}

/// A promise that resolves (with `undefined`) once `done()` is true: at once if it is.
pub(crate) fn until(done: impl Fn() -> bool + 'static) -> Promise {
    let mut resolve = None;
    let promise = Promise::new(&mut |r, _| resolve = Some(r));
    let Some(resolve) = resolve else {
        return promise;
    };
    let owner = Owner::new();
    // The effect holds its own owner until it is done, then lets it go.
    let slot = Rc::new(RefCell::new(Some(owner.clone())));
    owner.with(|| {
        Effect::new(move |_| {
            if done() {
                let _ = resolve.call0(&JsValue::NULL);
                // Dropped after this run: an effect cannot free its owner while it runs.
                let slot = slot.clone();
                leptos::task::spawn_local(async move {
                    slot.borrow_mut().take();
                });
            }
        });
    });
    promise
}
