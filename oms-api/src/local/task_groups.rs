//! Task groups of the local OMS: a group splits a large source into tasks
//! (one per prefix, or one for a list file) and manages them together.
//!
//! Its state (1 creating tasks, 2 monitoring, 3 paused, 5 failed,
//! 6 completed, 7 pausing, 8 waiting for deletion, 9 deleting) follows its
//! tasks at each tick of the clock (see [`super::tasks`], which keeps the
//! groups with the tasks they are made of); StopTaskGroup is
//! refused unless it creates or monitors (`OMS.0066`), DeleteTaskGroup while
//! it creates, monitors or pauses (`OMS.0063`), and a deleted group goes
//! 8 → 9 → gone, after which it is `404`, as ShowTaskGroup documents.

use serde_json::{Value, json};

use super::input::{Call, Outcome, refuse};
use super::tasks::{
    Group, Migration, Task, common_fields, dst_node_resp, group_status, merged, new_task,
    no_such_group, not_now, pause, resume, src_node_resp, ts,
};
use super::{State, new_uuid, now_ms};
use crate::types;

/// CreateTaskGroup: one task per prefix (`PREFIX`, the default), or one
/// task for a list file; the tasks count against the quota.
pub(super) fn create(state: &mut State, call: &Call<'_>) -> Outcome {
    call.refuse_forbidden_description(&['^', '<', '>', '&', '"', '\''])?;
    let _: types::CreateTaskGroupReq = call.body()?;
    let body = call.json();
    let group_type = body["task_type"].as_str().unwrap_or("PREFIX");
    let prefixes: Vec<&str> = body["src_node"]["object_key"]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .filter(|keys: &Vec<&str>| !keys.is_empty())
        .unwrap_or_else(|| vec![""]);
    let (task_type, units): (&str, Vec<Vec<&str>>) = match group_type {
        "PREFIX" => ("prefix", prefixes.iter().map(|p| vec![*p]).collect()),
        "URL_LIST" => ("url_list", vec![Vec::new()]),
        _ => ("list", vec![Vec::new()]),
    };
    state.migration.charge(units.len())?;
    let group_id = new_uuid(&(now_ms(), state.migration.groups.len()));
    let common = common_fields(&body);
    for keys in &units {
        new_task(
            &mut state.migration,
            &state.buckets,
            &common,
            &body["src_node"],
            &body["dst_node"],
            keys,
            (task_type, Some(&group_id)),
            None,
        );
    }
    let mut src_resp = src_node_resp(&body["src_node"]);
    src_resp["cloud_type"] = json!(
        src_resp["cloud_type"]
            .as_str()
            .unwrap_or("Aliyun")
            .to_uppercase()
    );
    let info = merged(
        common,
        json!({
            "group_id": group_id,
            "status": group_status::CREATING,
            "task_type": group_type,
            "src_node": src_resp,
            "dst_node": dst_node_resp(&body["dst_node"]),
            "smn_config": body.get("smn_config").filter(|c| c.is_object()).map(|_| json!({
                "notify_result": true, "notify_error_message": "", "topic_name": "local-topic",
            })),
            "total_time": 0,
            "failed_object_record": { "result": true, "list_file_key": "", "error_code": "" },
        }),
    );
    state.migration.groups.push(Group { info, raw: false });
    Ok(Some(json!({ "group_id": group_id })))
}

/// ListTaskGroup: `limit` (default 10), `offset` (default 0), `status`.
pub(super) fn list(state: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let paging = call.paging()?;
    let status: Option<i64> = call.query("status")?;
    state.migration.advance();
    let matching: Vec<&Value> = state
        .migration
        .groups
        .iter()
        .filter(|g| status.is_none_or(|s| g.status() == Some(s)))
        .map(|g| &g.info)
        .collect();
    paging.answer("taskgroups", &matching)
}

/// ShowTaskGroup: `404` for an unknown or deleted group.
pub(super) fn show(state: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    state.migration.advance();
    let group = state
        .migration
        .group(call.param(1))
        .ok_or_else(no_such_group)?;
    Ok(Some(group.info.clone()))
}

/// DeleteTaskGroup: refused while the group creates tasks, monitors them
/// or pauses (`OMS.0063`); then 8 → 9 → gone, one tick each.
pub(super) fn delete(state: &mut State, call: &Call<'_>) -> Outcome {
    use group_status as gs;
    call.check_rules()?;
    let group = state.migration.group_mut(call.param(1))?;
    match group.status() {
        Some(gs::CREATING | gs::MONITORING | gs::PAUSING) => Err(refuse(
            "OMS.0063",
            "The task group is in progress: pause it before deleting it",
        )),
        Some(gs::DELETE_WAITING | gs::DELETING) => Ok(None),
        _ => {
            group.info["status"] = json!(gs::DELETE_WAITING);
            Ok(None)
        }
    }
}

/// Applies `change` to every task of group `id`.
fn each_task(migration: &mut Migration, id: &str, mut change: impl FnMut(&mut Task)) {
    for task in migration.tasks.iter_mut().filter(|t| t.in_group(id)) {
        change(task);
    }
}

/// StopTaskGroup: only while the group creates tasks or monitors them
/// (`OMS.0066`); its running tasks pause with it.
pub(super) fn stop(state: &mut State, call: &Call<'_>) -> Outcome {
    use group_status as gs;
    call.check_rules()?;
    let id = call.param(1);
    let group = state.migration.group_mut(id)?;
    if !matches!(group.status(), Some(gs::CREATING | gs::MONITORING)) {
        return Err(refuse(
            "OMS.0066",
            "The task group is not running, so it cannot be paused",
        ));
    }
    group.info["status"] = json!(gs::PAUSING);
    each_task(&mut state.migration, id, |task| {
        pause(task);
    });
    Ok(None)
}

/// StartTaskGroup: resumes a paused group and its paused tasks.
pub(super) fn start(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::StartTaskGroupReq = call.body()?;
    transition(
        state,
        call,
        group_status::PAUSED,
        "starting the task group",
        ts::PAUSED,
    )
}

/// RetryTaskGroup: restarts a failed group and retries its failed tasks.
pub(super) fn retry(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::RetryTaskGroupReq = call.body()?;
    transition(
        state,
        call,
        group_status::FAILED,
        "retrying the task group",
        ts::FAILED,
    )
}

/// A group in status `from` monitors again, and its tasks in `tasks_in`
/// resume.
fn transition(state: &mut State, call: &Call<'_>, from: i64, what: &str, tasks_in: i64) -> Outcome {
    let id = call.param(1);
    let group = state.migration.group_mut(id)?;
    if group.status() != Some(from) {
        return Err(not_now(what, group.status()));
    }
    group.info["status"] = json!(group_status::MONITORING);
    group.info["error_reason"] = json!("");
    each_task(&mut state.migration, id, |task| {
        if task.status() == Some(tasks_in) {
            let _ = resume(task);
        }
    });
    Ok(None)
}

/// UpdateTaskGroup: new traffic limits, before the group completes.
pub(super) fn update(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::UpdateBandwidthPolicyReq = call.body()?;
    let policy = call.json()["bandwidth_policy"].clone();
    let id = call.param(1);
    let group = state.migration.group_mut(id)?;
    if group.status() == Some(group_status::COMPLETED) {
        return Err(not_now("changing the bandwidth policy", group.status()));
    }
    group.info["bandwidth_policy"] = policy.clone();
    each_task(&mut state.migration, id, |task| {
        if task.status() != Some(ts::SUCCEEDED) {
            task.info["bandwidth_policy"] = policy.clone();
        }
    });
    Ok(None)
}
