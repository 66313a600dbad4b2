//! Abuse limits: how many secret-key guesses, OAuth starts, pending flows and backend calls a
//! client may make, answered with `429 rate_limited` and `Retry-After` when spent. The counting
//! is `governor`'s GCRA; what is counted, per what, is this module's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use vestibule_core::ErrorCode;

use crate::client_addr::client_ip;
use crate::crypto::{secrets_equal, sha256_hex};
use crate::error::AppError;
use crate::state::AppState;

/// `N` events per `period`, all of which may come at once (the burst is `N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: NonZeroU32,
    pub period: Duration,
}

impl Rate {
    pub(crate) fn quota(self) -> Quota {
        let interval = (self.period / self.count.get()).max(Duration::from_nanos(1));
        Quota::with_period(interval)
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

/// `10/1m`, `600/10s`, `5000/1h`: a count, a slash and a duration.
pub fn parse_rate(input: &str) -> Result<Rate, String> {
    let (count, period) = input
        .trim()
        .split_once('/')
        .ok_or_else(|| format!("\"{input}\" is not a rate like 10/1m"))?;
    let count = count
        .trim()
        .parse::<NonZeroU32>()
        .map_err(|_| format!("\"{input}\": the count must be a positive number"))?;
    let period = crate::config::parse_duration(period)?;
    if period.is_zero() {
        return Err(format!("\"{input}\": the period must not be zero"));
    }
    Ok(Rate { count, period })
}

/// The limits an instance runs with (`--rate-limit-*`, `--max-pending-flows*`).
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Failed secret-key attempts (dashboard sign-in, Bearer on the admin and backend APIs)
    /// per client address.
    pub secret_key_failures: Rate,
    /// The same, all addresses together: a distributed guesser.
    pub secret_key_failures_total: Rate,
    /// OAuth starts per client address.
    pub oauth_starts: Rate,
    /// OAuth flows one address may start within a flow's lifetime, i.e. may hold pending.
    pub pending_flows_per_address: NonZeroU32,
    /// The same for all addresses together.
    pub pending_flows_total: NonZeroU32,
    /// Admin and backend API calls per secret key.
    pub secret_key_requests: Rate,
    /// Session tokens minted per session (`POST /v1/client/sessions/{id}/tokens`).
    pub token_minting: Rate,
}

type Keyed<K> = DefaultKeyedRateLimiter<K>;

/// The instance's counters. One per process: restarts forget them, which only ever helps
/// a legitimate client.
pub struct AbuseLimits {
    pub settings: LimitSettings,
    key_failures: Keyed<IpAddr>,
    key_failures_total: DefaultDirectRateLimiter,
    /// Addresses (and, under `None`, everyone) that spent their secret-key failures, until when.
    /// Checked *before* a key is compared, so that a blocked guesser learns nothing.
    blocked: Mutex<HashMap<Option<IpAddr>, Instant>>,
    /// Addresses that presented the right key, until when the total cap spares them.
    proven: Mutex<HashMap<IpAddr, Instant>>,
    oauth_starts: Keyed<IpAddr>,
    pending_per_address: Keyed<IpAddr>,
    pending_total: DefaultDirectRateLimiter,
    secret_key_requests: Keyed<String>,
    token_minting: Keyed<String>,
    checks: AtomicU64,
}

impl std::fmt::Debug for AbuseLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AbuseLimits")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// How long an address that presented the right key stays spared by the total cap. Only the
/// key's holders can be in this set, so it stays small.
pub const PROVEN_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// Refused: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl AbuseLimits {
    pub fn new(settings: LimitSettings) -> Self {
        let flow_lifetime = Duration::from_secs(crate::store::flows::LIFETIME_SECS as u64);
        let per_lifetime = |count| {
            Rate {
                count,
                period: flow_lifetime,
            }
            .quota()
        };
        Self {
            key_failures: RateLimiter::keyed(settings.secret_key_failures.quota()),
            key_failures_total: RateLimiter::direct(settings.secret_key_failures_total.quota()),
            blocked: Mutex::default(),
            proven: Mutex::default(),
            oauth_starts: RateLimiter::keyed(settings.oauth_starts.quota()),
            pending_per_address: RateLimiter::keyed(per_lifetime(
                settings.pending_flows_per_address,
            )),
            pending_total: RateLimiter::direct(per_lifetime(settings.pending_flows_total)),
            secret_key_requests: RateLimiter::keyed(settings.secret_key_requests.quota()),
            token_minting: RateLimiter::keyed(settings.token_minting.quota()),
            checks: AtomicU64::new(0),
            settings,
        }
    }

    /// Whether `ip` may present a secret key now (before it is compared). The total cap
    /// (a distributed guesser) spares an address that proved the key within [`PROVEN_FOR`]:
    /// the guesser cannot make the APIs refuse the app's backend. Its own allowance still holds.
    pub fn admit_secret_key(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        self.tidy();
        let now = Instant::now();
        let proven = self
            .proven
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&ip)
            .is_some_and(|until| *until > now);
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        let everyone = blocked.get(&None).filter(|_| !proven);
        let until = [everyone, blocked.get(&Some(ip))]
            .into_iter()
            .flatten()
            .filter(|until| **until > now)
            .max();
        match until {
            Some(until) => Err(RetryAfter(*until - now)),
            None => Ok(()),
        }
    }

    /// Counts a wrong secret key from `ip`; when that spends the address's (or everyone's)
    /// allowance, this and later attempts are refused until it refills.
    pub fn secret_key_failed(&self, ip: IpAddr) -> Option<RetryAfter> {
        let now = Instant::now();
        let mut blocks = Vec::new();
        if let Err(wait) = self.key_failures.check_key(&ip) {
            blocks.push((Some(ip), wait_of(&wait)));
        }
        if let Err(wait) = self.key_failures_total.check() {
            blocks.push((None, wait_of(&wait)));
        }
        let mut longest = None;
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        for (who, wait) in blocks {
            // At least a second: Retry-After counts in whole seconds.
            let wait = wait.max(Duration::from_secs(1));
            blocked.insert(who, now + wait);
            longest = longest.max(Some(wait));
        }
        longest.map(RetryAfter)
    }

    /// `ip` presented the right key (a Bearer call or a dashboard sign-in).
    pub fn secret_key_proven(&self, ip: IpAddr) {
        self.proven
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ip, Instant::now() + PROVEN_FOR);
    }

    /// One call of the admin or backend API with the valid key `key`.
    pub fn secret_key_request(&self, key: &str) -> Result<(), RetryAfter> {
        self.secret_key_requests
            .check_key(&sha256_hex(key))
            .map_err(|wait| RetryAfter(wait_of(&wait)))
    }

    /// A session token minted for `session_id`.
    pub fn token_minted(&self, session_id: &str) -> Result<(), RetryAfter> {
        self.tidy();
        self.token_minting
            .check_key(&session_id.to_owned())
            .map_err(|wait| RetryAfter(wait_of(&wait)))
    }

    /// An OAuth start from `ip`: within the start rate and the pending-flow caps.
    pub fn admit_oauth_start(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        self.tidy();
        let refused = |wait: governor::NotUntil<_>| RetryAfter(wait_of(&wait));
        self.oauth_starts.check_key(&ip).map_err(refused)?;
        self.pending_per_address.check_key(&ip).map_err(refused)?;
        self.pending_total.check().map_err(refused)
    }

    /// Forgets idle counters now and then, so that many one-off addresses cost no memory.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 != 4095 {
            return;
        }
        self.key_failures.retain_recent();
        self.oauth_starts.retain_recent();
        self.pending_per_address.retain_recent();
        self.secret_key_requests.retain_recent();
        self.token_minting.retain_recent();
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
        self.proven
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
    }
}

pub(crate) fn wait_of(
    not_until: &governor::NotUntil<<DefaultClock as Clock>::Instant>,
) -> Duration {
    not_until.wait_time_from(DefaultClock::default().now())
}

/// `429 rate_limited` with `Retry-After` in whole seconds (rounded up).
pub fn too_many(RetryAfter(wait): RetryAfter) -> Response {
    let seconds = retry_after_secs(wait);
    let mut response = AppError::new(
        ErrorCode::RateLimited,
        format!("too many requests; try again in {seconds} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The paths that take the secret key as `Authorization: Bearer`.
const SECRET_KEY_PATHS: &[&str] = &["/v1/admin/", "/v1/users/"];

fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Secret-key attempts per address and in total, and calls per key (in [`abuse_limits`]). A
/// blocked address is refused before its key is compared (so a guess made while blocked
/// tells nothing); refusals are logged with the client address.
async fn secret_key_attempts<F, Fut>(state: &AppState, request: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let path = request.uri().path();
    let dashboard_sign_in = request.method() == Method::POST && path == "/v1/admin/session";
    let bearer = bearer(&request)
        .filter(|_| {
            SECRET_KEY_PATHS
                .iter()
                .any(|prefix| path.starts_with(prefix))
        })
        .map(str::to_owned);
    if bearer.is_none() && !dashboard_sign_in {
        return next(request).await;
    }
    let ip = client_ip(&request);
    if let Err(wait) = state.abuse.admit_secret_key(ip) {
        tracing::warn!(client = %ip, "secret-key attempt refused: too many wrong keys");
        return too_many(wait);
    }
    let bearer_valid = bearer
        .as_deref()
        .map(|key| secrets_equal(key, &state.secret_key));
    if bearer_valid == Some(true)
        && let Some(key) = bearer.as_deref()
        && let Err(wait) = state.abuse.secret_key_request(key)
    {
        tracing::warn!(client = %ip, "secret-key request refused: over the per-key rate");
        return too_many(wait);
    }
    let response = next(request).await;
    if bearer_valid == Some(true) || (dashboard_sign_in && response.status().is_success()) {
        state.abuse.secret_key_proven(ip);
    }
    let failed = bearer_valid == Some(false)
        || (dashboard_sign_in && response.status() == StatusCode::UNAUTHORIZED);
    if failed {
        tracing::warn!(client = %ip, "wrong secret key");
        if let Some(wait) = state.abuse.secret_key_failed(ip) {
            return too_many(wait);
        }
    }
    response
}

/// The session a `POST /v1/client/sessions/{id}/tokens` mints for.
fn minting_session(request: &Request) -> Option<&str> {
    if request.method() != Method::POST {
        return None;
    }
    let id = request
        .uri()
        .path()
        .strip_prefix("/v1/client/sessions/")?
        .strip_suffix("/tokens")?;
    (!id.is_empty() && id.len() <= 128 && !id.contains('/')).then_some(id)
}

/// Run for every request by [`crate::envelope`] before `next` (the router): session tokens
/// minted per session (by path, so that it holds for the minting route wherever the router
/// defines it), then [`secret_key_attempts`].
pub async fn abuse_limits<F, Fut>(state: &AppState, request: Request, next: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    if let Some(session_id) = minting_session(&request)
        && let Err(wait) = state.abuse.token_minted(session_id)
    {
        tracing::warn!("session token refused: over the per-session rate");
        return too_many(wait);
    }
    secret_key_attempts(state, request, next).await
}

/// Route layer of `GET /v1/oauth/{provider}/start`: each start writes a flow row, so starts
/// are limited per address and pending flows are capped. A browser navigation is sent to the
/// portal page that explains `rate_limited` (the start never shows a raw error page); any
/// other client gets the 429.
pub async fn oauth_starts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let ip = client_ip(&request);
    match state.abuse.admit_oauth_start(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(client = %ip, "OAuth start refused: too many from this address");
            let navigation = request
                .headers()
                .get("sec-fetch-mode")
                .is_some_and(|v| v == "navigate");
            if !navigation {
                return too_many(wait);
            }
            let page = crate::guard::error_page_for_start(&request);
            let url = state.settings.url(&format!("{page}?error=rate_limited"));
            let mut response = Redirect::to(&url).into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(wait.0)),
            );
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> Rate {
        parse_rate(s).unwrap()
    }

    fn limits() -> AbuseLimits {
        AbuseLimits::new(LimitSettings {
            secret_key_failures: rate("3/1h"),
            secret_key_failures_total: rate("5/1h"),
            oauth_starts: rate("4/1h"),
            pending_flows_per_address: NonZeroU32::new(2).unwrap(),
            pending_flows_total: NonZeroU32::new(3).unwrap(),
            secret_key_requests: rate("2/1h"),
            token_minting: rate("2/1h"),
        })
    }

    #[test]
    fn rates_parse() {
        assert_eq!(rate("10/1m").count.get(), 10);
        assert_eq!(rate(" 600 / 10s ").period, Duration::from_secs(10));
        assert!(parse_rate("0/1m").is_err());
        assert!(parse_rate("10").is_err());
        assert!(parse_rate("10/0s").is_err());
        assert!(parse_rate("x/1m").is_err());
    }

    #[test]
    fn an_address_that_spent_its_failures_is_refused_before_comparing() {
        let limits = limits();
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        let b: IpAddr = "198.51.100.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.admit_secret_key(a).is_ok());
            assert_eq!(limits.secret_key_failed(a), None);
        }
        // The fourth failure spends more than the allowance: blocked from now on.
        assert!(limits.secret_key_failed(a).is_some());
        let RetryAfter(wait) = limits.admit_secret_key(a).unwrap_err();
        assert!(wait > Duration::from_secs(60), "{wait:?}");
        assert!(limits.admit_secret_key(b).is_ok());
        // Everyone's allowance (5) is spent by b's second failure: all are refused.
        assert_eq!(limits.secret_key_failed(b), None);
        assert!(limits.secret_key_failed(b).is_some());
        assert!(limits.admit_secret_key(b).is_err());
        assert!(
            limits
                .admit_secret_key("203.0.113.3".parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn the_total_cap_spares_an_address_that_proved_the_key() {
        let limits = limits();
        let backend: IpAddr = "192.0.2.10".parse().unwrap();
        limits.secret_key_proven(backend);
        // Five failures spend everyone's allowance (5); the sixth blocks everyone else.
        for i in 1..=6 {
            let guesser: IpAddr = format!("198.51.100.{i}").parse().unwrap();
            limits.secret_key_failed(guesser);
        }
        assert!(
            limits
                .admit_secret_key("203.0.113.3".parse().unwrap())
                .is_err()
        );
        assert!(limits.admit_secret_key(backend).is_ok());
        // Its own allowance still holds.
        for _ in 0..4 {
            limits.secret_key_failed(backend);
        }
        assert!(limits.admit_secret_key(backend).is_err());
    }

    #[test]
    fn pending_flows_are_capped_per_address_and_in_total() {
        let limits = limits();
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        let b: IpAddr = "198.51.100.2".parse().unwrap();
        assert!(limits.admit_oauth_start(a).is_ok());
        assert!(limits.admit_oauth_start(a).is_ok());
        assert!(limits.admit_oauth_start(a).is_err(), "per address");
        assert!(limits.admit_oauth_start(b).is_ok());
        assert!(limits.admit_oauth_start(b).is_err(), "in total");
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(6)), 6);
        let response = too_many(RetryAfter(Duration::from_millis(2500)));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }
}
