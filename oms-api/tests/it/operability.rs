//! Operable in production (issue 25): one span per operation and per
//! attempt with OpenTelemetry's field names and no secret in any field;
//! interceptors that add signed headers, in order, and survive a panic;
//! per-call settings; and a signing clock corrected by a gateway whose
//! clock is hours off — against the local OMS and counting servers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oms_api::intercept::{AfterAttempt, BeforeAttempt, Interceptor};
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{CallSettings, Client, ClientBuilder, Credentials, Error, RetryConfig, TimeoutKind};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::server::{Canned, CannedServer, RawRequest, SECRET_CANARY, start_sync_task};

const AK: &str = "OPERABILITYAK0000001";
const SK: &str = "operability-secret-key-CANARY";

/// A local OMS that verifies signatures with AK/SK, its clock `ahead` of
/// ours, holding a stopped sync task `t`; and a client signing with that
/// key, `configure`d further.
async fn signed_oms(
    ahead: Duration,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (LocalOms, Client) {
    let oms = LocalOms::builder()
        .access_key(AK, SK)
        .sync_task("t", TaskStatus::Stopped)
        .clock_ahead(ahead)
        .start()
        .await
        .unwrap();
    let client = configure(
        Client::builder()
            .endpoint(&oms.base_url())
            .credentials(Credentials::access_key(AK, SK).unwrap()),
    )
    .build()
    .unwrap();
    (oms, client)
}

/// The span tests run alone (see `run_in_a_process_of_their_own`).
#[test]
fn spans_are_checked_alone() {
    crate::server::run_in_a_process_of_their_own("operability::spans::", 4);
}

/// What the client traces, captured by a subscriber.
mod spans {
    use super::*;

    /// A span as the subscriber saw it: name, parent, fields; and the events
    /// inside it.
    #[derive(Debug, Clone, Default)]
    struct Seen {
        name: String,
        parent: Option<u64>,
        fields: BTreeMap<String, String>,
        events: Vec<BTreeMap<String, String>>,
    }

    /// Records every span and event of this thread's calls.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Recorded>>);

    /// Spans by id, and the events outside any span.
    type Recorded = (BTreeMap<u64, Seen>, Vec<BTreeMap<String, String>>);

    struct Fields<'a>(&'a mut BTreeMap<String, String>);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.insert(
                field.name().to_owned(),
                format!("{value:?}").trim_matches('"').to_owned(),
            );
        }
    }

    impl<S> Layer<S> for Capture
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let mut seen = Seen {
                name: attrs.metadata().name().to_owned(),
                parent: ctx
                    .span(id)
                    .and_then(|s| s.parent())
                    .map(|p| p.id().into_u64()),
                ..Seen::default()
            };
            attrs.record(&mut Fields(&mut seen.fields));
            self.0.lock().unwrap().0.insert(id.into_u64(), seen);
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
            if let Some(seen) = self.0.lock().unwrap().0.get_mut(&id.into_u64()) {
                values.record(&mut Fields(&mut seen.fields));
            }
        }

        fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
            let mut fields = BTreeMap::new();
            event.record(&mut Fields(&mut fields));
            let mut all = self.0.lock().unwrap();
            match ctx.event_span(event).map(|s| s.id().into_u64()) {
                Some(span) => {
                    if let Some(seen) = all.0.get_mut(&span) {
                        seen.events.push(fields);
                    }
                }
                None => all.1.push(fields),
            }
        }
    }

    impl Capture {
        fn spans(&self) -> Vec<(u64, Seen)> {
            self.0.lock().unwrap().0.clone().into_iter().collect()
        }

        fn named(&self, name: &str) -> Vec<(u64, Seen)> {
            self.spans()
                .into_iter()
                .filter(|(_, s)| s.name == name)
                .collect()
        }

        /// Everything recorded, as text.
        fn text(&self) -> String {
            format!("{:?}", self.0.lock().unwrap())
        }
    }

    /// Runs `test` with a capturing subscriber on a runtime of this thread.
    fn captured<F: std::future::Future<Output = ()>>(test: impl FnOnce(Capture) -> F) -> Capture {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            // Another test's thread may have met a callsite while no subscriber
            // was listening, and cached "never" for it; ask again.
            tracing::callsite::rebuild_interest_cache();
            runtime.block_on(test(capture.clone()))
        });
        capture
    }

    #[test]
    #[ignore = "run in a process of their own by spans_are_checked_alone"]
    fn a_successful_call_is_one_operation_span_with_one_attempt_span() {
        let capture = captured(|_| async {
            let (_oms, client) = signed_oms(Duration::ZERO, |client| client).await;
            start_sync_task(&client, "p", "t").await.unwrap();
        });
        let operations = capture.named("oms.operation");
        assert_eq!(operations.len(), 1);
        let (id, operation) = &operations[0];
        let fields = &operation.fields;
        for (field, value) in [
            ("rpc.system", "huaweicloud"),
            ("rpc.service", "OMS"),
            ("rpc.method", "StartSyncTask"),
            ("otel.name", "StartSyncTask"),
            ("http.request.method", "POST"),
            (
                "url.template",
                "/v2/{project_id}/sync-tasks/{sync_task_id}/start",
            ),
            ("http.response.status_code", "200"),
            ("oms.idempotent", "false"),
            ("oms.attempts", "1"),
        ] {
            assert_eq!(
                fields.get(field).map(String::as_str),
                Some(value),
                "{field}: {fields:?}"
            );
        }
        assert!(fields["server.address"].starts_with("127.0.0.1:"));
        assert_eq!(fields["oms.request_id"].len(), 32);
        assert!(!fields.contains_key("error.type"));
        let attempts = capture.named("oms.attempt");
        assert_eq!(attempts.len(), 1);
        assert_eq!(
            attempts[0].1.parent,
            Some(*id),
            "the attempt is the operation's child"
        );
        assert_eq!(attempts[0].1.fields["http.request.resend_count"], "0");
        assert_eq!(attempts[0].1.fields["http.response.status_code"], "200");
        let waited = &attempts[0].1.fields["oms.send_slot.wait_ms"];
        assert!(waited.parse::<u64>().is_ok(), "{waited}");
        // Ids are in the path, never in a span: the template stands for them.
        assert!(
            !capture.text().contains("/v2/p/sync-tasks/t"),
            "{}",
            capture.text()
        );
    }

    #[test]
    #[ignore = "run in a process of their own by spans_are_checked_alone"]
    fn a_retried_call_has_an_attempt_span_each_and_the_wait_as_an_event() {
        let capture = captured(|_| async {
            let seen = Arc::new(AtomicUsize::new(0));
            let server = CannedServer::answering(move |_: &RawRequest| {
                if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                    Canned::new(503, r#"{"error_code":"APIGW.0201","error_msg":"busy"}"#)
                } else {
                    Canned::new(200, r#"{"sync_task_id":"t"}"#)
                }
            })
            .await;
            let client = Client::builder()
                .endpoint(server.url())
                .credentials(Credentials::iam_token("token").unwrap())
                .retry(RetryConfig::new().initial_backoff(Duration::from_millis(1)))
                .build()
                .unwrap();
            client
                .show_sync_task()
                .project_id("p")
                .sync_task_id("t")
                .query_time(0)
                .send()
                .await
                .unwrap();
        });
        let (id, operation) = capture.named("oms.operation").remove(0);
        assert_eq!(operation.fields["oms.attempts"], "2");
        assert_eq!(operation.fields["http.response.status_code"], "200");
        let attempts = capture.named("oms.attempt");
        assert_eq!(attempts.len(), 2);
        assert!(attempts.iter().all(|(_, a)| a.parent == Some(id)));
        let first = &attempts[0].1;
        assert_eq!(first.fields["http.response.status_code"], "503");
        assert_eq!(first.fields["error.type"], "503");
        let retrying = first
            .events
            .iter()
            .find(|e| e.get("message").is_some_and(|m| m == "retrying"))
            .expect("the retry is an event of the failed attempt");
        assert!(retrying.contains_key("oms.retry.wait_ms"), "{retrying:?}");
        assert_eq!(attempts[1].1.fields["http.request.resend_count"], "1");
    }

    #[test]
    #[ignore = "run in a process of their own by spans_are_checked_alone"]
    fn a_failed_call_names_its_error_type_and_no_secret_reaches_a_span() {
        let capture = captured(|_| async {
            let server = CannedServer::start(Canned::new(
                400,
                r#"{"error_code":"OMS.0054","error_msg":"bad id"}"#,
            ))
            .await;
            let client = Client::builder()
                .endpoint(server.url())
                .credentials(Credentials::access_key(AK, SK).unwrap())
                .build()
                .unwrap();
            start_sync_task(&client, "p", "t").await.unwrap_err();
        });
        let (_, operation) = capture.named("oms.operation").remove(0);
        assert_eq!(operation.fields["error.type"], "OMS.0054");
        assert_eq!(operation.fields["http.response.status_code"], "400");
        let text = capture.text();
        for secret in [SECRET_CANARY, SK] {
            assert!(!text.contains(secret), "a secret in a span: {text}");
        }
        assert!(
            !text.contains("SDK-HMAC-SHA256"),
            "a signature in a span: {text}"
        );
    }

    /// Adds `x-trace-tag: <tag>`, and remembers what it saw.
    #[test]
    #[ignore = "run in a process of their own by spans_are_checked_alone"]
    fn a_gateway_hours_ahead_corrects_the_signing_clock_once() {
        let capture = captured(|_| async {
            let (oms, client) = signed_oms(Duration::from_secs(2 * 3600), |client| client).await;
            // The first call is refused for its time, corrected, and sent again.
            start_sync_task(&client, "p", "t").await.unwrap();
            assert_eq!(oms.requests().len(), 2);
            // Later calls are signed right the first time.
            client
                .stop_sync_task()
                .project_id("p")
                .sync_task_id("t")
                .send()
                .await
                .unwrap();
            assert_eq!(oms.requests().len(), 3);
            // A clone shares the corrected clock.
            start_sync_task(&client.clone(), "p", "t").await.unwrap();
            assert_eq!(oms.requests().len(), 4);
        });
        let corrected: Vec<_> = capture
            .named("oms.attempt")
            .into_iter()
            .flat_map(|(_, a)| a.events)
            .filter(|e| {
                e.get("message")
                    .is_some_and(|m| m.contains("signing clock is corrected"))
            })
            .collect();
        assert_eq!(
            corrected.len(),
            1,
            "one correction, visible as a span event"
        );
        let offset: f64 = corrected[0]["offset_seconds"].parse().unwrap();
        assert!((offset - 7200.0).abs() < 5.0, "{offset}");
    }
}

#[derive(Debug)]
struct Tag {
    tag: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for Tag {
    fn before_attempt(&self, request: &mut BeforeAttempt<'_>) -> Result<(), String> {
        let before = request
            .headers()
            .get("x-trace-tag")
            .map(|v| v.to_str().unwrap().to_owned());
        self.log
            .lock()
            .unwrap()
            .push(format!("before {} saw {before:?}", self.tag));
        assert!(request.insert_header("authorization", "forged").is_err());
        request
            .insert_header("x-trace-tag", self.tag)
            .map_err(|e| e.to_string())
    }

    fn after_attempt(&self, attempt: &AfterAttempt<'_>) {
        self.log.lock().unwrap().push(format!(
            "after {} {} {:?}",
            self.tag,
            attempt.operation(),
            attempt.status().map(|s| s.as_u16())
        ));
    }
}

#[tokio::test]
async fn interceptors_add_signed_headers_in_order_and_see_each_outcome() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (oms, client) = signed_oms(Duration::ZERO, |client| {
        client
            .interceptor(Tag {
                tag: "first",
                log: Arc::clone(&log),
            })
            .interceptor(Tag {
                tag: "second",
                log: Arc::clone(&log),
            })
    })
    .await;
    // The local OMS verifies the signature: the added header is signed.
    start_sync_task(&client, "p", "t").await.unwrap();
    let sent = oms.requests().pop().unwrap();
    assert_eq!(sent.header("x-trace-tag"), Some("second"));
    let authorization = sent.header("authorization").unwrap().to_owned();
    assert!(authorization.contains("x-trace-tag"), "{authorization}");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "before first saw None",
            "before second saw Some(\"first\")",
            "after second StartSyncTask Some(200)",
            "after first StartSyncTask Some(200)",
        ]
    );
}

#[derive(Debug)]
struct Panics {
    before: bool,
}

impl Interceptor for Panics {
    fn before_attempt(&self, _: &mut BeforeAttempt<'_>) -> Result<(), String> {
        if self.before {
            panic!("a bug in the hook");
        }
        Ok(())
    }

    fn after_attempt(&self, _: &AfterAttempt<'_>) {
        panic!("a bug after");
    }
}

#[tokio::test]
async fn a_panicking_interceptor_ends_its_call_before_sending_and_the_client_goes_on() {
    let server = CannedServer::start(Canned::new(200, "{}")).await;
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .interceptor(Panics { before: true })
        .build()
        .unwrap();
    let error = start_sync_task(&client, "p", "t").await.unwrap_err();
    let Error::Interceptor(interceptor) = &error else {
        panic!("{error:?}")
    };
    assert!(interceptor.interceptor().ends_with("Panics"), "{error}");
    assert!(
        error.to_string().contains("panicked: a bug in the hook"),
        "{error}"
    );
    assert!(!error.may_have_been_applied() && !error.is_retryable());
    assert_eq!(server.count(), 0, "nothing sent");
    // The client is unharmed, and a hook that panics after an attempt does
    // not change its outcome.
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .interceptor(Panics { before: false })
        .build()
        .unwrap();
    start_sync_task(&client, "p", "t").await.unwrap();
    start_sync_task(&client, "p", "t").await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn one_calls_settings_differ_from_the_clients_and_the_next_calls_do_not() {
    let slow = CannedServer::start(Canned::new(200, "{}").delay(Duration::from_millis(400))).await;
    let client = Client::builder()
        .endpoint(slow.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .attempt_timeout(Duration::from_secs(5))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let call = |settings: Option<CallSettings>| {
        let mut request = client
            .show_sync_task()
            .project_id("p")
            .sync_task_id("t")
            .query_time(0);
        if let Some(settings) = settings {
            request = request.call_settings(settings);
        }
        request.send()
    };
    let started = Instant::now();
    let error = call(Some(
        CallSettings::new().attempt_timeout(Duration::from_millis(100)),
    ))
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(350));
    assert!(
        matches!(&error, Error::Timeout(t) if t.kind() == TimeoutKind::Attempt),
        "{error:?}"
    );
    call(None).await.unwrap();
    let error = call(Some(
        CallSettings::new().operation_timeout(Some(Duration::from_millis(100))),
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::Timeout(t) if t.kind() == TimeoutKind::Operation),
        "{error:?}"
    );
    call(None).await.unwrap();
    // Retries: the client's are off; this call's are on.
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let flaky = CannedServer::answering(move |_: &RawRequest| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            Canned::new(503, "")
        } else {
            Canned::new(200, "{}")
        }
    })
    .await;
    let client = Client::builder()
        .endpoint(flaky.url())
        .credentials(Credentials::iam_token("token").unwrap())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    client
        .show_sync_task()
        .project_id("p")
        .sync_task_id("t")
        .query_time(0)
        .call_settings(
            CallSettings::new().retry(RetryConfig::new().initial_backoff(Duration::from_millis(1))),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_clock_off_by_more_than_the_limit_is_not_corrected() {
    let (oms, client) = signed_oms(
        oms_api::MAX_CLOCK_CORRECTION + Duration::from_secs(3600),
        |client| client,
    )
    .await;
    let error = start_sync_task(&client, "p", "t").await.unwrap_err();
    let service = error.as_service_error().expect("the gateway's refusal");
    assert_eq!(
        (service.status().as_u16(), service.code()),
        (401, "APIGW.0301")
    );
    assert!(service.clock_skew().is_some());
    assert_eq!(oms.requests().len(), 1, "not sent again");
}
