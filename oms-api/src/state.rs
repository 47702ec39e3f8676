//! What the generated client carries for the dispatcher: how to
//! authenticate, where the base URL's path starts, and the limits every
//! request runs within. [`ClientBuilder`](crate::ClientBuilder) fills it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::SigningClock;
use crate::credentials::provider::CredentialSource;
use crate::error::Peer;
use crate::flow::Flow;
use crate::intercept::Interceptors;
use crate::project::ProjectSource;
use crate::retry::RetryConfig;

#[derive(Clone)]
pub(crate) struct ClientState {
    pub(crate) credentials: CredentialSource,
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
    /// OMS at the base URL's host, named in errors.
    pub(crate) peer: Peer,
    /// The project id of operations that leave it out.
    pub(crate) project: ProjectSource,
    /// Flow control and the retry budget, shared by the client's clones.
    pub(crate) flow: Arc<Flow>,
    /// The user's hooks into every attempt.
    pub(crate) interceptors: Interceptors,
    /// The time requests are signed with.
    pub(crate) clock: Arc<SigningClock>,
    /// Where the settings came from, for `Client::describe`.
    pub(crate) origins: Arc<Origins>,
}

/// Where a client's credentials, project id and endpoint came from, in
/// words, without any value.
#[derive(Debug)]
pub(crate) struct Origins {
    pub(crate) credentials: String,
    pub(crate) project: String,
    pub(crate) endpoint: String,
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
            .field("project", &self.project)
            .field("flow", &self.flow)
            .field("interceptors", &self.interceptors.len())
            .field("clock_offset_ms", &self.clock.offset_ms())
            .finish_non_exhaustive()
    }
}
