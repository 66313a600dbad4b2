//! The smallest drop-in: add the crate, render `<SignIn/>`. No provider, no stylesheet,
//! no copied file; the component talks to the Vestibule server on the page's origin.

use leptos::prelude::*;
use vestibule_components::SignIn;

fn main() {
    leptos::mount::mount_to_body(|| {
        view! {
            <main style="padding: 48px 16px">
                <SignIn/>
            </main>
        }
    });
}
