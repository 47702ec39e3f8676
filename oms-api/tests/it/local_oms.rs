//! The embedded local OMS behaves like the service: StartSyncTask alone,
//! then a whole lifecycle with the service's limits and a verified
//! signature on every call.

use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{Client, Credentials, Error};

async fn start(oms: &LocalOms, token: &str, task: &str) -> Result<(), Error> {
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token(token)?)
        .build()?;
    crate::server::start_sync_task(&client, "project", task).await
}

#[tokio::test]
async fn starting_a_stopped_task_makes_it_synchronize() {
    let oms = LocalOms::builder()
        .sync_task("task", TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    start(&oms, "token", "task").await.unwrap();
    assert_eq!(oms.task_status("task"), Some(TaskStatus::Synchronizing));
    let sent = &oms.requests()[0];
    assert_eq!(
        (sent.method(), sent.path()),
        ("POST", "/v2/project/sync-tasks/task/start")
    );
}

#[tokio::test]
async fn an_unknown_task_is_a_service_error_with_a_request_id() {
    let oms = LocalOms::builder().start().await.unwrap();
    let error = start(&oms, "token", "missing").await.unwrap_err();
    let e = error.as_service_error().expect("a service error");
    assert_eq!((e.status().as_u16(), e.code()), (400, "OMS.1009"));
    assert_eq!(e.request_id().map(str::len), Some(32));
}

#[tokio::test]
async fn a_wrong_token_is_refused_by_the_gateway() {
    let oms = LocalOms::builder()
        .iam_token("right")
        .sync_task("task", TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    let error = start(&oms, "wrong", "task").await.unwrap_err();
    let e = error.as_service_error().expect("a service error");
    assert_eq!((e.status().as_u16(), e.code()), (401, "APIGW.0301"));
    assert!(e.request_id().is_some());
    assert_eq!(oms.task_status("task"), Some(TaskStatus::Stopped));
    start(&oms, "right", "task").await.unwrap();
}

#[tokio::test]
async fn the_server_checks_the_body_itself() {
    // A client other than ours may send anything; the local OMS answers
    // like OMS does.
    let oms = LocalOms::builder()
        .sync_task("task", TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/v2/p/sync-tasks/task/start", oms.base_url()))
        .header("X-Auth-Token", "token")
        .body(r#"{"dst_ak":"ak"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "OMS.0001");
    assert_eq!(oms.task_status("task"), Some(TaskStatus::Stopped));
}

#[tokio::test]
async fn an_unknown_route_is_apigw_0101() {
    let oms = LocalOms::builder().start().await.unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/v2/p/nothing", oms.base_url()))
        .header("X-Auth-Token", "token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "APIGW.0101");
    assert_eq!(body["request_id"], request_id.as_str());
}

const AK: &str = "LIFECYCLEAK";
const SK: &str = "lifecycle-secret-key";

async fn setup() -> (LocalOms, Client) {
    let oms = LocalOms::builder()
        .access_key(AK, SK)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(
            Credentials::access_key(AK, SK)
                .unwrap()
                .with_project_id("project")
                .unwrap(),
        )
        .build()
        .unwrap();
    (oms, client)
}

async fn create(client: &Client, n: usize) -> Result<String, Error> {
    let created = client
        .create_sync_task()
        .project_id("project")
        .body_map(|b| {
            b.src_region("cn-hangzhou")
                .src_bucket(format!("src-{n}"))
                .src_ak("sAK")
                .src_sk("sSK")
                .dst_ak("dAK")
                .dst_sk("dSK")
                .dst_region("cn-north-4")
                .dst_bucket("dst")
        })
        .send()
        .await?
        .into_inner();
    Ok(created.sync_task_id.expect("the local OMS returns an id"))
}

fn code(error: &Error) -> &str {
    error
        .as_service_error()
        .map(|e| e.code())
        .unwrap_or("not a service error")
}

#[tokio::test]
async fn a_whole_lifecycle_with_signed_requests() {
    let (oms, client) = setup().await;
    let id = create(&client, 0).await.unwrap();
    assert_eq!(oms.task_status(&id), Some(TaskStatus::Synchronizing));

    let shown = client
        .show_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .query_time(0)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(shown.src_bucket.as_deref(), Some("src-0"));

    // A synchronizing task cannot be deleted.
    let error = client
        .delete_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&error), "OMS.0063");

    client
        .stop_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(oms.task_status(&id), Some(TaskStatus::Stopped));
    client
        .start_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .body_map(|b| b.dst_ak("dAK").dst_sk("dSK"))
        .send()
        .await
        .unwrap();
    client
        .create_sync_events()
        .project_id("project")
        .sync_task_id(id.as_str())
        .body_map(|b| b.object_keys(["a.txt", "b%2Fc.txt"]))
        .send()
        .await
        .unwrap();
    let statistics = client
        .list_sync_task_statistic()
        .project_id("project")
        .sync_task_id(id.as_str())
        .data_type("REQUEST")
        .start_time(0)
        .end_time(1)
        .send()
        .await
        .unwrap()
        .into_inner();
    let series = statistics.statistic_datas.unwrap();
    assert_eq!(series[0].data.as_ref().unwrap()[0].statistic_num, Some(2));

    client
        .stop_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .send()
        .await
        .unwrap();
    client
        .delete_sync_task()
        .project_id("project")
        .sync_task_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(oms.task_status(&id), None);

    // Every request was signed, and every signature verified.
    let requests = oms.requests();
    assert_eq!(requests.len(), 9);
    assert!(requests.iter().all(|r| {
        r.header("authorization")
            .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256 Access=LIFECYCLEAK"))
    }));
}

#[tokio::test]
async fn at_most_five_tasks() {
    let (oms, client) = setup().await;
    for n in 0..5 {
        create(&client, n).await.unwrap();
    }
    let error = create(&client, 5).await.unwrap_err();
    assert_eq!(code(&error), "OMS.0064");
    assert_eq!(oms.task_ids().len(), 5);
}

#[tokio::test]
async fn unknown_tasks_are_refused() {
    let (_oms, client) = setup().await;
    let error = client
        .stop_sync_task()
        .project_id("project")
        .sync_task_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (error.status().unwrap().as_u16(), code(&error)),
        (400, "OMS.1009")
    );
    let error = client
        .create_sync_events()
        .project_id("project")
        .sync_task_id("nope")
        .body_map(|b| b.object_keys(["k"]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (error.status().unwrap().as_u16(), code(&error)),
        (404, "OMS.1009")
    );
}

#[tokio::test]
async fn the_server_refuses_a_forbidden_description_sent_by_another_client() {
    let (oms, _client) = setup().await;
    let response = reqwest::Client::new()
        .post(format!("{}/v2/project/sync-tasks", oms.base_url()))
        .header("X-Auth-Token", "token")
        .body(
            serde_json::json!({
                "src_region": "r", "src_bucket": "b", "src_ak": "a", "src_sk": "s",
                "dst_ak": "a", "dst_sk": "s", "dst_region": "r", "dst_bucket": "b",
                "description": "<script>"
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_code"], "OMS.0078");
    assert!(oms.task_ids().is_empty());
}

#[tokio::test]
async fn the_bucket_helpers_answer_from_the_source_buckets() {
    use oms_api::local::SourceBucket;
    let oms = LocalOms::builder()
        .source_bucket(SourceBucket::new("photos", "cn-hangzhou").object("2024/a.jpg", 3))
        .source_bucket(SourceBucket::new("logs", "cn-shanghai"))
        .start()
        .await
        .unwrap();
    let client = crate::server::local_client(&oms);
    let names = client
        .show_bucket_list()
        .project_id("p")
        .body_map(|b| b.cloud_type("Aliyun").ak("a").sk("s"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(names, ["logs", "photos"]);
    // The source cloud's keys are required (except for a URL source).
    let error = client
        .show_bucket_list()
        .project_id("p")
        .body_map(|b| b.cloud_type("Aliyun"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::server::service_code(&error), (400, "OMS.0064"));

    let region = client
        .show_bucket_region()
        .project_id("p")
        .body_map(|b| b.cloud_type("Aliyun").bucket_name("logs").ak("a").sk("s"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (region.id.as_deref(), region.support),
        (Some("cn-shanghai"), Some(true))
    );

    let prefix = |name: &'static str| {
        client.check_prefix().project_id("p").body_map(move |b| {
            b.cloud_type("Aliyun")
                .bucket_name("photos")
                .file_name(name)
                .data_center("cn-hangzhou")
                .ak("a")
                .sk("s")
        })
    };
    assert_eq!(
        prefix("2024/").send().await.unwrap().into_inner().exist,
        Some(true)
    );
    assert_eq!(
        prefix("2025/").send().await.unwrap().into_inner().exist,
        Some(false)
    );
    let error = client
        .check_prefix()
        .project_id("p")
        .body_map(|b| {
            b.cloud_type("Aliyun")
                .bucket_name("nope")
                .file_name("x")
                .data_center("r")
                .ak("a")
                .sk("s")
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::server::service_code(&error), (400, "OMS.0064"));

    // A CDN that authenticates needs its key.
    let error = client
        .show_cdn_info()
        .project_id("p")
        .body_map(|b| {
            crate::server::valid_cdn_info_body(b)
                .bucket("photos")
                .source_cdn(
                    oms_api::types::SourceCdnReq::builder()
                        .domain("cdn.example.com")
                        .protocol("https")
                        .authentication_type("ALIYUN_OSS_A"),
                )
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::server::service_code(&error), (400, "OMS.1032"));
}

#[tokio::test]
async fn url_list_files_are_checked_line_by_line() {
    let long_line = format!("https://example.com/{}", "x".repeat(65_536));
    let oms = LocalOms::builder()
        .list_file(
            "lists",
            "good.txt",
            "https://example.com/a.jpg\ta.jpg\nhttp://example.com/b\tb\n",
        )
        .list_file("lists", "empty.txt", "\n")
        .list_file("lists", "long.txt", long_line.as_str())
        .list_file(
            "lists",
            "ftp.txt",
            "https://example.com/a\nftp://example.com/b\n",
        )
        .start()
        .await
        .unwrap();
    let client = crate::server::local_client(&oms);
    let check = |key: &'static str| {
        client
            .check_url_source_list_file_format()
            .project_id("p")
            .body_map(move |b| b.obs_bucket("lists").list_file_key(key).ak("a").sk("s"))
            .send()
    };
    check("good.txt").await.unwrap();
    for (key, code) in [
        ("empty.txt", "TRF.0017"),
        ("long.txt", "TRF.0018"),
        ("ftp.txt", "TRF.0016"),
        ("missing.txt", "OMS.0064"),
    ] {
        let error = check(key).await.unwrap_err();
        assert_eq!(crate::server::service_code(&error), (400, code), "{key}");
    }
}

#[tokio::test]
async fn the_catalog_versions_and_privacy_agreement() {
    let oms = LocalOms::builder().start().await.unwrap();
    let client = crate::server::local_client(&oms);
    let sources = client
        .show_cloud_type()
        .project_id("p")
        .type_("src")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(sources.contains(&"Aliyun".to_owned()) && sources.contains(&"URLSource".to_owned()));
    let destinations = client
        .show_cloud_type()
        .project_id("p")
        .type_("dst")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(destinations, ["HuaweiCloud"]);
    let regions = client
        .show_region_info()
        .project_id("p")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        regions
            .iter()
            .any(|r| r.service_name.as_deref() == Some("AWS"))
    );

    let versions = client
        .list_api_versions()
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<_> = versions
        .versions
        .unwrap()
        .into_iter()
        .map(|v| (v.id.unwrap(), v.status.unwrap().to_string()))
        .collect();
    assert_eq!(
        ids,
        [
            ("v1".to_owned(), "SUPPORTED".to_owned()),
            ("v2".to_owned(), "CURRENT".to_owned())
        ]
    );
    let v2 = client
        .show_api_info()
        .version("v2")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        v2.links.unwrap()[0].href.as_deref(),
        Some(format!("{}/v2/", oms.base_url()).as_str())
    );
    let error = client
        .show_api_info()
        .version("v9")
        .send()
        .await
        .unwrap_err();
    assert_eq!(crate::server::service_code(&error), (404, "APIGW.0101"));

    assert!(!oms.privacy_agreed());
    client
        .update_privacy_agreement_record()
        .project_id("p")
        .send()
        .await
        .unwrap();
    assert!(oms.privacy_agreed());
}
