//! `ListSyncTasks::stream`: every task exactly once, and an end on a
//! server that never stops returning full pages.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::server::{Canned, CannedServer};
use futures::StreamExt;
use oms_api::local::LocalOms;
use oms_api::{Client, Error};
use serde_json::json;

#[tokio::test]
async fn lists_250_tasks_exactly_once() {
    let mut builder = LocalOms::builder();
    for n in 0..250 {
        builder =
            builder.raw_task(json!({"sync_task_id": format!("task-{n:03}"), "status": "STOPPED"}));
    }
    let oms = builder.start().await.unwrap();
    let client = crate::server::local_client(&oms);
    let tasks: Vec<_> = client
        .list_sync_tasks()
        .project_id("project")
        .stream()
        .collect()
        .await;
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
    let client = crate::server::local_client(&oms);
    let tasks: Vec<_> = client
        .list_sync_tasks()
        .project_id("project")
        .status(oms_api::types::SyncTaskStatus::Synchronizing)
        .stream()
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
        .list_sync_tasks()
        .project_id("p")
        .stream()
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
        .list_sync_tasks()
        .project_id("p")
        .stream()
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
        .list_sync_tasks()
        .project_id("p")
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(error.as_service_error().unwrap().code(), "APIGW.0613");
}

#[tokio::test]
async fn migration_tasks_end_where_the_specs_offsets_end() {
    let pages = AtomicUsize::new(0);
    let server = CannedServer::answering(move |_| {
        let first = pages.fetch_add(1, Ordering::SeqCst) * 100;
        let tasks: Vec<_> = (first..first + 100).map(|n| json!({ "id": n })).collect();
        Canned::new(
            200,
            &json!({ "tasks": tasks, "count": 1_000_000_000 }).to_string(),
        )
        .header("Content-Type", "application/json")
    })
    .await;
    let results: Vec<_> = server
        .client("token")
        .list_tasks()
        .project_id("p")
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 10_101);
    assert!(matches!(results.last(), Some(Err(Error::Pagination(_)))));
    assert_eq!(server.requests().len(), 101);
    // ListTaskGroup's offsets reach much further (2147483647).
    let bound = |op: &oms_api::operation::Operation| {
        op.rules()
            .iter()
            .find(|r| r.field == "offset")
            .map(|r| r.check)
    };
    assert_eq!(
        bound(&oms_api::operations::LIST_TASK_GROUP),
        Some(oms_api::operation::Check::Range {
            min: Some(0),
            max: Some(2_147_483_647)
        })
    );
}

/// The entries of a folder with 230 objects and 20 sub-folders.
fn big_bucket() -> oms_api::local::SourceBucket {
    let mut bucket = oms_api::local::SourceBucket::new("src", "cn-hangzhou").object("other.txt", 1);
    for n in 0..230 {
        bucket = bucket.object(format!("data/object-{n:03}"), n);
    }
    for n in 0..20 {
        bucket = bucket.object(format!("data/folder-{n:02}/inner"), 1);
    }
    bucket
}

fn objects_request(client: &Client) -> oms_api::builder::ShowBucketObjects<'_> {
    client.show_bucket_objects().project_id("p").body_map(|b| {
        b.cloud_type("Aliyun")
            .bucket_name("src")
            .data_center("cn-hangzhou")
            .file_path("data/")
            .ak("a")
            .sk("s")
    })
}

#[tokio::test]
async fn lists_a_folder_of_a_bucket_by_marker() {
    let oms = LocalOms::builder()
        .source_bucket(big_bucket())
        .start()
        .await
        .unwrap();
    let client = crate::server::local_client(&oms);
    let entries: Vec<_> = objects_request(&client)
        .stream()
        .map(|e| e.unwrap())
        .collect()
        .await;
    let names: Vec<String> = entries.iter().map(|e| e.name.clone().unwrap()).collect();
    let mut expected: Vec<String> = (0..20)
        .map(|n| format!("data/folder-{n:02}/"))
        .chain((0..230).map(|n| format!("data/object-{n:03}")))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(
        entries[0].size.as_deref(),
        Some("--"),
        "a folder has no size"
    );
    assert_eq!(entries[249].size.as_deref(), Some("229"));
    let markers: Vec<serde_json::Value> = oms
        .requests()
        .iter()
        .map(|r| serde_json::from_slice::<serde_json::Value>(r.body()).unwrap())
        .map(|body| json!([body["behind_filename"], body["page_size"]]))
        .collect();
    assert_eq!(
        markers,
        [
            json!(["", 100]),
            json!([expected[99], 100]),
            json!([expected[199], 100]),
        ]
    );
}

#[tokio::test]
async fn a_bucket_listing_ends_on_a_marker_followed_before() {
    // Fresh names on every page, but the markers go "a", "b", "a", …
    let pages = AtomicUsize::new(0);
    let server = CannedServer::answering(move |_| {
        let page = pages.fetch_add(1, Ordering::SeqCst);
        let marker = if page.is_multiple_of(2) { "a" } else { "b" };
        let body = json!({
            "next_page": true,
            "next_marker": marker,
            "records": [{ "name": format!("object-{page}"), "size": "1" }],
        });
        Canned::new(200, &body.to_string()).header("Content-Type", "application/json")
    })
    .await;
    let client = server.client("token");
    let results: Vec<_> = objects_request(&client).stream().collect().await;
    assert_eq!(results.len(), 4, "three pages, then an error: {results:?}");
    assert!(matches!(results[3], Err(Error::Pagination(_))));
    assert_eq!(
        server.requests().len(),
        3,
        "the repeated marker is not sent"
    );
}

#[tokio::test]
async fn a_bucket_listing_ends_on_a_repeated_page() {
    let server = CannedServer::start(
        Canned::new(
            200,
            r#"{"next_page":true,"next_marker":"x1","records":[{"name":"x1","size":"1"}]}"#,
        )
        .header("Content-Type", "application/json"),
    )
    .await;
    let client = server.client("token");
    let results: Vec<_> = objects_request(&client).stream().collect().await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(Error::Pagination(_))));
}
