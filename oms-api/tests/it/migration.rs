//! Migration tasks and task groups against the local OMS: their states and
//! transitions, the waiters (success, failure, deadline, a resource that
//! disappears), the listing streams, and signed requests throughout.

use std::time::Duration;

use futures::TryStreamExt;
use oms_api::local::{LocalOms, LocalOmsBuilder, MigrationPlan, SourceBucket};
use oms_api::types::{TaskGroupSrcNode, TaskGroupType};
use oms_api::{Client, Credentials, Error, TaskGroupStatus, TaskStatus, Wait, WaitError};

use crate::server::{
    no_limits, service_code, valid_create_task_body, valid_create_task_group_body,
};

const PROJECT: &str = "project";

/// A local OMS that accepts one signing key, and a client that signs with it.
async fn signed(builder: LocalOmsBuilder) -> (LocalOms, Client) {
    let oms = builder
        .access_key("local-ak", "local-sk")
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::access_key("local-ak", "local-sk").unwrap())
        .build()
        .unwrap();
    (oms, client)
}

/// Polls at once and then every millisecond, for at most 5 s.
fn quickly() -> Wait {
    Wait::new(Duration::from_secs(5)).poll_every(Duration::from_millis(1), Duration::from_millis(1))
}

async fn create_task(client: &Client) -> Result<i64, Error> {
    let created = client
        .create_task()
        .project_id(PROJECT)
        .body_map(valid_create_task_body)
        .send()
        .await?
        .into_inner();
    Ok(created.id.expect("the new task's id"))
}

async fn create_group(client: &Client, prefixes: &[&str]) -> String {
    client
        .create_task_group()
        .project_id(PROJECT)
        .body_map(|body| {
            valid_create_task_group_body(body).src_node(
                TaskGroupSrcNode::builder()
                    .cloud_type("Aliyun")
                    .region("cn-hangzhou")
                    .ak("a")
                    .sk("s")
                    .bucket("src")
                    .object_key(prefixes.iter().copied()),
            )
        })
        .send()
        .await
        .unwrap()
        .into_inner()
        .group_id
        .expect("the new group's id")
}

fn photos() -> SourceBucket {
    SourceBucket::new("src", "cn-hangzhou")
        .object("2024/a.jpg", 100)
        .object("2024/b.jpg", 200)
        .object("2025/c.jpg", 300)
        .object("readme.txt", 7)
}

#[tokio::test]
async fn a_task_runs_to_success_with_the_source_buckets_totals() {
    let (oms, client) = signed(
        LocalOms::builder()
            .migration_plan(MigrationPlan::succeeding(1, 1, 4))
            .source_bucket(photos()),
    )
    .await;
    let id = create_task(&client).await.unwrap();
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Waiting));
    let mut seen = Vec::new();
    let task = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(quickly())
        .observe(|t| {
            seen.push((t.status, t.successful_num, t.complete_size));
        })
        .await
        .unwrap();
    assert_eq!(task.status, Some(5));
    assert_eq!((task.total_num, task.total_size), (Some(4), Some(607)));
    assert_eq!(
        (task.successful_num, task.complete_size),
        (Some(4), Some(607))
    );
    assert_eq!(task.progress, Some(1.0));
    // Waiting, then four steps of migration; the counters only grow.
    assert_eq!(seen.first().map(|s| s.0), Some(Some(2)));
    assert!(seen.windows(2).all(|w| w[0].2 <= w[1].2), "{seen:?}");
    assert_eq!(seen.len(), 5, "{seen:?}");
    // Every request was signed, and verified by the local OMS.
    assert!(oms.requests().iter().all(|r| {
        r.header("authorization")
            .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256"))
    }));
}

#[tokio::test]
async fn a_failed_task_is_a_typed_error_and_starts_again() {
    let (oms, client) = signed(
        LocalOms::builder()
            .migration_plan(MigrationPlan::failing("TRF.0151", "bad\u{1b}[31m keys")),
    )
    .await;
    let id = create_task(&client).await.unwrap();
    let error = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap_err();
    let Error::Wait(WaitError::Failed {
        status,
        error_code,
        error_msg,
        ..
    }) = &error
    else {
        panic!("not a failure: {error:?}");
    };
    assert_eq!(*status, 4);
    assert_eq!(error_code.as_deref(), Some("TRF.0151"));
    // The server's text cannot forge terminal sequences.
    assert_eq!(error_msg.as_deref(), Some("bad\\u{1b}[31m keys"));
    assert!(!error.to_string().contains('\u{1b}'));
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Failed));

    client
        .start_task()
        .project_id(PROJECT)
        .task_id(id)
        .body_map(|b| b.src_ak("a").src_sk("s").dst_ak("a").dst_sk("s"))
        .send()
        .await
        .unwrap();
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Retrying));
    let task = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap();
    assert_eq!(task.status, Some(5));
}

#[tokio::test]
async fn the_deadline_ends_the_wait_for_an_endless_task() {
    let (_oms, client) = signed(LocalOms::builder().migration_plan(MigrationPlan::endless())).await;
    let id = create_task(&client).await.unwrap();
    let wait = Wait::new(Duration::from_millis(60))
        .poll_every(Duration::from_millis(5), Duration::from_millis(10));
    let started = std::time::Instant::now();
    let mut polls = 0;
    let error = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(wait)
        .observe(|_| polls += 1)
        .await
        .unwrap_err();
    let Error::Wait(WaitError::Deadline { status, waited, .. }) = error else {
        panic!("not a deadline: {error:?}");
    };
    assert_eq!(status, Some(2));
    assert!(waited >= Duration::from_millis(60), "{waited:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(polls >= 3, "{polls} polls");
}

#[tokio::test]
async fn pausing_deleting_and_the_states_that_refuse_them() {
    let (oms, client) = signed(LocalOms::builder().migration_plan(MigrationPlan::endless())).await;
    let id = create_task(&client).await.unwrap();
    let show = || client.show_task().project_id(PROJECT).task_id(id).send();
    let stop = || client.stop_task().project_id(PROJECT).task_id(id).send();
    let delete = || client.delete_task().project_id(PROJECT).task_id(id).send();
    show().await.unwrap();
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Migrating));
    assert_eq!(
        service_code(&delete().await.unwrap_err()),
        (400, "OMS.0063")
    );
    stop().await.unwrap();
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Pausing));
    assert_eq!(
        service_code(&delete().await.unwrap_err()),
        (400, "OMS.0063")
    );
    // Waiting ends at a pause, which is final.
    let task = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap();
    assert_eq!(task.status, Some(3));
    assert_eq!(service_code(&stop().await.unwrap_err()), (400, "OMS.0066"));
    delete().await.unwrap();
    assert_eq!(oms.migration_task_status(id), None);
    // The service answers 400 OMS.1009 for a task that does not exist.
    assert_eq!(service_code(&show().await.unwrap_err()), (400, "OMS.1009"));
    let error = client
        .wait_for_task(id)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Wait(WaitError::Gone { .. })),
        "{error:?}"
    );
    assert!(error.request_id().is_some());
}

#[tokio::test]
async fn the_daily_quota_refuses_a_task_and_creates_nothing() {
    let (oms, client) = signed(LocalOms::builder().task_quota(2)).await;
    create_task(&client).await.unwrap();
    create_task(&client).await.unwrap();
    let error = create_task(&client).await.unwrap_err();
    assert_eq!(service_code(&error), (400, "OMS.0064"));
    assert_eq!(oms.migration_task_ids().len(), 2);
    // A group of two tasks does not fit either.
    let error = client
        .create_task_group()
        .project_id(PROJECT)
        .body_map(valid_create_task_group_body)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&error), (400, "OMS.0064"));
}

#[tokio::test]
async fn bandwidth_and_priority_updates_follow_the_task_states() {
    let (_oms, client) =
        signed(LocalOms::builder().migration_plan(MigrationPlan::succeeding(1, 1, 1))).await;
    let first = create_task(&client).await.unwrap();
    let second = create_task(&client).await.unwrap();
    let policy = oms_api::types::BandwidthPolicy::builder()
        .start("01:00")
        .end("05:00")
        .max_bandwidth(1_048_576);
    client
        .update_bandwidth_policy()
        .project_id(PROJECT)
        .task_id(first)
        .body_map(|b| b.bandwidth_policy([policy.clone()]))
        .send()
        .await
        .unwrap();
    // Both tasks still wait: their priority may change.
    client
        .batch_update_tasks()
        .project_id(PROJECT)
        .body_map(|b| {
            b.ids([first, second])
                .bandwidth_policy(no_limits())
                .task_priority("HIGH")
        })
        .send()
        .await
        .unwrap();
    let shown = client
        .show_task()
        .project_id(PROJECT)
        .task_id(first)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.bandwidth_policy, Some(Vec::new()));
    assert_eq!(
        shown.task_priority.map(|p| p.to_string()).as_deref(),
        Some("HIGH")
    );
    // Now migrating: no new priority, and nothing changes.
    let error = client
        .batch_update_tasks()
        .project_id(PROJECT)
        .body_map(|b| {
            b.ids([first])
                .bandwidth_policy([policy.clone()])
                .task_priority("LOW")
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&error), (400, "OMS.0064"));
    // Finished: no new bandwidth policy either.
    client
        .wait_for_task(first)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap();
    let error = client
        .update_bandwidth_policy()
        .project_id(PROJECT)
        .task_id(first)
        .body_map(|b| b.bandwidth_policy(no_limits()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&error), (400, "OMS.0064"));
    // An unknown task in a batch refuses the batch.
    let error = client
        .batch_update_tasks()
        .project_id(PROJECT)
        .body_map(|b| b.ids([second, 42]).bandwidth_policy(no_limits()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&error), (400, "OMS.1009"));
}

#[tokio::test]
async fn a_group_runs_one_task_per_prefix_to_completion() {
    let (oms, client) = signed(
        LocalOms::builder()
            .migration_plan(MigrationPlan::succeeding(1, 1, 2))
            .source_bucket(photos()),
    )
    .await;
    let group = create_group(&client, &["2024/", "2025/", "readme"]).await;
    assert_eq!(
        oms.task_group_status(&group),
        Some(TaskGroupStatus::Creating)
    );
    let mut statuses = Vec::new();
    let done = client
        .wait_for_task_group(&group)
        .project_id(PROJECT)
        .wait(quickly())
        .observe(|g| statuses.push(g.status))
        .await
        .unwrap();
    assert_eq!(done.status, Some(6));
    assert_eq!(done.total_task_num, Some(3));
    assert_eq!(done.complete_task_num, Some(3));
    assert_eq!((done.total_num, done.success_num), (Some(4), Some(4)));
    assert_eq!(done.complete_size, Some(607));
    assert_eq!(statuses.first(), Some(&Some(2)));
    let tasks: Vec<_> = client
        .list_tasks()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut totals: Vec<_> = tasks.iter().map(|t| t.total_num).collect();
    totals.sort();
    assert_eq!(totals, [Some(1), Some(1), Some(2)]);
    assert!(
        tasks
            .iter()
            .all(|t| t.group_id.as_deref() == Some(group.as_str()))
    );
}

#[tokio::test]
async fn a_failed_group_is_an_error_then_retried_then_deleted() {
    let (oms, client) = signed(
        LocalOms::builder().migration_plan(MigrationPlan::failing("TRF.0051", "no permission")),
    )
    .await;
    let group = create_group(&client, &["a/", "b/"]).await;
    let error = client
        .wait_for_task_group(&group)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait(WaitError::Failed { status: 5, error_code: Some(c), .. }) if &**c == "TRF.0051"),
        "{error:?}"
    );
    // Only a failed group can be retried; a failed group can be deleted.
    client
        .retry_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .body_map(|b| b.migrate_failed_object(true))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oms.task_group_status(&group),
        Some(TaskGroupStatus::Monitoring)
    );
    let done = client
        .wait_for_task_group(&group)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap();
    assert_eq!(done.status, Some(6));
    let retry = client
        .retry_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .body_map(|b| b)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&retry), (400, "OMS.0064"));
    client
        .delete_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        oms.task_group_status(&group),
        Some(TaskGroupStatus::DeleteWaiting)
    );
    // 8 → 9 → gone: the waiter sees it go.
    let error = client
        .wait_for_task_group(&group)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Wait(WaitError::Gone { .. })),
        "{error:?}"
    );
    assert!(
        oms.migration_task_ids().is_empty(),
        "its tasks went with it"
    );
    let error = client
        .show_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&error).0, 404);
}

#[tokio::test]
async fn a_running_group_pauses_resumes_and_refuses_deletion() {
    let (oms, client) = signed(LocalOms::builder().migration_plan(MigrationPlan::endless())).await;
    let group = create_group(&client, &["a/"]).await;
    let delete = || {
        client
            .delete_task_group()
            .project_id(PROJECT)
            .group_id(group.as_str())
            .send()
    };
    assert_eq!(
        service_code(&delete().await.unwrap_err()),
        (400, "OMS.0063")
    );
    client
        .stop_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        oms.task_group_status(&group),
        Some(TaskGroupStatus::Pausing)
    );
    let paused = client
        .wait_for_task_group(&group)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap();
    assert_eq!((paused.status, paused.paused_task_num), (Some(3), Some(1)));
    let stop_again = client
        .stop_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&stop_again), (400, "OMS.0066"));
    client
        .update_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .body_map(|b| b.bandwidth_policy(no_limits()))
        .send()
        .await
        .unwrap();
    client
        .start_task_group()
        .project_id(PROJECT)
        .group_id(group.as_str())
        .body_map(|b| b.dst_ak("a").dst_sk("s"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oms.task_group_status(&group),
        Some(TaskGroupStatus::Monitoring)
    );
    let id = oms.migration_task_ids()[0];
    assert_eq!(oms.migration_task_status(id), Some(TaskStatus::Migrating));
}

#[tokio::test]
async fn a_url_list_group_makes_one_task() {
    let (oms, client) = signed(LocalOms::builder()).await;
    client
        .create_task_group()
        .project_id(PROJECT)
        .body_map(|b| {
            valid_create_task_group_body(b)
                .task_type(TaskGroupType::UrlList)
                .src_node(
                    TaskGroupSrcNode::builder()
                        .cloud_type("URLSource")
                        .list_file(
                            oms_api::types::ListFile::builder()
                                .obs_bucket("lists")
                                .list_file_key("urls.txt"),
                        ),
                )
        })
        .send()
        .await
        .unwrap();
    assert_eq!(oms.migration_task_ids().len(), 1);
}

#[tokio::test]
async fn streams_list_every_task_and_group_once() {
    let mut builder = LocalOms::builder();
    for id in 0..250 {
        builder = builder.raw_migration_task(serde_json::json!({ "id": id, "status": 1 + id % 7 }));
    }
    for id in 0..130 {
        builder = builder
            .raw_task_group(serde_json::json!({ "group_id": format!("g{id}"), "status": 3 }));
    }
    let (_oms, client) = signed(builder).await;
    let tasks: Vec<_> = client
        .list_tasks()
        .project_id(PROJECT)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = tasks.iter().filter_map(|t| t.id).collect();
    assert_eq!(ids, (0..250).collect::<Vec<_>>());
    let failed: Vec<_> = client
        .list_tasks()
        .project_id(PROJECT)
        .status(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(failed.len(), 36);
    assert!(failed.iter().all(|t| t.status == Some(4)));
    let groups: Vec<_> = client
        .list_task_group()
        .project_id(PROJECT)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 130);
    let mut names: Vec<_> = groups.iter().filter_map(|g| g.group_id.clone()).collect();
    names.dedup();
    assert_eq!(names.len(), 130);
}

#[tokio::test]
async fn a_gateway_404_is_not_a_vanished_task() {
    // A wrong endpoint: the gateway knows no such API.
    let server = crate::server::CannedServer::start(crate::server::Canned::new(
        404,
        r#"{"error_code":"APIGW.0101","error_msg":"The API does not exist"}"#,
    ))
    .await;
    let error = server
        .client("token")
        .wait_for_task(1)
        .project_id(PROJECT)
        .wait(quickly())
        .await
        .unwrap_err();
    assert_eq!(service_code(&error), (404, "APIGW.0101"));
}
