//! The credentials chain: where credentials come from when they are not
//! given in code, in the order the official SDKs read them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::environment::Environment;
use super::metadata::EcsMetadata;
use super::profile;
use super::provider::{ProvideCredentials, ProvidedCredentials};
use super::{Credentials, invalid, keys, with_project_id};
use crate::error::{ConfigError, Error};

/// Environment variables of the access key, first name first (the second
/// is the one Huawei Cloud's sample programs read).
pub const ACCESS_KEY_VARS: &[&str] = &["HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"];
/// Environment variables of the secret key.
pub const SECRET_KEY_VARS: &[&str] = &["HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"];
/// The environment variable of a temporary credential's security token.
pub const SECURITY_TOKEN_VAR: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The environment variable of the project id.
pub const PROJECT_ID_VAR: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// The environment variable of an IAM token (used when no keys are set).
pub const AUTH_TOKEN_VAR: &str = "HUAWEICLOUD_SDK_AUTH_TOKEN";
/// The environment variable naming the profile file.
pub const CREDENTIALS_FILE_VAR: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";

/// Finds credentials. The lookup order:
///
/// 1. **the environment**: `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`
///    (or `CLOUD_SDK_AK` and `CLOUD_SDK_SK`, which Huawei's sample programs read), with
///    `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary keys and
///    `HUAWEICLOUD_SDK_PROJECT_ID`; else an IAM token in
///    `HUAWEICLOUD_SDK_AUTH_TOKEN`;
/// 2. **the profile file**: the file given with
///    [`profile_file`](Self::profile_file), else
///    `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`
///    (`$HOME`), INI section `[basic]` with keys `ak`, `sk`, and optionally
///    `security_token` and `project_id`.
///
/// The first source that has credentials wins; a source that has them only
/// in part, or malformed, is an error naming the source and the key. A
/// profile file named explicitly or by the environment must exist; the
/// default one may not.
///
/// ```
/// use oms_api::credentials::{CredentialsChain, Environment};
///
/// let credentials = CredentialsChain::new()
///     .environment(Environment::from_pairs([
///         ("HUAWEICLOUD_SDK_AK", "MY-AK"),
///         ("HUAWEICLOUD_SDK_SK", "my-secret-key"),
///     ]))
///     .resolve()?;
/// assert_eq!(credentials.access_key_id(), Some("MY-AK"));
/// # Ok::<(), oms_api::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CredentialsChain {
    environment: Option<Environment>,
    profile_file: Option<PathBuf>,
}

impl CredentialsChain {
    /// The chain over the process environment and the default profile file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads these variables instead of the process environment (also for
    /// `$HUAWEICLOUD_SDK_CREDENTIALS_FILE` and `$HOME`).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Reads this profile file, which must exist, instead of the one the
    /// environment names or the default.
    pub fn profile_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.profile_file = Some(path.into());
        self
    }

    /// Walks the chain (see the type's documentation).
    pub fn resolve(&self) -> Result<Credentials, ConfigError> {
        self.find().map(|found| found.credentials)
    }

    fn variables(&self) -> std::borrow::Cow<'_, Environment> {
        match &self.environment {
            Some(environment) => std::borrow::Cow::Borrowed(environment),
            None => std::borrow::Cow::Owned(Environment::process()),
        }
    }

    /// The credentials, where they came from, and the profile file's
    /// `iam_endpoint`.
    fn find(&self) -> Result<Found, ConfigError> {
        let environment = self.variables();
        if let Some(credentials) = from_environment(&environment)? {
            let origin = if credentials.access_key_id().is_some() {
                let name = environment
                    .first(ACCESS_KEY_VARS)?
                    .map_or(ACCESS_KEY_VARS[0], |(name, _)| name);
                format!("the environment ({name})")
            } else {
                format!("the environment ({AUTH_TOKEN_VAR})")
            };
            let project = credentials
                .project_id()
                .map(|_| format!("the environment ({PROJECT_ID_VAR})"));
            return Ok(Found {
                credentials,
                origin,
                project,
                iam_endpoint: None,
            });
        }
        let (path, required) = match (&self.profile_file, environment.var(CREDENTIALS_FILE_VAR)?) {
            (Some(path), _) => (Some(path.clone()), true),
            (None, Some(path)) => (Some(PathBuf::from(path)), true),
            (None, None) => (
                environment
                    .var("HOME")?
                    .map(|home| Path::new(home).join(".huaweicloud").join("credentials")),
                false,
            ),
        };
        if let Some(path) = path
            && let Some((credentials, iam_endpoint)) = profile::credentials(&path, required)?
        {
            let origin = format!("the profile file {}", path.display());
            let project = credentials
                .project_id()
                .map(|_| format!("{origin} (project_id)"));
            return Ok(Found {
                credentials,
                origin,
                project,
                iam_endpoint,
            });
        }
        Err(ConfigError::new(
            "credentials",
            "chain",
            format!(
                "found nothing: set {} and {}, or {AUTH_TOKEN_VAR}, or write a [basic] section with ak and sk to ~/.huaweicloud/credentials",
                ACCESS_KEY_VARS[0], SECRET_KEY_VARS[0]
            ),
        ))
    }
}

/// What the chain found.
struct Found {
    credentials: Credentials,
    /// Where the credentials came from (no value).
    origin: String,
    /// Where the project id came from, if they have one.
    project: Option<String>,
    iam_endpoint: Option<String>,
}

/// Credentials from the environment, if any are set there.
fn from_environment(environment: &Environment) -> Result<Option<Credentials>, ConfigError> {
    let origin = "environment";
    let access_key = environment.first(ACCESS_KEY_VARS)?;
    let secret_key = environment.first(SECRET_KEY_VARS)?;
    // A variable set to nothing reads as unset; the error says which it is.
    let missing = |names: &[&'static str], other: &str| {
        let (name, problem) = match names.iter().find(|name| environment.is_empty(name)) {
            Some(name) => (*name, format!("is set but empty, and {other} is set")),
            None => (names[0], format!("is not set, but {other} is")),
        };
        ConfigError::new(origin, name, problem)
    };
    let credentials = match (access_key, secret_key) {
        (None, None) => match environment.var(AUTH_TOKEN_VAR)? {
            Some(token) => {
                Credentials::iam_token(token).map_err(|e| invalid(origin, AUTH_TOKEN_VAR, &e))?
            }
            None => return Ok(None),
        },
        (Some((name, _)), None) => return Err(missing(SECRET_KEY_VARS, name)),
        (None, Some((name, _))) => return Err(missing(ACCESS_KEY_VARS, name)),
        (Some((ak_name, ak)), Some((sk_name, sk))) => keys(
            origin,
            (ak_name, ak),
            (sk_name, sk),
            environment
                .var(SECURITY_TOKEN_VAR)?
                .map(|token| (SECURITY_TOKEN_VAR, token)),
        )?,
    };
    with_project_id(
        credentials,
        origin,
        environment
            .var(PROJECT_ID_VAR)?
            .map(|p| (PROJECT_ID_VAR, p)),
    )
    .map(Some)
}

/// What the chain gives a client: credentials it found (with where they and
/// their project id came from, and the profile's `iam_endpoint`), or its
/// last link, asked at the first request.
pub(crate) struct Link {
    pub(crate) source: LinkSource,
    pub(crate) origin: String,
    /// The project id that comes with the credentials, and where from.
    pub(crate) project: Option<(String, String)>,
    pub(crate) iam_endpoint: Option<String>,
}

pub(crate) enum LinkSource {
    Fixed(Credentials),
    Provider(Arc<dyn ProvideCredentials>),
}

impl CredentialsChain {
    /// The chain as a client walks it: the environment and the profile file
    /// now, else the ECS metadata service (at
    /// `$HUAWEICLOUD_SDK_METADATA_ENDPOINT`, else its address on an ECS),
    /// asked at the first request.
    pub(crate) fn link(&self) -> Result<Link, ConfigError> {
        match self.find() {
            Ok(found) => Ok(Link {
                project: found
                    .credentials
                    .project_id()
                    .map(str::to_owned)
                    .zip(found.project),
                source: LinkSource::Fixed(found.credentials),
                origin: found.origin,
                iam_endpoint: found.iam_endpoint,
            }),
            Err(nothing) if nothing.key() == "chain" => {
                let environment = self.variables();
                let metadata = EcsMetadata::from_environment(&environment)?;
                let origin = format!(
                    "the ECS metadata service at {} (temporary keys, renewed before they expire)",
                    metadata.base_url()
                );
                let project_id = environment.var(PROJECT_ID_VAR)?.map(str::to_owned);
                Ok(Link {
                    project: project_id
                        .clone()
                        .map(|id| (id, format!("the environment ({PROJECT_ID_VAR})"))),
                    source: LinkSource::Provider(Arc::new(LastLink {
                        metadata,
                        project_id,
                    })),
                    origin,
                    iam_endpoint: None,
                })
            }
            Err(other) => Err(other),
        }
    }
}

/// The metadata service as the chain's last link: its failure says that
/// the whole chain found nothing; the environment's project id applies.
#[derive(Debug)]
struct LastLink {
    metadata: EcsMetadata,
    project_id: Option<String>,
}

impl ProvideCredentials for LastLink {
    fn peer(&self) -> Option<crate::error::Peer> {
        self.metadata.peer()
    }

    fn provide(&self) -> BoxFuture<'_, Result<ProvidedCredentials, Error>> {
        Box::pin(async move {
            let mut provided = self.metadata.provide().await.map_err(|error| match error {
                Error::Config(e) => Error::Config(
                    ConfigError::new(
                        "credentials",
                        "chain",
                        format!(
                            "found nothing in the environment ({} and {}, or {AUTH_TOKEN_VAR}) or the profile file, and {} ({}) {}",
                            ACCESS_KEY_VARS[0],
                            SECRET_KEY_VARS[0],
                            e.origin(),
                            e.key(),
                            e.problem()
                        ),
                    )
                    .with_peer(e.peer().cloned()),
                ),
                other => other,
            })?;
            if let Some(project_id) = &self.project_id {
                provided.credentials = provided.credentials.with_project_id(project_id)?;
            }
            Ok(provided)
        })
    }
}
