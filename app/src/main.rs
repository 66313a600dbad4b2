//! The hosted Account Portal: the pages a Vestibule server serves on its own origin
//! (`/sign-in`, `/sign-up`, `/user`, `/dashboard`), each a thin frame around a component.

use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;
use vestibule_components::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <VestibuleProvider>
            <Router>
                <main class="portal">
                    <Routes fallback=|| view! { <Redirect path="/sign-in"/> }>
                        <Route path=path!("/sign-in") view=SignInPage/>
                        <Route path=path!("/sign-up") view=SignUpPage/>
                    </Routes>
                </main>
            </Router>
        </VestibuleProvider>
    }
}

#[component]
fn SignInPage() -> impl IntoView {
    view! { <SignIn/> }
}

#[component]
fn SignUpPage() -> impl IntoView {
    view! { <SignUp/> }
}
