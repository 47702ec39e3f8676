//! The canonical request of SDK-HMAC-SHA256, written straight into a sink:
//! the SHA-256 state when signing (so the text is never built), or a string
//! when someone asks to see it.
//!
//! Six parts joined by `\n`: the method; the canonical URI (each path
//! segment percent-decoded and encoded again keeping only `A–Z a–z 0–9 - _
//! . ~`, with a trailing `/`); the canonical query; one `name:value` line
//! per signed header (values trimmed, several joined by `,`) and an empty
//! line; the signed-header names joined by `;`; the payload hash.

use std::borrow::Cow;

use http::HeaderMap;

/// Where the canonical request goes.
pub(super) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

/// SHA-256 fed in blocks: the canonical request comes in many small
/// pieces, and one `update` per piece costs more than the hashing.
pub(super) struct Hashing {
    hasher: sha2::Sha256,
    buffer: [u8; 512],
    used: usize,
}

impl Hashing {
    pub fn new() -> Self {
        Self {
            hasher: sha2::Digest::new(),
            buffer: [0; 512],
            used: 0,
        }
    }

    pub fn finalize(mut self) -> [u8; 32] {
        sha2::Digest::update(&mut self.hasher, &self.buffer[..self.used]);
        sha2::Digest::finalize(self.hasher).into()
    }
}

impl Sink for Hashing {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(room) = self.buffer.get_mut(self.used..self.used + bytes.len()) {
            room.copy_from_slice(bytes);
            self.used += bytes.len();
            return;
        }
        sha2::Digest::update(&mut self.hasher, &self.buffer[..self.used]);
        self.used = 0;
        match self.buffer.get_mut(..bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.used = bytes.len();
            }
            None => sha2::Digest::update(&mut self.hasher, bytes),
        }
    }
}

/// A signed header: its lower-case name, and where its values are.
#[derive(Clone, Copy)]
pub(super) struct Name<'a> {
    pub name: &'a str,
    pub values: Values<'a>,
}

#[derive(Clone, Copy)]
pub(super) enum Values<'a> {
    /// The request's only value of this header.
    One(&'a http::HeaderValue),
    /// Every value the request has of this header (looked up by name).
    All(&'a http::HeaderName),
    /// A value the signer adds.
    Added(&'a [u8]),
}

/// The request's headers whose names have no `_`, in one pass over the map
/// (a name with several values is looked up again only then).
pub(super) fn request_names(headers: &HeaderMap) -> Vec<Name<'_>> {
    let mut names: Vec<Name<'_>> = Vec::with_capacity(headers.len() + 3);
    for (name, value) in headers {
        if let Some(last) = names.last_mut()
            && last.name == name.as_str()
        {
            last.values = Values::All(name);
            continue;
        }
        if !name.as_str().as_bytes().contains(&b'_') {
            names.push(Name {
                name: name.as_str(),
                values: Values::One(value),
            });
        }
    }
    names
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Whether `byte` stays as it is in the canonical URI and query.
fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Writes `bytes` encoded: unreserved bytes as they are (in runs), every
/// other as `%XX`.
fn put_encoded(sink: &mut impl Sink, bytes: impl IntoIterator<Item = u8>) {
    let mut buffer = [0u8; 64];
    let mut used = 0;
    for byte in bytes {
        if used + 3 > buffer.len() {
            sink.put(&buffer[..used]);
            used = 0;
        }
        if unreserved(byte) {
            buffer[used] = byte;
            used += 1;
        } else {
            buffer[used..used + 3].copy_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(byte >> 4)],
                HEX_UPPER[usize::from(byte & 0xf)],
            ]);
            used += 3;
        }
    }
    sink.put(&buffer[..used]);
}

/// The canonical query of a URL's query string: the pairs decoded as
/// `application/x-www-form-urlencoded` (`+` is a space), sorted by raw key
/// then raw value, each encoded, `k=v` joined by `&`. It is also the query
/// to send. Empty for no query.
pub(super) fn query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> =
        url::form_urlencoded::parse(query.as_bytes()).collect();
    pairs.sort_unstable();
    let mut out = Vec::with_capacity(query.len() + 8);
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push(b'&');
        }
        put_encoded(&mut out, key.bytes());
        out.push(b'=');
        put_encoded(&mut out, value.bytes());
    }
    String::from_utf8(out).expect("encoded text is ASCII")
}

/// A request as its canonical form needs it.
pub(super) struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The canonical query (see [`query`]).
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    /// The signed headers, sorted by name, distinct.
    pub signed: &'a [Name<'a>],
    /// Lower-case hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    pub payload_hash: &'a [u8],
}

/// A signed header the request does not carry.
#[derive(Debug)]
pub(super) struct MissingHeader;

/// Writes the canonical URI of `path`: each segment percent-decoded and
/// encoded again, in one pass over its bytes, with a trailing `/`.
fn put_uri(sink: &mut impl Sink, path: &str) {
    let bytes = path.as_bytes();
    let mut run = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'/' || unreserved(byte) {
            at += 1;
            continue;
        }
        sink.put(&bytes[run..at]);
        let decoded = match (byte, bytes.get(at + 1..at + 3)) {
            (b'%', Some(hex)) => std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok()),
            _ => None,
        };
        match decoded {
            Some(decoded) => {
                put_encoded(sink, [decoded]);
                at += 3;
            }
            None => {
                put_encoded(sink, [byte]);
                at += 1;
            }
        }
        run = at;
    }
    sink.put(&bytes[run..]);
    if !path.ends_with('/') {
        sink.put(b"/");
    }
}

/// Writes the canonical request of `request` into `sink`.
pub(super) fn write(sink: &mut impl Sink, request: &Request<'_>) -> Result<(), MissingHeader> {
    if request.method.bytes().all(|b| !b.is_ascii_lowercase()) {
        sink.put(request.method.as_bytes());
    } else {
        for byte in request.method.bytes() {
            sink.put(&[byte.to_ascii_uppercase()]);
        }
    }
    sink.put(b"\n");
    put_uri(sink, request.path);
    sink.put(b"\n");
    sink.put(request.query.as_bytes());
    sink.put(b"\n");
    for name in request.signed {
        sink.put(name.name.as_bytes());
        sink.put(b":");
        // A value is signed as its bytes: UTF-8 text (which `HeaderValue`
        // accepts beyond ASCII) as the official signer reads it.
        match name.values {
            Values::Added(value) => sink.put(value.trim_ascii()),
            Values::One(value) => sink.put(value.as_bytes().trim_ascii()),
            Values::All(header) => {
                let mut values = request.headers.get_all(header).iter();
                let first = values.next().ok_or(MissingHeader)?;
                sink.put(first.as_bytes().trim_ascii());
                for value in values {
                    sink.put(b",");
                    sink.put(value.as_bytes().trim_ascii());
                }
            }
        }
        sink.put(b"\n");
    }
    sink.put(b"\n");
    put_names(sink, request.signed);
    sink.put(b"\n");
    sink.put(request.payload_hash);
    Ok(())
}

/// The signed-header names joined by `;`.
pub(super) fn put_names(sink: &mut impl Sink, names: &[Name<'_>]) {
    for (index, name) in names.iter().enumerate() {
        if index > 0 {
            sink.put(b";");
        }
        sink.put(name.name.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_everything_but_unreserved_bytes() {
        let mut out = Vec::new();
        put_encoded(&mut out, "a b/c+d~é*".bytes());
        assert_eq!(out, b"a%20b%2Fc%2Bd~%C3%A9%2A");
        // Longer than the buffer.
        let mut long = Vec::new();
        put_encoded(&mut long, " ".repeat(100).bytes());
        assert_eq!(long, "%20".repeat(100).as_bytes());
    }

    #[test]
    fn sorts_and_encodes_the_query() {
        assert_eq!(query(""), "");
        assert_eq!(query("b=2&a=1+1&a=0"), "a=0&a=1%201&b=2");
        assert_eq!(query("k&e="), "e=&k=");
    }
}
