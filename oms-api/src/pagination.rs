//! Listing every sync task, a page at a time, as a stream.

use std::collections::HashSet;

use futures::stream::{self, BoxStream, StreamExt};

use crate::Client;
use crate::error::Error;
use crate::generated::operations::LIST_SYNC_TASKS;
use crate::types::{SyncTaskInfo, SyncTaskStatus};

/// The greatest value the spec allows for a query parameter of ListSyncTasks.
fn spec_max(field: &str) -> i64 {
    LIST_SYNC_TASKS
        .query_max(field)
        .unwrap_or_else(|| panic!("openapi/oms.yaml bounds ListSyncTasks' {field}"))
}

struct Pages {
    offset: i64,
    seen: HashSet<String>,
}

impl Client {
    /// Every sync task of `project_id` (only those in `status`, when given),
    /// as a stream, fetched with ListSyncTasks a full page (100) at a time.
    ///
    /// The stream ends after `count` tasks, or at a short or empty page. It
    /// never loops forever on a misbehaving server: a task id seen before is
    /// not yielded again, a page with nothing new ends the stream with
    /// [`Error::Pagination`], and so does needing an offset beyond the
    /// API's largest (10000). Any other error is yielded and ends the stream.
    ///
    /// The stream is `Unpin`, so `try_next` works on it as it is:
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: oms_api::Client) -> Result<(), oms_api::Error> {
    /// let mut tasks = client.list_all_sync_tasks("my-project-id", None);
    /// while let Some(task) = tasks.try_next().await? {
    ///     println!("{:?}", task.sync_task_id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_all_sync_tasks(
        &self,
        project_id: &str,
        status: Option<SyncTaskStatus>,
    ) -> BoxStream<'_, Result<SyncTaskInfo, Error>> {
        let project_id = project_id.to_owned();
        let (page_size, max_offset) = (spec_max("limit"), spec_max("offset"));
        let start = Pages {
            offset: 0,
            seen: HashSet::new(),
        };
        stream::unfold(Some(start), move |pages| {
            let project_id = project_id.clone();
            async move {
                let mut pages = pages?;
                if pages.offset > max_offset {
                    let reason = format!(
                        "more tasks are announced than offsets up to {max_offset} can reach"
                    );
                    return Some((vec![Err(Error::Pagination(reason))], None));
                }
                let mut request = self
                    .list_sync_tasks()
                    .project_id(project_id.as_str())
                    .limit(u32::try_from(page_size).expect("the spec's page size fits u32"))
                    .offset(
                        i32::try_from(pages.offset)
                            .expect("offsets up to the spec's maximum fit i32"),
                    );
                if let Some(status) = status {
                    request = request.status(status);
                }
                let page = match request.send().await {
                    Ok(page) => page.into_inner(),
                    Err(error) => return Some((vec![Err(error)], None)),
                };
                let tasks = page.tasks.unwrap_or_default();
                if tasks.is_empty() {
                    return None;
                }
                let received = i64::try_from(tasks.len()).unwrap_or(i64::MAX);
                let fresh: Vec<Result<SyncTaskInfo, Error>> = tasks
                    .into_iter()
                    .filter(|task| {
                        task.sync_task_id
                            .as_ref()
                            .is_none_or(|id| pages.seen.insert(id.clone()))
                    })
                    .map(Ok)
                    .collect();
                if fresh.is_empty() {
                    let reason = format!(
                        "the page at offset {} repeats tasks already listed",
                        pages.offset
                    );
                    return Some((vec![Err(Error::Pagination(reason))], None));
                }
                pages.offset += received;
                let done =
                    received < page_size || page.count.is_some_and(|count| pages.offset >= count);
                Some((fresh, (!done).then_some(pages)))
            }
        })
        .flat_map(stream::iter)
        .boxed()
    }
}
