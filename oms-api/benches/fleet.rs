//! A user's whole job at fleet scale, against the local OMS with its
//! gateway's flow control on: many calls through one client at once, many
//! creates, an outage, many tasks watched to their end, and a stream of
//! keys fed to a sync task. Each scenario prints its figures against the
//! goals of issue 22 (BENCHMARKS.md has the last run).
//!
//! ```text
//! cargo bench -p oms-api --bench fleet                 # every scenario, full size
//! cargo bench -p oms-api --bench fleet -- --test       # a smoke run: small sizes
//! cargo test -p oms-api --bench fleet                  # the same in the test profile (CI)
//! cargo bench -p oms-api --bench fleet -- calls        # one scenario: calls, creates,
//!                                                      # outage, watch, feed
//! cargo bench -p oms-api --bench fleet -- feed --keys 100000   # the feeder at another size
//! ```

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use oms_api::local::{LocalOms, MigrationPlan, TaskStatus};
use oms_api::{Client, Credentials, Error, RetryConfig, Wait};

/// Sizes: full, or the smoke run's.
struct Sizes {
    calls: usize,
    in_flight: Vec<usize>,
    rate: f64,
    creates: usize,
    outage: Duration,
    watched: usize,
    /// How long each of a watched task's 5 ticks takes.
    task_tick: Duration,
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
        task_tick: Duration::from_secs(1),
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
        task_tick: Duration::from_millis(20),
        keys: vec![5_000],
        feed_rate: 200.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; run any other way (`cargo test
    // --benches`, or with `--test`), the benchmark is a quick smoke run.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
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
        if wanted("outage") {
            outage(&sizes).await;
        }
        if wanted("watch") {
            watch(&sizes).await;
        }
        if wanted("feed") {
            feed(&sizes).await;
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

/// Every answer 503 for a while, then healthy: ShowSyncTask calls run
/// throughout, 64 at a time.
async fn outage(sizes: &Sizes) {
    let oms = LocalOms::builder()
        .sync_task("t", TaskStatus::Stopped)
        .record_requests(false)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .retry(RetryConfig::new().initial_backoff(Duration::from_millis(50)))
        .build()
        .unwrap();
    oms.set_outage(true);
    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (client, stop, counts) = (client.clone(), Arc::clone(&stop), Arc::clone(&counts));
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let ok = show(&client).await.is_ok();
                    counts.0.fetch_add(1, Ordering::Relaxed);
                    if ok {
                        counts.1.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // The first second spends the budget; the rest of the outage is measured.
    let budget_spent = Duration::from_secs(1).min(sizes.outage / 2);
    tokio::time::sleep(budget_spent).await;
    let (calls_before, requests_before) = (counts.0.load(Ordering::Relaxed), oms.received());
    tokio::time::sleep(sizes.outage - budget_spent).await;
    let (calls, requests) = (
        counts.0.load(Ordering::Relaxed) - calls_before,
        oms.received() - requests_before,
    );
    oms.set_outage(false);
    let recovered_at = Instant::now();
    let succeeded_before = counts.1.load(Ordering::Relaxed);
    while counts.1.load(Ordering::Relaxed) == succeeded_before {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let first_success = recovered_at.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let successes = counts.1.load(Ordering::Relaxed) - succeeded_before;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    println!(
        "\nAn outage (every answer 503) of {:?}, 64 calls in flight:",
        sizes.outage
    );
    println!(
        "after the first {budget_spent:?}: {calls} calls, {requests} requests, {:.3} requests per call",
        requests as f64 / calls.max(1) as f64
    );
    println!(
        "healthy again: first success after {:.1} ms, {successes} successes in the next second",
        first_success.as_secs_f64() * 1000.0
    );
}

/// 1000 tasks watched to their ends: one wait_for_task per task, then
/// wait_for_tasks; the tasks run 5 s on the local OMS's wall clock.
async fn watch(sizes: &Sizes) {
    let plan = || MigrationPlan::succeeding(10, 10, 4).tick_every(sizes.task_tick);
    let wait = Wait::new(Duration::from_secs(120)).poll_every(sizes.task_tick, sizes.task_tick * 2);
    println!(
        "\n{} tasks watched to their ends (each runs {:?}):",
        sizes.watched,
        sizes.task_tick * 5
    );
    println!("watcher | requests | time");
    for by_listing in [false, true] {
        let oms = LocalOms::builder()
            .migration_plan(plan())
            .record_requests(false)
            .start()
            .await
            .unwrap();
        let client = client(&oms);
        let mut ids = Vec::new();
        for _ in 0..sizes.watched {
            let task = client
                .create_task()
                .project_id("p")
                .body_map(create_body)
                .send()
                .await
                .unwrap()
                .into_inner();
            ids.push(task.id.unwrap());
        }
        let before = oms.received();
        let started = Instant::now();
        if by_listing {
            let finished = client
                .wait_for_tasks(ids.iter().copied())
                .project_id("p")
                .wait(wait)
                .stream()
                .filter(|task| std::future::ready(task.is_ok()))
                .count()
                .await;
            assert_eq!(finished, sizes.watched);
        } else {
            let waits = ids.iter().map(|id| {
                client
                    .wait_for_task(*id)
                    .project_id("p")
                    .wait(wait)
                    .into_future()
            });
            for result in futures::future::join_all(waits).await {
                result.unwrap();
            }
        }
        let requests = oms.received() - before;
        let name = if by_listing {
            "wait_for_tasks (listings)"
        } else {
            "wait_for_task each (ShowTask)"
        };
        println!(
            "{name} | {requests} | {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// Keys fed to a sync task through the gateway's throttle, with 5 % of the
/// requests failing (503s, dropped connections).
async fn feed(sizes: &Sizes) {
    println!(
        "\nKeys fed to a sync task, gateway at {}/s per operation, 5 % faults:",
        sizes.feed_rate
    );
    println!(
        "keys | delivered | undelivered | requests sent | time | keys/s | of capacity | peak RSS"
    );
    for &keys in &sizes.keys {
        let oms = LocalOms::builder()
            .sync_task("t", TaskStatus::Synchronizing)
            .throttle(sizes.feed_rate)
            .faults(0.05)
            .record_requests(false)
            .keep_event_keys(false)
            .start()
            .await
            .unwrap();
        let client = client(&oms);
        let started = Instant::now();
        let report = client
            .feed_sync_events("t")
            .project_id("p")
            .in_flight(32)
            .send(futures::stream::iter(
                (0..keys).map(|i| format!("objects/{i:09}.bin")),
            ))
            .await;
        let took = started.elapsed().as_secs_f64();
        let (received, _) = oms.sync_events("t").unwrap();
        assert!(received >= report.delivered);
        let rate = keys as f64 / took;
        let capacity = sizes.feed_rate * 100.0;
        println!(
            "{keys} | {} | {} | {} | {took:.1} s | {rate:.0} | {:.1} % | {}",
            report.delivered,
            report.undelivered.len(),
            oms.received(),
            100.0 * rate / capacity,
            peak_rss()
        );
    }
}

/// This process's peak resident set size so far (Linux), in MiB.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} MiB", kib / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
