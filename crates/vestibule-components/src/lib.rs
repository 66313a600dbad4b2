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
//! German with the `locale` prop, and change any sentence or add a language with a
//! [`Localization`]. Every key control carries a stable `data-testid`.
//!
//! The rendering mode is the app's: enable this crate's `csr` feature (or `hydrate`/`ssr`),
//! which passes through to Leptos.

mod alert;
mod api;
mod appearance;
mod connection_settings;
mod context;
mod control;
mod dom_id;
mod focus_trap;
mod i18n;
mod icons;
mod inline_confirm;
mod json;
mod link;
mod loaded;
mod page;
mod root;
mod session_token;
mod sign_in;
mod style;
pub use style::mount_all as mount_styles;
mod user_button;
mod user_display;
mod user_profile;
mod write;

pub use api::{FrontendApi, RequestError};
pub use appearance::{Appearance, Theme};
pub use connection_settings::ConnectionSettings;
pub use context::{Loaded, Vestibule, VestibuleProvider, forget_subscribers, use_vestibule};
pub use control::{SignedIn, SignedOut};
pub use i18n::{AdminMessages, Language, Locale, Localization, Messages, ProfileMessages, fill};
pub use icons::ProviderLogo;
pub use json::FromJson;
pub use session_token::{SESSION_COOKIE, TokenError};
pub use sign_in::{SignIn, SignInButton, SignUp};
pub use user_button::UserButton;
pub use user_profile::UserProfile;
pub use write::Writes;

/// The wire types the components speak, re-exported so an app needs no second dependency.
pub use vestibule_core;
