//! When a failed request is sent again, and how long to wait before.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How the client retries a request that failed in a way that may pass.
///
/// What is retried depends on whether the operation may be repeated after
/// it may have reached the service (the spec's `x-oms-idempotent`, see
/// [`Operation::is_idempotent`](crate::operation::Operation::is_idempotent)):
///
/// * for every operation: a connection that could not be made, a request
///   an HTTP/2 server refused unprocessed (`REFUSED_STREAM`, or a graceful
///   `GOAWAY` that did not take it), and `429 Too Many Requests` (the
///   gateway throttled the request before the service saw it). With flow
///   control on (the default, [`FlowControl`](crate::FlowControl)) a `429`
///   is sent again in its operation's next send slot until the operation
///   deadline, counting as no attempt; with it off, or with retries
///   [`disabled`](Self::disabled), it counts like any other failure;
/// * for operations that may be repeated only: `502`, `503`, `504`, an
///   attempt that timed out, and a connection lost during the exchange.
///   CreateSyncTask, StartSyncTask and StopSyncTask are never repeated
///   after the service may have acted on them.
///
/// Every retry but a throttled request's spends from the client's
/// [`RetryBudget`](crate::RetryBudget); with it spent, the failure is
/// returned at once. The wait doubles from
/// [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), with up to a quarter of random
/// jitter; a `Retry-After` of seconds is honoured up to `max_backoff`. No
/// wait goes past the operation's deadline
/// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
///
/// ```
/// use std::time::Duration;
/// use oms_api::RetryConfig;
///
/// let patient = RetryConfig::new().max_attempts(5).initial_backoff(Duration::from_secs(1));
/// let never = RetryConfig::disabled();
/// assert_eq!(never.attempts(), 1);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    /// An HTTP status was received.
    Status(StatusCode),
    /// No connection could be made: nothing was sent.
    NotConnected,
    /// An HTTP/2 server refused the request without processing it.
    Refused,
    /// The attempt took longer than allowed.
    TimedOut,
    /// The connection failed during the exchange.
    Lost,
}

impl Outcome {
    /// Whether repeating the request is safe for an operation that may
    /// (`idempotent`) or may not be repeated after reaching the service.
    pub(crate) fn may_repeat(self, idempotent: bool) -> bool {
        match self {
            Outcome::NotConnected | Outcome::Refused => true,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS) => true,
            Outcome::Status(
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT,
            )
            | Outcome::TimedOut
            | Outcome::Lost => idempotent,
            Outcome::Status(_) => false,
        }
    }
}

impl RetryConfig {
    /// The defaults: 3 attempts in all, waits from 200 ms up to 5 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// One attempt: nothing is retried.
    pub fn disabled() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1). Default: 3.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry. Default: 200 ms.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait, also for `Retry-After`. Default: 5 s.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after attempt `attempt` (from 1) failed, given the
    /// response's headers if there was one. Never panics, whatever the
    /// settings.
    pub(crate) fn backoff(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        if let Some(wait) = headers.and_then(retry_after) {
            return wait.min(self.max_backoff);
        }
        let doubled = self
            .initial_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        // Up to a quarter more, so that clients throttled together do not
        // come back together.
        let jitter_range = u64::try_from(doubled.as_micros() / 4)
            .unwrap_or(u64::MAX)
            .max(1);
        let jitter = RandomState::new().hash_one(attempt) % jitter_range;
        doubled
            .saturating_add(Duration::from_micros(jitter))
            .min(self.max_backoff)
    }
}

/// A response's `Retry-After`, when it is a number of seconds.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum_with_bounded_jitter() {
        let config = RetryConfig::new()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_secs(1));
        for (attempt, base) in [(1, 100), (2, 200), (3, 400), (4, 800)] {
            let wait = config.backoff(attempt, None);
            let base = Duration::from_millis(base);
            assert!(
                wait >= base && wait <= base + base / 4,
                "attempt {attempt}: {wait:?}"
            );
        }
        assert_eq!(config.backoff(10, None), Duration::from_secs(1));
        assert_eq!(config.backoff(40, None), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_maximum() {
        let config = RetryConfig::new().max_backoff(Duration::from_secs(5));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(config.backoff(1, Some(&headers)), Duration::from_secs(2));
        headers.insert(RETRY_AFTER, "3600".parse().unwrap());
        assert_eq!(config.backoff(1, Some(&headers)), Duration::from_secs(5));
    }

    #[test]
    fn extreme_settings_never_panic() {
        let config = RetryConfig::new()
            .max_attempts(u32::MAX)
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        for attempt in [0, 1, 2, 17, u32::MAX] {
            assert_eq!(config.backoff(attempt, None), Duration::MAX);
        }
        let zero = RetryConfig::new()
            .initial_backoff(Duration::ZERO)
            .max_backoff(Duration::ZERO);
        assert_eq!(zero.backoff(3, None), Duration::ZERO);
    }

    #[test]
    fn gateway_errors_and_timeouts_are_repeated_only_where_safe() {
        for outcome in [
            Outcome::Status(StatusCode::SERVICE_UNAVAILABLE),
            Outcome::TimedOut,
            Outcome::Lost,
        ] {
            assert!(outcome.may_repeat(true), "{outcome:?}");
            assert!(!outcome.may_repeat(false), "{outcome:?}");
        }
        for outcome in [
            Outcome::NotConnected,
            Outcome::Refused,
            Outcome::Status(StatusCode::TOO_MANY_REQUESTS),
        ] {
            assert!(outcome.may_repeat(false), "{outcome:?}");
        }
        assert!(!Outcome::Status(StatusCode::BAD_REQUEST).may_repeat(true));
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryConfig::new().max_attempts(0).attempts(), 1);
    }
}
