//! The page's one [`Vestibule`]: made by `load()` (or by the first mount, with the
//! defaults), kept for the life of the page, and given to every mount as context so that
//! every component on the page shares one client state.

use std::cell::RefCell;

use leptos::prelude::*;
use vestibule_components::{Appearance, FrontendApi, Locale, Vestibule};

use crate::props::Props;

/// What `load()` made, alive until the page goes.
struct Page {
    /// Owns the state's signals and its session-token watchers.
    _owner: Owner,
    vestibule: Vestibule,
    frontend_api: String,
    locale: RwSignal<Locale>,
    appearance: RwSignal<Appearance>,
}

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
    /// The URL the module was served from (`import.meta.url`), told by the bundle's script.
    static MODULE_URL: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Remembers the module's own URL, whose origin is the default frontend API: the
/// Vestibule server serves the module.
pub(crate) fn set_module_url(url: String) {
    MODULE_URL.with(|u| *u.borrow_mut() = url);
}

/// The origin of the module's URL (`https://auth.example.com`), or `""` (the page's own
/// origin) when it is unknown.
fn module_origin() -> String {
    MODULE_URL.with(|u| origin_of(&u.borrow()).unwrap_or_default().to_owned())
}

/// `scheme://host[:port]` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..url.len() - rest.len() + host_len])
}

/// The page's state, made with the defaults when `load()` has not been called yet.
pub(crate) fn vestibule() -> Vestibule {
    if let Some(vestibule) = PAGE.with(|p| p.borrow().as_ref().map(|p| p.vestibule)) {
        return vestibule;
    }
    load(&Props::default(), &mut Vec::new())
}

/// After an unmount: the page-long signals let go of what the unmounted component left
/// in them (see [`Vestibule::forget_unmounted`]), so that 1,000 mounts cost no memory.
pub(crate) fn forget_unmounted() {
    let page = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .map(|p| (p.vestibule, p.locale, p.appearance))
    });
    if let Some((vestibule, locale, appearance)) = page {
        vestibule.forget_unmounted();
        vestibule_components::forget_subscribers(locale);
        vestibule_components::forget_subscribers(appearance);
    }
}

/// The state for these options: made on the first call; on later calls the language and
/// the look change (every mounted component follows), while a different frontend API is
/// refused with a sentence in `problems` (the client state belongs to one server).
pub(crate) fn load(options: &Props, problems: &mut Vec<String>) -> Vestibule {
    let existing = PAGE.with(|p| {
        p.borrow()
            .as_ref()
            .map(|p| (p.vestibule, p.frontend_api.clone(), p.locale, p.appearance))
    });
    if let Some((vestibule, frontend_api, locale, appearance)) = existing {
        if let Some(wanted) = options.frontend_api.as_deref()
            && FrontendApi::new(wanted) != FrontendApi::new(frontend_api.as_str())
        {
            problems.push(format!(
                "vestibule: load: frontendApi is already \"{frontend_api}\" (set by the first \
                 load or mount); reload the page to use \"{wanted}\""
            ));
        }
        if let Some(new) = options.locale {
            locale.set(new);
        }
        if let Some(new) = options.appearance.clone() {
            appearance.set(new);
        }
        return vestibule;
    }
    // Effects need the executor; `mount_to` starts it too, but `load()` may come first.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let frontend_api = options.frontend_api.clone().unwrap_or_else(module_origin);
    let owner = Owner::new();
    let (vestibule, locale, appearance) = owner.with(|| {
        let locale = RwSignal::new(options.locale.unwrap_or_default());
        let appearance = RwSignal::new(options.appearance.clone().unwrap_or_default());
        let vestibule = Vestibule::new(
            FrontendApi::new(frontend_api.as_str()),
            locale.into(),
            appearance.into(),
            None,
        );
        (vestibule, locale, appearance)
    });
    // What Clerk does: the app's backend on the page's origin reads the token from the
    // `__session` cookie. Not on the Vestibule server's own origin, whose cookies are its own.
    if options
        .session_cookie
        .unwrap_or_else(|| is_other_origin(&frontend_api))
    {
        vestibule.keep_session_cookie();
    }
    PAGE.with(|p| {
        *p.borrow_mut() = Some(Page {
            _owner: owner,
            vestibule,
            frontend_api,
            locale,
            appearance,
        });
    });
    vestibule
}

/// True when `frontend_api` is another origin than the page's.
fn is_other_origin(frontend_api: &str) -> bool {
    let page = web_sys::window().and_then(|w| w.location().origin().ok());
    match (origin_of(frontend_api), page) {
        (Some(api), Some(page)) => api != page,
        // "" or a path: the page's own origin.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn the_origin_of_the_module_url_is_its_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://auth.example.com/v1/js/vestibule@0.1.0.js"),
            Some("https://auth.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000?x=1"),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("http://localhost:4000"),
            Some("http://localhost:4000")
        );
        assert_eq!(origin_of("file:///tmp/vestibule.js"), None);
    }
}
