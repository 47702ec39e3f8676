#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod clock;
pub mod credentials;
mod date;
mod deadline;
mod dispatch;
pub mod endpoint;
mod error;
mod feed;
mod files;
pub mod flow;
mod generated;
mod http;
pub mod intercept;
mod length;
#[cfg(feature = "local-server")]
pub mod local;
mod lookup;
#[cfg(feature = "mock")]
pub mod mock;
mod open_enum;
pub mod operation;
mod pagination;
mod pattern;
mod project;
mod regions_file;
mod retry;
mod secret;
mod settings;
pub mod signer;
mod state;
mod wait;
mod watch;

pub use client::ClientDescription;
pub use client::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY,
    DEFAULT_OPERATION_TIMEOUT,
};
pub use clock::MAX_CLOCK_CORRECTION;
pub use credentials::{
    AUTH_TOKEN_HEADER, Credentials, IamToken, PROJECT_ID_HEADER, SECURITY_TOKEN_HEADER,
    SecurityToken,
};
pub use dispatch::ERROR_BODY_LIMIT;
pub use endpoint::{Endpoint, Region};
pub use error::{
    ClockSkew, ConfigError, Error, InterceptorError, Peer, REQUEST_ID_HEADER, Service,
    ServiceError, SigningError, TimeoutError, TimeoutKind, TransportError, ValidationError,
    WaitError,
};
pub use feed::{FeedReport, FeedSyncEvents, Undelivered};
pub use flow::{FlowControl, RetryBudget};
pub use generated::codes::{TaskGroupStatus, TaskStatus};
pub use generated::{Client, builder, operations, types};
pub use http::USER_AGENT;
pub use lookup::LOOKUP_FAILURE_MEMORY;
pub use open_enum::{Listed, OpenEnum};
pub use progenitor_client::ResponseValue;
pub use project::IAM_ENDPOINT_VAR;
pub use retry::RetryConfig;
pub use secret::{REDACTED, Secret, SecretLengthError};
pub use settings::CallSettings;
pub(crate) use state::ClientState;
pub use wait::{FailureReason, Wait, WaitForTask, WaitForTaskGroup};
pub use watch::{WaitForTaskGroups, WaitForTasks};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
