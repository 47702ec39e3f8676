//! Settings of one call that override the client's: its timeouts, its
//! retries, and whether it goes through its operation's flow control.

use std::time::Duration;

use crate::flow::FlowControl;
use crate::retry::RetryConfig;

/// What one call does differently from its client, set with an operation
/// builder's `call_settings`; what is not set is the client's.
///
/// ```no_run
/// use std::time::Duration;
/// use oms_api::{CallSettings, RetryConfig};
///
/// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
/// // One slow listing gets more time, and no retries; the next call does
/// // not.
/// let page = client
///     .list_tasks()
///     .call_settings(
///         CallSettings::new()
///             .attempt_timeout(Duration::from_secs(300))
///             .operation_timeout(Some(Duration::from_secs(600)))
///             .retry(RetryConfig::disabled()),
///     )
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[must_use]
pub struct CallSettings {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Option<Duration>>,
    pub(crate) retry: Option<RetryConfig>,
    pub(crate) flow_control: Option<bool>,
}

impl CallSettings {
    /// Nothing changed: the client's settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time allowed for each attempt of this call (see
    /// [`ClientBuilder::attempt_timeout`](crate::ClientBuilder::attempt_timeout)).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The time allowed for this call in all, `None` for no limit (see
    /// [`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    pub fn operation_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// How this call retries (see
    /// [`ClientBuilder::retry`](crate::ClientBuilder::retry)); it still
    /// spends from the client's retry budget.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Whether this call goes through its operation's flow control (see
    /// [`ClientBuilder::flow_control`](crate::ClientBuilder::flow_control)):
    /// `FlowControl::disabled()` sends it at once, whatever the lane's
    /// pace. The lane itself, shared by the client's calls, keeps the
    /// client's settings.
    pub fn flow_control(mut self, flow_control: FlowControl) -> Self {
        self.flow_control = Some(flow_control.is_enabled());
        self
    }
}
