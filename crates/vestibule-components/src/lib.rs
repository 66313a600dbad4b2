//! Drop-in sign-in components for Leptos (0.8, client-side rendered) apps, backed by a
//! Vestibule server.
//!
//! ```ignore
//! use leptos::prelude::*;
//! use vestibule_components::*;
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     view! {
//!         <VestibuleProvider frontend_api="https://auth.example.com">
//!             <SignedOut><SignIn redirect_url="/"/></SignedOut>
//!             <SignedIn><UserButton/></SignedIn>
//!         </VestibuleProvider>
//!     }
//! }
//! ```
//!
//! The components put their own stylesheet into `<head>` (once), so nothing needs copying.
//! Theme them with `--vst-*` custom properties or the `appearance` prop; choose English or
//! German with the `locale` prop. Every key control carries a stable `data-testid`.

mod api;
mod appearance;
mod context;
mod i18n;
mod icons;
mod page;
mod root;
mod sign_in;
mod style;

pub use api::{FrontendApi, RequestError};
pub use appearance::{Appearance, Theme};
pub use context::{Vestibule, VestibuleProvider, use_vestibule};
pub use i18n::{Locale, Messages, fill};
pub use icons::ProviderLogo;
pub use sign_in::{SignIn, SignInButton, SignUp};

/// The wire types the components speak, re-exported so an app needs no second dependency.
pub use vestibule_core;
