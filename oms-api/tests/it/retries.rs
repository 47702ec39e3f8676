//! Retries: what is sent again, how often, and what is not.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::server::{Canned, CannedServer};
use oms_api::{Client, Credentials, Error, RetryConfig};

/// Answers `failures` times with `status`, then 200 with `body`.
async fn failing(status: u16, failures: usize, body: &'static str) -> CannedServer {
    let seen = Arc::new(AtomicUsize::new(0));
    CannedServer::answering(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < failures {
            Canned::new(status, r#"{"error_code":"APIGW.0308","error_msg":"busy"}"#)
        } else {
            Canned::new(200, body).header("Content-Type", "application/json")
        }
    })
    .await
}

fn client(server: &CannedServer, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::access_key("AK", "sk").unwrap())
        .retry(
            retry
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

async fn start(client: &Client) -> Result<(), Error> {
    crate::server::start_sync_task(client, "p", "t").await
}

async fn create(client: &Client) -> Result<(), Error> {
    client
        .create_sync_task()
        .project_id("p")
        .body_map(crate::server::valid_create_body)
        .send()
        .await?;
    Ok(())
}

async fn delete(client: &Client) -> Result<(), Error> {
    client
        .delete_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_busy_gateway_is_retried_with_the_same_signed_request() {
    let server = failing(503, 2, "").await;
    delete(&client(&server, RetryConfig::new())).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    // The very same bytes and signature each time.
    for request in &requests[1..] {
        assert_eq!(
            request.header("authorization"),
            requests[0].header("authorization")
        );
        assert_eq!(
            request.header("x-sdk-date"),
            requests[0].header("x-sdk-date")
        );
        assert_eq!(request.body, requests[0].body);
    }
}

#[tokio::test]
async fn a_retry_a_second_later_is_the_first_attempt_byte_for_byte() {
    // `Retry-After: 1` puts the second attempt in another second, where a
    // request signed again would carry another date and signature.
    let seen = AtomicUsize::new(0);
    let server = CannedServer::answering(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Canned::new(429, r#"{"error_code":"APIGW.0308","error_msg":"busy"}"#)
                .header("Retry-After", "1")
        } else {
            Canned::new(200, "")
        }
    })
    .await;
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::access_key("AK", "sk").unwrap())
        .retry(RetryConfig::new().max_backoff(Duration::from_secs(2)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    start(&client).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, requests[0].target);
    assert_eq!(requests[1].headers, requests[0].headers);
    assert_eq!(requests[1].body, requests[0].body);
}

#[tokio::test]
async fn a_state_transition_is_not_repeated_after_a_gateway_error() {
    let server = failing(503, 1, "").await;
    let error = start(&client(&server, RetryConfig::new()))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(!error.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn gives_up_after_the_last_attempt() {
    // Without flow control, a 429 is retried like any failure that may pass.
    let server = failing(429, 10, "").await;
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .retry(
            RetryConfig::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(1)),
        )
        .flow_control(oms_api::FlowControl::disabled())
        .build()
        .unwrap();
    let error = start(&client).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_gateway_error_but_is_after_throttling() {
    let server = failing(504, 1, r#"{"sync_task_id":"x"}"#).await;
    let error = create(&client(&server, RetryConfig::new()))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(504));
    assert_eq!(server.requests().len(), 1, "a second task could be created");

    let server = failing(429, 1, r#"{"sync_task_id":"x"}"#).await;
    create(&client(&server, RetryConfig::new())).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn client_errors_and_disabled_retries_send_once() {
    let server = failing(400, 1, "").await;
    start(&client(&server, RetryConfig::new()))
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);

    let server = failing(503, 1, "").await;
    delete(&client(&server, RetryConfig::disabled()))
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let closed = crate::server::closed_port();
    let port = closed.port();
    let client = Client::builder()
        .endpoint(&format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::access_key("AK", "sk").unwrap())
        .retry(RetryConfig::new().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let error = start(&client).await.unwrap_err();
    assert!(matches!(error, Error::Connect(_)), "{error:?}");
}

/// The operations that must not be sent again once a request may have
/// reached the service (reference §1.2 of each document): the creates, whose
/// first attempt may have created something, and the state transitions.
const NEVER_REPEATED: [&str; 10] = [
    "CreateSyncTask",
    "StartSyncTask",
    "StopSyncTask",
    "CreateTask",
    "StartTask",
    "StopTask",
    "CreateTaskGroup",
    "StartTaskGroup",
    "StopTaskGroup",
    "RetryTaskGroup",
];

#[tokio::test]
async fn every_operation_is_retried_as_the_reference_says() {
    for (id, call) in crate::security::calls() {
        let op = oms_api::operations::ALL
            .iter()
            .find(|op| op.id() == id)
            .unwrap();
        assert_eq!(
            op.is_idempotent(),
            !NEVER_REPEATED.contains(&id),
            "{id}: the spec's x-oms-idempotent"
        );
        let params: Vec<String> = op
            .segments()
            .iter()
            .filter_map(|s| match s {
                oms_api::operation::Segment::Param(name) if *name == "task_id" => {
                    Some("42".to_owned())
                }
                oms_api::operation::Segment::Param(_) => Some("id".to_owned()),
                oms_api::operation::Segment::Literal(_) => None,
            })
            .collect();
        // A 503 from the gateway, then what the operation answers.
        let seen = Arc::new(AtomicUsize::new(0));
        let server = CannedServer::answering(move |request| {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                Canned::new(503, r#"{"error_code":"APIGW.0308","error_msg":"busy"}"#)
            } else {
                crate::security::answer(request)
            }
        })
        .await;
        let client = client(&server, RetryConfig::default().max_attempts(3));
        let result = call(&client, &params).await;
        if op.is_idempotent() {
            assert!(result.is_ok(), "{id}: {result:?}");
            assert_eq!(server.count(), 2, "{id} is sent again");
            let sent = server.requests();
            assert_eq!(sent[0].body, sent[1].body, "{id}: the same bytes");
        } else {
            let error = result.unwrap_err();
            assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{id}");
            assert!(
                !error.is_retryable(),
                "{id}: the error must not invite a retry"
            );
            assert_eq!(server.count(), 1, "{id} is not sent again");
        }
    }
}

/// What an HTTP/2 server saw of one request.
type Seen = Arc<std::sync::Mutex<Vec<(http::HeaderMap, Vec<u8>)>>>;

/// An HTTP/2 server (prior knowledge, no TLS) on 127.0.0.1 that resets its
/// first `refusals` streams with `REFUSED_STREAM` and answers the others
/// `200`, keeping each request's headers and body.
async fn refusing_h2(refusals: usize) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let record = Arc::clone(&record);
            tokio::spawn(async move {
                let mut connection = h2::server::handshake(socket).await.unwrap();
                while let Some(Ok((request, mut respond))) = connection.accept().await {
                    let record = Arc::clone(&record);
                    tokio::spawn(async move {
                        let (parts, mut body) = request.into_parts();
                        let mut bytes = Vec::new();
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                            bytes.extend_from_slice(&chunk);
                        }
                        let count = {
                            let mut seen = record.lock().unwrap();
                            seen.push((parts.headers, bytes));
                            seen.len()
                        };
                        if count <= refusals {
                            respond.send_reset(h2::Reason::REFUSED_STREAM);
                        } else {
                            let _ = respond.send_response(http::Response::new(()), true);
                        }
                    });
                }
            });
        }
    });
    (url, seen)
}

fn h2_client(url: &str, retry: RetryConfig) -> Client {
    Client::builder()
        .endpoint(url)
        .credentials(Credentials::access_key("AK", "sk").unwrap())
        .http_client(reqwest::Client::builder().http2_prior_knowledge())
        .retry(retry.initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_stream_refused_unprocessed_is_sent_again_even_for_a_state_transition() {
    let (url, seen) = refusing_h2(2).await;
    start(&h2_client(&url, RetryConfig::new())).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (headers, body) in &seen[1..] {
        assert_eq!(headers, &seen[0].0, "the same signed headers");
        assert_eq!(body, &seen[0].1, "the same body");
    }
}

#[tokio::test]
async fn only_the_clients_retry_policy_resends_a_refused_stream() {
    // reqwest's own policy would resend it (and copy every request to be
    // able to); with retries disabled it is sent once.
    let (url, seen) = refusing_h2(1).await;
    let error = start(&h2_client(&url, RetryConfig::disabled()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.is_retryable(), "nothing was processed");
    assert_eq!(seen.lock().unwrap().len(), 1);
}
