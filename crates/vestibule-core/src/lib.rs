//! The vocabulary that Vestibule's browser components and its server share.
//!
//! Everything here compiles to `wasm32-unknown-unknown` and to native code and depends on
//! nothing but `serde`: no runtime, no database, no DOM. The server speaks these types as
//! JSON and the components read them back, so a change here is a change of the wire format.

pub mod api;
pub mod connection_check;
pub mod error;
pub mod provider;
pub mod validation;

pub use error::{ApiError, ErrorCode};
pub use provider::{ProviderId, ProviderInfo};
