//! `<SignedIn>` and `<SignedOut>`: show their children only in that state.

use leptos::prelude::*;

use crate::context::use_vestibule_or_standalone;

/// Renders its children only while someone is signed in.
///
/// ```ignore
/// view! { <SignedIn><UserButton/></SignedIn> }
/// ```
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let vst = use_vestibule_or_standalone();
    let show = Memo::new(move |_| vst.is_signed_in.get());
    move || show.get().then(|| children())
}

/// Renders its children only once the client has loaded and nobody is signed in (not
/// while loading, so a signed-in visitor never sees a sign-in prompt flash by).
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    let vst = use_vestibule_or_standalone();
    let show = Memo::new(move |_| vst.is_loaded.get() && !vst.is_signed_in.get());
    move || show.get().then(|| children())
}
