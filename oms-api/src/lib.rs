#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod client;
mod credentials;
mod dispatch;
mod error;
mod generated;
#[cfg(feature = "local-server")]
pub mod local;
#[cfg(feature = "mock")]
pub mod mock;
mod open_enum;
pub mod operation;
mod pagination;
pub mod provider;
mod region;
mod retry;
mod secret;
pub mod signer;

pub(crate) use client::ClientState;
pub use client::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY,
    DEFAULT_OPERATION_TIMEOUT, USER_AGENT,
};
pub use credentials::{
    AUTH_TOKEN_HEADER, Credentials, IamToken, PROJECT_ID_HEADER, SECURITY_TOKEN_HEADER,
    SecurityToken,
};
pub use dispatch::ERROR_BODY_LIMIT;
pub use error::{
    ClockSkew, ConfigError, Error, REQUEST_ID_HEADER, ServiceError, SigningError, TimeoutError,
    TimeoutKind, ValidationError,
};
pub use generated::{Client, builder, types};
pub use open_enum::OpenEnum;
pub use progenitor_client::ResponseValue;
pub use region::{Endpoint, Region};
pub use retry::RetryConfig;
pub use secret::{REDACTED, Secret, SecretLengthError};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
