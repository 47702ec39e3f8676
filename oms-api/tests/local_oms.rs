//! The embedded local OMS behaves like the service for StartSyncTask.

use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{Client, Credentials, Error};

async fn start(oms: &LocalOms, token: &str, task: &str) -> Result<(), Error> {
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token(token)?)
        .build()?
        .start_sync_task()
        .project_id("project")
        .sync_task_id(task)
        .body_map(|b| b.dst_ak("ak").dst_sk("sk"))
        .send()
        .await?;
    Ok(())
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
