//! Many calls through one client against a gateway that throttles each
//! operation (the local OMS's `throttle`) or a service in an outage: flow
//! control paces the calls instead of failing them, throttled creates are
//! repeated without duplicates, the retry budget stops a retry storm, and
//! `Retry-After` and deadlines are honoured. Each test runs the same
//! workload without the part it tests, to show that it fails there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{Client, Credentials, Error, FlowControl, RetryBudget, RetryConfig};

use crate::server::{Canned, CannedServer, RawRequest, valid_create_task_body};

fn client(url: &str, flow: FlowControl) -> Client {
    Client::builder()
        .endpoint(url)
        .credentials(Credentials::iam_token("token").unwrap())
        .flow_control(flow)
        .build()
        .unwrap()
}

async fn show(client: &Client) -> Result<(), Error> {
    client
        .show_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .query_time(0)
        .send()
        .await
        .map(drop)
}

/// `calls` calls of `call`, at most `in_flight` at once: the failures.
async fn run<F, Fut>(calls: usize, in_flight: usize, call: F) -> Vec<Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    use futures::StreamExt;
    futures::stream::iter((0..calls).map(|_| call()))
        .buffer_unordered(in_flight)
        .filter_map(|result| async move { result.err() })
        .collect()
        .await
}

#[tokio::test]
async fn a_throttled_fleet_is_paced_and_no_call_fails() {
    let (calls, in_flight, rate) = (250, 250, 100.0);
    // Without flow control: thrown at the gateway, most calls fail.
    let oms = throttled(rate).await;
    let unpaced = client(&oms.base_url(), FlowControl::disabled());
    let failed = run(calls, in_flight, || show(&unpaced)).await;
    assert!(failed.len() >= calls / 4, "{} failed", failed.len());
    // With it: none fails, and few requests are spent on throttling.
    let oms = throttled(rate).await;
    let paced = client(&oms.base_url(), FlowControl::new());
    let failed = run(calls, in_flight, || show(&paced)).await;
    assert!(failed.is_empty(), "{failed:?}");
    let sent = oms.received() as f64;
    assert!(
        sent <= 1.2 * calls as f64,
        "{sent} requests for {calls} calls"
    );
    assert_eq!(oms.received() - oms.throttled(), calls as u64);
}

async fn throttled(rate: f64) -> LocalOms {
    LocalOms::builder()
        .sync_task("t", TaskStatus::Stopped)
        .throttle(rate)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn throttled_creates_are_repeated_and_none_is_made_twice() {
    let (calls, in_flight) = (120, 120);
    let oms = LocalOms::builder().throttle(60.0).start().await.unwrap();
    let paced = client(&oms.base_url(), FlowControl::new());
    let create = || async {
        paced
            .create_task()
            .project_id("p")
            .body_map(valid_create_task_body)
            .send()
            .await
            .map(drop)
    };
    let failed = run(calls, in_flight, create).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(oms.migration_task_ids().len(), calls, "one task per call");
    assert!(oms.throttled() > 0, "the gateway did throttle");
    assert!(oms.received() as f64 <= 1.2 * calls as f64);
}

/// A service in an outage (every answer 503), then healthy: once the
/// budget is spent each call sends one request, and the client recovers by
/// itself.
#[tokio::test]
async fn the_retry_budget_stops_a_retry_storm_and_refills_after_recovery() {
    let down = Arc::new(AtomicBool::new(true));
    let answers = Arc::clone(&down);
    let server = CannedServer::answering(move |_: &RawRequest| {
        if answers.load(Ordering::SeqCst) {
            Canned::new(503, r#"{"error_code":"APIGW.0201","error_msg":"down"}"#)
        } else {
            Canned::new(200, r#"{"sync_task_id":"t"}"#)
        }
    })
    .await;
    let client = |budget: RetryBudget| {
        Client::builder()
            .endpoint(server.url())
            .credentials(Credentials::iam_token("token").unwrap())
            .retry(RetryConfig::new().initial_backoff(Duration::from_millis(1)))
            .retry_budget(budget)
            .build()
            .unwrap()
    };
    // Without a budget: three requests per call.
    let unlimited = client(RetryBudget::unlimited());
    run(100, 16, || show(&unlimited)).await;
    assert_eq!(server.count(), 300);
    // With one: 100 retries (500 tokens at 5), then one request a call.
    let budgeted = client(RetryBudget::new());
    let before = server.count();
    let failed = run(300, 16, || show(&budgeted)).await;
    assert_eq!(failed.len(), 300);
    assert_eq!(server.count() - before, 300 + 100);
    let before = server.count();
    run(300, 16, || show(&budgeted)).await;
    assert_eq!(
        server.count() - before,
        300,
        "no retry with the budget spent"
    );
    // Healthy again: calls succeed at once, and successes refill.
    down.store(false, Ordering::SeqCst);
    let failed = run(100, 16, || show(&budgeted)).await;
    assert!(failed.is_empty(), "{failed:?}");
    down.store(true, Ordering::SeqCst);
    let before = server.count();
    run(1, 1, || show(&budgeted)).await;
    assert_eq!(
        server.count() - before,
        3,
        "100 successes bought retries back"
    );
}

/// A gateway that says how long to wait is believed, and a call throttled
/// until its deadline ends at the deadline with the gateway's 429.
#[tokio::test]
async fn retry_after_holds_the_lane_and_the_deadline_ends_a_throttled_call() {
    let first = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&first);
    let server = CannedServer::answering(move |_: &RawRequest| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Canned::new(
                429,
                r#"{"error_code":"APIGW.0308","error_msg":"slow down"}"#,
            )
            .header("Retry-After", "1")
        } else {
            Canned::new(200, r#"{"sync_task_id":"t"}"#)
        }
    })
    .await;
    let paced = client(server.url(), FlowControl::new());
    let started = Instant::now();
    show(&paced).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 2);

    let always = CannedServer::start(Canned::new(
        429,
        r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
    ))
    .await;
    let paced = Client::builder()
        .endpoint(always.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .operation_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = show(&paced).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert_eq!(crate::server::service_code(&error), (429, "APIGW.0308"));
    // Paced from the first 429 on (nothing was admitted: 1 a second,
    // doubling): a handful of requests, not hundreds.
    assert!(always.count() <= 6, "{}", always.count());
}
