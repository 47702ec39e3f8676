//! The generated httpmock helpers (feature `mock`), used the way a user of
//! this crate would in their own tests.

use oms_api::mock::MockServerExt;
use oms_api::types::{self, SyncTaskStatus};
use oms_api::{Client, Credentials, OpenEnum};

fn client(server: &oms_api::mock::httpmock::MockServer) -> Client {
    Client::builder()
        .endpoint(&server.base_url())
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_typed_list_mock_answers_a_typed_page() {
    let server = oms_api::mock::httpmock::MockServer::start_async().await;
    let page = types::ListSyncTasksResp {
        count: Some(1),
        tasks: Some(vec![types::SyncTaskInfo {
            sync_task_id: Some("task-1".to_owned()),
            status: Some(OpenEnum::Known(SyncTaskStatus::Stopped)),
            ..Default::default()
        }]),
    };
    let listed = server.list_sync_tasks(|when, then| {
        when.project_id(&"project".parse().unwrap())
            .status(SyncTaskStatus::Stopped);
        then.ok(&page);
    });
    let answer = client(&server)
        .list_sync_tasks()
        .project_id("project")
        .status(SyncTaskStatus::Stopped)
        .send()
        .await
        .unwrap()
        .into_inner();
    listed.assert();
    assert_eq!(answer, page);
}

#[tokio::test]
async fn a_typed_error_mock_surfaces_as_a_service_error() {
    let server = oms_api::mock::httpmock::MockServer::start_async().await;
    let refused = server.delete_sync_task(|when, then| {
        when.sync_task_id(&"busy".parse().unwrap());
        then.bad_request(&types::ApiError {
            error_code: "OMS.0063".to_owned(),
            error_msg: "stop the task first".to_owned(),
            request_id: None,
        });
    });
    let error = client(&server)
        .delete_sync_task()
        .project_id("project")
        .sync_task_id("busy")
        .send()
        .await
        .unwrap_err();
    refused.assert();
    assert_eq!(error.as_service_error().unwrap().code(), "OMS.0063");
}
