//! Where credentials and endpoints come from when they are not given in
//! code: the environment and the profile file, as the official SDKs read
//! them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::credentials::Credentials;
use crate::error::ConfigError;
use crate::region::{Endpoint, Region};

/// A snapshot of environment variables, read once. Its `Debug` lists no
/// values (some are secrets).
#[derive(Clone, Default)]
pub struct Environment(BTreeMap<String, String>);

impl Environment {
    /// The variables of this process (those that are valid UTF-8).
    pub fn process() -> Self {
        Self::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// These variables only: for tests, or to configure without touching
    /// the process environment.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A variable's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The first of `names` that is set, with its name.
    fn first<'a>(&self, names: &[&'a str]) -> Option<(&'a str, &str)> {
        names.iter().find_map(|name| Some((*name, self.get(name)?)))
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Environment({} variables)", self.0.len())
    }
}

/// Environment variables of the access key, first name first (the second
/// is the one the seed document's sample programs read).
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
///    (or the seed's `CLOUD_SDK_AK` and `CLOUD_SDK_SK`), with
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
/// use oms_api::provider::{CredentialsChain, Environment};
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
        let process;
        let environment = match &self.environment {
            Some(environment) => environment,
            None => {
                process = Environment::process();
                &process
            }
        };
        if let Some(credentials) = from_environment(environment)? {
            return Ok(credentials);
        }
        let (path, required) = match (&self.profile_file, environment.get(CREDENTIALS_FILE_VAR)) {
            (Some(path), _) => (Some(path.clone()), true),
            (None, Some(path)) => (Some(PathBuf::from(path)), true),
            (None, None) => (
                environment
                    .get("HOME")
                    .map(|home| Path::new(home).join(".huaweicloud").join("credentials")),
                false,
            ),
        };
        if let Some(path) = path
            && let Some(credentials) = from_profile_file(&path, required)?
        {
            return Ok(credentials);
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

/// Credentials from the environment, if any are set there.
fn from_environment(environment: &Environment) -> Result<Option<Credentials>, ConfigError> {
    let origin = "environment";
    let access_key = environment.first(ACCESS_KEY_VARS);
    let secret_key = environment.first(SECRET_KEY_VARS);
    let credentials = match (access_key, secret_key) {
        (None, None) => match environment.get(AUTH_TOKEN_VAR) {
            Some(token) => {
                Credentials::iam_token(token).map_err(|e| invalid(origin, AUTH_TOKEN_VAR, &e))?
            }
            None => return Ok(None),
        },
        (Some((name, _)), None) => {
            return Err(ConfigError::new(
                origin,
                SECRET_KEY_VARS[0],
                format!("is not set, but {name} is"),
            ));
        }
        (None, Some((name, _))) => {
            return Err(ConfigError::new(
                origin,
                ACCESS_KEY_VARS[0],
                format!("is not set, but {name} is"),
            ));
        }
        (Some((ak_name, ak)), Some((sk_name, sk))) => keys(
            origin,
            (ak_name, ak),
            (sk_name, sk),
            environment
                .get(SECURITY_TOKEN_VAR)
                .map(|token| (SECURITY_TOKEN_VAR, token)),
        )?,
    };
    with_project_id(
        credentials,
        origin,
        environment.get(PROJECT_ID_VAR).map(|p| (PROJECT_ID_VAR, p)),
    )
    .map(Some)
}

/// The largest profile file read.
pub const MAX_PROFILE_FILE: u64 = 64 * 1024;

/// The text of the profile file at `path`: a regular file of at most
/// [`MAX_PROFILE_FILE`] bytes of UTF-8 (`None` when it does not exist and
/// is not `required`). A FIFO, a device or a directory is refused without
/// being read, so that nothing blocks or fills memory.
fn read_profile(path: &Path, origin: &str, required: bool) -> Result<Option<String>, ConfigError> {
    use std::io::Read as _;
    let problem = |problem: String| ConfigError::new(origin, "file", problem);
    let unreadable = |e: std::io::Error| problem(format!("cannot be read ({})", e.kind()));
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    if !metadata.is_file() {
        return Err(problem("is not a regular file".to_owned()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the path be swapped for a FIFO after the check above, opening
    // it must not wait for a writer.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(unreadable)?;
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(problem("is not a regular file".to_owned()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_PROFILE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PROFILE_FILE {
        return Err(problem(format!(
            "is larger than {} KiB",
            MAX_PROFILE_FILE / 1024
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| problem("is not UTF-8 text".to_owned()))
}

/// Credentials from the `[basic]` section of an INI profile file. Values
/// are read literally: `\` and quotes are part of a value, as the official
/// SDKs read them.
fn from_profile_file(path: &Path, required: bool) -> Result<Option<Credentials>, ConfigError> {
    let origin = format!("profile file {}", path.display());
    let Some(text) = read_profile(path, &origin, required)? else {
        return Ok(None);
    };
    let literal = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    let invalid = |line: usize, column: usize| {
        ConfigError::new(
            origin.as_str(),
            "file",
            format!("is not valid INI (line {line}, column {column})"),
        )
    };
    // The parser notices an unclosed section header only at the end of the
    // file; name the header's own line.
    if let Some(line) = text
        .lines()
        .position(|line| line.trim_start().starts_with('[') && !line.contains(']'))
    {
        return Err(invalid(line + 1, 1));
    }
    // The parser's message may quote the file, which holds secrets: keep
    // only the position.
    let ini = ini::Ini::load_from_str_opt(&text, literal).map_err(|e| invalid(e.line, e.col))?;
    let section = ini
        .section(Some("basic"))
        .ok_or_else(|| ConfigError::new(origin.as_str(), "[basic]", "section is missing"))?;
    let value = |key: &'static str| {
        section
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (key, v))
    };
    let (Some(ak), Some(sk)) = (value("ak"), value("sk")) else {
        let missing = if value("ak").is_none() { "ak" } else { "sk" };
        return Err(ConfigError::new(
            origin,
            format!("[basic] {missing}"),
            "is missing",
        ));
    };
    let credentials = keys(&origin, ak, sk, value("security_token"))?;
    with_project_id(credentials, &origin, value("project_id")).map(Some)
}

/// Access-key credentials from named values; an error names the variable
/// or profile key of the value that was refused.
fn keys(
    origin: &str,
    (ak_name, ak): (&str, &str),
    (sk_name, sk): (&str, &str),
    security_token: Option<(&str, &str)>,
) -> Result<Credentials, ConfigError> {
    let result = match security_token {
        None => Credentials::access_key(ak, sk),
        Some((_, token)) => Credentials::temporary_access_key(ak, sk, token),
    };
    result.map_err(|e| {
        let field = match &e {
            crate::Error::Validation(v) => v.field(),
            _ => "",
        };
        let key = match field {
            "access_key" => ak_name,
            "secret_key" => sk_name,
            _ => security_token.map_or(sk_name, |(name, _)| name),
        };
        invalid(origin, key, &e)
    })
}

fn with_project_id(
    credentials: Credentials,
    origin: &str,
    project_id: Option<(&str, &str)>,
) -> Result<Credentials, ConfigError> {
    match project_id {
        None => Ok(credentials),
        Some((name, project_id)) => credentials
            .with_project_id(project_id)
            .map_err(|e| invalid(origin, name, &e)),
    }
}

/// A value rejected by its constructor: the error's rule, never the value.
fn invalid(origin: &str, key: &str, error: &crate::Error) -> ConfigError {
    let problem = match error {
        crate::Error::Validation(e) => e.rule().to_owned(),
        other => other.to_string(),
    };
    ConfigError::new(origin, key, format!("is invalid: {problem}"))
}

/// The environment variable that overrides `region`'s OMS endpoint, such as
/// `HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4`.
pub fn region_endpoint_var(region: Region) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_OMS_{}",
        region.id().to_ascii_uppercase().replace('-', "_")
    )
}

/// The endpoint of `region`: the first of the comma-separated URLs in
/// [`region_endpoint_var`] when set, else the built-in table's.
pub fn region_endpoint(region: Region, environment: &Environment) -> Result<Endpoint, ConfigError> {
    let var = region_endpoint_var(region);
    match environment.get(&var) {
        None => Ok(region.into()),
        Some(urls) => {
            let first = urls
                .split(',')
                .map(str::trim)
                .find(|u| !u.is_empty())
                .unwrap_or("");
            Endpoint::parse(first).map_err(|e| {
                ConfigError::new("environment", var, format!("is invalid: {}", e.rule()))
            })
        }
    }
}
