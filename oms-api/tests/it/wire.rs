//! Every operation on the wire, against a raw server on 127.0.0.1: the
//! exact request (method, path, query, headers, body) and the typed response
//! decoded from the reference's examples, nulls and unknown values included.

use oms_api::types::{
    self, CdnAuthenticationType, CdnProtocol, CloudType, ObjectOverwriteMode, StoragePolicy,
    SyncTaskStatus,
};
use oms_api::{Client, OpenEnum};
use serde_json::json;

use crate::server::{Canned, CannedServer, RawRequest};

const TOKEN: &str = "MIIEtoken-for-the-wire-test";

#[tokio::test]
async fn sends_the_exact_start_request() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let response = server
        .client(TOKEN)
        .start_sync_task()
        .project_id("0123456789abcdef0123456789abcdef")
        .sync_task_id("0d146099-8cf4-437d-b6ef-88e043771c8b")
        .body_map(|body| body.dst_ak("dst_ak").dst_sk("dst_sk"))
        .send()
        .await
        .expect("a 200 answer is success");
    assert_eq!(response.status(), 200);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.target,
        "/v2/0123456789abcdef0123456789abcdef/sync-tasks/0d146099-8cf4-437d-b6ef-88e043771c8b/start"
    );
    assert_eq!(sent.header("x-auth-token"), Some(TOKEN));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("user-agent"), Some(oms_api::USER_AGENT));
    assert_eq!(
        sent.header("api-version"),
        None,
        "progenitor's api-version header must not be sent"
    );
    // Unset optional fields are absent, not null or empty.
    assert_eq!(
        sent.body_json(),
        json!({"dst_ak": "dst_ak", "dst_sk": "dst_sk"})
    );
}

#[tokio::test]
async fn sends_every_field_when_set() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    let kms = "11111111-2222-3333-4444-555555555555";
    server
        .client(TOKEN)
        .start_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .body_map(|body| {
            body.src_ak("srcAK".parse::<types::AccessKey>().unwrap())
                .src_sk("srcSK")
                .dst_ak("dstAK")
                .dst_sk("dstSK")
                .source_cdn_authentication_key("cdn-key-中文")
                .src_crypto_type(types::CryptoType::Default)
                .src_kms_key_id(kms)
                .dst_crypto_type("KMS")
                .dst_kms_key_id(kms)
                .source_cdn_crypto_type(types::CryptoType::Kms)
                .source_cdn_kms_key_id(kms)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].body_json(),
        json!({
            "src_ak": "srcAK", "src_sk": "srcSK", "dst_ak": "dstAK", "dst_sk": "dstSK",
            "source_cdn_authentication_key": "cdn-key-中文",
            "src_crypto_type": "DEFAULT", "src_kms_key_id": kms,
            "dst_crypto_type": "KMS", "dst_kms_key_id": kms,
            "source_cdn_crypto_type": "KMS", "source_cdn_kms_key_id": kms,
        })
    );
}

#[tokio::test]
async fn an_empty_cdn_key_is_allowed_and_sent() {
    let server = CannedServer::start(Canned::new(200, "")).await;
    server
        .client(TOKEN)
        .start_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .body_map(|body| {
            body.dst_ak("a")
                .dst_sk("s")
                .source_cdn_authentication_key("")
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].body_json()["source_cdn_authentication_key"],
        json!("")
    );
}

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const TASK: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";

fn json_reply(body: serde_json::Value) -> Canned {
    Canned::new(200, &body.to_string()).header("Content-Type", "application/json")
}

async fn server(reply: Canned) -> (CannedServer, Client) {
    let server = CannedServer::start(reply).await;
    let client = server.client("token");
    (server, client)
}

fn only(server: &CannedServer) -> RawRequest {
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    requests.into_iter().next().unwrap()
}

/// The method and target, and the headers every request carries.
fn assert_request(sent: &RawRequest, method: &str, target: &str) {
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        (method, target)
    );
    assert_eq!(sent.header("x-auth-token"), Some("token"));
    assert_eq!(sent.header("user-agent"), Some(oms_api::USER_AGENT));
    assert_eq!(sent.header("api-version"), None);
}

#[tokio::test]
async fn create_sync_task() {
    let (server, client) = server(json_reply(json!({"sync_task_id": TASK}))).await;
    let created = client
        .create_sync_task()
        .project_id(PROJECT)
        .body_map(|b| {
            b.src_cloud_type(CloudType::Aliyun)
                .src_region("cn-hangzhou")
                .src_bucket("src-bkt")
                .src_ak("sAK")
                .src_sk("sSK")
                .dst_ak("dAK")
                .dst_sk("dSK")
                .dst_region("cn-north-4")
                .dst_bucket("dst-bkt")
                .description("nightly copy")
                .enable_metadata_migration(true)
                .enable_restore(false)
                .dst_storage_policy(StoragePolicy::Standard)
                .consistency_check(types::ConsistencyCheck::Crc64)
                .source_cdn(
                    types::SourceCdnReq::builder()
                        .domain("cdn.example.com")
                        .protocol(CdnProtocol::Https)
                        .authentication_type(CdnAuthenticationType::QiniuPrivateAuthentication)
                        .authentication_key("cdn-key"),
                )
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.sync_task_id.as_deref(), Some(TASK));

    let sent = only(&server);
    assert_request(
        &sent,
        "POST",
        "/v2/0123456789abcdef0123456789abcdef/sync-tasks",
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.body_json(),
        json!({
            "src_cloud_type": "Aliyun", "src_region": "cn-hangzhou", "src_bucket": "src-bkt",
            "src_ak": "sAK", "src_sk": "sSK", "dst_ak": "dAK", "dst_sk": "dSK",
            "dst_region": "cn-north-4", "dst_bucket": "dst-bkt", "description": "nightly copy",
            "enable_metadata_migration": true, "enable_restore": false,
            "dst_storage_policy": "STANDARD", "consistency_check": "crc64",
            "source_cdn": {
                "domain": "cdn.example.com", "protocol": "https",
                "authentication_type": "QINIU_PRIVATE_AUTHENTICATION", "authentication_key": "cdn-key"
            }
        })
    );
}

#[tokio::test]
async fn create_sends_only_what_was_set() {
    // The service applies its own defaults: nothing unset is sent, not even
    // the `false` of a flag whose default is `false`.
    let (server, client) = server(json_reply(json!({"sync_task_id": TASK}))).await;
    client
        .create_sync_task()
        .project_id(PROJECT)
        .body_map(crate::server::valid_create_body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        only(&server).body_json(),
        json!({
            "src_region": "r", "src_bucket": "b", "src_ak": "a", "src_sk": "s",
            "dst_ak": "a", "dst_sk": "s", "dst_region": "r", "dst_bucket": "b"
        })
    );
}

/// The reference's ListSyncTasks example.
fn list_example() -> serde_json::Value {
    json!({
        "tasks": [{
            "sync_task_id": TASK,
            "src_cloud_type": "Aliyun",
            "src_region": "cn-hangzhou",
            "src_bucket": "src-bkt",
            "create_time": 1704164645000_i64,
            "last_start_time": 1704164645000_i64,
            "dst_bucket": "dst-bkt",
            "dst_region": "cn-north-4",
            "description": "",
            "status": "SYNCHRONIZING",
            "enable_metadata_migration": false,
            "enable_restore": false,
            "app_id": null,
            "source_cdn": {"domain": "cdn.example.com", "protocol": "https", "authentication_type": "NONE"},
            "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE",
            "dst_storage_policy": "STANDARD",
            "consistency_check": "size_last_modified"
        }],
        "count": 1
    })
}

#[tokio::test]
async fn list_sync_tasks() {
    let (server, client) = server(json_reply(list_example())).await;
    let page = client
        .list_sync_tasks()
        .project_id(PROJECT)
        .status(SyncTaskStatus::Synchronizing)
        .offset(0)
        .limit(10u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    let sent = only(&server);
    // The query as the official SDK sends it: sorted, canonical.
    assert_request(
        &sent,
        "GET",
        "/v2/0123456789abcdef0123456789abcdef/sync-tasks?limit=10&offset=0&status=SYNCHRONIZING",
    );
    assert!(sent.body.is_empty());

    assert_eq!(page.count, Some(1));
    let task = &page.tasks.as_ref().unwrap()[0];
    assert_eq!(task.sync_task_id.as_deref(), Some(TASK));
    assert_eq!(
        task.src_cloud_type,
        Some(OpenEnum::Known(CloudType::Aliyun))
    );
    assert_eq!(
        task.status,
        Some(OpenEnum::Known(SyncTaskStatus::Synchronizing))
    );
    assert_eq!(task.create_time, Some(1704164645000));
    assert_eq!(task.app_id, None);
    let cdn = task.source_cdn.as_ref().unwrap();
    assert_eq!(cdn.protocol, Some(OpenEnum::Known(CdnProtocol::Https)));
    assert_eq!(
        cdn.authentication_type,
        Some(OpenEnum::Known(CdnAuthenticationType::None))
    );
    assert_eq!(
        task.object_overwrite_mode,
        Some(OpenEnum::Known(
            ObjectOverwriteMode::SizeLastModifiedComparisonOverwrite
        ))
    );
    assert_eq!(
        task.consistency_check,
        Some(OpenEnum::Known(
            types::TaskConsistencyCheck::SizeLastModified
        ))
    );
}

#[tokio::test]
async fn show_sync_task_with_nulls() {
    // The reference's example, with `app_id` and `dst_storage_policy` null.
    let example = json!({
        "sync_task_id": TASK,
        "src_cloud_type": "Aliyun",
        "src_region": "cn-hangzhou",
        "src_bucket": "src-bkt",
        "create_time": 1704164645000_i64,
        "last_start_time": 1704164645000_i64,
        "dst_bucket": "dst-bkt",
        "dst_region": "cn-north-4",
        "description": "",
        "status": "STOPPED",
        "enable_metadata_migration": false,
        "enable_restore": false,
        "app_id": null,
        "object_overwrite_mode": "NO_OVERWRITE",
        "dst_storage_policy": null,
        "consistency_check": "crc64",
        "monthly_acceptance_request": 12,
        "monthly_success_object": 10,
        "monthly_failure_object": 1,
        "monthly_skip_object": 1,
        "monthly_size": 1048576
    });
    let (server, client) = server(json_reply(example)).await;
    let task = client
        .show_sync_task()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .query_time(1704164645000_i64)
        .send()
        .await
        .unwrap()
        .into_inner();
    let sent = only(&server);
    assert_request(
        &sent,
        "GET",
        &format!("/v2/{PROJECT}/sync-tasks/{TASK}?query_time=1704164645000"),
    );
    assert_eq!(task.status, Some(OpenEnum::Known(SyncTaskStatus::Stopped)));
    assert_eq!(
        (task.app_id.as_deref(), task.dst_storage_policy.as_ref()),
        (None, None)
    );
    assert_eq!(task.monthly_acceptance_request, Some(12));
    assert_eq!(task.monthly_size, Some(1048576));
}

#[tokio::test]
async fn delete_sync_task() {
    let (server, client) = server(Canned::new(200, "")).await;
    client
        .delete_sync_task()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .send()
        .await
        .unwrap();
    let sent = only(&server);
    assert_request(&sent, "DELETE", &format!("/v2/{PROJECT}/sync-tasks/{TASK}"));
    assert!(sent.body.is_empty());
}

#[tokio::test]
async fn stop_sync_task() {
    let (server, client) = server(Canned::new(200, "")).await;
    client
        .stop_sync_task()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .send()
        .await
        .unwrap();
    let sent = only(&server);
    assert_request(
        &sent,
        "POST",
        &format!("/v2/{PROJECT}/sync-tasks/{TASK}/stop"),
    );
    assert!(sent.body.is_empty());
}

#[tokio::test]
async fn create_sync_events() {
    let (server, client) = server(Canned::new(200, "")).await;
    client
        .create_sync_events()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .body_map(|b| {
            b.object_keys(vec![
                "test%2F001.txt".parse::<types::ObjectKey>().unwrap(),
                "a b.txt".parse().unwrap(),
            ])
        })
        .send()
        .await
        .unwrap();
    let sent = only(&server);
    assert_request(
        &sent,
        "POST",
        &format!("/v2/{PROJECT}/sync-tasks/{TASK}/events"),
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.body_json(),
        json!({"object_keys": ["test%2F001.txt", "a b.txt"]})
    );
}

#[tokio::test]
async fn list_sync_task_statistic() {
    let example = json!({
        "sync_task_id": TASK,
        "statistic_time_type": "FIVE_MINUTES",
        "statistic_datas": [
            {"data_type": "REQUEST", "data": [{"time_stamp": 1704067200000_i64, "statistic_num": 5}]},
            {"data_type": "SUCCESS", "data": null}
        ]
    });
    let (server, client) = server(json_reply(example)).await;
    let statistics = client
        .list_sync_task_statistic()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .data_type("REQUEST,SUCCESS")
        .start_time(1704067200000_i64)
        .end_time(1704153600000_i64)
        .send()
        .await
        .unwrap()
        .into_inner();
    let sent = only(&server);
    assert_request(
        &sent,
        "GET",
        &format!(
            "/v2/{PROJECT}/sync-tasks/{TASK}/statistics?data_type=REQUEST%2CSUCCESS&end_time=1704153600000&start_time=1704067200000"
        ),
    );
    assert_eq!(
        statistics.statistic_time_type,
        Some(OpenEnum::Known(types::StatisticTimeType::FiveMinutes))
    );
    let series = statistics.statistic_datas.unwrap();
    assert_eq!(
        series[0].data_type,
        Some(OpenEnum::Known(types::StatisticDataType::Request))
    );
    assert_eq!(series[0].data.as_ref().unwrap()[0].statistic_num, Some(5));
    assert_eq!(series[1].data, None);
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_decode() {
    let odd = json!({
        "tasks": [
            {"sync_task_id": "normal", "status": "STOPPED", "src_cloud_type": "AWS"},
            {
                "sync_task_id": "odd",
                "status": "MIGRATING",
                "src_cloud_type": "NewCloud",
                "dst_storage_policy": "GLACIER_IR",
                "object_overwrite_mode": "SOMETIMES",
                "consistency_check": "sha256",
                "source_cdn": {"protocol": "quic", "authentication_type": "JWT", "ttl": 5},
                "brand_new_field": {"nested": [1, 2, 3]},
                "create_time": null
            },
            {}
        ],
        "count": 3,
        "next_marker": "extra top-level field"
    });
    let (_server, client) = server(json_reply(odd)).await;
    let page = client
        .list_sync_tasks()
        .project_id(PROJECT)
        .send()
        .await
        .unwrap()
        .into_inner();
    let tasks = page.tasks.unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(
        tasks[0].status,
        Some(OpenEnum::Known(SyncTaskStatus::Stopped))
    );
    let odd = &tasks[1];
    assert_eq!(odd.status, Some(OpenEnum::Unknown("MIGRATING".to_owned())));
    assert_eq!(
        odd.src_cloud_type
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("NewCloud")
    );
    assert_eq!(
        odd.dst_storage_policy.as_ref().unwrap().to_string(),
        "GLACIER_IR"
    );
    assert!(!odd.object_overwrite_mode.as_ref().unwrap().is_known());
    assert_eq!(
        odd.source_cdn.as_ref().unwrap().protocol,
        Some(OpenEnum::Unknown("quic".to_owned()))
    );
    assert_eq!(odd.create_time, None);
    assert_eq!(tasks[2].sync_task_id, None);
}
