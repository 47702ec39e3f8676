//! Listings as streams: every sync task, migration task or task group (offset
//! paging), and every object under a folder of a source bucket (marker
//! paging), fetched a full page at a time.
//!
//! Every stream has the same guarantees against a misbehaving server: an
//! item already yielded is not yielded again, a page with nothing new or a
//! marker used before ends the stream with [`Error::Pagination`], and so
//! does needing an offset beyond the spec's largest. Any other error is
//! yielded and ends the stream. Streams are `Unpin`, so `try_next` works on
//! them as they are.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use futures::stream::{self, BoxStream, StreamExt};

use crate::builder;
use crate::error::{Error, printable};
use crate::generated::operations::{
    LIST_SYNC_TASKS, LIST_TASK_GROUP, LIST_TASKS, SHOW_BUCKET_OBJECTS,
};
use crate::operation::{Location, Operation};
use crate::types::{BucketObject, SyncTaskInfo, TaskGroupResp, TaskResp};

/// The greatest value the spec allows for `field` of `op`.
fn spec_max(op: &Operation, location: Location, field: &str) -> i64 {
    op.max(location, field)
        .unwrap_or_else(|| panic!("openapi/oms.yaml bounds {}'s {field}", op.id()))
}

/// One page of an offset-paged listing: its items and the total announced.
type Page<T> = (Vec<T>, Option<i64>);

/// Pages through an offset/limit listing of `op`: `fetch(limit, offset)`
/// gets one page; `key` identifies an item (items without one are always
/// yielded).
fn offset_stream<'a, T, K, F, Fut>(
    op: &'static Operation,
    fetch: F,
    key: fn(&T) -> Option<K>,
) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    K: Eq + Hash + Send + 'a,
    F: Fn(u32, i32) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    let (page_size, max_offset) = (
        spec_max(op, Location::Query, "limit"),
        spec_max(op, Location::Query, "offset"),
    );
    let limit = u32::try_from(page_size).expect("the spec's page size fits u32");
    let start = (0_i64, HashSet::<K>::new());
    let fetch = std::sync::Arc::new(fetch);
    stream::unfold(Some(start), move |pages| {
        let fetch = std::sync::Arc::clone(&fetch);
        async move {
            let (offset, mut seen) = pages?;
            let at = i32::try_from(offset).ok().filter(|_| offset <= max_offset);
            let Some(at) = at else {
                let reason =
                    format!("more items are announced than offsets up to {max_offset} can reach");
                return Some((vec![Err(Error::Pagination(reason))], None));
            };
            let (items, count) = match fetch(limit, at).await {
                Ok(page) => page,
                Err(error) => return Some((vec![Err(error)], None)),
            };
            if items.is_empty() {
                return None;
            }
            let received = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let fresh: Vec<Result<T, Error>> = items
                .into_iter()
                .filter(|item| key(item).is_none_or(|k| seen.insert(k)))
                .map(Ok)
                .collect();
            if fresh.is_empty() {
                let reason = format!("the page at offset {offset} repeats items already listed");
                return Some((vec![Err(Error::Pagination(reason))], None));
            }
            let next = offset.saturating_add(received);
            let done = received < page_size || count.is_some_and(|count| next >= count);
            Some((fresh, (!done).then_some((next, seen))))
        }
    })
    .flat_map(stream::iter)
    .boxed()
}

impl<'a> builder::ListSyncTasks<'a> {
    /// Every sync task that this request selects (its `status` filter), as
    /// a stream, fetched with ListSyncTasks a full page (100) at a time;
    /// `limit` and `offset` are the stream's.
    ///
    /// Like every listing stream of this crate, it never loops forever on a
    /// misbehaving server: an item already yielded is not yielded again, a
    /// page with nothing new ends the stream with [`Error::Pagination`], and
    /// so does needing an offset beyond the API's largest. Any other error
    /// is yielded and ends the stream. The stream is `Unpin`, so `try_next`
    /// works on it as it is:
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let mut tasks = client.list_sync_tasks().stream();
    /// while let Some(task) = tasks.try_next().await? {
    ///     println!("{:?}", task.sync_task_id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<SyncTaskInfo, Error>> {
        offset_stream(
            &LIST_SYNC_TASKS,
            move |limit, offset| {
                let page = self.clone().limit(limit).offset(offset).send();
                async move {
                    let page = page.await?.into_inner();
                    Ok((page.tasks.unwrap_or_default(), page.count))
                }
            },
            |task| task.sync_task_id.clone(),
        )
    }
}

impl<'a> builder::ListTasks<'a> {
    /// Every migration task that this request selects (its `group_id`,
    /// `status` and `task_name` filters), as a stream, fetched a full page
    /// (100) at a time; `limit` and `offset` are the stream's. Same guarantees as
    /// [`ListSyncTasks::stream`](builder::ListSyncTasks::stream).
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let mut failed = client.list_tasks().project_id("my-project-id").status(4).stream();
    /// while let Some(task) = failed.try_next().await? {
    ///     println!("{:?} {:?}", task.id, task.error_reason);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<TaskResp, Error>> {
        offset_stream(
            &LIST_TASKS,
            move |limit, offset| {
                let page = self.clone().limit(limit).offset(offset).send();
                async move {
                    let page = page.await?.into_inner();
                    Ok((page.tasks.unwrap_or_default(), page.count))
                }
            },
            |task| task.id,
        )
    }
}

impl<'a> builder::ListTaskGroup<'a> {
    /// Every task group that this request selects (its `status` filter), as
    /// a stream, fetched a full page (100) at a time; `limit` and `offset`
    /// are the stream's. Same guarantees as
    /// [`ListSyncTasks::stream`](builder::ListSyncTasks::stream).
    pub fn stream(self) -> BoxStream<'a, Result<TaskGroupResp, Error>> {
        offset_stream(
            &LIST_TASK_GROUP,
            move |limit, offset| {
                let page = self.clone().limit(limit).offset(offset).send();
                async move {
                    let page = page.await?.into_inner();
                    Ok((page.taskgroups.unwrap_or_default(), page.count))
                }
            },
            |group| group.group_id.clone(),
        )
    }
}

impl<'a> builder::ShowBucketObjects<'a> {
    /// Every entry (object, or folder ending in `/`) directly under the
    /// body's `file_path`, as a stream, fetched a full page (100) at a time
    /// by following `next_marker`; the body's `page_size` and
    /// `behind_filename` are the stream's. Same guarantees as
    /// [`ListSyncTasks::stream`](builder::ListSyncTasks::stream); here a marker seen before, or a page with nothing new, ends the stream with
    /// [`Error::Pagination`]; memory holds one page and the markers used.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let mut objects = client
    ///     .show_bucket_objects()
    ///     .project_id("my-project-id")
    ///     .body_map(|body| {
    ///         body.cloud_type("Aliyun")
    ///             .bucket_name("photos")
    ///             .data_center("cn-hangzhou")
    ///             .file_path("2024/")
    ///             .ak("source-ak")
    ///             .sk("source-sk")
    ///     })
    ///     .stream();
    /// while let Some(object) = objects.try_next().await? {
    ///     println!("{:?} {:?}", object.name, object.size);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<BucketObject, Error>> {
        let page_size = std::num::NonZeroU32::try_from(
            u32::try_from(spec_max(&SHOW_BUCKET_OBJECTS, Location::Body, "page_size")).unwrap_or(0),
        )
        .expect("the spec's largest page size is at least 1");
        struct Markers {
            next: String,
            used: HashSet<String>,
            previous: HashSet<String>,
        }
        let start = Markers {
            next: String::new(),
            used: HashSet::new(),
            previous: HashSet::new(),
        };
        stream::unfold(Some(start), move |markers| {
            let request = self.clone();
            async move {
                let mut markers = markers?;
                let marker = std::mem::take(&mut markers.next);
                if !markers.used.insert(marker.clone()) {
                    let reason = format!(
                        "the marker \"{}\" was followed before",
                        printable(&marker, 128)
                    );
                    return Some((vec![Err(Error::Pagination(reason))], None));
                }
                let page = request
                    .body_map(|body| body.page_size(page_size).behind_filename(marker.as_str()))
                    .send()
                    .await;
                let page = match page {
                    Ok(page) => page.into_inner(),
                    Err(error) => return Some((vec![Err(error)], None)),
                };
                let records = page.records.unwrap_or_default();
                if records.is_empty() {
                    return None;
                }
                let names: HashSet<String> =
                    records.iter().filter_map(|r| r.name.clone()).collect();
                let fresh: Vec<Result<BucketObject, Error>> = records
                    .into_iter()
                    .filter(|r| {
                        r.name
                            .as_ref()
                            .is_none_or(|n| !markers.previous.contains(n))
                    })
                    .map(Ok)
                    .collect();
                if fresh.is_empty() {
                    let reason = format!(
                        "the page after \"{}\" repeats the previous page",
                        printable(&marker, 128)
                    );
                    return Some((vec![Err(Error::Pagination(reason))], None));
                }
                markers.previous = names;
                let next = page.next_marker.unwrap_or_default();
                let more = page.next_page.unwrap_or(true) && !next.is_empty();
                markers.next = next;
                Some((fresh, more.then_some(markers)))
            }
        })
        .flat_map(stream::iter)
        .boxed()
    }
}
