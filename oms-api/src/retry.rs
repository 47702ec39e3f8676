//! When a failed request is sent again, and how long to wait before.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How the client retries a request that failed in a way that may pass:
///
/// * a connection that could not be made, and `429 Too Many Requests`
///   (the request was not processed), for every operation;
/// * `502`, `503` and `504` from the gateway, for every operation but
///   CreateSyncTask, which could have created a task before the gateway
///   gave up (a retry would create a second one).
///
/// Timeouts are not retried: the request may be running. The wait doubles
/// from [`initial_backoff`](Self::initial_backoff) up to
/// [`max_backoff`](Self::max_backoff), with up to a quarter of random
/// jitter; a `Retry-After` of seconds is honoured up to `max_backoff`.
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

/// Operations that a gateway error may have carried out: not retried on
/// 502, 503 or 504.
const NOT_IDEMPOTENT: &[&str] = &["create_sync_task"];

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

    /// Whether the outcome of attempt `attempt` (from 1) of `operation`
    /// calls for another.
    pub(crate) fn should_retry(
        &self,
        attempt: u32,
        operation: &str,
        outcome: &reqwest::Result<reqwest::Response>,
    ) -> bool {
        if attempt >= self.max_attempts {
            return false;
        }
        match outcome {
            Err(error) => error.is_connect(),
            Ok(response) => match response.status() {
                StatusCode::TOO_MANY_REQUESTS => true,
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT => !NOT_IDEMPOTENT.contains(&operation),
                _ => false,
            },
        }
    }

    /// The wait after attempt `attempt` (from 1) failed, given the
    /// response's headers if there was one.
    pub(crate) fn backoff(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        let retry_after = headers
            .and_then(|h| h.get(RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if let Some(wait) = retry_after {
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
        (doubled + Duration::from_micros(jitter)).min(self.max_backoff)
    }
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
    fn at_least_one_attempt() {
        assert_eq!(RetryConfig::new().max_attempts(0).attempts(), 1);
    }
}
