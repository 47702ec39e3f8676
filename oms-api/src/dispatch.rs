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
use tokio::time::Instant;
use tracing::Instrument;

use crate::credentials::Credentials;
use crate::deadline::Deadline;
use crate::error::{
    ClockSkew, Error, TimeoutError, TimeoutKind, ValidationError, header_request_id, service_error,
};
use crate::flow::Feedback;
use crate::http::{USER_AGENT, read_capped, refused_unprocessed};
use crate::operation::{Operation, Segment};
use crate::project::IamAccess;
use crate::retry::RetryConfig;
use crate::retry::{Outcome, retry_after};
use crate::settings::CallSettings;
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
/// credentials, every attempt and every wait between them; its settings
/// are the client's but for what the caller changed for this call
/// ([`CallSettings`]); its span (`oms.operation`) holds the spans of its
/// attempts (see the README, "Observing calls").
pub(crate) struct Call<'a> {
    http: &'a reqwest::Client,
    state: &'a ClientState,
    op: &'static Operation,
    deadline: Deadline,
    attempt_timeout: Duration,
    retry: RetryConfig,
    flow: bool,
    span: tracing::Span,
}

impl<'a> Call<'a> {
    /// Starts a call of `op` with `settings`: its deadline counts from now.
    pub(crate) fn start(
        http: &'a reqwest::Client,
        state: &'a ClientState,
        op: &'static Operation,
        settings: CallSettings,
    ) -> Self {
        let operation_timeout = settings
            .operation_timeout
            .unwrap_or(state.operation_timeout);
        let span = tracing::info_span!(
            "oms.operation",
            otel.name = op.id,
            otel.kind = "client",
            rpc.system = "huaweicloud",
            rpc.service = "OMS",
            rpc.method = op.id,
            http.request.method = op.method.as_str(),
            url.template = op.template(),
            server.address = state.peer.host(),
            oms.idempotent = op.idempotent,
            http.response.status_code = tracing::field::Empty,
            oms.request_id = tracing::field::Empty,
            oms.attempts = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        Self {
            http,
            state,
            op,
            deadline: Deadline::after(operation_timeout),
            attempt_timeout: settings.attempt_timeout.unwrap_or(state.attempt_timeout),
            retry: settings.retry.unwrap_or(state.retry),
            flow: settings.flow_control.unwrap_or(true),
            span,
        }
    }

    /// The project id of the call: `given`, else the client's (which may
    /// ask IAM), once the operation is known to be offered in the client's
    /// region.
    pub(crate) async fn project_id(
        &self,
        given: Result<ProjectId, ValidationError>,
    ) -> Result<ProjectId, Error> {
        let found = async {
            check_region(self.state, self.op)?;
            let access = IamAccess {
                http: self.http,
                credentials: &self.state.credentials,
                connect_timeout: self.state.connect_timeout,
                attempt_timeout: self.attempt_timeout,
            };
            self.state
                .project
                .project_id(given, access, &self.deadline)
                .await
        };
        let found = found.instrument(self.span.clone()).await;
        if let Err(error) = &found {
            self.span.record("error.type", error_type(error));
        }
        found
    }

    /// Sends the request `build` makes and decodes the JSON body of its
    /// success.
    pub(crate) async fn send_json<T: DeserializeOwned>(
        self,
        build: &Build<'_>,
        values: &[String],
    ) -> Result<ResponseValue<T>, Error> {
        let state = self.state;
        let answer = self.exchange(build, values).await?;
        match serde_json::from_slice(&answer.body) {
            Ok(inner) => Ok(ResponseValue::new(inner, answer.status, answer.headers)),
            Err(source) => {
                let error = Error::InvalidResponse {
                    request_id: header_request_id(&answer.headers),
                    peer: state.peer.clone(),
                    source: Arc::new(source),
                };
                self.span.record("error.type", error_type(&error));
                Err(error)
            }
        }
    }

    /// Sends the request `build` makes, whose success has no body.
    pub(crate) async fn send_empty(
        self,
        build: &Build<'_>,
        values: &[String],
    ) -> Result<ResponseValue<()>, Error> {
        let answer = self.exchange(build, values).await?;
        Ok(ResponseValue::new((), answer.status, answer.headers))
    }

    /// The exchange, in the call's span, which records its outcome.
    async fn exchange(&self, build: &Build<'_>, values: &[String]) -> Result<Answer, Error> {
        let outcome = exchange(self, build, values)
            .instrument(self.span.clone())
            .await;
        match &outcome {
            Ok(answer) => {
                self.span
                    .record("http.response.status_code", answer.status.as_u16());
                if let Some(id) = header_request_id(&answer.headers) {
                    self.span.record("oms.request_id", id.as_str());
                }
            }
            Err(error) => {
                if let Some(status) = error.status() {
                    self.span
                        .record("http.response.status_code", status.as_u16());
                }
                if let Some(id) = error.request_id() {
                    self.span.record("oms.request_id", id);
                }
                self.span.record("error.type", error_type(error));
            }
        }
        outcome
    }
}

/// What went wrong, for a span's `error.type`: the service's error code,
/// else the kind of failure — never a value.
pub(crate) fn error_type(error: &Error) -> String {
    match error {
        Error::Service(e) => crate::error::printable(e.code(), 64),
        Error::Validation(_) => "validation".to_owned(),
        Error::Config(_) => "configuration".to_owned(),
        Error::Signing(_) => "signing".to_owned(),
        Error::Connect(_) => "connect".to_owned(),
        Error::Timeout(e) => match e.kind() {
            TimeoutKind::Connect => "timeout.connect",
            TimeoutKind::Attempt => "timeout.attempt",
            TimeoutKind::Operation => "timeout.operation",
        }
        .to_owned(),
        Error::Transport(_) => "transport".to_owned(),
        Error::ResponseTooLarge { .. } => "response_too_large".to_owned(),
        Error::UnexpectedStatus { status, .. } => format!("http.{}", status.as_u16()),
        Error::InvalidResponse { .. } => "invalid_response".to_owned(),
        Error::Interceptor(_) => "interceptor".to_owned(),
        _ => "other".to_owned(),
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
        attempt_timeout,
        retry,
        ..
    } = call;
    let (state, op, attempt_timeout) = (*state, *op, *attempt_timeout);
    let mut stamp = Stamp::take(state, op, deadline).await?;
    let flow = &*state.flow;
    let lane = flow.lane(op.index).filter(|_| call.flow);
    // Attempts counted against the retry policy; sends in all (a throttled
    // or clock-corrected request is sent again without counting).
    let mut attempt = 1;
    let mut sends = 0;
    // What this call's retries took from the budget, and the last 429 (the
    // error to give if no slot comes before the deadline).
    let mut spent = 0;
    let mut throttled: Option<Error> = None;
    let mut clock_corrected = false;
    loop {
        sends += 1;
        let span = tracing::info_span!(
            "oms.attempt",
            otel.kind = "client",
            http.request.method = op.method.as_str(),
            url.template = op.template(),
            server.address = state.peer.host(),
            http.request.resend_count = sends - 1,
            oms.attempt = attempt,
            oms.idempotent = op.idempotent,
            oms.send_slot.wait_ms = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            oms.request_id = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let result = async {
            // The send slot first: the request is signed when it can go.
            let permit = match lane {
                Some(lane) => {
                    let waiting = Instant::now();
                    let permit = lane.acquire(flow.control(), deadline, &state.peer).await;
                    tracing::Span::current()
                        .record("oms.send_slot.wait_ms", whole_ms(waiting.elapsed()));
                    match permit {
                        Ok(permit) => Some(permit),
                        Err(waited) => return Err(throttled.clone().unwrap_or(waited)),
                    }
                }
                None => None,
            };
            // A signature is good for 15 minutes: a call that waited long
            // (for a slot, or between attempts) signs again; else a retry
            // carries the first attempt's bytes.
            if stamp.is_stale() {
                stamp = Stamp::take(state, op, deadline).await?;
            }
            let mut request = Box::new(build()?);
            crate::intercept::before(
                &state.interceptors,
                crate::intercept::BeforeAttempt {
                    operation: op.id,
                    attempt: sends,
                    request: &mut request,
                },
            )?;
            stamp.apply(state, &mut request, op, values)?;
            let started = Instant::now();
            let result = attempt_once(http, state, request, op, deadline, attempt_timeout).await;
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
            Ok((result, started.elapsed()))
        }
        .instrument(span.clone())
        .await;
        let (result, elapsed) = match result {
            Ok(sent) => sent,
            Err(error) => {
                span.record("error.type", error_type(&error));
                return Err(error);
            }
        };
        observe(state, op, sends, &span, &result, elapsed);
        let (outcome, headers, error) = match result {
            Ok(answer) if answer.status.as_u16() == op.success => {
                flow.succeeded(spent);
                call.span.record("oms.attempts", sends);
                return Ok(answer);
            }
            Ok(answer) if answer.status.is_client_error() || answer.status.is_server_error() => {
                let outcome = Outcome::Status(answer.status);
                let skew = clock_skew(stamp.credentials.signs(), &answer);
                // A signature refused for its time was not processed: with
                // the clock corrected, it is sent again, once.
                if !clock_corrected
                    && let Some(skew) = skew
                    && let Some(offset) = state.clock.correct(skew)
                {
                    clock_corrected = true;
                    tracing::warn!(
                        parent: &span,
                        offset_seconds = offset.as_secs_f64(),
                        "the gateway refused the signature's time; the signing clock is corrected by the server's Date and the request signed again"
                    );
                    stamp = Stamp::take(state, op, deadline).await?;
                    continue;
                }
                let error = service_error(
                    &state.peer,
                    answer.status,
                    &answer.headers,
                    &answer.body,
                    outcome.may_repeat(op.idempotent),
                    skew,
                );
                (Some(outcome), Some(answer.headers), Error::Service(error))
            }
            Ok(answer) => {
                call.span.record("oms.attempts", sends);
                return Err(Error::UnexpectedStatus {
                    status: answer.status,
                    request_id: header_request_id(&answer.headers),
                    peer: state.peer.clone(),
                });
            }
            Err(failure) => (failure.outcome, None, failure.error),
        };
        let repeat_throttled = lane.is_some() && retry.attempts() > 1;
        let wait = if repeat_throttled
            && matches!(
                outcome,
                Some(Outcome::Status(StatusCode::TOO_MANY_REQUESTS))
            ) {
            // Throttled, so not processed: sent again in the lane's next
            // slot, for every operation, until the deadline; no attempt
            // counted, nothing spent (unless retries are off).
            tracing::debug!(parent: &span, "throttled by OMS; waiting for a send slot");
            throttled = Some(error);
            Duration::ZERO
        } else {
            let wait = outcome
                .filter(|outcome| attempt < retry.attempts() && outcome.may_repeat(op.idempotent))
                .map(|_| retry.backoff(attempt, headers.as_ref()))
                .filter(|wait| deadline.allows(*wait));
            let Some(wait) = wait else {
                call.span.record("oms.attempts", sends);
                return Err(error);
            };
            let Some(cost) = flow.spend(matches!(outcome, Some(Outcome::TimedOut))) else {
                tracing::info!(
                    parent: &span,
                    error = %error,
                    "not retrying: the client's retry budget is spent"
                );
                call.span.record("oms.attempts", sends);
                return Err(error);
            };
            spent += cost;
            tracing::info!(
                parent: &span,
                error = %error,
                oms.retry.wait_ms = whole_ms(wait),
                "retrying"
            );
            attempt += 1;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// `duration` in whole milliseconds, for a span's field.
fn whole_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Records an attempt's outcome in its span and hands it to the
/// interceptors.
fn observe(
    state: &ClientState,
    op: &Operation,
    attempt: u32,
    span: &tracing::Span,
    result: &Result<Answer, Failure>,
    elapsed: Duration,
) {
    let (status, request_id, error) = match result {
        Ok(answer) => (
            Some(answer.status),
            header_request_id(&answer.headers),
            None,
        ),
        Err(failure) => (None, None, Some(&failure.error)),
    };
    if let Some(status) = status {
        span.record("http.response.status_code", status.as_u16());
        if status.as_u16() != op.success {
            span.record("error.type", status.as_str());
        }
    }
    if let Some(id) = &request_id {
        span.record("oms.request_id", id.as_str());
    }
    if let Some(error) = error {
        span.record("error.type", error_type(error));
    }
    if !state.interceptors.is_empty() {
        crate::intercept::after(
            &state.interceptors,
            &crate::intercept::AfterAttempt {
                operation: op.id,
                attempt,
                status,
                request_id: request_id.as_deref(),
                error,
                elapsed,
            },
        );
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
            at: state.clock.now(),
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
    attempt_timeout: Duration,
) -> Result<Answer, Failure> {
    let left = deadline.left();
    let (limit, kind) = match left {
        Some(left) if left < attempt_timeout => (left, TimeoutKind::Operation),
        _ => (attempt_timeout, TimeoutKind::Attempt),
    };
    let attempt = async {
        let mut response = http
            .execute(*request)
            .await
            .map_err(|e| transport_failure(state, op, e, attempt_timeout))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let lost = |e| transport_failure(state, op, e, attempt_timeout);
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

fn transport_failure(
    state: &ClientState,
    op: &Operation,
    error: reqwest::Error,
    attempt_timeout: Duration,
) -> Failure {
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
            attempt_timeout,
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
        .and_then(crate::date::parse_http)
        .filter(|date| *date >= SystemTime::UNIX_EPOCH);
    let Some(server) = server else {
        return Some(ClockSkew::Unknown);
    };
    let now = SystemTime::now();
    Some(match server.duration_since(now) {
        Ok(behind) => ClockSkew::Behind(behind),
        Err(ahead) => ClockSkew::Ahead(ahead.duration()),
    })
}
