//! The companion server over real HTTP: a server and an Atlassian emulator on 127.0.0.1:0,
//! and browsers made of reqwest clients with their own cookie jars. One test binary, so that
//! the whole suite links once.

mod admin;
mod common;
mod connection_doctor;
mod flow_state;
mod portal;
mod processes;
mod production;
mod provider_faults;
mod redirects;
mod secrets;
mod sessions;
mod sign_in;
mod tokens;
