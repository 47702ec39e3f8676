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
use percent_encoding::percent_decode_str;

/// Where the canonical request goes.
pub(super) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
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
    /// Headers signed but not in `headers` (the `Host` and `X-Sdk-Date` the
    /// signer adds), by lower-case name.
    pub extra: &'a [(&'a str, &'a [u8])],
    /// The signed header names: lower case, sorted, distinct.
    pub signed: &'a [&'a str],
    /// Lower-case hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    pub payload_hash: &'a [u8],
}

/// A signed header the request does not carry.
#[derive(Debug)]
pub(super) struct MissingHeader;

/// Writes the canonical request of `request` into `sink`.
pub(super) fn write(sink: &mut impl Sink, request: &Request<'_>) -> Result<(), MissingHeader> {
    for byte in request.method.bytes() {
        sink.put(&[byte.to_ascii_uppercase()]);
    }
    sink.put(b"\n");
    let mut first = true;
    for segment in request.path.split('/') {
        if !first {
            sink.put(b"/");
        }
        first = false;
        put_encoded(sink, percent_decode_str(segment));
    }
    if !request.path.ends_with('/') {
        sink.put(b"/");
    }
    sink.put(b"\n");
    sink.put(request.query.as_bytes());
    sink.put(b"\n");
    for name in request.signed {
        sink.put(name.as_bytes());
        sink.put(b":");
        match request.extra.iter().find(|(extra, _)| extra == name) {
            Some((_, value)) => sink.put(value.trim_ascii()),
            None => {
                let mut values = request.headers.get_all(*name).iter();
                let first = values.next().ok_or(MissingHeader)?;
                // A value is signed as its bytes: UTF-8 text (which
                // `HeaderValue` accepts beyond ASCII) as the official signer
                // reads it.
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
pub(super) fn put_names(sink: &mut impl Sink, names: &[&str]) {
    for (index, name) in names.iter().enumerate() {
        if index > 0 {
            sink.put(b";");
        }
        sink.put(name.as_bytes());
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
