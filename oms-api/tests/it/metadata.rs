//! Temporary keys from the ECS metadata service, against a loopback server
//! playing it and the local OMS verifying every signature: fetched once for
//! many concurrent first calls, refreshed ahead of expiry by one task on a
//! simulated clock, and every failure a typed error within a short bound
//! with nothing sent to OMS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oms_api::credentials::{EcsMetadata, Environment};
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{Client, Error};

use crate::server::{Canned, CannedServer, RawRequest, config_error};

/// A clock the test moves forward: seconds since the epoch.
#[derive(Clone)]
struct SimulatedClock(Arc<AtomicU64>);

impl SimulatedClock {
    fn new() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Self(Arc::new(AtomicU64::new(now)))
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }

    fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

/// The metadata service: each `securitykey` answer is a new generation of
/// keys (`AK1`/`SK1`/`TOKEN1`, …) valid for an hour of the simulated clock.
struct Metadata {
    server: CannedServer,
    keys_served: Arc<AtomicUsize>,
}

impl Metadata {
    async fn start(clock: &SimulatedClock) -> Self {
        let keys_served = Arc::new(AtomicUsize::new(0));
        let (served, clock) = (Arc::clone(&keys_served), clock.clone());
        let server = CannedServer::answering(move |request: &RawRequest| {
            match (request.method.as_str(), request.target.as_str()) {
                ("PUT", "/meta-data/latest/api/token") => {
                    assert_eq!(
                        request.header("x-metadata-token-ttl-seconds"),
                        Some("21600")
                    );
                    Canned::new(200, "session-token")
                }
                ("GET", "/openstack/latest/securitykey") => {
                    assert_eq!(request.header("x-metadata-token"), Some("session-token"));
                    let generation = served.fetch_add(1, Ordering::SeqCst) + 1;
                    let expires = chrono::DateTime::<chrono::Utc>::from(
                        clock.now() + Duration::from_secs(3600),
                    );
                    let body = serde_json::json!({"credential": {
                        "access": format!("AK{generation}"),
                        "secret": format!("SK{generation}"),
                        "securitytoken": format!("TOKEN{generation}"),
                        "expires_at": expires.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                    }});
                    Canned::new(200, &body.to_string()).header("Content-Type", "application/json")
                }
                _ => Canned::new(404, ""),
            }
        })
        .await;
        Self {
            server,
            keys_served,
        }
    }

    fn served(&self) -> usize {
        self.keys_served.load(Ordering::SeqCst)
    }
}

async fn local_oms(generations: usize) -> LocalOms {
    let mut builder = LocalOms::builder().sync_task("t", TaskStatus::Stopped);
    for n in 1..=generations {
        builder = builder.temporary_access_key(
            &format!("AK{n}"),
            &format!("SK{n}"),
            &format!("TOKEN{n}"),
        );
    }
    builder.start().await.unwrap()
}

fn client(oms: &LocalOms, metadata: &str, clock: &SimulatedClock) -> Client {
    let clock = clock.clone();
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials_provider(EcsMetadata::new().endpoint(metadata).unwrap())
        .credentials_clock(move || clock.now())
        .build()
        .unwrap()
}

async fn show(client: &Client) -> Result<(), Error> {
    client
        .list_sync_tasks()
        .project_id("p")
        .send()
        .await
        .map(drop)
}

/// The security token of the last request the local OMS received (and
/// verified).
fn last_token(oms: &LocalOms) -> String {
    let requests = oms.requests();
    requests
        .last()
        .unwrap()
        .header("x-security-token")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn keys_are_fetched_once_then_refreshed_ahead_of_expiry_by_one_task() {
    let clock = SimulatedClock::new();
    let metadata = Metadata::start(&clock).await;
    let oms = local_oms(3).await;
    let client = client(&oms, metadata.server.url(), &clock);

    // 100 concurrent first calls: one fetch.
    let calls: Vec<_> = (0..100).map(|_| show(&client)).collect();
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(metadata.served(), 1);
    assert_eq!(last_token(&oms), "TOKEN1");

    // 56 minutes later the keys expire in 4: the next calls still sign with
    // them, while one task gets new ones.
    clock.advance(Duration::from_secs(56 * 60));
    let calls: Vec<_> = (0..100).map(|_| show(&client)).collect();
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let in_window = oms.requests().len();
    assert!(
        oms.requests()[in_window - 100..]
            .iter()
            .all(|r| r.header("x-security-token") == Some("TOKEN1"))
    );
    // Once the new keys are there, they are used.
    let waited = Instant::now();
    loop {
        show(&client).await.unwrap();
        if last_token(&oms) == "TOKEN2" {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(5), "no refresh");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(metadata.served(), 2, "one refresh for all those calls");

    // Past their expiry with no refresh in between: a call waits for new ones.
    clock.advance(Duration::from_secs(2 * 3600));
    show(&client).await.unwrap();
    assert_eq!(last_token(&oms), "TOKEN3");
    assert_eq!(metadata.served(), 3);
}

/// The key and problem of a configuration error of the metadata service
/// on 127.0.0.1, which names it.
fn metadata_error(error: &Error) -> (&str, &str) {
    let (origin, key, problem) = config_error(error);
    assert!(
        origin.starts_with("the ECS metadata service at 127.0.0.1:"),
        "{origin}"
    );
    assert_eq!(error.service(), Some(oms_api::Service::Metadata));
    (key, problem)
}

/// What `client` answers when the metadata service behaves as `reply`
/// does, and how long it took; OMS must receive nothing.
async fn failing(reply: Canned, timeout: Duration) -> (Error, Duration) {
    let metadata = CannedServer::start(reply).await;
    let oms = local_oms(0).await;
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials_provider(
            EcsMetadata::new()
                .endpoint(metadata.url())
                .unwrap()
                .timeout(timeout),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = show(&client).await.unwrap_err();
    assert!(oms.requests().is_empty(), "nothing may reach OMS");
    (error, started.elapsed())
}

#[tokio::test]
async fn a_metadata_service_that_is_down_slow_or_odd_is_a_typed_error_in_time() {
    let timeout = Duration::from_millis(300);

    // Down: nothing listens.
    let oms = local_oms(0).await;
    let closed = crate::server::closed_port();
    let port = closed.port();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials_provider(
            EcsMetadata::new()
                .endpoint(&format!("http://127.0.0.1:{port}"))
                .unwrap()
                .timeout(timeout),
        )
        .build()
        .unwrap();
    let error = show(&client).await.unwrap_err();
    assert_eq!(
        metadata_error(&error),
        ("api/token", "cannot be reached (is this an ECS?)")
    );
    assert_eq!(
        config_error(&error).0,
        format!("the ECS metadata service at 127.0.0.1:{port}")
    );
    assert!(oms.requests().is_empty());

    // Slow: it answers after 5 s.
    let (error, took) = failing(Canned::new(200, "t").delay(Duration::from_secs(5)), timeout).await;
    assert_eq!(config_error(&error).2, "did not answer within 300ms");
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Odd answers.
    for (reply, key, problem) in [
        (Canned::new(500, "oops"), "api/token", "answered HTTP 500"),
        (
            Canned::new(200, "\u{7f}bad\ntoken"),
            "api/token",
            "answered a token that is not a header value",
        ),
    ] {
        let (error, _) = failing(reply, timeout).await;
        assert_eq!(metadata_error(&error), (key, problem));
    }
}

#[tokio::test]
async fn garbage_keys_and_a_missing_agency_are_refused() {
    let timeout = Duration::from_secs(1);
    let answer = |body: &'static str, status: u16| {
        move |request: &RawRequest| {
            if request.method == "PUT" {
                Canned::new(200, "session-token")
            } else {
                Canned::new(status, body)
            }
        }
    };
    for (reply, problem) in [
        (
            answer("not json", 200),
            "answered something other than {\"credential\": {access, secret, securitytoken, expires_at}}",
        ),
        (
            answer(
                r#"{"credential":{"access":"A","secret":"S","securitytoken":"T","expires_at":"tomorrow"}}"#,
                200,
            ),
            "answered an expires_at that is not an RFC 3339 time",
        ),
        (
            answer(
                r#"{"credential":{"access":"","secret":"S","securitytoken":"T","expires_at":"2030-01-01T00:00:00Z"}}"#,
                200,
            ),
            "answered keys that cannot sign: invalid access_key: must be 1 to 1024 visible ASCII characters without `,`",
        ),
        (
            answer("", 404),
            "has no keys for this ECS: give it an agency (Cloud Service Agency)",
        ),
    ] {
        let metadata = CannedServer::answering(reply).await;
        let oms = local_oms(0).await;
        let client = Client::builder()
            .endpoint(&oms.base_url())
            .credentials_provider(
                EcsMetadata::new()
                    .endpoint(metadata.url())
                    .unwrap()
                    .timeout(timeout),
            )
            .build()
            .unwrap();
        let error = show(&client).await.unwrap_err();
        assert_eq!(metadata_error(&error), ("securitykey", problem));
        assert!(oms.requests().is_empty());
    }
}

#[tokio::test]
async fn the_chain_ends_at_the_metadata_service() {
    let clock = SimulatedClock::new();
    let metadata = Metadata::start(&clock).await;
    let oms = local_oms(1).await;
    let home = tempfile::tempdir().unwrap();
    let environment = |endpoint: &str| {
        Environment::from_pairs([
            ("HOME", home.path().to_str().unwrap()),
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", endpoint),
            (
                "HUAWEICLOUD_SDK_PROJECT_ID",
                "0123456789abcdef0123456789abcdef",
            ),
        ])
    };
    // Nothing in the environment or the profile file: the metadata service.
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .environment(environment(metadata.server.url()))
        .build()
        .unwrap();
    assert_eq!(
        client.describe().credentials,
        format!(
            "temporary access key, from the ECS metadata service at {} (temporary keys, renewed before they expire)",
            metadata.server.url()
        )
    );
    show(&client).await.unwrap();
    let sent = oms.requests();
    assert_eq!(sent[0].header("x-security-token"), Some("TOKEN1"));
    assert_eq!(
        sent[0].header("x-project-id"),
        Some("0123456789abcdef0123456789abcdef")
    );
    // The environment's project id is the client's too.
    client.list_sync_tasks().send().await.unwrap();
    assert_eq!(
        oms.requests()[1].target(),
        "/v2/0123456789abcdef0123456789abcdef/sync-tasks"
    );
    assert_eq!(
        client.describe().project_id,
        "the environment (HUAWEICLOUD_SDK_PROJECT_ID)"
    );

    // And when it does not answer, the error says what the chain tried.
    let closed = crate::server::closed_port();
    let port = closed.port();
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .environment(environment(&format!("http://127.0.0.1:{port}")))
        .build()
        .unwrap();
    let error = show(&client).await.unwrap_err();
    let (origin, key, problem) = config_error(&error);
    assert_eq!((origin, key), ("credentials", "chain"));
    assert_eq!(error.service(), Some(oms_api::Service::Metadata));
    assert!(
        problem.starts_with(&format!("found nothing in the environment (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or HUAWEICLOUD_SDK_AUTH_TOKEN) or the profile file, and the ECS metadata service at 127.0.0.1:{port} (api/token) cannot be reached")),
        "{problem}"
    );
    let error = Client::builder()
        .endpoint(&oms.base_url())
        .environment(environment("ftp://x"))
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "environment: HUAWEICLOUD_SDK_METADATA_ENDPOINT is not an http(s) URL"
    );
}
