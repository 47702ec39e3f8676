//! What every exchange with a service shares, below the dispatcher, the
//! project discovery, the metadata service and the errors: the
//! `User-Agent`, reading a body within a bound, and recognising a request
//! an HTTP/2 server refused without processing it.

use bytes::{Bytes, BytesMut};

/// The `User-Agent` of every request: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// Whether an HTTP/2 server refused the request without processing it: a
/// `REFUSED_STREAM` reset, or a graceful `GOAWAY` (`NO_ERROR`) that did not
/// take it (RFC 9113 §8.7). reqwest's own retry of these is turned off
/// (it would keep a second copy of every request); the dispatcher repeats
/// them from its copy.
pub(crate) fn refused_unprocessed(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        if let Some(h2) = current.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && match h2.reason() {
                    Some(h2::Reason::REFUSED_STREAM) => h2.is_reset(),
                    Some(h2::Reason::NO_ERROR) => h2.is_go_away(),
                    _ => false,
                };
        }
        cause = current.source();
    }
    false
}

/// Reads at most `limit` bytes of `response`'s body; `false` when there
/// was more (which is not read). One chunk is kept without copying.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
) -> reqwest::Result<(Bytes, bool)> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let held = first.as_ref().map_or(0, Bytes::len) + rest.len();
        let room = limit - held;
        let fits = chunk.len() <= room;
        let chunk = if fits { chunk } else { chunk.slice(..room) };
        match first.take() {
            None if rest.is_empty() => first = Some(chunk),
            held_first => {
                if let Some(held_first) = held_first {
                    rest.extend_from_slice(&held_first);
                }
                rest.extend_from_slice(&chunk);
            }
        }
        if !fits {
            return Ok((collect(first, rest), false));
        }
    }
    Ok((collect(first, rest), true))
}

fn collect(first: Option<Bytes>, rest: BytesMut) -> Bytes {
    match first {
        Some(first) => first,
        None => rest.freeze(),
    }
}
