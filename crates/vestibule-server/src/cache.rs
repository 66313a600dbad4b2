//! A small in-process cache with a time-to-live, which answers the hot reads (the session
//! check, the user on `GET /v1/client`) without the database on most requests.
//!
//! Entries live a few seconds; every change this process makes removes the entry at once, and
//! on PostgreSQL is announced to the other processes ([`crate::peers`]), which remove theirs. A read that began
//! before a removal cannot put the old value back: it caches only when no removal happened
//! since it started ([`TtlCache::generation`] then [`TtlCache::put_if_unchanged`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use crate::peers::{Change, Peers};

/// How long an entry is trusted before it is read again.
pub const TTL: Duration = Duration::from_secs(5);
/// Past this many entries the cache starts over, so that a flood of keys cannot grow it.
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
pub struct TtlCache<V> {
    entries: RwLock<HashMap<String, (Arc<V>, Instant)>>,
    /// Bumped by every removal.
    removals: AtomicU64,
    ttl: Duration,
    max_entries: usize,
    /// Where removals that end something are announced (set once, at start).
    peers: OnceLock<Peers>,
}

impl<V> Default for TtlCache<V> {
    fn default() -> Self {
        Self::new(TTL, MAX_ENTRIES)
    }
}

impl<V> TtlCache<V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            entries: RwLock::default(),
            removals: AtomicU64::new(0),
            ttl,
            max_entries,
            peers: OnceLock::new(),
        }
    }

    /// The value under `key`, unless it is older than the TTL.
    pub fn get(&self, key: &str) -> Option<Arc<V>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// Read before loading a value from the database; hand it to [`Self::put_if_unchanged`].
    pub fn generation(&self) -> u64 {
        self.removals.load(Ordering::SeqCst)
    }

    /// Caches `value` unless something was removed since `generation` was read.
    pub fn put_if_unchanged(&self, key: &str, value: Arc<V>, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if self.generation() != generation {
            return;
        }
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key.to_owned(), (value, Instant::now()));
    }

    pub fn forget(&self, key: &str) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.removals.fetch_add(1, Ordering::SeqCst);
        entries.remove(key);
    }

    /// Announces this cache's removals to `peers` from now on.
    pub fn announce_to(&self, peers: Peers) {
        let _ = self.peers.set(peers);
    }

    /// Tells the other processes to remove what `change` names.
    pub fn announce(&self, change: Change) {
        if let Some(peers) = self.peers.get() {
            peers.publish(change);
        }
    }

    /// Drops every entry (what was announced meanwhile may have been missed).
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.removals.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Keeps only the entries for which `keep` holds.
    pub fn forget_where(&self, keep: impl Fn(&V) -> bool) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.removals.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, (value, _)| keep(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(30), 10);
        cache.put_if_unchanged("a", Arc::new(1), cache.generation());
        assert_eq!(cache.get("a").as_deref(), Some(&1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_read_that_began_before_a_removal_is_not_cached() {
        let cache = TtlCache::default();
        let before = cache.generation();
        cache.forget("user_1");
        cache.put_if_unchanged("user_1", Arc::new("stale"), before);
        assert_eq!(cache.get("user_1"), None);
        cache.put_if_unchanged("user_1", Arc::new("fresh"), cache.generation());
        assert_eq!(cache.get("user_1").as_deref(), Some(&"fresh"));
    }

    #[test]
    fn forget_where_keeps_the_rest_and_a_full_cache_starts_over() {
        let cache = TtlCache::new(TTL, 2);
        cache.put_if_unchanged("a", Arc::new(1), cache.generation());
        cache.put_if_unchanged("b", Arc::new(2), cache.generation());
        cache.forget_where(|v| *v != 1);
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.get("b").as_deref(), Some(&2));
        cache.put_if_unchanged("c", Arc::new(3), cache.generation());
        cache.put_if_unchanged("d", Arc::new(4), cache.generation());
        assert_eq!(cache.get("b"), None, "the cache started over when full");
        assert_eq!(cache.get("d").as_deref(), Some(&4));
    }
}
