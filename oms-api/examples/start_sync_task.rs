//! StartSyncTask, the seed document's sample program, in Rust.
//!
//! ```text
//! cargo run -p oms-api --example start_sync_task -- \
//!     --project-id P --sync-task-id ID [--region cn-north-4 | --endpoint URL]
//! ```
//!
//! Credentials come from the environment or the profile file, never from
//! flags (see `oms_api::provider::CredentialsChain`): an access key and
//! secret key in `HUAWEICLOUD_SDK_AK`/`HUAWEICLOUD_SDK_SK` (or the seed's
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

use common::{Flags, env};
use oms_api::local::TaskStatus;
use oms_api::{Client, Error};

const USAGE: &str =
    "usage: start_sync_task [--project-id ID --sync-task-id ID] [--region REGION | --endpoint URL]

Task keys (environment): OMS_DST_AK, OMS_DST_SK (required against a real
endpoint), OMS_SRC_AK, OMS_SRC_SK (optional).";

const SAMPLE_SYNC_TASK_ID: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match Flags::parse(&["project-id", "sync-task-id", "region", "endpoint"]) {
        Ok(flags) => flags,
        Err(problem) => {
            return common::usage_error(
                &problem,
                &format!("{USAGE}\n{}", common::CREDENTIALS_USAGE),
            );
        }
    };
    match run(&flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => common::report("StartSyncTask", &error),
    }
}

async fn run(flags: &Flags) -> Result<(), Error> {
    if flags.remote() {
        let project_id = flags.required("project-id")?;
        let client = common::remote_client(flags, project_id)?;
        return start(&client, project_id, flags.required("sync-task-id")?).await;
    }
    common::check_local_run()?;
    let project_id = flags.get("project-id").unwrap_or(common::SAMPLE_PROJECT_ID);
    let sync_task_id = flags.get("sync-task-id").unwrap_or(SAMPLE_SYNC_TASK_ID);
    let oms =
        common::start_local_oms(|oms| oms.sync_task(sync_task_id, TaskStatus::Stopped)).await?;
    let result = start(
        &common::local_client(&oms, project_id)?,
        project_id,
        sync_task_id,
    )
    .await;
    if let Some(sent) = oms.requests().last() {
        println!("\nWhat was sent (secrets masked):\n\n{}", sent.redacted());
    }
    if result.is_ok() {
        println!(
            "The embedded OMS recomputed the signature and accepted it; the task is now {:?}.",
            oms.task_status(sync_task_id)
                .expect("the sample task exists")
        );
    }
    result
}

async fn start(client: &Client, project_id: &str, sync_task_id: &str) -> Result<(), Error> {
    let src_ak = env("OMS_SRC_AK");
    let src_sk = env("OMS_SRC_SK");
    // Sample keys stand in only where no real endpoint will see them.
    let dst_ak = env("OMS_DST_AK").unwrap_or_else(|| "sample-dst-ak".to_owned());
    let dst_sk = env("OMS_DST_SK").unwrap_or_else(|| "sample-dst-sk".to_owned());
    let response = client
        .start_sync_task()
        .project_id(project_id)
        .sync_task_id(sync_task_id)
        .body_map(|body| {
            let body = body.dst_ak(dst_ak).dst_sk(dst_sk);
            // The source keys are optional (URL-list tasks have none).
            let body = match src_ak {
                Some(ak) => body.src_ak(ak),
                None => body,
            };
            match src_sk {
                Some(sk) => body.src_sk(sk),
                None => body,
            }
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
