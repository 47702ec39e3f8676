//! The one error type of this crate, and the one place that converts the
//! generated client's errors into it.

use std::borrow::Cow;
use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::types::ApiError;

/// The response header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Everything that can go wrong when calling OMS.
///
/// Nothing in an `Error` ever contains a secret: validation errors name the
/// field and the rule, never the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input broke a rule of the spec; nothing was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A credential or endpoint source is incomplete or malformed.
    #[error(transparent)]
    Config(#[from] crate::provider::ConfigError),
    /// The request could not be authenticated (for example, it could not be
    /// signed); nothing was sent.
    #[error("cannot authenticate the request: {0}")]
    Auth(String),
    /// No connection could be made to the endpoint.
    #[error("cannot connect to the OMS endpoint")]
    Connect(#[source] reqwest::Error),
    /// The connection or the whole request took longer than allowed.
    #[error("the request to OMS timed out")]
    Timeout(#[source] reqwest::Error),
    /// Another failure while sending the request or reading the response.
    #[error("the request to OMS failed in transport")]
    Transport(#[source] reqwest::Error),
    /// OMS or its API gateway answered with an error.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A response whose status the spec does not describe (1xx, 3xx, or a
    /// success status other than the documented one).
    #[error("unexpected HTTP status {status} from OMS{}", RequestIdSuffix(request_id.as_deref()))]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The `X-Request-Id` response header, when present.
        request_id: Option<String>,
    },
    /// A listing could not be completed: the service announced more items
    /// than the API's offsets reach, or repeated a page.
    #[error("cannot list every sync task: {0}")]
    Pagination(String),
    /// A success response whose body does not match the spec.
    #[error("cannot decode the response from OMS")]
    InvalidResponse(#[source] serde_json::Error),
}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Service(e) => Some(e.status()),
            Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request id, when the error came from a response that had one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id(),
            Error::UnexpectedStatus { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed: connection
    /// failures, timeouts, 429 and the gateway statuses 502, 503 and 504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect(_) | Error::Timeout(_) => true,
            Error::Service(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The service error, if OMS answered with one.
    pub fn as_service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    fn transport(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Error::Timeout(error)
        } else if error.is_connect() {
            Error::Connect(error)
        } else {
            Error::Transport(error)
        }
    }
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

/// A value that breaks a rule of the spec, found before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {rule}")]
pub struct ValidationError {
    field: Cow<'static, str>,
    rule: Cow<'static, str>,
}

impl ValidationError {
    /// A new error for `field` (as named in the spec) and the `rule` it broke.
    pub fn new(field: impl Into<Cow<'static, str>>, rule: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The field, as the spec names it (`dst_sk`, `sync_task_id`, …).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule that was broken (`longer than 100 characters`, `is required`, …).
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Reads the field and the rule out of the generated builders' messages:
    ///
    /// * `conversion to `T` for FIELD failed: RULE` (parameters and bodies),
    /// * `error converting supplied value for FIELD: RULE` (body fields),
    /// * `no value supplied for FIELD` and `FIELD was not initialized`,
    /// * `invalid FIELD: RULE` (this crate's own checks, in the hooks).
    ///
    /// The messages never hold the value (the conversions' errors do not).
    fn from_generated(message: &str) -> Self {
        // Nested conversions name each level: `source_cdn`, then
        // `authentication_type`; the field is their path. The operation's
        // `body` parameter is not a field of the spec.
        let mut path: Vec<&str> = Vec::new();
        let mut rest = message;
        let rule = loop {
            if let Some(tail) = rest.strip_prefix("conversion to `")
                && let Some((_, tail)) = tail.split_once("` for ")
                && let Some((name, tail)) = tail.split_once(" failed")
            {
                path.push(name);
                match tail.strip_prefix(": ") {
                    Some(tail) => rest = tail,
                    None => break "is not valid",
                }
            } else if let Some(tail) = rest.strip_prefix("error converting supplied value for ")
                && let Some((name, tail)) = tail.split_once(": ")
            {
                path.push(name);
                rest = tail;
            } else if let Some(name) = rest.strip_prefix("no value supplied for ") {
                path.push(name);
                break "is required";
            } else if let Some(name) = rest.strip_suffix(" was not initialized") {
                path.push(name);
                break "is required";
            } else if let Some((name, rule)) = rest
                .strip_prefix("invalid ")
                .and_then(|t| t.split_once(": "))
            {
                // A `ValidationError` from the client's own checks.
                path.push(name);
                break rule;
            } else {
                break rest;
            }
        };
        if path.first() == Some(&"body") && path.len() > 1 {
            path.remove(0);
        }
        let field = if path.is_empty() {
            "request".to_owned()
        } else {
            path.join(".")
        };
        Self::new(field, rule.to_owned())
    }
}

/// An error answered by OMS or by the API gateway in front of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OMS answered HTTP {status} {code}: {message}{}", RequestIdSuffix(request_id.as_deref()))]
pub struct ServiceError {
    status: StatusCode,
    code: String,
    message: String,
    request_id: Option<String>,
}

impl ServiceError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code, such as `OMS.0054` or `APIGW.0301`; the status as
    /// text when the body had none.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error message; the body as text when it was not JSON.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The request id: the `X-Request-Id` response header, else the body's
    /// `request_id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether the caller is at fault (4xx).
    pub fn is_client_error(&self) -> bool {
        self.status.is_client_error()
    }

    /// Whether the service is at fault (5xx).
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }

    /// Whether sending the same request again may succeed (429, 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 502 | 503 | 504)
    }
}

/// The `X-Request-Id` of a response, when present and not empty.
pub(crate) fn header_request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl From<progenitor_client::Error<ApiError>> for Error {
    fn from(error: progenitor_client::Error<ApiError>) -> Self {
        use progenitor_client::Error as Generated;
        match error {
            Generated::InvalidRequest(message) => {
                Error::Validation(ValidationError::from_generated(&message))
            }
            Generated::Custom(message) => Error::Auth(message),
            Generated::CommunicationError(e)
            | Generated::InvalidUpgrade(e)
            | Generated::ResponseBodyError(e) => Error::transport(e),
            Generated::ErrorResponse(response) => {
                let status = response.status();
                let header_id = header_request_id(response.headers());
                let body = response.into_inner();
                Error::Service(ServiceError {
                    status,
                    code: body.error_code,
                    message: body.error_msg,
                    request_id: header_id.or(body.request_id),
                })
            }
            Generated::InvalidResponsePayload(_, e) => Error::InvalidResponse(e),
            Generated::UnexpectedResponse(response) => Error::UnexpectedStatus {
                status: response.status(),
                request_id: header_request_id(response.headers()),
            },
        }
    }
}

/// The most of a non-JSON error body kept as the message.
const MAX_TEXT_MESSAGE: usize = 2048;

/// Decodes an error body of any shape the official SDKs accept into the
/// spec's `ApiError`:
///
/// 1. `{"error_code", "error_msg"}` (OMS and the API gateway),
/// 2. `{"errorCode", "errorMsg"}`,
/// 3. `{"code", "message"}`,
/// 4. `{"error": {"code", "message"}}`,
/// 5. anything else (HTML, text, JSON without those keys): the status as the
///    code and the body text as the message.
///
/// `request_id` (or `requestId`) is kept from any JSON shape.
pub(crate) fn decode_error_body(status: StatusCode, body: &[u8]) -> ApiError {
    let json = serde_json::from_slice::<serde_json::Value>(body).ok();
    let object = json.as_ref().and_then(|v| v.as_object());
    let text = |value: Option<&serde_json::Value>| match value? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    let pair = |o: &serde_json::Map<String, serde_json::Value>, code: &str, msg: &str| {
        let code = text(o.get(code))?;
        Some((code, text(o.get(msg)).unwrap_or_default()))
    };
    let decoded = object.and_then(|o| {
        pair(o, "error_code", "error_msg")
            .or_else(|| pair(o, "errorCode", "errorMsg"))
            .or_else(|| pair(o, "code", "message"))
            .or_else(|| {
                o.get("error")?
                    .as_object()
                    .and_then(|e| pair(e, "code", "message"))
            })
    });
    let request_id =
        object.and_then(|o| text(o.get("request_id")).or_else(|| text(o.get("requestId"))));
    let (error_code, error_msg) = decoded.unwrap_or_else(|| {
        let body = String::from_utf8_lossy(body);
        let body = body.trim();
        let message = match body.char_indices().nth(MAX_TEXT_MESSAGE) {
            Some((cut, _)) => format!("{}…", &body[..cut]),
            None => body.to_owned(),
        };
        (status.as_u16().to_string(), message)
    });
    ApiError {
        error_code,
        error_msg,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_field_and_rule_from_parameter_messages() {
        let e = ValidationError::from_generated(
            "conversion to `SyncTaskId` for sync_task_id failed: longer than 255 characters",
        );
        assert_eq!(
            (e.field(), e.rule()),
            ("sync_task_id", "longer than 255 characters")
        );
        let e = ValidationError::from_generated("project_id was not initialized");
        assert_eq!((e.field(), e.rule()), ("project_id", "is required"));
    }

    #[test]
    fn reads_field_and_rule_from_body_messages() {
        let e = ValidationError::from_generated(
            "conversion to `StartSyncTaskReq` for body failed: error converting supplied value for dst_sk: longer than 100 characters",
        );
        assert_eq!(
            (e.field(), e.rule()),
            ("dst_sk", "longer than 100 characters")
        );
        let e = ValidationError::from_generated("no value supplied for dst_ak");
        assert_eq!((e.field(), e.rule()), ("dst_ak", "is required"));
    }

    #[test]
    fn names_nested_fields_by_their_path() {
        let e = ValidationError::from_generated(
            "conversion to `CreateSyncTaskReq` for body failed: error converting supplied value for source_cdn: no value supplied for protocol",
        );
        assert_eq!(
            (e.field(), e.rule()),
            ("source_cdn.protocol", "is required")
        );
        let e = ValidationError::from_generated("invalid limit: greater than 100");
        assert_eq!((e.field(), e.rule()), ("limit", "greater than 100"));
    }

    #[test]
    fn keeps_an_unknown_message_whole() {
        let e = ValidationError::from_generated("something else");
        assert_eq!((e.field(), e.rule()), ("request", "something else"));
    }

    #[test]
    fn decodes_every_error_body_shape() {
        let status = StatusCode::BAD_REQUEST;
        let cases: [(&str, &str, &str, Option<&str>); 6] = [
            (
                r#"{"error_code":"OMS.0054","error_msg":"bad id"}"#,
                "OMS.0054",
                "bad id",
                None,
            ),
            (
                r#"{"error_code":"APIGW.0301","error_msg":"auth","request_id":"r1"}"#,
                "APIGW.0301",
                "auth",
                Some("r1"),
            ),
            (
                r#"{"errorCode":"E1","errorMsg":"camel"}"#,
                "E1",
                "camel",
                None,
            ),
            (r#"{"code":"E2","message":"plain"}"#, "E2", "plain", None),
            (
                r#"{"error":{"code":"E3","message":"nested"}}"#,
                "E3",
                "nested",
                None,
            ),
            (
                "<html><body>Bad</body></html>",
                "400",
                "<html><body>Bad</body></html>",
                None,
            ),
        ];
        for (body, code, message, request_id) in cases {
            let decoded = decode_error_body(status, body.as_bytes());
            assert_eq!(decoded.error_code, code, "{body}");
            assert_eq!(decoded.error_msg, message, "{body}");
            assert_eq!(decoded.request_id.as_deref(), request_id, "{body}");
        }
    }

    #[test]
    fn truncates_a_huge_text_body() {
        let body = "x".repeat(10_000);
        let decoded = decode_error_body(StatusCode::BAD_GATEWAY, body.as_bytes());
        assert_eq!(decoded.error_code, "502");
        assert_eq!(decoded.error_msg.chars().count(), MAX_TEXT_MESSAGE + 1);
    }
}
