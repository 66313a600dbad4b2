//! The server's notion of "now", in Unix seconds, which tests can move forward to expire
//! flows and sessions without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        real + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves this server's time forward (tests only; nothing in the CLI reaches it).
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.as_secs() as i64, Ordering::Relaxed);
    }
}
