//! Tokens already verified. A browser reuses one token for most of its 60 seconds, so the
//! same string comes back many times: a hit costs a map lookup and the time and `azp` checks
//! instead of a signature check. Only tokens that passed every check get in, keyed by the
//! whole compact JWS (signature included), so nothing forged can ever be found here.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::verify::SignedInUser;

/// More than the live tokens of a busy app (each browser holds one per minute); past it,
/// expired entries go, and if that is not enough, everything.
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub user: SignedInUser,
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Default)]
pub(crate) struct VerifiedTokens {
    by_token: RwLock<HashMap<String, Verified>>,
}

impl VerifiedTokens {
    pub fn get(&self, token: &str) -> Option<Verified> {
        let map = self.by_token.read().unwrap_or_else(|p| p.into_inner());
        map.get(token).cloned()
    }

    /// Remembers a verified token; `now` and `leeway` decide which entries are dead weight.
    pub fn insert(&self, token: &str, verified: Verified, now: i64, leeway: i64) {
        let mut map = self.by_token.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= CAPACITY {
            map.retain(|_, v| v.exp + leeway >= now);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(token.to_owned(), verified);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_token.read().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(exp: i64) -> Verified {
        Verified {
            user: SignedInUser {
                user_id: "u".into(),
                session_id: "s".into(),
                site_id: None,
                authorized_party: "https://app.test".into(),
            },
            nbf: 0,
            exp,
        }
    }

    #[test]
    fn the_cache_stays_bounded_and_drops_expired_entries_first() {
        let cache = VerifiedTokens::default();
        for i in 0..CAPACITY {
            // Half of them long expired at `now` = 1000.
            let exp = if i % 2 == 0 { 10 } else { 2000 };
            cache.insert(&format!("t{i}"), entry(exp), 0, 5);
        }
        assert_eq!(cache.len(), CAPACITY);
        cache.insert("fresh", entry(2000), 1000, 5);
        assert_eq!(cache.len(), CAPACITY / 2 + 1);
        assert!(cache.get("t1").is_some());
        assert!(cache.get("t0").is_none());
    }
}
