//! An in-process OMS on 127.0.0.1, for the examples and for tests of code
//! that uses this crate (feature `local-server`).
//!
//! It implements the eight sync-task operations over real HTTP with
//! in-memory tasks and the service's limits (at most 5 tasks; no delete
//! while a task synchronizes, `OMS.0063`), authenticates like the API gateway — an IAM token, or an SDK-HMAC-SHA256
//! signature that it recomputes with [`crate::signer`] and refuses with
//! `401 APIGW.0301` when it does not match —, answers errors the way OMS and
//! its gateway do (with `X-Request-Id` on every response), and records every
//! request it receives so that tests can inspect the wire.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use oms_api::local::{LocalOms, TaskStatus};
//! use oms_api::{Client, Credentials};
//!
//! let oms = LocalOms::builder()
//!     .sync_task("task-1", TaskStatus::Stopped)
//!     .start()
//!     .await?;
//! let client = Client::builder()
//!     .endpoint(&oms.base_url())
//!     .credentials(Credentials::iam_token("local-token")?)
//!     .build()?;
//! client
//!     .start_sync_task()
//!     .project_id("project")
//!     .sync_task_id("task-1")
//!     .body_map(|body| body.dst_ak("dst-ak").dst_sk("dst-sk"))
//!     .send()
//!     .await?;
//! assert_eq!(oms.task_status("task-1"), Some(TaskStatus::Synchronizing));
//! # Ok(())
//! # }
//! ```

use std::convert::Infallible;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::credentials::SecurityToken;
use crate::secret::REDACTED;
use crate::signer::{self, SigningKey};

mod operations;

/// The largest body the API gateway accepts (12 MB).
const MAX_BODY: usize = 12 * 1024 * 1024;

/// Body fields whose values are secrets (`x-oms-secret` in the spec),
/// masked in recorded requests.
use crate::generated::SECRET_FIELDS;

/// Headers whose values are secrets, masked in recorded requests.
const SECRET_HEADERS: &[&str] = &["x-auth-token", "x-security-token"];

/// The state of a sync task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// Copying objects.
    Synchronizing,
    /// Paused.
    Stopped,
}

/// Configures a [`LocalOms`].
#[derive(Debug)]
#[must_use]
pub struct LocalOmsBuilder {
    iam_token: Option<String>,
    keys: Vec<Key>,
    check_clock_skew: bool,
    clock_ahead: std::time::Duration,
    tasks: Vec<Value>,
}

impl Default for LocalOmsBuilder {
    fn default() -> Self {
        Self {
            iam_token: None,
            keys: Vec::new(),
            check_clock_skew: true,
            clock_ahead: std::time::Duration::ZERO,
            tasks: Vec::new(),
        }
    }
}

/// An access key the local OMS accepts signatures of.
#[derive(Debug, Clone)]
struct Key {
    signing: SigningKey,
    security_token: Option<SecurityToken>,
}

impl LocalOmsBuilder {
    /// Accepts requests signed with this access key and secret key. Default:
    /// no keys, so every signed request is refused.
    ///
    /// # Panics
    ///
    /// When the keys are malformed (see [`SigningKey::new`]).
    pub fn access_key(mut self, access_key: &str, secret_key: &str) -> Self {
        self.keys.push(Key {
            signing: SigningKey::new(access_key, secret_key)
                .expect("well-formed keys for the local OMS"),
            security_token: None,
        });
        self
    }

    /// Accepts requests signed with these temporary credentials, which must
    /// also carry (and sign) `X-Security-Token: <security_token>`.
    ///
    /// # Panics
    ///
    /// When the keys or the token are malformed.
    pub fn temporary_access_key(
        mut self,
        access_key: &str,
        secret_key: &str,
        security_token: &str,
    ) -> Self {
        self.keys.push(Key {
            signing: SigningKey::new(access_key, secret_key)
                .expect("well-formed keys for the local OMS"),
            security_token: Some(
                SecurityToken::new(security_token).expect("a well-formed security token"),
            ),
        });
        self
    }

    /// Whether a signature whose `X-Sdk-Date` is more than 15 minutes from
    /// the local clock is refused, as the gateway does. Default: `true`
    /// (turn it off to replay requests signed at a fixed date).
    pub fn check_clock_skew(mut self, check: bool) -> Self {
        self.check_clock_skew = check;
        self
    }

    /// Runs the local OMS's clock this much ahead of the machine's: its
    /// `Date` header and its signature-expiry check use it, as a server
    /// whose clock differs from the caller's would. Default: none.
    pub fn clock_ahead(mut self, by: std::time::Duration) -> Self {
        self.clock_ahead = by;
        self
    }

    /// Accepts only this IAM token. Default: any non-empty `X-Auth-Token`.
    pub fn iam_token(mut self, token: impl Into<String>) -> Self {
        self.iam_token = Some(token.into());
        self
    }

    /// Adds a sync task (from Aliyun, created now). Default: no tasks.
    pub fn sync_task(mut self, id: impl Into<String>, status: TaskStatus) -> Self {
        self.tasks.push(operations::sample_task(&id.into(), status));
        self
    }

    /// Adds a task exactly as given: a JSON object with the fields of
    /// `SyncTaskInfo` (and `sync_task_id`), as ListSyncTasks and ShowSyncTask
    /// will return it — with values the client may not know, `null`s or
    /// extra fields, to test decoding.
    ///
    /// # Panics
    ///
    /// When `task` is not an object with a string `sync_task_id`.
    pub fn raw_task(mut self, task: Value) -> Self {
        assert!(
            task.get("sync_task_id").and_then(Value::as_str).is_some(),
            "a raw task needs a string sync_task_id"
        );
        self.tasks.push(task);
        self
    }

    /// Binds to a free port on 127.0.0.1 and starts serving in the
    /// background, until the returned [`LocalOms`] is dropped.
    pub async fn start(self) -> std::io::Result<LocalOms> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            iam_token: self.iam_token,
            keys: self.keys,
            check_clock_skew: self.check_clock_skew,
            clock_ahead: self.clock_ahead,
            ids: RandomState::new(),
            served: AtomicU64::new(0),
            state: Mutex::new(State {
                tasks: self
                    .tasks
                    .into_iter()
                    .map(|info| operations::Task { info, events: 0 })
                    .collect(),
                requests: Vec::new(),
            }),
        });
        let (shutdown, mut stopped) = oneshot::channel::<()>();
        let serving = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => stream,
                        Err(_) => continue,
                    },
                };
                let shared = Arc::clone(&serving);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(shared.handle(request).await) }
                    });
                    // A client that hangs up mid-request is not our concern.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(LocalOms {
            addr,
            shared,
            _shutdown: shutdown,
        })
    }
}

/// A running local OMS. Dropping it stops accepting connections.
pub struct LocalOms {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _shutdown: oneshot::Sender<()>,
}

impl fmt::Debug for LocalOms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalOms")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl LocalOms {
    /// Starts configuring a local OMS.
    pub fn builder() -> LocalOmsBuilder {
        LocalOmsBuilder::default()
    }

    /// The base URL to give to [`ClientBuilder::endpoint`](crate::ClientBuilder::endpoint).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The status of a sync task; `None` when there is no such task or its
    /// status is neither of [`TaskStatus`]'s.
    pub fn task_status(&self, id: &str) -> Option<TaskStatus> {
        self.shared.lock().task(id)?.status()
    }

    /// The ids of every sync task, oldest first.
    pub fn task_ids(&self) -> Vec<String> {
        self.shared
            .lock()
            .tasks
            .iter()
            .map(|t| t.id().to_owned())
            .collect()
    }
}

/// A request as the local OMS received it.
///
/// Its `Debug` and [`redacted`](Self::redacted) forms mask secret headers
/// and secret body fields; the accessors return the raw values for tests.
#[derive(Clone)]
pub struct RecordedRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl RecordedRequest {
    /// The method, such as `POST`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target as sent: the raw path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The raw path, without the query.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&self.target, |(path, _)| path)
    }

    /// Every header in the order received, names in lower case.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of a header (any letter case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request as HTTP/1.1 text, with secret headers and body fields
    /// masked.
    pub fn redacted(&self) -> String {
        let mut text = format!("{} {} HTTP/1.1\n", self.method, self.target);
        for (name, value) in &self.headers {
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                REDACTED
            } else {
                value.as_str()
            };
            text.push_str(&format!("{name}: {value}\n"));
        }
        if !self.body.is_empty() {
            text.push('\n');
            match serde_json::from_slice::<Value>(&self.body) {
                Ok(mut json) => {
                    mask_secret_fields(&mut json);
                    text.push_str(&serde_json::to_string_pretty(&json).unwrap_or_default());
                }
                Err(_) => text.push_str(&format!("<{} bytes that are not JSON>", self.body.len())),
            }
            text.push('\n');
        }
        text
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn mask_secret_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    mask_secret_fields(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secret_fields),
        _ => {}
    }
}

struct Shared {
    iam_token: Option<String>,
    keys: Vec<Key>,
    check_clock_skew: bool,
    clock_ahead: std::time::Duration,
    ids: RandomState,
    served: AtomicU64,
    state: Mutex<State>,
}

struct State {
    /// Oldest first.
    tasks: Vec<operations::Task>,
    requests: Vec<RecordedRequest>,
}

impl State {
    fn task(&self, id: &str) -> Option<&operations::Task> {
        self.tasks.iter().find(|t| t.id() == id)
    }
}

/// An answer: status and JSON body (`None` for an empty body).
type Answer = (StatusCode, Option<Value>);

impl Shared {
    /// The server's clock.
    fn now(&self) -> std::time::SystemTime {
        std::time::SystemTime::now() + self.clock_ahead
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated
        // in a way that matters to a test server; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let serial = self.served.fetch_add(1, Ordering::Relaxed);
        let request_id = format!(
            "{:016x}{:016x}",
            self.ids.hash_one(std::time::SystemTime::now()),
            self.ids.hash_one(serial)
        );
        let (parts, body) = request.into_parts();
        let (status, body) = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => {
                let body = collected.to_bytes();
                let recorded = RecordedRequest {
                    method: parts.method.to_string(),
                    target: parts
                        .uri
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_owned(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(n, v)| {
                            (
                                n.as_str().to_owned(),
                                String::from_utf8_lossy(v.as_bytes()).into_owned(),
                            )
                        })
                        .collect(),
                    body,
                };
                self.lock().requests.push(recorded.clone());
                self.answer(&parts.method, &recorded, &request_id)
            }
            Err(_) => gateway_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "APIGW.0201",
                "Request body too large",
                &request_id,
            ),
        };
        let mut response = Response::new(Full::new(match &body {
            Some(json) => Bytes::from(json.to_string()),
            None => Bytes::new(),
        }));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            "x-request-id",
            request_id.parse().expect("hex is a header value"),
        );
        let date = chrono::DateTime::<chrono::Utc>::from(self.now())
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert("date", date.parse().expect("a date is a header value"));
        if body.is_some() {
            headers.insert(
                "content-type",
                "application/json".parse().expect("static header value"),
            );
        }
        response
    }

    fn answer(&self, method: &Method, request: &RecordedRequest, request_id: &str) -> Answer {
        if let Err(answer) = self.authenticate(request, request_id) {
            return answer;
        }
        let segments: Vec<String> = request
            .path()
            .split('/')
            .skip(1)
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let query = request.target.split_once('?').map_or("", |(_, q)| q);
        let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut state = self.lock();
        let answer = match (method, segments.as_slice()) {
            (&Method::POST, ["v2", _, "sync-tasks"]) => {
                operations::create(&mut state, request.body())
            }
            (&Method::GET, ["v2", _, "sync-tasks"]) => operations::list(&state, &query),
            (&Method::GET, ["v2", _, "sync-tasks", task]) => operations::show(&state, task, &query),
            (&Method::DELETE, ["v2", _, "sync-tasks", task]) => {
                operations::delete(&mut state, task)
            }
            (&Method::POST, ["v2", _, "sync-tasks", task, "start"]) => {
                operations::start(&mut state, task, request.body())
            }
            (&Method::POST, ["v2", _, "sync-tasks", task, "stop"]) => {
                operations::stop(&mut state, task)
            }
            (&Method::POST, ["v2", _, "sync-tasks", task, "events"]) => {
                operations::events(&mut state, task, request.body())
            }
            (&Method::GET, ["v2", _, "sync-tasks", task, "statistics"]) => {
                operations::statistics(&state, task, &query)
            }
            _ => {
                return gateway_error(
                    StatusCode::NOT_FOUND,
                    "APIGW.0101",
                    "The API does not exist or has not been published in the environment",
                    request_id,
                );
            }
        };
        match answer {
            Ok(body) => (StatusCode::OK, body),
            Err(operations::Refusal {
                status,
                code,
                message,
            }) => (
                status,
                Some(json!({ "error_code": code, "error_msg": message })),
            ),
        }
    }

    /// Authenticates like the API gateway: a signature when `Authorization`
    /// is present, else an IAM token.
    fn authenticate(&self, request: &RecordedRequest, request_id: &str) -> Result<(), Answer> {
        let outcome = match request.header("authorization") {
            Some(authorization) => self.verify_signature(request, authorization),
            None => match (request.header("x-auth-token"), &self.iam_token) {
                (Some(token), Some(expected)) if token == expected => Ok(()),
                (Some(token), None) if !token.is_empty() => Ok(()),
                (Some(_), _) => Err("verify token failed"),
                (None, _) => Err("no X-Auth-Token and no Authorization header"),
            },
        };
        outcome.map_err(|why| {
            gateway_error(
                StatusCode::UNAUTHORIZED,
                "APIGW.0301",
                &format!("Incorrect IAM authentication information: {why}"),
                request_id,
            )
        })
    }

    /// Checks the signature over the request as received, and what the
    /// gateway adds: a recent `X-Sdk-Date`, and for temporary keys their
    /// signed `X-Security-Token`.
    fn verify_signature(
        &self,
        request: &RecordedRequest,
        authorization: &str,
    ) -> Result<(), &'static str> {
        let parsed =
            signer::Authorization::parse(authorization).ok_or("malformed Authorization header")?;
        let key = self
            .keys
            .iter()
            .find(|k| k.signing.access_key() == parsed.access_key)
            .ok_or("unknown access key")?;
        let date = request.header("x-sdk-date").ok_or("no X-Sdk-Date")?;
        let time = signer::parse_date(date).map_err(|_| "malformed X-Sdk-Date")?;
        if self.check_clock_skew {
            let now = self.now();
            let skew = match now.duration_since(time) {
                Ok(behind) => behind,
                Err(ahead) => ahead.duration(),
            };
            if skew > signer::MAX_CLOCK_SKEW {
                return Err("signature expired");
            }
        }
        if let Some(expected) = &key.security_token {
            let signed = parsed
                .signed_headers
                .split(';')
                .any(|name| name == "x-security-token");
            let sent = request
                .header("x-security-token")
                .ok_or("no X-Security-Token")?;
            if sent != expected.expose_secret() || !signed {
                return Err("X-Security-Token missing, wrong or not signed");
            }
        }
        let url = url::Url::parse(&format!("http://local.oms{}", request.target))
            .map_err(|_| "malformed request target")?;
        let mut headers = HeaderMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| "bad header name")?,
                HeaderValue::from_str(value).map_err(|_| "bad header value")?,
            );
        }
        let received = signer::SignableRequest {
            method: &request.method,
            url: &url,
            headers: &headers,
            body: &request.body,
        };
        signer::verify(&received, authorization, &key.signing).map_err(|e| match e {
            signer::VerifyError::DateOrHostNotSigned => "host and x-sdk-date must be signed",
            signer::VerifyError::MissingHeader => "a signed header is missing",
            signer::VerifyError::BadDate => "malformed X-Sdk-Date",
            signer::VerifyError::Mismatch => "signature mismatch",
            _ => "malformed Authorization header",
        })
    }
}

/// An API-gateway error, which carries the request id in the body too.
fn gateway_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Answer {
    (
        status,
        Some(json!({ "error_code": code, "error_msg": message, "request_id": request_id })),
    )
}
