//! A user's program without workarounds (issue 23): the client's project
//! id everywhere, answers that read themselves, failed waits that keep the
//! task, setters that take whatever text a caller holds, the spec's
//! defaults, every broken rule at once, no empty required values, case
//! typos caught, and messages that say what to do — each against the
//! local OMS or a counting server on 127.0.0.1.

use std::borrow::Cow;
use std::time::Duration;

use futures::TryStreamExt;
use oms_api::local::{
    DEFAULT_PROJECT_ID, LocalOms, MigrationPlan, SourceBucket, TaskStatus as SyncStatus,
};
use oms_api::types::{CloudRegion, DstNodeReq, SrcNodeReq};
use oms_api::{Client, Credentials, Error, Region, TaskStatus, Wait, WaitError};
use serde_json::json;

use crate::server::{Canned, CannedServer, valid_create_task_body};

const AK: &str = "USERPROGRAMAK0000001";
const SK: &str = "user-program-secret";

/// A local OMS that is also IAM, and a client that finds its project there.
async fn discovering(builder: oms_api::local::LocalOmsBuilder) -> (LocalOms, Client) {
    let oms = builder.access_key(AK, SK).start().await.unwrap();
    let client = Client::builder()
        .region(Region::CnNorth4)
        .endpoint(&oms.base_url())
        .iam_endpoint(&oms.base_url())
        .credentials(Credentials::access_key(AK, SK).unwrap())
        .build()
        .unwrap();
    (oms, client)
}

fn quickly() -> Wait {
    Wait::new(Duration::from_secs(5)).poll_every(Duration::from_millis(1), Duration::from_millis(1))
}

/// 1. The project id, once: the resolved id is public, helpers resolve it
/// as operations do, and `set_project_id(None)` leaves it to the client.
#[tokio::test]
async fn the_project_id_is_the_clients_everywhere() {
    let (oms, client) = discovering(
        LocalOms::builder()
            .sync_task("t", SyncStatus::Stopped)
            .migration_plan(MigrationPlan::succeeding(1, 1, 1)),
    )
    .await;
    assert_eq!(client.project_id().await.unwrap(), DEFAULT_PROJECT_ID);
    // Helpers without a project id.
    let tasks: Vec<_> = client
        .list_sync_tasks()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let id = client
        .create_task()
        .set_project_id(None::<&str>)
        .body_map(valid_create_task_body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap();
    let task = client.wait_for_task(id).wait(quickly()).await.unwrap();
    assert_eq!(task.status(), Some(TaskStatus::Succeeded));
    let expected = format!("/v2/{DEFAULT_PROJECT_ID}/");
    assert!(
        oms.requests()
            .iter()
            .filter(|r| r.path().starts_with("/v2/"))
            .all(|r| r.path().starts_with(&expected)),
        "every request in the client's project"
    );
    // An explicit one still wins, and `Some` sets it.
    let named = Some("named-project".to_owned());
    client
        .list_sync_tasks()
        .set_project_id(named.as_ref())
        .send()
        .await
        .unwrap();
    assert_eq!(
        oms.requests().last().unwrap().path(),
        "/v2/named-project/sync-tasks"
    );
}

/// 10. Without a project anywhere, the error says where one can come from.
#[tokio::test]
async fn a_missing_project_says_where_one_comes_from() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let client = server.client("token");
    let error = client.list_sync_tasks().send().await.unwrap_err();
    let shown = error.to_string();
    for source in [
        ".project_id(",
        "ClientBuilder::project_id",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "profile file",
        "region and an access key",
    ] {
        assert!(shown.contains(source), "{shown}");
    }
    assert_eq!(client.project_id().await.unwrap_err().to_string(), shown);
    assert_eq!(server.count(), 0);
}

/// The id of a migration task created with a valid body.
async fn created_task(client: &Client) -> i64 {
    client
        .create_task()
        .body_map(valid_create_task_body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .id
        .unwrap()
}

/// 2 and 3. Statuses and error reasons read themselves; a failed wait keeps
/// the task; a wait past its deadline names the state in words.
#[tokio::test]
async fn answers_read_themselves_and_failed_waits_keep_the_task() {
    let (_oms, client) = discovering(
        LocalOms::builder().migration_plan(MigrationPlan::failing("TRF.0151", "no permission")),
    )
    .await;
    let id = created_task(&client).await;
    let error = client.wait_for_task(id).wait(quickly()).await.unwrap_err();
    let Error::Wait(wait) = &error else {
        panic!("{error:?}")
    };
    let task = wait.task().expect("the failed task");
    assert_eq!(task.status(), Some(TaskStatus::Failed));
    assert!(task.failed_num.is_some() && task.total_num.is_some());
    let reason = task.error_reason().unwrap();
    assert_eq!(
        (reason.code, reason.message),
        (Some("TRF.0151"), Some("no permission"))
    );
    assert_eq!(
        error.to_string(),
        format!("migration task {id} failed: TRF.0151: no permission")
    );

    let (_oms, client) =
        discovering(LocalOms::builder().migration_plan(MigrationPlan::endless())).await;
    let id = created_task(&client).await;
    let error = client
        .wait_for_task(id)
        .wait(
            Wait::new(Duration::from_millis(50))
                .poll_every(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!("migration task {id} is still migrating after")),
        "{shown}"
    );
    let Error::Wait(WaitError::Deadline { status, state, .. }) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*status, *state), (Some(2), "migrating"));
    assert!(matches!(&error, Error::Wait(w) if w.task().is_some()));
}

/// 2. `error_reason()` over every shape the service sends.
#[tokio::test]
async fn error_reason_reads_every_shape() {
    let oms = LocalOms::builder()
        .raw_migration_task(
            json!({"id": 1, "status": 4, "error_reason": {"error_code": "E1", "error_msg": "m"}}),
        )
        .raw_migration_task(json!({"id": 2, "status": 4, "error_reason": "only text"}))
        .raw_migration_task(json!({"id": 3, "status": 5, "error_reason": ""}))
        .raw_migration_task(
            json!({"id": 4, "status": 5, "error_reason": {"error_code": "", "error_msg": null}}),
        )
        .raw_migration_task(json!({"id": 5, "status": 99}))
        .start()
        .await
        .unwrap();
    let client = crate::server::local_client(&oms);
    let mut tasks: Vec<_> = client
        .list_tasks()
        .project_id("p")
        .stream()
        .try_collect()
        .await
        .unwrap();
    tasks.sort_by_key(|t| t.id);
    let reasons: Vec<Option<String>> = tasks
        .iter()
        .map(|t| t.error_reason().map(|r| r.to_string()))
        .collect();
    assert_eq!(
        reasons,
        [
            Some("E1: m".to_owned()),
            Some("only text".to_owned()),
            None,
            None,
            None
        ]
    );
    assert_eq!(tasks[4].status(), Some(TaskStatus::Other(99)));
    assert_eq!(TaskStatus::Migrating.to_string(), "migrating");
    assert_eq!(TaskStatus::from_code(4), TaskStatus::Failed);
    assert!(TaskStatus::Failed.is_final() && TaskStatus::Failed.is_failure());
}

/// 4 and 5. Every string-like setter takes `&str`, `String`, `&String` and
/// `Cow<str>`; `types::CloudRegion` is a cloud's region, `Region` Huawei's.
#[tokio::test]
async fn setters_take_whatever_text_a_caller_holds() {
    let (oms, client) = discovering(LocalOms::builder().sync_task("t", SyncStatus::Stopped)).await;
    let owned = String::from("t");
    let borrowed: &String = &owned;
    let cow: Cow<'_, str> = Cow::Borrowed("dst-ak");
    let key = String::from("dst-sk");
    let project = String::from(DEFAULT_PROJECT_ID);
    #[allow(clippy::needless_borrows_for_generic_args)] // The point: a `&String`.
    let started = client
        .start_sync_task()
        .project_id(&project)
        .sync_task_id(borrowed)
        .body_map(|b| {
            b.dst_ak(cow)
                .dst_sk(&key)
                .src_ak(Cow::Owned::<str>("s".into()))
        })
        .send();
    started.await.unwrap();
    let region = String::from("cn-hangzhou");
    let cloud = String::from("Aliyun");
    let _node = SrcNodeReq::builder()
        .cloud_type(&cloud)
        .region(&region)
        .bucket(Cow::Borrowed("b"))
        .ak(&region)
        .sk(&region);
    let region: CloudRegion = CloudRegion::try_from(&region).unwrap();
    assert_eq!(region.as_str(), "cn-hangzhou");
    assert_eq!(Region::CnNorth4.id(), "cn-north-4");
    assert!(
        oms.requests()
            .iter()
            .any(|r| r.path().ends_with("/sync-tasks/t/start"))
    );
}

/// 6. A required field with a default in the spec starts with it.
#[tokio::test]
async fn the_specs_defaults_are_sent_when_a_required_field_is_left_out() {
    let server = CannedServer::start(Canned::new(200, r#"{"records":[],"next_marker":""}"#)).await;
    server
        .client("token")
        .show_bucket_objects()
        .project_id("p")
        .body_map(|b| {
            b.cloud_type("Aliyun")
                .bucket_name("b")
                .file_path("")
                .data_center("cn-hangzhou")
        })
        .send()
        .await
        .unwrap();
    let body = server.last().unwrap().body_json();
    assert_eq!(body["page_size"], json!(100));
    assert_eq!(body["behind_filename"], json!(""));
}

/// 7. Every broken rule of a request at once, in the spec's order, and
/// nothing sent.
#[tokio::test]
async fn every_broken_rule_is_reported_at_once_in_the_specs_order() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let error = server
        .client("token")
        .show_bucket_objects()
        .project_id("p")
        .body_map(|b| b.file_path("x".repeat(2000)))
        .send()
        .await
        .unwrap_err();
    let Error::Validation(validation) = &error else {
        panic!("{error:?}")
    };
    let fields: Vec<&str> = validation.errors().iter().map(|e| e.field()).collect();
    assert_eq!(
        fields,
        ["cloud_type", "bucket_name", "file_path", "data_center"]
    );
    assert_eq!(
        error.to_string(),
        "invalid cloud_type: is required; invalid bucket_name: is required; invalid file_path: must be at most 1023 characters; invalid data_center: is required"
    );
    // Path, body and nested fields together.
    let error = server
        .client("token")
        .create_task()
        .project_id("p")
        .body_map(|b| {
            b.src_node(SrcNodeReq::builder().cloud_type("aliyun").bucket(""))
                .dst_node(DstNodeReq::builder().bucket("").region("cn-north-4"))
        })
        .send()
        .await
        .unwrap_err();
    let Error::Validation(validation) = &error else {
        panic!("{error:?}")
    };
    let fields: Vec<&str> = validation.errors().iter().map(|e| e.field()).collect();
    assert_eq!(
        fields,
        [
            "src_node.cloud_type",
            "src_node.bucket",
            "dst_node.ak",
            "dst_node.sk",
            "dst_node.bucket"
        ],
        "{error}"
    );
    assert_eq!(server.count(), 0, "nothing sent");
}

/// 8 and 9. No empty required values, and case typos of known values are
/// refused; unknown values still pass.
#[tokio::test]
async fn empty_required_values_and_case_typos_are_refused_before_sending() {
    let server = CannedServer::start(Canned::new(200, r#"{"id":1}"#)).await;
    let client = server.client("token");
    let create = |dst_bucket: &'static str, dst_sk: &'static str, cloud: &'static str| {
        client
            .create_task()
            .project_id("p")
            .body_map(move |b| {
                valid_create_task_body(b)
                    .src_node(
                        SrcNodeReq::builder()
                            .cloud_type(cloud)
                            .region("r")
                            .ak("a")
                            .sk("s")
                            .bucket("src")
                            .object_key([""]),
                    )
                    .dst_node(
                        DstNodeReq::builder()
                            .ak("a")
                            .sk(dst_sk)
                            .bucket(dst_bucket)
                            .region("cn-north-4"),
                    )
            })
            .send()
    };
    let error = create("", "s", "Aliyun").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid dst_node.bucket: must be 1 to 1024 characters"
    );
    let error = create("b", "", "Aliyun").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid dst_node.sk: must be 1 to 100 characters"
    );
    let error = create("b", "s", "aliyun").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid src_node.cloud_type: differs only in case from `Aliyun`: did you mean `Aliyun`?"
    );
    assert_eq!(server.count(), 0);
    create("b", "s", "Oracle").await.unwrap();
    assert_eq!(
        server.count(),
        1,
        "a vendor the client does not know yet passes"
    );
}

/// 10: an endpoint with the API version in its path is refused when the
/// client is built.
#[test]
fn an_endpoint_with_the_api_version_is_refused() {
    let error = Client::builder()
        .endpoint("https://oms.cn-north-4.myhuaweicloud.com/v2")
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("without the API version"),
        "{error}"
    );
    Client::builder()
        .endpoint("https://proxy.example.com/oms")
        .credentials(Credentials::iam_token("t").unwrap())
        .build()
        .unwrap();
}

/// The bucket helpers run without a project id too.
#[tokio::test]
async fn bucket_helpers_stream_without_plumbing() {
    let (_oms, client) = discovering(
        LocalOms::builder().source_bucket(SourceBucket::new("src", "cn-hangzhou").object("a", 1)),
    )
    .await;
    let objects: Vec<_> = client
        .show_bucket_objects()
        .body_map(|b| {
            b.cloud_type("Aliyun")
                .bucket_name("src")
                .file_path("")
                .data_center("cn-hangzhou")
                .ak("a")
                .sk("s")
        })
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(objects.len(), 1);
}
