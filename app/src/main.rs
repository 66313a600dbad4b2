//! The hosted Account Portal: the pages a Vestibule server serves on its own origin, each a
//! thin frame around a component.
//!
//! | route | page |
//! |---|---|
//! | `/sign-in` | [`SignIn`] |
//! | `/sign-up` | [`SignUp`] |
//! | `/user` | [`UserProfile`] under a bar with [`UserButton`] |
//! | `/dashboard` | the admin signs in with the secret key, then "SSO connections" ([`ConnectionSettings`]) |
//! | `/` and any other path | sent on to `/sign-in` |
//!
//! Each page names itself in the tab title: `Sign in · Acme`, `Account · Acme`, ...

mod dashboard;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use vestibule_components::*;

use dashboard::Dashboard;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// The visitor's language: `?lang=de`, else the browser's, else English.
fn portal_locale() -> Locale {
    let window = window();
    let from_query = window
        .location()
        .search()
        .ok()
        .and_then(|s| {
            s.trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix("lang=").map(str::to_owned))
        })
        .and_then(|tag| Locale::from_tag(&tag));
    from_query
        .or_else(|| {
            window
                .navigator()
                .language()
                .and_then(|tag| Locale::from_tag(&tag))
        })
        .unwrap_or_default()
}

#[component]
fn App() -> impl IntoView {
    view! {
        <VestibuleProvider locale=portal_locale()>
            <Router>
                <main class="portal">
                    <FlatRoutes fallback=ToSignIn>
                        <Route path=path!("/sign-in") view=SignInPage/>
                        <Route path=path!("/sign-up") view=SignUpPage/>
                        <Route path=path!("/user") view=UserPage/>
                        <Route path=path!("/dashboard") view=Dashboard/>
                    </FlatRoutes>
                </main>
            </Router>
        </VestibuleProvider>
    }
}

/// Sends `/`, a typo such as `/signin` and every other unknown path to the sign-in page,
/// keeping the query (`?redirect_url=`, `?lang=`), and replacing the dead address in the
/// history so that Back does not return to it.
#[component]
fn ToSignIn() -> impl IntoView {
    let navigate = use_navigate();
    // In an effect, once the router has rendered this fallback: `<Redirect/>` navigates
    // while the router is still rendering it, which panics the whole page.
    Effect::new(move |_| {
        let search = window().location().search().unwrap_or_default();
        let options = NavigateOptions {
            replace: true,
            ..NavigateOptions::default()
        };
        navigate(&format!("/sign-in{search}"), options);
    });
}

/// Sets the tab title to `{page} · {application name}` (just the page until the
/// environment has loaded), in the visitor's language.
fn page_title(page: impl Fn(Locale) -> &'static str + 'static) {
    let vst = use_vestibule();
    Effect::new(move |_| {
        let page = page(vst.locale.get());
        let title = match vst.environment.get() {
            Some(env) => format!("{page} · {}", env.application_name),
            None => page.to_owned(),
        };
        document().set_title(&title);
    });
}

#[component]
fn SignInPage() -> impl IntoView {
    page_title(|lc| lc.messages().sign_in_link);
    view! { <SignIn/> }
}

#[component]
fn SignUpPage() -> impl IntoView {
    page_title(|lc| lc.messages().sign_up_link);
    view! { <SignUp/> }
}

/// The profile page, with the app's name and the user menu on top.
#[component]
fn UserPage() -> impl IntoView {
    let vst = use_vestibule();
    page_title(|lc| lc.profile().profile_title);
    // Signed out: to the sign-in page, which brings the visitor back here afterwards.
    Effect::new(move |_| {
        // `signing_out` untracked: a sign-out from this page chose its own destination.
        if vst.is_loaded.get() && !vst.is_signed_in.get() && !vst.signing_out().get_untracked() {
            // Back to this page, without a stale ?error= from an earlier attempt.
            let location = window().location();
            let back = format!(
                "{}{}",
                location.origin().unwrap_or_default(),
                location.pathname().unwrap_or_default()
            );
            let sign_in = vst
                .environment
                .with_untracked(|e| e.as_ref().map(|e| e.portal.sign_in_url.clone()))
                .unwrap_or_else(|| "/sign-in".to_owned());
            let back = encode_uri_component(&back);
            vst.navigate(&format!("{sign_in}?redirect_url={back}"));
        }
    });
    view! {
        <div class="portal__bar">
            <span class="portal__brand">
                {move || vst.environment.get().map(|e| e.application_name)}
            </span>
            <UserButton/>
        </div>
        <UserProfile/>
    }
}

fn encode_uri_component(value: &str) -> String {
    leptos::web_sys::js_sys::encode_uri_component(value).into()
}
