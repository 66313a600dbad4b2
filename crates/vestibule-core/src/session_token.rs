//! The session token: the short-lived JWT a signed-in browser hands to its app's own backend,
//! its claims, and the JSON Web Key Set that verifies it.
//!
//! The server mints one at `POST /v1/client/sessions/{sid}/tokens`; the app's backend checks
//! it with the keys at `GET /.well-known/jwks.json` (the `vestibule-axum` crate does both
//! fetching and checking). One algorithm only, pinned on both sides: EdDSA over Ed25519.

use serde::{Deserialize, Serialize};

/// How long a session token is valid, in seconds.
pub const SESSION_TOKEN_LIFETIME_SECS: i64 = 60;

/// The most clock skew a verifier may forgive on `exp` and `nbf`, in seconds.
pub const MAX_LEEWAY_SECS: u64 = 5;

/// The cookie on the app's own origin that carries the current session token, so that plain
/// page loads and form posts to the app's backend carry it too.
pub const SESSION_COOKIE: &str = "__session";

/// The JWS `alg` of every session token.
pub const ALGORITHM: &str = "EdDSA";

/// Where an instance publishes its public keys, relative to its public URL.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// `POST /v1/client/sessions/{sid}/tokens`: a freshly signed token and when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionToken {
    /// The compact JWS (`header.claims.signature`).
    pub jwt: String,
    /// Unix seconds; equal to the token's `exp` claim.
    pub expires_at: i64,
}

/// What a session token says. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The instance's public URL without a trailing slash.
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The session id, as `GET /v1/client` reports it.
    pub sid: String,
    /// The origin of the page that asked for the token (`https://app.example.com`).
    pub azp: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The Atlassian cloud id of the user's (primary) connected site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
}

/// `GET /.well-known/jwks.json`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonWebKeySet {
    pub keys: Vec<JsonWebKey>,
}

/// One Ed25519 public key as RFC 8037 writes it (`kty: OKP`, `crv: Ed25519`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonWebKey {
    pub kty: String,
    pub crv: String,
    /// The 32-byte public key, base64url without padding.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

impl JsonWebKey {
    /// An Ed25519 signing key's public half, for the key set.
    pub fn ed25519(kid: impl Into<String>, x: impl Into<String>) -> Self {
        Self {
            kty: "OKP".to_owned(),
            crv: "Ed25519".to_owned(),
            x: x.into(),
            kid: kid.into(),
            alg: ALGORITHM.to_owned(),
            key_use: "sig".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_omit_a_missing_site() {
        let claims = SessionClaims {
            iss: "http://auth.test".into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            azp: "http://app.test".into(),
            iat: 10,
            nbf: 10,
            exp: 70,
            site_id: None,
        };
        let json = serde_json::to_value(&claims).unwrap();
        assert!(json.get("site_id").is_none());
        assert_eq!(json["exp"], 70);
        let back: SessionClaims = serde_json::from_value(json).unwrap();
        assert_eq!(back, claims);
    }

    #[test]
    fn keys_use_rfc_8037_names() {
        let key = JsonWebKey::ed25519("k1", "abc");
        let json = serde_json::to_value(&key).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kty":"OKP","crv":"Ed25519","x":"abc","kid":"k1","alg":"EdDSA","use":"sig"})
        );
    }
}
