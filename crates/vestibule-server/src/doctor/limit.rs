//! How often the doctor may knock on Atlassian's door: a few checks per minute per
//! connection (or per Client ID, for unsaved values) and a ceiling for the whole instance,
//! so that the check cannot be used to hammer Atlassian or to try Client IDs in bulk.
//!
//! A sliding window of start times per key; small and in memory, and meant to give way to
//! the server's shared rate limiter once one exists.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Checks allowed per key within [`WINDOW`].
pub const PER_KEY: usize = 6;
/// Checks allowed for the whole instance within [`WINDOW`].
pub const GLOBAL: usize = 30;
pub const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct CheckLimiter {
    per_key: usize,
    global: usize,
    window: Duration,
    starts: Mutex<Starts>,
}

#[derive(Debug, Default)]
struct Starts {
    by_key: HashMap<String, VecDeque<Instant>>,
    all: VecDeque<Instant>,
}

impl Default for CheckLimiter {
    fn default() -> Self {
        Self::new(PER_KEY, GLOBAL, WINDOW)
    }
}

impl CheckLimiter {
    pub fn new(per_key: usize, global: usize, window: Duration) -> Self {
        Self {
            per_key,
            global,
            window,
            starts: Mutex::default(),
        }
    }

    /// Counts one check for `key`, or says how long to wait (whole seconds, at least 1).
    pub fn try_start(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut guard = self.starts.lock().unwrap_or_else(|p| p.into_inner());
        // One reborrow, so that the two fields can be borrowed apart.
        let starts = &mut *guard;
        let window = self.window;
        let expire = |queue: &mut VecDeque<Instant>| {
            while queue
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                queue.pop_front();
            }
        };
        expire(&mut starts.all);
        starts.by_key.retain(|_, queue| {
            expire(queue);
            !queue.is_empty()
        });
        let wait = |queue: &VecDeque<Instant>| {
            let oldest = queue.front().copied().unwrap_or(now);
            (window.saturating_sub(now.duration_since(oldest)).as_secs()).max(1)
        };
        if starts.all.len() >= self.global {
            return Err(wait(&starts.all));
        }
        let queue = starts.by_key.entry(key.to_owned()).or_default();
        if queue.len() >= self.per_key {
            return Err(wait(queue));
        }
        queue.push_back(now);
        starts.all.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_key_and_the_whole_instance() {
        let limiter = CheckLimiter::new(2, 3, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.try_start("a", t0).is_ok());
        assert!(limiter.try_start("a", t0).is_ok());
        assert_eq!(limiter.try_start("a", t0), Err(60));
        assert!(limiter.try_start("b", t0).is_ok());
        // The instance's ceiling holds for a key never seen before.
        assert_eq!(limiter.try_start("c", t0), Err(60));
        let later = t0 + Duration::from_secs(45);
        assert_eq!(limiter.try_start("a", later), Err(15));
        let after = t0 + Duration::from_secs(60);
        assert!(limiter.try_start("a", after).is_ok());
        assert!(limiter.try_start("c", after).is_ok());
    }
}
