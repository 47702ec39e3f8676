//! The eight sync-task operations of the local OMS, over in-memory state.
//!
//! Input is checked by the spec's own types and rules (see [`super::input`]);
//! what is here is the service's behaviour: the 5-task limit, no delete
//! while a task synchronizes (`OMS.0063`), `OMS.0078` for a description with
//! forbidden characters, `OMS.1009` for an unknown task. Where the
//! documentation is silent this file says which choice it makes.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::input::{Call, Outcome, Refusal, invalid, refuse};
use super::{State, TaskStatus, new_uuid, now_ms};
use crate::types;

/// The most sync tasks an account may have.
pub(super) const MAX_TASKS: usize = 5;

/// A task: its `SyncTaskInfo` fields as JSON, and the change events
/// received.
pub(super) struct Task {
    pub(super) info: Value,
    pub(super) events: i64,
    /// Every distinct object key received in events.
    pub(super) event_keys: std::collections::HashSet<String>,
}

impl Task {
    pub(super) fn new(info: Value) -> Self {
        Self {
            info,
            events: 0,
            event_keys: std::collections::HashSet::new(),
        }
    }

    pub(super) fn id(&self) -> &str {
        self.info["sync_task_id"].as_str().unwrap_or_default()
    }

    pub(super) fn status(&self) -> Option<TaskStatus> {
        match self.info["status"].as_str()? {
            "SYNCHRONIZING" => Some(TaskStatus::Synchronizing),
            "STOPPED" => Some(TaskStatus::Stopped),
            _ => None,
        }
    }

    fn set_status(&mut self, status: TaskStatus) {
        self.info["status"] = json!(status_text(status));
        if status == TaskStatus::Synchronizing {
            self.info["last_start_time"] = json!(now_ms());
        }
    }
}

fn status_text(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Synchronizing => "SYNCHRONIZING",
        TaskStatus::Stopped => "STOPPED",
    }
}

/// The service answers 400 `OMS.1009` for an unknown task, and 404 on the
/// operations that document a 404 (events, statistics).
fn no_such_task(status: StatusCode) -> Refusal {
    Refusal {
        status,
        code: "OMS.1009",
        message: "The sync task does not exist".to_owned(),
    }
}

/// A plausible task, as `LocalOmsBuilder::sync_task` adds it.
pub(super) fn sample_task(id: &str, status: TaskStatus) -> Value {
    let now = now_ms();
    json!({
        "sync_task_id": id,
        "src_cloud_type": "Aliyun",
        "src_region": "cn-hangzhou",
        "src_bucket": "source-bucket",
        "create_time": now,
        "last_start_time": now,
        "dst_bucket": "destination-bucket",
        "dst_region": "cn-north-4",
        "description": null,
        "status": status_text(status),
        "enable_metadata_migration": false,
        "enable_restore": false,
        "app_id": null,
        "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
        "dst_storage_policy": "STANDARD",
        "consistency_check": "size_last_modified",
    })
}

fn find<'s>(state: &'s State, id: &str, missing: StatusCode) -> Result<&'s Task, Refusal> {
    state.sync_task(id).ok_or_else(|| no_such_task(missing))
}

fn find_mut<'s>(
    state: &'s mut State,
    id: &str,
    missing: StatusCode,
) -> Result<&'s mut Task, Refusal> {
    state
        .sync_tasks
        .iter_mut()
        .find(|t| t.id() == id)
        .ok_or_else(|| no_such_task(missing))
}

/// CreateSyncTask. The service does not document the error for a sixth
/// task; this server answers `OMS.0064` (invalid request).
pub(super) fn create(state: &mut State, call: &Call<'_>) -> Outcome {
    call.refuse_forbidden_description(&['<', '>', '(', ')', '"', '\'', '&'])?;
    let body: types::CreateSyncTaskReq = call.body()?;
    if state.sync_tasks.len() >= MAX_TASKS {
        return Err(refuse(
            "OMS.0064",
            format!("Invalid request: an account has at most {MAX_TASKS} sync tasks"),
        ));
    }
    let id = new_uuid(&(now_ms(), state.sync_tasks.len()));
    let now = now_ms();
    let text = |value: Option<String>, default: &str| value.unwrap_or_else(|| default.to_owned());
    let info = json!({
        "sync_task_id": id,
        "src_cloud_type": text(body.src_cloud_type.map(|t| t.to_string()), "Aliyun"),
        "src_region": body.src_region.to_string(),
        "src_bucket": body.src_bucket.to_string(),
        "create_time": now,
        "last_start_time": now,
        "dst_bucket": body.dst_bucket.to_string(),
        "dst_region": body.dst_region.to_string(),
        "description": body.description.map(|d| d.to_string()),
        "status": "SYNCHRONIZING",
        "enable_metadata_migration": body.enable_metadata_migration.unwrap_or(false),
        "enable_restore": body.enable_restore.unwrap_or(false),
        "app_id": body.app_id.map(|a| a.to_string()),
        "source_cdn": body.source_cdn.map(|cdn| json!({
            "domain": cdn.domain.to_string(),
            "protocol": cdn.protocol.to_string(),
            "authentication_type": cdn.authentication_type.to_string(),
        })),
        "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
        "dst_storage_policy": text(body.dst_storage_policy.map(|p| p.to_string()), "STANDARD"),
        "consistency_check": text(body.consistency_check.map(|c| c.to_string()), "size_last_modified"),
    });
    state.sync_tasks.push(Task::new(info));
    Ok(Some(json!({ "sync_task_id": id })))
}

/// ListSyncTasks: `limit` (the service's default 10), `offset` (default
/// 0), `status` optional.
pub(super) fn list(state: &State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let paging = call.paging()?;
    let status: Option<types::SyncTaskStatus> = call.query("status")?;
    let status = status.map(|s| s.to_string());
    let matching: Vec<&Value> = state
        .sync_tasks
        .iter()
        .filter(|t| {
            status
                .as_ref()
                .is_none_or(|s| t.info["status"] == s.as_str())
        })
        .map(|t| &t.info)
        .collect();
    paging.answer("tasks", &matching)
}

/// ShowSyncTask: `query_time` is required; the counters are this server's
/// (events received; nothing is copied).
pub(super) fn show(state: &State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    call.required::<i64>("query_time")?;
    let task = find(state, call.param(1), StatusCode::BAD_REQUEST)?;
    let mut info = task.info.clone();
    if let Some(object) = info.as_object_mut() {
        object.remove("source_cdn");
        object.insert("monthly_acceptance_request".to_owned(), json!(task.events));
        object.insert("monthly_success_object".to_owned(), json!(task.events));
        object.insert("monthly_failure_object".to_owned(), json!(0));
        object.insert("monthly_skip_object".to_owned(), json!(0));
        object.insert("monthly_size".to_owned(), json!(0));
    }
    Ok(Some(info))
}

/// DeleteSyncTask: a synchronizing task must be stopped first (`OMS.0063`).
pub(super) fn delete(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = call.param(1);
    let task = find(state, id, StatusCode::BAD_REQUEST)?;
    if task.status() == Some(TaskStatus::Synchronizing) {
        return Err(refuse(
            "OMS.0063",
            "The task is in progress: stop it before deleting it",
        ));
    }
    state.sync_tasks.retain(|t| t.id() != id);
    Ok(None)
}

/// StartSyncTask: the destination keys are required, the source keys
/// optional (URL-list tasks).
pub(super) fn start(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::StartSyncTaskReq = call.body()?;
    find_mut(state, call.param(1), StatusCode::BAD_REQUEST)?.set_status(TaskStatus::Synchronizing);
    Ok(None)
}

/// StopSyncTask.
pub(super) fn stop(state: &mut State, call: &Call<'_>) -> Outcome {
    find_mut(state, call.param(1), StatusCode::BAD_REQUEST)?.set_status(TaskStatus::Stopped);
    Ok(None)
}

/// CreateSyncEvents.
pub(super) fn events(state: &mut State, call: &Call<'_>) -> Outcome {
    let body: types::CreateSyncEventsReq = call.body()?;
    let count = i64::try_from(body.object_keys.len()).unwrap_or(i64::MAX);
    let keep = state.keep_event_keys;
    let task = find_mut(state, call.param(1), StatusCode::NOT_FOUND)?;
    task.events += count;
    if keep {
        task.event_keys
            .extend(body.object_keys.into_iter().map(|key| key.to_string()));
    }
    Ok(None)
}

/// ListSyncTaskStatistic: one point per series at `start_time`, from the
/// events received.
pub(super) fn statistics(state: &State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let data_types: types::StatisticDataTypes = call.required("data_type")?;
    let start_time: i64 = call.required("start_time")?;
    let end_time: i64 = call.required("end_time")?;
    if end_time < start_time {
        return Err(invalid("end_time"));
    }
    let task = find(state, call.param(1), StatusCode::NOT_FOUND)?;
    let series: Vec<Value> = data_types
        .split(',')
        .map(|data_type| {
            let value = match data_type {
                "REQUEST" | "SUCCESS" => task.events,
                _ => 0,
            };
            json!({ "data_type": data_type, "data": [{ "time_stamp": start_time, "statistic_num": value }] })
        })
        .collect();
    Ok(Some(json!({
        "sync_task_id": task.id(),
        "statistic_time_type": "FIVE_MINUTES",
        "statistic_datas": series,
    })))
}
