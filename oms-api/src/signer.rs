//! SDK-HMAC-SHA256 request signing, as Huawei Cloud's API gateway checks it.
//!
//! The signer is pure: the request's parts, the keys and the time go in, the
//! headers to add come out. [`Client`](crate::Client) signs every request
//! with it when its credentials are an access key; users of other HTTP
//! stacks can call [`sign`] themselves.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use oms_api::signer::{self, SignableRequest, SigningKey};
//!
//! let url = "https://oms.cn-north-4.myhuaweicloud.com/v2/p/sync-tasks?limit=10".parse()?;
//! let headers = http::HeaderMap::new();
//! let key = SigningKey::new("MY-AK", "my-secret-key")?;
//! let signed = signer::sign(
//!     &SignableRequest { method: "GET", url: &url, headers: &headers, body: b"" },
//!     &key,
//!     UNIX_EPOCH + Duration::from_secs(1_704_164_645),
//! )?;
//! // Add `signed.headers` to the request and send `signed.canonical_query`
//! // as its query string.
//! assert_eq!(signed.canonical_query, "limit=10");
//! assert!(signed.authorization.starts_with("SDK-HMAC-SHA256 Access=MY-AK, SignedHeaders=host;x-sdk-date, Signature="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

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
pub const MAX_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Everything but these stays percent-encoded in the canonical URI and query.
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
        Ok(Self {
            access_key,
            secret_key,
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
    /// (`+` is a space); send [`Signed::canonical_query`] instead of it.
    pub url: &'a url::Url,
    /// The headers present before signing: every one whose name has no `_`
    /// is signed. `X-Sdk-Date` and `Host` are used when present.
    pub headers: &'a HeaderMap,
    /// The exact body bytes that will be sent.
    pub body: &'a [u8],
}

/// The result of signing: what to add to the request, and the intermediate
/// strings (useful to compare with another signer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Headers to add, in order: `Host` and `X-Sdk-Date` unless present,
    /// `X-Sdk-Content-Sha256` for a body that is not JSON, `Authorization`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The query string to send (without `?`; empty for none).
    pub canonical_query: String,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

/// Signs `request` with `key` at `time` (used unless the request already
/// carries `X-Sdk-Date`).
pub fn sign(
    request: &SignableRequest<'_>,
    key: &SigningKey,
    time: SystemTime,
) -> Result<Signed, SigningError> {
    let mut headers = request.headers.clone();
    let mut added = Vec::new();
    if !headers.contains_key(http::header::HOST) {
        let host = host_header(request.url)?;
        added.push((http::header::HOST, host));
    }
    if !headers.contains_key(DATE_HEADER) {
        let date = HeaderValue::from_str(&format_date(time)?).expect("a date is a header value");
        added.push((DATE_HEADER, date));
    }
    if let Some(content_type) = headers.get(http::header::CONTENT_TYPE)
        && !headers.contains_key(CONTENT_SHA256_HEADER)
    {
        let content_type = content_type.to_str().unwrap_or("");
        if !content_type.starts_with("application/json")
            && !content_type.starts_with("application/bson")
        {
            added.push((
                CONTENT_SHA256_HEADER,
                HeaderValue::from_static(UNSIGNED_PAYLOAD),
            ));
        }
    }
    for (name, value) in &added {
        headers.insert(name.clone(), value.clone());
    }

    let date = header_str(&headers, &DATE_HEADER)?
        .expect("inserted above")
        .to_owned();
    parse_date(&date)?;
    let signed_headers = signed_header_names(&headers);
    let canonical_query = canonical_query(request.url.query().unwrap_or(""));
    let payload_hash = match header_str(&headers, &CONTENT_SHA256_HEADER)? {
        Some(hash) => hash.to_owned(),
        None => hex::encode(Sha256::digest(request.body)),
    };
    let canonical_request = canonical_request(
        request.method,
        request.url.path(),
        &canonical_query,
        &headers,
        &signed_headers,
        &payload_hash,
    )?;
    let string_to_sign = string_to_sign(&date, &canonical_request);
    let signature = signature(key.secret_key.expose_secret(), &string_to_sign);
    let authorization = format!(
        "{ALGORITHM} Access={}, SignedHeaders={}, Signature={signature}",
        key.access_key,
        signed_headers.join(";")
    );
    added.push((
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&authorization).expect("checked key and hex are header-safe"),
    ));
    Ok(Signed {
        headers: added,
        canonical_query,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    })
}

/// The `Host` value for `url`: its host, with `:port` when the URL names a
/// port other than its scheme's default.
pub fn host_header(url: &url::Url) -> Result<HeaderValue, SigningError> {
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(SigningError::NoHost)?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::from_str(&host).map_err(|_| SigningError::NoHost)
}

/// The names of the headers to sign: all without `_`, lower case, sorted.
pub fn signed_header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !name.contains('_'))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The canonical URI: each segment of `path` percent-decoded and encoded
/// again keeping only unreserved characters, with a trailing `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut uri: String = path
        .split('/')
        .map(|segment| {
            let raw: Vec<u8> = percent_decode_str(segment).collect();
            percent_encoding::percent_encode(&raw, UNRESERVED).to_string()
        })
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query of a URL's query string: the pairs decoded, sorted
/// by key then value (raw), encoded keeping only unreserved characters.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, UNRESERVED),
                utf8_percent_encode(v, UNRESERVED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request: method, URI, query, headers, signed-header list
/// and payload hash, joined by `\n`.
pub fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash: &str,
) -> Result<String, SigningError> {
    let mut text = format!(
        "{}\n{}\n{}\n",
        method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query
    );
    for name in signed_headers {
        // A value is signed as its text: UTF-8 (what `HeaderValue` accepts
        // beyond ASCII) as the official signer reads it.
        let values: Vec<std::borrow::Cow<'_, str>> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| match String::from_utf8_lossy(v.as_bytes()) {
                std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(text.trim()),
                std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(text.trim().to_owned()),
            })
            .collect();
        text.push_str(name);
        text.push(':');
        text.push_str(&values.join(","));
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&signed_headers.join(";"));
    text.push('\n');
    text.push_str(payload_hash);
    Ok(text)
}

/// `SDK-HMAC-SHA256\n<date>\n<hex SHA-256 of the canonical request>`.
pub fn string_to_sign(date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// Lower-case hex HMAC-SHA256 of `string_to_sign` keyed with the secret key.
pub fn signature(secret_key: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn header_str<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
) -> Result<Option<&'h str>, SigningError> {
    headers
        .get(name)
        .map(|v| {
            std::str::from_utf8(v.as_bytes())
                .map(str::trim)
                .map_err(|_| SigningError::BadDate)
        })
        .transpose()
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
/// Signature=…` header, as a verifier reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key.
    pub access_key: String,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses the header value; `None` when it is not of that form.
    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let mut access_key = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=')?;
            match name {
                "Access" => access_key = Some(value.to_owned()),
                "SignedHeaders" => {
                    signed_headers = Some(value.split(';').map(str::to_owned).collect())
                }
                "Signature" => signature = Some(value.to_owned()),
                _ => return None,
            }
        }
        Some(Self {
            access_key: access_key?,
            signed_headers: signed_headers?,
            signature: signature?,
        })
    }
}

/// `time` as `YYYYMMDDTHHMMSSZ` (UTC).
pub fn format_date(time: SystemTime) -> Result<String, SigningError> {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| SigningError::TimeOutOfRange)?
        .as_secs();
    let days = i64::try_from(seconds / 86_400).map_err(|_| SigningError::TimeOutOfRange)?;
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        return Err(SigningError::TimeOutOfRange);
    }
    let second_of_day = seconds % 86_400;
    Ok(format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// Parses `YYYYMMDDTHHMMSSZ` (UTC).
pub fn parse_date(text: &str) -> Result<SystemTime, SigningError> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit);
    if !well_formed {
        return Err(SigningError::BadDate);
    }
    let number =
        |range: std::ops::Range<usize>| text[range].parse::<u32>().expect("digits checked");
    let (year, month, day) = (number(0..4), number(4..6), number(6..8));
    let (hour, minute, second) = (number(9..11), number(11..13), number(13..15));
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(SigningError::BadDate);
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    let seconds = u64::try_from(seconds).map_err(|_| SigningError::BadDate)?;
    Ok(UNIX_EPOCH + std::time::Duration::from_secs(seconds))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil` and `civil_from_days`: proleptic
// Gregorian dates to and from days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * month_index + 2) / 5 + 1).expect("1..=31");
    let month = u32::try_from(if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    })
    .expect("1..=12");
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
        assert_eq!(canonical_query("b=2&a=&a=1&c"), "a=&a=1&b=2&c=");
        assert_eq!(
            canonical_query("data_type=REQUEST,SUCCESS"),
            "data_type=REQUEST%2CSUCCESS"
        );
        assert_eq!(canonical_query("q=a+b"), "q=a%20b");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn parses_authorization_headers() {
        let parsed = Authorization::parse(
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(parsed.access_key, "AK");
        assert_eq!(parsed.signed_headers, ["host", "x-sdk-date"]);
        assert_eq!(parsed.signature, "abc");
        assert!(Authorization::parse("Bearer x").is_none());
        assert!(Authorization::parse("SDK-HMAC-SHA256 Access=AK").is_none());
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
        fn signing_never_panics_and_is_stable((url, headers, body, method) in any_request()) {
            let key = SigningKey::new("AK", "sk").unwrap();
            let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
            let request = SignableRequest { method: &method, url: &url, headers: &headers, body: &body };
            let first = sign(&request, &key, time);
            let second = sign(&request, &key, time);
            proptest::prop_assert_eq!(&first, &second);
            if let Ok(signed) = first {
                // What is sent is the canonical query, which signs the same.
                let mut again = url.clone();
                again.set_query((!signed.canonical_query.is_empty()).then_some(signed.canonical_query.as_str()));
                let resent = sign(
                    &SignableRequest { method: &method, url: &again, headers: &headers, body: &body },
                    &key,
                    time,
                )
                .unwrap();
                proptest::prop_assert_eq!(resent.signature, signed.signature);
            }
        }
    }
}
