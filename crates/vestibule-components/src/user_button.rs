//! `<UserButton/>`: the signed-in user's avatar, opening a menu with their name and e-mail,
//! "Manage account" and "Sign out".

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use vestibule_core::api::User;

use crate::appearance::Appearance;
use crate::context::{Vestibule, use_vestibule_for};
use crate::focus_trap::{FocusTrap, Step, use_focus_trap};
use crate::i18n::{Locale, ProfileMessages};
use crate::root::Root;
use crate::user_display::{avatar, display_name};

/// The avatar of the signed-in user; a click opens a menu with the name, the e-mail,
/// "Manage account" and "Sign out". Renders nothing while nobody is signed in.
///
/// Keyboard: Enter or Space opens the menu and focuses its first item, the arrow keys move
/// between items, Escape closes it and returns focus to the avatar.
#[component]
pub fn UserButton(
    /// Extra classes on the root element.
    #[prop(optional, into)]
    class: MaybeProp<String>,
    /// Where "Manage account" leads. Defaults to the Account Portal's profile page.
    #[prop(optional, into)]
    user_profile_url: MaybeProp<String>,
    /// Where to go after signing out. Defaults to the Account Portal's sign-in page.
    #[prop(optional, into)]
    after_sign_out_url: MaybeProp<String>,
    /// Also show the user's name beside the avatar.
    #[prop(optional)]
    show_name: bool,
    /// Theme and `--vst-*` variables; defaults to the provider's.
    #[prop(optional, into)]
    appearance: MaybeProp<Appearance>,
    /// Language; defaults to the provider's.
    #[prop(optional, into)]
    locale: MaybeProp<Locale>,
) -> impl IntoView {
    let (vst, locale, appearance) = use_vestibule_for(locale, appearance);
    crate::style::mount(crate::style::USER);

    let open = RwSignal::new(false);
    let wrapper = NodeRef::<html::Div>::new();
    let trigger = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();

    let links = MenuLinks {
        profile_href: Signal::derive(move || {
            user_profile_url.get().unwrap_or_else(|| {
                vst.environment
                    .with(|e| e.as_ref().map(|e| e.portal.user_profile_url.clone()))
                    .unwrap_or_else(|| "/user".to_owned())
            })
        }),
        after_sign_out: Signal::derive(move || {
            after_sign_out_url.get().unwrap_or_else(|| {
                vst.environment
                    .with(|e| e.as_ref().map(|e| e.portal.sign_in_url.clone()))
                    .unwrap_or_else(|| "/sign-in".to_owned())
            })
        }),
    };

    let close = move |refocus: bool| {
        open.set(false);
        if refocus && let Some(t) = trigger.get_untracked() {
            let _ = t.focus();
        }
    };

    let trap = focus_first_item_on_open(open, menu);
    close_on_click_outside(open, wrapper);

    let on_keydown = move |ev: KeyboardEvent| {
        if !open.get_untracked() {
            return;
        }
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                close(true);
            }
            key @ ("ArrowDown" | "ArrowUp" | "Home" | "End") => {
                ev.prevent_default();
                trap.step(match key {
                    "Home" => Step::First,
                    "End" => Step::Last,
                    "ArrowDown" => Step::Next,
                    _ => Step::Previous,
                });
            }
            "Tab" => open.set(false),
            _ => {}
        }
    };

    view! {
        {move || {
            let user = vst.user.get()?;
            let t = locale.get().profile();
            let name = display_name(&user);
            Some(view! {
                <Root block="user-button" class=class appearance locale>
                    <div class="vst-user-button__wrapper" node_ref=wrapper on:keydown=on_keydown>
                        <button
                            type="button"
                            class="vst-user-button__trigger"
                            node_ref=trigger
                            aria-haspopup="menu"
                            aria-expanded=move || if open.get() { "true" } else { "false" }
                            aria-controls="vst-user-button-menu"
                            aria-label=format!("{} ({name})", t.open_user_menu)
                            data-testid="user-button-trigger"
                            on:click=move |_| open.update(|o| *o = !*o)
                        >
                            {avatar(&name, user.avatar_url.clone(), false)}
                            {show_name.then(|| view! {
                                <span class="vst-user-button__label">{name.clone()}</span>
                            })}
                        </button>
                        <div
                            class="vst-user-button__menu"
                            id="vst-user-button-menu"
                            role="menu"
                            aria-label=t.open_user_menu
                            node_ref=menu
                            hidden=move || !open.get()
                            data-testid="user-button-menu"
                        >
                            {menu_content(vst, t, &user, name, open, links)}
                        </div>
                    </div>
                </Root>
            })
        }}
    }
}

/// Opening moves focus into the menu, so keyboard users land on its first item; the trap
/// also moves focus between the items for the arrow keys.
fn focus_first_item_on_open(open: RwSignal<bool>, menu: NodeRef<html::Div>) -> FocusTrap {
    let trap = use_focus_trap(menu);
    Effect::new(move |_| {
        if open.get() {
            trap.focus_first_soon();
        }
    });
    trap
}

/// A click anywhere outside `wrapper` closes the menu.
fn close_on_click_outside(open: RwSignal<bool>, wrapper: NodeRef<html::Div>) {
    let outside = window_event_listener(leptos::ev::pointerdown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = match (wrapper.get_untracked(), ev.target()) {
            (Some(w), Some(t)) => t
                .dyn_ref::<web_sys::Node>()
                .is_some_and(|n| w.contains(Some(n))),
            _ => false,
        };
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || outside.remove());
}

/// Where the menu's two items lead.
#[derive(Clone, Copy)]
struct MenuLinks {
    profile_href: Signal<String>,
    after_sign_out: Signal<String>,
}

/// Inside the open menu: who is signed in, "Manage account", "Sign out".
fn menu_content(
    vst: Vestibule,
    t: &'static ProfileMessages,
    user: &User,
    name: String,
    open: RwSignal<bool>,
    links: MenuLinks,
) -> impl IntoView + use<> {
    let email = user.email.clone().unwrap_or_default();
    view! {
        <div class="vst-user-button__identity">
            {avatar(&name, user.avatar_url.clone(), false)}
            <div>
                <div class="vst-user-button__name" data-testid="user-button-name">{name}</div>
                <div class="vst-user-button__email" data-testid="user-button-email">{email}</div>
            </div>
        </div>
        <a
            class="vst-menu__item"
            role="menuitem"
            href=links.profile_href
            data-testid="user-button-manage-account"
            on:click=move |_| open.set(false)
        >
            <svg class="vst-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M10 2.5a7.5 7.5 0 1 0 0 15 7.5 7.5 0 0 0 0-15zm0 3a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5zm0 10.5a5.5 5.5 0 0 1-4.3-2.1c.9-1.3 2.5-2 4.3-2s3.4.7 4.3 2A5.5 5.5 0 0 1 10 16z"/>
            </svg>
            {t.manage_account}
        </a>
        <button
            type="button"
            class="vst-menu__item"
            role="menuitem"
            data-testid="user-button-sign-out"
            disabled=move || vst.signing_out().get()
            on:click=move |_| vst.sign_out(Some(links.after_sign_out.get_untracked()))
        >
            <svg class="vst-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M8 3h-4a1 1 0 0 0-1 1v12a1 1 0 0 0 1 1h4v-2H5V5h3zm5.6 2.6-1.4 1.4 2 2H8v2h6.2l-2 2 1.4 1.4L18 10z"/>
            </svg>
            {move || if vst.signing_out().get() { t.signing_out } else { t.sign_out }}
        </button>
    }
}
