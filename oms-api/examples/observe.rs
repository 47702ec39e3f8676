//! What a tracing backend sees of a small workflow: every call is an
//! `oms.operation` span with an `oms.attempt` span per request sent, their
//! fields named as OpenTelemetry names them for RPC and HTTP clients. Here
//! a `tracing-subscriber` layer prints each call as a tree when it ends —
//! the operation's span, its attempts' spans under it, and their events
//! under those — against the embedded OMS, whose gateway admits two
//! listings a second and whose clock runs an hour ahead (so the first call
//! shows the signing clock being corrected).
//!
//! ```text
//! cargo run -p oms-api --example observe
//! ```
//!
//! An interceptor adds a header to every request (signed with the rest),
//! and counts the answers.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oms_api::intercept::{AfterAttempt, BeforeAttempt, Interceptor};
use oms_api::local::{LocalOms, TaskStatus};
use oms_api::{CallSettings, Client, Credentials};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const AK: &str = "OBSERVEAKOBSERVEAK01";
const SK: &str = "observe-secret-key";

/// Tags every request with the run it belongs to, and counts answers.
#[derive(Debug, Default)]
struct RunTag {
    answers: AtomicU64,
}

impl Interceptor for RunTag {
    fn before_attempt(&self, request: &mut BeforeAttempt<'_>) -> Result<(), String> {
        request
            .insert_header("x-migration-run", "observe-example")
            .map_err(|e| e.to_string())
    }

    fn after_attempt(&self, attempt: &AfterAttempt<'_>) {
        if attempt.status().is_some() {
            self.answers.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Prints every span, when it closes, as a tree: its name and fields, its
/// duration, then its events and child spans indented below it.
struct Tree;

/// A span's fields as recorded so far, and the text of what happened in it.
struct Node {
    fields: Fields,
    opened: Instant,
    below: Vec<String>,
}

/// Field names and values, in the order they were first recorded.
#[derive(Default)]
struct Fields(Vec<(&'static str, String)>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let value = format!("{value:?}");
        match self.0.iter_mut().find(|(name, _)| *name == field.name()) {
            Some((_, old)) => *old = value,
            None => self.0.push((field.name(), value)),
        }
    }
}

impl std::fmt::Display for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, value) in &self.0 {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Tree {
    /// The client's spans and events down to DEBUG (not its HTTP stack's).
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target().starts_with("oms_api") && *metadata.level() <= tracing::Level::DEBUG
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Node {
                fields,
                opened: Instant::now(),
                below: Vec::new(),
            });
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(node) = span.extensions_mut().get_mut::<Node>()
        {
            values.record(&mut node.fields);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let text = format!("{}{fields}", event.metadata().level());
        match ctx.event_span(event) {
            Some(span) => {
                if let Some(node) = span.extensions_mut().get_mut::<Node>() {
                    node.below.push(text);
                }
            }
            None => println!("{text}"),
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(node) = span.extensions_mut().remove::<Node>() else {
            return;
        };
        let mut text = format!(
            "{}{{{} }} {:.1?}",
            span.name(),
            node.fields,
            node.opened.elapsed()
        );
        for below in &node.below {
            for line in below.lines() {
                let _ = write!(text, "\n    {line}");
            }
        }
        match span.parent() {
            Some(parent) => {
                if let Some(node) = parent.extensions_mut().get_mut::<Node>() {
                    node.below.push(text);
                }
            }
            None => println!("{text}\n"),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Tree))?;
    let oms = LocalOms::builder()
        .access_key(AK, SK)
        .sync_task("sample-task", TaskStatus::Stopped)
        .clock_ahead(Duration::from_secs(3600))
        .throttle(2.0)
        .start()
        .await?;
    let client = Client::builder()
        .endpoint(&oms.base_url())
        .credentials(Credentials::access_key(AK, SK)?)
        .project_id("0123456789abcdef0123456789abcdef")
        .interceptor(RunTag::default())
        .build()?;

    // A listing, then the start of a stopped task, then three quick
    // listings: the gateway admits 2 a second, so one waits for its slot.
    client.list_sync_tasks().send().await?;
    client
        .start_sync_task()
        .sync_task_id("sample-task")
        .body_map(|body| body.dst_ak("sample-dst-ak").dst_sk("sample-dst-sk"))
        .send()
        .await?;
    for _ in 0..3 {
        client.list_sync_tasks().send().await?;
    }
    // One call with a shorter deadline than the client's.
    client
        .show_sync_task()
        .sync_task_id("sample-task")
        .query_time(0)
        .call_settings(CallSettings::new().operation_timeout(Some(Duration::from_secs(5))))
        .send()
        .await?;
    println!(
        "\n{} requests reached the embedded OMS, each signed with the run's tag.",
        oms.requests().len()
    );
    Ok(())
}
