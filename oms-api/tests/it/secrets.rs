//! A canary secret fed through every path never shows up in Debug output,
//! Display, errors or logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::server::{Canned, CannedServer};
use oms_api::local::LocalOms;
use oms_api::{Client, Credentials, types};

const CANARY: &str = "CANARY-7f3a9c-DO-NOT-PRINT";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "{what} shows the secret: {text}");
}

fn secret_body() -> types::builder::StartSyncTaskReq {
    types::StartSyncTaskReq::builder()
        .dst_ak("dst-ak")
        .dst_sk(CANARY)
        .src_ak("src-ak")
        .src_sk(CANARY)
        .source_cdn_authentication_key(CANARY)
}

#[test]
fn request_bodies_and_their_builders_hide_secrets() {
    let builder = secret_body();
    assert_hidden("the body builder's Debug", &format!("{builder:?}"));
    assert_hidden("the body builder's pretty Debug", &format!("{builder:#?}"));
    let body = types::StartSyncTaskReq::try_from(builder).unwrap();
    assert_hidden("the body's Debug", &format!("{body:?}"));
    assert_hidden("the body's pretty Debug", &format!("{body:#?}"));
    // Serialized for the wire, the value is there, as the service needs it.
    assert!(serde_json::to_string(&body).unwrap().contains(CANARY));
}

#[test]
fn a_secret_the_spec_declares_inline_is_hidden_as_a_named_one() {
    // The seed body's CDN key is declared inline in the spec (no `$ref`):
    // the canary tests here cover a secret the generator had to name.
    let spec = include_str!("../../openapi/oms.yaml");
    let body = &spec[spec.find("\n    StartSyncTaskReq:\n").unwrap()..];
    let property = &body[body
        .find("\n        source_cdn_authentication_key:\n")
        .unwrap()
        + 1..];
    let end = property[1..].find("\n        s").unwrap() + 1;
    let declared = &property[..end];
    assert!(
        declared.contains("x-oms-secret: true") && !declared.contains("$ref"),
        "{declared}"
    );
    let body = types::StartSyncTaskReq::try_from(secret_body()).unwrap();
    let key = body.source_cdn_authentication_key.as_ref().unwrap();
    assert_hidden("the key's Display", &key.to_string());
    assert_hidden("the key's Debug", &format!("{key:?}"));
    assert_eq!(key.expose_secret(), CANARY, "the value itself is kept");
}

#[test]
fn credentials_and_clients_hide_the_token() {
    let credentials = Credentials::iam_token(CANARY).unwrap();
    assert_hidden("the credentials' Debug", &format!("{credentials:?}"));
    let builder = Client::builder()
        .endpoint("http://127.0.0.1:1")
        .credentials(credentials);
    assert_hidden("the client builder's Debug", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_hidden("the client's Debug", &format!("{client:?}"));
    assert_hidden("the client's pretty Debug", &format!("{client:#?}"));
    let request = client
        .start_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .body(secret_body());
    assert_hidden("the operation builder's Debug", &format!("{request:?}"));
}

#[test]
fn validation_errors_never_echo_a_secret() {
    let too_long = format!("{CANARY}{}", "x".repeat(100));
    for error in [
        Credentials::iam_token(format!("{CANARY}{}", "x".repeat(16384))).unwrap_err(),
        Credentials::iam_token(format!("{CANARY}\n")).unwrap_err(),
    ] {
        assert_hidden("a credentials error", &format!("{error} {error:?}"));
    }
    let builder = types::StartSyncTaskReq::builder()
        .dst_ak("a")
        .dst_sk(too_long.as_str())
        .src_sk(too_long.as_str())
        .source_cdn_authentication_key(format!("{too_long}{}", "y".repeat(255)));
    assert_hidden("a failed body builder's Debug", &format!("{builder:?}"));
    let error = types::StartSyncTaskReq::try_from(builder).unwrap_err();
    assert_hidden("a body conversion error", &format!("{error} {error:?}"));
}

/// Captures everything logged at every level while `f` runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log check runs alone (see `run_in_a_process_of_their_own`).
#[test]
fn errors_and_logs_of_real_calls_never_show_secrets() {
    crate::server::run_in_a_process_of_their_own("secrets::logs_in_a_process_of_their_own", 1);
}

#[tokio::test]
#[ignore = "run in a process of its own by errors_and_logs_of_real_calls_never_show_secrets"]
async fn logs_in_a_process_of_their_own() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut seen = Vec::new();
    // A service error, a transport error, and a success through the local OMS.
    let server = CannedServer::start(Canned::new(
        400,
        r#"{"error_code":"OMS.0001","error_msg":"bad"}"#,
    ))
    .await;
    let closed = crate::server::closed_port();
    let port = closed.port();
    let oms = LocalOms::builder()
        .sync_task("t", oms_api::local::TaskStatus::Stopped)
        .start()
        .await
        .unwrap();
    for endpoint in [
        server.url().to_owned(),
        format!("http://127.0.0.1:{port}"),
        oms.base_url(),
    ] {
        let client = Client::builder()
            .endpoint(&endpoint)
            .credentials(Credentials::iam_token(CANARY).unwrap())
            .build()
            .unwrap();
        let result = client
            .start_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .body(secret_body())
            .send()
            .await;
        match result {
            Ok(response) => seen.push(format!("{:?}", response.headers())),
            Err(error) => {
                seen.push(format!("{error} {error:?}"));
                seen.push(format!("{error} {error:?}"));
            }
        }
    }
    assert_eq!(seen.len(), 5, "two errors in both forms, one success");
    for text in &seen {
        assert_hidden("an error or response", text);
    }
    // The local OMS saw the secrets (it must), but prints them masked.
    let received = oms.requests();
    assert!(String::from_utf8_lossy(received[0].body()).contains(CANARY));
    assert_hidden("a recorded request's Debug", &format!("{:?}", received[0]));
    assert_hidden(
        "a recorded request's redacted form",
        &received[0].redacted(),
    );

    // Every secret field of every request, through the local OMS: what
    // fails, fails without showing them; what it records, it masks.
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::iam_token(CANARY).unwrap())
        .build()
        .unwrap();
    let before = oms.requests().len();
    for (id, body, secrets) in bodies_with_every_secret() {
        if let Err(error) = check_and_send(&client, id, body, secrets).await {
            assert_hidden(id, &format!("{error} {error:?}"));
        }
    }
    let received = oms.requests();
    assert_eq!(received.len(), before + 11);
    for request in &received[before..] {
        assert!(String::from_utf8_lossy(request.body()).contains(CANARY));
        assert_hidden("a recorded request", &format!("{request:?}"));
        assert_hidden("a recorded request", &request.redacted());
    }

    // Keys from the ECS metadata service: neither the secret key nor the
    // security token it hands out is ever printed.
    let metadata = CannedServer::answering(|request| {
        if request.method == "PUT" {
            Canned::new(200, "session-token")
        } else {
            let body = serde_json::json!({"credential": {
                "access": "META-AK", "secret": CANARY, "securitytoken": CANARY,
                "expires_at": "2099-01-01T00:00:00.000000Z"
            }});
            Canned::new(200, &body.to_string())
        }
    })
    .await;
    let oms = LocalOms::builder()
        .temporary_access_key("META-AK", CANARY, CANARY)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials_provider(
            oms_api::credentials::EcsMetadata::new()
                .endpoint(metadata.url())
                .unwrap(),
        )
        .build()
        .unwrap();
    assert_hidden("a client with a provider", &format!("{client:?}"));
    let listed = client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .unwrap();
    assert_hidden("a response", &format!("{listed:?}"));
    let sent = &oms.requests()[0];
    assert_eq!(sent.header("x-security-token"), Some(CANARY));
    assert_hidden("a recorded request", &format!("{sent:?}"));

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    // Every line inside a call carries its spans' fields: those are
    // checked for secrets with the rest.
    assert!(
        logs.contains("oms.operation{otel.name=\"ListSyncTasks\"") && logs.contains("oms.attempt{"),
        "the client logs its spans: {logs}"
    );
    assert!(
        logs.contains("got temporary keys from the ECS metadata service"),
        "the client logs: {logs}"
    );
    assert_hidden("the logs", &logs);
}

/// A body for each operation that carries secrets, with the canary in every
/// secret field of the reference's §1.3 (and valid values elsewhere), and
/// how many secret fields it has.
fn bodies_with_every_secret() -> Vec<(&'static str, serde_json::Value, usize)> {
    use serde_json::json;
    let cdn = json!({
        "domain": "cdn.example.com", "protocol": "https",
        "authentication_type": "QINIU_PRIVATE_AUTHENTICATION", "authentication_key": CANARY
    });
    let src = json!({
        "cloud_type": "Azure", "region": "eastus", "ak": "a", "sk": CANARY,
        "security_token": CANARY, "connection_string": CANARY, "json_auth_file": CANARY,
        "bucket": "src", "object_key": [""]
    });
    let dst =
        json!({"ak": "a", "sk": CANARY, "security_token": CANARY, "bucket": "d", "region": "r"});
    let group_src = json!({
        "cloud_type": "AZURE", "region": "eastus", "ak": "a", "sk": CANARY,
        "connection_string": CANARY, "json_auth_file": CANARY, "bucket": "src"
    });
    let group_dst = json!({"ak": "a", "sk": CANARY, "bucket": "d", "region": "r"});
    let helper = |extra: serde_json::Value| {
        let mut body = json!({
            "cloud_type": "Azure", "ak": "a", "sk": CANARY,
            "connection_string": CANARY, "json_auth_file": CANARY
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    vec![
        (
            "CreateTask",
            json!({"src_node": src, "dst_node": dst, "source_cdn": cdn}),
            7,
        ),
        (
            "StartTask",
            json!({
                "src_ak": "a", "src_sk": CANARY, "src_security_token": CANARY,
                "connection_string": CANARY, "json_auth_file": CANARY,
                "dst_ak": "a", "dst_sk": CANARY, "dst_security_token": CANARY,
                "source_cdn_authentication_key": CANARY
            }),
            7,
        ),
        (
            "CreateTaskGroup",
            json!({"src_node": group_src, "dst_node": group_dst, "source_cdn": cdn}),
            5,
        ),
        (
            "StartTaskGroup",
            json!({
                "src_ak": "a", "src_sk": CANARY, "connection_string": CANARY,
                "json_auth_file": CANARY, "dst_ak": "a", "dst_sk": CANARY,
                "source_cdn_authentication_key": CANARY
            }),
            5,
        ),
        (
            "RetryTaskGroup",
            json!({
                "src_sk": CANARY, "connection_string": CANARY, "json_auth_file": CANARY,
                "dst_sk": CANARY, "source_cdn_authentication_key": CANARY
            }),
            5,
        ),
        ("ShowBucketList", helper(json!({})), 3),
        (
            "ShowBucketObjects",
            helper(json!({
                "bucket_name": "b", "file_path": "", "data_center": "r",
                "page_size": 10, "behind_filename": ""
            })),
            3,
        ),
        ("ShowBucketRegion", helper(json!({"bucket_name": "b"})), 3),
        (
            "ShowCdnInfo",
            json!({
                "cloud_type": "Aliyun", "region": "r", "bucket": "b", "ak": "a", "sk": CANARY,
                "connection_string": CANARY, "source_cdn": cdn
            }),
            3,
        ),
        (
            "CheckPrefix",
            helper(json!({
                "bucket_name": "b", "file_name": "x", "data_center": "r", "security_token": CANARY
            })),
            4,
        ),
        (
            "CheckUrlSourceListFileFormat",
            json!({"obs_bucket": "o", "list_file_key": "k", "ak": "a", "sk": CANARY}),
            1,
        ),
    ]
}

/// Decodes `body` as operation `id`'s request type; its Debug output, and
/// the operation builder's, must hide every secret; it must serialize with
/// `secrets` of them. Then sends it.
async fn check_and_send(
    client: &Client,
    id: &str,
    body: serde_json::Value,
    secrets: usize,
) -> Result<(), oms_api::Error> {
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug>(
        id: &str,
        body: serde_json::Value,
        secrets: usize,
    ) -> T {
        let typed: T = serde_json::from_value(body).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_hidden(id, &format!("{typed:?} {typed:#?}"));
        let wire = serde_json::to_string(&typed).unwrap();
        assert_eq!(wire.matches(CANARY).count(), secrets, "{id}: {wire}");
        typed
    }
    macro_rules! send {
        ($op:ident, $type:ty $(, $param:ident = $value:expr)*) => {{
            let request = client
                .$op()
                .project_id("p")
                $(.$param($value))*
                .body(typed::<$type>(id, body, secrets));
            assert_hidden(id, &format!("{request:?}"));
            request.send().await.map(drop)
        }};
    }
    match id {
        "CreateTask" => send!(create_task, types::CreateTaskReq),
        "StartTask" => send!(start_task, types::StartTaskReq, task_id = 1),
        "CreateTaskGroup" => send!(create_task_group, types::CreateTaskGroupReq),
        "StartTaskGroup" => send!(start_task_group, types::StartTaskGroupReq, group_id = "g"),
        "RetryTaskGroup" => send!(retry_task_group, types::RetryTaskGroupReq, group_id = "g"),
        "ShowBucketList" => send!(show_bucket_list, types::ListBucketsReq),
        "ShowBucketObjects" => send!(show_bucket_objects, types::ShowBucketReq),
        "ShowBucketRegion" => send!(show_bucket_region, types::ShowBucketRegionReq),
        "ShowCdnInfo" => send!(show_cdn_info, types::ShowCdnInfoReq),
        "CheckPrefix" => send!(check_prefix, types::CheckPrefixReq),
        "CheckUrlSourceListFileFormat" => {
            send!(
                check_url_source_list_file_format,
                types::CheckUrlSourceListFileFormatReq
            )
        }
        other => panic!("no request for {other}"),
    }
}

#[tokio::test]
async fn every_secret_field_of_every_request_is_hidden() {
    // A success, and an error whose message names the request.
    for status in [200, 400] {
        let server = CannedServer::answering(move |request| {
            if status == 200 {
                crate::security::answer(request)
            } else {
                Canned::new(
                    400,
                    r#"{"error_code":"OMS.0064","error_msg":"invalid request"}"#,
                )
            }
        })
        .await;
        let client = server.client("token");
        for (id, body, secrets) in bodies_with_every_secret() {
            match check_and_send(&client, id, body, secrets).await {
                Ok(()) => assert_eq!(status, 200, "{id}"),
                Err(error) => assert_hidden(id, &format!("{error} {error:?}")),
            }
        }
        // Every request carried its secrets to the server, and only there.
        let received: Vec<String> = server
            .requests()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect();
        assert_eq!(received.len(), 11);
        assert!(received.iter().all(|body| body.contains(CANARY)));
    }
}

/// Decodes `text` as the request type of operation `id`.
fn parse(id: &str, text: &str) -> Result<(), serde_json::Error> {
    fn as_<T: serde::de::DeserializeOwned>(text: &str) -> Result<(), serde_json::Error> {
        serde_json::from_str::<T>(text).map(drop)
    }
    match id {
        "CreateTask" => as_::<types::CreateTaskReq>(text),
        "StartTask" => as_::<types::StartTaskReq>(text),
        "CreateTaskGroup" => as_::<types::CreateTaskGroupReq>(text),
        "StartTaskGroup" => as_::<types::StartTaskGroupReq>(text),
        "RetryTaskGroup" => as_::<types::RetryTaskGroupReq>(text),
        "ShowBucketList" => as_::<types::ListBucketsReq>(text),
        "ShowBucketObjects" => as_::<types::ShowBucketReq>(text),
        "ShowBucketRegion" => as_::<types::ShowBucketRegionReq>(text),
        "ShowCdnInfo" => as_::<types::ShowCdnInfoReq>(text),
        "CheckPrefix" => as_::<types::CheckPrefixReq>(text),
        "CheckUrlSourceListFileFormat" => as_::<types::CheckUrlSourceListFileFormatReq>(text),
        other => panic!("no request for {other}"),
    }
}

#[test]
fn too_long_secrets_are_refused_without_being_shown() {
    let long = format!("{CANARY}{}", "x".repeat(70_000));
    for (id, body, _) in bodies_with_every_secret() {
        parse(id, &body.to_string()).unwrap_or_else(|e| panic!("{id}: {e}"));
        let error = parse(id, &body.to_string().replace(CANARY, &long)).unwrap_err();
        assert_hidden(id, &format!("{error} {error:?}"));
    }
    let builder = types::StartTaskReq::builder()
        .dst_ak("a")
        .dst_sk(long.as_str())
        .json_auth_file(long.as_str());
    assert_hidden("a failed builder", &format!("{builder:?}"));
    let error = types::StartTaskReq::try_from(builder).unwrap_err();
    assert_hidden("a conversion error", &format!("{error} {error:?}"));
}
