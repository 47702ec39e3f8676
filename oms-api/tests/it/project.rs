//! The project id of operations that leave it out: the client's own, or
//! discovered from IAM (played by the local OMS) once per client — one,
//! none and several projects, 100 concurrent first calls, failures kept
//! for a moment — and `Client::describe`. `shared_lookups` has IAM failing
//! and silent under hundreds of calls.

use oms_api::local::{DEFAULT_PROJECT_ID, LocalOms, LocalOmsBuilder, TaskStatus};
use oms_api::{Client, ClientBuilder, Credentials, Error, Region};

const AK: &str = "PROJECTAKPROJECTAK01";
const SK: &str = "project-secret-key";

async fn oms(builder: LocalOmsBuilder) -> LocalOms {
    builder
        .access_key(AK, SK)
        .sync_task("t", TaskStatus::Stopped)
        .start()
        .await
        .unwrap()
}

/// A client for `oms` in cn-north-4 that asks it, as IAM, for its project.
fn discovering(oms: &LocalOms) -> ClientBuilder {
    Client::builder()
        .region(Region::CnNorth4)
        .endpoint(&oms.base_url())
        .iam_endpoint(&oms.base_url())
        .credentials(Credentials::access_key(AK, SK).unwrap())
}

async fn list(client: &Client) -> Result<(), Error> {
    client.list_sync_tasks().send().await.map(drop)
}

fn iam_queries(oms: &LocalOms) -> usize {
    oms.requests()
        .iter()
        .filter(|r| r.path() == "/v3/projects")
        .count()
}

#[tokio::test]
async fn the_one_project_of_the_region_is_found_once_and_used() {
    let oms = oms(LocalOms::builder().project("cn-north-4", "found-project-1")).await;
    let client = discovering(&oms).build().unwrap();
    assert!(client.describe().project_id.ends_with("(not asked yet)"));
    list(&client).await.unwrap();
    let sent = oms.requests();
    assert_eq!(sent[0].target(), "/v3/projects?name=cn-north-4");
    assert!(
        sent[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("SDK-HMAC-SHA256 Access=PROJECTAK"))
    );
    assert_eq!(sent[1].target(), "/v2/found-project-1/sync-tasks");
    assert_eq!(sent[1].header("x-project-id"), Some("found-project-1"));
    assert!(client.describe().project_id.ends_with("(found)"));
    // An operation that names its project uses it.
    client
        .list_sync_tasks()
        .project_id("named-project")
        .send()
        .await
        .unwrap();
    assert_eq!(oms.requests()[2].target(), "/v2/named-project/sync-tasks");
    assert_eq!(iam_queries(&oms), 1);
}

#[tokio::test]
async fn a_hundred_concurrent_first_calls_ask_iam_once() {
    let oms = oms(LocalOms::builder()).await;
    let client = discovering(&oms).build().unwrap();
    let calls: Vec<_> = (0..100).map(|_| list(&client)).collect();
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(iam_queries(&oms), 1);
    let expected = format!("/v2/{DEFAULT_PROJECT_ID}/sync-tasks");
    assert_eq!(
        oms.requests()
            .iter()
            .filter(|r| r.target() == expected)
            .count(),
        100
    );
}

#[tokio::test]
async fn none_or_several_projects_are_an_error_naming_the_region() {
    for (builder, problem) in [
        (
            LocalOms::builder().project("cn-south-1", "elsewhere"),
            "there is none for these credentials: give the project id (in code, HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the profile file)",
        ),
        (
            LocalOms::builder()
                .project("cn-north-4", "first")
                .project("cn-north-4", "second"),
            "there are 2: give the project id (in code, HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the profile file)",
        ),
        (
            LocalOms::builder().project("cn-north-4", "../other-project"),
            "answered a project id that is not valid",
        ),
    ] {
        let oms = oms(builder).await;
        let client = discovering(&oms).build().unwrap();
        let error = list(&client).await.unwrap_err();
        let (origin, key, found) = crate::server::config_error(&error);
        let host = oms.base_url().replace("http://", "");
        assert_eq!(origin, format!("IAM at {host}"));
        assert_eq!((key, found), ("projects named cn-north-4", problem));
        assert_eq!(error.service(), Some(oms_api::Service::Iam));
        // A failure is remembered for a moment: the next call gets it
        // without asking; after that moment, IAM is asked again. Only IAM
        // was asked.
        assert_eq!(
            list(&client).await.unwrap_err().to_string(),
            error.to_string()
        );
        assert_eq!(iam_queries(&oms), 1);
        tokio::time::sleep(oms_api::LOOKUP_FAILURE_MEMORY).await;
        list(&client).await.unwrap_err();
        assert_eq!(iam_queries(&oms), 2);
        assert_eq!(oms.requests().len(), 2, "nothing reached OMS");
    }
}

#[tokio::test]
async fn an_iam_refusal_is_a_service_error() {
    let oms = oms(LocalOms::builder()).await;
    let client = discovering(&oms)
        .credentials(Credentials::access_key(AK, "not-the-secret-key").unwrap())
        .build()
        .unwrap();
    let error = list(&client).await.unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(
        (service.status().as_u16(), service.code()),
        (401, "APIGW.0301")
    );
    assert!(service.request_id().is_some());
}

#[tokio::test]
async fn a_project_given_anywhere_is_used_without_asking_iam() {
    let oms = oms(LocalOms::builder()).await;
    // In code.
    let client = discovering(&oms)
        .project_id("code-project")
        .build()
        .unwrap();
    list(&client).await.unwrap();
    assert_eq!(oms.requests()[0].target(), "/v2/code-project/sync-tasks");
    assert_eq!(
        client.describe().project_id,
        "given in code (ClientBuilder::project_id)"
    );
    // With the credentials, from the environment.
    let client = Client::builder()
        .region(Region::CnNorth4)
        .endpoint(&oms.base_url())
        .iam_endpoint(&oms.base_url())
        .environment(oms_api::credentials::Environment::from_pairs([
            ("HUAWEICLOUD_SDK_AK", AK),
            ("HUAWEICLOUD_SDK_SK", SK),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
        ]))
        .build()
        .unwrap();
    list(&client).await.unwrap();
    assert_eq!(oms.requests()[1].target(), "/v2/env-project/sync-tasks");
    assert_eq!(iam_queries(&oms), 0);
    let description = client.describe();
    assert_eq!(
        description.credentials,
        "access key, from the environment (HUAWEICLOUD_SDK_AK)"
    );
    assert_eq!(
        description.project_id,
        "the environment (HUAWEICLOUD_SDK_PROJECT_ID)"
    );
    // An invalid project id in code is refused when the client is built.
    let error = discovering(&oms).project_id("a/b").build().unwrap_err();
    assert!(matches!(error, Error::Validation(_)), "{error:?}");
}

#[tokio::test]
async fn without_a_region_or_keys_each_operation_names_its_project() {
    let oms = oms(LocalOms::builder()).await;
    // A token cannot sign IAM's query; an endpoint alone names no region.
    for client in [
        Client::builder()
            .region(Region::CnNorth4)
            .endpoint(&oms.base_url())
            .credentials(Credentials::iam_token("token").unwrap())
            .build()
            .unwrap(),
        Client::builder()
            .endpoint(&oms.base_url())
            .credentials(Credentials::access_key(AK, SK).unwrap())
            .build()
            .unwrap(),
    ] {
        let error = list(&client).await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid project_id: is required: give it to the operation"),
            "{error}"
        );
        assert!(
            client
                .describe()
                .project_id
                .starts_with("none: each operation names its project")
        );
    }
    assert!(oms.requests().is_empty());
}

#[test]
fn describe_never_shows_a_value() {
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("credentials");
    std::fs::write(
        &profile,
        "[basic]\nak = PROFILE-AK\nsk = PROFILE-SECRET\nproject_id = profile-project\n",
    )
    .unwrap();
    let client = Client::builder()
        .region(Region::ApSoutheast1)
        .environment(oms_api::credentials::Environment::from_pairs([
            (
                "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
                profile.to_str().unwrap(),
            ),
            (
                "HUAWEICLOUD_SDK_REGION_OMS_AP_SOUTHEAST_1",
                "https://oms.proxy.example.com",
            ),
        ]))
        .build()
        .unwrap();
    let description = client.describe().to_string();
    assert_eq!(
        description,
        format!(
            "credentials: access key, from the profile file {0}\nproject id: the profile file {0} (project_id)\nendpoint: https://oms.proxy.example.com, from the environment (HUAWEICLOUD_SDK_REGION_OMS_AP_SOUTHEAST_1)\nflow control: on: up to 16 requests in flight per operation until OMS throttles it, then a paced rate per operation (at least 0.5/s); throttled requests wait for a slot until their deadline\nretry budget: 500 tokens; a retry costs 5, after a timeout 10; a success returns 1",
            profile.display()
        )
    );
    for value in ["PROFILE-AK", "PROFILE-SECRET", "profile-project"] {
        assert!(!description.contains(value), "{description}");
    }
}
