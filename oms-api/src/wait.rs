//! Waiting for a migration task or a task group to reach a final state:
//! polling ShowTask or ShowTaskGroup with backoff until the resource
//! succeeds, fails or is paused, or until a deadline.

use std::future::Future;
use std::time::Duration;

use crate::Client;
use crate::error::{Error, WaitError};
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
        status: impl Fn(&T) -> Option<i32>,
        is_final: impl Fn(i32) -> bool,
    ) -> Result<T, Error>
    where
        Fut: Future<Output = Result<T, Error>>,
    {
        let start = tokio::time::Instant::now();
        let deadline = start + self.deadline;
        let mut pause = self.first;
        loop {
            let current = poll().await?;
            observe(&current);
            let code = status(&current);
            if code.is_some_and(&is_final) {
                return Ok(current);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(WaitError::Deadline {
                    resource: resource.to_owned(),
                    status: code,
                    waited: now - start,
                }
                .into());
            }
            tokio::time::sleep_until((now + pause).min(deadline)).await;
            pause = (pause * 2).min(self.max);
        }
    }
}

/// The code and message of an `error_reason`, when it has them.
fn reason(error_reason: Option<&ErrorReason>) -> (Option<String>, Option<String>) {
    match error_reason {
        Some(ErrorReason::ErrorReasonResp(reason)) => {
            (reason.error_code.clone(), reason.error_msg.clone())
        }
        Some(ErrorReason::String(text)) if !text.is_empty() => (None, Some(text.clone())),
        _ => (None, None),
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

impl Client {
    /// Polls ShowTask until migration task `task_id` succeeds (`Ok`), is
    /// paused (`Ok`: look at its status) or fails
    /// ([`WaitError::Failed`], with its `error_reason`), or until the
    /// deadline ([`WaitError::Deadline`]). A task that disappears is
    /// [`WaitError::Gone`]; any other error ends the wait. `observe` sees
    /// every state polled, for a progress line.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use oms_api::Wait;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let task = client
    ///     .wait_for_task("my-project-id", 1_234_567, &Wait::new(Duration::from_secs(3600)), |task| {
    ///         println!("{:?}/{:?} objects", task.successful_num, task.total_num);
    ///     })
    ///     .await?;
    /// println!("finished in {:?} ms", task.total_time);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_task(
        &self,
        project_id: &str,
        task_id: i64,
        wait: &Wait,
        observe: impl FnMut(&TaskResp),
    ) -> Result<TaskResp, Error> {
        let resource = format!("migration task {task_id}");
        let task = wait
            .run(
                &resource,
                || async {
                    self.show_task()
                        .project_id(project_id)
                        .task_id(task_id)
                        .send()
                        .await
                        .map(crate::ResponseValue::into_inner)
                        .map_err(|e| gone(e, &resource))
                },
                observe,
                |task: &TaskResp| task.status,
                |code| TaskStatus::from_code(code).is_final(),
            )
            .await?;
        match task.status.map(TaskStatus::from_code) {
            Some(TaskStatus::Failed) => {
                Err(failed(&resource, task.status, task.error_reason.as_ref()))
            }
            _ => Ok(task),
        }
    }

    /// Polls ShowTaskGroup until task group `group_id` completes (`Ok`), is
    /// paused (`Ok`), or fails to create its tasks or to migrate
    /// ([`WaitError::Failed`]), or until the deadline; otherwise as
    /// [`Client::wait_for_task`]. A group being deleted is waited for until
    /// it is gone ([`WaitError::Gone`]).
    pub async fn wait_for_task_group(
        &self,
        project_id: &str,
        group_id: &str,
        wait: &Wait,
        observe: impl FnMut(&TaskGroupResp),
    ) -> Result<TaskGroupResp, Error> {
        let resource = format!("task group {}", crate::error::printable(group_id, 128));
        let group = wait
            .run(
                &resource,
                || async {
                    self.show_task_group()
                        .project_id(project_id)
                        .group_id(group_id)
                        .send()
                        .await
                        .map(crate::ResponseValue::into_inner)
                        .map_err(|e| gone(e, &resource))
                },
                observe,
                |group: &TaskGroupResp| group.status,
                |code| TaskGroupStatus::from_code(code).is_final(),
            )
            .await?;
        match group.status.map(TaskGroupStatus::from_code) {
            Some(TaskGroupStatus::Failed | TaskGroupStatus::CreationFailed) => {
                Err(failed(&resource, group.status, group.error_reason.as_ref()))
            }
            _ => Ok(group),
        }
    }
}

pub(crate) fn failed(
    resource: &str,
    status: Option<i32>,
    error_reason: Option<&ErrorReason>,
) -> Error {
    let (error_code, error_msg) = reason(error_reason);
    WaitError::Failed {
        resource: resource.to_owned(),
        status: status.unwrap_or_default(),
        error_code: error_code.map(|c| crate::error::printable(&c, 128)),
        error_msg: error_msg.map(|m| crate::error::printable(&m, crate::error::MAX_MESSAGE_CHARS)),
    }
    .into()
}
