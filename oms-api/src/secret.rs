//! A string that is never printed.

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroize;

use crate::length::{fewer_chars_than, more_chars_than};

/// What [`Secret`]'s `Debug` and `Display` print instead of the value.
pub const REDACTED: &str = "*** Sensitive Data Redacted ***";

/// A secret string (a secret key, a CDN key) whose length is checked on
/// construction against the bounds the spec gives for it: `MIN..=MAX`
/// characters.
///
/// It serializes as the plain value, because the service needs it, but its
/// `Debug` and `Display` print [`REDACTED`], so that a request body, its
/// builder or an error can be logged safely. The memory is zeroed on drop.
///
/// ```
/// use oms_api::Secret;
///
/// let sk: Secret<1, 100> = "my-secret-key".parse()?;
/// assert_eq!(sk.expose_secret(), "my-secret-key");
/// assert_eq!(format!("{sk:?}"), "Secret(*** Sensitive Data Redacted ***)");
/// assert!("".parse::<Secret<1, 100>>().is_err());
/// # Ok::<(), oms_api::SecretLengthError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<const MIN: usize, const MAX: usize>(String);

/// A [`Secret`] of the wrong length. It never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe_length(*min, *max, *actual))]
pub struct SecretLengthError {
    min: usize,
    max: usize,
    actual: usize,
}

/// The length rule in the words the generated types use for theirs
/// (`oms-api-build`'s `words::length`; a test compares the two).
fn describe_length(min: usize, max: usize, _actual: usize) -> String {
    let unit = |n: usize| if n == 1 { "character" } else { "characters" };
    match (min, max) {
        (0, max) => format!("must be at most {max} {}", unit(max)),
        (min, max) if min == max => format!("must be exactly {min} {}", unit(min)),
        (min, max) => format!("must be {min} to {max} characters"),
    }
}

impl<const MIN: usize, const MAX: usize> Secret<MIN, MAX> {
    /// Wraps `value` after checking its length in characters.
    pub fn new(value: impl Into<String>) -> Result<Self, SecretLengthError> {
        let mut value = value.into();
        if !fewer_chars_than(&value, MIN) && !more_chars_than(&value, MAX) {
            Ok(Self(value))
        } else {
            let actual = value.chars().count();
            value.zeroize();
            Err(SecretLengthError {
                min: MIN,
                max: MAX,
                actual,
            })
        }
    }

    /// The plain value. Call it only where the value must leave the process.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> Drop for Secret<MIN, MAX> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Debug for Secret<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for Secret<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<const MIN: usize, const MAX: usize> FromStr for Secret<MIN, MAX> {
    type Err = SecretLengthError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::new(value)
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<&str> for Secret<MIN, MAX> {
    type Error = SecretLengthError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Secret<MIN, MAX> {
    type Error = SecretLengthError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<&String> for Secret<MIN, MAX> {
    type Error = SecretLengthError;

    fn try_from(value: &String) -> Result<Self, Self::Error> {
        Self::new(value.as_str())
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<std::borrow::Cow<'_, str>> for Secret<MIN, MAX> {
    type Error = SecretLengthError;

    fn try_from(value: std::borrow::Cow<'_, str>) -> Result<Self, Self::Error> {
        Self::new(value.into_owned())
    }
}

impl<const MIN: usize, const MAX: usize> serde::Serialize for Secret<MIN, MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const MIN: usize, const MAX: usize> serde::Deserialize<'de> for Secret<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schemars")]
impl<const MIN: usize, const MAX: usize> schemars::JsonSchema for Secret<MIN, MAX> {
    fn schema_name() -> String {
        format!("Secret_{MIN}_{MAX}")
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("password".to_owned()),
            string: Some(Box::new(schemars::schema::StringValidation {
                min_length: u32::try_from(MIN).ok(),
                max_length: u32::try_from(MAX).ok(),
                pattern: None,
            })),
            metadata: Some(Box::new(schemars::schema::Metadata {
                write_only: true,
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CANARY-5ecret-value";

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret: Secret<1, 100> = CANARY.parse().unwrap();
        assert!(!format!("{secret:?}").contains(CANARY));
        assert!(!format!("{secret:#?}").contains(CANARY));
        assert!(!secret.to_string().contains(CANARY));
        assert_eq!(secret.to_string(), REDACTED);
    }

    #[test]
    fn serializes_the_plain_value() {
        let secret: Secret<1, 100> = CANARY.parse().unwrap();
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            format!("\"{CANARY}\"")
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(Secret::<1, 2>::new("中文").is_ok());
        assert!(Secret::<1, 2>::new("中文字").is_err());
    }

    #[test]
    fn rejects_lengths_outside_the_bounds_without_echoing_the_value() {
        let long = "x".repeat(101);
        let error = Secret::<1, 100>::new(long.clone()).unwrap_err();
        assert_eq!(error.to_string(), "must be 1 to 100 characters");
        assert!(!format!("{error:?}").contains(&long));
        let error = Secret::<1, 100>::new("").unwrap_err();
        assert_eq!(error.to_string(), "must be 1 to 100 characters");
        assert!(Secret::<0, 255>::new("").is_ok());
    }

    #[test]
    fn deserializing_checks_the_length() {
        assert!(serde_json::from_str::<Secret<1, 3>>("\"abcd\"").is_err());
        assert!(serde_json::from_str::<Secret<1, 3>>("\"abc\"").is_ok());
    }
}
