//! The mounted components: one Leptos root per element, kept in a registry from element to
//! unmount handle, so that `unmount(el)` (or mounting again on the same element) drops the
//! root and with it its DOM nodes, listeners and reactive state.

use std::cell::RefCell;

use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use vestibule_components::{SignIn, SignUp, UserButton};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

use crate::props::{self, Props};

thread_local! {
    /// Element -> its root. A list, not a map: elements are compared by identity, and a page
    /// mounts a handful of components.
    static MOUNTED: RefCell<Vec<(HtmlElement, UnmountHandle<AnyViewState>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Which component a mount call renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Component {
    SignIn,
    SignUp,
    UserButton,
    UserProfile,
}

impl Component {
    /// The name of the JavaScript call, for the console sentences.
    fn call(self) -> &'static str {
        match self {
            Self::SignIn => "mountSignIn",
            Self::SignUp => "mountSignUp",
            Self::UserButton => "mountUserButton",
            Self::UserProfile => "mountUserProfile",
        }
    }

    fn known_props(self) -> &'static [&'static str] {
        match self {
            Self::SignIn => props::SIGN_IN,
            Self::SignUp => props::SIGN_UP,
            Self::UserButton => props::USER_BUTTON,
            Self::UserProfile => props::USER_PROFILE,
        }
    }
}

/// Mounts `component` into `el` with `props`, replacing what was mounted there. Problems
/// (not an element, an unknown prop, a wrong type) go to the console; a bad prop is left
/// out and the component mounts with the rest.
pub(crate) fn mount(component: Component, el: JsValue, props: JsValue) {
    let call = component.call();
    let Some(el) = el.dyn_ref::<HtmlElement>().cloned() else {
        crate::console_error(&format!(
            "vestibule: {call}: the first argument must be an HTML element"
        ));
        return;
    };
    let (props, problems) = props::read(call, component.known_props(), &props);
    for problem in &problems {
        crate::console_error(problem);
    }
    if component == Component::UserProfile && !cfg!(feature = "full") {
        crate::console_error(
            "vestibule: mountUserProfile: this is the sign-in bundle (vestibule.js); \
             load vestibule-full.js for <UserProfile>",
        );
        return;
    }
    // The old root goes first, so its nodes are gone before the new ones arrive.
    unmount(&el);
    let vestibule = crate::page::vestibule();
    let handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(vestibule);
        render(component, props)
    });
    MOUNTED.with(|m| m.borrow_mut().push((el, handle)));
}

/// Drops the root mounted in `el`, if any: its nodes leave the element and its listeners
/// and reactive state go with it. True when something was mounted.
pub(crate) fn unmount(el: &HtmlElement) -> bool {
    let handle = MOUNTED.with(|m| {
        let mut mounted = m.borrow_mut();
        let at = mounted.iter().position(|(e, _)| e == el)?;
        Some(mounted.swap_remove(at).1)
    });
    let unmounted = handle.is_some();
    // Dropped outside the borrow: unmounting may run code that mounts or unmounts.
    drop(handle);
    if unmounted {
        crate::page::forget_unmounted();
    }
    unmounted
}

/// How many roots are mounted (for the leak test's bookkeeping).
pub(crate) fn count() -> usize {
    MOUNTED.with(|m| m.borrow().len())
}

fn render(component: Component, p: Props) -> AnyView {
    match component {
        Component::SignIn => view! {
            <SignIn
                class=p.class
                redirect_url=p.redirect_url
                sign_up_url=p.sign_up_url
                appearance=p.appearance
                locale=p.locale
            />
        }
        .into_any(),
        Component::SignUp => view! {
            <SignUp
                class=p.class
                redirect_url=p.redirect_url
                sign_in_url=p.sign_in_url
                appearance=p.appearance
                locale=p.locale
            />
        }
        .into_any(),
        Component::UserButton => view! {
            <UserButton
                class=p.class
                user_profile_url=p.user_profile_url
                after_sign_out_url=p.after_sign_out_url
                show_name=p.show_name
                appearance=p.appearance
                locale=p.locale
            />
        }
        .into_any(),
        Component::UserProfile => user_profile(p),
    }
}

#[cfg(feature = "full")]
fn user_profile(p: Props) -> AnyView {
    use vestibule_components::UserProfile;
    view! {
        <UserProfile
            class=p.class
            after_sign_out_url=p.after_sign_out_url
            appearance=p.appearance
            locale=p.locale
        />
    }
    .into_any()
}

/// The sign-in bundle leaves UserProfile out; `mount` says so before getting here.
#[cfg(not(feature = "full"))]
fn user_profile(_: Props) -> AnyView {
    ().into_any()
}
