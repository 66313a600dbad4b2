//! HTTP handlers, one module per API surface.

pub mod environment;
