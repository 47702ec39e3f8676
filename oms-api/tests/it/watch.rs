//! Watching many migration tasks and task groups to their ends through
//! listings, against the local OMS whose tasks run on a wall clock: each
//! watched resource is yielded once, as it gets to a final state, with a
//! hundredth of the requests that one ShowTask per task per poll needs,
//! measured side by side; failures, deadlines and vanished tasks as
//! `wait_for_task` reports them.

use std::collections::HashSet;
use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use oms_api::local::{LocalOms, MigrationPlan};
use oms_api::types::TaskGroupSrcNode;
use oms_api::{Client, Credentials, Error, Wait, WaitError};

use crate::server::{valid_create_task_body, valid_create_task_group_body};

const PROJECT: &str = "project";

async fn local(plan: MigrationPlan) -> (LocalOms, Client) {
    let oms = LocalOms::builder()
        .migration_plan(plan)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .project_id(PROJECT)
        .build()
        .unwrap();
    (oms, client)
}

/// Tasks that take 150 ms (3 steps of 50 ms, after one waiting).
fn timed() -> MigrationPlan {
    MigrationPlan::succeeding(10, 10, 3).tick_every(Duration::from_millis(50))
}

fn every(period: Duration) -> Wait {
    Wait::new(Duration::from_secs(30)).poll_every(period, period)
}

async fn create_tasks(client: &Client, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..count {
        let task = client
            .create_task()
            .body_map(valid_create_task_body)
            .send()
            .await
            .unwrap()
            .into_inner();
        ids.push(task.id.unwrap());
    }
    ids
}

fn requests_to(oms: &LocalOms, path: &str) -> usize {
    oms.requests()
        .iter()
        .filter(|r| r.method() == "GET" && r.path().starts_with(path))
        .count()
}

#[tokio::test]
async fn many_tasks_are_watched_through_listings_with_a_hundredth_of_the_requests() {
    let count = 250;
    let listings_path = format!("/v2/{PROJECT}/tasks");
    // Side by side: one wait_for_task per task.
    let (oms, client) = local(timed()).await;
    let ids = create_tasks(&client, count).await;
    let wait = every(Duration::from_millis(50));
    let waits = ids
        .iter()
        .map(|id| client.wait_for_task(*id).wait(wait).into_future());
    for result in futures::future::join_all(waits).await {
        result.unwrap();
    }
    let one_by_one = requests_to(&oms, &format!("{listings_path}/"));
    // The watcher.
    let (oms, client) = local(timed()).await;
    let ids = create_tasks(&client, count).await;
    let mut finished = client
        .wait_for_tasks(ids.iter().copied())
        .wait(every(Duration::from_millis(50)))
        .stream();
    let mut seen = HashSet::new();
    while let Some(task) = finished.next().await {
        let task = task.unwrap();
        assert_eq!(task.status, Some(5));
        assert!(seen.insert(task.id.unwrap()), "yielded twice");
    }
    assert_eq!(seen, ids.iter().copied().collect());
    let shows = requests_to(&oms, &format!("{listings_path}/"));
    let listings = oms
        .requests()
        .iter()
        .filter(|r| r.method() == "GET" && r.path() == listings_path)
        .count();
    assert_eq!(shows, 0, "no ShowTask");
    let watcher = listings;
    assert!(
        watcher * 50 <= one_by_one,
        "{watcher} listing requests against {one_by_one} ShowTask requests"
    );
}

#[tokio::test]
async fn failures_deadlines_and_vanished_tasks_are_yielded_as_wait_for_task_reports_them() {
    let (_oms, client) = local(MigrationPlan::failing("TRF.0151", "no permission")).await;
    let ids = create_tasks(&client, 3).await;
    let outcomes: Vec<_> = client
        .wait_for_tasks(ids)
        .wait(every(Duration::from_millis(1)))
        .stream()
        .collect()
        .await;
    assert_eq!(outcomes.len(), 3);
    for outcome in outcomes {
        let Err(Error::Wait(WaitError::Failed { error_code, .. })) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(error_code.as_deref(), Some("TRF.0151"));
    }

    let (_oms, client) = local(MigrationPlan::endless()).await;
    let mut ids = create_tasks(&client, 2).await;
    ids.push(424_242);
    let outcomes: Vec<_> = client
        .wait_for_tasks(ids)
        .wait(
            Wait::new(Duration::from_millis(300))
                .poll_every(Duration::from_millis(50), Duration::from_millis(50)),
        )
        .stream()
        .collect()
        .await;
    let gone = outcomes
        .iter()
        .filter(|o| matches!(o, Err(Error::Wait(WaitError::Gone { .. }))))
        .count();
    let late = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                Err(Error::Wait(WaitError::Deadline {
                    status: Some(2),
                    ..
                }))
            )
        })
        .count();
    assert_eq!((gone, late, outcomes.len()), (1, 2, 3), "{outcomes:?}");
}

#[tokio::test]
async fn a_few_tasks_among_many_are_asked_for_by_id() {
    // Tasks that run a second, so that the last one created is still
    // running when the watch starts.
    let (oms, client) =
        local(MigrationPlan::succeeding(1, 1, 10).tick_every(Duration::from_millis(100))).await;
    let ids = create_tasks(&client, 150).await;
    let last = ids[149];
    let mut finished = client
        .wait_for_tasks([last])
        .wait(every(Duration::from_millis(20)))
        .stream();
    assert_eq!(finished.next().await.unwrap().unwrap().id, Some(last));
    assert!(finished.next().await.is_none());
    let shows = requests_to(&oms, &format!("/v2/{PROJECT}/tasks/"));
    let listed = oms
        .requests()
        .iter()
        .filter(|r| r.method() == "GET" && r.path() == format!("/v2/{PROJECT}/tasks"))
        .count();
    assert_eq!(listed, 2, "one listing of two pages, then by id");
    assert!(shows >= 1, "{shows}");
}

#[tokio::test]
async fn a_groups_tasks_and_many_groups_are_watched_to_their_ends() {
    let (_oms, client) = local(timed()).await;
    let group = client
        .create_task_group()
        .body_map(|body| {
            valid_create_task_group_body(body).src_node(
                TaskGroupSrcNode::builder()
                    .cloud_type("Aliyun")
                    .region("cn-hangzhou")
                    .ak("a")
                    .sk("s")
                    .bucket("src")
                    .object_key(["a/", "b/", "c/"]),
            )
        })
        .send()
        .await
        .unwrap()
        .into_inner()
        .group_id
        .unwrap();
    let tasks: Vec<_> = client
        .wait_for_group_tasks(&group)
        .wait(every(Duration::from_millis(20)))
        .stream()
        .collect()
        .await;
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert!(
        tasks
            .iter()
            .all(|t| t.as_ref().is_ok_and(|t| t.status == Some(5)))
    );

    let mut groups = Vec::new();
    for _ in 0..3 {
        let id = client
            .create_task_group()
            .body_map(valid_create_task_group_body)
            .send()
            .await
            .unwrap()
            .into_inner()
            .group_id
            .unwrap();
        groups.push(id);
    }
    let done: Vec<_> = client
        .wait_for_task_groups(groups.iter())
        .wait(every(Duration::from_millis(20)))
        .stream()
        .collect()
        .await;
    let done: HashSet<String> = done
        .into_iter()
        .map(|g| g.unwrap().group_id.unwrap())
        .collect();
    assert_eq!(done, groups.into_iter().collect());
}
