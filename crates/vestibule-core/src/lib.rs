//! The vocabulary that Vestibule's browser components and its server share.
//!
//! Everything here compiles to `wasm32-unknown-unknown` and to native code and depends on
//! nothing but `serde`: no runtime, no database, no DOM. The server speaks these types as
//! JSON and the components read them back, so a change here is a change of the wire format.
//!
//! Where a change goes:
//!
//! | module | owns |
//! |---|---|
//! | [`api`] | request and response bodies, and the domain words they use (`OAuthIntent`, `ConnectionAudience`, `InstanceEnvironment`) with their wire names |
//! | [`error`] | [`ErrorCode`] (stable codes the components translate), [`ApiError`] (the error body), [`UnknownName`] |
//! | [`provider`] | the provider catalog: [`ProviderId`] and what the server and the components know about each provider |
//! | [`sign_in_token`] | the backend API's single-use sign-in links (tickets) for tests and support tools |
//! | [`validation`] | rules the connection form checks as the admin types and the server enforces on save |
//!
//! Each enum that is stored or sent by name has `as_str`, `parse` and `TryFrom<String>` (an
//! unknown name is an error), so the server reads database columns as these types.

pub mod api;
pub mod connection_check;
pub mod error;
pub mod provider;
pub mod session_token;
pub mod sign_in_token;
pub mod validation;

pub use error::{ApiError, ErrorCode, UnknownName};
pub use provider::{ProviderId, ProviderInfo};
pub use session_token::{SessionClaims, SessionToken};
