//! Rows and the queries that read and write them. Portable SQL through `sqlx::query`.

pub mod accounts;
pub mod admin_sessions;
pub mod connections;
pub mod flows;
pub mod sessions;
pub mod sign_in_tokens;
pub mod signing_keys;
pub mod user_bans;

/// A new row id: a type prefix and 128 random bits, so an id says what it names.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Scopes are stored space-separated, as OAuth writes them.
pub fn join_scopes(scopes: &[String]) -> String {
    scopes.join(" ")
}

pub fn split_scopes(scopes: &str) -> Vec<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}
