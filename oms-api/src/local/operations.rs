//! The eight sync-task operations of the local OMS, over in-memory state.
//!
//! Each checks its input the way the service documents it and answers the
//! service's error codes. Where the documentation is silent this file says
//! which choice it makes.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::StatusCode;
use serde_json::{Map, Value, json};

use super::{State, TaskStatus};

/// The most sync tasks an account may have.
pub(super) const MAX_TASKS: usize = 5;

/// A task: its `SyncTaskInfo` fields as JSON, and the change events
/// received.
pub(super) struct Task {
    pub(super) info: Value,
    pub(super) events: i64,
}

impl Task {
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

/// An error answer: status, OMS error code and message.
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.into(),
    }
}

fn invalid(field: &str) -> Refusal {
    refuse("OMS.0001", format!("Invalid parameter: {field}"))
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

type Outcome = Result<Option<Value>, Refusal>;

fn now_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
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

fn json_object(body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(refuse(
            "OMS.0002",
            "Invalid parameter format: the body is not a JSON object",
        )),
    }
}

/// A string field of `body` of at most `max` characters (at least `min`).
fn string_field<'a>(
    body: &'a Map<String, Value>,
    field: &str,
    required: bool,
    (min, max): (usize, usize),
) -> Result<Option<&'a str>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(text)) if (min..=max).contains(&text.chars().count()) => Ok(Some(text)),
        _ => Err(invalid(field)),
    }
}

fn one_of(body: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(value)) if allowed.contains(&value.as_str()) => Ok(()),
        _ => Err(invalid(field)),
    }
}

fn find<'s>(state: &'s State, id: &str, missing: StatusCode) -> Result<&'s Task, Refusal> {
    state.task(id).ok_or_else(|| no_such_task(missing))
}

fn find_mut<'s>(
    state: &'s mut State,
    id: &str,
    missing: StatusCode,
) -> Result<&'s mut Task, Refusal> {
    state
        .tasks
        .iter_mut()
        .find(|t| t.id() == id)
        .ok_or_else(|| no_such_task(missing))
}

/// An integer query parameter within `range`; `default` when absent.
fn query_integer(
    query: &[(String, String)],
    name: &str,
    default: Option<i64>,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, Refusal> {
    match query.iter().find(|(k, _)| k == name) {
        None => default.ok_or_else(|| invalid(name)),
        Some((_, value)) => value
            .parse::<i64>()
            .ok()
            .filter(|v| range.contains(v))
            .ok_or_else(|| invalid(name)),
    }
}

/// CreateSyncTask. The service does not document the error for a sixth
/// task; this server answers `OMS.0064` (invalid request).
pub(super) fn create(state: &mut State, body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    for (field, max) in [
        ("src_region", 100),
        ("src_bucket", 1024),
        ("src_ak", 100),
        ("src_sk", 100),
        ("dst_ak", 100),
        ("dst_sk", 100),
        ("dst_region", 100),
        ("dst_bucket", 1024),
    ] {
        string_field(&body, field, true, (0, max))?;
    }
    string_field(&body, "app_id", false, (0, 255))?;
    if let Some(description) = string_field(&body, "description", false, (0, 255))?
        && description.contains(['<', '>', '(', ')', '"', '\'', '&'])
    {
        return Err(refuse(
            "OMS.0078",
            "The description contains forbidden characters",
        ));
    }
    one_of(
        &body,
        "src_cloud_type",
        &[
            "AWS",
            "Azure",
            "Aliyun",
            "Tencent",
            "HuaweiCloud",
            "QingCloud",
            "KingsoftCloud",
            "Baidu",
            "Qiniu",
            "UCloud",
        ],
    )?;
    one_of(
        &body,
        "dst_storage_policy",
        &[
            "STANDARD",
            "IA",
            "ARCHIVE",
            "DEEP_ARCHIVE",
            "SRC_STORAGE_MAPPING",
        ],
    )?;
    one_of(
        &body,
        "consistency_check",
        &["size_last_modified", "crc64", "transmission"],
    )?;
    if state.tasks.len() >= MAX_TASKS {
        return Err(refuse(
            "OMS.0064",
            format!("Invalid request: an account has at most {MAX_TASKS} sync tasks"),
        ));
    }
    let id = new_task_id(state);
    let now = now_ms();
    let text = |field: &str, default: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let flag = |field: &str| body.get(field).and_then(Value::as_bool).unwrap_or(false);
    let source_cdn = body
        .get("source_cdn")
        .and_then(Value::as_object)
        .map(|cdn| {
            json!({
                "domain": cdn.get("domain"),
                "protocol": cdn.get("protocol"),
                "authentication_type": cdn.get("authentication_type"),
            })
        });
    let info = json!({
        "sync_task_id": id,
        "src_cloud_type": text("src_cloud_type", "Aliyun"),
        "src_region": text("src_region", ""),
        "src_bucket": text("src_bucket", ""),
        "create_time": now,
        "last_start_time": now,
        "dst_bucket": text("dst_bucket", ""),
        "dst_region": text("dst_region", ""),
        "description": body.get("description"),
        "status": "SYNCHRONIZING",
        "enable_metadata_migration": flag("enable_metadata_migration"),
        "enable_restore": flag("enable_restore"),
        "app_id": body.get("app_id"),
        "source_cdn": source_cdn,
        "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
        "dst_storage_policy": text("dst_storage_policy", "STANDARD"),
        "consistency_check": text("consistency_check", "size_last_modified"),
    });
    state.tasks.push(Task { info, events: 0 });
    Ok(Some(json!({ "sync_task_id": id })))
}

/// A fresh id in the service's UUID form.
fn new_task_id(state: &State) -> String {
    use std::hash::BuildHasher;
    let hasher = std::hash::RandomState::new();
    let high = hasher.hash_one((now_ms(), state.tasks.len()));
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

/// ListSyncTasks: `limit` 1–100 (default 10), `offset` 0–10000 (default 0),
/// `status` optional.
pub(super) fn list(state: &State, query: &[(String, String)]) -> Outcome {
    let limit = query_integer(query, "limit", Some(10), 1..=100)?;
    let offset = query_integer(query, "offset", Some(0), 0..=10_000)?;
    let status = match query.iter().find(|(k, _)| k == "status") {
        None => None,
        Some((_, s)) if s == "SYNCHRONIZING" || s == "STOPPED" => Some(s.as_str()),
        Some(_) => return Err(invalid("status")),
    };
    let matching: Vec<&Value> = state
        .tasks
        .iter()
        .filter(|t| status.is_none_or(|s| t.info["status"] == s))
        .map(|t| &t.info)
        .collect();
    let page: Vec<&Value> = matching
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .copied()
        .collect();
    Ok(Some(json!({ "tasks": page, "count": matching.len() })))
}

/// ShowSyncTask: `query_time` is required; the counters are this server's
/// (events received; nothing is copied).
pub(super) fn show(state: &State, id: &str, query: &[(String, String)]) -> Outcome {
    query_integer(query, "query_time", None, 0..=i64::MAX)?;
    let task = find(state, id, StatusCode::BAD_REQUEST)?;
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
pub(super) fn delete(state: &mut State, id: &str) -> Outcome {
    let task = find(state, id, StatusCode::BAD_REQUEST)?;
    if task.status() == Some(TaskStatus::Synchronizing) {
        return Err(refuse(
            "OMS.0063",
            "The task is in progress: stop it before deleting it",
        ));
    }
    state.tasks.retain(|t| t.id() != id);
    Ok(None)
}

/// StartSyncTask: the destination keys are required, the source keys
/// optional (URL-list tasks).
pub(super) fn start(state: &mut State, id: &str, body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    string_field(&body, "dst_ak", true, (1, 100))?;
    string_field(&body, "dst_sk", true, (1, 100))?;
    string_field(&body, "src_ak", false, (1, 100))?;
    string_field(&body, "src_sk", false, (1, 100))?;
    string_field(&body, "source_cdn_authentication_key", false, (0, 255))?;
    for field in [
        "src_crypto_type",
        "dst_crypto_type",
        "source_cdn_crypto_type",
    ] {
        one_of(&body, field, &["DEFAULT", "KMS"])?;
    }
    for field in ["src_kms_key_id", "dst_kms_key_id", "source_cdn_kms_key_id"] {
        string_field(&body, field, false, (36, 36))?;
    }
    find_mut(state, id, StatusCode::BAD_REQUEST)?.set_status(TaskStatus::Synchronizing);
    Ok(None)
}

/// StopSyncTask.
pub(super) fn stop(state: &mut State, id: &str) -> Outcome {
    find_mut(state, id, StatusCode::BAD_REQUEST)?.set_status(TaskStatus::Stopped);
    Ok(None)
}

/// CreateSyncEvents: 1 to 100 keys of 1 to 16384 characters.
pub(super) fn events(state: &mut State, id: &str, body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    let keys = match body.get("object_keys") {
        Some(Value::Array(keys)) if (1..=100).contains(&keys.len()) => keys,
        _ => return Err(invalid("object_keys")),
    };
    let well_formed = keys.iter().all(|k| {
        k.as_str()
            .is_some_and(|k| (1..=16_384).contains(&k.chars().count()))
    });
    if !well_formed {
        return Err(invalid("object_keys"));
    }
    let count = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    find_mut(state, id, StatusCode::NOT_FOUND)?.events += count;
    Ok(None)
}

/// ListSyncTaskStatistic: one point per series at `start_time`, from the
/// events received.
pub(super) fn statistics(state: &State, id: &str, query: &[(String, String)]) -> Outcome {
    let data_types = query
        .iter()
        .find(|(k, _)| k == "data_type")
        .map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter(|types| {
            types
                .iter()
                .all(|t| ["REQUEST", "SUCCESS", "FAILURE", "SKIP", "SIZE"].contains(&t.as_str()))
        })
        .ok_or_else(|| invalid("data_type"))?;
    let start_time = query_integer(query, "start_time", None, 0..=i64::MAX)?;
    let end_time = query_integer(query, "end_time", None, 0..=i64::MAX)?;
    if end_time < start_time {
        return Err(invalid("end_time"));
    }
    let task = find(state, id, StatusCode::NOT_FOUND)?;
    let series: Vec<Value> = data_types
        .iter()
        .map(|data_type| {
            let value = match data_type.as_str() {
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
