//! The companion server over real HTTP: a server and an Atlassian emulator on 127.0.0.1:0,
//! and browsers made of reqwest clients with their own cookie jars. One test binary, so that
//! the whole suite links once.

mod abuse;
mod admin;
mod common;
mod connection_doctor;
mod cors;
mod dev_users;
mod flow_state;
mod hardening;
mod js_bundle;
mod key_rotation;
mod portal;
mod processes;
mod production;
mod properties;
mod provider_faults;
mod redirects;
mod router;
mod secrets;
mod session_tokens;
mod sessions;
mod sign_in;
mod sign_in_tokens;
mod single_process_sqlite;
mod tokens;
