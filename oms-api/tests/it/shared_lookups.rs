//! The lookups every call of a client shares — the project id discovered
//! from IAM, the temporary keys of the ECS metadata service — under
//! hundreds of concurrent calls, against loopback stand-ins for IAM and the
//! metadata service that fail, never answer or answer oddly: one fetch in
//! flight per need, its outcome shared by every caller waiting on it, a
//! failure remembered for `LOOKUP_FAILURE_MEMORY`, and no caller waiting
//! past its own operation deadline, which starts when the call starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oms_api::credentials::EcsMetadata;
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{
    Client, ClientBuilder, Credentials, Error, LOOKUP_FAILURE_MEMORY, Region, Service, TimeoutKind,
};

use crate::server::{Canned, CannedServer, RawRequest, ScriptedServer, closed_port, read_head};

const AK: &str = "LOOKUPAKLOOKUPAK0001";
const SK: &str = "lookup-secret-key";

/// A server that reads each request and never answers.
async fn silent() -> CannedServer {
    CannedServer::start(Canned::new(200, "{}").delay(Duration::from_secs(3600))).await
}

/// A client in cn-north-4 that sends OMS requests to `oms` and asks `iam`
/// for its project.
fn discovering(oms: &str, iam: &str) -> ClientBuilder {
    Client::builder()
        .region(Region::CnNorth4)
        .endpoint(oms)
        .iam_endpoint(iam)
        .credentials(Credentials::access_key(AK, SK).unwrap())
}

/// ListSyncTasks without a project id: the client's is needed.
async fn list(client: &Client) -> Result<(), Error> {
    client.list_sync_tasks().send().await.map(drop)
}

/// `calls` concurrent ListSyncTasks calls, each with the time it ended
/// (from when they all started).
async fn concurrently(client: &Client, calls: usize) -> Vec<(Result<(), Error>, Duration)> {
    let started = Instant::now();
    let calls = (0..calls).map(|_| async {
        let result = list(client).await;
        (result, started.elapsed())
    });
    futures::future::join_all(calls).await
}

fn latest(ends: &[(Result<(), Error>, Duration)]) -> Duration {
    ends.iter().map(|(_, at)| *at).max().unwrap()
}

/// Finding 1: with an IAM that never answers, many concurrent first calls
/// share the one discovery and its failure, all within their deadlines.
#[tokio::test]
async fn a_silent_iam_is_asked_once_and_no_caller_waits_past_its_deadline() {
    let iam = silent().await;
    let oms = CannedServer::start(Canned::new(200, r#"{"count":0,"tasks":[]}"#)).await;
    let client = discovering(oms.url(), iam.url())
        .attempt_timeout(Duration::from_secs(1))
        .operation_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let ends = concurrently(&client, 200).await;
    assert!(
        latest(&ends) < Duration::from_millis(2500),
        "{:?}",
        latest(&ends)
    );
    for (result, _) in &ends {
        let error = result.as_ref().unwrap_err();
        assert_eq!(error.service(), Some(Service::Iam), "{error}");
        assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    }
    assert_eq!(iam.count(), 1, "one discovery for 200 callers");
    assert_eq!(oms.count(), 0);
}

/// Finding 3: the operation deadline covers discovery.
#[tokio::test]
async fn the_operation_deadline_covers_discovery() {
    let iam = silent().await;
    let oms = CannedServer::start(Canned::new(200, "{}")).await;
    let client = discovering(oms.url(), iam.url())
        .attempt_timeout(Duration::from_secs(4))
        .operation_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = list(&client).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(1800),
        "{took:?}"
    );
    let Error::Timeout(timeout) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(timeout.kind(), TimeoutKind::Operation);
    assert_eq!(error.service(), Some(Service::Iam));
    assert!(error.to_string().contains("IAM"), "{error}");
}

/// A failing IAM is asked once per failure window, whatever the number of
/// callers; the callers share its answer; the next window asks again.
#[tokio::test]
async fn a_failing_iam_is_asked_once_per_failure_window() {
    let iam = CannedServer::start(Canned::new(
        500,
        r#"{"error_code":"IAM.0001","error_msg":"internal"}"#,
    ))
    .await;
    let oms = CannedServer::start(Canned::new(200, "{}")).await;
    let client = discovering(oms.url(), iam.url()).build().unwrap();
    let ends = concurrently(&client, 200).await;
    for (result, _) in &ends {
        let error = result.as_ref().unwrap_err();
        let service = error.as_service_error().expect("IAM's answer");
        assert_eq!(
            (service.status().as_u16(), service.code()),
            (500, "IAM.0001")
        );
        assert_eq!(service.service(), Service::Iam);
    }
    assert_eq!(iam.count(), 1);
    // Within the window: the failure is remembered, IAM is not asked.
    list(&client).await.unwrap_err();
    assert_eq!(iam.count(), 1);
    // After it: asked again, once for all.
    tokio::time::sleep(LOOKUP_FAILURE_MEMORY + Duration::from_millis(100)).await;
    concurrently(&client, 50).await;
    assert_eq!(iam.count(), 2);
    assert_eq!(oms.count(), 0);
}

/// Once IAM answers, the id is kept for good and the next window's callers
/// use it.
#[tokio::test]
async fn discovery_recovers_after_the_failure_window() {
    let failing = Arc::new(AtomicUsize::new(1));
    let left = Arc::clone(&failing);
    let iam = CannedServer::answering(move |_: &RawRequest| {
        if left.fetch_sub(1, Ordering::SeqCst) > 0 {
            Canned::new(503, "busy")
        } else {
            Canned::new(
                200,
                r#"{"projects":[{"id":"0123456789abcdef0123456789abcdef","name":"cn-north-4"}]}"#,
            )
        }
    })
    .await;
    let oms = CannedServer::start(Canned::new(200, r#"{"count":0,"tasks":[]}"#)).await;
    let client = discovering(oms.url(), iam.url()).build().unwrap();
    list(&client).await.unwrap_err();
    tokio::time::sleep(LOOKUP_FAILURE_MEMORY + Duration::from_millis(100)).await;
    for (result, _) in concurrently(&client, 100).await {
        result.unwrap();
    }
    assert_eq!(iam.count(), 2);
    assert_eq!(oms.count(), 100);
    assert!(
        oms.requests()
            .iter()
            .all(|r| r.target == "/v2/0123456789abcdef0123456789abcdef/sync-tasks")
    );
}

/// Finding 5: every way IAM can fail is reported as IAM's, with its host;
/// a 3xx is an unexpected status, not a service error.
#[tokio::test]
async fn iam_failures_name_iam_and_its_host() {
    let huge = format!(r#"{{"projects":[{{"id":"{}"}}]}}"#, "x".repeat(2 << 20));
    let shapes: Vec<(&str, Canned)> = vec![
        (
            "401",
            Canned::new(
                401,
                r#"{"error_code":"APIGW.0301","error_msg":"bad signature"}"#,
            ),
        ),
        (
            "403",
            Canned::new(403, r#"{"error":{"code":"403","message":"forbidden"}}"#),
        ),
        ("500", Canned::new(500, "<html>oops</html>")),
        (
            "302",
            Canned::new(302, "").header("Location", "http://elsewhere.example/"),
        ),
        ("huge", Canned::new(200, &huge)),
        ("not json", Canned::new(200, "not json")),
        (
            "silent",
            Canned::new(200, "{}").delay(Duration::from_secs(30)),
        ),
    ];
    for (shape, reply) in shapes {
        let iam = CannedServer::start(reply).await;
        let oms = CannedServer::start(Canned::new(200, "{}")).await;
        let client = discovering(oms.url(), iam.url())
            .attempt_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let error = list(&client).await.unwrap_err();
        check_names_iam(shape, &error, iam.url());
        if shape == "302" {
            assert!(
                matches!(error, Error::UnexpectedStatus { status, .. } if status.as_u16() == 302),
                "{error:?}"
            );
        }
        if shape == "huge" {
            assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
        }
        assert_eq!(oms.count(), 0, "{shape}: nothing reaches OMS");
    }
    // Nothing listens.
    let closed = closed_port();
    let url = format!("http://127.0.0.1:{}", closed.port());
    let error = list(&discovering("http://127.0.0.1:9", &url).build().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connect(_)), "{error:?}");
    check_names_iam("closed port", &error, &url);
    // Hangs up after reading the request.
    let hangs_up = ScriptedServer::start(|mut stream| async move {
        read_head(&mut stream).await;
    })
    .await;
    let error = list(
        &discovering("http://127.0.0.1:9", hangs_up.url())
            .build()
            .unwrap(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    check_names_iam("hang-up", &error, hangs_up.url());
}

fn check_names_iam(shape: &str, error: &Error, url: &str) {
    let host = url.trim_start_matches("http://");
    let shown = error.to_string();
    assert!(shown.contains("IAM"), "{shape}: {shown}");
    assert!(shown.contains(host), "{shape}: {shown}");
    assert!(!shown.contains("OMS"), "{shape}: {shown}");
    assert_eq!(error.service(), Some(Service::Iam), "{shape}");
    assert_eq!(error.host(), Some(host), "{shape}");
}

/// The metadata service as `reply` answers, counting its `securitykey`
/// answers and every request.
fn metadata_client(oms: &str, metadata: &str, timeout: Duration) -> ClientBuilder {
    Client::builder().endpoint(oms).credentials_provider(
        EcsMetadata::new()
            .endpoint(metadata)
            .unwrap()
            .timeout(timeout),
    )
}

async fn show(client: &Client) -> Result<(), Error> {
    client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .map(drop)
}

/// Finding 2: a failing metadata service is asked once for every caller
/// waiting, and once per failure window.
#[tokio::test]
async fn a_failing_metadata_service_is_asked_once_per_failure_window() {
    let metadata = CannedServer::start(Canned::new(500, "oops")).await;
    let oms = LocalOms::builder().start().await.unwrap();
    let client = metadata_client(&oms.base_url(), metadata.url(), Duration::from_secs(1))
        .build()
        .unwrap();
    let calls: Vec<_> = (0..200).map(|_| show(&client)).collect();
    for result in futures::future::join_all(calls).await {
        let error = result.unwrap_err();
        assert!(error.to_string().contains("answered HTTP 500"), "{error}");
        assert_eq!(error.service(), Some(Service::Metadata));
    }
    assert_eq!(metadata.count(), 1, "one token request for 200 callers");
    show(&client).await.unwrap_err();
    assert_eq!(metadata.count(), 1, "remembered within the window");
    tokio::time::sleep(LOOKUP_FAILURE_MEMORY + Duration::from_millis(100)).await;
    show(&client).await.unwrap_err();
    assert_eq!(metadata.count(), 2);
    assert!(oms.requests().is_empty());
}

/// Finding 2, silent: every caller ends within its deadline, which counts
/// the wait for credentials.
#[tokio::test]
async fn a_silent_metadata_service_keeps_every_caller_within_its_deadline() {
    let metadata = silent().await;
    let oms = LocalOms::builder().start().await.unwrap();
    let client = metadata_client(&oms.base_url(), metadata.url(), Duration::from_millis(500))
        .operation_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = Instant::now();
    let calls = (0..100).map(|_| async {
        let result = show(&client).await;
        (result, started.elapsed())
    });
    let ends = futures::future::join_all(calls).await;
    let last = ends.iter().map(|(_, at)| *at).max().unwrap();
    assert!(last < Duration::from_millis(1500), "{last:?}");
    for (result, _) in ends {
        let error = result.unwrap_err();
        assert_eq!(error.service(), Some(Service::Metadata), "{error}");
    }
    assert_eq!(metadata.count(), 1);
    // And a deadline shorter than the metadata timeout ends the call at
    // the deadline, as an operation timeout.
    let client = metadata_client(&oms.base_url(), metadata.url(), Duration::from_secs(5))
        .operation_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = show(&client).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1000));
    let Error::Timeout(timeout) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(timeout.kind(), TimeoutKind::Operation);
    assert_eq!(error.service(), Some(Service::Metadata));
    assert!(oms.requests().is_empty());
}

/// Finding 4: keys that have already expired (or expire within the margin)
/// are an error naming the source, not a signature; and the service is
/// not asked again by every call.
#[tokio::test]
async fn expired_keys_are_an_error_not_a_signature() {
    for expires_at in ["2020-01-01T00:00:00Z", &soon(Duration::from_secs(5))] {
        let expires_at = expires_at.to_owned();
        let metadata = CannedServer::answering(move |request: &RawRequest| {
            if request.method == "PUT" {
                return Canned::new(200, "session-token");
            }
            let body = serde_json::json!({"credential": {
                "access": "EXPIREDAK", "secret": "EXPIRED-SK", "securitytoken": "TOKEN",
                "expires_at": expires_at,
            }});
            Canned::new(200, &body.to_string())
        })
        .await;
        let oms = LocalOms::builder()
            .temporary_access_key("EXPIREDAK", "EXPIRED-SK", "TOKEN")
            .sync_task("t", TaskStatus::Stopped)
            .start()
            .await
            .unwrap();
        let client = metadata_client(&oms.base_url(), metadata.url(), Duration::from_secs(1))
            .build()
            .unwrap();
        for _ in 0..6 {
            let error = show(&client).await.unwrap_err();
            let shown = error.to_string();
            assert!(shown.contains("ECS metadata service"), "{shown}");
            assert!(shown.contains("expire"), "{shown}");
            assert!(!shown.contains("EXPIRED-SK"), "{shown}");
        }
        assert!(
            oms.requests().is_empty(),
            "nothing signed with expired keys"
        );
        assert_eq!(metadata.count(), 2, "one token and one key request");
    }
}

/// An RFC 3339 time `after` from now.
fn soon(after: Duration) -> String {
    let at = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now() + after);
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A metadata service that redirects: an unexpected status, naming it.
#[tokio::test]
async fn a_metadata_redirect_is_an_unexpected_status() {
    let metadata =
        CannedServer::start(Canned::new(302, "").header("Location", "http://elsewhere.example/"))
            .await;
    let oms = LocalOms::builder().start().await.unwrap();
    let client = metadata_client(&oms.base_url(), metadata.url(), Duration::from_secs(1))
        .build()
        .unwrap();
    let error = show(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status, .. } if status.as_u16() == 302),
        "{error:?}"
    );
    assert_eq!(error.service(), Some(Service::Metadata));
    let host = metadata.url().trim_start_matches("http://");
    assert_eq!(error.host(), Some(host));
    assert!(error.to_string().contains(host), "{error}");
    assert_eq!(metadata.count(), 1);
}
