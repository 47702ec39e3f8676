//! Strongly typed [`httpmock`] helpers, generated from the spec (feature
//! `mock`): `server.start_sync_task(|when, then| …)` instead of raw paths
//! and JSON.
//!
//! The helpers are made for the `httpmock` this crate depends on, which is
//! re-exported as [`oms_api::mock::httpmock`](httpmock): use it rather than
//! a version of your own, whose `MockServer` the helpers would not extend.
//!
//! ```
//! use oms_api::mock::MockServerExt;
//! use oms_api::{Client, Credentials};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), oms_api::Error> {
//! let server = oms_api::mock::httpmock::MockServer::start_async().await;
//! let started = server.start_sync_task(|when, then| {
//!     when.sync_task_id(&"task-1".parse().unwrap());
//!     then.ok();
//! });
//! let client = Client::builder()
//!     .endpoint(&server.base_url())
//!     .credentials(Credentials::iam_token("token")?)
//!     .build()?;
//! client
//!     .start_sync_task()
//!     .project_id("project")
//!     .sync_task_id("task-1")
//!     .body_map(|b| b.dst_ak("ak").dst_sk("sk"))
//!     .send()
//!     .await?;
//! started.assert();
//! # Ok(())
//! # }
//! ```

#![allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    rustdoc::broken_intra_doc_links
)]

pub use httpmock;

include!(concat!(env!("OUT_DIR"), "/oms_api_httpmock.rs"));
