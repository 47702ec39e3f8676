#![doc = include_str!("../../README.md")]
#![warn(missing_docs)]

mod client;
mod credentials;
mod error;
mod generated;
#[cfg(feature = "local-server")]
pub mod local;
#[cfg(feature = "mock")]
pub mod mock;
mod open_enum;
mod pagination;
pub mod provider;
mod region;
mod retry;
pub mod rules;
mod secret;
pub mod signer;

pub use client::{
    ClientBuilder, ClientState, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, USER_AGENT,
};
pub use credentials::{
    AUTH_TOKEN_HEADER, Credentials, IamToken, PROJECT_ID_HEADER, SECURITY_TOKEN_HEADER,
    SecurityToken,
};
pub use error::{Error, REQUEST_ID_HEADER, ServiceError, ValidationError};
pub use generated::{Client, builder, types};
pub use open_enum::OpenEnum;
pub use progenitor_client::{ClientInfo, ResponseValue};
pub use region::{Endpoint, Region};
pub use retry::RetryConfig;
pub use secret::{REDACTED, Secret, SecretLengthError};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
