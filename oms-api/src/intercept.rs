//! Interceptors: a user's hooks into every attempt of every call — to add
//! headers (which are then signed), and to see each outcome, for metrics
//! or an audit log.
//!
//! Order: before an attempt, the interceptors run in the order they were
//! added, each seeing the headers the ones before it added; after it, in
//! the reverse order. They may add headers, nothing else: not change the
//! method, the URL or the body, nor set a header the client owns (see
//! [`BeforeAttempt::insert_header`]); they never see a credential (the
//! request is signed after them) or a body (it may hold secret keys).
//!
//! A hook that returns an error, or panics, before an attempt ends the call
//! with [`Error::Interceptor`]: nothing is sent.
//! One that panics after an attempt is logged (`tracing`, at `error`) and
//! the call's outcome stands: a read-only hook cannot change what happened.
//! Either way the client, and its other calls, are unaffected.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, InterceptorError};

/// The headers the client sets itself, which an interceptor may not.
const RESERVED: &[&str] = &[
    "authorization",
    "host",
    "x-sdk-date",
    "x-auth-token",
    "x-security-token",
    "x-project-id",
    "content-type",
    "content-length",
    "user-agent",
];

/// A hook into every attempt of every call of a client (see the
/// [`intercept`](self) module's documentation); add one with
/// [`ClientBuilder::interceptor`](crate::ClientBuilder::interceptor).
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use oms_api::intercept::{AfterAttempt, BeforeAttempt, Interceptor};
///
/// /// Tags every request, and counts the answers by status.
/// #[derive(Debug, Default)]
/// struct Audit {
///     failures: AtomicU64,
/// }
///
/// impl Interceptor for Audit {
///     fn before_attempt(&self, request: &mut BeforeAttempt<'_>) -> Result<(), String> {
///         request
///             .insert_header("x-migration-run", "nightly-2026-12-03")
///             .map_err(|e| e.to_string())
///     }
///
///     fn after_attempt(&self, attempt: &AfterAttempt<'_>) {
///         if attempt.status().is_none_or(|s| !s.is_success()) {
///             self.failures.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// ```
pub trait Interceptor: fmt::Debug + Send + Sync + 'static {
    /// Called before each attempt is signed and sent: it may add headers.
    /// An error ends the call, with nothing sent.
    fn before_attempt(&self, request: &mut BeforeAttempt<'_>) -> Result<(), String> {
        let _ = request;
        Ok(())
    }

    /// Called after each attempt, with its outcome.
    fn after_attempt(&self, attempt: &AfterAttempt<'_>) {
        let _ = attempt;
    }
}

/// An attempt about to be signed and sent.
pub struct BeforeAttempt<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) request: &'a mut reqwest::Request,
}

impl BeforeAttempt<'_> {
    /// The operation, as the spec names it (`StartSyncTask`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The attempt, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP method.
    pub fn method(&self) -> &reqwest::Method {
        self.request.method()
    }

    /// The URL's path (and query), as it will be sent.
    pub fn path(&self) -> &str {
        self.request.url().path()
    }

    /// The headers so far (the client adds its own, and the signature,
    /// after the interceptors).
    pub fn headers(&self) -> &HeaderMap {
        self.request.headers()
    }

    /// Adds a header, which is then signed with the others. A header the
    /// client sets itself (`Authorization`, `Host`, `X-Sdk-Date`,
    /// `X-Auth-Token`, `X-Security-Token`, `X-Project-Id`, `Content-Type`,
    /// `Content-Length`, `User-Agent`) is refused, as is a name or value
    /// that is not a valid header.
    pub fn insert_header(
        &mut self,
        name: impl TryInto<HeaderName>,
        value: impl TryInto<HeaderValue>,
    ) -> Result<(), HeaderRefused> {
        let name = name.try_into().map_err(|_| HeaderRefused::Invalid)?;
        if RESERVED.contains(&name.as_str()) {
            return Err(HeaderRefused::Reserved(name));
        }
        let value = value.try_into().map_err(|_| HeaderRefused::Invalid)?;
        self.request.headers_mut().insert(name, value);
        Ok(())
    }
}

/// Why [`BeforeAttempt::insert_header`] refused a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderRefused {
    /// The client sets this header itself.
    #[error("the client sets the header {0} itself")]
    Reserved(HeaderName),
    /// The name or the value is not a valid header.
    #[error("not a valid header name or value")]
    Invalid,
}

/// An attempt that ended.
pub struct AfterAttempt<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) status: Option<StatusCode>,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) error: Option<&'a Error>,
    pub(crate) elapsed: Duration,
}

impl AfterAttempt<'_> {
    /// The operation, as the spec names it.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The attempt, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The answer's status, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The answer's request id, when it had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id
    }

    /// The attempt's error, when it failed.
    pub fn error(&self) -> Option<&Error> {
        self.error
    }

    /// How long the attempt took, from sending to the end of the answer.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// The client's interceptors, in the order they were added, with their
/// type names (for errors: a type name holds no value).
pub(crate) type Interceptors = std::sync::Arc<[(&'static str, std::sync::Arc<dyn Interceptor>)]>;

/// Runs every interceptor before an attempt; the first error or panic ends
/// the call.
pub(crate) fn before(
    interceptors: &Interceptors,
    mut request: BeforeAttempt<'_>,
) -> Result<(), Error> {
    for (name, interceptor) in interceptors.iter() {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            interceptor.before_attempt(&mut request)
        }));
        let problem = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(refusal)) => format!(
                "refused the call: {}",
                crate::error::printable(&refusal, 256)
            ),
            Err(panic) => format!("panicked: {}", panic_message(&*panic)),
        };
        return Err(InterceptorError::new(name, problem).into());
    }
    Ok(())
}

/// Runs every interceptor after an attempt, in the reverse order; a panic
/// is logged and changes nothing.
pub(crate) fn after(interceptors: &Interceptors, attempt: &AfterAttempt<'_>) {
    for (name, interceptor) in interceptors.iter().rev() {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| interceptor.after_attempt(attempt))) {
            tracing::error!(
                interceptor = *name,
                panic = panic_message(&*panic),
                "an interceptor panicked after an attempt; the call's outcome stands"
            );
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    crate::error::printable(&text, 256)
}
