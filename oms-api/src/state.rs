//! What the generated client carries for the dispatcher: how to
//! authenticate, where the base URL's path starts, and the limits every
//! request runs within. [`ClientBuilder`](crate::ClientBuilder) fills it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::Error;
use crate::retry::RetryConfig;

/// How a request is authenticated, last, just before it is sent.
pub(crate) trait Authenticate: fmt::Debug + Send + Sync {
    /// Adds what authenticates `request` (a token, or a signature at `now`).
    fn authenticate(&self, request: &mut reqwest::Request, now: SystemTime) -> Result<(), Error>;

    /// Whether requests are signed (an access key) rather than carrying a
    /// token.
    fn signs(&self) -> bool;
}

#[derive(Clone)]
pub(crate) struct ClientState {
    pub(crate) credentials: Arc<dyn Authenticate>,
    pub(crate) retry: RetryConfig,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) max_response_body: u64,
    /// The id of the region the client was built for, if any.
    pub(crate) region: Option<&'static str>,
    /// The base URL, parsed once.
    pub(crate) base_url: url::Url,
    /// The base URL's path (`/` or a proxy's stem such as `/oms`).
    pub(crate) base_path: String,
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_body", &self.max_response_body)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}
