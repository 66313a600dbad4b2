//! The virtual clock: real time plus an offset that tests move forward to expire codes and tokens.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
pub(crate) struct VirtualClock {
    offset: Mutex<Duration>,
}

impl VirtualClock {
    pub(crate) fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }

    pub(crate) fn offset(&self) -> Duration {
        *self
            .offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *offset = offset.saturating_add(by);
    }
}

/// True when `now` is at or past `start + lifetime`.
pub(crate) fn has_elapsed(start: SystemTime, lifetime: Duration, now: SystemTime) -> bool {
    now.duration_since(start).is_ok_and(|age| age >= lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_at_least_the_step() {
        let clock = VirtualClock::default();
        let before = clock.now();
        clock.advance(Duration::from_secs(3600));
        let moved = clock.now().duration_since(before).unwrap();
        assert!(moved >= Duration::from_secs(3600));
        assert_eq!(clock.offset(), Duration::from_secs(3600));
    }

    #[test]
    fn elapsed_is_inclusive_of_the_boundary() {
        let start = SystemTime::UNIX_EPOCH;
        let ten = Duration::from_secs(10);
        assert!(!has_elapsed(start, ten, start + Duration::from_secs(9)));
        assert!(has_elapsed(start, ten, start + ten));
        // A time before the start (clock skew) never counts as elapsed.
        assert!(!has_elapsed(start + ten, ten, start));
    }
}
