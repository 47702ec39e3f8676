//! How requests are authenticated.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::ValidationError;
use crate::secret::Secret;

/// The header that carries an IAM token.
pub const AUTH_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// An IAM token: 1 to 16384 characters, as the spec requires.
pub type IamToken = Secret<1, 16384>;

/// The credentials a [`Client`](crate::Client) authenticates with.
///
/// `Debug` shows which kind of credentials these are, never a token or key.
///
/// ```
/// use oms_api::Credentials;
///
/// let credentials = Credentials::iam_token("MIIE...token")?;
/// assert_eq!(format!("{credentials:?}"), "Credentials::IamToken(*** Sensitive Data Redacted ***)");
/// # Ok::<(), oms_api::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    /// Sent as `X-Auth-Token`.
    IamToken(IamToken),
}

impl Credentials {
    /// An IAM token, sent in the `X-Auth-Token` header of every request.
    ///
    /// Fails when the token is empty, longer than 16384 characters, or holds
    /// characters a header cannot carry; the error never contains the token.
    pub fn iam_token(token: impl Into<String>) -> Result<Self, crate::Error> {
        let token = IamToken::new(token)
            .map_err(|e| ValidationError::new("X-Auth-Token", e.to_string()))?;
        token_header(&token)?;
        Ok(Self {
            kind: Kind::IamToken(token),
        })
    }

    /// Adds what authenticates `request` to it, after everything else has
    /// been set.
    pub(crate) fn authenticate(&self, request: &mut reqwest::Request) -> Result<(), crate::Error> {
        match &self.kind {
            Kind::IamToken(token) => {
                request
                    .headers_mut()
                    .insert(AUTH_TOKEN_HEADER, token_header(token)?);
            }
        }
        Ok(())
    }
}

/// The token as a header value marked sensitive (so that `http` never
/// prints it).
fn token_header(token: &IamToken) -> Result<HeaderValue, ValidationError> {
    let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
        ValidationError::new(
            "X-Auth-Token",
            "contains characters not allowed in a header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::IamToken(_) => write!(f, "Credentials::IamToken({})", crate::secret::REDACTED),
        }
    }
}
