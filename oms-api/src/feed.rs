//! Feeding a sync task the keys of the objects that changed: a stream of
//! keys in, CreateSyncEvents batches of the spec's largest size out, with a
//! bounded number of requests in flight, and a report of what was delivered
//! and of every key that was not, with its error.

use std::cell::Cell;
use std::task::Poll;
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};
use percent_encoding::utf8_percent_encode;

use crate::Client;
use crate::error::{Error, ValidationError};
use crate::generated::operations::CREATE_SYNC_EVENTS;
use crate::operation::Location;
use crate::signer::UNRESERVED;
use crate::types::ObjectKey;

/// The most requests in flight, by default.
const DEFAULT_IN_FLIGHT: usize = 8;

/// How many times a batch is sent, by default, before its keys are
/// reported as not delivered.
const DEFAULT_BATCH_ATTEMPTS: u32 = 6;

/// Feeds a sync task; see [`Client::feed_sync_events`].
#[derive(Debug, Clone)]
#[must_use]
pub struct FeedSyncEvents<'a> {
    client: &'a Client,
    project_id: Option<String>,
    sync_task_id: String,
    in_flight: usize,
    batch_attempts: u32,
    pause: Duration,
}

/// A key that was not delivered, and why.
#[derive(Debug, Clone)]
pub struct Undelivered {
    /// The key, as the stream gave it (not encoded).
    pub key: String,
    /// Why: the last error of its batch, or the rule the key breaks.
    pub error: Error,
}

/// What a feed did: every key it took from the stream was delivered or is
/// in [`undelivered`](Self::undelivered).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FeedReport {
    /// Keys OMS accepted.
    pub delivered: u64,
    /// Every key it did not, with its error.
    pub undelivered: Vec<Undelivered>,
    /// Requests sent (batches, and their repeats).
    pub requests: u64,
    /// When set, the feed stopped before the end of the stream, at an
    /// error that every later batch would meet too (no such task, a refused
    /// signature…): the keys after those in the report were not taken from
    /// the stream.
    pub stopped: Option<Error>,
}

impl FeedReport {
    /// Whether every key was delivered and the stream read to its end.
    pub fn is_complete(&self) -> bool {
        self.undelivered.is_empty() && self.stopped.is_none()
    }
}

impl Client {
    /// Feeds sync task `sync_task_id` the keys of changed objects from a
    /// stream, with CreateSyncEvents: in batches of the spec's largest size
    /// (100 keys; fewer when the stream has no more ready), each key
    /// URL-encoded as the API reference says (`a/b c` is sent as
    /// `a%2Fb%20c`), at most 8 requests in flight (see
    /// [`in_flight`](FeedSyncEvents::in_flight)). The stream is read only
    /// as fast as batches are sent, so a fast source waits rather than
    /// filling memory.
    ///
    /// A batch that fails in a way that may pass (throttling, a `5xx`, a
    /// lost connection: CreateSyncEvents may be repeated) is sent again, up
    /// to 6 times in all with a pause that doubles from 1 s; after that its
    /// keys are in the report with the error. A key that breaks the spec's
    /// rules (empty, longer than 16384 characters once encoded) is
    /// reported and not sent. An error that every later batch would meet
    /// (no such task, a refused signature) stops the feed. No key is
    /// dropped silently.
    ///
    /// ```no_run
    /// # async fn run(client: oms_api::Client) {
    /// let changed = futures::stream::iter(["photos/2026/a.jpg", "photos/2026/b.jpg"]);
    /// let report = client.feed_sync_events("my-sync-task").send(changed).await;
    /// println!("{} delivered", report.delivered);
    /// for missed in &report.undelivered {
    ///     eprintln!("{}: {}", missed.key, missed.error);
    /// }
    /// # }
    /// ```
    pub fn feed_sync_events(&self, sync_task_id: &str) -> FeedSyncEvents<'_> {
        FeedSyncEvents {
            client: self,
            project_id: None,
            sync_task_id: sync_task_id.to_owned(),
            in_flight: DEFAULT_IN_FLIGHT,
            batch_attempts: DEFAULT_BATCH_ATTEMPTS,
            pause: Duration::from_secs(1),
        }
    }
}

/// One batch: the keys as given, and as sent; those refused before
/// sending, with their error.
struct Batch {
    keys: Vec<String>,
    encoded: Vec<ObjectKey>,
    refused: Vec<Undelivered>,
}

/// What became of a batch.
struct Sent {
    keys: Vec<String>,
    refused: Vec<Undelivered>,
    requests: u64,
    outcome: Result<(), Error>,
}

impl<'a> FeedSyncEvents<'a> {
    /// The project of the sync task. Default: the client's.
    pub fn project_id(mut self, project_id: impl AsRef<str>) -> Self {
        self.project_id = Some(project_id.as_ref().to_owned());
        self
    }

    /// The most CreateSyncEvents requests in flight (at least 1). Default:
    /// 8. The client's flow control paces them to what the gateway admits.
    pub fn in_flight(mut self, requests: usize) -> Self {
        self.in_flight = requests.max(1);
        self
    }

    /// How many times a batch is sent before its keys are reported (at
    /// least 1), and the first pause between two sends, which doubles.
    /// Default: 6 times, from 1 s.
    pub fn batch_attempts(mut self, attempts: u32, first_pause: Duration) -> Self {
        self.batch_attempts = attempts.max(1);
        self.pause = first_pause;
        self
    }

    /// Feeds every key of `keys`, and reports.
    pub async fn send<K, S>(self, keys: S) -> FeedReport
    where
        K: Into<String>,
        S: Stream<Item = K>,
    {
        let batch_size = CREATE_SYNC_EVENTS
            .max_items(Location::Body, "object_keys")
            .expect("openapi/oms.yaml bounds CreateSyncEvents's object_keys");
        let mut chunks = Box::pin(keys.map(Into::into).ready_chunks(batch_size));
        // Once the feed stops, no more keys are taken from the stream.
        let stopped = Cell::new(false);
        let source = stream::poll_fn(|cx| {
            if stopped.get() {
                Poll::Ready(None)
            } else {
                chunks.poll_next_unpin(cx)
            }
        });
        let sent = source
            .map(|keys| self.send_batch(encode(keys)))
            .buffer_unordered(self.in_flight);
        futures_util::pin_mut!(sent);
        let mut report = FeedReport::default();
        while let Some(sent) = sent.next().await {
            report.requests += sent.requests;
            report.undelivered.extend(sent.refused);
            match sent.outcome {
                Ok(()) => report.delivered += sent.keys.len() as u64,
                Err(error) => {
                    if is_fatal(&error) && report.stopped.is_none() {
                        // The batches in flight still end and report.
                        report.stopped = Some(error.clone());
                        stopped.set(true);
                    }
                    report
                        .undelivered
                        .extend(sent.keys.into_iter().map(|key| Undelivered {
                            key,
                            error: error.clone(),
                        }));
                }
            }
        }
        report
    }

    /// Sends one batch, again while its failure may pass.
    async fn send_batch(&self, batch: Batch) -> Sent {
        let Batch {
            keys,
            encoded,
            refused,
        } = batch;
        if encoded.is_empty() {
            return Sent {
                keys,
                refused,
                requests: 0,
                outcome: Ok(()),
            };
        }
        let mut pause = self.pause;
        let mut requests = 0;
        loop {
            let mut call = self
                .client
                .create_sync_events()
                .sync_task_id(self.sync_task_id.as_str())
                .body_map(|body| body.object_keys(encoded.clone()));
            if let Some(project_id) = &self.project_id {
                call = call.project_id(project_id.as_str());
            }
            requests += 1;
            let outcome = call.send().await.map(drop);
            let again = match &outcome {
                Ok(()) => false,
                Err(error) => {
                    requests < u64::from(self.batch_attempts)
                        && (error.is_retryable() || error.may_have_been_applied())
                }
            };
            if !again {
                return Sent {
                    keys,
                    refused,
                    requests,
                    outcome,
                };
            }
            tokio::time::sleep(pause).await;
            pause = pause.saturating_mul(2);
        }
    }
}

/// The keys of a batch encoded as the reference says; those that break a
/// rule are set aside with their error.
fn encode(keys: Vec<String>) -> Batch {
    let mut batch = Batch {
        keys: Vec::with_capacity(keys.len()),
        encoded: Vec::with_capacity(keys.len()),
        refused: Vec::new(),
    };
    for key in keys {
        let encoded: String = utf8_percent_encode(&key, UNRESERVED).collect();
        match ObjectKey::try_from(encoded) {
            Ok(encoded) => {
                batch.keys.push(key);
                batch.encoded.push(encoded);
            }
            Err(error) => batch.refused.push(Undelivered {
                key,
                error: ValidationError::nest("object_keys[]", error).into(),
            }),
        }
    }
    batch
}

/// An error every later batch would meet too.
fn is_fatal(error: &Error) -> bool {
    match error {
        Error::Service(e) => matches!(e.status().as_u16(), 401 | 403 | 404),
        Error::Config(_) | Error::Signing(_) => true,
        Error::Validation(e) => e.field() != "object_keys",
        _ => false,
    }
}
