//! How requests are authenticated — an IAM token, or an access key that
//! signs every request (permanent, or temporary with a security token) —
//! and where the credentials come from when they are not given in code
//! ([`CredentialsChain`]: the environment, then the profile file).

use std::fmt;
use std::time::SystemTime;

use reqwest::header::{HeaderName, HeaderValue};

pub(crate) mod chain;
mod environment;
mod metadata;
mod profile;
pub(crate) mod provider;

pub use chain::{
    ACCESS_KEY_VARS, AUTH_TOKEN_VAR, CREDENTIALS_FILE_VAR, CredentialsChain, PROJECT_ID_VAR,
    SECRET_KEY_VARS, SECURITY_TOKEN_VAR,
};
pub use environment::Environment;
pub use metadata::{
    DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT, EcsMetadata, METADATA_ENDPOINT_VAR,
};
pub use profile::MAX_PROFILE_FILE;
pub use provider::{DEFAULT_REFRESH_AHEAD, ProvideCredentials, ProvidedCredentials};

use crate::error::{Error, SigningError, ValidationError};
use crate::secret::Secret;
use crate::signer::{self, SignableRequest, SigningKey};
use crate::types::ProjectId;

/// The header that carries an IAM token.
pub const AUTH_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// The header that carries the security token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-security-token");

/// The header that names the project of signed requests.
pub const PROJECT_ID_HEADER: HeaderName = HeaderName::from_static("x-project-id");

/// An IAM token: 1 to 16384 characters, as the spec requires.
pub type IamToken = Secret<1, 16384>;

/// The security token of temporary credentials: 1 to 65536 characters.
pub type SecurityToken = Secret<1, 65536>;

/// The credentials a [`Client`](crate::Client) authenticates with.
///
/// `Debug` shows which kind of credentials these are and the access key,
/// never a secret key or token.
///
/// ```
/// use oms_api::Credentials;
///
/// let token = Credentials::iam_token("MIIE...token")?;
/// assert_eq!(format!("{token:?}"), "Credentials::IamToken(*** Sensitive Data Redacted ***)");
///
/// let keys = Credentials::access_key("MY-AK", "my-secret-key")?
///     .with_project_id("0123456789abcdef0123456789abcdef")?;
/// assert!(!format!("{keys:?}").contains("my-secret-key"));
/// # Ok::<(), oms_api::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    kind: Kind,
    /// The project id, and its `X-Project-Id` value made once.
    project_id: Option<(ProjectId, HeaderValue)>,
}

/// The header values are made once, checked, and marked sensitive, so that
/// `http` never prints them.
#[derive(Clone)]
enum Kind {
    /// Sent as `X-Auth-Token`.
    IamToken(HeaderValue),
    /// Signs every request (SDK-HMAC-SHA256); temporary keys add a signed
    /// `X-Security-Token`.
    AccessKey {
        key: SigningKey,
        security_token: Option<HeaderValue>,
    },
}

impl Credentials {
    /// An IAM token, sent in the `X-Auth-Token` header of every request.
    ///
    /// Fails when the token is empty, longer than 16384 characters, or holds
    /// characters a header cannot carry; the error never contains the token.
    pub fn iam_token(token: impl Into<String>) -> Result<Self, crate::Error> {
        let token = IamToken::new(token)
            .map_err(|e| ValidationError::new("X-Auth-Token", e.to_string()))?;
        Ok(Self {
            kind: Kind::IamToken(sensitive_header("X-Auth-Token", token.expose_secret())?),
            project_id: None,
        })
    }

    /// A permanent access key (AK) and secret key (SK): every request is
    /// signed with SDK-HMAC-SHA256, as the official SDKs do.
    pub fn access_key(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, crate::Error> {
        let key = SigningKey::new(access_key, secret_key).map_err(key_error)?;
        Ok(Self {
            kind: Kind::AccessKey {
                key,
                security_token: None,
            },
            project_id: None,
        })
    }

    /// Temporary credentials: an access key, secret key and security token;
    /// the token is sent, and signed, as `X-Security-Token`.
    pub fn temporary_access_key(
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Result<Self, crate::Error> {
        let key = SigningKey::new(access_key, secret_key).map_err(key_error)?;
        let token = SecurityToken::new(security_token)
            .map_err(|e| ValidationError::new("X-Security-Token", e.to_string()))?;
        Ok(Self {
            kind: Kind::AccessKey {
                key,
                security_token: Some(sensitive_header("X-Security-Token", token.expose_secret())?),
            },
            project_id: None,
        })
    }

    /// The project the credentials work in. Signed requests then carry it in
    /// a signed `X-Project-Id` header, as the official SDKs send it. Checked
    /// like the `project_id` path parameter.
    pub fn with_project_id(mut self, project_id: &str) -> Result<Self, crate::Error> {
        let project_id =
            ProjectId::try_from(project_id).map_err(|e| ValidationError::nest("project_id", e))?;
        let header = HeaderValue::from_str(&project_id)
            .expect("a project id holds only characters a header may");
        self.project_id = Some((project_id, header));
        Ok(self)
    }

    /// The project id given with [`with_project_id`](Self::with_project_id).
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_ref().map(|(id, _)| id.as_str())
    }

    /// The access key, for credentials that sign.
    pub fn access_key_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::IamToken(_) => None,
            Kind::AccessKey { key, .. } => Some(key.access_key()),
        }
    }

    /// Adds what authenticates `request` to it, as the client does last for
    /// every request it sends: `X-Auth-Token`, or with an access key
    /// `X-Project-Id`, `X-Security-Token`, `Host`, `X-Sdk-Date` and the
    /// `Authorization` signature at `now`. With an access key it also
    /// replaces the query by its canonical form, so that what is signed is
    /// what is sent. Call it once everything that is signed is in place; it
    /// is meant for requests this crate does not build.
    pub fn authenticate(
        &self,
        request: &mut reqwest::Request,
        now: SystemTime,
    ) -> Result<(), Error> {
        let (key, security_token) = match &self.kind {
            Kind::IamToken(token) => {
                request
                    .headers_mut()
                    .insert(AUTH_TOKEN_HEADER, token.clone());
                return Ok(());
            }
            Kind::AccessKey {
                key,
                security_token,
            } => (key, security_token),
        };
        let headers = request.headers_mut();
        // Room for these and the signer's four, so the map grows once.
        headers.reserve(6);
        if let Some((_, project_id)) = &self.project_id {
            headers.insert(PROJECT_ID_HEADER, project_id.clone());
        }
        if let Some(token) = security_token {
            headers.insert(SECURITY_TOKEN_HEADER, token.clone());
        }
        let body = match request.body() {
            None => &[][..],
            Some(body) => body.as_bytes().ok_or(SigningError::StreamingBody)?,
        };
        let signed = signer::sign(
            &SignableRequest {
                method: request.method().as_str(),
                url: request.url(),
                headers: request.headers(),
                body,
            },
            key,
            now,
        )?;
        if let Some(query) = signed.canonical_query() {
            let query = (!query.is_empty()).then_some(query);
            request.url_mut().set_query(query);
        }
        signed.add_to(request.headers_mut());
        Ok(())
    }
}

impl Credentials {
    /// What these are, in words: `IAM token`, `access key` or `temporary
    /// access key`.
    pub(crate) fn kind(&self) -> &'static str {
        match &self.kind {
            Kind::IamToken(_) => "IAM token",
            Kind::AccessKey {
                security_token: None,
                ..
            } => "access key",
            Kind::AccessKey { .. } => "temporary access key",
        }
    }

    /// Whether requests are signed (an access key) rather than carrying a
    /// token.
    pub(crate) fn signs(&self) -> bool {
        matches!(self.kind, Kind::AccessKey { .. })
    }
}

fn key_error(error: SigningError) -> ValidationError {
    let field = match error {
        SigningError::InvalidAccessKey => "access_key",
        _ => "secret_key",
    };
    ValidationError::new(field, error.to_string())
}

/// `value` as a header value marked sensitive, so that `http` never prints
/// it; `header` names it in the error.
fn sensitive_header(header: &'static str, value: &str) -> Result<HeaderValue, ValidationError> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| ValidationError::new(header, "contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = crate::secret::REDACTED;
        match &self.kind {
            Kind::IamToken(_) => write!(f, "Credentials::IamToken({redacted})")?,
            Kind::AccessKey {
                key,
                security_token,
            } => {
                let kind = if security_token.is_some() {
                    "TemporaryAccessKey"
                } else {
                    "AccessKey"
                };
                write!(
                    f,
                    "Credentials::{kind}(access_key: {}, secret_key: {redacted}",
                    key.access_key()
                )?;
                if security_token.is_some() {
                    write!(f, ", security_token: {redacted}")?;
                }
                f.write_str(")")?;
            }
        }
        if let Some((project_id, _)) = &self.project_id {
            write!(f, " in project {}", project_id.as_str())?;
        }
        Ok(())
    }
}

/// Access-key credentials from named values; an error names the variable
/// or profile key of the value that was refused.
pub(crate) fn keys(
    origin: &str,
    (ak_name, ak): (&str, &str),
    (sk_name, sk): (&str, &str),
    security_token: Option<(&str, &str)>,
) -> Result<Credentials, crate::error::ConfigError> {
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

pub(crate) fn with_project_id(
    credentials: Credentials,
    origin: &str,
    project_id: Option<(&str, &str)>,
) -> Result<Credentials, crate::error::ConfigError> {
    match project_id {
        None => Ok(credentials),
        Some((name, project_id)) => credentials
            .with_project_id(project_id)
            .map_err(|e| invalid(origin, name, &e)),
    }
}

/// A value rejected by its constructor: the error's rule, never the value.
pub(crate) fn invalid(origin: &str, key: &str, error: &crate::Error) -> crate::error::ConfigError {
    let problem = match error {
        crate::Error::Validation(e) => e.rule().to_owned(),
        other => other.to_string(),
    };
    crate::error::ConfigError::new(origin, key, format!("is invalid: {problem}"))
}
