//! How a user is shown: avatar with initials, display name, dates, the device of a session.

use leptos::prelude::*;
use vestibule_core::api::User;

use crate::i18n::Locale;

/// The name to show: the user's name, else the e-mail's local part, else "?".
pub(crate) fn display_name(user: &User) -> String {
    user.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            user.email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// Up to two initials of a name: "Ada Lovelace" → "AL".
pub(crate) fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The picture, or the initials on the primary colour when there is none or it fails to
/// load (a 404, a Content-Security-Policy that blocks its origin), instead of the
/// browser's broken-image icon.
pub(crate) fn avatar(name: &str, url: Option<String>, large: bool) -> impl IntoView + use<> {
    let class = if large {
        "vst-avatar vst-avatar--large"
    } else {
        "vst-avatar"
    };
    let initials = initials(name);
    let Some(src) = url else {
        return view! { <span class=class aria-hidden="true">{initials}</span> }.into_any();
    };
    // The listener is attached as the <img> is created, before the browser can report the
    // load, so an immediate failure (a blocked origin) is not missed.
    let failed = RwSignal::new(false);
    (move || {
        if failed.get() {
            view! { <span class=class aria-hidden="true">{initials.clone()}</span> }.into_any()
        } else {
            view! {
                <img
                    class=class
                    src=src.clone()
                    alt=""
                    referrerpolicy="no-referrer"
                    on:error=move |_| failed.set(true)
                />
            }
            .into_any()
        }
    })
    .into_any()
}

/// A Unix time as a date in the reader's language.
pub(crate) fn date(secs: i64, locale: Locale) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    d.to_locale_date_string(locale.tag(), &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

/// A Unix time as date and time in the reader's language.
pub(crate) fn date_time(secs: i64, locale: Locale) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    d.to_locale_string(locale.tag(), &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

/// "Chrome on Linux" from a User-Agent; `None` when neither part is recognised.
pub(crate) fn device(user_agent: &str) -> Option<String> {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => Some(format!("{b} · {o}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/120.0 Safari/537.36";
        assert_eq!(device(chrome).as_deref(), Some("Chrome · Linux"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(device(edge).as_deref(), Some("Edge · Windows"));
        assert_eq!(device("curl/8.0"), None);
    }

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("Ada Lovelace King"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials(""), "");
    }
}
