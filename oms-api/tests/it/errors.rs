//! Error responses of every shape, and transport failures, decode into
//! `oms_api::Error` with status, code, message and request id readable.

use std::time::Duration;

use crate::server::{Canned, CannedServer};
use oms_api::{Client, Credentials, Error};

async fn start_against(reply: Canned) -> Error {
    let server = CannedServer::start(reply).await;
    let error = call(&server.client("token")).await;
    // Every answer is OMS's, at the server's host.
    assert_eq!(error.service(), Some(oms_api::Service::Oms), "{error:?}");
    assert_eq!(error.host(), server.url().strip_prefix("http://"));
    error
}

async fn call(client: &Client) -> Error {
    crate::server::start_sync_task(client, "p", "t")
        .await
        .expect_err("the server answers an error")
}

fn service(error: &Error) -> &oms_api::ServiceError {
    error
        .as_service_error()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"))
}

#[tokio::test]
async fn oms_error_with_request_id_header() {
    let error = start_against(
        Canned::new(
            400,
            r#"{"error_code":"OMS.0054","error_msg":"Invalid task id."}"#,
        )
        .header("Content-Type", "application/json")
        .header("X-Request-Id", "0f4b5b0b2c8d4e6f"),
    )
    .await;
    let e = service(&error);
    assert_eq!(e.status(), 400);
    assert_eq!(e.code(), "OMS.0054");
    assert_eq!(e.message(), "Invalid task id.");
    assert_eq!(e.request_id(), Some("0f4b5b0b2c8d4e6f"));
    assert!(e.is_client_error() && !e.is_retryable());
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(error.request_id(), Some("0f4b5b0b2c8d4e6f"));
    let shown = error.to_string();
    let (peer, said) = shown.split_once(" answered ").unwrap();
    assert_eq!(peer, format!("OMS at {}", error.host().unwrap()));
    assert_eq!(
        said,
        "HTTP 400 Bad Request OMS.0054: Invalid task id. (request id 0f4b5b0b2c8d4e6f)"
    );
}

#[tokio::test]
async fn gateway_error_with_request_id_only_in_the_body() {
    let error = start_against(
        Canned::new(
            401,
            r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"body-rid-1"}"#,
        )
        .header("Content-Type", "application/json"),
    )
    .await;
    let e = service(&error);
    assert_eq!((e.status().as_u16(), e.code()), (401, "APIGW.0301"));
    assert_eq!(e.request_id(), Some("body-rid-1"));
}

#[tokio::test]
async fn the_header_request_id_wins_over_the_body() {
    let error = start_against(
        Canned::new(
            403,
            r#"{"error_code":"APIGW.0302","error_msg":"denied","request_id":"from-body"}"#,
        )
        .header("X-Request-Id", "from-header"),
    )
    .await;
    assert_eq!(service(&error).request_id(), Some("from-header"));
}

#[tokio::test]
async fn html_error_body_keeps_status_and_request_id() {
    let html = "<html><body><h1>500 Internal Server Error</h1></body></html>";
    let error = start_against(
        Canned::new(500, html)
            .header("Content-Type", "text/html")
            .header("X-Request-Id", "html-rid"),
    )
    .await;
    let e = service(&error);
    assert_eq!(e.status(), 500);
    assert_eq!(e.code(), "500");
    assert_eq!(e.message(), html);
    assert_eq!(e.request_id(), Some("html-rid"));
    assert!(e.is_server_error());
}

#[tokio::test]
async fn every_body_shape_of_the_official_sdks_decodes() {
    let cases = [
        (
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r"}"#,
            "APIGW.0308",
            "throttled",
        ),
        (
            400,
            r#"{"errorCode":"OMS.0001","errorMsg":"camel case"}"#,
            "OMS.0001",
            "camel case",
        ),
        (
            404,
            r#"{"code":"APIGW.0101","message":"no such API"}"#,
            "APIGW.0101",
            "no such API",
        ),
        (
            503,
            r#"{"error":{"code":"APIGW.0613","message":"IAM unavailable"}}"#,
            "APIGW.0613",
            "IAM unavailable",
        ),
        (502, "", "502", ""),
        (504, "upstream timed out", "504", "upstream timed out"),
        (418, r#"{"unrelated":true}"#, "418", r#"{"unrelated":true}"#),
        (
            413,
            r#"{"error_code":"APIGW.0201","error_msg":"Request entity too large"}"#,
            "APIGW.0201",
            "Request entity too large",
        ),
    ];
    for (status, body, code, message) in cases {
        let error = start_against(Canned::new(status, body).header("X-Request-Id", "rid")).await;
        let e = service(&error);
        assert_eq!(e.status().as_u16(), status, "{body}");
        assert_eq!((e.code(), e.message()), (code, message), "{body}");
        assert_eq!(e.request_id(), Some("rid"), "{body}");
    }
}

#[tokio::test]
async fn retryable_means_safe_to_repeat_for_the_operation_that_failed() {
    for (status, repeatable, transition) in [
        (429, true, true),
        (502, true, false),
        (503, true, false),
        (504, true, false),
        (500, false, false),
        (400, false, false),
    ] {
        let server = CannedServer::start(Canned::new(status, "")).await;
        let client = server.client("token");
        // ShowSyncTask may be repeated; StartSyncTask, a state transition,
        // may not once it may have reached the service (only 429 and
        // connection failures are safe for it).
        let show = client
            .show_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .query_time(0)
            .send()
            .await
            .unwrap_err();
        assert_eq!(show.is_retryable(), repeatable, "show {status}");
        let start = call(&client).await;
        assert_eq!(start.is_retryable(), transition, "start {status}");
        assert_eq!(
            start.as_service_error().unwrap().is_retryable(),
            transition,
            "start {status}"
        );
    }
}

#[tokio::test]
async fn an_undocumented_status_is_unexpected_with_its_request_id() {
    let error = start_against(
        Canned::new(302, "")
            .header("Location", "/elsewhere")
            .header("X-Request-Id", "r302"),
    )
    .await;
    match &error {
        Error::UnexpectedStatus {
            status, request_id, ..
        } => {
            assert_eq!(status.as_u16(), 302);
            assert_eq!(request_id.as_deref(), Some("r302"));
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let closed = crate::server::closed_port();
    let port = closed.port();
    let client = Client::builder()
        .endpoint(&format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap();
    let error = call(&client).await;
    assert!(matches!(error, Error::Connect(_)), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_error() {
    let server = CannedServer::start(Canned::new(200, "").delay(Duration::from_secs(5))).await;
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let error = call(&client).await;
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
}

/// After a failure that leaves open whether OMS acted, a create says so;
/// after one that shows it did not, it says that.
#[tokio::test]
async fn an_ambiguous_create_says_it_may_have_been_applied() {
    use crate::server::{ScriptedServer, closed_port, read_head, valid_create_task_body};
    let create = |url: String| async move {
        let client = Client::builder()
            .endpoint(&url)
            .credentials(Credentials::iam_token("token").unwrap())
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        client
            .create_task()
            .project_id("p")
            .body_map(valid_create_task_body)
            .send()
            .await
            .unwrap_err()
    };
    let silent = CannedServer::start(Canned::new(200, "{}").delay(Duration::from_secs(30))).await;
    let hangs_up = ScriptedServer::start(|mut stream| async move {
        read_head(&mut stream).await;
    })
    .await;
    let cases: Vec<(&str, String, bool)> = vec![
        ("unanswered", silent.url().to_owned(), true),
        ("hung up", hangs_up.url().to_owned(), true),
        (
            "503",
            CannedServer::start(Canned::new(503, ""))
                .await
                .url()
                .to_owned(),
            true,
        ),
        (
            "success, garbled",
            CannedServer::start(Canned::new(200, "not json"))
                .await
                .url()
                .to_owned(),
            true,
        ),
        (
            "400",
            CannedServer::start(Canned::new(
                400,
                r#"{"error_code":"OMS.0001","error_msg":"no"}"#,
            ))
            .await
            .url()
            .to_owned(),
            false,
        ),
        (
            "closed port",
            format!("http://127.0.0.1:{}", closed_port().port()),
            false,
        ),
    ];
    for (case, url, ambiguous) in cases {
        let error = create(url).await;
        assert_eq!(
            error.may_have_been_applied(),
            ambiguous,
            "{case}: {error:?}"
        );
        assert!(!error.is_retryable() || !ambiguous, "{case}");
    }
    // Nothing sent: a rule broken, or no slot before the deadline.
    let validation = Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::iam_token("token").unwrap())
        .build()
        .unwrap()
        .create_task()
        .project_id("p")
        .send()
        .await
        .unwrap_err();
    assert!(!validation.may_have_been_applied());
    // The local OMS applying a create and then dropping the connection.
    let oms = oms_api::local::LocalOms::builder()
        .faults(1.0)
        .start()
        .await
        .unwrap();
    let mut applied = 0;
    for _ in 0..8 {
        let error = create(oms.base_url()).await;
        assert!(error.may_have_been_applied(), "{error:?}");
        applied = oms.migration_task_ids().len();
    }
    assert!(applied > 0, "some were applied although every call failed");
}
