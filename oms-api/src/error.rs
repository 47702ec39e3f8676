//! Every error type of this crate: [`Error`], which every operation returns,
//! and the errors it carries.
//!
//! No error ever holds a secret: validation errors name the field and the
//! rule, never the value; configuration errors name the source and the key.
//! Text that came from a server (error codes, messages, request ids) is cut
//! to a bounded length and its control characters are escaped, so that a
//! server cannot forge terminal or log lines through an error.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The response header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A service the client talks to: OMS, and the two it may ask before
/// (IAM for the project id, the ECS metadata service for temporary keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// OMS, through its API gateway.
    Oms,
    /// IAM, asked for the project id of operations that leave it out.
    Iam,
    /// The ECS metadata service, asked for temporary keys.
    Metadata,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Oms => "OMS",
            Service::Iam => "IAM",
            Service::Metadata => "the ECS metadata service",
        })
    }
}

/// The service a request went to and its host (`host` or `host:port`):
/// what an error names, so that a failure of IAM or of the metadata
/// service does not read as one of OMS. Made once per client and shared
/// by its errors.
#[derive(Clone, PartialEq, Eq)]
pub struct Peer(Arc<PeerInner>);

#[derive(PartialEq, Eq)]
struct PeerInner {
    service: Service,
    host: Box<str>,
}

impl Peer {
    /// `service` at `url`'s host and port (when not the scheme's).
    pub(crate) fn new(service: Service, url: &url::Url) -> Self {
        let host = url.host_str().unwrap_or_default();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Self(Arc::new(PeerInner {
            service,
            host: host.into(),
        }))
    }

    /// The service.
    pub fn service(&self) -> Service {
        self.0.service
    }

    /// Its host, with the port when the URL gave one.
    pub fn host(&self) -> &str {
        &self.0.host
    }
}

impl fmt::Debug for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peer")
            .field("service", &self.0.service)
            .field("host", &self.0.host)
            .finish()
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.0.service, self.0.host)
    }
}

/// An interceptor that ended a call before an attempt: its type, and what
/// it did (refused, with its words, or panicked, with the panic's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the interceptor {interceptor} {problem}; nothing was sent")]
pub struct InterceptorError {
    interceptor: String,
    problem: String,
}

impl InterceptorError {
    pub(crate) fn new(interceptor: &str, problem: String) -> Self {
        Self {
            interceptor: interceptor.to_owned(),
            problem,
        }
    }

    /// The interceptor's type.
    pub fn interceptor(&self) -> &str {
        &self.interceptor
    }
}

/// A failure of the HTTP exchange with a service: no connection, or one
/// lost. It reads as the HTTP client's error; [`peer`](Self::peer) says
/// which service and host it was talking to.
#[derive(Debug, Clone)]
pub struct TransportError {
    peer: Peer,
    error: Arc<reqwest::Error>,
}

impl TransportError {
    /// The service and host the request went to.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The HTTP client's error.
    pub fn reqwest_error(&self) -> &reqwest::Error {
        &self.error
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// Everything that can go wrong when calling OMS (and, before it, IAM or
/// the ECS metadata service: [`Error::service`] says which).
///
/// Errors are cheap to clone (what they share with the HTTP client is
/// reference-counted), so that the one failure of a lookup many calls wait
/// on reaches each of them.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input broke a rule of the spec; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A credential or endpoint source is incomplete or malformed.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request could not be signed; nothing was sent.
    #[error("cannot sign the request: {0}")]
    Signing(#[from] SigningError),
    /// No connection could be made to the service.
    #[error("cannot connect to {}", .0.peer)]
    Connect(#[source] TransportError),
    /// A connection, an attempt or the whole operation took longer than
    /// allowed.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// Another failure while sending the request or reading the response.
    #[error("the request to {} failed in transport", .0.peer)]
    Transport(#[source] TransportError),
    /// The response body was larger than the client accepts
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body));
    /// the rest of it was not read.
    #[error("the response from {peer} (HTTP {status}) is larger than the {limit} bytes allowed{}", RequestIdSuffix(request_id.as_deref()))]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// The response's HTTP status.
        status: StatusCode,
        /// The request id, when the response had one.
        request_id: Option<String>,
        /// Who answered.
        peer: Peer,
    },
    /// A service answered with an error.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A response whose status the spec does not describe (1xx, 3xx, or a
    /// success status other than the documented one). Redirects are never
    /// followed.
    #[error("unexpected HTTP status {status} from {peer}{}", RequestIdSuffix(request_id.as_deref()))]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The request id, when the response had one.
        request_id: Option<String>,
        /// Who answered.
        peer: Peer,
    },
    /// A listing could not be completed: the service announced more items
    /// than the API's offsets reach, or repeated a page.
    #[error("cannot list every item: {0}")]
    Pagination(String),
    /// A waiter ([`Client::wait_for_task`](crate::Client::wait_for_task),
    /// [`Client::wait_for_task_group`](crate::Client::wait_for_task_group))
    /// ended without the resource succeeding.
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// An interceptor refused the call, or panicked, before an attempt
    /// (see the `intercept` module); nothing was sent.
    #[error(transparent)]
    Interceptor(#[from] InterceptorError),
    /// A success response whose body does not match the spec.
    #[error("cannot decode the response from {peer}{}", RequestIdSuffix(request_id.as_deref()))]
    InvalidResponse {
        /// The request id, when the response had one.
        request_id: Option<String>,
        /// Who answered.
        peer: Peer,
        /// Why it does not decode.
        #[source]
        source: Arc<serde_json::Error>,
    },
}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Service(e) => Some(e.status()),
            Error::UnexpectedStatus { status, .. } | Error::ResponseTooLarge { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The request id, when the error came from a response that had one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id(),
            Error::UnexpectedStatus { request_id, .. }
            | Error::ResponseTooLarge { request_id, .. }
            | Error::InvalidResponse { request_id, .. }
            | Error::Wait(WaitError::Gone { request_id, .. }) => request_id.as_deref(),
            _ => None,
        }
    }

    /// The service and host that failed, for an error of the exchange with
    /// one (a connection, a timeout, an answer) or of what it answered.
    pub fn peer(&self) -> Option<&Peer> {
        match self {
            Error::Connect(e) | Error::Transport(e) => Some(&e.peer),
            Error::Timeout(e) => e.peer.as_ref(),
            Error::Service(e) => Some(&e.peer),
            Error::Config(e) => e.peer.as_ref(),
            Error::ResponseTooLarge { peer, .. }
            | Error::UnexpectedStatus { peer, .. }
            | Error::InvalidResponse { peer, .. } => Some(peer),
            _ => None,
        }
    }

    /// Which service failed: OMS, or IAM or the ECS metadata service asked
    /// before it (see [`peer`](Self::peer)).
    pub fn service(&self) -> Option<Service> {
        self.peer().map(Peer::service)
    }

    /// The host of the service that failed (see [`peer`](Self::peer)).
    pub fn host(&self) -> Option<&str> {
        self.peer().map(Peer::host)
    }

    /// Whether sending the same request again may succeed and is safe for
    /// the operation that failed: a connection that could not be made, a
    /// request an HTTP/2 server refused unprocessed and a `429` always; an
    /// attempt that timed out and `502`, `503` or `504` only for operations
    /// that may be repeated (not CreateSyncTask, whose first attempt may
    /// have created a task, nor the state transitions).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect(_) => true,
            Error::Transport(e) => crate::http::refused_unprocessed(&e.error),
            Error::Timeout(e) => e.retryable,
            Error::Service(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// Whether the request may have been carried out although the call
    /// failed: it may have reached the service and no answer says it was
    /// not. So for an attempt that timed out after sending, a connection
    /// lost during the exchange, a `5xx`, and a success whose body could not
    /// be read (too large, or not what the spec says) — not for an error
    /// the gateway answered (`4xx`, `429`), a connection never made, a
    /// request refused unprocessed, or anything found before sending.
    ///
    /// It matters for the operations that must not be repeated blindly:
    /// CreateTask, CreateTaskGroup and CreateSyncTask have no client token,
    /// so a create repeated after such a failure may make a second task.
    /// Look for the task first, as the API reference advises: give each
    /// create something to find it by (a unique `description`), and list
    /// the tasks before creating again.
    ///
    /// ```no_run
    /// # async fn example(client: &oms_api::Client, body: oms_api::types::builder::CreateTaskReq) -> Result<(), oms_api::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let marker = "nightly-run-2026-12-03/bucket-a";
    /// let created = client
    ///     .create_task()
    ///     .body(body.clone().description(marker))
    ///     .send()
    ///     .await;
    /// match created {
    ///     Ok(task) => println!("task {:?}", task.id),
    ///     Err(error) if error.may_have_been_applied() => {
    ///         // Did it make the task? Look before creating again.
    ///         let mut tasks = client.list_tasks().stream();
    ///         let mut found = None;
    ///         while let Some(task) = tasks.try_next().await? {
    ///             if task.description.as_deref() == Some(marker) {
    ///                 found = Some(task);
    ///                 break;
    ///             }
    ///         }
    ///         if found.is_none() {
    ///             client.create_task().body(body.description(marker)).send().await?;
    ///         }
    ///     }
    ///     Err(error) => return Err(error),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Timeout(e) => e.unanswered,
            Error::Transport(e) => !crate::http::refused_unprocessed(&e.error),
            Error::Service(e) => e.is_server_error(),
            Error::UnexpectedStatus { status, .. } | Error::ResponseTooLarge { status, .. } => {
                status.is_success()
            }
            Error::InvalidResponse { .. } => true,
            _ => false,
        }
    }

    /// The service error, if OMS (or IAM) answered with one.
    pub fn as_service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// A transport failure talking to `peer`, by kind: a connection that
    /// timed out, one that could not be made, or another failure.
    pub(crate) fn transport(peer: &Peer, error: reqwest::Error, connect_timeout: Duration) -> Self {
        if error.is_connect() && error.is_timeout() {
            Error::Timeout(TimeoutError::new(
                TimeoutKind::Connect,
                connect_timeout,
                true,
                peer,
            ))
        } else if error.is_connect() {
            Error::Connect(TransportError::new(peer, error))
        } else {
            Error::Transport(TransportError::new(peer, error))
        }
    }
}

impl TransportError {
    pub(crate) fn new(peer: &Peer, error: reqwest::Error) -> Self {
        Self {
            peer: peer.clone(),
            error: Arc::new(error),
        }
    }
}

/// An error of reqwest's request builder (the generated code builds every
/// request with it): the request could not be made, so nothing was sent.
impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        Error::Validation(ValidationError::new(
            "request",
            format!("cannot be built: {error}"),
        ))
    }
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

/// A value that breaks a rule of the spec, found before anything was sent.
///
/// It names the field (`dst_sk`, `source_cdn.protocol`, `object_keys[2]`)
/// and states the rule as the spec does (`must be 1 to 100 characters`),
/// never the value.
///
/// A request that breaks several rules reports them all, in the order the
/// spec lists the fields ([`errors`](Self::errors)); its `field` and
/// `rule` are the first one's, and it displays them all.
///
/// Every builder holds one per required field until it is set, so the
/// error is two words: a missing field is only its name; any other error
/// is boxed, since it is built only when a value is refused.
#[derive(Clone)]
pub struct ValidationError(Repr);

#[derive(Clone)]
enum Repr {
    Missing(&'static str),
    Broken(Box<Broken>),
}

#[derive(Clone)]
enum Broken {
    One {
        field: Cow<'static, str>,
        rule: Cow<'static, str>,
    },
    /// Two or more, in the spec's order.
    All(Vec<ValidationError>),
}

/// What [`ValidationError::missing`] says.
const REQUIRED: &str = "is required";

impl ValidationError {
    /// A new error for `field` (as named in the spec) and the `rule` it broke.
    pub fn new(field: impl Into<Cow<'static, str>>, rule: impl Into<Cow<'static, str>>) -> Self {
        Self(Repr::Broken(Box::new(Broken::One {
            field: field.into(),
            rule: rule.into(),
        })))
    }

    /// The field, as the spec names it (`dst_sk`, `sync_task_id`,
    /// `source_cdn.protocol`, …); empty for a value checked on its own
    /// (`"..".parse::<ProjectId>()`).
    pub fn field(&self) -> &str {
        match &self.0 {
            Repr::Missing(field) => field,
            Repr::Broken(broken) => match &**broken {
                Broken::One { field, .. } => field,
                Broken::All(all) => all[0].field(),
            },
        }
    }

    /// The rule that was broken (`must be 1 to 100 characters`, `is required`, …).
    pub fn rule(&self) -> &str {
        match &self.0 {
            Repr::Missing(_) => REQUIRED,
            Repr::Broken(broken) => match &**broken {
                Broken::One { rule, .. } => rule,
                Broken::All(all) => all[0].rule(),
            },
        }
    }

    /// Every rule broken, in the order the spec lists the fields: this one
    /// alone unless the request broke several.
    pub fn errors(&self) -> &[ValidationError] {
        match &self.0 {
            Repr::Broken(broken) => match &**broken {
                Broken::All(all) => all,
                Broken::One { .. } => std::slice::from_ref(self),
            },
            Repr::Missing(_) => std::slice::from_ref(self),
        }
    }

    /// `errors` as one error (several are flattened; none is a bug of the
    /// caller and reads as the request's).
    pub(crate) fn all(errors: Vec<ValidationError>) -> Self {
        let mut flat: Vec<ValidationError> = Vec::with_capacity(errors.len());
        for error in errors {
            match error.0 {
                Repr::Broken(broken) if matches!(*broken, Broken::All(_)) => {
                    if let Broken::All(all) = *broken {
                        flat.extend(all);
                    }
                }
                other => flat.push(Self(other)),
            }
        }
        match flat.len() {
            0 => Self::new("request", "is invalid"),
            1 => flat.remove(0),
            _ => Self(Repr::Broken(Box::new(Broken::All(flat)))),
        }
    }

    /// A required field that was not given.
    pub(crate) const fn missing(field: &'static str) -> Self {
        Self(Repr::Missing(field))
    }

    /// Whether this says that a required field was not given.
    pub(crate) fn is_missing(&self) -> bool {
        self.errors().len() == 1 && self.rule() == REQUIRED
    }

    /// Each error's field and rule, owned.
    fn into_parts(self) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
        match self.0 {
            Repr::Missing(field) => vec![(Cow::Borrowed(field), Cow::Borrowed(REQUIRED))],
            Repr::Broken(broken) => match *broken {
                Broken::One { field, rule } => vec![(field, rule)],
                Broken::All(all) => all.into_iter().flat_map(Self::into_parts).collect(),
            },
        }
    }

    /// The errors of `error` (a `ValidationError`, else its text as a rule)
    /// with each field put under `at`.
    fn under(at: &str, error: impl fmt::Display + 'static) -> Self {
        let parts = match Self::downcast(error) {
            Ok(error) => error.into_parts(),
            Err(text) => vec![(Cow::Borrowed(""), Cow::Owned(text))],
        };
        Self::all(
            parts
                .into_iter()
                .map(|(inner, rule)| match inner.is_empty() {
                    true => Self::new(at.to_owned(), rule),
                    false => Self::new(format!("{at}.{inner}"), rule),
                })
                .collect(),
        )
    }

    /// The error of `field`'s value: the rules of a `ValidationError` (with
    /// their fields, if any, nested under `field`), else the error's text.
    pub(crate) fn nest<E: fmt::Display + 'static>(field: &'static str, error: E) -> Self {
        Self::under(field, error)
    }

    /// The error of item `index` of list `field`.
    pub(crate) fn nest_item<E: fmt::Display + 'static>(
        field: &'static str,
        index: usize,
        error: E,
    ) -> Self {
        Self::under(&format!("{field}[{index}]"), error)
    }

    /// `error` as it is, when it is a `ValidationError`; else its text as
    /// the rule of the request as a whole.
    pub(crate) fn from_error<E: fmt::Display + 'static>(error: E) -> Self {
        Self::downcast(error).unwrap_or_else(|text| Self::new("request", text))
    }

    fn downcast<E: fmt::Display + 'static>(error: E) -> Result<Self, String> {
        let mut slot = Some(error);
        match (&mut slot as &mut dyn Any).downcast_mut::<Option<Self>>() {
            Some(inner) => Ok(inner.take().expect("the slot is full")),
            None => Err(slot.map(|e| e.to_string()).unwrap_or_default()),
        }
    }
}

impl PartialEq for ValidationError {
    fn eq(&self, other: &Self) -> bool {
        let (mine, theirs) = (self.errors(), other.errors());
        mine.len() == theirs.len()
            && mine
                .iter()
                .zip(theirs)
                .all(|(a, b)| a.field() == b.field() && a.rule() == b.rule())
    }
}

impl Eq for ValidationError {}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors().len() > 1 {
            return f.debug_list().entries(self.errors()).finish();
        }
        f.debug_struct("ValidationError")
            .field("field", &self.field())
            .field("rule", &self.rule())
            .finish()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors().iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            let field = match error.field() {
                "" => "value",
                field => field,
            };
            write!(f, "invalid {field}: {}", error.rule())?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// A rule broken by a value checked on its own (the generated types'
/// conversions); the field is added by whoever knows it.
impl From<&'static str> for ValidationError {
    fn from(rule: &'static str) -> Self {
        Self::new("", rule)
    }
}

impl From<String> for ValidationError {
    fn from(rule: String) -> Self {
        Self::new("", rule)
    }
}

impl From<std::convert::Infallible> for ValidationError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// A credential or endpoint source that is missing something or malformed.
/// It names the source and the key, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {key} {problem}")]
pub struct ConfigError {
    origin: String,
    key: String,
    problem: String,
    peer: Option<Peer>,
}

impl ConfigError {
    pub(crate) fn new(
        origin: impl Into<String>,
        key: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self {
            origin: origin.into(),
            key: key.into(),
            problem: problem.into(),
            peer: None,
        }
    }

    /// What `peer` answered (or failed to), with `peer` as the origin.
    pub(crate) fn of(peer: &Peer, key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::new(peer.to_string(), key, problem).with_peer(Some(peer.clone()))
    }

    pub(crate) fn with_peer(mut self, peer: Option<Peer>) -> Self {
        self.peer = peer;
        self
    }

    /// The source: `environment`, `profile file <path>`, `IAM at <host>`,
    /// `the ECS metadata service at <host>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The variable, profile key or section concerned.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The service whose answer was wrong (IAM, the metadata service), if
    /// the source is one.
    pub fn peer(&self) -> Option<&Peer> {
        self.peer.as_ref()
    }
}

/// Why a request cannot be signed. Never contains a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The access key is malformed.
    #[error("must be 1 to 1024 visible ASCII characters without `,`")]
    InvalidAccessKey,
    /// The secret key is malformed.
    #[error("must be 1 to 1024 characters")]
    InvalidSecretKey,
    /// The URL has no host to sign.
    #[error("the URL has no host")]
    NoHost,
    /// `X-Sdk-Date` is present but not `YYYYMMDDTHHMMSSZ`.
    #[error("X-Sdk-Date is not of the form YYYYMMDDTHHMMSSZ")]
    BadDate,
    /// The body is a stream, whose bytes are not known before sending.
    #[error("a streaming body cannot be signed")]
    StreamingBody,
    /// The time is before 1970 or after 9999.
    #[error("the signing time is out of range")]
    TimeOutOfRange,
}

/// Which limit a [`TimeoutError`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Opening a connection ([`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout)).
    Connect,
    /// One attempt, from sending to the end of the response body
    /// ([`ClientBuilder::attempt_timeout`](crate::ClientBuilder::attempt_timeout)).
    Attempt,
    /// The whole operation, every attempt and wait between them
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    Operation,
}

/// A request that took longer than allowed. It names the service and host
/// it was waiting for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TimeoutError {
    kind: TimeoutKind,
    limit: Option<Duration>,
    retryable: bool,
    peer: Option<Peer>,
    /// A request was on its way, unanswered, when the time ran out.
    unanswered: bool,
}

impl TimeoutError {
    pub(crate) fn new(kind: TimeoutKind, limit: Duration, retryable: bool, peer: &Peer) -> Self {
        Self::waiting(kind, limit, retryable, Some(peer.clone()))
    }

    /// A timeout waiting for `peer`; `None`: for a credentials provider
    /// of the caller's.
    pub(crate) fn waiting(
        kind: TimeoutKind,
        limit: Duration,
        retryable: bool,
        peer: Option<Peer>,
    ) -> Self {
        Self {
            kind,
            limit: Some(limit),
            retryable,
            peer,
            unanswered: false,
        }
    }

    /// The time ran out while a request sent was unanswered.
    pub(crate) fn unanswered(mut self) -> Self {
        self.unanswered = true;
        self
    }

    /// Whether a request had been sent, and was not answered, when the time
    /// ran out (it may have reached the service).
    pub fn was_sent(&self) -> bool {
        self.unanswered
    }

    /// Which limit was hit.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// The limit, when the client set it.
    pub fn limit(&self) -> Option<Duration> {
        self.limit
    }

    /// The service and host the request was waiting for.
    pub fn peer(&self) -> Option<&Peer> {
        self.peer.as_ref()
    }

    fn describe(&self) -> String {
        let peer = self
            .peer
            .as_ref()
            .map_or_else(|| "the credentials provider".to_owned(), Peer::to_string);
        let what = match self.kind {
            TimeoutKind::Connect => format!("no connection to {peer} could be opened"),
            TimeoutKind::Attempt => format!("{peer} did not answer in time"),
            TimeoutKind::Operation => {
                format!("the operation did not complete in time, waiting for {peer}")
            }
        };
        match self.limit {
            Some(limit) => format!("{what} (limit {limit:?})"),
            None => what,
        }
    }
}

/// Why a waiter ended without the resource succeeding. Each variant names
/// the resource and its state in words; [`task`](Self::task) and
/// [`task_group`](Self::task_group) give the resource as it was last seen
/// (its counters, its failed-object list file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The deadline passed before the resource reached a final state.
    #[error("{resource} is still {state} after {}", HumanDuration(*waited))]
    Deadline {
        /// What was waited for (`migration task 42`).
        resource: String,
        /// Its last status code, if it had one.
        status: Option<i32>,
        /// Its last state, in words (`migrating`).
        state: &'static str,
        /// How long the waiter waited.
        waited: Duration,
        /// The resource as last seen.
        last: Last,
    },
    /// The resource does not exist (any more): it was deleted, or never
    /// was.
    #[error("{resource} does not exist{}", RequestIdSuffix(request_id.as_deref()))]
    Gone {
        /// What was waited for.
        resource: String,
        /// The request id of the answer that said so.
        request_id: Option<String>,
    },
    /// The resource failed: its state, and its `error_reason`, cut and with
    /// control characters escaped.
    #[error("{resource} {state}{}{}", error_code.as_deref().map(|c| format!(": {c}")).unwrap_or_default(), error_msg.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Failed {
        /// What was waited for.
        resource: String,
        /// Its final status code.
        status: i32,
        /// Its final state, in words (`failed`, `failed to create its
        /// tasks`).
        state: &'static str,
        /// The code of its `error_reason`.
        error_code: Option<Box<str>>,
        /// The message of its `error_reason`.
        error_msg: Option<Box<str>>,
        /// The resource as it ended.
        last: Last,
    },
}

/// The resource a waiter last saw, kept in a [`WaitError`] (read it with
/// [`WaitError::task`] or [`WaitError::task_group`]). Shared, so that the
/// error stays cheap to clone; two are equal whatever they hold.
#[derive(Clone)]
pub struct Last(Option<Arc<LastValue>>);

/// Boxed, so that [`Last`] is one pointer.
struct LastValue(Box<dyn std::any::Any + Send + Sync>);

impl Last {
    pub(crate) fn new<T: std::any::Any + Send + Sync>(value: Option<T>) -> Self {
        Self(value.map(|v| Arc::new(LastValue(Box::new(v)))))
    }

    pub(crate) fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.0.as_deref()?.0.downcast_ref()
    }
}

impl fmt::Debug for Last {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Last(..)"
        } else {
            "Last(none)"
        })
    }
}

impl PartialEq for Last {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Last {}

/// An error answered by OMS or the API gateway in front of it, or by IAM
/// (see [`peer`](Self::peer)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{peer} answered HTTP {status} {code}: {message}{}{}", RequestIdSuffix(request_id.as_deref()), SkewHint(clock_skew.as_ref()))]
pub struct ServiceError {
    peer: Peer,
    status: StatusCode,
    // Boxed text: the error stays small in every `Result` that may hold it.
    code: Box<str>,
    message: Box<str>,
    request_id: Option<Box<str>>,
    retryable: bool,
    clock_skew: Option<ClockSkew>,
}

impl ServiceError {
    /// Who answered: OMS (or its gateway), or IAM.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The service that answered.
    pub fn service(&self) -> Service {
        self.peer.service()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code, such as `OMS.0054` or `APIGW.0301`; the status as
    /// text when the body had none.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error message (the body as text when it was not JSON), cut to
    /// 2048 characters, control characters escaped.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id: the `X-Request-Id` response header, else the body's
    /// `request_id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether the caller is at fault (4xx).
    pub fn is_client_error(&self) -> bool {
        self.status.is_client_error()
    }

    /// Whether the service is at fault (5xx).
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }

    /// Whether sending the same request again may succeed and is safe for
    /// the operation (see [`Error::is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    /// For a signature refused as expired: how far the local clock is from
    /// the server's, when the response said (its `Date` header).
    pub fn clock_skew(&self) -> Option<&ClockSkew> {
        self.clock_skew.as_ref()
    }
}

/// How far the local clock is from the server's, seen when a signature was
/// refused as expired (the gateway allows 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClockSkew {
    /// The local clock is behind the server's by this much.
    Behind(Duration),
    /// The local clock is ahead of the server's by this much.
    Ahead(Duration),
    /// The response did not say what time the server has.
    Unknown,
}

struct SkewHint<'a>(Option<&'a ClockSkew>);

impl fmt::Display for SkewHint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(skew) = self.0 else {
            return Ok(());
        };
        f.write_str("; the signature was refused as expired: ")?;
        match skew {
            ClockSkew::Behind(by) => write!(
                f,
                "the local clock is {} behind the server's",
                HumanDuration(*by)
            ),
            ClockSkew::Ahead(by) => write!(
                f,
                "the local clock is {} ahead of the server's",
                HumanDuration(*by)
            ),
            ClockSkew::Unknown => f.write_str("the local clock may be off by more than 15 min"),
        }
    }
}

struct HumanDuration(Duration);

impl fmt::Display for HumanDuration {
    /// Seconds under two minutes, else minutes: a `Date` header has a
    /// resolution of one second, so more precision would be noise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_secs();
        if seconds == 0 {
            return write!(f, "{} ms", self.0.as_millis());
        }
        if seconds < 120 {
            return write!(f, "{seconds} s");
        }
        let minutes = (seconds + 30) / 60;
        match (minutes / 60, minutes % 60) {
            (0, m) => write!(f, "about {m} min"),
            (h, m) => write!(f, "about {h} h {m} min"),
        }
    }
}

/// The most characters of a server's error message kept.
pub(crate) const MAX_MESSAGE_CHARS: usize = 2048;

/// The most characters of an error code or request id kept.
const MAX_CODE_CHARS: usize = 128;

/// `text` with control and bidirectional-formatting characters escaped
/// (`\u{1b}`), cut so that it holds at most `max_chars` characters, escapes
/// included (then ending in `…`).
pub(crate) fn printable(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars + 8));
    let mut count = 0;
    for c in text.chars() {
        let escape = c.is_control() || is_bidi_control(c);
        let width = if escape {
            c.escape_unicode().count()
        } else {
            1
        };
        if count + width > max_chars {
            out.push('…');
            break;
        }
        count += width;
        if escape {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that reorder text on display (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The `X-Request-Id` of a response, when present and not empty.
pub(crate) fn header_request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(REQUEST_ID_HEADER)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let text = text.trim();
    (!text.is_empty()).then(|| printable(text, MAX_CODE_CHARS))
}

/// Decodes an error response of any shape the official SDKs accept:
///
/// 1. `{"error_code", "error_msg"}` (OMS and the API gateway),
/// 2. `{"errorCode", "errorMsg"}`,
/// 3. `{"code", "message"}`,
/// 4. `{"error": {"code", "message"}}`,
/// 5. anything else (HTML, text, JSON without those keys): the status as the
///    code and the body text as the message.
///
/// `request_id` (or `requestId`) is kept from any JSON shape; the
/// `X-Request-Id` header wins over it. Every text is made printable.
pub(crate) fn service_error(
    peer: &Peer,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    retryable: bool,
    clock_skew: Option<ClockSkew>,
) -> ServiceError {
    let json = serde_json::from_slice::<serde_json::Value>(body).ok();
    let object = json.as_ref().and_then(|v| v.as_object());
    fn text(value: Option<&serde_json::Value>) -> Option<Cow<'_, str>> {
        match value? {
            serde_json::Value::String(s) => Some(Cow::Borrowed(s.as_str())),
            serde_json::Value::Null => None,
            other => Some(Cow::Owned(other.to_string())),
        }
    }
    let pair = |o: &'_ serde_json::Map<String, serde_json::Value>, code: &str, msg: &str| {
        let code = text(o.get(code))?.into_owned();
        Some((
            code,
            text(o.get(msg)).map(Cow::into_owned).unwrap_or_default(),
        ))
    };
    let decoded = object.and_then(|o| {
        pair(o, "error_code", "error_msg")
            .or_else(|| pair(o, "errorCode", "errorMsg"))
            .or_else(|| pair(o, "code", "message"))
            .or_else(|| {
                o.get("error")?
                    .as_object()
                    .and_then(|e| pair(e, "code", "message"))
            })
    });
    let body_request_id = object
        .and_then(|o| text(o.get("request_id")).or_else(|| text(o.get("requestId"))))
        .map(|id| printable(&id, MAX_CODE_CHARS));
    let (code, message) = match decoded {
        Some((code, message)) => (
            printable(&code, MAX_CODE_CHARS),
            printable(&message, MAX_MESSAGE_CHARS),
        ),
        None => (
            status.as_u16().to_string(),
            printable(String::from_utf8_lossy(body).trim(), MAX_MESSAGE_CHARS),
        ),
    };
    ServiceError {
        peer: peer.clone(),
        status,
        code: code.into(),
        message: message.into(),
        request_id: header_request_id(headers)
            .or(body_request_id)
            .map(Into::into),
        retryable,
        clock_skew,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_peer() -> Peer {
        Peer::new(
            Service::Oms,
            &url::Url::parse("https://oms.example.com").unwrap(),
        )
    }

    fn decode(body: &str) -> ServiceError {
        service_error(
            &test_peer(),
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body.as_bytes(),
            false,
            None,
        )
    }

    #[test]
    fn decodes_every_error_body_shape() {
        let cases: [(&str, &str, &str, Option<&str>); 6] = [
            (
                r#"{"error_code":"OMS.0054","error_msg":"bad id"}"#,
                "OMS.0054",
                "bad id",
                None,
            ),
            (
                r#"{"error_code":"APIGW.0301","error_msg":"auth","request_id":"r1"}"#,
                "APIGW.0301",
                "auth",
                Some("r1"),
            ),
            (
                r#"{"errorCode":"E1","errorMsg":"camel"}"#,
                "E1",
                "camel",
                None,
            ),
            (r#"{"code":"E2","message":"plain"}"#, "E2", "plain", None),
            (
                r#"{"error":{"code":"E3","message":"nested"}}"#,
                "E3",
                "nested",
                None,
            ),
            (
                "<html><body>Bad</body></html>",
                "400",
                "<html><body>Bad</body></html>",
                None,
            ),
        ];
        for (body, code, message, request_id) in cases {
            let decoded = decode(body);
            assert_eq!(decoded.code(), code, "{body}");
            assert_eq!(decoded.message(), message, "{body}");
            assert_eq!(decoded.request_id(), request_id, "{body}");
        }
    }

    #[test]
    fn cuts_huge_messages_whether_text_or_json() {
        let long = "x".repeat(10_000);
        let text = decode(&long);
        assert_eq!(text.message().chars().count(), MAX_MESSAGE_CHARS + 1);
        let json = decode(&format!(r#"{{"error_code":"E","error_msg":"{long}"}}"#));
        assert_eq!(json.message().chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(json.message().ends_with('…'));
    }

    #[test]
    fn escapes_control_characters_from_the_server() {
        let forged = decode(
            r#"{"error_code":"E\u001b[2J","error_msg":"done\r\nINFO forged line\u0000\u202e"}"#,
        );
        let shown = forged.to_string();
        for raw in ['\u{1b}', '\r', '\n', '\0', '\u{202e}'] {
            assert!(!shown.contains(raw), "{shown:?}");
        }
        assert!(shown.contains(r"\u{1b}[2J"), "{shown}");
        assert!(shown.contains(r"done\u{d}\u{a}INFO forged line"), "{shown}");
    }

    #[test]
    fn nests_field_paths_and_keeps_rules() {
        let inner = ValidationError::new("protocol", "is required");
        let nested = ValidationError::nest("source_cdn", inner);
        assert_eq!(
            (nested.field(), nested.rule()),
            ("source_cdn.protocol", "is required")
        );
        let plain = ValidationError::nest(
            "dst_sk",
            ValidationError::from("must be 1 to 100 characters"),
        );
        assert_eq!(
            plain.to_string(),
            "invalid dst_sk: must be 1 to 100 characters"
        );
        let item = ValidationError::nest_item(
            "object_keys",
            2,
            ValidationError::from("must not be empty"),
        );
        assert_eq!(item.field(), "object_keys[2]");
        let other = ValidationError::nest("limit", "not a number");
        assert_eq!(other.rule(), "not a number");
    }

    #[test]
    fn a_missing_field_reads_as_any_other_error() {
        let missing = ValidationError::missing("dst_ak");
        assert!(missing.is_missing());
        assert_eq!(missing, ValidationError::new("dst_ak", "is required"));
        assert_eq!(missing.to_string(), "invalid dst_ak: is required");
        assert_eq!(
            format!("{missing:?}"),
            r#"ValidationError { field: "dst_ak", rule: "is required" }"#
        );
        let nested = ValidationError::nest("source_cdn", ValidationError::missing("protocol"));
        assert_eq!(nested.field(), "source_cdn.protocol");
        assert!(nested.is_missing());
        assert_eq!(
            ValidationError::from("bad").to_string(),
            "invalid value: bad"
        );
    }

    /// The builders hold a `Result<_, ValidationError>` per field: a string
    /// field's result must stay the size of the string.
    #[test]
    fn a_field_result_is_no_larger_than_its_value() {
        use std::mem::size_of;
        // Every operation's future holds a `Result` of it: naming the peer
        // (IAM, metadata, OMS) did not make it larger than it was.
        assert!(size_of::<Error>() <= 104, "{}", size_of::<Error>());
        assert_eq!(size_of::<ValidationError>(), 2 * size_of::<usize>());
        assert_eq!(
            size_of::<Result<String, ValidationError>>(),
            size_of::<String>()
        );
        assert_eq!(
            size_of::<Result<Option<String>, ValidationError>>(),
            size_of::<String>()
        );
    }

    proptest::proptest! {
        #[test]
        fn any_error_body_decodes_to_bounded_printable_text(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
            status in 400u16..600,
        ) {
            let status = StatusCode::from_u16(status).unwrap();
            let decoded = service_error(&test_peer(), status, &HeaderMap::new(), &body, false, None);
            proptest::prop_assert!(decoded.message().chars().count() <= MAX_MESSAGE_CHARS + 1);
            let shown = decoded.to_string();
            proptest::prop_assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)));
        }

        #[test]
        fn any_json_error_decodes_to_bounded_printable_text(
            code in "\\PC*|[\\x00-\\x1f\\x7f\\u{202e}]{0,40}",
            message in proptest::prelude::any::<String>(),
            request_id in proptest::prelude::any::<String>(),
        ) {
            let body = serde_json::json!({
                "error_code": code, "error_msg": message, "request_id": request_id,
            })
            .to_string();
            let decoded = service_error(
                &test_peer(),
                StatusCode::BAD_REQUEST,
                &HeaderMap::new(),
                body.as_bytes(),
                false,
                None,
            );
            proptest::prop_assert!(decoded.code().chars().count() <= MAX_CODE_CHARS + 1);
            let shown = format!("{decoded} {decoded:?}");
            proptest::prop_assert!(!shown.chars().any(|c| c.is_control() || is_bidi_control(c)));
        }
    }
}
