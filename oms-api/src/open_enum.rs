//! An enum that also accepts the values it does not list.

use std::fmt;
use std::str::FromStr;

/// A value of the enum `T` as the service reported it: one `T` lists, or a
/// newer one this client does not know yet, kept as text.
///
/// The service adds enum values over time; a response that carries one must
/// still decode, and a request may name one (a cloud vendor) before this
/// client lists it. Fields whose schema says `x-oms-open-enum` have this
/// type; they are set from a `T` or from any text.
///
/// ```
/// use oms_api::OpenEnum;
/// use oms_api::types::{CloudVendor, SyncTaskStatus};
///
/// let known: OpenEnum<SyncTaskStatus> = serde_json::from_str("\"STOPPED\"")?;
/// assert_eq!(known.known(), Some(&SyncTaskStatus::Stopped));
/// let newer: OpenEnum<SyncTaskStatus> = serde_json::from_str("\"MIGRATING\"")?;
/// assert_eq!(newer.known(), None);
/// assert_eq!(newer.to_string(), "MIGRATING");
///
/// let vendor: OpenEnum<CloudVendor> = "Aliyun".into();
/// assert_eq!(vendor, OpenEnum::from(CloudVendor::Aliyun));
/// let later: OpenEnum<CloudVendor> = "Oracle".into();
/// assert_eq!(serde_json::to_string(&later)?, "\"Oracle\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpenEnum<T> {
    /// A value `T` lists.
    Known(T),
    /// A value `T` does not list, as received.
    Unknown(String),
}

impl<T> OpenEnum<T> {
    /// The value, if `T` lists it.
    pub fn known(&self) -> Option<&T> {
        match self {
            OpenEnum::Known(value) => Some(value),
            OpenEnum::Unknown(_) => None,
        }
    }

    /// Whether `T` lists the value.
    pub fn is_known(&self) -> bool {
        matches!(self, OpenEnum::Known(_))
    }
}

// `From<T>` is generated for each enum of the spec that is opened: a
// blanket one would overlap with `From<&str>`.

impl<T: FromStr> From<&str> for OpenEnum<T> {
    /// The value `T` lists, or else the text as it is.
    fn from(text: &str) -> Self {
        text.parse()
            .map_or_else(|_| OpenEnum::Unknown(text.to_owned()), OpenEnum::Known)
    }
}

impl<T: FromStr> From<String> for OpenEnum<T> {
    /// The value `T` lists, or else the text as it is.
    fn from(text: String) -> Self {
        text.parse()
            .map_or_else(|_| OpenEnum::Unknown(text), OpenEnum::Known)
    }
}

impl<T: FromStr> FromStr for OpenEnum<T> {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(text.into())
    }
}

impl<T: fmt::Display> fmt::Display for OpenEnum<T> {
    /// The value as it is on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenEnum::Known(value) => value.fmt(f),
            OpenEnum::Unknown(text) => f.write_str(text),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OpenEnum<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenEnum::Known(value) => value.fmt(f),
            OpenEnum::Unknown(text) => f.debug_tuple("Unknown").field(text).finish(),
        }
    }
}

impl<T: fmt::Display> serde::Serialize for OpenEnum<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, T: FromStr> serde::Deserialize<'de> for OpenEnum<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(String::deserialize(deserializer)?.into())
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for OpenEnum<T> {
    fn schema_name() -> String {
        format!("Open{}", T::schema_name())
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        // Any string: the listed values and those still to come.
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            ..Default::default()
        }
        .into()
    }
}
