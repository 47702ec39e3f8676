//! A one-time migration: CreateTask from a source bucket, then a wait for
//! it with a progress line (objects and bytes done, from ShowTask's
//! counters), then the outcome.
//!
//! ```text
//! cargo run -p oms-api --example migrate -- \
//!     [--src-cloud Aliyun --src-region cn-hangzhou --src-bucket B
//!      --dst-region cn-north-4 --dst-bucket B] [--prefix PREFIX] [--timeout-minutes N]
//!     [--project-id P] [--region cn-north-4 | --endpoint URL]
//! ```
//!
//! Credentials come from the environment or the profile file, as for the
//! other examples, and the project from `--project-id`, the credentials,
//! or IAM; the source's and destination's keys from `OMS_SRC_AK`,
//! `OMS_SRC_SK`, `OMS_DST_AK` and `OMS_DST_SK`.
//!
//! With no endpoint, no region and no credentials, it runs against an
//! embedded OMS whose sample source bucket holds a few objects, with sample
//! names and keys, so that it runs anywhere.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use common::Flags;
use oms_api::local::{MigrationPlan, SourceBucket};
use oms_api::types::{DstNodeReq, SrcNodeReq, TaskResp};
use oms_api::{Client, Error, TaskStatus, Wait};

const USAGE: &str = "usage: migrate [--src-cloud CLOUD --src-region REGION --src-bucket BUCKET
    --dst-region REGION --dst-bucket BUCKET] [--prefix PREFIX] [--timeout-minutes N]
    [--poll-seconds N] [--project-id ID] [--region REGION | --endpoint URL]

Task keys (environment, required against a real endpoint): OMS_SRC_AK and
OMS_SRC_SK for the source bucket, OMS_DST_AK and OMS_DST_SK for the
destination bucket.";

const FLAGS: [&str; 11] = [
    "project-id",
    "src-cloud",
    "src-region",
    "src-bucket",
    "dst-region",
    "dst-bucket",
    "prefix",
    "timeout-minutes",
    "region",
    "endpoint",
    "poll-seconds",
];

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match common::flags_or_usage(&FLAGS, USAGE) {
        Ok(flags) => flags,
        Err(exit) => return exit,
    };
    match run(&flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => common::report("The migration", &error),
    }
}

/// What to migrate, from the flags (or the samples, locally).
struct Migration<'a> {
    project_id: Option<&'a str>,
    src_cloud: &'a str,
    src_region: &'a str,
    src_bucket: &'a str,
    dst_region: &'a str,
    dst_bucket: &'a str,
    prefix: &'a str,
    src: common::Keys,
    dst: common::Keys,
    wait: Wait,
}

impl<'a> Migration<'a> {
    fn read(flags: &'a Flags) -> Result<Self, Error> {
        let remote = flags.remote();
        let flag = |name: &'static str, sample: &'static str| -> Result<&'a str, Error> {
            if remote {
                flags.required(name)
            } else {
                Ok(flags.get(name).unwrap_or(sample))
            }
        };
        let number = |name: &'static str, default: u64| -> Result<u64, Error> {
            flags.get(name).map_or(Ok(default), |text| {
                text.parse().map_err(|_| {
                    oms_api::ValidationError::new(name, "must be a whole number").into()
                })
            })
        };
        let minutes = number("timeout-minutes", 24 * 60)?;
        // Against the embedded OMS, time is simulated: poll quickly.
        let poll = if remote {
            Duration::from_secs(number("poll-seconds", 10)?)
        } else {
            Duration::from_millis(50)
        };
        Ok(Self {
            project_id: flags.get("project-id"),
            src_cloud: flag("src-cloud", "Aliyun")?,
            src_region: flag("src-region", "cn-hangzhou")?,
            src_bucket: flag("src-bucket", "sample-photos")?,
            dst_region: flag("dst-region", "cn-north-4")?,
            dst_bucket: flag("dst-bucket", "sample-destination")?,
            prefix: flags.get("prefix").unwrap_or(""),
            src: common::task_keys("SRC", remote, true)?.expect("required keys are there"),
            dst: common::task_keys("DST", remote, true)?.expect("required keys are there"),
            wait: Wait::new(Duration::from_secs(minutes.saturating_mul(60)))
                .poll_every(poll, poll * 6),
        })
    }
}

async fn run(flags: &Flags) -> Result<(), Error> {
    // Everything is checked before anything is sent.
    let migration = Migration::read(flags)?;
    if flags.remote() {
        let client = common::remote_client(flags, migration.project_id)?;
        return migrate(&client, migration).await;
    }
    common::check_local_run()?;
    let mut bucket = SourceBucket::new(migration.src_bucket, migration.src_region);
    for n in 0..48_u64 {
        bucket = bucket.object(format!("photos/2024/{n:03}.jpg"), 1_500_000 + n * 10_000);
    }
    let oms = common::start_local_oms(|oms| {
        oms.source_bucket(bucket)
            .migration_plan(MigrationPlan::succeeding(0, 0, 8))
    })
    .await?;
    migrate(&common::local_client(&oms)?, migration).await
}

async fn migrate(client: &Client, migration: Migration<'_>) -> Result<(), Error> {
    let created = client
        .create_task()
        .body_map(|body| {
            body.src_node(
                SrcNodeReq::builder()
                    .cloud_type(migration.src_cloud)
                    .region(migration.src_region)
                    .bucket(migration.src_bucket)
                    .object_key([migration.prefix])
                    .ak(migration.src.ak)
                    .sk(migration.src.sk),
            )
            .dst_node(
                DstNodeReq::builder()
                    .region(migration.dst_region)
                    .bucket(migration.dst_bucket)
                    .ak(migration.dst.ak)
                    .sk(migration.dst.sk),
            )
            .task_type("prefix")
            .description("created by the oms-api migrate example")
        })
        .send()
        .await?
        .into_inner();
    let id = created.id.ok_or_else(|| {
        oms_api::ValidationError::new("id", "is missing from CreateTask's answer")
    })?;
    println!(
        "Created migration task {id} ({}).",
        created.task_name.as_deref().unwrap_or("unnamed")
    );
    let task = client
        .wait_for_task(id)
        .wait(migration.wait)
        .observe(progress)
        .await;
    println!();
    let task = task?;
    // A failed task is an error (which keeps the task); else it succeeded
    // or was paused.
    let status = task.status().unwrap_or(TaskStatus::Other(0));
    println!(
        "Task {id} {status}: {} objects, {} copied in {:.1} s.",
        task.successful_num.unwrap_or(0),
        bytes(task.complete_size.unwrap_or(0)),
        task.total_time.unwrap_or(0) as f64 / 1000.0
    );
    Ok(())
}

/// One progress line, rewritten in place.
fn progress(task: &TaskResp) {
    use std::io::Write;
    print!(
        "\r{:>10}  {:>5}/{:<5} objects  {:>10}/{:<10}  {:>5.1} %",
        task.status().map(|s| s.to_string()).unwrap_or_default(),
        task.successful_num.unwrap_or(0),
        task.total_num.unwrap_or(0),
        bytes(task.complete_size.unwrap_or(0)),
        bytes(task.total_size.unwrap_or(0)),
        task.progress.unwrap_or(0.0) * 100.0,
    );
    let _ = std::io::stdout().flush();
}

/// Bytes in binary units.
fn bytes(n: i64) -> String {
    let mut value = n as f64;
    for unit in ["B", "KiB", "MiB", "GiB", "TiB"] {
        if value < 1024.0 || unit == "TiB" {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    unreachable!()
}
