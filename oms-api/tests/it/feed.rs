//! Feeding a sync task a stream of keys through CreateSyncEvents, against
//! the local OMS with its gateway's throttle and injected faults: no key
//! lost, each encoded as the reference says, back-pressure on the source,
//! and a report of every key not delivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{Client, Credentials, Error};

async fn local(throttle: f64, faults: f64) -> (LocalOms, Client) {
    let oms = LocalOms::builder()
        .sync_task("t", TaskStatus::Synchronizing)
        .throttle(throttle)
        .faults(faults)
        .record_requests(false)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .project_id("p")
        .build()
        .unwrap();
    (oms, client)
}

#[tokio::test]
async fn every_key_is_delivered_through_throttling_and_faults() {
    let keys = 20_000;
    let (oms, client) = local(100.0, 0.05).await;
    let report = client
        .feed_sync_events("t")
        .batch_attempts(6, Duration::from_millis(10))
        .send(futures::stream::iter(
            (0..keys).map(|i| format!("objects/{i:06}.bin")),
        ))
        .await;
    assert!(report.is_complete(), "{:?}", report.undelivered.first());
    assert_eq!(report.delivered, keys);
    let (received, distinct) = oms.sync_events("t").unwrap();
    assert_eq!(distinct as u64, keys, "every key arrived");
    assert!(
        received >= keys,
        "repeats after a dropped connection arrive twice"
    );
    assert!(report.requests >= keys / 100, "batches of the spec's 100");
    assert!(oms.throttled() > 0, "the gateway throttled");
    let passed = oms.received() - oms.throttled();
    assert!(
        passed > keys / 100,
        "faults were met and the batches repeated"
    );
}

#[tokio::test]
async fn keys_are_encoded_and_refused_keys_are_reported_not_dropped() {
    let (oms, client) = local(1000.0, 0.0).await;
    let long = "x".repeat(16_385);
    let keys = vec![
        "a/b c.txt".to_owned(),
        String::new(),
        long.clone(),
        "中文/d".to_owned(),
    ];
    let report = client
        .feed_sync_events("t")
        .send(futures::stream::iter(keys))
        .await;
    assert_eq!(report.delivered, 2);
    assert!(oms.received_event_key("t", "a%2Fb%20c.txt"));
    assert!(oms.received_event_key("t", "%E4%B8%AD%E6%96%87%2Fd"));
    let refused: Vec<_> = report.undelivered.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(refused, ["", long.as_str()]);
    for missed in &report.undelivered {
        assert!(
            matches!(missed.error, Error::Validation(_)),
            "{:?}",
            missed.error
        );
    }
    assert!(report.stopped.is_none());
}

#[tokio::test]
async fn a_missing_task_stops_the_feed_and_reports_what_it_took() {
    let (_oms, client) = local(1000.0, 0.0).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let keys = futures::stream::iter(0..1_000_000).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        format!("k{i}")
    });
    let report = client
        .feed_sync_events("no-such-task")
        .in_flight(2)
        .send(keys)
        .await;
    let stopped = report.stopped.as_ref().expect("stopped");
    assert_eq!(stopped.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(report.delivered, 0);
    assert_eq!(report.undelivered.len(), pulled.load(Ordering::SeqCst));
    assert!(
        report.undelivered.len() <= 300,
        "{}",
        report.undelivered.len()
    );
}

/// The source is read only as fast as batches go out.
#[tokio::test]
async fn a_fast_source_waits_for_the_batches_in_flight() {
    let (_oms, client) = local(5.0, 0.0).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let keys = futures::stream::iter(0..10_000_000u64).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        format!("k{i}")
    });
    let feed = client.feed_sync_events("t").in_flight(2).send(keys);
    let _ = tokio::time::timeout(Duration::from_millis(600), feed).await;
    let taken = pulled.load(Ordering::SeqCst);
    // The gateway's burst of 5 and 5 a second for 0.6 s, two in flight,
    // one batch being made: at most 11 batches of 100.
    assert!(taken <= 100 * 11, "{taken} keys taken");
}
