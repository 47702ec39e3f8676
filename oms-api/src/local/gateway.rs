//! What the API gateway in front of OMS does before a request reaches the
//! service: authentication (an IAM token, or an SDK-HMAC-SHA256 signature
//! checked with [`signer::verify`], a recent `X-Sdk-Date` and, for
//! temporary keys, their signed `X-Security-Token`), and its error answers.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use hyper::StatusCode;
use serde_json::json;

use super::Answer;
use super::record::RecordedRequest;
use crate::credentials::SecurityToken;
use crate::signer::{self, SigningKey};

/// An access key the gateway accepts signatures of.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub signing: SigningKey,
    pub security_token: Option<SecurityToken>,
}

/// How the gateway authenticates.
#[derive(Debug)]
pub(super) struct Gateway {
    /// The one IAM token accepted; any non-empty token when `None`.
    pub iam_token: Option<String>,
    pub keys: Vec<Key>,
    pub check_clock_skew: bool,
    /// How far the server's clock runs ahead of the machine's.
    pub clock_ahead: Duration,
}

impl Gateway {
    /// The server's clock.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.clock_ahead
    }

    /// Authenticates like the API gateway: a signature when `Authorization`
    /// is present, else an IAM token; a refusal is `401 APIGW.0301`.
    pub fn authenticate(&self, request: &RecordedRequest, request_id: &str) -> Result<(), Answer> {
        let outcome = match request.header("authorization") {
            Some(authorization) => self.verify_signature(request, authorization),
            None => match (request.header("x-auth-token"), &self.iam_token) {
                (Some(token), Some(expected)) if token == expected => Ok(()),
                (Some(token), None) if !token.is_empty() => Ok(()),
                (Some(_), _) => Err("verify token failed"),
                (None, _) => Err("no X-Auth-Token and no Authorization header"),
            },
        };
        outcome.map_err(|why| {
            error(
                StatusCode::UNAUTHORIZED,
                "APIGW.0301",
                &format!("Incorrect IAM authentication information: {why}"),
                request_id,
            )
        })
    }

    fn verify_signature(
        &self,
        request: &RecordedRequest,
        authorization: &str,
    ) -> Result<(), &'static str> {
        let parsed =
            signer::Authorization::parse(authorization).ok_or("malformed Authorization header")?;
        let key = self
            .keys
            .iter()
            .find(|k| k.signing.access_key() == parsed.access_key)
            .ok_or("unknown access key")?;
        let date = request.header("x-sdk-date").ok_or("no X-Sdk-Date")?;
        let time = signer::parse_date(date).map_err(|_| "malformed X-Sdk-Date")?;
        if self.check_clock_skew {
            let skew = match self.now().duration_since(time) {
                Ok(behind) => behind,
                Err(ahead) => ahead.duration(),
            };
            if skew > signer::MAX_CLOCK_SKEW {
                return Err("signature expired");
            }
        }
        if let Some(expected) = &key.security_token {
            let signed = parsed
                .signed_headers
                .split(';')
                .any(|name| name == "x-security-token");
            let sent = request
                .header("x-security-token")
                .ok_or("no X-Security-Token")?;
            if sent != expected.expose_secret() || !signed {
                return Err("X-Security-Token missing, wrong or not signed");
            }
        }
        let url = url::Url::parse(&format!("http://local.oms{}", request.target()))
            .map_err(|_| "malformed request target")?;
        let received = signer::SignableRequest {
            method: request.method(),
            url: &url,
            headers: request.headers(),
            body: request.body(),
        };
        signer::verify(&received, authorization, &key.signing).map_err(|e| match e {
            signer::VerifyError::DateOrHostNotSigned => "host and x-sdk-date must be signed",
            signer::VerifyError::MissingHeader => "a signed header is missing",
            signer::VerifyError::BadDate => "malformed X-Sdk-Date",
            signer::VerifyError::Mismatch => "signature mismatch",
            _ => "malformed Authorization header",
        })
    }
}

/// An API-gateway error, which carries the request id in the body too.
pub(super) fn error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Answer {
    (
        status,
        Some(json!({ "error_code": code, "error_msg": message, "request_id": request_id })),
    )
}

/// The gateway's flow control: per operation, a bucket of one second's
/// requests, refilled continuously.
#[derive(Debug)]
pub(super) struct Throttle {
    per_second: f64,
    /// Per operation (by its index): tokens, and when last refilled.
    buckets: Mutex<Vec<(f64, Instant)>>,
}

impl Throttle {
    pub fn new(per_second: f64) -> Self {
        let now = Instant::now();
        Self {
            per_second,
            buckets: Mutex::new(vec![(per_second, now); crate::operations::ALL.len()]),
        }
    }

    /// Whether a request of the operation at `index` may pass now.
    pub fn admit(&self, index: usize) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some((tokens, at)) = buckets.get_mut(index) else {
            return true;
        };
        let now = Instant::now();
        let refill = now.saturating_duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.per_second.max(1.0));
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The `429` of a throttled request, as the gateway words it.
    pub fn refusal(&self, request_id: &str) -> super::Answer {
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "APIGW.0308",
            &format!(
                "The throttling threshold has been reached: policy user over ratelimit, limit:{}, time:1 second",
                self.per_second
            ),
            request_id,
        )
    }
}
