//! Temporary keys from the metadata service of a Huawei Cloud ECS whose
//! agency grants them, as the official SDKs get them: a session token with
//! `PUT /meta-data/latest/api/token` (`X-Metadata-Token-Ttl-Seconds`), then
//! `GET /openstack/latest/securitykey` with `X-Metadata-Token`, which
//! answers `{"credential": {"access", "secret", "securitytoken",
//! "expires_at"}}`. The keys last an hour; the service hands out new ones
//! 10 minutes before the old ones expire.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde::Deserialize;

use super::provider::{ProvideCredentials, ProvidedCredentials};
use super::{Credentials, Environment};
use crate::error::{ConfigError, Error, Peer, Service};

/// Where the metadata service answers on an ECS.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// The environment variable that names another metadata endpoint.
pub const METADATA_ENDPOINT_VAR: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";

/// How long a request to the metadata service may take, by default: short,
/// so that a machine without one (a laptop) learns it at once.
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(2);

/// The session token's lifetime asked for, as the official SDKs ask: 6 h.
const TOKEN_TTL_SECONDS: &str = "21600";

/// The largest answer read from the metadata service.
const MAX_ANSWER: u64 = 64 * 1024;

/// Temporary keys from the ECS metadata service (see the module's
/// documentation); the last link of the credentials chain, and a provider
/// of its own for [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider).
///
/// Every failure is a [`ConfigError`] whose origin is the service and its
/// host (`the ECS metadata service at 169.254.169.254`): no answer within
/// the timeout, an answer that is not the expected JSON, an ECS without an
/// agency (`404`); a redirect, which is not followed, is
/// [`Error::UnexpectedStatus`]. Each names [`Service::Metadata`] as its
/// [`Error::service`]. No value it fetched is ever in an error, `Debug`
/// output or a log.
#[derive(Debug, Clone)]
pub struct EcsMetadata {
    endpoint: url::Url,
    peer: Peer,
    timeout: Duration,
}

impl Default for EcsMetadata {
    fn default() -> Self {
        let endpoint = url::Url::parse(DEFAULT_METADATA_ENDPOINT).expect("a valid URL");
        Self {
            peer: Peer::new(Service::Metadata, &endpoint),
            endpoint,
            timeout: DEFAULT_METADATA_TIMEOUT,
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    credential: Credential,
}

#[derive(Deserialize)]
struct Credential {
    access: String,
    secret: String,
    securitytoken: String,
    expires_at: String,
}

impl EcsMetadata {
    /// The metadata service at its address on an ECS, with a 2 s timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The service at `$HUAWEICLOUD_SDK_METADATA_ENDPOINT` when set, else
    /// at its address on an ECS.
    pub fn from_environment(environment: &Environment) -> Result<Self, ConfigError> {
        match environment.var(METADATA_ENDPOINT_VAR)? {
            Some(url) => Self::new().endpoint(url).map_err(|_| {
                ConfigError::new(
                    "environment",
                    METADATA_ENDPOINT_VAR,
                    "is not an http(s) URL",
                )
            }),
            None => Ok(Self::new()),
        }
    }

    /// Asks the service at this base URL (for tests: a loopback server),
    /// checked as [`Endpoint::parse`](crate::Endpoint::parse) checks one.
    pub fn endpoint(mut self, url: &str) -> Result<Self, Error> {
        let parsed = crate::Endpoint::parse(url).map_err(|e| {
            ConfigError::of(&self.peer, "endpoint", format!("is invalid: {}", e.rule()))
        })?;
        self.endpoint = parsed.url().clone();
        self.peer = Peer::new(Service::Metadata, &self.endpoint);
        Ok(self)
    }

    /// How long each request to the service may take in all. Default: 2 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The base URL asked.
    pub fn base_url(&self) -> &str {
        self.endpoint.as_str().trim_end_matches('/')
    }

    fn url(&self, path: &str) -> url::Url {
        let mut url = self.endpoint.clone();
        url.set_path(path);
        url
    }

    fn problem(&self, key: &str, problem: impl Into<String>) -> Error {
        ConfigError::of(&self.peer, key, problem).into()
    }

    /// A redirect (never followed), or another status the service does not
    /// answer.
    fn refused(&self, key: &str, response: &reqwest::Response) -> Error {
        let status = response.status();
        if status.is_redirection() || status.is_informational() {
            Error::UnexpectedStatus {
                status,
                request_id: crate::error::header_request_id(response.headers()),
                peer: self.peer.clone(),
            }
        } else {
            self.problem(key, format!("answered HTTP {}", status.as_u16()))
        }
    }

    async fn fetch(&self) -> Result<ProvidedCredentials, Error> {
        let problem = |key: &str, text: &str| self.problem(key, text);
        let http = reqwest::Client::builder()
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| self.problem("client", format!("cannot be set up: {e}")))?;
        let unreachable = |what: &str, e: &reqwest::Error| {
            self.problem(
                what,
                if e.is_timeout() {
                    format!("did not answer within {:?}", self.timeout)
                } else {
                    "cannot be reached (is this an ECS?)".to_owned()
                },
            )
        };
        let token = http
            .put(self.url("/meta-data/latest/api/token"))
            .header("X-Metadata-Token-Ttl-Seconds", TOKEN_TTL_SECONDS)
            .send()
            .await
            .map_err(|e| unreachable("api/token", &e))?;
        // An older service without session tokens answers 404 or 405.
        let token = match token.status() {
            StatusCode::OK => Some(self.read(token, "api/token").await?),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => None,
            _ => return Err(self.refused("api/token", &token)),
        };
        let mut request = http.get(self.url("/openstack/latest/securitykey"));
        if let Some(token) = token {
            let token = reqwest::header::HeaderValue::from_bytes(&token)
                .map_err(|_| problem("api/token", "answered a token that is not a header value"))?;
            request = request.header("X-Metadata-Token", token);
        }
        let answer = request
            .send()
            .await
            .map_err(|e| unreachable("securitykey", &e))?;
        match answer.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(problem(
                    "securitykey",
                    "has no keys for this ECS: give it an agency (Cloud Service Agency)",
                ));
            }
            _ => return Err(self.refused("securitykey", &answer)),
        }
        let body = self.read(answer, "securitykey").await?;
        let Answer { credential } = serde_json::from_slice(&body).map_err(|_| {
            problem(
                "securitykey",
                "answered something other than {\"credential\": {access, secret, securitytoken, expires_at}}",
            )
        })?;
        let expires_at = crate::date::parse_rfc3339(&credential.expires_at).ok_or_else(|| {
            problem(
                "securitykey",
                "answered an expires_at that is not an RFC 3339 time",
            )
        })?;
        let credentials = Credentials::temporary_access_key(
            credential.access,
            credential.secret,
            credential.securitytoken,
        )
        .map_err(|e| {
            self.problem(
                "securitykey",
                format!("answered keys that cannot sign: {e}"),
            )
        })?;
        tracing::debug!(
            access_key = credentials.access_key_id().unwrap_or_default(),
            "got temporary keys from the ECS metadata service"
        );
        Ok(ProvidedCredentials {
            credentials,
            expires_at: Some(expires_at),
        })
    }
}

impl EcsMetadata {
    /// The body of `response`, at most [`MAX_ANSWER`] bytes.
    async fn read(
        &self,
        mut response: reqwest::Response,
        key: &str,
    ) -> Result<bytes::Bytes, Error> {
        match crate::http::read_capped(&mut response, MAX_ANSWER).await {
            Ok((body, true)) => Ok(body),
            Ok((_, false)) => Err(self.problem(key, "answered more than 64 KiB")),
            Err(_) => Err(self.problem(key, "broke off its answer")),
        }
    }
}

impl ProvideCredentials for EcsMetadata {
    fn provide(&self) -> BoxFuture<'_, Result<ProvidedCredentials, Error>> {
        Box::pin(self.fetch())
    }

    fn peer(&self) -> Option<Peer> {
        Some(self.peer.clone())
    }
}
