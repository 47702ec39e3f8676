//! The client tried as an attacker and a hostile server would: ids that try
//! to leave their path segment, redirects to another origin, huge and
//! endless bodies, forged terminal output, slow answers, extreme settings,
//! skewed clocks. Each test proves what `SECURITY.md` promises.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::operation::Segment;
use oms_api::operations;
use oms_api::{CallSettings, Client, ClockSkew, Credentials, Error, RetryConfig, TimeoutKind};
use proptest::prelude::*;
use tokio::io::AsyncWriteExt;

use crate::server::{
    Canned, CannedServer, ScriptedServer, no_limits, read_head, start_sync_task,
    valid_cdn_info_body, valid_create_task_body, valid_create_task_group_body,
};

fn client_for(url: &str) -> oms_api::ClientBuilder {
    Client::builder()
        .endpoint(url)
        .credentials(Credentials::access_key("AK", "sk").unwrap())
        .retry(RetryConfig::disabled())
}

#[tokio::test]
async fn a_backslash_id_cannot_reach_another_project() {
    let oms = LocalOms::builder()
        .sync_task("victim-task", TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    let client = crate::server::local_client(&oms);
    let by_task = client
        .delete_sync_task()
        .project_id("my-project")
        .sync_task_id(r"..\..\victim-project\sync-tasks\victim-task")
        .send()
        .await
        .unwrap_err();
    let by_project = client
        .delete_sync_task()
        .project_id(r"x\..\..\victim-project")
        .sync_task_id("victim-task")
        .send()
        .await
        .unwrap_err();
    for (error, field) in [(by_task, "sync_task_id"), (by_project, "project_id")] {
        match &error {
            Error::Validation(e) => assert_eq!(e.field(), field),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert!(oms.requests().is_empty(), "nothing may be sent");
    assert_eq!(oms.task_ids(), ["victim-task"]);
}

/// Sends one operation with `values` as its path parameters (in the
/// template's order) and every other field valid.
pub(crate) type Call = for<'a> fn(&'a Client, &'a [String]) -> BoxFuture<'a, Result<(), Error>>;

pub(crate) fn calls() -> Vec<(&'static str, Call)> {
    vec![
        ("CreateSyncTask", |c, v| {
            Box::pin(async move {
                c.create_sync_task()
                    .project_id(v[0].as_str())
                    .body_map(crate::server::valid_create_body)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ListSyncTasks", |c, v| {
            Box::pin(async move {
                c.list_sync_tasks()
                    .project_id(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowSyncTask", |c, v| {
            Box::pin(async move {
                c.show_sync_task()
                    .project_id(v[0].as_str())
                    .sync_task_id(v[1].as_str())
                    .query_time(0)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("DeleteSyncTask", |c, v| {
            Box::pin(async move {
                c.delete_sync_task()
                    .project_id(v[0].as_str())
                    .sync_task_id(v[1].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("StartSyncTask", |c, v| {
            Box::pin(async move { start_sync_task(c, &v[0], &v[1]).await })
        }),
        ("StopSyncTask", |c, v| {
            Box::pin(async move {
                c.stop_sync_task()
                    .project_id(v[0].as_str())
                    .sync_task_id(v[1].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("CreateSyncEvents", |c, v| {
            Box::pin(async move {
                c.create_sync_events()
                    .project_id(v[0].as_str())
                    .sync_task_id(v[1].as_str())
                    .body_map(|b| b.object_keys(["k"]))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ListSyncTaskStatistic", |c, v| {
            Box::pin(async move {
                c.list_sync_task_statistic()
                    .project_id(v[0].as_str())
                    .sync_task_id(v[1].as_str())
                    .data_type("REQUEST")
                    .start_time(0)
                    .end_time(1)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ListApiVersions", |c, _| {
            Box::pin(async move { c.list_api_versions().send().await.map(drop) })
        }),
        ("ShowApiInfo", |c, v| {
            Box::pin(async move {
                c.show_api_info()
                    .version(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ListTasks", |c, v| {
            Box::pin(async move {
                c.list_tasks()
                    .project_id(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("CreateTask", |c, v| {
            Box::pin(async move {
                c.create_task()
                    .project_id(v[0].as_str())
                    .body_map(valid_create_task_body)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("BatchUpdateTasks", |c, v| {
            Box::pin(async move {
                c.batch_update_tasks()
                    .project_id(v[0].as_str())
                    .body_map(|b| b.group_id("g").bandwidth_policy(no_limits()))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowTask", |c, v| {
            Box::pin(async move {
                c.show_task()
                    .project_id(v[0].as_str())
                    .task_id(v[1].parse::<i64>().unwrap())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("DeleteTask", |c, v| {
            Box::pin(async move {
                c.delete_task()
                    .project_id(v[0].as_str())
                    .task_id(v[1].parse::<i64>().unwrap())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("StartTask", |c, v| {
            Box::pin(async move {
                c.start_task()
                    .project_id(v[0].as_str())
                    .task_id(v[1].parse::<i64>().unwrap())
                    .body_map(|b| b.dst_ak("a").dst_sk("s"))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("StopTask", |c, v| {
            Box::pin(async move {
                c.stop_task()
                    .project_id(v[0].as_str())
                    .task_id(v[1].parse::<i64>().unwrap())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("UpdateBandwidthPolicy", |c, v| {
            Box::pin(async move {
                c.update_bandwidth_policy()
                    .project_id(v[0].as_str())
                    .task_id(v[1].parse::<i64>().unwrap())
                    .body_map(|b| b.bandwidth_policy(no_limits()))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ListTaskGroup", |c, v| {
            Box::pin(async move {
                c.list_task_group()
                    .project_id(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("CreateTaskGroup", |c, v| {
            Box::pin(async move {
                c.create_task_group()
                    .project_id(v[0].as_str())
                    .body_map(valid_create_task_group_body)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowTaskGroup", |c, v| {
            Box::pin(async move {
                c.show_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("DeleteTaskGroup", |c, v| {
            Box::pin(async move {
                c.delete_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("StopTaskGroup", |c, v| {
            Box::pin(async move {
                c.stop_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("StartTaskGroup", |c, v| {
            Box::pin(async move {
                c.start_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .body_map(|b| b.dst_ak("a").dst_sk("s"))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("RetryTaskGroup", |c, v| {
            Box::pin(async move {
                c.retry_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .body_map(|b| b)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("UpdateTaskGroup", |c, v| {
            Box::pin(async move {
                c.update_task_group()
                    .project_id(v[0].as_str())
                    .group_id(v[1].as_str())
                    .body_map(|b| b.bandwidth_policy(no_limits()))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowBucketList", |c, v| {
            Box::pin(async move {
                c.show_bucket_list()
                    .project_id(v[0].as_str())
                    .body_map(|b| b.cloud_type("AWS"))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowBucketObjects", |c, v| {
            Box::pin(async move {
                c.show_bucket_objects()
                    .project_id(v[0].as_str())
                    .body_map(|b| {
                        b.cloud_type("AWS")
                            .bucket_name("b")
                            .file_path("")
                            .data_center("r")
                            .page_size(1)
                            .behind_filename("")
                    })
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowBucketRegion", |c, v| {
            Box::pin(async move {
                c.show_bucket_region()
                    .project_id(v[0].as_str())
                    .body_map(|b| b.cloud_type("AWS").bucket_name("b"))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowCdnInfo", |c, v| {
            Box::pin(async move {
                c.show_cdn_info()
                    .project_id(v[0].as_str())
                    .body_map(valid_cdn_info_body)
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("CheckPrefix", |c, v| {
            Box::pin(async move {
                c.check_prefix()
                    .project_id(v[0].as_str())
                    .body_map(|b| {
                        b.cloud_type("AWS")
                            .bucket_name("b")
                            .file_name("f")
                            .data_center("r")
                    })
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("CheckUrlSourceListFileFormat", |c, v| {
            Box::pin(async move {
                c.check_url_source_list_file_format()
                    .project_id(v[0].as_str())
                    .body_map(|b| b.obs_bucket("b").list_file_key("urls.txt"))
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowCloudType", |c, v| {
            Box::pin(async move {
                c.show_cloud_type()
                    .project_id(v[0].as_str())
                    .type_("src")
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("ShowRegionInfo", |c, v| {
            Box::pin(async move {
                c.show_region_info()
                    .project_id(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("UpdatePrivacyAgreementRecord", |c, v| {
            Box::pin(async move {
                c.update_privacy_agreement_record()
                    .project_id(v[0].as_str())
                    .send()
                    .await
                    .map(drop)
            })
        }),
    ]
}

/// Any value a caller might pass as path parameter `name`: for a string,
/// valid ids, traversal tricks and arbitrary Unicode; for the integer
/// `task_id`, any `i64`.
fn any_value(name: &str) -> BoxedStrategy<String> {
    if name == "task_id" {
        return prop_oneof![0..1000i64, any::<i64>()]
            .prop_map(|id| id.to_string())
            .boxed();
    }
    prop_oneof![
        "[A-Za-z0-9._~-]{1,12}",
        r"[./\\%2eEfF]{1,8}",
        "\\PC{0,12}",
        any::<String>(),
    ]
    .boxed()
}

/// What the server answers: `[]` for the operations whose answer is a bare
/// list, `{}` for the others.
pub(crate) fn answer(request: &crate::server::RawRequest) -> Canned {
    let path = request.target.split('?').next().unwrap_or_default();
    let list = [
        "/objectstorage/buckets",
        "/objectstorage/cloud-type",
        "/objectstorage/data-center",
    ];
    if list.iter().any(|suffix| path.ends_with(suffix)) {
        Canned::new(200, "[]")
    } else {
        Canned::new(200, "{}")
    }
}

#[test]
fn every_path_parameter_of_every_operation_stays_in_its_segment() {
    let calls = calls();
    let covered: BTreeSet<&str> = calls.iter().map(|(id, _)| *id).collect();
    let all: BTreeSet<&str> = operations::ALL.iter().map(|op| op.id()).collect();
    assert_eq!(covered, all, "every operation of the spec is tried");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(CannedServer::answering(answer));
    let client = client_for(server.url()).build().unwrap();
    for (id, call) in calls {
        let op = operations::ALL.iter().find(|op| op.id() == id).unwrap();
        let params: Vec<BoxedStrategy<String>> = op
            .segments()
            .iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(any_value(name)),
                Segment::Literal(_) => None,
            })
            .collect();
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&params, |values| {
                let before = server.count();
                let result = runtime.block_on(call(&client, &values));
                match result {
                    Err(Error::Validation(_)) => {
                        prop_assert_eq!(server.count(), before, "{}: refused but sent", id);
                    }
                    Err(other) => prop_assert!(false, "{}: unexpected error {:?}", id, other),
                    Ok(()) => {
                        prop_assert_eq!(server.count(), before + 1);
                        let sent = server.last().unwrap();
                        let path = sent.target.split('?').next().unwrap();
                        // `/` (ListApiVersions) has no segment.
                        let segments: Vec<&str> = match path {
                            "/" => Vec::new(),
                            path => path.split('/').skip(1).collect(),
                        };
                        prop_assert_eq!(segments.len(), op.segments().len(), "{}: {}", id, path);
                        let mut values = values.iter();
                        for (segment, expected) in segments.iter().zip(op.segments()) {
                            match expected {
                                Segment::Literal(text) => prop_assert_eq!(segment, text),
                                Segment::Param(_) => {
                                    let decoded = percent_encoding::percent_decode_str(segment)
                                        .decode_utf8()
                                        .unwrap();
                                    prop_assert_eq!(&decoded, values.next().unwrap());
                                }
                            }
                        }
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|failure| panic!("{id}: {failure}"));
    }
}

#[tokio::test]
async fn redirects_to_another_origin_are_never_followed() {
    for status in [301, 302, 303, 307, 308] {
        let elsewhere = CannedServer::start(Canned::new(200, "")).await;
        let origin = CannedServer::start(Canned::new(status, "").header(
            "Location",
            &format!("{}/v2/p/sync-tasks/t/start", elsewhere.url()),
        ))
        .await;
        for credentials in [
            Credentials::temporary_access_key("AK", "sk", "CANARY-security-token").unwrap(),
            Credentials::iam_token("CANARY-iam-token").unwrap(),
        ] {
            // A caller's HTTP client that would follow redirects.
            let client = Client::builder()
                .endpoint(origin.url())
                .credentials(credentials)
                .http_client(
                    reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10)),
                )
                .build()
                .unwrap();
            let error = start_sync_task(&client, "p", "t").await.unwrap_err();
            assert!(
                matches!(&error, Error::UnexpectedStatus { status: s, .. } if s.as_u16() == status),
                "{status}: {error:?}"
            );
        }
        assert_eq!(origin.requests().len(), 2, "{status}");
        assert!(
            elsewhere.requests().is_empty(),
            "{status}: credentials and secret keys reached another origin"
        );
    }
}

/// `HTTP/1.1 <status>` with a chunked body that never ends.
async fn endless(status: u16) -> ScriptedServer {
    ScriptedServer::start(move |mut stream| async move {
        read_head(&mut stream).await;
        let head = format!(
            "HTTP/1.1 {status} Endless\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("1000\r\n{}\r\n", "x".repeat(0x1000));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await
}

#[tokio::test]
async fn a_success_body_beyond_the_limit_is_refused() {
    let huge = format!(r#"{{"tasks":[],"padding":"{}"}}"#, "x".repeat(1 << 20));
    let server = CannedServer::start(Canned::new(200, &huge)).await;
    let client = client_for(server.url())
        .max_response_body(64 * 1024)
        .build()
        .unwrap();
    let error = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 65_536, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("65536 bytes"), "{error}");
}

#[tokio::test]
async fn an_endless_success_body_ends_at_the_limit() {
    let server = endless(200).await;
    let client = client_for(server.url())
        .max_response_body(1 << 20)
        .attempt_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    // Reading stops at the limit (memory is bounded by construction), so
    // the answer is the size error, not a timeout.
    let error = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        server.connections(),
        1,
        "a body that is too large is not asked for again"
    );
}

#[tokio::test]
async fn an_endless_error_body_is_cut() {
    let server = endless(500).await;
    let client = client_for(server.url())
        .attempt_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let error = start_sync_task(&client, "p", "t").await.unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.status(), 500);
    assert_eq!(service.message().chars().count(), 2049);
    assert!(service.message().ends_with('…'));
}

#[tokio::test]
async fn a_huge_json_error_message_is_cut_like_text() {
    let body = format!(
        r#"{{"error_code":"OMS.0001","error_msg":"{}"}}"#,
        "m".repeat(60_000)
    );
    let server = CannedServer::start(Canned::new(400, &body)).await;
    let error = start_sync_task(&client_for(server.url()).build().unwrap(), "p", "t")
        .await
        .unwrap_err();
    let service = error.as_service_error().unwrap();
    assert_eq!(service.code(), "OMS.0001");
    assert_eq!(service.message().chars().count(), 2049);
}

#[tokio::test]
async fn a_server_cannot_forge_terminal_or_log_lines() {
    let body = r#"{"error_code":"OMS.0001\u001b[31m","error_msg":"bad\r\n2026-01-01 INFO all good\u0000\u001b]0;pwned\u0007\u202e"}"#;
    let server = CannedServer::start(Canned::new(400, body)).await;
    let error = start_sync_task(&client_for(server.url()).build().unwrap(), "p", "t")
        .await
        .unwrap_err();
    let shown = format!("{error} / {error:?}");
    for raw in ['\u{1b}', '\r', '\n', '\0', '\u{7}', '\u{202e}'] {
        assert!(!shown.contains(raw), "{raw:?} in {shown:?}");
    }
    let service = error.as_service_error().unwrap();
    assert_eq!(service.code(), r"OMS.0001\u{1b}[31m");
    assert!(
        service
            .message()
            .starts_with(r"bad\u{d}\u{a}2026-01-01 INFO all good\u{0}")
    );
}

#[tokio::test]
async fn the_operation_deadline_covers_every_attempt_and_wait() {
    let slow = CannedServer::start(Canned::new(200, "{}").delay(Duration::from_secs(30))).await;
    let client = client_for(slow.url())
        .retry(RetryConfig::new().max_attempts(10))
        .attempt_timeout(Duration::from_millis(400))
        .operation_timeout(Some(Duration::from_millis(1000)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(timeout.kind(), TimeoutKind::Operation, "{error}");
    assert_eq!(timeout.limit(), Some(Duration::from_secs(1)));
    assert!(!error.is_retryable());
    // Far below 10 attempts of 400 ms: the deadline ended it.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(slow.requests().len() <= 3, "{}", slow.requests().len());
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_only_where_repeating_is_safe() {
    let slow = CannedServer::start(Canned::new(200, "{}").delay(Duration::from_secs(30))).await;
    let client = client_for(slow.url())
        .retry(
            RetryConfig::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
        )
        .attempt_timeout(Duration::from_millis(200))
        .operation_timeout(None)
        .build()
        .unwrap();
    let error = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(timeout.kind(), TimeoutKind::Attempt);
    assert!(error.is_retryable());
    assert_eq!(slow.requests().len(), 3, "ListSyncTasks may be repeated");

    let before = slow.requests().len();
    let error = start_sync_task(&client, "p", "t").await.unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(slow.requests().len(), before + 1, "StartSyncTask may not");
}

#[tokio::test]
async fn no_setting_panics() {
    let server = CannedServer::start(Canned::new(503, "")).await;
    let extremes = [Duration::ZERO, Duration::from_nanos(1), Duration::MAX];
    for &value in &extremes {
        for retry in [
            RetryConfig::new()
                .max_attempts(u32::MAX)
                .initial_backoff(value)
                .max_backoff(value),
            RetryConfig::new()
                .initial_backoff(Duration::MAX)
                .max_backoff(value),
            RetryConfig::disabled(),
        ] {
            let client = client_for(server.url())
                .retry(retry)
                .connect_timeout(value)
                .attempt_timeout(value)
                .operation_timeout(Some(value.min(Duration::from_millis(300))))
                .max_response_body(0)
                .build()
                .unwrap();
            // Ends with an error (503, a timeout, …), never a panic or a hang.
            let outcome = tokio::time::timeout(
                Duration::from_secs(10),
                client.list_sync_tasks().project_id("p").send(),
            )
            .await;
            assert!(
                matches!(outcome, Ok(Err(_))),
                "{value:?} {retry:?}: {outcome:?}"
            );
            // The same settings for one call only, on a default client.
            let settings = CallSettings::new()
                .retry(retry)
                .attempt_timeout(value)
                .operation_timeout(Some(value.min(Duration::from_millis(300))));
            let outcome = tokio::time::timeout(
                Duration::from_secs(10),
                client_for(server.url())
                    .build()
                    .unwrap()
                    .list_sync_tasks()
                    .project_id("p")
                    .call_settings(settings)
                    .send(),
            )
            .await;
            assert!(
                matches!(outcome, Ok(Err(_))),
                "per call: {value:?} {retry:?}: {outcome:?}"
            );
        }
    }
}

/// A clock off by more than the client corrects (`MAX_CLOCK_CORRECTION`)
/// is reported with how far it is off.
#[tokio::test]
async fn an_expired_signature_says_how_far_the_clock_is_off() {
    let oms = LocalOms::builder()
        .access_key("AK", "sk")
        .clock_ahead(Duration::from_secs(16 * 3600 + 20 * 60))
        .sync_task("t", TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    let error = start_sync_task(&client_for(&oms.base_url()).build().unwrap(), "p", "t")
        .await
        .unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.code(), "APIGW.0301");
    let Some(ClockSkew::Behind(by)) = service.clock_skew() else {
        panic!("expected the clock to be behind: {error}");
    };
    assert!(
        (Duration::from_secs(16 * 3600 + 19 * 60)..=Duration::from_secs(16 * 3600 + 21 * 60))
            .contains(by),
        "{by:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the local clock is about 16 h 20 min behind"),
        "{error}"
    );

    // A signature refused for another reason says nothing about clocks.
    let oms = LocalOms::builder()
        .access_key("AK", "sk")
        .start()
        .await
        .unwrap();
    let wrong_key = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::access_key("AK", "not-sk").unwrap())
        .build()
        .unwrap();
    let error = start_sync_task(&wrong_key, "p", "t").await.unwrap_err();
    assert_eq!(error.as_service_error().unwrap().clock_skew(), None);
}
