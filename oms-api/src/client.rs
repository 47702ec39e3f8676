//! Building a [`Client`], and the hooks through which every request passes.

use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{self, HeaderValue};

use crate::Client;
use crate::credentials::Credentials;
use crate::error::{Error, ValidationError, decode_error_body, header_request_id};
use crate::provider::{self, CredentialsChain, Environment};
use crate::region::{Endpoint, Region};
use crate::retry::RetryConfig;

/// The `User-Agent` of every request: this crate's name and version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time allowed for a whole request, from sending to the end of
/// the response body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// What the generated client carries for the hooks: how to authenticate and
/// how long a request may take.
#[derive(Debug, Clone)]
pub struct ClientState {
    credentials: Credentials,
    timeout: Duration,
    retry: RetryConfig,
}

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use oms_api::{Client, ClientInfo, Credentials, Region};
    ///
    /// let client = Client::builder()
    ///     .region(Region::CnNorth4)
    ///     .credentials(Credentials::iam_token("MIIE...token")?)
    ///     .timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.baseurl(), "https://oms.cn-north-4.myhuaweicloud.com");
    /// # Ok::<(), oms_api::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

/// Configures a [`Client`]. Every option documents its default.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    region: Option<Region>,
    endpoint: Option<Result<Endpoint, ValidationError>>,
    environment: Option<Environment>,
    credentials: Option<Credentials>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry: Option<RetryConfig>,
}

impl ClientBuilder {
    /// Sends requests to the OMS endpoint of `region`: the one in
    /// `HUAWEICLOUD_SDK_REGION_OMS_<REGION>` when set, else the built-in
    /// table's (see [`provider::region_endpoint`]). An explicit
    /// [`endpoint`](Self::endpoint) wins over it. No default: a region or an
    /// endpoint is required.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Sends requests to `url`, an `http` or `https` base URL (checked by
    /// [`build`](Self::build)).
    pub fn endpoint(mut self, url: &str) -> Self {
        self.endpoint = Some(Endpoint::parse(url));
        self
    }

    /// Authenticates every request with `credentials`. Default: the
    /// [`CredentialsChain`] (environment, then profile file), resolved by
    /// [`build`](Self::build).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Where [`build`](Self::build) reads region endpoint overrides and, when
    /// no credentials are given, the credentials chain. Default: the process
    /// environment.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The time allowed to open a connection. Default:
    /// [`DEFAULT_CONNECT_TIMEOUT`] (10 s). Ignored with
    /// [`http_client`](Self::http_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time allowed for a whole request. Default: [`DEFAULT_TIMEOUT`]
    /// (120 s). Applies to every request, also with
    /// [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How failed requests are retried. Default: [`RetryConfig::new`] (3
    /// attempts; see [`RetryConfig`] for which failures).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sends requests with this `reqwest::Client` (for a proxy, custom root
    /// certificates, or a shared connection pool). Default: a client with
    /// rustls, the connect timeout above, and redirects not followed, as OMS
    /// never redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Builds the client: resolves the endpoint (explicit endpoint, then
    /// the region's override in the environment, then the built-in table)
    /// and the credentials.
    pub fn build(self) -> Result<Client, Error> {
        let environment = self.environment.unwrap_or_else(Environment::process);
        let endpoint = match (self.endpoint, self.region) {
            (Some(endpoint), _) => endpoint?,
            (None, Some(region)) => provider::region_endpoint(region, &environment)?,
            (None, None) => {
                return Err(ValidationError::new(
                    "endpoint",
                    "is required: set a region or an endpoint",
                )
                .into());
            }
        };
        let credentials = match self.credentials {
            Some(credentials) => credentials,
            None => CredentialsChain::new().environment(environment).resolve()?,
        };
        let http_client = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(Error::Transport)?,
        };
        let state = ClientState {
            credentials,
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            retry: self.retry.unwrap_or_default(),
        };
        Ok(Client::new_with_client(
            endpoint.as_base_url(),
            http_client,
            state,
        ))
    }
}

/// Headers progenitor adds that OMS does not define.
const UNDEFINED_HEADERS: &[&str] = &["api-version"];

impl ClientHooks<ClientState> for Client {
    /// Finishes every request: checks the spec's rules that the generated
    /// types cannot (see [`crate::rules`]), drops headers the service does not define,
    /// sets the user agent (unless set) and timeout, and authenticates it
    /// last, once everything that is signed is in place.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let state = self.inner();
        crate::rules::check(info.operation_id, request)
            .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
        for name in UNDEFINED_HEADERS {
            request.headers_mut().remove(*name);
        }
        request
            .headers_mut()
            .entry(header::USER_AGENT)
            .or_insert(HeaderValue::from_static(USER_AGENT));
        *request.timeout_mut() = Some(state.timeout);
        state
            .credentials
            .authenticate(request, std::time::SystemTime::now())
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))?;
        tracing::debug!(
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
            "sending OMS request"
        );
        Ok(())
    }

    /// Sends the request, again after a failure that may pass (see
    /// [`RetryConfig`]); the same signed bytes are sent each time. An error
    /// response is read whole and its body, in whichever shape it came,
    /// rewritten to the spec's `ApiError`, so that every error decodes with
    /// its status and request id intact.
    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let retry = &self.inner().retry;
        let mut attempt = 1;
        let response = loop {
            // A body that cannot be cloned (a stream) is sent once.
            let again = request.try_clone();
            let outcome = self.client().execute(request).await;
            match again {
                Some(again) if retry.should_retry(attempt, info.operation_id, &outcome) => {
                    let wait = retry.backoff(
                        attempt,
                        outcome.as_ref().ok().map(reqwest::Response::headers),
                    );
                    tracing::info!(
                        operation = info.operation_id,
                        attempt,
                        status = outcome.as_ref().map_or(0, |r| r.status().as_u16()),
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying OMS request"
                    );
                    tokio::time::sleep(wait).await;
                    request = again;
                    attempt += 1;
                }
                _ => break outcome?,
            }
        };
        let status = response.status();
        tracing::debug!(
            operation = info.operation_id,
            status = status.as_u16(),
            request_id = header_request_id(response.headers()).unwrap_or_default(),
            "OMS response"
        );
        if !(status.is_client_error() || status.is_server_error()) {
            return Ok(response);
        }
        let mut headers = response.headers().clone();
        let version = response.version();
        let body = response.bytes().await?;
        let decoded = decode_error_body(status, &body);
        let json = serde_json::to_vec(&decoded).expect("an ApiError serializes");
        for stale in [
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
            header::TRANSFER_ENCODING,
        ] {
            headers.remove(stale);
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let mut rebuilt = http::Response::new(json);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}
