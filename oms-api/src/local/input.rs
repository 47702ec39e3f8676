//! A routed call and its input, checked the way the service checks it: the
//! body through the spec's own request types (their lengths, patterns and
//! enums), the ranges and sizes through the spec's rules table. No limit of
//! the spec is written again here.

use std::str::FromStr;

use hyper::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::operation::Operation;

/// A request routed to its operation.
pub(super) struct Call<'a> {
    pub op: &'static Operation,
    /// The path parameters, decoded, in the template's order.
    pub params: Vec<String>,
    pub url: url::Url,
    pub query: Vec<(String, String)>,
    pub body: &'a [u8],
    /// The `Host` header.
    pub host: &'a str,
}

/// An error answer: status, OMS error code and message.
#[derive(Debug)]
pub(super) struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

/// What an operation answers: a JSON body (`None` for an empty one), or a
/// refusal.
pub(super) type Outcome = Result<Option<Value>, Refusal>;

/// A `400` with `code`.
pub(super) fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.into(),
    }
}

/// `OMS.0001`, the service's answer to a parameter it refuses.
pub(super) fn invalid(what: impl std::fmt::Display) -> Refusal {
    refuse("OMS.0001", format!("Invalid parameter: {what}"))
}

impl Call<'_> {
    /// Path parameter `index`.
    pub fn param(&self, index: usize) -> &str {
        &self.params[index]
    }

    /// The base URL the caller used.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.host)
    }

    /// The body as JSON (`null` when it is not JSON); read it after
    /// [`Call::body`] checked it.
    pub fn json(&self) -> Value {
        serde_json::from_slice(self.body).unwrap_or_default()
    }

    /// The service has its own code (`OMS.0078`) for a description with a
    /// character it forbids, checked before the other rules.
    pub fn refuse_forbidden_description(&self, forbidden: &[char]) -> Result<(), Refusal> {
        if self.json()["description"]
            .as_str()
            .is_some_and(|d| d.contains(forbidden))
        {
            return Err(refuse(
                "OMS.0078",
                "The description contains forbidden characters",
            ));
        }
        Ok(())
    }

    /// Checks the spec's ranges and sizes (path, query and body).
    pub fn check_rules(&self) -> Result<(), Refusal> {
        self.op
            .check_rules(&self.params, &self.url, Some(self.body))
            .map_err(|e| invalid(format!("{}: {}", e.field(), e.rule())))
    }

    /// The body as the operation's request type: every length, pattern and
    /// enum of the spec is checked by its conversion.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Refusal> {
        self.check_rules()?;
        if serde_json::from_slice::<Value>(self.body).map_or(true, |v| !v.is_object()) {
            return Err(refuse(
                "OMS.0002",
                "Invalid parameter format: the body is not a JSON object",
            ));
        }
        serde_json::from_slice(self.body).map_err(invalid)
    }

    /// A query parameter, parsed as `T` (an integer, or a generated type
    /// that checks the spec's rule); `None` when absent.
    pub fn query<T: FromStr>(&self, name: &str) -> Result<Option<T>, Refusal> {
        match self.query.iter().find(|(key, _)| key == name) {
            None => Ok(None),
            Some((_, value)) => value.parse().map(Some).map_err(|_| invalid(name)),
        }
    }

    /// The `limit` (the service's default 10) and `offset` (default 0) of an
    /// offset-paged listing.
    pub fn paging(&self) -> Result<Paging, Refusal> {
        Ok(Paging {
            limit: self.query("limit")?.unwrap_or(10),
            offset: self.query("offset")?.unwrap_or(0),
        })
    }

    /// A required query parameter.
    pub fn required<T: FromStr>(&self, name: &str) -> Result<T, Refusal> {
        self.query(name)?.ok_or_else(|| invalid(name))
    }
}

/// Where a page of an offset-paged listing starts, and how long it is.
pub(super) struct Paging {
    limit: usize,
    offset: usize,
}

impl Paging {
    /// The answer of a listing: this page of `matching` under `key`, and
    /// the count of all of them.
    pub fn answer(&self, key: &str, matching: &[&Value]) -> Outcome {
        let page: Vec<&Value> = matching
            .iter()
            .skip(self.offset)
            .take(self.limit)
            .copied()
            .collect();
        Ok(Some(
            serde_json::json!({ key: page, "count": matching.len() }),
        ))
    }
}
