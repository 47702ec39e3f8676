//! Waiting for a migration task or a task group to reach a final state:
//! polling ShowTask or ShowTaskGroup with backoff until the resource
//! succeeds, fails or is paused, or until a deadline; and reading what a
//! task or group says of itself (its state, why it failed).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::Client;
use crate::error::{Error, Last, WaitError};
use crate::generated::codes::{TaskGroupStatus, TaskStatus};
use crate::types::{ErrorReason, TaskGroupResp, TaskResp};

/// How long a waiter waits, and how often it asks.
///
/// It asks at once, then after `first`, doubling the pause up to `max`
/// (defaults: 1 s, 30 s); it never sleeps past the deadline, and asks a
/// last time at the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Wait {
    deadline: Duration,
    first: Duration,
    max: Duration,
}

impl Default for Wait {
    /// A day, polling after 1 s, then every 2, 4 … up to 30 s.
    fn default() -> Self {
        Self::new(Duration::from_secs(24 * 3600))
    }
}

impl Wait {
    pub(crate) fn deadline(&self) -> Duration {
        self.deadline
    }

    pub(crate) fn first(&self) -> Duration {
        self.first
    }

    pub(crate) fn max(&self) -> Duration {
        self.max
    }

    /// Waits at most `deadline` in all.
    pub fn new(deadline: Duration) -> Self {
        Self {
            deadline,
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }

    /// The first pause between two polls, and the longest (at least the
    /// first).
    pub fn poll_every(mut self, first: Duration, max: Duration) -> Self {
        self.first = first;
        self.max = max.max(first);
        self
    }

    /// Polls with `observe` until `done` says the resource is final, or the
    /// deadline.
    async fn run<T, Fut>(
        &self,
        resource: &str,
        mut poll: impl FnMut() -> Fut,
        mut observe: impl FnMut(&T),
        state: impl Fn(&T) -> (Option<i32>, &'static str, bool),
    ) -> Result<T, Error>
    where
        T: Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>>,
    {
        let start = tokio::time::Instant::now();
        let deadline = start + self.deadline;
        let mut pause = self.first;
        loop {
            let current = poll().await?;
            observe(&current);
            let (status, words, is_final) = state(&current);
            if is_final {
                return Ok(current);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(WaitError::Deadline {
                    resource: resource.to_owned(),
                    status,
                    state: words,
                    waited: now - start,
                    last: Last::new(Some(current)),
                }
                .into());
            }
            tokio::time::sleep_until((now + pause).min(deadline)).await;
            pause = (pause * 2).min(self.max);
        }
    }
}

/// Why a migration task or task group failed, read from its
/// `error_reason` whichever shape the service gave it (an object with a
/// code and a message, a bare string, or nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailureReason<'a> {
    /// The failure's code (`TRF.0151`), when there is one.
    pub code: Option<&'a str>,
    /// The failure in words, when there are some.
    pub message: Option<&'a str>,
}

impl fmt::Display for FailureReason<'_> {
    /// `code: message`, either alone, or `no reason given`; the service's
    /// text cut and with control characters escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |t: &str, max| crate::error::printable(t, max);
        match (self.code, self.message) {
            (Some(code), Some(message)) => write!(
                f,
                "{}: {}",
                text(code, 128),
                text(message, crate::error::MAX_MESSAGE_CHARS)
            ),
            (Some(one), None) | (None, Some(one)) => {
                f.write_str(&text(one, crate::error::MAX_MESSAGE_CHARS))
            }
            (None, None) => f.write_str("no reason given"),
        }
    }
}

/// The reason of an `error_reason`, when it gives one.
fn reason(error_reason: Option<&ErrorReason>) -> Option<FailureReason<'_>> {
    fn nonempty(text: &Option<String>) -> Option<&str> {
        text.as_deref().filter(|t| !t.is_empty())
    }
    let reason = match error_reason? {
        ErrorReason::ErrorReasonResp(reason) => FailureReason {
            code: nonempty(&reason.error_code),
            message: nonempty(&reason.error_msg),
        },
        ErrorReason::String(text) => FailureReason {
            code: None,
            message: Some(text.as_str()).filter(|t| !t.is_empty()),
        },
    };
    (reason.code.is_some() || reason.message.is_some()).then_some(reason)
}

impl TaskResp {
    /// Why the task failed, when its `error_reason` says (see
    /// [`FailureReason`]).
    pub fn error_reason(&self) -> Option<FailureReason<'_>> {
        reason(self.error_reason.as_ref())
    }
}

impl TaskGroupResp {
    /// Why the group failed, when its `error_reason` says (see
    /// [`FailureReason`]).
    pub fn error_reason(&self) -> Option<FailureReason<'_>> {
        reason(self.error_reason.as_ref())
    }
}

impl WaitError {
    /// The migration task as it ended ([`Failed`](Self::Failed)) or was
    /// last seen ([`Deadline`](Self::Deadline)), when a task was waited for.
    pub fn task(&self) -> Option<&TaskResp> {
        self.last()?.get()
    }

    /// The task group as it ended or was last seen, when a group was
    /// waited for.
    pub fn task_group(&self) -> Option<&TaskGroupResp> {
        self.last()?.get()
    }

    fn last(&self) -> Option<&Last> {
        match self {
            WaitError::Deadline { last, .. } | WaitError::Failed { last, .. } => Some(last),
            _ => None,
        }
    }
}

/// `error` as [`WaitError::Gone`] when OMS says that the resource does not
/// exist: `OMS.1009` (with the `400` ShowTask answers, or a `404`), or
/// another OMS code with a `404`. A gateway's `404` (`APIGW.0101`: no such
/// API, a wrong endpoint) is not about the resource and stays as it is.
pub(crate) fn gone(error: Error, resource: &str) -> Error {
    let missing = error.as_service_error().is_some_and(|e| {
        e.code() == "OMS.1009"
            || (e.status() == reqwest::StatusCode::NOT_FOUND && e.code().starts_with("OMS."))
    });
    if missing {
        let request_id = error.request_id().map(str::to_owned);
        WaitError::Gone {
            resource: resource.to_owned(),
            request_id,
        }
        .into()
    } else {
        error
    }
}

/// The state of a status this client does not know.
const UNKNOWN: &str = "in a state this client does not know";

/// What a waiter reads of a task or a group.
pub(crate) trait Waited: Sized + Send + Sync + 'static {
    fn code(&self) -> Option<i32>;
    /// Its state in words, and whether it is final.
    fn state(&self) -> (&'static str, bool);
    fn is_failure(&self) -> bool;
    fn reason(&self) -> Option<FailureReason<'_>>;
}

/// `Waited` for a resource whose `status()` is the code enum `$status`
/// (`x-oms-codes`): tasks and groups read the same way.
macro_rules! waited_by_status {
    ($resource:ty, $status:ty) => {
        impl Waited for $resource {
            fn code(&self) -> Option<i32> {
                self.status
            }

            fn state(&self) -> (&'static str, bool) {
                match self.status() {
                    Some(status) => (status.words().unwrap_or(UNKNOWN), status.is_final()),
                    None => (UNKNOWN, false),
                }
            }

            fn is_failure(&self) -> bool {
                self.status().is_some_and(<$status>::is_failure)
            }

            fn reason(&self) -> Option<FailureReason<'_>> {
                self.error_reason()
            }
        }
    };
}

waited_by_status!(TaskResp, TaskStatus);
waited_by_status!(TaskGroupResp, TaskGroupStatus);

/// `resource` in its final state: `Ok`, or [`WaitError::Failed`] with it.
pub(crate) fn outcome<T: Waited>(resource: &str, last: T) -> Result<T, Error> {
    if !last.is_failure() {
        return Ok(last);
    }
    let (state, _) = last.state();
    let reason = last.reason();
    let error_code = reason
        .and_then(|r| r.code)
        .map(|c| crate::error::printable(c, 128).into());
    let error_msg = reason
        .and_then(|r| r.message)
        .map(|m| crate::error::printable(m, crate::error::MAX_MESSAGE_CHARS).into());
    Err(WaitError::Failed {
        resource: resource.to_owned(),
        status: last.code().unwrap_or_default(),
        state,
        error_code,
        error_msg,
        last: Last::new(Some(last)),
    }
    .into())
}

/// Waits for a migration task; see [`Client::wait_for_task`]. Await it.
#[must_use]
pub struct WaitForTask<'a, F = fn(&TaskResp)> {
    client: &'a Client,
    task_id: i64,
    project_id: Option<String>,
    wait: Wait,
    observe: F,
}

/// Waits for a task group; see [`Client::wait_for_task_group`]. Await it.
#[must_use]
pub struct WaitForTaskGroup<'a, F = fn(&TaskGroupResp)> {
    client: &'a Client,
    group_id: String,
    project_id: Option<String>,
    wait: Wait,
    observe: F,
}

impl<F> fmt::Debug for WaitForTask<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForTask")
            .field("task_id", &self.task_id)
            .field("project_id", &self.project_id)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for WaitForTaskGroup<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForTaskGroup")
            .field("group_id", &self.group_id)
            .field("project_id", &self.project_id)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Polls ShowTask until migration task `task_id` succeeds (`Ok`), is
    /// paused (`Ok`: look at its status) or fails ([`WaitError::Failed`],
    /// which keeps the task as it ended: [`WaitError::task`]), or until the
    /// deadline ([`WaitError::Deadline`], default a day; see
    /// [`WaitForTask::wait`]). A task that disappears is
    /// [`WaitError::Gone`]; any other error ends the wait. The project is
    /// the client's unless [`project_id`](WaitForTask::project_id) names
    /// one; [`observe`](WaitForTask::observe) sees every state polled.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use oms_api::Wait;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let task = client
    ///     .wait_for_task(1_234_567)
    ///     .wait(Wait::new(Duration::from_secs(3600)))
    ///     .observe(|task| println!("{:?}/{:?} objects", task.successful_num, task.total_num))
    ///     .await?;
    /// println!("finished in {:?} ms", task.total_time);
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_task(&self, task_id: i64) -> WaitForTask<'_> {
        WaitForTask {
            client: self,
            task_id,
            project_id: None,
            wait: Wait::default(),
            observe: |_| {},
        }
    }

    /// Polls ShowTaskGroup until task group `group_id` completes (`Ok`), is
    /// paused (`Ok`), or fails to create its tasks or to migrate
    /// ([`WaitError::Failed`], with the group: [`WaitError::task_group`]),
    /// or until the deadline; otherwise as [`Client::wait_for_task`]. A
    /// group being deleted is waited for until it is gone
    /// ([`WaitError::Gone`]).
    pub fn wait_for_task_group(&self, group_id: &str) -> WaitForTaskGroup<'_> {
        WaitForTaskGroup {
            client: self,
            group_id: group_id.to_owned(),
            project_id: None,
            wait: Wait::default(),
            observe: |_| {},
        }
    }
}

macro_rules! waiter_settings {
    ($builder:ident, $resp:ty) => {
        impl<'a, F> $builder<'a, F> {
            /// The project. Default: the client's (see
            /// [`ClientBuilder::project_id`](crate::ClientBuilder::project_id)).
            pub fn project_id(mut self, project_id: impl AsRef<str>) -> Self {
                self.project_id = Some(project_id.as_ref().to_owned());
                self
            }

            /// Sets the project, or leaves it to the client when `None`.
            pub fn set_project_id<S: AsRef<str>>(mut self, project_id: Option<S>) -> Self {
                self.project_id = project_id.map(|p| p.as_ref().to_owned());
                self
            }

            /// How long to wait in all, and how often to poll. Default:
            /// [`Wait::default`] (a day).
            pub fn wait(mut self, wait: Wait) -> Self {
                self.wait = wait;
                self
            }
        }
    };
}

waiter_settings!(WaitForTask, TaskResp);
waiter_settings!(WaitForTaskGroup, TaskGroupResp);

impl<'a, F> WaitForTask<'a, F> {
    /// Calls `observe` with every state polled, for a progress line.
    pub fn observe<G: FnMut(&TaskResp) + Send + 'a>(self, observe: G) -> WaitForTask<'a, G> {
        let Self {
            client,
            task_id,
            project_id,
            wait,
            ..
        } = self;
        WaitForTask {
            client,
            task_id,
            project_id,
            wait,
            observe,
        }
    }
}

impl<'a, F> WaitForTaskGroup<'a, F> {
    /// Calls `observe` with every state polled, for a progress line.
    pub fn observe<G: FnMut(&TaskGroupResp) + Send + 'a>(
        self,
        observe: G,
    ) -> WaitForTaskGroup<'a, G> {
        let Self {
            client,
            group_id,
            project_id,
            wait,
            ..
        } = self;
        WaitForTaskGroup {
            client,
            group_id,
            project_id,
            wait,
            observe,
        }
    }
}

impl<'a, F: FnMut(&TaskResp) + Send + 'a> IntoFuture for WaitForTask<'a, F> {
    type Output = Result<TaskResp, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let Self {
            client,
            task_id,
            project_id,
            wait,
            observe,
        } = self;
        Box::pin(async move {
            let resource = format!("migration task {task_id}");
            let task = wait
                .run(
                    &resource,
                    || async {
                        client
                            .show_task()
                            .set_project_id(project_id.as_deref())
                            .task_id(task_id)
                            .send()
                            .await
                            .map(crate::ResponseValue::into_inner)
                            .map_err(|e| gone(e, &resource))
                    },
                    observe,
                    |task: &TaskResp| {
                        let (words, is_final) = task.state();
                        (task.status, words, is_final)
                    },
                )
                .await?;
            outcome(&resource, task)
        })
    }
}

impl<'a, F: FnMut(&TaskGroupResp) + Send + 'a> IntoFuture for WaitForTaskGroup<'a, F> {
    type Output = Result<TaskGroupResp, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let Self {
            client,
            group_id,
            project_id,
            wait,
            observe,
        } = self;
        Box::pin(async move {
            let resource = format!("task group {}", crate::error::printable(&group_id, 128));
            let group = wait
                .run(
                    &resource,
                    || async {
                        client
                            .show_task_group()
                            .set_project_id(project_id.as_deref())
                            .group_id(group_id.as_str())
                            .send()
                            .await
                            .map(crate::ResponseValue::into_inner)
                            .map_err(|e| gone(e, &resource))
                    },
                    observe,
                    |group: &TaskGroupResp| {
                        let (words, is_final) = group.state();
                        (group.status, words, is_final)
                    },
                )
                .await?;
            outcome(&resource, group)
        })
    }
}
