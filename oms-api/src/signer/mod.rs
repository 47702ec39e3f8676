//! SDK-HMAC-SHA256 request signing, as Huawei Cloud's API gateway checks it:
//! [`sign`] for a client, [`verify`] for a server (the local OMS uses it).
//!
//! The signer is pure: the request's parts, the keys and the time go in, the
//! headers to add come out. [`Client`](crate::Client) signs every request
//! with it when its credentials are an access key
//! ([`Credentials::authenticate`](crate::Credentials::authenticate));
//! users of other HTTP stacks can call [`sign`] themselves. The canonical
//! request is streamed into the hash and never built; [`canonicalize`]
//! builds it for whoever wants to read it.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use oms_api::signer::{self, SignableRequest, SigningKey};
//!
//! let url = "https://oms.cn-north-4.myhuaweicloud.com/v2/p/sync-tasks?limit=10".parse()?;
//! let headers = http::HeaderMap::new();
//! let key = SigningKey::new("MY-AK", "my-secret-key")?;
//! let request = SignableRequest { method: "GET", url: &url, headers: &headers, body: b"" };
//! let signed = signer::sign(&request, &key, UNIX_EPOCH + Duration::from_secs(1_704_164_645))?;
//! // Add `signed.headers()` to the request; the query is already canonical.
//! assert_eq!(signed.canonical_query(), None);
//! assert!(signed.authorization().starts_with(
//!     "SDK-HMAC-SHA256 Access=MY-AK, SignedHeaders=host;x-sdk-date, Signature="
//! ));
//!
//! // A server holding the same key accepts it.
//! let mut received = headers.clone();
//! received.extend(signed.headers().map(|(name, value)| (name, value.clone())));
//! let received = SignableRequest { headers: &received, ..request };
//! signer::verify(&received, signed.authorization(), &key)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::date::Civil;
pub use crate::error::SigningError;
use crate::secret::Secret;

/// The signing algorithm's name, first in the string to sign and in
/// `Authorization`.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The header that carries the signing time.
pub const DATE_HEADER: HeaderName = HeaderName::from_static("x-sdk-date");

/// The header that replaces the payload hash when present.
pub const CONTENT_SHA256_HEADER: HeaderName = HeaderName::from_static("x-sdk-content-sha256");

/// The payload hash of a body that is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// How far the gateway lets `X-Sdk-Date` stray from its clock.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// Everything but these is percent-encoded in a path segment (the same set
/// the canonical URI keeps).
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An access key and its secret key. `Debug` shows the access key only.
#[derive(Clone)]
pub struct SigningKey {
    access_key: String,
    secret_key: SecretKey,
    keyed: KeyedMac,
}

/// HMAC-SHA256 with the secret key already absorbed (the hashed inner and
/// outer key blocks), so that a signature does not hash them again: two of
/// the dozen SHA-256 blocks a signature takes. It is as good as the key, so
/// it is wiped when dropped, like the key. (Boxed: it is 200-odd bytes,
/// and credentials are moved around.)
#[derive(Clone)]
struct KeyedMac(Box<Hmac<Sha256>>);

// `zeroize_flat_type` needs a type with nothing to drop and no pointers;
// a future `hmac` or `sha2` that put the state behind one would fail here.
const _: () = assert!(!std::mem::needs_drop::<Hmac<Sha256>>());

impl Drop for KeyedMac {
    fn drop(&mut self) {
        // SAFETY: `Hmac<Sha256>` is plain data (two SHA-256 states, a block
        // counter each, a 64-byte buffer and its position; nothing to drop,
        // as asserted above), valid as all zeros, and not used after this.
        unsafe { zeroize::zeroize_flat_type(&mut *self.0) }
    }
}

/// A secret key: 1 to 1024 characters.
pub type SecretKey = Secret<1, 1024>;

impl SigningKey {
    /// Checks the access key (1 to 1024 visible ASCII characters, without
    /// `,` or space, as it goes into the `Authorization` header) and the
    /// secret key (1 to 1024 characters).
    pub fn new(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, SigningError> {
        let access_key = access_key.into();
        let well_formed = (1..=1024).contains(&access_key.len())
            && access_key
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b',');
        if !well_formed {
            return Err(SigningError::InvalidAccessKey);
        }
        let secret_key = SecretKey::new(secret_key).map_err(|_| SigningError::InvalidSecretKey)?;
        let keyed = KeyedMac(Box::new(
            Hmac::<Sha256>::new_from_slice(secret_key.expose_secret().as_bytes())
                .expect("HMAC takes keys of any length"),
        ));
        Ok(Self {
            access_key,
            secret_key,
            keyed,
        })
    }

    /// The access key (not a secret: it names the key).
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// Lower-case hex HMAC-SHA256 of the string to sign of a canonical
    /// request hashed to `digest`.
    fn signature(&self, date: &[u8], digest: &[u8]) -> [u8; 64] {
        let mut mac = (*self.keyed.0).clone();
        mac.update(ALGORITHM.as_bytes());
        mac.update(b"\n");
        mac.update(date);
        mac.update(b"\n");
        mac.update(&hex(digest));
        hex(&mac.finalize().into_bytes())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

/// The parts of a request that are signed.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The method, such as `POST` (upper-cased for signing).
    pub method: &'a str,
    /// The full URL. Its query is read as `application/x-www-form-urlencoded`
    /// (`+` is a space); send [`Signed::canonical_query`] instead of it when
    /// there is one.
    pub url: &'a url::Url,
    /// The headers present before signing: every one whose name has no `_`
    /// is signed. `X-Sdk-Date` and `Host` are used when present.
    pub headers: &'a HeaderMap,
    /// The exact body bytes that will be sent.
    pub body: &'a [u8],
}

/// What signing adds to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    host: Option<HeaderValue>,
    date: Option<HeaderValue>,
    unsigned_payload: bool,
    authorization: HeaderValue,
    canonical_query: Option<String>,
}

impl Signed {
    /// The headers to add, in order: `Host` and `X-Sdk-Date` unless the
    /// request had them, `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a body
    /// that is neither JSON nor BSON, `Authorization`.
    pub fn headers(&self) -> impl Iterator<Item = (HeaderName, &HeaderValue)> {
        static UNSIGNED: HeaderValue = HeaderValue::from_static(UNSIGNED_PAYLOAD);
        let host = self.host.as_ref().map(|v| (http::header::HOST, v));
        let date = self.date.as_ref().map(|v| (DATE_HEADER, v));
        let payload = self
            .unsigned_payload
            .then_some((CONTENT_SHA256_HEADER, &UNSIGNED));
        host.into_iter()
            .chain(date)
            .chain(payload)
            .chain([(http::header::AUTHORIZATION, &self.authorization)])
    }

    /// Adds the headers to `headers`.
    pub fn add_to(self, headers: &mut HeaderMap) {
        headers.reserve(4);
        if let Some(host) = self.host {
            headers.insert(http::header::HOST, host);
        }
        if let Some(date) = self.date {
            headers.insert(DATE_HEADER, date);
        }
        if self.unsigned_payload {
            headers.insert(
                CONTENT_SHA256_HEADER,
                HeaderValue::from_static(UNSIGNED_PAYLOAD),
            );
        }
        headers.insert(http::header::AUTHORIZATION, self.authorization);
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        self.authorization
            .to_str()
            .expect("the authorization is ASCII")
    }

    /// The hex signature.
    pub fn signature(&self) -> &str {
        let authorization = self.authorization();
        &authorization[authorization.len() - 64..]
    }

    /// The query to send instead of the URL's (without `?`), when the URL's
    /// is not already the canonical one that was signed.
    pub fn canonical_query(&self) -> Option<&str> {
        self.canonical_query.as_deref()
    }
}

/// The date, `Host` and payload hash a request is signed with.
struct Prepared<'a> {
    date: DateText,
    date_is_new: bool,
    host: Option<String>,
    unsigned_payload: bool,
    payload_hash: PayloadHash<'a>,
    query: String,
}

/// `YYYYMMDDTHHMMSSZ`, from the request or the clock.
#[derive(Clone, Copy)]
struct DateText([u8; 16]);

enum PayloadHash<'a> {
    Given(&'a [u8]),
    Computed([u8; 64]),
}

impl PayloadHash<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            PayloadHash::Given(hash) => hash,
            PayloadHash::Computed(hash) => hash,
        }
    }
}

fn prepare<'a>(
    request: &SignableRequest<'a>,
    time: SystemTime,
) -> Result<Prepared<'a>, SigningError> {
    // The headers the signer reads, found in one pass over the map.
    let (mut date, mut host, mut content_sha256, mut content_type) = (None, false, None, None);
    for (name, value) in request.headers {
        if *name == DATE_HEADER {
            date.get_or_insert(value);
        } else if *name == http::header::HOST {
            host = true;
        } else if *name == CONTENT_SHA256_HEADER {
            content_sha256.get_or_insert(value);
        } else if *name == http::header::CONTENT_TYPE {
            content_type.get_or_insert(value);
        }
    }
    let (date, date_is_new) = match date {
        Some(given) => (DateText::parse(given.as_bytes())?, false),
        None => (DateText::format(time)?, true),
    };
    let host = match host {
        true => None,
        false => Some(self::host(request.url)?),
    };
    let unsigned_payload = content_sha256.is_none()
        && content_type.is_some_and(|t: &HeaderValue| {
            let t = t.as_bytes();
            !t.starts_with(b"application/json") && !t.starts_with(b"application/bson")
        });
    let payload_hash = match content_sha256 {
        Some(given) => PayloadHash::Given(given.as_bytes().trim_ascii()),
        None if unsigned_payload => PayloadHash::Given(UNSIGNED_PAYLOAD.as_bytes()),
        None => PayloadHash::Computed(hex(&Sha256::digest(request.body))),
    };
    Ok(Prepared {
        date,
        date_is_new,
        host,
        unsigned_payload,
        payload_hash,
        query: canonical::query(request.url.query().unwrap_or("")),
    })
}

impl Prepared<'_> {
    /// The signed headers: every header of the request whose name has no
    /// `_`, and those the signer adds, sorted by name.
    fn names<'n>(&'n self, headers: &'n HeaderMap) -> Vec<canonical::Name<'n>> {
        let mut names = canonical::request_names(headers);
        let mut add = |name, value| {
            names.push(canonical::Name {
                name,
                values: canonical::Values::Added(value),
            });
        };
        if let Some(host) = &self.host {
            add("host", host.as_bytes());
        }
        if self.date_is_new {
            add("x-sdk-date", &self.date.0);
        }
        if self.unsigned_payload {
            add("x-sdk-content-sha256", UNSIGNED_PAYLOAD.as_bytes());
        }
        names.sort_unstable_by_key(|name| name.name);
        names
    }

    /// Writes the canonical request into `sink`.
    fn write(
        &self,
        sink: &mut impl canonical::Sink,
        request: &SignableRequest<'_>,
        names: &[canonical::Name<'_>],
    ) {
        canonical::write(
            sink,
            &canonical::Request {
                method: request.method,
                path: request.url.path(),
                query: &self.query,
                headers: request.headers,
                signed: names,
                payload_hash: self.payload_hash.as_bytes(),
            },
        )
        .expect("every signed header is present");
    }
}

/// Signs `request` with `key` at `time` (used unless the request already
/// carries `X-Sdk-Date`).
pub fn sign(
    request: &SignableRequest<'_>,
    key: &SigningKey,
    time: SystemTime,
) -> Result<Signed, SigningError> {
    let prepared = prepare(request, time)?;
    let names = prepared.names(request.headers);
    let mut hasher = canonical::Hashing::new();
    prepared.write(&mut hasher, request, &names);
    let signature = key.signature(&prepared.date.0, &hasher.finalize());
    let mut authorization =
        Vec::with_capacity(ALGORITHM.len() + key.access_key.len() + 64 + 40 + names.len() * 16);
    authorization.extend_from_slice(ALGORITHM.as_bytes());
    authorization.extend_from_slice(b" Access=");
    authorization.extend_from_slice(key.access_key.as_bytes());
    authorization.extend_from_slice(b", SignedHeaders=");
    canonical::put_names(&mut authorization, &names);
    authorization.extend_from_slice(b", Signature=");
    authorization.extend_from_slice(&signature);
    let query = request.url.query().unwrap_or("");
    Ok(Signed {
        host: prepared
            .host
            .map(|host| HeaderValue::from_maybe_shared(bytes::Bytes::from(host)))
            .transpose()
            .map_err(|_| SigningError::NoHost)?,
        date: prepared
            .date_is_new
            .then(|| HeaderValue::from_bytes(&prepared.date.0).expect("a date is a header value")),
        unsigned_payload: prepared.unsigned_payload,
        authorization: HeaderValue::from_maybe_shared(bytes::Bytes::from(authorization))
            .expect("checked key and hex are header-safe"),
        canonical_query: (prepared.query != query).then_some(prepared.query),
    })
}

/// The canonical request, the string to sign and the canonical query of
/// `request` signed at `time`: what [`sign`] hashes without building it,
/// for debugging or comparing with another signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The query to send (without `?`; empty for none).
    pub canonical_query: String,
}

/// Builds the canonical request and string to sign of `request` at `time`.
pub fn canonicalize(
    request: &SignableRequest<'_>,
    time: SystemTime,
) -> Result<Canonical, SigningError> {
    let prepared = prepare(request, time)?;
    let names = prepared.names(request.headers);
    let mut text = Vec::new();
    prepared.write(&mut text, request, &names);
    let digest = Sha256::digest(&text);
    let date = std::str::from_utf8(&prepared.date.0).expect("a date is ASCII");
    let digest = hex(&digest);
    Ok(Canonical {
        canonical_request: String::from_utf8_lossy(&text).into_owned(),
        string_to_sign: format!(
            "{ALGORITHM}\n{date}\n{}",
            std::str::from_utf8(&digest).expect("hex is ASCII")
        ),
        canonical_query: prepared.query,
    })
}

/// Why a server refuses a signature. Never contains a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// `Authorization` is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
    /// Signature=…`.
    #[error("malformed Authorization header")]
    Malformed,
    /// The access key is not the one given.
    #[error("unknown access key")]
    UnknownAccessKey,
    /// `Host` or `X-Sdk-Date` is not among the signed headers.
    #[error("host and x-sdk-date must be signed")]
    DateOrHostNotSigned,
    /// A header listed as signed is not in the request.
    #[error("a signed header is missing")]
    MissingHeader,
    /// `X-Sdk-Date` is missing or malformed.
    #[error("malformed X-Sdk-Date")]
    BadDate,
    /// The signature does not match the request.
    #[error("signature mismatch")]
    Mismatch,
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
/// Signature=…` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The access key.
    pub access_key: &'a str,
    /// The signed header names, as listed (`;`-separated).
    pub signed_headers: &'a str,
    /// The hex signature.
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// Parses the header value; `None` when it is not of that form.
    pub fn parse(value: &'a str) -> Option<Self> {
        let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let (mut access_key, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=')?;
            let slot = match name {
                "Access" => &mut access_key,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return None,
            };
            if slot.replace(value).is_some() {
                return None;
            }
        }
        Some(Self {
            access_key: access_key?,
            signed_headers: signed_headers?,
            signature: signature?,
        })
    }
}

/// Checks, as the gateway does, that `authorization` is a signature of
/// `request` (as received: its headers, query and body bytes) by `key`:
/// the listed headers are recomputed over, `Host` and `X-Sdk-Date` must be
/// among them. Whether the date is recent enough is the caller's rule
/// ([`MAX_CLOCK_SKEW`]; see [`parse_date`]).
pub fn verify(
    request: &SignableRequest<'_>,
    authorization: &str,
    key: &SigningKey,
) -> Result<(), VerifyError> {
    let parsed = Authorization::parse(authorization).ok_or(VerifyError::Malformed)?;
    if parsed.access_key != key.access_key {
        return Err(VerifyError::UnknownAccessKey);
    }
    let listed: Vec<&str> = parsed.signed_headers.split(';').collect();
    if !listed.contains(&"host") || !listed.contains(&"x-sdk-date") {
        return Err(VerifyError::DateOrHostNotSigned);
    }
    let header_names = listed
        .iter()
        .map(|name| HeaderName::from_bytes(name.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| VerifyError::MissingHeader)?;
    let names: Vec<canonical::Name<'_>> = header_names
        .iter()
        .map(|name| canonical::Name {
            name: name.as_str(),
            values: canonical::Values::All(name),
        })
        .collect();
    let date = request
        .headers
        .get(&DATE_HEADER)
        .ok_or(VerifyError::BadDate)
        .and_then(|d| DateText::parse(d.as_bytes()).map_err(|_| VerifyError::BadDate))?;
    let payload_hash = match request.headers.get(&CONTENT_SHA256_HEADER) {
        Some(given) => PayloadHash::Given(given.as_bytes().trim_ascii()),
        None => PayloadHash::Computed(hex(&Sha256::digest(request.body))),
    };
    let query = canonical::query(request.url.query().unwrap_or(""));
    let mut hasher = canonical::Hashing::new();
    canonical::write(
        &mut hasher,
        &canonical::Request {
            method: request.method,
            path: request.url.path(),
            query: &query,
            headers: request.headers,
            signed: &names,
            payload_hash: payload_hash.as_bytes(),
        },
    )
    .map_err(|_| VerifyError::MissingHeader)?;
    let expected = key.signature(&date.0, &hasher.finalize());
    // Compared in constant time, as any signature check should be.
    let matches = expected.len() == parsed.signature.len()
        && expected
            .iter()
            .zip(parsed.signature.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    if matches {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// The `Host` value for `url`: its host, with `:port` when the URL names a
/// port other than its scheme's default.
fn host(url: &url::Url) -> Result<String, SigningError> {
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(SigningError::NoHost)?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// Lower-case hex of `bytes` (32 of them).
fn hex(bytes: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
    out
}

impl DateText {
    /// `time` formatted; the text of the last second formatted on this
    /// thread is reused, as requests come many to a second.
    fn format(time: SystemTime) -> Result<Self, SigningError> {
        thread_local! {
            static LAST: std::cell::Cell<(u64, DateText)> =
                const { std::cell::Cell::new((u64::MAX, DateText([0; 16]))) };
        }
        let seconds = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SigningError::TimeOutOfRange)?
            .as_secs();
        let (last, text) = LAST.get();
        if last == seconds {
            return Ok(text);
        }
        let text = Self::format_seconds(seconds)?;
        LAST.set((seconds, text));
        Ok(text)
    }

    fn format_seconds(seconds: u64) -> Result<Self, SigningError> {
        i64::try_from(seconds)
            .ok()
            .and_then(Civil::from_unix)
            .map(|time| Self(time.compact()))
            .ok_or(SigningError::TimeOutOfRange)
    }

    fn parse(text: &[u8]) -> Result<Self, SigningError> {
        let time = Civil::parse_compact(text.trim_ascii()).ok_or(SigningError::BadDate)?;
        Ok(Self(time.compact()))
    }

    fn time(&self) -> SystemTime {
        Civil::parse_compact(&self.0).expect("checked").system()
    }
}

/// `time` as `YYYYMMDDTHHMMSSZ` (UTC).
pub fn format_date(time: SystemTime) -> Result<String, SigningError> {
    let date = DateText::format(time)?;
    Ok(String::from_utf8_lossy(&date.0).into_owned())
}

/// Parses `YYYYMMDDTHHMMSSZ` (UTC).
pub fn parse_date(text: &str) -> Result<SystemTime, SigningError> {
    DateText::parse(text.as_bytes()).map(|date| date.time())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical_uri(path: &str) -> String {
        let url = url::Url::parse(&format!("https://h{path}")).unwrap();
        let headers = HeaderMap::new();
        let request = SignableRequest {
            method: "GET",
            url: &url,
            headers: &headers,
            body: b"",
        };
        let canonical = canonicalize(&request, UNIX_EPOCH).unwrap();
        canonical
            .canonical_request
            .lines()
            .nth(1)
            .unwrap()
            .to_owned()
    }

    #[test]
    fn formats_and_parses_dates_both_ways() {
        let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(format_date(time).unwrap(), "20240102T030405Z");
        assert_eq!(parse_date("20240102T030405Z").unwrap(), time);
        for days in [0, 59, 60, 365, 10_957, 11_016, 19_782, 2_932_896] {
            let time = UNIX_EPOCH + Duration::from_secs(days * 86_400 + 86_399);
            assert_eq!(parse_date(&format_date(time).unwrap()).unwrap(), time);
        }
        assert_eq!(
            format_date(UNIX_EPOCH + Duration::from_secs(951_782_400)).unwrap(),
            "20000229T000000Z"
        );
        assert_eq!(
            format_date(UNIX_EPOCH + Duration::from_secs(400_000_000_000)),
            Err(SigningError::TimeOutOfRange)
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for text in [
            "",
            "20240102T030405",
            "2024-01-02T03:04:05Z",
            "20240230T000000Z",
            "20241301T000000Z",
            "20240102T240000Z",
            "+2024010T030405Z",
            "2024010２T03040Z",
        ] {
            assert_eq!(parse_date(text), Err(SigningError::BadDate), "{text}");
        }
    }

    #[test]
    fn canonical_uri_reencodes_each_segment_and_ends_with_slash() {
        assert_eq!(
            canonical_uri("/v2/pid/objectstorage/a%20b/c+d"),
            "/v2/pid/objectstorage/a%20b/c%2Bd/"
        );
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a/"), "/a/");
        assert_eq!(canonical_uri("/%E4%B8%AD"), "/%E4%B8%AD/");
    }

    #[test]
    fn canonical_query_sorts_raw_pairs_and_keeps_empty_values() {
        assert_eq!(canonical::query("b=2&a=&a=1&c"), "a=&a=1&b=2&c=");
        assert_eq!(
            canonical::query("data_type=REQUEST,SUCCESS"),
            "data_type=REQUEST%2CSUCCESS"
        );
        assert_eq!(canonical::query("q=a+b"), "q=a%20b");
        assert_eq!(canonical::query(""), "");
    }

    #[test]
    fn parses_authorization_headers() {
        let parsed = Authorization::parse(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(parsed.access_key, "AK");
        assert_eq!(parsed.signed_headers, "host;x-sdk-date");
        assert_eq!(parsed.signature, "abc");
        assert!(Authorization::parse("Bearer x").is_none());
        assert!(Authorization::parse("SDK-HMAC-SHA256 Access=AK").is_none());
        assert!(
            Authorization::parse(
                "SDK-HMAC-SHA256 Access=A, Access=B, SignedHeaders=h, Signature=s"
            )
            .is_none()
        );
    }

    #[test]
    fn a_key_debug_shows_the_access_key_only() {
        let key = SigningKey::new("AKID", "CANARY-secret").unwrap();
        let debug = format!("{key:?}");
        assert!(
            debug.contains("AKID") && !debug.contains("CANARY"),
            "{debug}"
        );
        assert!(SigningKey::new("", "sk").is_err());
        assert!(SigningKey::new("A,K", "sk").is_err());
        assert!(SigningKey::new("AK", "").is_err());
    }

    #[test]
    fn a_non_ascii_header_value_is_signed_as_its_utf8_text() {
        // `HeaderValue` takes UTF-8 bytes; the official signer signs the
        // value as that text. The SHA-256 of this canonical request was
        // computed independently from the same text.
        let url = url::Url::parse("https://h/v2/p").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(DATE_HEADER, HeaderValue::from_static("20240102T030405Z"));
        headers.insert(
            "x-note",
            HeaderValue::from_bytes(" café 中文 ".as_bytes()).unwrap(),
        );
        let request = SignableRequest {
            method: "GET",
            url: &url,
            headers: &headers,
            body: b"",
        };
        let canonical = canonicalize(&request, UNIX_EPOCH).unwrap();
        assert!(
            canonical.canonical_request.contains("\nx-note:café 中文\n"),
            "{}",
            canonical.canonical_request
        );
        let key = SigningKey::new("AK", "sk").unwrap();
        let signed = sign(&request, &key, UNIX_EPOCH).unwrap();
        let mut received = headers.clone();
        received.extend(signed.headers().map(|(n, v)| (n, v.clone())));
        verify(
            &SignableRequest {
                headers: &received,
                ..request
            },
            signed.authorization(),
            &key,
        )
        .unwrap();
    }

    /// Arbitrary request parts: a path and query set through `url` (which
    /// escapes what it must), header values of any bytes a header may hold,
    /// any body.
    fn any_request()
    -> impl proptest::strategy::Strategy<Value = (url::Url, HeaderMap, Vec<u8>, String)> {
        use proptest::prelude::*;
        (
            any::<String>(),
            any::<String>(),
            proptest::collection::vec(
                (
                    "[a-z][a-z0-9-]{0,12}",
                    proptest::collection::vec(any::<u8>(), 0..40),
                ),
                0..6,
            ),
            proptest::collection::vec(any::<u8>(), 0..200),
            "[A-Za-z]{1,8}",
        )
            .prop_map(|(path, query, headers, body, method)| {
                let mut url = url::Url::parse("https://oms.cn-north-4.myhuaweicloud.com/").unwrap();
                url.set_path(&path);
                url.set_query((!query.is_empty()).then_some(query.as_str()));
                let mut map = HeaderMap::new();
                for (name, value) in headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_bytes(&value),
                    ) {
                        map.append(name, value);
                    }
                }
                (url, map, body, method)
            })
    }

    proptest::proptest! {
        #[test]
        fn signing_never_panics_is_stable_and_verifies((url, headers, body, method) in any_request()) {
            let key = SigningKey::new("AK", "sk").unwrap();
            let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
            let request = SignableRequest { method: &method, url: &url, headers: &headers, body: &body };
            let first = sign(&request, &key, time);
            let second = sign(&request, &key, time);
            proptest::prop_assert_eq!(&first, &second);
            if let Ok(signed) = first {
                // What is sent is the canonical query, which signs the same
                // and verifies.
                let mut sent = url.clone();
                if let Some(query) = signed.canonical_query() {
                    sent.set_query((!query.is_empty()).then_some(query));
                }
                let mut received = headers.clone();
                received.extend(signed.headers().map(|(n, v)| (n, v.clone())));
                let received = SignableRequest { method: &method, url: &sent, headers: &received, body: &body };
                proptest::prop_assert_eq!(verify(&received, signed.authorization(), &key), Ok(()));
                let other = SigningKey::new("AK", "other").unwrap();
                proptest::prop_assert_eq!(
                    verify(&received, signed.authorization(), &other),
                    Err(VerifyError::Mismatch)
                );
            }
        }
    }
}
