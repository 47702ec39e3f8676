//! Every constrained field and query parameter of the lifecycle operations
//! is checked before sending; the error names the field.

mod common;

use common::{Canned, CannedServer};
use oms_api::{Client, Error, types};

fn expect_invalid<T: std::fmt::Debug>(
    case: &str,
    result: Result<T, progenitor_client::Error<types::ApiError>>,
    field: &str,
    rule: &str,
) {
    let error = Error::from(result.expect_err(case));
    let Error::Validation(validation) = &error else {
        panic!("{case}: expected a validation error, got {error:?}");
    };
    assert_eq!(validation.field(), field, "{case}: {error}");
    assert!(validation.rule().contains(rule), "{case}: {error}");
}

fn create(
    client: &Client,
    change: impl FnOnce(types::builder::CreateSyncTaskReq) -> types::builder::CreateSyncTaskReq,
) -> oms_api::builder::CreateSyncTask<'_> {
    client
        .create_sync_task()
        .project_id("p")
        .body_map(|b| change(common::valid_create_body(b)))
}

#[tokio::test]
async fn list_parameters_are_checked_before_sending() {
    let server = CannedServer::start(Canned::new(200, r#"{"tasks":[],"count":0}"#)).await;
    let client = server.client("token");
    let list = || client.list_sync_tasks().project_id("p");
    list()
        .limit(100u32)
        .offset(10_000)
        .send()
        .await
        .expect("the bounds themselves are allowed");
    expect_invalid(
        "limit 0",
        list().limit(0u32).send().await,
        "limit",
        "out of range",
    );
    expect_invalid(
        "limit 101",
        list().limit(101u32).send().await,
        "limit",
        "greater than 100",
    );
    expect_invalid(
        "offset -1",
        list().offset(-1).send().await,
        "offset",
        "less than 0",
    );
    expect_invalid(
        "offset 10001",
        list().offset(10_001).send().await,
        "offset",
        "greater than 10000",
    );
    expect_invalid(
        "status",
        list().status("RUNNING").send().await,
        "status",
        "invalid value",
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn show_and_statistics_parameters_are_checked_before_sending() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let client = server.client("token");
    expect_invalid(
        "missing query_time",
        client
            .show_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .send()
            .await,
        "query_time",
        "is required",
    );
    expect_invalid(
        "negative query_time",
        client
            .show_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .query_time(-1)
            .send()
            .await,
        "query_time",
        "less than 0",
    );
    let statistic = |data_type: &'static str, start: i64, end: i64| {
        client
            .list_sync_task_statistic()
            .project_id("p")
            .sync_task_id("..")
            .data_type(data_type)
            .start_time(start)
            .end_time(end)
    };
    expect_invalid(
        "dot-dot id",
        statistic("REQUEST", 0, 1).send().await,
        "sync_task_id",
        "doesn't match pattern",
    );
    let statistic = |data_type: &'static str, start: i64, end: i64| {
        client
            .list_sync_task_statistic()
            .project_id("p")
            .sync_task_id("t")
            .data_type(data_type)
            .start_time(start)
            .end_time(end)
    };
    for bad in [
        "",
        "REQUEST,",
        "request",
        "REQUEST,BYTES",
        "REQUEST SUCCESS",
    ] {
        expect_invalid(
            bad,
            statistic(bad, 0, 1).send().await,
            "data_type",
            "doesn't match pattern",
        );
    }
    expect_invalid(
        "negative start",
        statistic("SIZE", -5, 1).send().await,
        "start_time",
        "less than 0",
    );
    expect_invalid(
        "negative end",
        statistic("SIZE", 0, -1).send().await,
        "end_time",
        "less than 0",
    );
    assert!(server.requests().is_empty());
    statistic("REQUEST,SUCCESS,FAILURE,SKIP,SIZE", 0, 1)
        .send()
        .await
        .expect("a valid request is sent");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn events_are_checked_before_sending() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let client = server.client("token");
    let send = |keys: Vec<String>, task: String| {
        let client = &client;
        async move {
            client
                .create_sync_events()
                .project_id("p")
                .sync_task_id(task)
                .body_map(|b| b.object_keys_from(keys))
                .send()
                .await
        }
    };
    let key = |n: usize| "k".repeat(n);
    expect_invalid(
        "no keys",
        send(vec![], "t".into()).await,
        "object_keys",
        "fewer than 1 items",
    );
    expect_invalid(
        "101 keys",
        send(vec![key(1); 101], "t".into()).await,
        "object_keys",
        "more than 100 items",
    );
    expect_invalid(
        "empty key",
        send(vec![String::new()], "t".into()).await,
        "object_keys",
        "shorter than 1",
    );
    expect_invalid(
        "long key",
        send(vec![key(16_385)], "t".into()).await,
        "object_keys",
        "longer than 16384",
    );
    expect_invalid(
        "long task id",
        send(vec![key(1)], key(1025)).await,
        "sync_task_id",
        "longer than 1024",
    );
    assert!(server.requests().is_empty());
    send(vec![key(16_384); 100], key(1024))
        .await
        .expect("the bounds themselves are allowed");
    assert_eq!(server.requests().len(), 1);
}

/// Breaks one rule of an otherwise valid CreateSyncTask body.
type Change =
    Box<dyn FnOnce(types::builder::CreateSyncTaskReq) -> types::builder::CreateSyncTaskReq>;

#[tokio::test]
async fn create_fields_are_checked_before_sending() {
    let server = CannedServer::start(Canned::new(200, r#"{"sync_task_id":"new"}"#)).await;
    let client = server.client("token");
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, &str, &str, Change)> = vec![
        (
            "forbidden <",
            "description",
            "doesn't match pattern",
            Box::new(|b| b.with_description("a <b>")),
        ),
        (
            "forbidden &",
            "description",
            "doesn't match pattern",
            Box::new(|b| b.with_description("Tom & Jerry")),
        ),
        (
            "forbidden quote",
            "description",
            "doesn't match pattern",
            Box::new(|b| b.with_description("it's")),
        ),
        (
            "forbidden parenthesis",
            "description",
            "doesn't match pattern",
            Box::new(|b| b.with_description("(x)")),
        ),
        (
            "long description",
            "description",
            "longer than 255",
            Box::new(move |b| b.with_description(long(256))),
        ),
        (
            "long src_region",
            "src_region",
            "longer than 100",
            Box::new(move |b| b.src_region(long(101))),
        ),
        (
            "long src_bucket",
            "src_bucket",
            "longer than 1024",
            Box::new(move |b| b.src_bucket(long(1025))),
        ),
        (
            "long dst_bucket",
            "dst_bucket",
            "longer than 1024",
            Box::new(move |b| b.dst_bucket(long(1025))),
        ),
        (
            "long src_ak",
            "src_ak",
            "longer than 100",
            Box::new(move |b| b.src_ak(long(101))),
        ),
        (
            "long dst_sk",
            "dst_sk",
            "longer than 100",
            Box::new(move |b| b.dst_sk(long(101))),
        ),
        (
            "long app_id",
            "app_id",
            "longer than 255",
            Box::new(move |b| b.with_app_id(long(256))),
        ),
        (
            "short kms id",
            "src_kms_key_id",
            "shorter than 36",
            Box::new(|b| b.with_src_kms_key_id("k")),
        ),
        (
            "unknown cloud",
            "src_cloud_type",
            "invalid value",
            Box::new(|b| b.with_src_cloud_type("GCP")),
        ),
        (
            "unknown policy",
            "dst_storage_policy",
            "invalid value",
            Box::new(|b| b.with_dst_storage_policy("COLD")),
        ),
        (
            "unknown check",
            "consistency_check",
            "invalid value",
            Box::new(|b| b.with_consistency_check("md5")),
        ),
        (
            "incomplete CDN",
            "source_cdn.authentication_type",
            "is required",
            Box::new(|b| {
                b.with_source_cdn(types::SourceCdnReq::builder().domain("cdn.example.com"))
            }),
        ),
    ];
    for (case, field, rule, change) in cases {
        expect_invalid(case, create(&client, change).send().await, field, rule);
    }
    assert!(server.requests().is_empty());
    let allowed = create(&client, |b| {
        b.with_description("plain text, with: punctuation; ok! 中文")
    })
    .send()
    .await;
    allowed.expect("a description without forbidden characters is sent");
    assert_eq!(server.requests().len(), 1);
}
