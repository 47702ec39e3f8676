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

use bytes::Bytes;
use percent_encoding::utf8_percent_encode;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use crate::credentials::Credentials;
use crate::deadline::Deadline;
use crate::error::{
    ClockSkew, Error, TimeoutError, TimeoutKind, ValidationError, header_request_id, service_error,
};
use crate::flow::Feedback;
use crate::http::{USER_AGENT, read_capped, refused_unprocessed};
use crate::operation::{Operation, Segment};
use crate::project::IamAccess;
use crate::retry::{Outcome, retry_after};
use crate::signer::UNRESERVED;
use crate::state::ClientState;
use crate::types::ProjectId;

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

/// One call of an operation, from the moment it starts: its deadline (the
/// operation timeout from now) covers the wait for the project id, for
/// credentials, every attempt and every wait between them.
pub(crate) struct Call<'a> {
    http: &'a reqwest::Client,
    state: &'a ClientState,
    op: &'static Operation,
    deadline: Deadline,
}

impl<'a> Call<'a> {
    /// Starts a call of `op`: its deadline counts from now.
    pub(crate) fn start(
        http: &'a reqwest::Client,
        state: &'a ClientState,
        op: &'static Operation,
    ) -> Self {
        Self {
            http,
            state,
            op,
            deadline: Deadline::after(state.operation_timeout),
        }
    }

    /// The project id of the call: `given`, else the client's (which may
    /// ask IAM), once the operation is known to be offered in the client's
    /// region.
    pub(crate) async fn project_id(
        &self,
        given: Result<ProjectId, ValidationError>,
    ) -> Result<ProjectId, Error> {
        check_region(self.state, self.op)?;
        let access = IamAccess {
            http: self.http,
            credentials: &self.state.credentials,
            connect_timeout: self.state.connect_timeout,
            attempt_timeout: self.state.attempt_timeout,
        };
        self.state
            .project
            .project_id(given, access, &self.deadline)
            .await
    }

    /// Sends the request `build` makes and decodes the JSON body of its
    /// success.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        self,
        build: &Build<'_>,
        values: &[String],
    ) -> Result<ResponseValue<T>, Error> {
        let state = self.state;
        let answer = exchange(&self, build, values).await?;
        match serde_json::from_slice(&answer.body) {
            Ok(inner) => Ok(ResponseValue::new(inner, answer.status, answer.headers)),
            Err(source) => Err(Error::InvalidResponse {
                request_id: header_request_id(&answer.headers),
                peer: state.peer.clone(),
                source: Arc::new(source),
            }),
        }
    }

    /// Sends the request `build` makes, whose success has no body.
    pub(crate) async fn send_empty(
        self,
        build: &Build<'_>,
        values: &[String],
    ) -> Result<ResponseValue<()>, Error> {
        let answer = exchange(&self, build, values).await?;
        Ok(ResponseValue::new((), answer.status, answer.headers))
    }
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

async fn exchange(call: &Call<'_>, build: &Build<'_>, values: &[String]) -> Result<Answer, Error> {
    let Call {
        http,
        state,
        op,
        deadline,
    } = call;
    let (state, op) = (*state, *op);
    let mut request = Box::new(build()?);
    let mut stamp = Stamp::take(state, op, deadline).await?;
    stamp.apply(state, &mut request, op, values)?;
    tracing::debug!(
        operation = op.id,
        method = %request.method(),
        path = request.url().path(),
        "sending OMS request"
    );
    let flow = &*state.flow;
    let lane = flow.lane(op.index);
    let mut attempt = 1;
    // What this call's retries took from the budget, and the last 429 (the
    // error to give if no slot comes before the deadline).
    let mut spent = 0;
    let mut throttled: Option<Error> = None;
    loop {
        let permit = match lane {
            Some(lane) => match lane.acquire(flow.control(), deadline, &state.peer).await {
                Ok(permit) => Some(permit),
                Err(waited) => return Err(throttled.unwrap_or(waited)),
            },
            None => None,
        };
        let result = attempt_once(http, state, request, op, deadline).await;
        let feedback = match &result {
            Ok(answer) if answer.status == StatusCode::TOO_MANY_REQUESTS => {
                Feedback::Throttled(retry_after(&answer.headers))
            }
            Ok(_) => Feedback::Admitted,
            Err(_) => Feedback::Unknown,
        };
        if let Some(permit) = permit {
            permit.finish(flow.control(), feedback);
        }
        let (outcome, headers, error) = match result {
            Ok(answer) if answer.status.as_u16() == op.success => {
                tracing::debug!(
                    operation = op.id,
                    status = answer.status.as_u16(),
                    request_id = header_request_id(&answer.headers).unwrap_or_default(),
                    "OMS response"
                );
                flow.succeeded(spent);
                return Ok(answer);
            }
            Ok(answer) if answer.status.is_client_error() || answer.status.is_server_error() => {
                let outcome = Outcome::Status(answer.status);
                let error = service_error(
                    &state.peer,
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
                    peer: state.peer.clone(),
                });
            }
            Err(failure) => (failure.outcome, None, failure.error),
        };
        let repeat_throttled = lane.is_some() && state.retry.attempts() > 1;
        let wait = if repeat_throttled
            && matches!(
                outcome,
                Some(Outcome::Status(StatusCode::TOO_MANY_REQUESTS))
            ) {
            // Throttled, so not processed: sent again in the lane's next
            // slot, for every operation, until the deadline; no attempt
            // counted, nothing spent (unless retries are off).
            tracing::debug!(operation = op.id, "throttled by OMS; waiting for a slot");
            throttled = Some(error);
            Duration::ZERO
        } else {
            let wait = outcome
                .filter(|outcome| {
                    attempt < state.retry.attempts() && outcome.may_repeat(op.idempotent)
                })
                .map(|_| state.retry.backoff(attempt, headers.as_ref()))
                .filter(|wait| deadline.allows(*wait));
            let Some(wait) = wait else {
                return Err(error);
            };
            let Some(cost) = flow.spend(matches!(outcome, Some(Outcome::TimedOut))) else {
                tracing::info!(
                    operation = op.id,
                    error = %error,
                    "not retrying OMS request: the client's retry budget is spent"
                );
                return Err(error);
            };
            spent += cost;
            tracing::info!(
                operation = op.id,
                attempt,
                error = %error,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying OMS request"
            );
            attempt += 1;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        // A signature is good for 15 minutes: a call that waited long
        // signs again; else the retry carries the first attempt's bytes.
        if stamp.is_stale() {
            stamp = Stamp::take(state, op, deadline).await?;
        }
        request = Box::new(build()?);
        stamp.apply(state, &mut request, op, values)?;
    }
}

/// Refuses `op` when the client's region does not offer it.
fn check_region(state: &ClientState, op: &Operation) -> Result<(), Error> {
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
    Ok(())
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

/// How old a signature may grow before a retry signs again: well inside
/// the gateway's 15 minutes.
const RESIGN_AFTER: Duration = Duration::from_secs(5 * 60);

impl<'s> Stamp<'s> {
    /// Whether a retry should sign again.
    fn is_stale(&self) -> bool {
        self.at.elapsed().is_ok_and(|age| age > RESIGN_AFTER)
    }

    /// Checks that `op` is offered in the client's region, and takes the
    /// credentials (waiting for them at most until `deadline`), the time
    /// and the project.
    async fn take(
        state: &'s ClientState,
        op: &Operation,
        deadline: &Deadline,
    ) -> Result<Self, Error> {
        check_region(state, op)?;
        let credentials = state.credentials.current(deadline).await?;
        Ok(Self {
            credentials,
            at: SystemTime::now(),
            project: state.project.known(),
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
    deadline: &Deadline,
) -> Result<Answer, Failure> {
    let left = deadline.left();
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
                    peer: state.peer.clone(),
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
                error: deadline.expired_waiting_for_answer(&state.peer),
            },
            _ => Failure {
                outcome: Some(Outcome::TimedOut),
                error: TimeoutError::new(TimeoutKind::Attempt, limit, op.idempotent, &state.peer)
                    .unanswered()
                    .into(),
            },
        }),
    }
}

fn transport_failure(state: &ClientState, op: &Operation, error: reqwest::Error) -> Failure {
    let outcome = if error.is_connect() {
        Outcome::NotConnected
    } else if refused_unprocessed(&error) {
        Outcome::Refused
    } else if error.is_timeout() {
        Outcome::TimedOut
    } else {
        Outcome::Lost
    };
    let error = match outcome {
        Outcome::TimedOut => TimeoutError::new(
            TimeoutKind::Attempt,
            state.attempt_timeout,
            op.idempotent,
            &state.peer,
        )
        .unanswered()
        .into(),
        _ => Error::transport(&state.peer, error, state.connect_timeout),
    };
    Failure {
        outcome: Some(outcome),
        error,
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
