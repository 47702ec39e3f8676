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

/// Tracing decides once per call site, for the whole process, whether anyone
/// listens, and a subscriber set for one thread races with the threads of
/// other tests that reach a call site first: an event can go unseen. So the
/// log check runs alone, in a child process of this test binary.
#[test]
fn errors_and_logs_of_real_calls_never_show_secrets() {
    let test = "secrets::logs_in_a_process_of_their_own";
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test: {stdout}{stderr}"
    );
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
    let port = crate::server::closed_port();
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

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("sending OMS request"),
        "the client logs: {logs}"
    );
    assert_hidden("the logs", &logs);
}
