//! Throughput of signed StartSyncTask calls: `oms_api::Client` against a
//! minimal hand-built reqwest client that sends the same signed request (the
//! baseline), sequentially and at 16 and 64 concurrent calls.
//!
//! One minimal HTTP/1.1 server answers on 127.0.0.1 from a child process
//! (this binary, run with `--serve`), so that the allocations and the CPU
//! time counted here are the clients' alone. Rounds of the two clients run
//! in blocks of four (`a b b a`, then `b a a b`) so that neither the order
//! nor a drift of the machine favours one; a ratio is the median of the
//! blocks' ratios, shown with an interval that holds it with 95 %
//! confidence, and absolute figures are medians of blocks. Each level's
//! line ends with the share of the machine's CPU time the hypervisor gave
//! to other guests meanwhile (Linux's steal time): a contended machine
//! moves the ratios, and says so there.
//!
//! ```text
//! cargo bench -p oms-api --bench throughput              # 6 blocks per level
//! cargo bench -p oms-api --bench throughput -- --test    # a smoke run
//! cargo test -p oms-api --bench throughput                # a smoke run in the test profile (CI)
//! cargo bench -p oms-api --bench throughput -- --same    # the baseline against itself
//! cargo bench -p oms-api --bench throughput -- --guarded # against a baseline with
//!                                    # oms-api's guarantees (checked ids, attempt
//!                                    # timeout, a copy kept to send again)
//! cargo bench -p oms-api --bench throughput -- --only oms --concurrency 64
//!                                             # one client alone, for a profiler
//!     … -- --only hand --calls 2000           # a fixed number of calls (for callgrind)
//!     … -- --concurrency 64 --blocks 20 --seconds 0.5  # a longer comparison
//!     … -- --workers 2                        # two client workers (default one)
//! ```
//!
//! Run without Cargo (under a profiler), the binary needs `--bench` to
//! measure: without it, it runs the quick smoke mode.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Counts every allocation of this process.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only read.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const AK: &str = "TESTAKTESTAKTESTAK01";
const SK: &str = "TestSecretKeyTestSecretKeyTestSecretKey0";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const TASK: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        serve();
    }
    // `cargo bench` passes `--bench`; run any other way (`cargo test
    // --benches`, or with `--test`), the benchmark is a quick smoke run.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    // `--server ADDR` uses a server already running (`… --serve`), so that a
    // tracer sees this process alone.
    let (base, mut server) = match value("--server") {
        Some(addr) => (format!("http://{addr}"), None),
        None => {
            let mut server = std::process::Command::new(std::env::current_exe().unwrap())
                .arg("--serve")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("the server starts");
            let mut line = String::new();
            std::io::BufReader::new(server.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            (format!("http://{}", line.trim()), Some(server))
        }
    };
    // One worker for the clients and one for the server: on a 2-core
    // machine each has a core, and what a client costs shows in its rate.
    let workers = value("--workers").map_or(1, |w| w.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap();
    match value("--only") {
        Some(which) => {
            let concurrency = value("--concurrency").map_or(64, |c| c.parse().unwrap());
            let calls = value("--calls").map(|c| c.parse().unwrap());
            runtime.block_on(alone(&base, &which, concurrency, calls));
        }
        None => {
            let (blocks, seconds) = if quick { (1, 0.05) } else { (6, 1.0) };
            let blocks = value("--blocks").map_or(blocks, |r| r.parse().unwrap());
            let seconds = value("--seconds").map_or(seconds, |s| s.parse().unwrap());
            let levels: Vec<usize> = match value("--concurrency") {
                Some(level) => vec![level.parse().unwrap()],
                None => vec![1, 16, 64],
            };
            if args.iter().any(|a| a == "--same") {
                // The baseline against a second copy of itself: how far the
                // harness and the machine alone move a ratio.
                let (one, other) = (hand_built(&base), hand_built(&base));
                runtime.block_on(compare(
                    one,
                    other,
                    ["hand", "hand"],
                    &levels,
                    blocks,
                    seconds,
                ));
            } else if args.iter().any(|a| a == "--guarded") {
                // Against the baseline that gives a call the same guarantees.
                let (oms, guarded) = (oms_client(&base), Guarded(hand_built(&base)));
                runtime.block_on(compare(
                    oms,
                    guarded,
                    ["oms", "guarded"],
                    &levels,
                    blocks,
                    seconds,
                ));
            } else {
                let (oms, hand) = (oms_client(&base), hand_built(&base));
                runtime.block_on(compare(
                    oms,
                    hand,
                    ["oms", "hand"],
                    &levels,
                    blocks,
                    seconds,
                ));
            }
        }
    }
    if let Some(server) = &mut server {
        let _ = server.kill();
    }
}

/// The minimal server: every request is read whole and answered `200`
/// with an empty body, as StartSyncTask is.
fn serve() -> ! {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    |request: hyper::Request<hyper::body::Incoming>| async move {
                        use http_body_util::BodyExt;
                        let _ = request.into_body().collect().await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Empty::<bytes::Bytes>::new(),
                        ))
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// One client under test.
trait Caller: Send + Sync + 'static {
    fn call(&self) -> impl std::future::Future<Output = ()> + Send;
}

struct Oms(oms_api::Client);

impl Caller for Oms {
    async fn call(&self) {
        self.0
            .start_sync_task()
            .project_id(PROJECT)
            .sync_task_id(TASK)
            .body_map(|b| {
                b.src_ak("srcAK")
                    .src_sk("srcSK")
                    .dst_ak("dstAK")
                    .dst_sk("dstSK")
            })
            .send()
            .await
            .expect("the server answers 200");
    }
}

/// The same signed request, written by hand with reqwest, serde_json and
/// hmac/sha2 the straightforward way.
struct HandBuilt {
    http: reqwest::Client,
    base: String,
    host: String,
}

#[derive(serde::Serialize)]
struct StartBody<'a> {
    src_ak: &'a str,
    src_sk: &'a str,
    dst_ak: &'a str,
    dst_sk: &'a str,
}

impl HandBuilt {
    /// The signed StartSyncTask request.
    fn request(&self) -> reqwest::Request {
        let body = serde_json::to_vec(&StartBody {
            src_ak: "srcAK",
            src_sk: "srcSK",
            dst_ak: "dstAK",
            dst_sk: "dstSK",
        })
        .unwrap();
        let date = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
            .format("%Y%m%dT%H%M%SZ")
            .to_string();
        let path = format!("/v2/{PROJECT}/sync-tasks/{TASK}/start");
        let signed = "accept;content-type;host;user-agent;x-project-id;x-sdk-date";
        let canonical = format!(
            "POST\n{path}/\n\naccept:application/json\ncontent-type:application/json\nhost:{}\nuser-agent:{}\nx-project-id:{PROJECT}\nx-sdk-date:{date}\n\n{signed}\n{}",
            self.host,
            oms_api::USER_AGENT,
            hex::encode(Sha256::digest(&body))
        );
        let to_sign = format!(
            "SDK-HMAC-SHA256\n{date}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(SK.as_bytes()).unwrap();
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        self.http
            .post(format!("{}{path}", self.base))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("host", &self.host)
            .header("user-agent", oms_api::USER_AGENT)
            .header("x-project-id", PROJECT)
            .header("x-sdk-date", &date)
            .header(
                "authorization",
                format!(
                    "SDK-HMAC-SHA256 Access={AK}, SignedHeaders={signed}, Signature={signature}"
                ),
            )
            .body(body)
            .build()
            .unwrap()
    }
}

impl Caller for HandBuilt {
    async fn call(&self) {
        let response = self.http.execute(self.request()).await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
}

/// The baseline with the guarantees oms-api gives a call, written the
/// straightforward way: the ids checked against their pattern before
/// anything is sent, each attempt within a timeout, and a copy of the
/// signed request kept so that a refused connection or a `429` can be
/// answered by sending the same bytes again (up to three attempts).
struct Guarded(HandBuilt);

/// The spec's pattern for ids: letters, digits, `-_.~`, no leading `.`.
fn valid_id(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

impl Caller for Guarded {
    async fn call(&self) {
        assert!(valid_id(PROJECT, 1024) && valid_id(TASK, 255));
        let mut request = self.0.request();
        for attempt in 1..=3 {
            let again = if attempt < 3 {
                request.try_clone()
            } else {
                None
            };
            let exchange = async {
                let response = self.0.http.execute(request).await?;
                let status = response.status();
                response.bytes().await.map(|_| status)
            };
            match tokio::time::timeout(oms_api::DEFAULT_ATTEMPT_TIMEOUT, exchange).await {
                Ok(Ok(status)) if status == 200 => return,
                Ok(Ok(status)) if status == 429 => {}
                Ok(Err(error)) if error.is_connect() => {}
                outcome => panic!("the server answers 200, not {outcome:?}"),
            }
            request = again.expect("an attempt is left");
        }
    }
}

/// What one or more rounds of one client measured, as totals, so that
/// rounds add up.
#[derive(Clone, Copy, Default)]
struct Round {
    calls: f64,
    seconds: f64,
    cpu_micros: f64,
    allocations: f64,
    bytes: f64,
}

impl std::ops::AddAssign for Round {
    fn add_assign(&mut self, other: Round) {
        self.calls += other.calls;
        self.seconds += other.seconds;
        self.cpu_micros += other.cpu_micros;
        self.allocations += other.allocations;
        self.bytes += other.bytes;
    }
}

impl Round {
    fn calls_per_second(&self) -> f64 {
        self.calls / self.seconds
    }

    fn cpu_micros_per_call(&self) -> f64 {
        self.cpu_micros / self.calls
    }

    fn allocations_per_call(&self) -> f64 {
        self.allocations / self.calls
    }

    fn kilobytes_per_call(&self) -> f64 {
        self.bytes / 1024.0 / self.calls
    }
}

/// This process's user and system CPU time.
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` writes into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The CPU time the hypervisor stole from this machine and all its CPU
/// time, in clock ticks since boot (the first line of Linux's
/// `/proc/stat`); `None` where there is no such file.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq steal (guest time is
    // already counted in user and nice).
    let ticks = line
        .split_whitespace()
        .take(8)
        .map(|t| t.parse::<u64>().ok())
        .collect::<Option<Vec<_>>>()?;
    Some((*ticks.get(7)?, ticks.iter().sum()))
}

/// Calls for about `seconds` from `concurrency` tasks at once.
async fn round<C: Caller>(caller: &Arc<C>, concurrency: usize, seconds: f64) -> Round {
    // Warm the connections up first, outside the measurement.
    let warm: Vec<_> = (0..concurrency)
        .map(|_| {
            let caller = Arc::clone(caller);
            tokio::spawn(async move { caller.call().await })
        })
        .collect();
    for task in warm {
        task.await.unwrap();
    }
    let stop = Instant::now() + Duration::from_secs_f64(seconds);
    let (allocations, bytes, cpu, started) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        ALLOCATED_BYTES.load(Ordering::Relaxed),
        cpu_time(),
        Instant::now(),
    );
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let caller = Arc::clone(caller);
            tokio::spawn(async move {
                let mut calls = 0u64;
                while Instant::now() < stop {
                    caller.call().await;
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let mut calls = 0;
    for worker in workers {
        calls += worker.await.unwrap();
    }
    Round {
        calls: calls as f64,
        seconds: started.elapsed().as_secs_f64(),
        cpu_micros: (cpu_time() - cpu).as_secs_f64() * 1e6,
        allocations: (ALLOCATIONS.load(Ordering::Relaxed) - allocations) as f64,
        bytes: (ALLOCATED_BYTES.load(Ordering::Relaxed) - bytes) as f64,
    }
}

/// The median of `values`, and an interval that holds the median of what
/// they were drawn from with at least 95 % confidence, whatever that
/// distribution: the order statistics whose ranks a binomial(n, 1/2) count
/// falls outside of with at most 2.5 % on each side. Below six values no
/// pair of ranks reaches 95 %, and the interval is the whole range.
fn median_and_interval(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = (values[(n - 1) / 2] + values[n / 2]) / 2.0;
    // P(X <= j) for X ~ binomial(n, 1/2), accumulated term by term.
    let (mut term, mut below) = (0.5f64.powi(n as i32), 0.0);
    let mut k = 0;
    for j in 0..n / 2 {
        below += term;
        if below > 0.025 {
            break;
        }
        k = j + 1;
        term *= (n - j) as f64 / (j + 1) as f64;
    }
    let k = k.max(1);
    (median, values[k - 1], values[n - k])
}

fn oms_client(base: &str) -> Oms {
    Oms(oms_api::Client::builder()
        .endpoint(base)
        .credentials(
            oms_api::Credentials::access_key(AK, SK)
                .unwrap()
                .with_project_id(PROJECT)
                .unwrap(),
        )
        .build()
        .unwrap())
}

fn hand_built(base: &str) -> HandBuilt {
    HandBuilt {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: base.to_owned(),
        host: base.trim_start_matches("http://").to_owned(),
    }
}

/// One client alone, for a profiler: for 10 s, or `calls` calls in
/// sequence.
async fn alone(base: &str, which: &str, concurrency: usize, calls: Option<usize>) {
    let (oms, hand) = (Arc::new(oms_client(base)), Arc::new(hand_built(base)));
    if let Some(calls) = calls {
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (oms, hand, which) = (Arc::clone(&oms), Arc::clone(&hand), which.to_owned());
                tokio::spawn(async move {
                    for _ in 0..calls / concurrency {
                        match which.as_str() {
                            "oms" => oms.call().await,
                            _ => hand.call().await,
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        return;
    }
    let measured = match which {
        "oms" => round(&oms, concurrency, 10.0).await,
        "hand" => round(&hand, concurrency, 10.0).await,
        other => panic!("--only oms or --only hand, not {other}"),
    };
    println!(
        "{which}: {:.0} calls/s, {:.1} CPU µs/call",
        measured.calls_per_second(),
        measured.cpu_micros_per_call()
    );
}

/// Measures `a` against `b` at each level: blocks of four rounds, `a b b a`
/// and `b a a b` in turn, so that each client runs first, last and in the
/// middle equally often and neither the order nor a steady drift of the
/// machine favours one. A block's ratio compares its two rounds of each
/// client added up; a ratio shown is the median of the blocks' ratios with
/// its 95 % interval, an absolute figure the median of the blocks'.
async fn compare<A: Caller, B: Caller>(
    a: A,
    b: B,
    names: [&str; 2],
    levels: &[usize],
    blocks: usize,
    seconds: f64,
) {
    let (a, b) = (Arc::new(a), Arc::new(b));
    println!(
        "{:>11} | {:>34} | {:>32} | {:>22} | {:>17} | {:>7}",
        "concurrency",
        format!("calls/s {} / {} (95 %)", names[0], names[1]),
        "CPU µs/call (95 %)",
        "allocations/call",
        "kB/call",
        "steal"
    );
    for &concurrency in levels {
        let ticks = machine_ticks();
        let (mut of_a, mut of_b) = (Vec::new(), Vec::new());
        for block in 0..blocks {
            let (mut x, mut y) = (Round::default(), Round::default());
            let a_first = block % 2 == 0;
            for a_now in [a_first, !a_first, !a_first, a_first] {
                if a_now {
                    x += round(&a, concurrency, seconds).await;
                } else {
                    y += round(&b, concurrency, seconds).await;
                }
            }
            of_a.push(x);
            of_b.push(y);
        }
        let show = |f: fn(&Round) -> f64| {
            let a = median_and_interval(of_a.iter().map(f).collect()).0;
            let b = median_and_interval(of_b.iter().map(f).collect()).0;
            let ratio =
                median_and_interval(of_a.iter().zip(&of_b).map(|(x, y)| f(x) / f(y)).collect());
            (a, b, ratio)
        };
        let calls = show(Round::calls_per_second);
        let cpu = show(Round::cpu_micros_per_call);
        let allocations = show(Round::allocations_per_call);
        let bytes = show(Round::kilobytes_per_call);
        let ratio =
            |(median, low, high): (f64, f64, f64)| format!("{median:.2}× ({low:.2}–{high:.2})");
        // The share of the machine's time the hypervisor gave to other
        // guests while this level ran: figures taken with more than a few
        // percent stolen are a contended machine's.
        let steal = match (ticks, machine_ticks()) {
            (Some((steal, total)), Some((steal_now, total_now))) if total_now > total => {
                format!(
                    "{:.1} %",
                    steal_now.saturating_sub(steal) as f64 * 100.0 / (total_now - total) as f64
                )
            }
            _ => "–".to_owned(),
        };
        println!(
            "{concurrency:>11} | {:>7.0} / {:>7.0} {:>16} | {:>5.1} / {:>5.1} {:>18} | {:>6.1} / {:>6.1} {:>5.2}× | {:>4.1} / {:>4.1} {:>4.2}× | {steal:>7}",
            calls.0,
            calls.1,
            ratio(calls.2),
            cpu.0,
            cpu.1,
            ratio(cpu.2),
            allocations.0,
            allocations.1,
            allocations.2.0,
            bytes.0,
            bytes.1,
            bytes.2.0,
        );
    }
}
