//! How every operation is sent. The generated builders hand this module a
//! function that builds their request (see `oms-api-build`'s send pass)
//! with their operation's facts from the spec; this module checks the
//! request, signs it, sends it within the timeouts, retries where the
//! operation allows, reads a bounded response, and turns the outcome into a
//! [`ResponseValue`] or an [`Error`].
//!
//! In order, before a byte leaves the process:
//!
//! 1. the operation must be offered in the client's region;
//! 2. the rules the generated types cannot enforce (ranges, sizes) hold;
//! 3. the request target has exactly the segments of the path template,
//!    each parameter's decoding to its value, so no value can reach another
//!    path whatever the URL encoder did;
//! 4. the request is authenticated last, over the exact bytes sent.
//!
//! Then each attempt runs within the attempt timeout and what is left of
//! the operation deadline; a success body beyond the client's limit is an
//! error, an error body is read up to [`ERROR_BODY_LIMIT`] and cut.
//!
//! A retry sends the same bytes: the request is built again from the same
//! inputs, checked again, and authenticated with the same credentials at
//! the same instant, so that its date and signature are the first
//! attempt's. Nothing is copied for a retry that never comes.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use percent_encoding::utf8_percent_encode;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::credentials::Credentials;
use crate::error::{
    ClockSkew, Error, TimeoutError, TimeoutKind, ValidationError, header_request_id, service_error,
};
use crate::operation::{Operation, Segment};
use crate::retry::Outcome;
use crate::signer::UNRESERVED;
use crate::state::ClientState;
use crate::types::ProjectId;

/// The `User-Agent` of every request: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// How much of an error response's body is read: enough for any error the
/// service sends; the rest is not read.
pub const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// The URL of `op` with path parameter `values` (in the template's order),
/// each encoded into one segment: everything but `A–Z a–z 0–9 - _ . ~` is
/// percent-encoded. It is the client's parsed base URL with the path set,
/// so that nothing but the path is parsed again for each request.
pub(crate) fn url(state: &ClientState, op: &Operation, values: &[String]) -> url::Url {
    let mut path = String::with_capacity(state.base_path.len() + 96);
    path.push_str(state.base_path.trim_end_matches('/'));
    let mut values = values.iter();
    for segment in op.path {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Param(_) => {
                path.extend(utf8_percent_encode(
                    values.next().map_or("", String::as_str),
                    UNRESERVED,
                ));
            }
        }
    }
    if op.path.is_empty() {
        path.push('/');
    }
    let mut url = state.base_url.clone();
    url.set_path(&path);
    url
}

/// What builds an operation's request: called once per attempt, it gives
/// the same request each time.
pub(crate) type Build<'a> = dyn Fn() -> Result<reqwest::Request, Error> + Sync + 'a;

/// Sends the request `build` makes for `op` and decodes the JSON body of
/// its success.
pub(crate) async fn send_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    state: &ClientState,
    build: &Build<'_>,
    op: &'static Operation,
    values: &[String],
) -> Result<ResponseValue<T>, Error> {
    let answer = exchange(http, state, build, op, values).await?;
    match serde_json::from_slice(&answer.body) {
        Ok(inner) => Ok(ResponseValue::new(inner, answer.status, answer.headers)),
        Err(source) => Err(Error::InvalidResponse {
            request_id: header_request_id(&answer.headers),
            source,
        }),
    }
}

/// Sends the request `build` makes for `op`, whose success has no body.
pub(crate) async fn send_empty(
    http: &reqwest::Client,
    state: &ClientState,
    build: &Build<'_>,
    op: &'static Operation,
    values: &[String],
) -> Result<ResponseValue<()>, Error> {
    let answer = exchange(http, state, build, op, values).await?;
    Ok(ResponseValue::new((), answer.status, answer.headers))
}

/// A response read within its limit.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// An attempt that ended without a response: the error to report, and how
/// it ended, if another attempt may help.
struct Failure {
    outcome: Option<Outcome>,
    error: Error,
}

async fn exchange(
    http: &reqwest::Client,
    state: &ClientState,
    build: &Build<'_>,
    op: &'static Operation,
    values: &[String],
) -> Result<Answer, Error> {
    let mut request = Box::new(build()?);
    let stamp = Stamp::take(state, op).await?;
    stamp.apply(state, &mut request, op, values)?;
    tracing::debug!(
        operation = op.id,
        method = %request.method(),
        path = request.url().path(),
        "sending OMS request"
    );
    let deadline = state
        .operation_timeout
        .and_then(|limit| Instant::now().checked_add(limit));
    let mut attempt = 1;
    loop {
        let (outcome, headers, error) = match attempt_once(http, state, request, op, deadline).await
        {
            Ok(answer) if answer.status.as_u16() == op.success => {
                tracing::debug!(
                    operation = op.id,
                    status = answer.status.as_u16(),
                    request_id = header_request_id(&answer.headers).unwrap_or_default(),
                    "OMS response"
                );
                return Ok(answer);
            }
            Ok(answer) if answer.status.is_client_error() || answer.status.is_server_error() => {
                let outcome = Outcome::Status(answer.status);
                let error = service_error(
                    answer.status,
                    &answer.headers,
                    &answer.body,
                    outcome.may_repeat(op.idempotent),
                    clock_skew(stamp.credentials.signs(), &answer),
                );
                (Some(outcome), Some(answer.headers), Error::Service(error))
            }
            Ok(answer) => {
                return Err(Error::UnexpectedStatus {
                    status: answer.status,
                    request_id: header_request_id(&answer.headers),
                });
            }
            Err(failure) => (failure.outcome, None, failure.error),
        };
        let wait = outcome
            .filter(|outcome| attempt < state.retry.attempts() && outcome.may_repeat(op.idempotent))
            .map(|_| state.retry.backoff(attempt, headers.as_ref()))
            .filter(|wait| {
                deadline.is_none_or(|deadline| {
                    Instant::now()
                        .checked_add(*wait)
                        .is_some_and(|resumed| resumed < deadline)
                })
            });
        let Some(wait) = wait else {
            return Err(error);
        };
        tracing::info!(
            operation = op.id,
            attempt,
            error = %error,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying OMS request"
        );
        tokio::time::sleep(wait).await;
        request = Box::new(build()?);
        stamp.apply(state, &mut request, op, values)?;
        attempt += 1;
    }
}

/// What a request is checked and authenticated with, taken once per
/// operation so that every attempt carries the same bytes: the credentials
/// of the moment, the instant of the signature, and the client's project
/// if it was known then.
struct Stamp<'s> {
    credentials: Arc<Credentials>,
    at: SystemTime,
    project: Option<&'s ProjectId>,
}

impl<'s> Stamp<'s> {
    /// Checks that `op` is offered in the client's region, and takes the
    /// credentials, the time and the project.
    async fn take(state: &'s ClientState, op: &Operation) -> Result<Self, Error> {
        if let (Some(region), Some(offered)) = (state.region, op.regions)
            && !op.is_offered_in(region)
        {
            return Err(ValidationError::new(
                "region",
                format!(
                    "{region} does not offer {}; it is offered in {}",
                    op.id,
                    offered.join(", ")
                ),
            )
            .into());
        }
        let credentials = state.credentials.current().await?;
        Ok(Self {
            credentials,
            at: SystemTime::now(),
            project: crate::project::known(state),
        })
    }

    /// Checks `request` and adds what every request carries, then its
    /// authentication, last.
    fn apply(
        &self,
        state: &ClientState,
        request: &mut reqwest::Request,
        op: &Operation,
        values: &[String],
    ) -> Result<(), Error> {
        let body = request.body().and_then(reqwest::Body::as_bytes);
        op.check_rules(values, request.url(), body)?;
        op.check_target(&state.base_path, request.url(), values)?;
        request
            .headers_mut()
            .entry(header::USER_AGENT)
            .or_insert(HeaderValue::from_static(USER_AGENT));
        // The client's project id goes where one given with the keys would.
        if self.credentials.signs()
            && self.credentials.project_id().is_none()
            && let Some(project_id) = self.project
        {
            request.headers_mut().insert(
                crate::credentials::PROJECT_ID_HEADER,
                HeaderValue::from_str(project_id).expect("a project id is a header value"),
            );
        }
        self.credentials.authenticate(request, self.at)
    }
}

/// One attempt, within the attempt timeout and what is left before the
/// deadline.
async fn attempt_once(
    http: &reqwest::Client,
    state: &ClientState,
    request: Box<reqwest::Request>,
    op: &Operation,
    deadline: Option<Instant>,
) -> Result<Answer, Failure> {
    let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
    let (limit, kind) = match left {
        Some(left) if left < state.attempt_timeout => (left, TimeoutKind::Operation),
        _ => (state.attempt_timeout, TimeoutKind::Attempt),
    };
    let attempt = async {
        let mut response = http
            .execute(*request)
            .await
            .map_err(|e| transport_failure(state, op, e))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let lost = |e| transport_failure(state, op, e);
        let body = if status.as_u16() == op.success {
            let too_large = || Failure {
                outcome: None,
                error: Error::ResponseTooLarge {
                    limit: state.max_response_body,
                    status,
                    request_id: header_request_id(&headers),
                },
            };
            if response
                .content_length()
                .is_some_and(|length| length > state.max_response_body)
            {
                return Err(too_large());
            }
            match read_capped(&mut response, state.max_response_body)
                .await
                .map_err(lost)?
            {
                (body, true) => body,
                (_, false) => return Err(too_large()),
            }
        } else if status.is_client_error() || status.is_server_error() {
            read_capped(&mut response, ERROR_BODY_LIMIT)
                .await
                .map_err(lost)?
                .0
        } else {
            Bytes::new()
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    };
    match tokio::time::timeout(limit, attempt).await {
        Ok(result) => result,
        Err(_) => Err(match kind {
            TimeoutKind::Operation => Failure {
                outcome: None,
                error: TimeoutError::new(
                    TimeoutKind::Operation,
                    state.operation_timeout.unwrap_or(limit),
                    false,
                )
                .into(),
            },
            _ => Failure {
                outcome: Some(Outcome::TimedOut),
                error: TimeoutError::new(TimeoutKind::Attempt, limit, op.idempotent).into(),
            },
        }),
    }
}

fn transport_failure(state: &ClientState, op: &Operation, error: reqwest::Error) -> Failure {
    if error.is_connect() && error.is_timeout() {
        Failure {
            outcome: Some(Outcome::NotConnected),
            error: TimeoutError::new(TimeoutKind::Connect, state.connect_timeout, true).into(),
        }
    } else if error.is_connect() {
        Failure {
            outcome: Some(Outcome::NotConnected),
            error: Error::Connect(error),
        }
    } else if refused_unprocessed(&error) {
        Failure {
            outcome: Some(Outcome::Refused),
            error: Error::Transport(error),
        }
    } else if error.is_timeout() {
        Failure {
            outcome: Some(Outcome::TimedOut),
            error: TimeoutError::new(TimeoutKind::Attempt, state.attempt_timeout, op.idempotent)
                .into(),
        }
    } else {
        Failure {
            outcome: Some(Outcome::Lost),
            error: Error::Transport(error),
        }
    }
}

/// Whether an HTTP/2 server refused the request without processing it: a
/// `REFUSED_STREAM` reset, or a graceful `GOAWAY` (`NO_ERROR`) that did not
/// take it (RFC 9113 §8.7). reqwest's own retry of these is turned off
/// (it would keep a second copy of every request); the dispatcher repeats
/// them from its copy.
pub(crate) fn refused_unprocessed(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if let Some(h2) = current.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && match h2.reason() {
                    Some(h2::Reason::REFUSED_STREAM) => h2.is_reset(),
                    Some(h2::Reason::NO_ERROR) => h2.is_go_away(),
                    _ => false,
                };
        }
        cause = current.source();
    }
    false
}

/// Reads at most `limit` bytes of `response`'s body; `false` when there
/// was more (which is not read). One chunk is kept without copying.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
) -> reqwest::Result<(Bytes, bool)> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let held = first.as_ref().map_or(0, Bytes::len) + rest.len();
        let room = limit - held;
        let fits = chunk.len() <= room;
        let chunk = if fits { chunk } else { chunk.slice(..room) };
        match first.take() {
            None if rest.is_empty() => first = Some(chunk),
            held_first => {
                if let Some(held_first) = held_first {
                    rest.extend_from_slice(&held_first);
                }
                rest.extend_from_slice(&chunk);
            }
        }
        if !fits {
            return Ok((collect(first, rest), false));
        }
    }
    Ok((collect(first, rest), true))
}

fn collect(first: Option<Bytes>, rest: BytesMut) -> Bytes {
    match first {
        Some(first) => first,
        None => rest.freeze(),
    }
}

/// For a signed request refused as expired (`401` whose message says so):
/// how far the local clock is from the response's `Date`.
fn clock_skew(signed: bool, answer: &Answer) -> Option<ClockSkew> {
    if !signed || answer.status != StatusCode::UNAUTHORIZED {
        return None;
    }
    let body = String::from_utf8_lossy(&answer.body).to_ascii_lowercase();
    if !body.contains("expired") || body.contains("token expired") {
        return None;
    }
    let server = answer
        .headers
        .get(header::DATE)
        .and_then(|date| date.to_str().ok())
        .and_then(|date| chrono::DateTime::parse_from_rfc2822(date).ok())
        .and_then(|date| u64::try_from(date.timestamp()).ok())
        .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
    let Some(server) = server else {
        return Some(ClockSkew::Unknown);
    };
    let now = SystemTime::now();
    Some(match server.duration_since(now) {
        Ok(behind) => ClockSkew::Behind(behind),
        Err(ahead) => ClockSkew::Ahead(ahead.duration()),
    })
}
