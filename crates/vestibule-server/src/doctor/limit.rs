//! How often the doctor may knock on Atlassian's door: a few checks per minute per
//! connection (or per Client ID, for unsaved values) and a ceiling for the whole instance,
//! so that the check cannot be used to hammer Atlassian or to try Client IDs in bulk.
//!
//! Counted by the server's shared mechanism ([`crate::rate_limit`], `governor`'s GCRA): `N`
//! checks at once, then one more every `period / N`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, RateLimiter};

use crate::rate_limit::{Rate, retry_after_secs, wait_of};

/// Checks allowed per key within [`WINDOW`].
pub const PER_KEY: u32 = 6;
/// Checks allowed for the whole instance within [`WINDOW`].
pub const GLOBAL: u32 = 30;
pub const WINDOW: Duration = Duration::from_secs(60);

pub struct CheckLimiter {
    per_key: DefaultKeyedRateLimiter<String>,
    global: DefaultDirectRateLimiter,
}

impl std::fmt::Debug for CheckLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckLimiter")
            .field("keys", &self.per_key.len())
            .finish_non_exhaustive()
    }
}

impl Default for CheckLimiter {
    fn default() -> Self {
        let rate = |count| Rate {
            count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
            period: WINDOW,
        };
        Self::new(rate(PER_KEY), rate(GLOBAL))
    }
}

impl CheckLimiter {
    pub fn new(per_key: Rate, global: Rate) -> Self {
        Self {
            per_key: RateLimiter::keyed(per_key.quota()),
            global: RateLimiter::direct(global.quota()),
        }
    }

    /// Counts one check for `key`, or says how long to wait (whole seconds, at least 1). The
    /// key's allowance is asked first, so that one busy key cannot spend the instance's.
    pub fn try_start(&self, key: &str) -> Result<(), u64> {
        if self.per_key.len() > 10_000 {
            self.per_key.retain_recent();
        }
        let refused = |wait| retry_after_secs(wait_of(&wait)).max(1);
        self.per_key.check_key(&key.to_owned()).map_err(refused)?;
        self.global.check().map_err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> Rate {
        crate::rate_limit::parse_rate(s).unwrap()
    }

    #[test]
    fn limits_each_key_and_the_whole_instance() {
        let limiter = CheckLimiter::new(rate("2/1h"), rate("3/1h"));
        assert!(limiter.try_start("a").is_ok());
        assert!(limiter.try_start("a").is_ok());
        // The third of "a" waits for one of its two checks an hour to come back.
        let wait = limiter.try_start("a").unwrap_err();
        assert!((1700..=1800).contains(&wait), "{wait}");
        assert!(limiter.try_start("b").is_ok());
        // The instance's ceiling (3) holds for a key never seen before.
        let wait = limiter.try_start("c").unwrap_err();
        assert!((1100..=1200).contains(&wait), "{wait}");
    }

    #[test]
    fn the_defaults_allow_a_few_checks_a_minute() {
        let limiter = CheckLimiter::default();
        for _ in 0..PER_KEY {
            assert!(limiter.try_start("connection:con_1").is_ok());
        }
        let wait = limiter.try_start("connection:con_1").unwrap_err();
        assert!((1..=WINDOW.as_secs()).contains(&wait), "{wait}");
        assert!(limiter.try_start("connection:con_2").is_ok());
    }
}
