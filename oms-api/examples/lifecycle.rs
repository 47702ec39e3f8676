//! A sync task's whole life: create → show → stop → start → events →
//! statistics → delete.
//!
//! ```text
//! cargo run -p oms-api --example lifecycle -- --project-id P \
//!     --src-region cn-hangzhou --src-bucket SRC --dst-region cn-north-4 --dst-bucket DST \
//!     [--src-cloud-type Aliyun] [--region cn-north-4 | --endpoint URL]
//! ```
//!
//! Credentials come from the environment or the profile file (see the
//! `start_sync_task` example); the task's keys from `OMS_SRC_AK`,
//! `OMS_SRC_SK`, `OMS_DST_AK` and `OMS_DST_SK`. Without an endpoint, a
//! region and credentials, every step runs against an embedded OMS that
//! verifies request signatures, with sample values.

mod common;

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{Flags, Keys};
use oms_api::types::CloudType;
use oms_api::{Client, Error};

const USAGE: &str =
    "usage: lifecycle [--project-id ID --src-region R --src-bucket B --dst-region R --dst-bucket B]
                 [--src-cloud-type TYPE] [--region REGION | --endpoint URL]

Task keys (environment): OMS_SRC_AK and OMS_SRC_SK, OMS_DST_AK and
OMS_DST_SK (all required against a real endpoint).";

const FLAGS: &[&str] = &[
    "project-id",
    "src-cloud-type",
    "src-region",
    "src-bucket",
    "dst-region",
    "dst-bucket",
    "region",
    "endpoint",
];

/// Where the task copies from and to, and with which keys.
struct Buckets<'a> {
    cloud_type: CloudType,
    src_region: &'a str,
    src_bucket: &'a str,
    dst_region: &'a str,
    dst_bucket: &'a str,
    src: Keys,
    dst: Keys,
}

/// Both sides' keys; against a real endpoint all four are required.
fn keys(remote: bool) -> Result<(Keys, Keys), StepError> {
    let read = |side| {
        common::task_keys(side, remote, true)
            .map(|keys| keys.expect("required keys are there"))
            .map_err(at("arguments"))
    };
    Ok((read("SRC")?, read("DST")?))
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match common::flags_or_usage(FLAGS, USAGE) {
        Ok(flags) => flags,
        Err(exit) => return exit,
    };
    match run(&flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err((step, error)) => common::report(step, &error),
    }
}

/// The step that failed, and why.
type StepError = (&'static str, Error);

fn at(step: &'static str) -> impl FnOnce(Error) -> StepError {
    move |error| (step, error)
}

async fn run(flags: &Flags) -> Result<(), StepError> {
    let cloud_type = match flags.get("src-cloud-type") {
        Some(text) => text.parse::<CloudType>().map_err(|e| {
            (
                "arguments",
                oms_api::ValidationError::new("--src-cloud-type", e.to_string()).into(),
            )
        })?,
        None => CloudType::Aliyun,
    };
    if flags.remote() {
        let required = |name| flags.required(name).map_err(at("arguments"));
        let project_id = required("project-id")?;
        let (src, dst) = keys(true)?;
        let buckets = Buckets {
            cloud_type,
            src_region: required("src-region")?,
            src_bucket: required("src-bucket")?,
            dst_region: required("dst-region")?,
            dst_bucket: required("dst-bucket")?,
            src,
            dst,
        };
        let client = common::remote_client(flags, Some(project_id)).map_err(at("configuration"))?;
        return lifecycle(&client, &buckets).await;
    }
    common::check_local_run().map_err(at("configuration"))?;
    let oms = common::start_local_oms(|oms| oms)
        .await
        .map_err(at("configuration"))?;
    let client = common::local_client(&oms).map_err(at("configuration"))?;
    let (src, dst) = keys(false)?;
    let buckets = Buckets {
        cloud_type,
        src_region: flags.get("src-region").unwrap_or("cn-hangzhou"),
        src_bucket: flags.get("src-bucket").unwrap_or("sample-source-bucket"),
        dst_region: flags.get("dst-region").unwrap_or("cn-north-4"),
        dst_bucket: flags
            .get("dst-bucket")
            .unwrap_or("sample-destination-bucket"),
        src,
        dst,
    };
    lifecycle(&client, &buckets).await?;
    println!(
        "\nThe embedded OMS verified the signature of all {} requests.",
        oms.requests().len()
    );
    Ok(())
}

/// Every step runs in the client's project.
async fn lifecycle(client: &Client, buckets: &Buckets<'_>) -> Result<(), StepError> {
    let created = client
        .create_sync_task()
        .body_map(|body| {
            body.src_cloud_type(buckets.cloud_type)
                .src_region(buckets.src_region)
                .src_bucket(buckets.src_bucket)
                .src_ak(buckets.src.ak.as_str())
                .src_sk(buckets.src.sk.as_str())
                .dst_region(buckets.dst_region)
                .dst_bucket(buckets.dst_bucket)
                .dst_ak(buckets.dst.ak.as_str())
                .dst_sk(buckets.dst.sk.as_str())
                .description("created by the oms-api lifecycle example")
        })
        .send()
        .await
        .map_err(at("CreateSyncTask"))?
        .into_inner();
    let id = created.sync_task_id.unwrap_or_default();
    println!("CreateSyncTask: created {id}");

    let now_ms = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let shown = client
        .show_sync_task()
        .sync_task_id(id.as_str())
        .query_time(now_ms)
        .send()
        .await
        .map_err(at("ShowSyncTask"))?
        .into_inner();
    println!(
        "ShowSyncTask: {} → {}, status {}",
        shown.src_bucket.as_deref().unwrap_or("?"),
        shown.dst_bucket.as_deref().unwrap_or("?"),
        shown.status.map(|s| s.to_string()).unwrap_or_default()
    );

    client
        .stop_sync_task()
        .sync_task_id(id.as_str())
        .send()
        .await
        .map_err(at("StopSyncTask"))?;
    println!("StopSyncTask: stopped");

    client
        .start_sync_task()
        .sync_task_id(id.as_str())
        .body_map(|body| {
            body.src_ak(buckets.src.ak.as_str())
                .src_sk(buckets.src.sk.as_str())
                .dst_ak(buckets.dst.ak.as_str())
                .dst_sk(buckets.dst.sk.as_str())
        })
        .send()
        .await
        .map_err(at("StartSyncTask"))?;
    println!("StartSyncTask: started again");

    client
        .create_sync_events()
        .sync_task_id(id.as_str())
        .body_map(|body| body.object_keys(["reports%2F2024-01.csv", "index.html"]))
        .send()
        .await
        .map_err(at("CreateSyncEvents"))?;
    println!("CreateSyncEvents: reported 2 changed objects");

    let statistics = client
        .list_sync_task_statistic()
        .sync_task_id(id.as_str())
        .data_type("REQUEST,SUCCESS")
        .start_time(now_ms - 3_600_000)
        .end_time(now_ms)
        .send()
        .await
        .map_err(at("ListSyncTaskStatistic"))?
        .into_inner();
    for series in statistics.statistic_datas.unwrap_or_default() {
        let total: i64 = series
            .data
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.statistic_num)
            .sum();
        println!(
            "ListSyncTaskStatistic: {} = {total}",
            series.data_type.map(|t| t.to_string()).unwrap_or_default()
        );
    }

    // A synchronizing task is stopped before it can be deleted.
    client
        .stop_sync_task()
        .sync_task_id(id.as_str())
        .send()
        .await
        .map_err(at("StopSyncTask"))?;
    client
        .delete_sync_task()
        .sync_task_id(id.as_str())
        .send()
        .await
        .map_err(at("DeleteSyncTask"))?;
    println!("DeleteSyncTask: deleted {id}");
    Ok(())
}
