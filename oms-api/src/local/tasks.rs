//! Migration tasks of the local OMS, over in-memory state, and the clock
//! that moves them and their groups: the groups' state lives here too, with
//! the tasks they are made of, and `task_groups` has their operations.
//!
//! Input is checked by the spec's own types and rules (see [`super::input`]);
//! what is here is the service's behaviour as the reference states it:
//!
//! - task states (1 waiting, 2 migrating, 3 paused, 4 failed, 5 succeeded,
//!   6 retrying, 7 pausing) and the transitions OMS allows: StopTask only
//!   while a task waits, migrates or retries (`OMS.0066` otherwise), then
//!   7 → 3; StartTask resumes a paused task and retries a failed one; no
//!   delete while a task runs or pauses (`OMS.0063`); an unknown task is
//!   `400 OMS.1009`, as the service answers (not the documented 404);
//! - the quota of 1500 tasks created per 24 hours.
//!
//! Time is simulated: every ShowTask, ListTasks, ShowTaskGroup and
//! ListTaskGroup is one tick, and each tick moves every task and group one
//! step along its [`MigrationPlan`], so that a test of a waiter runs in
//! milliseconds. Where the documentation is silent (the error code of a
//! refused start, of an exceeded quota) this server answers `OMS.0064`
//! (invalid request) and says so in its message.

use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::{Value, json};

use super::buckets::SourceBucket;
use super::input::{Call, Outcome, Refusal, refuse};
use super::{State, now_ms};
use crate::types;

/// How the migration tasks that the local OMS creates behave over time.
///
/// Every ShowTask, ListTasks, ShowTaskGroup or ListTaskGroup call is one
/// tick of the local OMS's clock — or, with [`tick_every`](Self::tick_every),
/// the clock ticks with the time that passes, whatever is asked. A task
/// waits for one tick, then migrates for `steps` ticks, its counters growing
/// evenly, then succeeds or fails.
///
/// The totals are the objects of the task's source in a
/// [`SourceBucket`] given to the local OMS when there is one, else the
/// plan's `objects` and `bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationPlan {
    objects: u64,
    bytes: u64,
    steps: u32,
    failure: Option<(String, String)>,
    endless: bool,
    tick_every: Option<std::time::Duration>,
}

impl Default for MigrationPlan {
    /// 1000 objects, 1 GiB, done in 3 ticks.
    fn default() -> Self {
        Self::succeeding(1000, 1 << 30, 3)
    }
}

impl MigrationPlan {
    /// Tasks copy `objects` objects of `bytes` bytes in all in `steps`
    /// ticks (at least one), then succeed.
    pub fn succeeding(objects: u64, bytes: u64, steps: u32) -> Self {
        Self {
            objects,
            bytes,
            steps: steps.max(1),
            failure: None,
            endless: false,
            tick_every: None,
        }
    }

    /// The clock ticks once every `period` of real time (at least 1 ms),
    /// not once per call: tasks take the same time however often they are
    /// asked about, as the service's do.
    pub fn tick_every(mut self, period: std::time::Duration) -> Self {
        self.tick_every = Some(period.max(std::time::Duration::from_millis(1)));
        self
    }

    /// Tasks fail at their last step with this `error_reason`, the first
    /// time they run; once restarted (StartTask, RetryTaskGroup) they
    /// succeed.
    pub fn failing(error_code: impl Into<String>, error_msg: impl Into<String>) -> Self {
        Self {
            failure: Some((error_code.into(), error_msg.into())),
            ..Self::default()
        }
    }

    /// Tasks migrate for ever: their counters grow but they never finish.
    pub fn endless() -> Self {
        Self {
            endless: true,
            ..Self::default()
        }
    }
}

/// What the local OMS keeps of migration tasks and groups.
#[derive(Debug, Default)]
pub(super) struct Migration {
    pub(super) plan: MigrationPlan,
    /// How many tasks may be created in 24 hours.
    pub(super) quota: usize,
    /// When each task counted against the quota was created.
    pub(super) created: Vec<Instant>,
    next_id: i64,
    /// When the clock last ticked, with [`MigrationPlan::tick_every`].
    last_tick: Option<Instant>,
    /// Oldest first.
    pub(super) tasks: Vec<Task>,
    /// Oldest first.
    pub(super) groups: Vec<Group>,
}

/// The documented quota: 1500 tasks created per tenant in 24 hours.
pub(super) const TASK_QUOTA: usize = 1500;
const QUOTA_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Task states (`TaskResp.status`).
pub(super) mod task_status {
    pub const WAITING: i64 = 1;
    pub const MIGRATING: i64 = 2;
    pub const PAUSED: i64 = 3;
    pub const FAILED: i64 = 4;
    pub const SUCCEEDED: i64 = 5;
    pub const RETRYING: i64 = 6;
    pub const PAUSING: i64 = 7;
}

pub(super) use task_status as ts;

/// A migration task: its `TaskResp` fields as JSON, and, unless it was
/// given raw, how it runs.
#[derive(Debug)]
pub(super) struct Task {
    pub(super) info: Value,
    run: Option<Run>,
}

#[derive(Debug)]
struct Run {
    plan: MigrationPlan,
    total_num: i64,
    total_size: i64,
    /// Steps migrated in this run (the counters are `steps / plan.steps`
    /// of the totals).
    steps: u32,
    failed_once: bool,
}

impl Task {
    pub(super) fn raw(info: Value) -> Self {
        Self { info, run: None }
    }

    pub(super) fn id(&self) -> Option<i64> {
        self.info["id"].as_i64()
    }

    pub(super) fn status(&self) -> Option<i64> {
        self.info["status"].as_i64()
    }

    fn set_status(&mut self, status: i64) {
        self.info["status"] = json!(status);
    }

    pub(super) fn in_group(&self, group_id: &str) -> bool {
        self.info["group_id"] == group_id
    }

    /// One tick.
    fn step(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let status = self.info["status"].as_i64();
        match status {
            Some(ts::WAITING) => self.info["status"] = json!(ts::MIGRATING),
            Some(ts::PAUSING) => self.info["status"] = json!(ts::PAUSED),
            Some(ts::MIGRATING | ts::RETRYING) => {
                run.steps = run.steps.saturating_add(1);
                if !run.plan.endless && run.steps >= run.plan.steps {
                    match (&run.plan.failure, run.failed_once) {
                        (Some((code, message)), false) => {
                            run.failed_once = true;
                            self.info["status"] = json!(ts::FAILED);
                            self.info["error_reason"] =
                                json!({ "error_code": code, "error_msg": message });
                        }
                        _ => {
                            self.info["status"] = json!(ts::SUCCEEDED);
                            self.info["error_reason"] = json!("");
                        }
                    }
                }
                self.update_counters();
            }
            _ => {}
        }
    }

    /// The counters of `TaskResp`, from the steps done.
    fn update_counters(&mut self) {
        let Some(run) = &self.run else {
            return;
        };
        let failed = self.info["status"] == ts::FAILED;
        let done = |total: i64| -> i64 {
            let (steps, of) = if run.plan.endless {
                // Ever closer to done, never there.
                (u64::from(run.steps), u64::from(run.steps) + 1)
            } else {
                (
                    u64::from(run.steps.min(run.plan.steps)),
                    u64::from(run.plan.steps),
                )
            };
            let total = u64::try_from(total).unwrap_or(0);
            let part = u128::from(total) * u128::from(steps) / u128::from(of.max(1));
            i64::try_from(part).unwrap_or(i64::MAX)
        };
        // A failing run copies half of the objects, then fails the rest.
        let (successful, complete) = if failed {
            (run.total_num / 2, run.total_size / 2)
        } else {
            (done(run.total_num), done(run.total_size))
        };
        let elapsed = i64::from(run.steps) * 1000;
        self.info["successful_num"] = json!(successful);
        self.info["failed_num"] = json!(if failed {
            run.total_num - successful
        } else {
            0
        });
        self.info["complete_size"] = json!(complete);
        self.info["real_size"] = json!(complete);
        self.info["progress"] = json!(if run.total_size == 0 {
            if self.info["status"] == ts::SUCCEEDED {
                1.0
            } else {
                0.0
            }
        } else {
            // A fraction; precision does not matter here.
            #[allow(clippy::cast_precision_loss)]
            let fraction = complete as f64 / run.total_size as f64;
            fraction
        });
        self.info["migrate_speed"] = json!(if elapsed == 0 {
            0
        } else {
            complete.saturating_mul(1000) / elapsed
        });
        self.info["total_time"] = json!(elapsed);
        self.info["is_query_over"] = json!(true);
    }
}

impl Migration {
    pub(super) fn new(
        plan: MigrationPlan,
        quota: usize,
        tasks: Vec<Value>,
        groups: Vec<Value>,
    ) -> Self {
        let next_id = tasks
            .iter()
            .filter_map(|t| t["id"].as_i64())
            .max()
            .unwrap_or(0)
            .max(1_000_000)
            + 1;
        Self {
            plan,
            quota,
            created: Vec::new(),
            next_id,
            last_tick: Some(Instant::now()),
            tasks: tasks.into_iter().map(Task::raw).collect(),
            groups: groups
                .into_iter()
                .map(|info| Group { info, raw: true })
                .collect(),
        }
    }

    pub(super) fn task(&self, id: i64) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id() == Some(id))
    }

    fn task_mut(&mut self, id: i64) -> Result<&mut Task, Refusal> {
        self.tasks
            .iter_mut()
            .find(|t| t.id() == Some(id))
            .ok_or_else(no_such_task)
    }

    pub(super) fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id() == id)
    }

    pub(super) fn group_mut(&mut self, id: &str) -> Result<&mut Group, Refusal> {
        self.groups
            .iter_mut()
            .find(|g| g.id() == id)
            .ok_or_else(no_such_group)
    }

    /// Counts `count` new tasks against the quota, or refuses them all.
    pub(super) fn charge(&mut self, count: usize) -> Result<(), Refusal> {
        let now = Instant::now();
        self.created
            .retain(|at| now.duration_since(*at) < QUOTA_WINDOW);
        if self.created.len() + count > self.quota {
            return Err(refuse(
                "OMS.0064",
                format!(
                    "Invalid request: at most {} tasks may be created in 24 hours \
                     (the service does not document this error's code)",
                    self.quota
                ),
            ));
        }
        self.created.extend(std::iter::repeat_n(now, count));
        Ok(())
    }

    /// The clock moves on before an answer: one tick, or the ticks of the
    /// time that passed ([`MigrationPlan::tick_every`]).
    pub(super) fn advance(&mut self) {
        let Some(period) = self.plan.tick_every else {
            self.tick();
            return;
        };
        let now = Instant::now();
        let last = *self.last_tick.get_or_insert(now);
        let due = now.saturating_duration_since(last).as_nanos() / period.as_nanos().max(1);
        // Enough for any task to run its course; more changes nothing.
        let ticks = due.min(u128::from(self.plan.steps) + 2);
        for _ in 0..ticks {
            self.tick();
        }
        if due > 0 {
            self.last_tick = Some(last + period * u32::try_from(due).unwrap_or(u32::MAX));
        }
    }

    /// One tick of the clock: every task, then every group.
    fn tick(&mut self) {
        for task in &mut self.tasks {
            task.step();
        }
        let mut gone = Vec::new();
        for group in &mut self.groups {
            let id = group.id().to_owned();
            let members: Vec<&Task> = self.tasks.iter().filter(|t| t.in_group(&id)).collect();
            if step_group(group, &members) {
                gone.push(id);
            }
        }
        for id in gone {
            self.groups.retain(|g| g.id() != id);
            self.tasks.retain(|t| !t.in_group(&id));
        }
    }
}

fn no_such_task() -> Refusal {
    refuse("OMS.1009", "The task does not exist")
}

pub(super) fn not_now(what: &str, status: Option<i64>) -> Refusal {
    refuse(
        "OMS.0064",
        format!(
            "Invalid request: {what} is not possible in status {} \
             (the service does not document this error's code)",
            status.map_or_else(|| "unknown".to_owned(), |s| s.to_string())
        ),
    )
}

/// The task id of the path, as the spec's rules check it.
fn task_id(call: &Call<'_>) -> Result<i64, Refusal> {
    call.check_rules()?;
    call.param(1)
        .parse()
        .map_err(|_| super::input::invalid("task_id"))
}

/// The parts of a source node that a task keeps (`SrcNodeResp`): never the
/// keys.
pub(super) fn src_node_resp(src: &Value) -> Value {
    json!({
        "bucket": src["bucket"],
        "cloud_type": src.get("cloud_type").cloned().unwrap_or(json!("Aliyun")),
        "region": src["region"],
        "app_id": src["app_id"],
        "object_key": src.get("object_key").cloned().unwrap_or(json!([])),
        "list_file": src.get("list_file").filter(|l| !l.is_null()).map(|l| json!({
            "list_file_key": l["list_file_key"],
            "obs_bucket": l["obs_bucket"],
            "list_file_num": "1",
        })),
    })
}

pub(super) fn dst_node_resp(dst: &Value) -> Value {
    json!({ "bucket": dst["bucket"], "region": dst["region"], "save_prefix": dst["save_prefix"] })
}

fn source_cdn_resp(cdn: &Value) -> Value {
    if cdn.is_object() {
        json!({
            "domain": cdn["domain"],
            "protocol": cdn["protocol"],
            "authentication_type": cdn["authentication_type"],
        })
    } else {
        Value::Null
    }
}

/// The fields that a task and a group both take from a create request.
pub(super) fn common_fields(body: &Value) -> Value {
    let flag = |name: &str, default: bool| body[name].as_bool().unwrap_or(default);
    let text = |name: &str, default: &str| {
        body[name]
            .as_str()
            .map_or_else(|| json!(default), |s| json!(s))
    };
    json!({
        "description": body["description"].as_str().unwrap_or_default(),
        "bandwidth_policy": body.get("bandwidth_policy").cloned().unwrap_or(json!([])),
        "migrate_since": body["migrate_since"].as_i64().unwrap_or(0),
        "source_cdn": source_cdn_resp(&body["source_cdn"]),
        "enable_metadata_migration": flag("enable_metadata_migration", false),
        "enable_restore": flag("enable_restore", false),
        "enable_failed_object_recording": flag("enable_failed_object_recording", true),
        "enable_requester_pays": flag("enable_requester_pays", false),
        "enable_kms": flag("enable_kms", false),
        "object_overwrite_mode": text("object_overwrite_mode", "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE"),
        "dst_storage_policy": text("dst_storage_policy", "STANDARD"),
        "consistency_check": text("consistency_check", "size_last_modified"),
        "error_reason": "",
        "start_time": now_ms(),
    })
}

/// Merges the fields of `extra` into `base`.
pub(super) fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// The totals of a task: the objects of its source that the local OMS
/// knows, else the plan's.
fn totals(
    plan: &MigrationPlan,
    buckets: &[SourceBucket],
    src: &Value,
    keys: &[&str],
    prefix: bool,
) -> (i64, i64) {
    let bucket = src["bucket"].as_str().unwrap_or_default();
    let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match buckets.iter().find(|b| b.name() == bucket) {
        Some(bucket) if !keys.is_empty() => {
            let (objects, bytes) = bucket.count(|key| {
                keys.iter().any(|k| {
                    if prefix || k.is_empty() || k.ends_with('/') {
                        key.starts_with(k)
                    } else {
                        key == *k
                    }
                })
            });
            (signed(objects), signed(bytes))
        }
        _ => (signed(plan.objects), signed(plan.bytes)),
    }
}

/// A new task of `plan`, with the common fields and its source.
#[allow(clippy::too_many_arguments)]
pub(super) fn new_task(
    migration: &mut Migration,
    buckets: &[SourceBucket],
    common: &Value,
    src: &Value,
    dst: &Value,
    keys: &[&str],
    (task_type, group): (&str, Option<&str>),
    priority: Option<&str>,
) -> i64 {
    let id = migration.next_id;
    migration.next_id += 1;
    let plan = migration.plan.clone();
    let (total_num, total_size) = totals(&plan, buckets, src, keys, task_type == "prefix");
    let mut src_resp = src_node_resp(src);
    if group.is_some() {
        src_resp["object_key"] = json!(keys);
    }
    let info = merged(
        common.clone(),
        json!({
            "id": id,
            "name": format!("{}-{id}", src["bucket"].as_str().unwrap_or("task")),
            "status": ts::WAITING,
            "task_type": task_type,
            "group_type": if group.is_some() { "GROUP_TASK" } else { "NORMAL_TASK" },
            "group_id": group,
            "src_node": src_resp,
            "dst_node": dst_node_resp(dst),
            "task_priority": priority.unwrap_or("MEDIUM"),
            "total_num": total_num,
            "total_size": total_size,
            "skipped_num": 0,
            "left_time": 0,
            "success_record_error_reason": "",
            "skip_record_error_reason": "",
        }),
    );
    let mut task = Task {
        info,
        run: Some(Run {
            plan,
            total_num,
            total_size,
            steps: 0,
            failed_once: false,
        }),
    };
    task.update_counters();
    migration.tasks.push(task);
    id
}

/// CreateTask: starts by itself; counts against the quota.
pub(super) fn create(state: &mut State, call: &Call<'_>) -> Outcome {
    call.refuse_forbidden_description(&['^', '<', '>', '&', '"', '\''])?;
    let _: types::CreateTaskReq = call.body()?;
    let body = call.json();
    state.migration.charge(1)?;
    let keys: Vec<&str> = body["src_node"]["object_key"]
        .as_array()
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let task_type = body["task_type"].as_str().unwrap_or("object");
    let id = new_task(
        &mut state.migration,
        &state.buckets,
        &common_fields(&body),
        &body["src_node"],
        &body["dst_node"],
        &keys,
        (task_type, None),
        body["task_priority"].as_str(),
    );
    let name = state.migration.task(id).map(|t| t.info["name"].clone());
    Ok(Some(json!({ "id": id, "task_name": name })))
}

/// ListTasks: `limit` (default 10), `offset` (default 0), filters
/// `group_id`, `status` and `task_name` (a part of the name).
pub(super) fn list(state: &mut State, call: &Call<'_>) -> Outcome {
    call.check_rules()?;
    let paging = call.paging()?;
    let status: Option<i64> = call.query("status")?;
    let group: Option<String> = call.query("group_id")?;
    let name: Option<String> = call.query("task_name")?;
    state.migration.advance();
    let matching: Vec<&Value> = state
        .migration
        .tasks
        .iter()
        .filter(|t| status.is_none_or(|s| t.status() == Some(s)))
        .filter(|t| group.as_deref().is_none_or(|g| t.in_group(g)))
        .filter(|t| {
            name.as_deref()
                .is_none_or(|n| t.info["name"].as_str().is_some_and(|x| x.contains(n)))
        })
        .map(|t| &t.info)
        .collect();
    paging.answer("tasks", &matching)
}

/// ShowTask.
pub(super) fn show(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = task_id(call)?;
    state.migration.advance();
    let task = state.migration.task(id).ok_or_else(no_such_task)?;
    Ok(Some(task.info.clone()))
}

/// DeleteTask: refused while the task runs or pauses (`OMS.0063`).
pub(super) fn delete(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = task_id(call)?;
    let status = state.migration.task_mut(id)?.status();
    if matches!(status, Some(ts::MIGRATING | ts::RETRYING | ts::PAUSING)) {
        return Err(refuse(
            "OMS.0063",
            "The task is in progress: pause it before deleting it",
        ));
    }
    state.migration.tasks.retain(|t| t.id() != Some(id));
    Ok(None)
}

/// StartTask: resumes a paused task, retries a failed one.
pub(super) fn start(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = task_id(call)?;
    let _: types::StartTaskReq = call.body()?;
    let task = state.migration.task_mut(id)?;
    resume(task).map_err(|status| not_now("starting the task", status))?;
    Ok(None)
}

/// A paused task migrates again; a failed one retries. The status is the
/// error when neither.
pub(super) fn resume(task: &mut Task) -> Result<(), Option<i64>> {
    match task.status() {
        Some(ts::PAUSED) => task.set_status(ts::MIGRATING),
        Some(ts::FAILED) => {
            if let Some(run) = task.run.as_mut() {
                run.steps = 0;
            }
            task.set_status(ts::RETRYING);
            task.info["error_reason"] = json!("");
            task.update_counters();
        }
        other => return Err(other),
    }
    Ok(())
}

/// StopTask: only while the task waits, migrates or retries (`OMS.0066`).
pub(super) fn stop(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = task_id(call)?;
    let task = state.migration.task_mut(id)?;
    if !pause(task) {
        return Err(refuse(
            "OMS.0066",
            "The task is not running, so it cannot be paused",
        ));
    }
    Ok(None)
}

/// A running task starts pausing; `false` when it is not running.
pub(super) fn pause(task: &mut Task) -> bool {
    let running = matches!(
        task.status(),
        Some(ts::WAITING | ts::MIGRATING | ts::RETRYING)
    );
    if running {
        task.set_status(ts::PAUSING);
    }
    running
}

/// UpdateBandwidthPolicy: for a task that has not finished.
pub(super) fn update_bandwidth(state: &mut State, call: &Call<'_>) -> Outcome {
    let id = task_id(call)?;
    let _: types::UpdateBandwidthPolicyReq = call.body()?;
    let policy = call.json()["bandwidth_policy"].clone();
    let task = state.migration.task_mut(id)?;
    if task.status() == Some(ts::SUCCEEDED) {
        return Err(not_now("changing the bandwidth policy", task.status()));
    }
    task.info["bandwidth_policy"] = policy;
    Ok(None)
}

/// BatchUpdateTasks: every task of a group, or the tasks listed; a new
/// priority only for tasks that wait, are paused or failed. Nothing
/// changes unless every task may change.
pub(super) fn batch_update(state: &mut State, call: &Call<'_>) -> Outcome {
    let _: types::BatchUpdateTasksReq = call.body()?;
    let body = call.json();
    let migration = &mut state.migration;
    let chosen: Vec<usize> = if let Some(group) = body["group_id"].as_str() {
        migration.group(group).ok_or_else(no_such_group)?;
        (0..migration.tasks.len())
            .filter(|&i| migration.tasks[i].in_group(group))
            .collect()
    } else {
        let ids = body["ids"].as_array().cloned().unwrap_or_default();
        ids.iter()
            .map(|id| {
                let id = id.as_i64().ok_or_else(no_such_task)?;
                migration
                    .tasks
                    .iter()
                    .position(|t| t.id() == Some(id))
                    .ok_or_else(no_such_task)
            })
            .collect::<Result<_, _>>()?
    };
    let priority = body["task_priority"].as_str();
    let refused = chosen.iter().find(|&&i| {
        !matches!(
            migration.tasks[i].status(),
            Some(ts::WAITING | ts::PAUSED | ts::FAILED)
        )
    });
    if let (Some(_), Some(&i)) = (priority, refused) {
        return Err(not_now(
            "changing the priority of a running or finished task",
            migration.tasks[i].status(),
        ));
    }
    for i in chosen {
        let task = &mut migration.tasks[i];
        task.info["bandwidth_policy"] = body["bandwidth_policy"].clone();
        if let Some(priority) = priority {
            task.info["task_priority"] = json!(priority);
        }
    }
    Ok(None)
}

/// Group states (`TaskGroupResp.status`).
pub(super) mod group_status {
    pub const CREATING: i64 = 1;
    pub const MONITORING: i64 = 2;
    pub const PAUSED: i64 = 3;
    pub const FAILED: i64 = 5;
    pub const COMPLETED: i64 = 6;
    pub const PAUSING: i64 = 7;
    pub const DELETE_WAITING: i64 = 8;
    pub const DELETING: i64 = 9;
}

/// A task group: its `TaskGroupResp` fields as JSON; a group given raw
/// does not change over time.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) info: Value,
    pub(super) raw: bool,
}

impl Group {
    pub(super) fn id(&self) -> &str {
        self.info["group_id"].as_str().unwrap_or_default()
    }

    pub(super) fn status(&self) -> Option<i64> {
        self.info["status"].as_i64()
    }
}

/// One tick of a group; `true` when it is now deleted.
pub(super) fn step_group(group: &mut Group, tasks: &[&Task]) -> bool {
    use group_status as gs;
    let count = |states: &[i64]| {
        tasks
            .iter()
            .filter(|t| t.status().is_some_and(|s| states.contains(&s)))
            .count()
    };
    let running = count(&[ts::WAITING, ts::MIGRATING, ts::RETRYING, ts::PAUSING]);
    let status = group.status();
    if group.raw {
        // Only deletion moves a group given raw.
        match status {
            Some(gs::DELETE_WAITING) => group.info["status"] = json!(gs::DELETING),
            Some(gs::DELETING) => return true,
            _ => {}
        }
        return false;
    }
    let next = match status {
        Some(gs::DELETE_WAITING) => gs::DELETING,
        Some(gs::DELETING) => return true,
        Some(gs::CREATING) => gs::MONITORING,
        Some(gs::PAUSING) if running == 0 => gs::PAUSED,
        Some(gs::MONITORING) if count(&[ts::SUCCEEDED]) == tasks.len() => gs::COMPLETED,
        Some(gs::MONITORING) if running == 0 && count(&[ts::FAILED]) > 0 => gs::FAILED,
        Some(other) => other,
        None => return false,
    };
    let sum = |field: &str| -> i64 { tasks.iter().filter_map(|t| t.info[field].as_i64()).sum() };
    let info = &mut group.info;
    info["status"] = json!(next);
    info["total_task_num"] = json!(tasks.len());
    info["create_task_num"] = json!(tasks.len());
    info["failed_task_num"] = json!(count(&[ts::FAILED]));
    info["complete_task_num"] = json!(count(&[ts::SUCCEEDED]));
    info["paused_task_num"] = json!(count(&[ts::PAUSED]));
    info["executing_task_num"] = json!(count(&[ts::MIGRATING, ts::RETRYING]));
    info["waiting_task_num"] = json!(count(&[ts::WAITING]));
    info["total_num"] = json!(sum("total_num"));
    info["create_complete_num"] = json!(sum("total_num"));
    info["success_num"] = json!(sum("successful_num"));
    info["fail_num"] = json!(sum("failed_num"));
    info["skip_num"] = json!(sum("skipped_num"));
    info["total_size"] = json!(sum("total_size"));
    info["create_complete_size"] = json!(sum("total_size"));
    info["complete_size"] = json!(sum("complete_size"));
    info["migrate_speed"] = json!(sum("migrate_speed"));
    info["error_reason"] = if next == gs::FAILED {
        tasks
            .iter()
            .find(|t| t.status() == Some(ts::FAILED))
            .map_or(json!(""), |t| t.info["error_reason"].clone())
    } else {
        json!("")
    };
    false
}

/// ShowTaskGroup documents, and the service answers, 404 for an unknown
/// (or deleted) group.
pub(super) fn no_such_group() -> Refusal {
    Refusal {
        status: StatusCode::NOT_FOUND,
        code: "OMS.1009",
        message: "The task group does not exist".to_owned(),
    }
}
