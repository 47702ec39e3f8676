//! An in-process OMS on 127.0.0.1, for the examples and for tests of code
//! that uses this crate (feature `local-server`).
//!
//! It implements every operation of OMS v2 over real HTTP with in-memory
//! state and the service's rules as the reference states them: sync tasks
//! (at most 5; no delete while one synchronizes, `OMS.0063`), migration
//! tasks and task groups (their states and the transitions OMS allows, the
//! quota of 1500 tasks a day, progress on a simulated clock set by a
//! [`MigrationPlan`]), the bucket helpers over [`SourceBucket`]s (marker
//! paging of a bucket's objects), cloud types, regions, API versions and
//! the privacy agreement — and, as IAM would, the project query a client
//! makes to discover its project id. It checks every input with the spec's own types
//! and rules, authenticates like the API gateway — an IAM token, or an
//! SDK-HMAC-SHA256 signature checked with [`crate::signer::verify`] and
//! refused with `401 APIGW.0301` when it does not match —, answers errors
//! the way OMS and its gateway do (with `X-Request-Id` on every response),
//! and records every request it receives so that tests can inspect the wire.
//!
//! The parts: `http` (connections, routing by the spec's path templates),
//! `gateway` (authentication), `input` (checking a call's input), `record`
//! (what was received), and one module per resource: `sync_tasks`, `tasks`
//! (migration tasks, and the simulated clock), `task_groups`, `buckets` (the
//! bucket helpers) and `catalog` (versions, cloud types, regions, privacy
//! agreement).
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

use std::fmt;
use std::hash::RandomState;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::credentials::SecurityToken;
use crate::signer::SigningKey;
use gateway::{Gateway, Key};

mod buckets;
mod catalog;
mod gateway;
mod http;
mod input;
mod record;
mod sync_tasks;
mod task_groups;
mod tasks;

pub use buckets::SourceBucket;
pub use record::RecordedRequest;
pub use tasks::MigrationPlan;

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
    plan: MigrationPlan,
    task_quota: usize,
    migration_tasks: Vec<Value>,
    task_groups: Vec<Value>,
    buckets: Vec<SourceBucket>,
    list_files: Vec<buckets::ListFile>,
    projects: Vec<(String, String)>,
    throttle: Option<f64>,
    faults: f64,
    record: bool,
    keep_event_keys: bool,
}

/// The project id the local IAM answers for any region, unless
/// [`LocalOmsBuilder::project`] says otherwise.
pub const DEFAULT_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

impl Default for LocalOmsBuilder {
    fn default() -> Self {
        Self {
            iam_token: None,
            keys: Vec::new(),
            check_clock_skew: true,
            clock_ahead: std::time::Duration::ZERO,
            tasks: Vec::new(),
            plan: MigrationPlan::default(),
            task_quota: tasks::TASK_QUOTA,
            migration_tasks: Vec::new(),
            task_groups: Vec::new(),
            buckets: Vec::new(),
            list_files: Vec::new(),
            projects: Vec::new(),
            throttle: None,
            faults: 0.0,
            record: true,
            keep_event_keys: true,
        }
    }
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
        self.tasks.push(sync_tasks::sample_task(&id.into(), status));
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

    /// How the migration tasks created from now on behave over time.
    /// Default: [`MigrationPlan::default`].
    pub fn migration_plan(mut self, plan: MigrationPlan) -> Self {
        self.plan = plan;
        self
    }

    /// How many migration tasks (alone or in groups) may be created in 24
    /// hours. Default: 1500, the service's documented quota.
    pub fn task_quota(mut self, tasks: usize) -> Self {
        self.task_quota = tasks;
        self
    }

    /// Adds a migration task exactly as given: a JSON object with the
    /// fields of `TaskResp`, as ListTasks and ShowTask will return it (it
    /// does not change over time) — with values the client may not know,
    /// `null`s or extra fields, to test decoding.
    ///
    /// # Panics
    ///
    /// When `task` is not an object with an integer `id`.
    pub fn raw_migration_task(mut self, task: Value) -> Self {
        assert!(
            task.get("id").and_then(Value::as_i64).is_some(),
            "a raw migration task needs an integer id"
        );
        self.migration_tasks.push(task);
        self
    }

    /// Adds a task group exactly as given: a JSON object with the fields of
    /// `TaskGroupResp`, as ListTaskGroup and ShowTaskGroup will return it.
    ///
    /// # Panics
    ///
    /// When `group` is not an object with a string `group_id`.
    pub fn raw_task_group(mut self, group: Value) -> Self {
        assert!(
            group.get("group_id").and_then(Value::as_str).is_some(),
            "a raw task group needs a string group_id"
        );
        self.task_groups.push(group);
        self
    }

    /// Adds a bucket of a source cloud, for the bucket helpers and as the
    /// source of migration tasks (their totals are its objects).
    pub fn source_bucket(mut self, bucket: SourceBucket) -> Self {
        self.buckets.push(bucket);
        self
    }

    /// Stores a list file `key` with `content` in the OBS bucket `bucket`,
    /// for CheckUrlSourceListFileFormat.
    pub fn list_file(
        mut self,
        bucket: impl Into<String>,
        key: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        self.list_files.push(buckets::ListFile {
            bucket: bucket.into(),
            key: key.into(),
            content: content.into(),
        });
        self
    }

    /// Adds a project named `name` (a region) with id `id` to what the local
    /// IAM answers to `GET /v3/projects?name=<name>`, the query a client
    /// makes to discover its project id. Default: every name has one
    /// project, [`DEFAULT_PROJECT_ID`]; once a project is added, only the
    /// added ones exist (so a name can have none, or several).
    pub fn project(mut self, name: impl Into<String>, id: impl Into<String>) -> Self {
        self.projects.push((name.into(), id.into()));
        self
    }

    /// Throttles every operation (API) to `per_second` requests a second,
    /// as the API gateway's flow control does: each operation has a bucket
    /// of `per_second` tokens (one second's burst) refilled continuously;
    /// a request that finds it empty is answered `429 APIGW.0308` and not
    /// processed. Default: no throttling.
    pub fn throttle(mut self, per_second: f64) -> Self {
        self.throttle = (per_second.is_finite() && per_second > 0.0).then_some(per_second);
        self
    }

    /// Makes `fraction` (0 to 1) of the requests that pass the gateway fail:
    /// half are answered `503` without being processed, half are processed
    /// and then the connection is closed without an answer (so the client
    /// cannot know whether they were applied). Default: none.
    pub fn faults(mut self, fraction: f64) -> Self {
        self.faults = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// Whether every request is kept for [`LocalOms::requests`]. Default:
    /// `true`; turn it off for long runs, whose memory it would fill.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record = record;
        self
    }

    /// Whether the distinct object keys of CreateSyncEvents are kept, for
    /// [`LocalOms::sync_events`] and [`LocalOms::received_event_key`].
    /// Default: `true`; turn it off for feeds of millions of keys (then only
    /// the keys received are counted).
    pub fn keep_event_keys(mut self, keep: bool) -> Self {
        self.keep_event_keys = keep;
        self
    }

    /// Binds to a free port on 127.0.0.1 and starts serving in the
    /// background, until the returned [`LocalOms`] is dropped.
    pub async fn start(self) -> std::io::Result<LocalOms> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            gateway: Gateway {
                iam_token: self.iam_token,
                keys: self.keys,
                check_clock_skew: self.check_clock_skew,
                clock_ahead: self.clock_ahead,
            },
            ids: RandomState::new(),
            served: AtomicU64::new(0),
            throttle: self.throttle.map(gateway::Throttle::new),
            faults: self.faults,
            record: self.record,
            throttled: AtomicU64::new(0),
            outage: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(State {
                sync_tasks: self.tasks.into_iter().map(sync_tasks::Task::new).collect(),
                migration: tasks::Migration::new(
                    self.plan,
                    self.task_quota,
                    self.migration_tasks,
                    self.task_groups,
                ),
                buckets: self.buckets,
                list_files: self.list_files,
                projects: self.projects,
                privacy_agreed: false,
                keep_event_keys: self.keep_event_keys,
                requests: Vec::new(),
            }),
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(http::serve(listener, Arc::clone(&shared), stopped));
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
        self.shared.lock().sync_task(id)?.status()
    }

    /// The ids of every sync task, oldest first.
    pub fn task_ids(&self) -> Vec<String> {
        self.shared
            .lock()
            .sync_tasks
            .iter()
            .map(|t| t.id().to_owned())
            .collect()
    }

    /// The status of a migration task; `None` when there is no such task.
    pub fn migration_task_status(&self, id: i64) -> Option<crate::TaskStatus> {
        let code = self.shared.lock().migration.task(id)?.status()?;
        Some(crate::TaskStatus::from_code(i32::try_from(code).ok()?))
    }

    /// The ids of every migration task, oldest first.
    pub fn migration_task_ids(&self) -> Vec<i64> {
        let state = self.shared.lock();
        state
            .migration
            .tasks
            .iter()
            .filter_map(|t| t.id())
            .collect()
    }

    /// The status of a task group; `None` when there is no such group.
    pub fn task_group_status(&self, id: &str) -> Option<crate::TaskGroupStatus> {
        let code = self.shared.lock().migration.group(id)?.status()?;
        Some(crate::TaskGroupStatus::from_code(i32::try_from(code).ok()?))
    }

    /// How many requests the gateway's flow control answered `429`
    /// ([`LocalOmsBuilder::throttle`]).
    pub fn throttled(&self) -> u64 {
        self.shared
            .throttled
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Starts or ends an outage: while it lasts, every request that passes
    /// the gateway is answered `503` and not processed.
    pub fn set_outage(&self, down: bool) {
        self.shared
            .outage
            .store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many requests were received, throttled or not.
    pub fn received(&self) -> u64 {
        self.shared
            .served
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many object keys sync task `id` received in CreateSyncEvents,
    /// and how many distinct ones (0 unless
    /// [`LocalOmsBuilder::keep_event_keys`]); `None` when there is no such
    /// task.
    pub fn sync_events(&self, id: &str) -> Option<(u64, usize)> {
        let state = self.shared.lock();
        let task = state.sync_task(id)?;
        Some((
            u64::try_from(task.events).unwrap_or(0),
            task.event_keys.len(),
        ))
    }

    /// Whether sync task `id` received `key` in CreateSyncEvents.
    pub fn received_event_key(&self, id: &str, key: &str) -> bool {
        self.shared
            .lock()
            .sync_task(id)
            .is_some_and(|task| task.event_keys.contains(key))
    }

    /// Whether UpdatePrivacyAgreementRecord was called.
    pub fn privacy_agreed(&self) -> bool {
        self.shared.lock().privacy_agreed
    }
}

/// What every connection shares: the gateway's settings and the state.
struct Shared {
    gateway: Gateway,
    ids: RandomState,
    served: AtomicU64,
    /// The gateway's flow control, if on.
    throttle: Option<gateway::Throttle>,
    /// The fraction of requests that fail.
    faults: f64,
    /// Whether requests are recorded.
    record: bool,
    /// Requests answered `429`.
    throttled: AtomicU64,
    /// Every request is answered `503` while it is set.
    outage: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
}

/// The service's data, and the requests received.
struct State {
    /// Oldest first.
    sync_tasks: Vec<sync_tasks::Task>,
    migration: tasks::Migration,
    buckets: Vec<SourceBucket>,
    list_files: Vec<buckets::ListFile>,
    /// The local IAM's projects: (name, id); empty: one per name.
    projects: Vec<(String, String)>,
    privacy_agreed: bool,
    keep_event_keys: bool,
    requests: Vec<RecordedRequest>,
}

impl State {
    fn sync_task(&self, id: &str) -> Option<&sync_tasks::Task> {
        self.sync_tasks.iter().find(|t| t.id() == id)
    }
}

/// An answer: status and JSON body (`None` for an empty body).
type Answer = (StatusCode, Option<Value>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-updated
        // in a way that matters to a test server; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A fresh id in the service's UUID form, different for each `salt`.
fn new_uuid(salt: &impl std::hash::Hash) -> String {
    use std::hash::BuildHasher;
    let hasher = RandomState::new();
    let high = hasher.hash_one(salt);
    let low = hasher.hash_one(high);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}
