//! The time requests are signed with: the system's, corrected by the
//! offset the API gateway's clock showed when it refused a signature for
//! its time. A VM whose clock drifted signs right again after one refusal.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use crate::error::ClockSkew;

/// The largest correction believed: a clock wrong by more than this (15
/// hours, more than any time zone set by mistake) is not corrected, and the
/// refusal is returned as it is — so that no answer can move the signing
/// clock arbitrarily far.
pub const MAX_CLOCK_CORRECTION: Duration = Duration::from_secs(15 * 3600);

/// The signing clock of a client, shared by its clones.
#[derive(Debug, Default)]
pub(crate) struct SigningClock {
    /// Milliseconds added to the system's time.
    offset_ms: AtomicI64,
}

impl SigningClock {
    /// The time to sign with now.
    pub(crate) fn now(&self) -> SystemTime {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let now = SystemTime::now();
        let by = Duration::from_millis(offset.unsigned_abs());
        if offset >= 0 {
            now.checked_add(by).unwrap_or(now)
        } else {
            now.checked_sub(by).unwrap_or(now)
        }
    }

    /// Sets the offset to `skew` (how far the local clock is from the
    /// server's), unless it is unknown or beyond [`MAX_CLOCK_CORRECTION`];
    /// the offset set.
    pub(crate) fn correct(&self, skew: ClockSkew) -> Option<Duration> {
        let (by, ahead_of_us) = match skew {
            ClockSkew::Behind(by) => (by, true),
            ClockSkew::Ahead(by) => (by, false),
            _ => return None,
        };
        if by > MAX_CLOCK_CORRECTION {
            return None;
        }
        let ms = i64::try_from(by.as_millis()).ok()?;
        self.offset_ms
            .store(if ahead_of_us { ms } else { -ms }, Ordering::Relaxed);
        Some(by)
    }

    /// The offset now, in milliseconds (positive: ahead of the system's).
    pub(crate) fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_are_bounded_and_follow_the_server() {
        let clock = SigningClock::default();
        assert_eq!(
            clock.correct(ClockSkew::Behind(Duration::from_secs(7200))),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(clock.offset_ms(), 7_200_000);
        let ahead = clock.now().duration_since(SystemTime::now()).unwrap();
        assert!(ahead > Duration::from_secs(7199), "{ahead:?}");
        clock.correct(ClockSkew::Ahead(Duration::from_secs(60)));
        assert_eq!(clock.offset_ms(), -60_000);
        assert_eq!(clock.correct(ClockSkew::Unknown), None);
        assert_eq!(
            clock.correct(ClockSkew::Behind(
                MAX_CLOCK_CORRECTION + Duration::from_secs(1)
            )),
            None
        );
        assert_eq!(
            clock.offset_ms(),
            -60_000,
            "an unbelievable skew changes nothing"
        );
    }
}
