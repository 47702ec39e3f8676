//! Building a [`Client`]: where it sends, how it authenticates, and the
//! limits every request runs within.

use std::sync::Arc;
use std::time::Duration;

use crate::Client;
use crate::credentials::chain::{Link, LinkSource};
use crate::credentials::provider::{Clock, CredentialSource, CredentialsCache};
use crate::credentials::{
    Credentials, CredentialsChain, DEFAULT_REFRESH_AHEAD, Environment, ProvideCredentials,
};
use crate::endpoint::{self, Endpoint, Region};
use crate::error::{Error, Peer, Service, ValidationError};
use crate::flow::{Flow, FlowControl, RetryBudget};
use crate::intercept::Interceptor;
use crate::project::{Discovery, IAM_ENDPOINT_VAR, ProjectSource, default_iam_endpoint};
use crate::retry::RetryConfig;
use crate::state::{ClientState, Origins};
use crate::types::ProjectId;

/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time allowed for one attempt, from sending the request to
/// the end of the response body.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The default time allowed for a whole operation: every attempt and every
/// wait between attempts.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(180);

/// The default largest response body accepted: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 16 * 1024 * 1024;

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use oms_api::{Client, Credentials, Region};
    ///
    /// let client = Client::builder()
    ///     .region(Region::CnNorth4)
    ///     .credentials(Credentials::iam_token("MIIE...token")?)
    ///     .attempt_timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.base_url(), "https://oms.cn-north-4.myhuaweicloud.com");
    /// # Ok::<(), oms_api::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &str {
        &self.baseurl
    }

    /// The project id of operations that leave it out, as they would
    /// resolve it: the client's own (given in code, or with the
    /// credentials), else the one IAM names for the region, asked once (see
    /// [`ClientBuilder::project_id`]). Fails as such an operation would,
    /// within the operation timeout.
    ///
    /// ```
    /// # async fn run() -> Result<(), oms_api::Error> {
    /// use oms_api::{Client, Credentials};
    ///
    /// let client = Client::builder()
    ///     .endpoint("http://127.0.0.1:9")
    ///     .credentials(Credentials::iam_token("token")?)
    ///     .project_id("0123456789abcdef0123456789abcdef")
    ///     .build()?;
    /// assert_eq!(client.project_id().await?, "0123456789abcdef0123456789abcdef");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn project_id(&self) -> Result<String, Error> {
        let state = &self.inner;
        let access = crate::project::IamAccess {
            http: &self.client,
            credentials: &state.credentials,
            connect_timeout: state.connect_timeout,
            attempt_timeout: state.attempt_timeout,
        };
        let deadline = crate::deadline::Deadline::after(state.operation_timeout);
        let missing = Err(ValidationError::missing("project_id"));
        let id = state.project.project_id(missing, access, &deadline).await?;
        Ok(id.to_string())
    }

    /// The region the client was built for, if it was given one.
    pub fn region(&self) -> Option<Region> {
        let id = self.inner.region?;
        Region::ALL.iter().copied().find(|region| region.id() == id)
    }
}

/// Configures a [`Client`]. Every option documents its default.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    region: Option<Region>,
    endpoint: Option<Result<Endpoint, ValidationError>>,
    environment: Option<Environment>,
    credentials: Option<Credentials>,
    provider: Option<ProviderSettings>,
    project_id: Option<Result<ProjectId, ValidationError>>,
    iam_endpoint: Option<String>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Option<Duration>>,
    max_response_body: Option<u64>,
    http_client: Option<reqwest::ClientBuilder>,
    retry: Option<RetryConfig>,
    flow_control: Option<FlowControl>,
    retry_budget: Option<RetryBudget>,
    interceptors: Vec<(&'static str, Arc<dyn Interceptor>)>,
}

impl ClientBuilder {
    /// Sends requests to the OMS endpoint of `region`: the one in
    /// `HUAWEICLOUD_SDK_REGION_OMS_<REGION>` when set, else the built-in
    /// table's (see [`endpoint::region_endpoint`]). An explicit
    /// [`endpoint`](Self::endpoint) wins over it. Operations the region
    /// does not offer (sync tasks outside cn-north-4, cn-east-3 and
    /// cn-southwest-2) are refused before sending. No default: a region or
    /// an endpoint is required.
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
        if let Some(settings) = self.provider.as_mut() {
            settings.provider = None;
        }
        self.credentials = Some(credentials);
        self
    }

    /// Credentials that change over time, from `provider` (such as
    /// [`EcsMetadata`](crate::credentials::EcsMetadata)): the client asks
    /// for them at its first request, keeps them for every request, and
    /// asks again, in one background task, [`DEFAULT_REFRESH_AHEAD`] before
    /// they expire. Replaces [`credentials`](Self::credentials).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials) -> Self {
        self.credentials = None;
        self.provider
            .get_or_insert_with(ProviderSettings::default)
            .provider = Some(Arc::new(provider));
        self
    }

    /// How long before their expiry a provider's credentials are renewed.
    /// Default: [`DEFAULT_REFRESH_AHEAD`] (5 minutes).
    pub fn refresh_ahead(mut self, ahead: Duration) -> Self {
        self.provider
            .get_or_insert_with(ProviderSettings::default)
            .refresh_ahead = Some(ahead);
        self
    }

    /// The clock by which a provider's credentials are judged fresh or
    /// expired; default: the system's. For tests that simulate the passing
    /// of time (signatures keep the system clock).
    pub fn credentials_clock(
        mut self,
        clock: impl Fn() -> std::time::SystemTime + Send + Sync + 'static,
    ) -> Self {
        self.provider
            .get_or_insert_with(ProviderSettings::default)
            .clock = Some(Arc::new(clock));
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
    /// [`DEFAULT_CONNECT_TIMEOUT`] (10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time allowed for one attempt, from sending the request to the
    /// end of the response body. Default: [`DEFAULT_ATTEMPT_TIMEOUT`]
    /// (60 s). An attempt that times out is retried only for operations
    /// that may be repeated (see [`RetryConfig`]).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The time allowed for a whole operation: every attempt and the waits
    /// between them. When it is reached the operation ends with
    /// [`TimeoutKind::Operation`](crate::TimeoutKind::Operation); no retry
    /// starts that could not finish before it. `None` allows any time.
    /// Default: [`DEFAULT_OPERATION_TIMEOUT`] (180 s).
    pub fn operation_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The largest success response body accepted, in bytes; a larger one
    /// ends the operation with [`Error::ResponseTooLarge`] and is not read
    /// further. Error responses are read up to
    /// [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT) (64 KiB) and cut.
    /// Default: [`DEFAULT_MAX_RESPONSE_BODY`] (16 MiB).
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// How failed requests are retried. Default: [`RetryConfig::new`] (3
    /// attempts; see [`RetryConfig`] for which failures).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How each operation's requests are paced to the API gateway, which
    /// throttles every API beyond a rate (see [`flow`](crate::flow)): a
    /// window of requests in flight until the gateway first throttles an
    /// operation, then a paced rate that follows what it admits; a
    /// throttled request waits for a slot and is sent again until its
    /// deadline. Shared by the client's clones. Default:
    /// [`FlowControl::new`] (on).
    pub fn flow_control(mut self, flow_control: FlowControl) -> Self {
        self.flow_control = Some(flow_control);
        self
    }

    /// Adds a hook into every attempt of every call (see
    /// [`intercept`](crate::intercept)): before an attempt it may add
    /// headers, which are then signed; after it, it sees the outcome.
    /// Interceptors run in the order added (after an attempt, in the
    /// reverse order). Default: none.
    pub fn interceptor<I: Interceptor>(mut self, interceptor: I) -> Self {
        self.interceptors
            .push((std::any::type_name::<I>(), Arc::new(interceptor)));
        self
    }

    /// The budget every retry but a throttled request's spends from, shared
    /// by the client's clones (see [`flow`](crate::flow)): with it spent,
    /// a failure is returned at once. Default: [`RetryBudget::new`] (500
    /// tokens; a retry costs 5, after a timeout 10; a success returns 1).
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// Builds the HTTP client from this `reqwest::ClientBuilder` (for a
    /// proxy, custom root certificates, or pool settings) instead of a
    /// default one. Whatever it says, the client never follows redirects (a
    /// redirect would carry credentials and secret keys to another origin),
    /// retries only as [`retry`](Self::retry) says (reqwest's own retry
    /// policy is replaced) and the [`connect_timeout`](Self::connect_timeout)
    /// applies. Default:
    /// `reqwest::Client::builder()` (rustls).
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http_client = Some(builder);
        self
    }

    /// The project of every operation that does not name one. Without it,
    /// the project id given with the credentials (in code, in
    /// `HUAWEICLOUD_SDK_PROJECT_ID` or the profile file's `project_id`)
    /// serves; without that, a client with an access key and a region asks
    /// IAM once for the project named after the region, as the official
    /// SDKs do. Checked like the `project_id` path parameter.
    pub fn project_id(mut self, project_id: &str) -> Self {
        self.project_id = Some(
            ProjectId::try_from(project_id).map_err(|e| ValidationError::nest("project_id", e)),
        );
        self
    }

    /// The IAM endpoint asked for the project id (see
    /// [`project_id`](Self::project_id)). Default: the profile file's
    /// `iam_endpoint`, else `$HUAWEICLOUD_SDK_IAM_ENDPOINT`, else
    /// `https://iam.<region>.myhuaweicloud.com`.
    pub fn iam_endpoint(mut self, url: &str) -> Self {
        self.iam_endpoint = Some(url.to_owned());
        self
    }

    /// Builds the client: resolves the endpoint (explicit endpoint, then
    /// the region's override in the environment, then the regions file,
    /// then the built-in table), the credentials (see
    /// [`CredentialsChain`]) and where the project id of operations that
    /// leave it out comes from.
    pub fn build(self) -> Result<Client, Error> {
        let environment = self.environment.unwrap_or_else(Environment::process);
        let (endpoint, endpoint_origin) =
            endpoint::resolve(self.endpoint, self.region, &environment)?;
        let settings = self.provider.unwrap_or_default();
        let attempt_timeout = self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
        let provided = |provider: Arc<dyn ProvideCredentials>| {
            CredentialSource::Provided(Arc::new(CredentialsCache::new(
                provider,
                settings.refresh_ahead.unwrap_or(DEFAULT_REFRESH_AHEAD),
                attempt_timeout,
                settings
                    .clock
                    .clone()
                    .unwrap_or_else(|| Arc::new(std::time::SystemTime::now)),
            )))
        };
        let link = match (self.credentials, settings.provider.clone()) {
            (Some(credentials), _) => Link {
                project: credentials.project_id().map(|id| {
                    (
                        id.to_owned(),
                        "given in code (Credentials::with_project_id)".to_owned(),
                    )
                }),
                origin: format!("{}, given in code", credentials.kind()),
                source: LinkSource::Fixed(credentials),
                iam_endpoint: None,
            },
            (None, Some(provider)) => Link {
                source: LinkSource::Provider(provider),
                origin: "a provider given in code (ClientBuilder::credentials_provider)".to_owned(),
                project: None,
                iam_endpoint: None,
            },
            (None, None) => {
                let mut link = CredentialsChain::new()
                    .environment(environment.clone())
                    .link()?;
                let kind = match &link.source {
                    LinkSource::Fixed(credentials) => credentials.kind(),
                    LinkSource::Provider(_) => "temporary access key",
                };
                link.origin = format!("{kind}, from {}", link.origin);
                link
            }
        };
        // A provider's keys sign.
        let signs = match &link.source {
            LinkSource::Fixed(credentials) => credentials.signs(),
            LinkSource::Provider(_) => true,
        };
        let (project, project_origin) = match (self.project_id, link.project) {
            (Some(given), _) => (
                ProjectSource::Fixed(given?),
                "given in code (ClientBuilder::project_id)".to_owned(),
            ),
            (None, Some((id, origin))) => (
                ProjectSource::Fixed(
                    ProjectId::try_from(id.as_str())
                        .map_err(|e| ValidationError::nest("project_id", e))?,
                ),
                origin,
            ),
            (None, None) => match self.region {
                Some(region) if signs => {
                    let (url, from) = match (self.iam_endpoint, link.iam_endpoint, environment.var(IAM_ENDPOINT_VAR)?) {
                        (Some(url), _, _) => (url, "ClientBuilder::iam_endpoint".to_owned()),
                        (None, Some(url), _) => (url, "the profile file's iam_endpoint".to_owned()),
                        (None, None, Some(url)) => (url.to_owned(), format!("the environment ({IAM_ENDPOINT_VAR})")),
                        (None, None, None) => (default_iam_endpoint(region.id()), "the region's default".to_owned()),
                    };
                    let iam = Endpoint::parse(&url)
                        .map_err(|e| ValidationError::new("iam_endpoint", e.rule().to_owned()))?;
                    let discovery = Discovery::new(iam.url().clone(), region.id());
                    let origin = format!(
                        "asked once of IAM at {} ({from}): the project named {}",
                        discovery.iam(),
                        discovery.region()
                    );
                    (ProjectSource::Discover(Arc::new(discovery)), origin)
                }
                _ => (
                    ProjectSource::None,
                    "none: each operation names its project (give a region and an access key to have it discovered)".to_owned(),
                ),
            },
        };
        let credentials = match link.source {
            LinkSource::Fixed(credentials) => CredentialSource::Fixed(Arc::new(credentials)),
            LinkSource::Provider(provider) => provided(provider),
        };
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let http_client = self
            .http_client
            .unwrap_or_default()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // The dispatcher retries (see `RetryConfig`). reqwest's default
            // policy would copy every request, whatever the outcome, to
            // resend it after an HTTP/2 refusal; even its `never()` copies.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .build()
            .map_err(|e| ValidationError::new("http_client", format!("cannot be built: {e}")))?;
        let origins = Origins {
            credentials: link.origin,
            project: project_origin,
            endpoint: format!("{}, {endpoint_origin}", endpoint.as_base_url()),
        };
        let state = ClientState {
            credentials,
            retry: self.retry.unwrap_or_default(),
            connect_timeout,
            attempt_timeout,
            operation_timeout: self
                .operation_timeout
                .unwrap_or(Some(DEFAULT_OPERATION_TIMEOUT)),
            max_response_body: self.max_response_body.unwrap_or(DEFAULT_MAX_RESPONSE_BODY),
            region: self.region.map(Region::id),
            base_url: endpoint.url().clone(),
            base_path: endpoint.path().to_owned(),
            peer: Peer::new(Service::Oms, endpoint.url()),
            project,
            flow: Arc::new(Flow::new(
                self.flow_control.unwrap_or_default(),
                self.retry_budget.unwrap_or_default(),
                crate::operations::ALL.len(),
            )),
            interceptors: self.interceptors.into(),
            clock: Arc::default(),
            origins: Arc::new(origins),
        };
        Ok(Client::new_with_client(
            endpoint.as_base_url(),
            http_client,
            state,
        ))
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .field("interceptors", &self.interceptors.len())
            .finish_non_exhaustive()
    }
}

/// Where a client's credentials, project id and endpoint came from —
/// never a value — and how it paces and retries, for a support request:
/// see [`Client::describe`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientDescription {
    /// What authenticates requests, and where it came from.
    pub credentials: String,
    /// Where the project id of operations that leave it out comes from.
    pub project_id: String,
    /// The endpoint, and where it came from.
    pub endpoint: String,
    /// How requests are paced to the API gateway.
    pub flow_control: String,
    /// The budget retries spend from.
    pub retry_budget: String,
}

impl std::fmt::Display for ClientDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "credentials: {}", self.credentials)?;
        writeln!(f, "project id: {}", self.project_id)?;
        writeln!(f, "endpoint: {}", self.endpoint)?;
        writeln!(f, "flow control: {}", self.flow_control)?;
        write!(f, "retry budget: {}", self.retry_budget)
    }
}

impl Client {
    /// Where this client's credentials, project id and endpoint came from,
    /// without any secret, key or id, for a support request:
    ///
    /// ```
    /// use oms_api::{Client, Credentials, Region};
    ///
    /// let client = Client::builder()
    ///     .region(Region::CnNorth4)
    ///     .credentials(Credentials::access_key("MY-AK", "my-secret-key")?)
    ///     .build()?;
    /// assert_eq!(
    ///     client.describe().to_string(),
    ///     "credentials: access key, given in code
    /// project id: asked once of IAM at https://iam.cn-north-4.myhuaweicloud.com (the region's default): the project named cn-north-4 (not asked yet)
    /// endpoint: https://oms.cn-north-4.myhuaweicloud.com, from the built-in table of regions
    /// flow control: on: up to 16 requests in flight per operation until OMS throttles it, then a paced rate per operation (at least 0.5/s); throttled requests wait for a slot until their deadline
    /// retry budget: 500 tokens; a retry costs 5, after a timeout 10; a success returns 1"
    /// );
    /// # Ok::<(), oms_api::Error>(())
    /// ```
    pub fn describe(&self) -> ClientDescription {
        let origins = &self.inner.origins;
        let project_id = match &self.inner.project {
            ProjectSource::Discover(_) => format!(
                "{} ({})",
                origins.project,
                if self.inner.project.known().is_some() {
                    "found"
                } else {
                    "not asked yet"
                }
            ),
            _ => origins.project.clone(),
        };
        ClientDescription {
            credentials: origins.credentials.clone(),
            project_id,
            endpoint: origins.endpoint.clone(),
            flow_control: self.inner.flow.control().describe(),
            retry_budget: self.inner.flow.budget().describe(),
        }
    }
}

/// What [`ClientBuilder::credentials_provider`] and its settings set.
#[derive(Default, Clone)]
struct ProviderSettings {
    provider: Option<Arc<dyn ProvideCredentials>>,
    refresh_ahead: Option<Duration>,
    clock: Option<Clock>,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("refresh_ahead", &self.refresh_ahead)
            .finish_non_exhaustive()
    }
}
