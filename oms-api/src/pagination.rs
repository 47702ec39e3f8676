//! Listings as streams: every sync task, migration task or task group (offset
//! paging), and every object under a folder of a source bucket (marker
//! paging), fetched a full page at a time. The `.stream()` of each listing
//! is generated from the spec's `x-oms-pagination` and calls one of the two
//! functions here.
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

use futures_util::stream::{self, BoxStream, StreamExt};

use crate::error::{Error, printable};
use crate::operation::{Location, Operation};

/// The greatest value the spec allows for `field` of `op`.
fn spec_max(op: &Operation, location: Location, field: &str) -> i64 {
    op.max(location, field)
        .unwrap_or_else(|| panic!("openapi/oms.yaml bounds {}'s {field}", op.id()))
}

/// One page of an offset-paged listing: its items and the total announced.
pub(crate) type Page<T> = (Vec<T>, Option<i64>);

/// One page of a marker-paged listing: its items, the next marker, and
/// whether the service says there is a next page.
pub(crate) type MarkedPage<T> = (Vec<T>, Option<String>, Option<bool>);

/// Pages through an offset/limit listing of `op`: `fetch(limit, offset)`
/// gets one page; `key` identifies an item (items without one are always
/// yielded).
pub(crate) fn offset_stream<'a, T, K, F, Fut>(
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

/// Pages through a marker listing of `op` whose page size is `size`:
/// `fetch(size, marker)` gets the page after `marker` (`""` for the first);
/// `key` names an item. A marker followed before, or a page that repeats
/// the previous one, ends the stream with [`Error::Pagination`]; memory
/// holds one page's names and the markers used.
pub(crate) fn marker_stream<'a, T, F, Fut>(
    op: &'static Operation,
    size: &'static str,
    fetch: F,
    key: fn(&T) -> Option<String>,
) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    F: Fn(std::num::NonZeroU32, String) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<MarkedPage<T>, Error>> + Send + 'a,
{
    let page_size = std::num::NonZeroU32::try_from(
        u32::try_from(spec_max(op, Location::Body, size)).unwrap_or(0),
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
    let fetch = std::sync::Arc::new(fetch);
    stream::unfold(Some(start), move |markers| {
        let fetch = std::sync::Arc::clone(&fetch);
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
            let (items, next, more) = match fetch(page_size, marker.clone()).await {
                Ok(page) => page,
                Err(error) => return Some((vec![Err(error)], None)),
            };
            if items.is_empty() {
                return None;
            }
            let names: HashSet<String> = items.iter().filter_map(key).collect();
            let fresh: Vec<Result<T, Error>> = items
                .into_iter()
                .filter(|item| key(item).is_none_or(|n| !markers.previous.contains(&n)))
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
            let next = next.unwrap_or_default();
            let more = more.unwrap_or(true) && !next.is_empty();
            markers.next = next;
            Some((fresh, more.then_some(markers)))
        }
    })
    .flat_map(stream::iter)
    .boxed()
}
