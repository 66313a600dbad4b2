//! Checking a session token without a network round trip: the instance's JWKS is fetched
//! once and cached, and refetched on an unknown `kid` at most once per interval.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use url::Url;
use vestibule_core::session_token::{
    JWKS_PATH, JsonWebKeySet, MAX_LEEWAY_SECS, SESSION_COOKIE, SessionClaims,
};

use crate::error::AuthError;
use crate::verified_tokens::{Verified, VerifiedTokens};

/// Who a verified session token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    /// The Vestibule user id (`sub`), for `Backend::users().get(..)`.
    pub user_id: String,
    /// The session id (`sid`).
    pub session_id: String,
    /// The Atlassian cloud id of the user's connected site, for
    /// `{api_url}/ex/jira/{site_id}/rest/api/3/...`.
    pub site_id: Option<String>,
    /// The origin of the page the token was minted for (`azp`).
    pub authorized_party: String,
}

/// Verifies session tokens of one Vestibule instance. Cheap to clone: clones share the key
/// cache. Put it in the app's state and extract [`SignedInUser`] in handlers.
///
/// ```
/// use vestibule_axum::VestibuleAuth;
///
/// let auth = VestibuleAuth::new("https://auth.example.com".parse().unwrap())
///     .authorized_parties(["https://app.example.com"])
///     .leeway(std::time::Duration::from_secs(2))
///     .jwks_refetch_interval(std::time::Duration::from_secs(30));
/// # let _ = auth;
/// ```
#[derive(Clone)]
pub struct VestibuleAuth {
    settings: Arc<Settings>,
    keys: Arc<KeyCache>,
}

#[derive(Clone)]
struct Settings {
    jwks_url: Url,
    authorized_parties: Vec<String>,
    refetch_interval: Duration,
    cache_verified: bool,
    validation: Validation,
    http: reqwest::Client,
}

#[derive(Default)]
struct KeyCache {
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    /// Held while fetching, so that concurrent misses wait for one fetch.
    fetch: tokio::sync::Mutex<FetchState>,
    verified: VerifiedTokens,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_failed: bool,
    attempts: u64,
}

impl std::fmt::Debug for VestibuleAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VestibuleAuth")
            .field("jwks_url", &self.settings.jwks_url.as_str())
            .field("authorized_parties", &self.settings.authorized_parties)
            .finish_non_exhaustive()
    }
}

/// How long a JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

impl VestibuleAuth {
    /// Trusts tokens issued by the instance at `frontend_api` (its public URL, e.g.
    /// `https://auth.example.com`): `iss` must equal it (without a trailing slash).
    ///
    /// No origin is authorized until [`VestibuleAuth::authorized_parties`] names one: an
    /// empty list refuses every token, so that forgetting it fails closed.
    pub fn new(frontend_api: Url) -> Self {
        let issuer = frontend_api.as_str().trim_end_matches('/').to_owned();
        let jwks_url = Url::parse(&format!("{issuer}{JWKS_PATH}")).unwrap_or(frontend_api);
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = MAX_LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
        validation.set_issuer(&[issuer]);
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            settings: Arc::new(Settings {
                jwks_url,
                authorized_parties: Vec::new(),
                refetch_interval: DEFAULT_REFETCH_INTERVAL,
                cache_verified: true,
                validation,
                http,
            }),
            keys: Arc::default(),
        }
    }

    /// The origins whose pages may present tokens (`azp`), e.g. `https://app.example.com`.
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Arc::make_mut(&mut self.settings).authorized_parties = parties
            .into_iter()
            .map(|p| p.into().trim_end_matches('/').to_owned())
            .collect();
        self
    }

    /// Fetches the JWKS from `url` instead of `{frontend_api}/.well-known/jwks.json`, for a
    /// backend that reaches the instance at another address than browsers do (a private
    /// network name). The issuer stays `frontend_api`.
    pub fn jwks_url(mut self, url: Url) -> Self {
        Arc::make_mut(&mut self.settings).jwks_url = url;
        self
    }

    /// Clock skew forgiven on `exp` and `nbf`; at most 5 seconds (more is clamped).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        Arc::make_mut(&mut self.settings).validation.leeway = leeway.as_secs().min(MAX_LEEWAY_SECS);
        self
    }

    /// The least time between two JWKS fetches (default 10 s): a flood of tokens with made-up
    /// key ids causes at most one fetch per interval.
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        Arc::make_mut(&mut self.settings).refetch_interval = interval;
        self
    }

    /// Whether a token seen before is answered from memory (default: yes). The signature of a
    /// given token string never changes, so a repeat skips it; `exp`, `nbf` and `azp` are
    /// checked every time. Turn it off to measure or to save the memory (about 0.5 KiB per
    /// live token).
    pub fn cache_verified_tokens(mut self, enabled: bool) -> Self {
        Arc::make_mut(&mut self.settings).cache_verified = enabled;
        self
    }

    /// The HTTP client for JWKS fetches (to set proxies or timeouts of your own).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        Arc::make_mut(&mut self.settings).http = http;
        self
    }

    /// How many times this verifier (and its clones) tried to fetch the JWKS.
    pub async fn jwks_fetches(&self) -> u64 {
        self.keys.fetch.lock().await.attempts
    }

    /// Reads the token from `Authorization: Bearer <jwt>`, else from the `__session` cookie,
    /// and verifies it.
    pub async fn authenticate(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<SignedInUser, AuthError> {
        let token = token_from_headers(headers).ok_or(AuthError::Missing)?;
        self.verify(token).await
    }

    /// Verifies one compact JWS: signature by a key of the instance's JWKS, `alg` EdDSA, `iss`,
    /// `exp` and `nbf` (with the leeway) and `azp` among the authorized parties.
    pub async fn verify(&self, token: &str) -> Result<SignedInUser, AuthError> {
        let now = now_secs();
        if self.settings.cache_verified
            && let Some(seen) = self.keys.verified.get(token)
        {
            return self.recheck(seen, now);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        // Pinned: `none`, HMAC with the public key as secret, or any other algorithm is refused
        // before a key is even looked up.
        if header.alg != Algorithm::EdDSA {
            return Err(AuthError::Invalid);
        }
        let kid = header.kid.ok_or(AuthError::Invalid)?;
        let key = self.key_for(&kid).await?;
        let claims = jsonwebtoken::decode::<SessionClaims>(token, &key, &self.settings.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
                _ => AuthError::Invalid,
            })?
            .claims;
        if !self.is_authorized_party(&claims.azp) {
            return Err(AuthError::UnauthorizedParty);
        }
        let user = SignedInUser {
            user_id: claims.sub,
            session_id: claims.sid,
            site_id: claims.site_id,
            authorized_party: claims.azp,
        };
        if self.settings.cache_verified {
            let verified = Verified {
                user: user.clone(),
                nbf: claims.nbf,
                exp: claims.exp,
            };
            let leeway = self.settings.validation.leeway as i64;
            self.keys.verified.insert(token, verified, now, leeway);
        }
        Ok(user)
    }

    fn is_authorized_party(&self, azp: &str) -> bool {
        self.settings.authorized_parties.iter().any(|p| p == azp)
    }

    /// The checks that depend on the time and on this verifier's settings, for a token whose
    /// signature and issuer were verified before. (Same comparisons as `jsonwebtoken`'s.)
    fn recheck(&self, seen: Verified, now: i64) -> Result<SignedInUser, AuthError> {
        let leeway = self.settings.validation.leeway as i64;
        if seen.exp < now - leeway {
            return Err(AuthError::Expired);
        }
        if seen.nbf > now + leeway {
            return Err(AuthError::NotYetValid);
        }
        if !self.is_authorized_party(&seen.user.authorized_party) {
            return Err(AuthError::UnauthorizedParty);
        }
        Ok(seen.user)
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        let keys = self.keys.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.get(kid).cloned()
    }

    /// The key named `kid`: cached, or after a (rate-limited) refetch.
    async fn key_for(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut fetch = self.keys.fetch.lock().await;
        // Someone else may have fetched while this one waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let recently = fetch
            .last_attempt
            .is_some_and(|at| at.elapsed() < self.settings.refetch_interval);
        if recently {
            return Err(self.missing_key_error(fetch.last_failed));
        }
        fetch.last_attempt = Some(Instant::now());
        fetch.attempts += 1;
        match self.fetch_keys().await {
            Ok(keys) => {
                fetch.last_failed = false;
                *self.keys.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
            }
            Err(e) => {
                tracing::warn!(url = %self.settings.jwks_url, error = %e, "cannot fetch the Vestibule JWKS");
                fetch.last_failed = true;
                return Err(self.missing_key_error(true));
            }
        }
        self.cached(kid).ok_or(AuthError::Invalid)
    }

    /// An unknown key is the token's fault, unless no key set could be fetched at all.
    fn missing_key_error(&self, fetch_failed: bool) -> AuthError {
        let empty = self
            .keys
            .keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
        if fetch_failed && empty {
            AuthError::JwksUnavailable
        } else {
            AuthError::Invalid
        }
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<DecodingKey>>, reqwest::Error> {
        let set: JsonWebKeySet = self
            .settings
            .http
            .get(self.settings.jwks_url.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(set
            .keys
            .into_iter()
            .filter(|k| k.kty == "OKP" && k.crv == "Ed25519" && k.alg == "EdDSA")
            .filter_map(|k| {
                let key = DecodingKey::from_ed_components(&k.x).ok()?;
                Some((k.kid, Arc::new(key)))
            })
            .collect())
    }
}

fn now_secs() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

/// `Authorization: Bearer <jwt>` wins; else the `__session` cookie.
fn token_from_headers(headers: &axum::http::HeaderMap) -> Option<&str> {
    use axum::http::header::{AUTHORIZATION, COOKIE};
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        return (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token);
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn the_bearer_header_wins_over_the_cookie() {
        let both = headers(&[
            ("authorization", "Bearer a.b.c"),
            ("cookie", "__session=x.y.z"),
        ]);
        assert_eq!(token_from_headers(&both), Some("a.b.c"));
        let cookie = headers(&[("cookie", "theme=dark; __session=x.y.z; other=1")]);
        assert_eq!(token_from_headers(&cookie), Some("x.y.z"));
        let lookalike = headers(&[("cookie", "__session_old=x; my__session=y")]);
        assert_eq!(token_from_headers(&lookalike), None);
        let basic = headers(&[("authorization", "Basic dXNlcg==")]);
        assert_eq!(token_from_headers(&basic), None);
        assert_eq!(token_from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn leeway_is_clamped_and_the_issuer_has_no_trailing_slash() {
        let auth = VestibuleAuth::new("https://auth.example.com/".parse().unwrap())
            .leeway(Duration::from_secs(600));
        assert_eq!(auth.settings.validation.leeway, MAX_LEEWAY_SECS);
        assert_eq!(
            auth.settings.jwks_url.as_str(),
            "https://auth.example.com/.well-known/jwks.json"
        );
        let issuers = auth.settings.validation.iss.clone().unwrap();
        assert!(issuers.contains("https://auth.example.com"));
        assert_eq!(issuers.len(), 1);
    }
}
