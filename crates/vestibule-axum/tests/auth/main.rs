//! `vestibule-axum` against a stand-in instance: a JWKS served on 127.0.0.1:0 by test keys,
//! and tokens forged every way an attacker (or a misconfiguration) would. One test binary.

mod backend;
mod extractor;
mod refusals;
mod support;
