//! Signed requests on the wire, against the local OMS, which recomputes
//! every signature with our signer and refuses mismatches with APIGW.0301.

use oms_api::local::{LocalOms, TaskStatus};
use std::time::SystemTime;

use oms_api::{Client, Credentials, Error};

const AK: &str = "TESTAKTESTAKTESTAK01";
const SK: &str = "TestSecretKeyTestSecretKeyTestSecretKey0";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const TASK: &str = "0d146099-8cf4-437d-b6ef-88e043771c8b";
const SECURITY_TOKEN: &str = "FAKE-SECURITY-TOKEN-abc123+/=";

async fn oms() -> LocalOms {
    LocalOms::builder()
        .access_key(AK, SK)
        .temporary_access_key("TEMPAK", "temp-sk", SECURITY_TOKEN)
        .sync_task(TASK, TaskStatus::Stopped)
        .start()
        .await
        .unwrap()
}

fn client(oms: &LocalOms, credentials: Credentials) -> Client {
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(credentials)
        .build()
        .unwrap()
}

async fn start(client: &Client) -> Result<(), Error> {
    client
        .start_sync_task()
        .project_id(PROJECT)
        .sync_task_id(TASK)
        .body_map(|b| {
            b.dst_ak("dstAK")
                .dst_sk("dstSK")
                .src_ak("srcAK")
                .src_sk("srcSK")
        })
        .send()
        .await?;
    Ok(())
}

fn assert_refused(error: &Error) {
    let e = error
        .as_service_error()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"));
    assert_eq!(
        (e.status().as_u16(), e.code()),
        (401, "APIGW.0301"),
        "{error}"
    );
}

#[tokio::test]
async fn a_signed_start_is_accepted_by_the_verifying_server() {
    let oms = oms().await;
    let credentials = Credentials::access_key(AK, SK)
        .unwrap()
        .with_project_id(PROJECT)
        .unwrap();
    start(&client(&oms, credentials)).await.unwrap();
    assert_eq!(oms.task_status(TASK), Some(TaskStatus::Synchronizing));

    let sent = &oms.requests()[0];
    assert_eq!(sent.header("x-project-id"), Some(PROJECT));
    assert_eq!(sent.header("x-auth-token"), None);
    assert_eq!(
        sent.header("host"),
        Some(oms.base_url().trim_start_matches("http://"))
    );
    let authorization = sent.header("authorization").unwrap();
    assert!(
        authorization.starts_with(
            "SDK-HMAC-SHA256 Access=TESTAKTESTAKTESTAK01, SignedHeaders=accept;content-type;host;user-agent;x-project-id;x-sdk-date, Signature="
        ),
        "{authorization}"
    );
}

#[tokio::test]
async fn temporary_credentials_send_and_sign_the_security_token() {
    let oms = oms().await;
    let credentials =
        Credentials::temporary_access_key("TEMPAK", "temp-sk", SECURITY_TOKEN).unwrap();
    start(&client(&oms, credentials)).await.unwrap();
    let sent = &oms.requests()[0];
    assert_eq!(sent.header("x-security-token"), Some(SECURITY_TOKEN));
    assert!(
        sent.header("authorization")
            .unwrap()
            .contains(";x-security-token, Signature=")
    );

    // The same keys with another token are refused.
    let credentials =
        Credentials::temporary_access_key("TEMPAK", "temp-sk", "another-token").unwrap();
    assert_refused(&start(&client(&oms, credentials)).await.unwrap_err());
}

#[tokio::test]
async fn a_wrong_secret_key_or_unknown_access_key_is_refused() {
    let oms = oms().await;
    for credentials in [
        Credentials::access_key(AK, "not-the-secret-key").unwrap(),
        Credentials::access_key("UNKNOWNAK", SK).unwrap(),
    ] {
        assert_refused(&start(&client(&oms, credentials)).await.unwrap_err());
    }
    assert_eq!(oms.task_status(TASK), Some(TaskStatus::Stopped));
}

/// A request signed as the client signs, with a query so that tampering
/// with it can be tried too; sent by a plain HTTP client.
fn signed_request(oms: &LocalOms) -> reqwest::Request {
    let mut request = reqwest::Client::new()
        .post(format!(
            "{}/v2/{PROJECT}/sync-tasks/{TASK}/start?b=2&a=1+1",
            oms.base_url()
        ))
        .header("Content-Type", "application/json")
        .body(r#"{"dst_ak":"dstAK","dst_sk":"dstSK"}"#)
        .build()
        .unwrap();
    Credentials::access_key(AK, SK)
        .unwrap()
        .authenticate(&mut request, SystemTime::now())
        .unwrap();
    request
}

async fn status_of(request: reqwest::Request) -> u16 {
    reqwest::Client::new()
        .execute(request)
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn tampering_with_any_signed_part_is_detected() {
    let oms = oms().await;

    let untouched = signed_request(&oms);
    // The query sent is the canonical one that was signed.
    assert_eq!(untouched.url().query(), Some("a=1%201&b=2"));
    assert_eq!(status_of(untouched).await, 200);

    let mut body = signed_request(&oms);
    *body.body_mut() = Some(r#"{"dst_ak":"dstAK","dst_sk":"other"}"#.into());
    assert_eq!(status_of(body).await, 401, "tampered body");

    let mut path = signed_request(&oms);
    path.url_mut()
        .set_path(&format!("/v2/{PROJECT}/sync-tasks/other-task/start"));
    assert_eq!(status_of(path).await, 401, "tampered path");

    let mut query = signed_request(&oms);
    query.url_mut().set_query(Some("a=1%201&b=3"));
    assert_eq!(status_of(query).await, 401, "tampered query");

    let mut header = signed_request(&oms);
    header
        .headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    assert_eq!(status_of(header).await, 401, "tampered signed header");

    let mut unsigned = signed_request(&oms);
    unsigned
        .headers_mut()
        .insert("x-not-signed", "added later".parse().unwrap());
    assert_eq!(
        status_of(unsigned).await,
        200,
        "a header added after signing is not covered, as with the gateway"
    );
}

#[tokio::test]
async fn an_old_signature_is_expired_unless_the_server_allows_replays() {
    let capture_date = "20240102T030405Z";
    for (check, expected) in [(true, 401), (false, 200)] {
        let oms = LocalOms::builder()
            .access_key(AK, SK)
            .check_clock_skew(check)
            .sync_task(TASK, TaskStatus::Stopped)
            .start()
            .await
            .unwrap();
        let mut request = reqwest::Client::new()
            .post(format!(
                "{}/v2/{PROJECT}/sync-tasks/{TASK}/start",
                oms.base_url()
            ))
            .header("Content-Type", "application/json")
            .header("X-Sdk-Date", capture_date)
            .body(r#"{"dst_ak":"a","dst_sk":"s"}"#)
            .build()
            .unwrap();
        Credentials::access_key(AK, SK)
            .unwrap()
            .authenticate(&mut request, SystemTime::now())
            .unwrap();
        assert_eq!(
            status_of(request).await,
            expected,
            "clock skew checked: {check}"
        );
    }
}

#[tokio::test]
async fn a_streaming_body_is_an_error_not_an_unsigned_request() {
    let oms = oms().await;
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{}"))]);
    let mut request = reqwest::Client::new()
        .post(format!(
            "{}/v2/{PROJECT}/sync-tasks/{TASK}/start",
            oms.base_url()
        ))
        .body(reqwest::Body::wrap_stream(stream))
        .build()
        .unwrap();
    let error = Credentials::access_key(AK, SK)
        .unwrap()
        .authenticate(&mut request, SystemTime::now())
        .unwrap_err();
    assert!(matches!(error, Error::Signing(_)), "{error:?}");
    assert!(error.to_string().contains("streaming body"), "{error}");
    assert!(request.headers().get("authorization").is_none());
    assert!(oms.requests().is_empty());
}
