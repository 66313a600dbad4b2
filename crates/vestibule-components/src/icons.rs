//! Provider logos and small icons as inline SVG, so that nothing needs serving.

use leptos::prelude::*;
use vestibule_core::ProviderId;

/// The provider's logo, sized by CSS (`.vst-icon`).
#[component]
pub fn ProviderLogo(provider: ProviderId) -> impl IntoView {
    match provider {
        ProviderId::Atlassian => view! {
            <svg class="vst-icon vst-icon--atlassian" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path fill="#2684FF" d="M7.12 11.08a.68.68 0 0 0-1.16.13L.08 22.97a.7.7 0 0 0 .63 1.02h8.19a.68.68 0 0 0 .63-.39c1.77-3.65.7-9.2-2.41-12.52z"/>
                <path fill="#0052CC" d="M11.43.39a15.52 15.52 0 0 0-.9 15.31l3.95 7.9a.7.7 0 0 0 .63.39h8.19a.7.7 0 0 0 .63-1.02L12.63.38a.66.66 0 0 0-1.2.01z"/>
            </svg>
        },
    }
}
