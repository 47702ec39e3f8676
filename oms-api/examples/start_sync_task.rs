//! StartSyncTask, the sample program of Huawei's API reference, in Rust.
//!
//! ```text
//! cargo run -p oms-api --example start_sync_task -- \
//!     [--project-id P] --sync-task-id ID [--region cn-north-4 | --endpoint URL]
//! ```
//!
//! Credentials come from the environment or the profile file, never from
//! flags (see `oms_api::credentials::CredentialsChain`): an access key and
//! secret key in `HUAWEICLOUD_SDK_AK`/`HUAWEICLOUD_SDK_SK` (or Huawei's samples'
//! `CLOUD_SDK_AK`/`CLOUD_SDK_SK`), which sign every request, or an IAM token
//! in `HUAWEICLOUD_SDK_AUTH_TOKEN`. The task's keys come from `OMS_SRC_AK`,
//! `OMS_SRC_SK`, `OMS_DST_AK` and `OMS_DST_SK`.
//!
//! With no endpoint, no region and no credentials, the program starts an
//! embedded OMS on 127.0.0.1 that verifies request signatures, signs its
//! call with sample keys, and prints what was sent (secrets masked) and what
//! came back; with no arguments at all it uses sample ids too, so it runs
//! anywhere.

mod common;

use std::process::ExitCode;

use common::Flags;
use oms_api::local::TaskStatus;
use oms_api::{Client, Error};

const USAGE: &str =
    "usage: start_sync_task [--project-id ID] [--sync-task-id ID] [--region REGION | --endpoint URL]

Without --project-id, the client asks IAM for the project named after the
region, as the official SDKs do.

Task keys (environment): OMS_DST_AK and OMS_DST_SK (required against a real
endpoint), OMS_SRC_AK and OMS_SRC_SK (optional, together).";

const SAMPLE_SYNC_TASK_ID: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match common::flags_or_usage(
        &["project-id", "sync-task-id", "region", "endpoint"],
        USAGE,
    ) {
        Ok(flags) => flags,
        Err(exit) => return exit,
    };
    match run(&flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => common::report("StartSyncTask", &error),
    }
}

async fn run(flags: &Flags) -> Result<(), Error> {
    // Without --project-id, the client asks IAM for the region's project.
    let project_id = flags.get("project-id");
    if flags.remote() {
        let sync_task_id = flags.required("sync-task-id")?;
        // The keys are checked before anything is sent.
        let keys = TaskKeys::read(true)?;
        let client = common::remote_client(flags, project_id)?;
        return start(&client, project_id, sync_task_id, keys).await;
    }
    common::check_local_run()?;
    let sync_task_id = flags.get("sync-task-id").unwrap_or(SAMPLE_SYNC_TASK_ID);
    let oms =
        common::start_local_oms(|oms| oms.sync_task(sync_task_id, TaskStatus::Stopped)).await?;
    let client = common::local_client(&oms)?;
    let result = start(&client, project_id, sync_task_id, TaskKeys::read(false)?).await;
    if let Some(sent) = oms.requests().last() {
        println!("\nWhat was sent (secrets masked):\n\n{}", sent.redacted());
    }
    if result.is_ok() {
        println!(
            "The embedded OMS recomputed the signature and accepted it; the task is now {:?}.",
            oms.task_status(sync_task_id)
                .expect("the sample task exists")
        );
        println!(
            "\nWhere the client's settings came from:\n{}",
            client.describe()
        );
    }
    result
}

/// The keys StartSyncTask sends: the destination's always, the source's
/// when given (URL-list tasks have none).
struct TaskKeys {
    dst: common::Keys,
    src: Option<common::Keys>,
}

impl TaskKeys {
    fn read(remote: bool) -> Result<Self, Error> {
        Ok(Self {
            dst: common::task_keys("DST", remote, true)?.expect("required keys are there"),
            src: common::task_keys("SRC", remote, false)?,
        })
    }
}

async fn start(
    client: &Client,
    project_id: Option<&str>,
    sync_task_id: &str,
    keys: TaskKeys,
) -> Result<(), Error> {
    let (src_ak, src_sk) = keys.src.map(|k| (k.ak, k.sk)).unzip();
    let response = client
        .start_sync_task()
        .set_project_id(project_id)
        .sync_task_id(sync_task_id)
        .body_map(|body| {
            body.dst_ak(keys.dst.ak)
                .dst_sk(keys.dst.sk)
                .set_src_ak(src_ak)
                .set_src_sk(src_sk)
        })
        .send()
        .await?;
    let request_id = response
        .headers()
        .get(oms_api::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    println!(
        "StartSyncTask succeeded: HTTP {}, request id {request_id}",
        response.status()
    );
    Ok(())
}
