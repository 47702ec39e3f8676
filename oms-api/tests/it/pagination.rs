//! `Client::list_all_sync_tasks`: every task exactly once, and an end on a
//! server that never stops returning full pages.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::server::{Canned, CannedServer};
use futures::StreamExt;
use oms_api::local::LocalOms;
use oms_api::{Client, Credentials, Error};
use serde_json::json;

#[tokio::test]
async fn lists_250_tasks_exactly_once() {
    let mut builder = LocalOms::builder();
    for n in 0..250 {
        builder =
            builder.raw_task(json!({"sync_task_id": format!("task-{n:03}"), "status": "STOPPED"}));
    }
    let oms = builder.start().await.unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap();
    let tasks: Vec<_> = client.list_all_sync_tasks("project", None).collect().await;
    let ids: Vec<String> = tasks
        .into_iter()
        .map(|t| t.unwrap().sync_task_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 250);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 250);
    assert_eq!(ids, oms.task_ids());
    // Three pages of at most 100, at offsets 0, 100 and 200.
    let targets: Vec<String> = oms
        .requests()
        .iter()
        .map(|r| r.target().to_owned())
        .collect();
    assert_eq!(
        targets,
        [
            "/v2/project/sync-tasks?limit=100&offset=0",
            "/v2/project/sync-tasks?limit=100&offset=100",
            "/v2/project/sync-tasks?limit=100&offset=200",
        ]
    );
}

#[tokio::test]
async fn passes_the_status_filter_on() {
    let oms = LocalOms::builder()
        .raw_task(json!({"sync_task_id": "a", "status": "STOPPED"}))
        .raw_task(json!({"sync_task_id": "b", "status": "SYNCHRONIZING"}))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap();
    let tasks: Vec<_> = client
        .list_all_sync_tasks(
            "project",
            Some(oms_api::types::SyncTaskStatus::Synchronizing),
        )
        .collect()
        .await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0].as_ref().unwrap().sync_task_id.as_deref(),
        Some("b")
    );
}

fn full_page(first: usize) -> String {
    let tasks: Vec<_> = (first..first + 100)
        .map(|n| json!({"sync_task_id": format!("t{n}")}))
        .collect();
    json!({"tasks": tasks, "count": 1_000_000_000}).to_string()
}

#[tokio::test]
async fn ends_when_the_server_repeats_a_full_page() {
    // The server ignores `offset` and always answers the same full page.
    let server = CannedServer::start(
        Canned::new(200, &full_page(0)).header("Content-Type", "application/json"),
    )
    .await;
    let results: Vec<_> = server
        .client("token")
        .list_all_sync_tasks("p", None)
        .collect()
        .await;
    assert_eq!(results.len(), 101, "the first page, then one error");
    assert!(results[..100].iter().all(Result::is_ok));
    assert!(
        matches!(results[100], Err(Error::Pagination(_))),
        "{:?}",
        results[100]
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn ends_when_the_server_announces_more_than_offsets_reach() {
    // Every page is full and new, and the count is a billion.
    let pages = AtomicUsize::new(0);
    let server = CannedServer::answering(move |_| {
        let page = pages.fetch_add(1, Ordering::SeqCst);
        Canned::new(200, &full_page(page * 100)).header("Content-Type", "application/json")
    })
    .await;
    let results: Vec<_> = server
        .client("token")
        .list_all_sync_tasks("p", None)
        .collect()
        .await;
    // Offsets 0, 100, …, 10000 are 101 pages; the next offset is refused.
    assert_eq!(results.len(), 10_101);
    assert!(results[..10_100].iter().all(Result::is_ok));
    let last = results.last().unwrap();
    assert!(matches!(last, Err(Error::Pagination(_))), "{last:?}");
    assert_eq!(server.requests().len(), 101);
}

#[tokio::test]
async fn an_error_ends_the_stream() {
    let server = CannedServer::start(Canned::new(
        503,
        r#"{"error_code":"APIGW.0613","error_msg":"IAM unavailable"}"#,
    ))
    .await;
    let results: Vec<_> = server
        .client("token")
        .list_all_sync_tasks("p", None)
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.as_service_error().unwrap().code(), "APIGW.0613");
}
