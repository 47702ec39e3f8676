//! The project id of an operation whose caller leaves it out: the client's
//! own (given in code, or with the credentials from the environment or the
//! profile file), else, with an access key and a region, the one IAM names
//! for the region — discovered as the official SDKs discover it, with a
//! signed `GET {iam}/v3/projects?name={region}`, once per client: however
//! many calls need it at once, one request is in flight and they share its
//! answer; a failure is remembered for `LOOKUP_FAILURE_MEMORY`, and no
//! caller waits past its deadline (a `SingleFlight`). The id found is kept.
//!
//! A discovered id is an ordinary `ProjectId`: the path-segment checks of
//! every request apply to it as to one given by hand. IAM's failures are
//! IAM's: each error names IAM and its host.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderValue};
use serde::Deserialize;

use crate::credentials::provider::CredentialSource;
use crate::deadline::Deadline;
use crate::error::{
    ConfigError, Error, Peer, Service, TimeoutError, TimeoutKind, ValidationError,
    header_request_id, service_error,
};
use crate::http::{USER_AGENT, read_capped};
use crate::lookup::SingleFlight;
use crate::types::ProjectId;

/// The environment variable naming the IAM endpoint.
pub const IAM_ENDPOINT_VAR: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// The most of IAM's answer read.
const MAX_ANSWER: u64 = 1024 * 1024;

/// Where the project id of an operation that leaves it out comes from.
#[derive(Debug, Clone)]
pub(crate) enum ProjectSource {
    /// Nowhere: each operation must name its project.
    None,
    /// This one.
    Fixed(ProjectId),
    /// IAM, asked once.
    Discover(Arc<Discovery>),
}

/// Asking IAM for the project named after the region.
pub(crate) struct Discovery {
    iam: url::Url,
    peer: Peer,
    region: &'static str,
    found: OnceLock<ProjectId>,
    asking: SingleFlight<ProjectId>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("iam", &self.iam())
            .field("region", &self.region)
            .field("found", &self.found.get().is_some())
            .finish()
    }
}

impl Discovery {
    pub(crate) fn new(iam: url::Url, region: &'static str) -> Self {
        Self {
            peer: Peer::new(Service::Iam, &iam),
            iam,
            region,
            found: OnceLock::new(),
            asking: SingleFlight::default(),
        }
    }

    /// The IAM base URL asked.
    pub(crate) fn iam(&self) -> &str {
        self.iam.as_str().trim_end_matches('/')
    }

    pub(crate) fn region(&self) -> &str {
        self.region
    }
}

/// The IAM endpoint of `region` in the official table.
pub(crate) fn default_iam_endpoint(region: &str) -> String {
    format!("https://iam.{region}.myhuaweicloud.com")
}

/// What asking IAM takes of the client.
pub(crate) struct IamAccess<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) credentials: &'a CredentialSource,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
}

impl ProjectSource {
    /// The project id for an operation: `given`, else the client's, asking
    /// IAM with `access` and waiting for it at most until `deadline`. An
    /// error other than a missing value is the caller's.
    pub(crate) async fn project_id(
        &self,
        given: Result<ProjectId, ValidationError>,
        access: IamAccess<'_>,
        deadline: &Deadline,
    ) -> Result<ProjectId, Error> {
        match given {
            Ok(id) => Ok(id),
            Err(missing) if missing.is_missing() => match self {
                ProjectSource::None => Err(ValidationError::new(
                    "project_id",
                    format!(
                        "is required: give it to the operation (`.project_id(…)`) or to the client \
                         (`ClientBuilder::project_id`, {}, or project_id in the profile file), \
                         or give the client a region and an access key to have IAM asked",
                        crate::credentials::PROJECT_ID_VAR
                    ),
                )
                .into()),
                ProjectSource::Fixed(id) => Ok(id.clone()),
                ProjectSource::Discover(discovery) => match discovery.found.get() {
                    Some(id) => Ok(id.clone()),
                    // Boxed: the discovery (once per client) would
                    // otherwise make every operation's future larger by
                    // its size.
                    None => Box::pin(discovery.ask(access, deadline)).await,
                },
            },
            Err(other) => Err(other.into()),
        }
    }

    /// The client's project id, when it has one (given, or discovered and
    /// known by now).
    pub(crate) fn known(&self) -> Option<&ProjectId> {
        match self {
            ProjectSource::None => None,
            ProjectSource::Fixed(id) => Some(id),
            ProjectSource::Discover(discovery) => discovery.found.get(),
        }
    }
}

impl Discovery {
    /// The project IAM names: the answer of the one question in flight,
    /// or of a new one.
    async fn ask(
        self: &Arc<Self>,
        access: IamAccess<'_>,
        deadline: &Deadline,
    ) -> Result<ProjectId, Error> {
        let asking = Asking {
            http: access.http.clone(),
            credentials: access.credentials.clone(),
            connect_timeout: access.connect_timeout,
            attempt_timeout: access.attempt_timeout,
            discovery: Arc::clone(self),
        };
        self.asking
            .get(
                || self.found.get().cloned(),
                || asking.run(),
                deadline,
                Some(&self.peer),
            )
            .await
    }
}

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
    name: Option<String>,
}

/// One question to IAM, with what it needs of the client: it runs in a
/// task of its own (see [`SingleFlight`]).
struct Asking {
    http: reqwest::Client,
    credentials: CredentialSource,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    discovery: Arc<Discovery>,
}

impl Asking {
    /// Asks IAM, within the attempt timeout, and keeps the id it names.
    async fn run(self) -> Result<ProjectId, Error> {
        let peer = &self.discovery.peer;
        // The credentials' own wait is bounded by their provider's fetch
        // timeout; the exchange with IAM by the attempt timeout.
        let credentials = self.credentials.current(&Deadline::none()).await?;
        let request = self.request(&credentials)?;
        let exchange = self.exchange(request);
        let (status, headers, body) = tokio::time::timeout(self.attempt_timeout, exchange)
            .await
            .map_err(|_| {
                Error::from(
                    TimeoutError::new(TimeoutKind::Attempt, self.attempt_timeout, true, peer)
                        .unanswered(),
                )
            })??;
        if status.is_client_error() || status.is_server_error() {
            return Err(service_error(peer, status, &headers, &body, false, None).into());
        }
        if !status.is_success() {
            return Err(Error::UnexpectedStatus {
                status,
                request_id: header_request_id(&headers),
                peer: peer.clone(),
            });
        }
        let id = self.project_in(&body)?;
        tracing::debug!(
            region = self.discovery.region,
            "discovered the project id from IAM"
        );
        Ok(self.discovery.found.get_or_init(|| id).clone())
    }

    fn request(&self, credentials: &crate::Credentials) -> Result<reqwest::Request, Error> {
        let mut url = self.discovery.iam.clone();
        let path = format!("{}/v3/projects", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.query_pairs_mut()
            .append_pair("name", self.discovery.region);
        let mut request = reqwest::Request::new(reqwest::Method::GET, url);
        request
            .headers_mut()
            .insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        credentials.authenticate(&mut request, SystemTime::now())?;
        Ok(request)
    }

    async fn exchange(
        &self,
        request: reqwest::Request,
    ) -> Result<(reqwest::StatusCode, header::HeaderMap, bytes::Bytes), Error> {
        let peer = &self.discovery.peer;
        let lost = |e| Error::transport(peer, e, self.connect_timeout);
        let mut response = self.http.execute(request).await.map_err(lost)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let (body, whole) = read_capped(&mut response, MAX_ANSWER).await.map_err(lost)?;
        if !whole {
            return Err(Error::ResponseTooLarge {
                limit: MAX_ANSWER,
                status,
                request_id: header_request_id(&headers),
                peer: peer.clone(),
            });
        }
        Ok((status, headers, body))
    }

    /// The one project IAM's answer names for the region.
    fn project_in(&self, body: &[u8]) -> Result<ProjectId, Error> {
        let discovery = &self.discovery;
        let key = format!("projects named {}", discovery.region);
        let problem =
            |problem: String| Error::from(ConfigError::of(&discovery.peer, key.as_str(), problem));
        let answer: Projects = serde_json::from_slice(body).map_err(|_| {
            problem("answered something other than {\"projects\": [{id, name}]}".to_owned())
        })?;
        let mut named: Vec<Project> = answer
            .projects
            .into_iter()
            .filter(|p| {
                p.name
                    .as_deref()
                    .is_none_or(|name| name == discovery.region)
            })
            .collect();
        let give = format!(
            "give the project id (in code, {}, or project_id in the profile file)",
            crate::credentials::PROJECT_ID_VAR
        );
        let project = match named.len() {
            1 => named.remove(0),
            0 => {
                return Err(problem(format!(
                    "there is none for these credentials: {give}"
                )));
            }
            n => return Err(problem(format!("there are {n}: {give}"))),
        };
        ProjectId::try_from(project.id.as_str())
            .map_err(|_| problem("answered a project id that is not valid".to_owned()))
    }
}
