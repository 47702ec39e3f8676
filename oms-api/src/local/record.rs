//! The requests the local OMS received, as tests inspect them: raw through
//! the accessors, secrets masked in `Debug` and [`RecordedRequest::redacted`].

use std::fmt;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

use crate::operations::SECRET_FIELDS;
use crate::secret::REDACTED;

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &["x-auth-token", "x-security-token"];

/// A request as the local OMS received it.
///
/// Its `Debug` and [`redacted`](Self::redacted) forms mask secret headers
/// and secret body fields (those the spec marks `x-oms-secret`); the
/// accessors return the raw values for tests.
#[derive(Clone)]
pub struct RecordedRequest {
    pub(super) method: http::Method,
    pub(super) target: String,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl RecordedRequest {
    /// The method, such as `POST`.
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The request target as sent: the raw path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The raw path, without the query.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(&self.target, |(path, _)| path)
    }

    /// The raw query, without `?` (empty for none).
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, query)| query)
    }

    /// Every header, names in lower case.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header (any letter case), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The request as HTTP/1.1 text, with secret headers and body fields
    /// masked.
    pub fn redacted(&self) -> String {
        let mut text = format!("{} {} HTTP/1.1\n", self.method, self.target);
        for (name, value) in &self.headers {
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                REDACTED.into()
            } else {
                String::from_utf8_lossy(value.as_bytes())
            };
            text.push_str(&format!("{name}: {value}\n"));
        }
        if !self.body.is_empty() {
            text.push('\n');
            match serde_json::from_slice::<Value>(&self.body) {
                Ok(mut json) => {
                    mask_secret_fields(&mut json);
                    text.push_str(&serde_json::to_string_pretty(&json).unwrap_or_default());
                }
                Err(_) => text.push_str(&format!("<{} bytes that are not JSON>", self.body.len())),
            }
            text.push('\n');
        }
        text
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn mask_secret_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if SECRET_FIELDS.contains(&key.as_str()) {
                    *value = Value::String(REDACTED.to_owned());
                } else {
                    mask_secret_fields(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secret_fields),
        _ => {}
    }
}
