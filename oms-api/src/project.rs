//! The project id of an operation whose caller leaves it out: the client's
//! own (given in code, or with the credentials from the environment or the
//! profile file), else, with an access key and a region, the one IAM names
//! for the region — discovered as the official SDKs discover it, with a
//! signed `GET {iam}/v3/projects?name={region}`, once per client: the first
//! calls wait for the one request in flight, and the answer is kept.
//!
//! A discovered id is an ordinary `ProjectId`: the path-segment checks of
//! every request apply to it as to one given by hand.

use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{self, HeaderValue};
use serde::Deserialize;

use crate::dispatch::USER_AGENT;
use crate::error::{ConfigError, Error, TimeoutError, TimeoutKind, ValidationError, service_error};
use crate::state::ClientState;
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
#[derive(Debug)]
pub(crate) struct Discovery {
    iam: url::Url,
    region: &'static str,
    found: tokio::sync::OnceCell<ProjectId>,
}

impl Discovery {
    pub(crate) fn new(iam: url::Url, region: &'static str) -> Self {
        Self {
            iam,
            region,
            found: tokio::sync::OnceCell::new(),
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

/// The project id for an operation: `given`, else the client's. An error
/// other than a missing value is the caller's.
pub(crate) async fn project_id(
    http: &reqwest::Client,
    state: &ClientState,
    given: Result<ProjectId, ValidationError>,
) -> Result<ProjectId, Error> {
    match given {
        Ok(id) => Ok(id),
        Err(missing) if missing.is_missing() => match &state.project {
            ProjectSource::None => Err(missing.into()),
            ProjectSource::Fixed(id) => Ok(id.clone()),
            ProjectSource::Discover(discovery) => match discovery.found.get() {
                Some(id) => Ok(id.clone()),
                // Boxed: the discovery (once per client) would otherwise
                // make every operation's future larger by its size.
                None => Box::pin(
                    discovery
                        .found
                        .get_or_try_init(|| discover(http, state, discovery)),
                )
                .await
                .cloned(),
            },
        },
        Err(other) => Err(other.into()),
    }
}

/// The client's project id, when it has one (given, or discovered and
/// known by now).
pub(crate) fn known(state: &ClientState) -> Option<&ProjectId> {
    match &state.project {
        ProjectSource::None => None,
        ProjectSource::Fixed(id) => Some(id),
        ProjectSource::Discover(discovery) => discovery.found.get(),
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

async fn discover(
    http: &reqwest::Client,
    state: &ClientState,
    discovery: &Discovery,
) -> Result<ProjectId, Error> {
    let origin = format!("IAM at {}", discovery.iam());
    let key = format!("projects named {}", discovery.region);
    let problem =
        |problem: String| Error::from(ConfigError::new(origin.as_str(), key.as_str(), problem));
    let mut url = discovery.iam.clone();
    let path = format!("{}/v3/projects", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.query_pairs_mut().append_pair("name", discovery.region);
    let mut request = reqwest::Request::new(reqwest::Method::GET, url);
    request
        .headers_mut()
        .insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    let credentials = state.credentials.current().await?;
    credentials.authenticate(&mut request, SystemTime::now())?;
    let exchange = async {
        let mut response = http.execute(request).await.map_err(Error::transport)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let (body, whole) = crate::dispatch::read_capped(&mut response, MAX_ANSWER)
            .await
            .map_err(Error::transport)?;
        if !whole {
            return Err(Error::ResponseTooLarge {
                limit: MAX_ANSWER,
                status,
                request_id: crate::error::header_request_id(&headers),
            });
        }
        Ok((status, headers, body))
    };
    let (status, headers, body) = tokio::time::timeout(state.attempt_timeout, exchange)
        .await
        .map_err(|_| {
            Error::from(TimeoutError::new(
                TimeoutKind::Attempt,
                state.attempt_timeout,
                true,
            ))
        })??;
    if !status.is_success() {
        return Err(service_error(status, &headers, &body, false, None).into());
    }
    let answer: Projects = serde_json::from_slice(&body).map_err(|_| {
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
    let id = ProjectId::try_from(project.id.as_str())
        .map_err(|_| problem("answered a project id that is not valid".to_owned()))?;
    tracing::debug!(
        region = discovery.region,
        "discovered the project id from IAM"
    );
    Ok(id)
}
