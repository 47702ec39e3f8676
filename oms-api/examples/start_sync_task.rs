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

use std::process::ExitCode;

use oms_api::local::{LocalOms, TaskStatus};
use oms_api::provider::{self, CredentialsChain};
use oms_api::{Client, Credentials, Error, Region, ValidationError};

const USAGE: &str =
    "usage: start_sync_task [--project-id ID --sync-task-id ID] [--region REGION | --endpoint URL]

Credentials (environment): HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or
CLOUD_SDK_AK and CLOUD_SDK_SK), optionally HUAWEICLOUD_SDK_SECURITY_TOKEN and
HUAWEICLOUD_SDK_PROJECT_ID; or HUAWEICLOUD_SDK_AUTH_TOKEN (an IAM token); or
the [basic] section of ~/.huaweicloud/credentials.
Task keys (environment): OMS_DST_AK, OMS_DST_SK (required against a real
endpoint), OMS_SRC_AK, OMS_SRC_SK (optional).
Without an endpoint, a region and credentials, an embedded local OMS is used.";

const SAMPLE_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
const SAMPLE_SYNC_TASK_ID: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";

#[derive(Default)]
struct Args {
    project_id: Option<String>,
    sync_task_id: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut words = std::env::args().skip(1);
    while let Some(flag) = words.next() {
        let slot = match flag.as_str() {
            "--project-id" => &mut args.project_id,
            "--sync-task-id" => &mut args.sync_task_id,
            "--region" => &mut args.region,
            "--endpoint" => &mut args.endpoint,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        };
        *slot = Some(
            words
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?,
        );
    }
    if args.region.is_some() && args.endpoint.is_some() {
        return Err("give --region or --endpoint, not both".to_owned());
    }
    Ok(args)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("{problem}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

/// The sample access key the demo signs with, and the embedded OMS accepts.
const SAMPLE_ACCESS_KEY: &str = "DEMOAKDEMOAKDEMOAK01";
const SAMPLE_SECRET_KEY: &str = "demo-secret-key-not-a-real-one";

async fn run(args: Args) -> Result<(), Error> {
    let remote = args.region.is_some() || args.endpoint.is_some();
    if !remote {
        if credentials_in_environment() {
            return Err(ValidationError::new(
                "endpoint",
                "is required with credentials: give --region or --endpoint",
            )
            .into());
        }
        return run_locally(args).await;
    }
    let project_id = args.project_id.ok_or_else(|| {
        ValidationError::new("--project-id", "is required with --region or --endpoint")
    })?;
    let sync_task_id = args.sync_task_id.ok_or_else(|| {
        ValidationError::new("--sync-task-id", "is required with --region or --endpoint")
    })?;
    let mut credentials = CredentialsChain::new().resolve()?;
    if credentials.project_id().is_none() {
        // Signed requests name their project in X-Project-Id.
        credentials = credentials.with_project_id(&project_id)?;
    }
    let builder = Client::builder().credentials(credentials);
    let builder = match (&args.region, &args.endpoint) {
        (Some(region), _) => builder.region(region.parse::<Region>()?),
        (_, Some(endpoint)) => builder.endpoint(endpoint),
        (None, None) => unreachable!("remote means a region or an endpoint"),
    };
    start(&builder.build()?, &project_id, &sync_task_id).await
}

fn credentials_in_environment() -> bool {
    provider::ACCESS_KEY_VARS
        .iter()
        .chain(provider::SECRET_KEY_VARS)
        .chain([&provider::AUTH_TOKEN_VAR])
        .any(|name| env(name).is_some())
}

/// Runs the call against an embedded OMS that verifies signatures, and
/// shows both sides of the wire.
async fn run_locally(args: Args) -> Result<(), Error> {
    let project_id = args
        .project_id
        .unwrap_or_else(|| SAMPLE_PROJECT_ID.to_owned());
    let sync_task_id = args
        .sync_task_id
        .unwrap_or_else(|| SAMPLE_SYNC_TASK_ID.to_owned());
    let oms = LocalOms::builder()
        .access_key(SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY)
        .sync_task(sync_task_id.clone(), TaskStatus::Stopped)
        .start()
        .await
        .map_err(|e| ValidationError::new("local OMS", e.to_string()))?;
    println!(
        "No endpoint and no credentials given: using an embedded OMS at {} that verifies\nSDK-HMAC-SHA256 signatures, and the sample access key {SAMPLE_ACCESS_KEY}.\n",
        oms.base_url()
    );
    let credentials = Credentials::access_key(SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY)?
        .with_project_id(&project_id)?;
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(credentials)
        .build()?;
    let result = start(&client, &project_id, &sync_task_id).await;
    if let Some(sent) = oms.requests().last() {
        println!("\nWhat was sent (secrets masked):\n\n{}", sent.redacted());
    }
    if result.is_ok() {
        println!(
            "The embedded OMS recomputed the signature and accepted it; the task is now {:?}.",
            oms.task_status(&sync_task_id)
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
                Some(ak) => body.with_src_ak(ak),
                None => body,
            };
            match src_sk {
                Some(sk) => body.with_src_sk(sk),
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

/// Prints an error the way the seed's sample does: status, request id,
/// error code, error message.
fn report(error: &Error) {
    eprintln!("StartSyncTask failed: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    if let Some(service) = error.as_service_error() {
        eprintln!("status: {}", service.status().as_u16());
        eprintln!("request id: {}", service.request_id().unwrap_or("-"));
        eprintln!("error code: {}", service.code());
        eprintln!("error message: {}", service.message());
    }
}
