//! An enum that also accepts the values it does not list.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::ValidationError;

/// A value of the enum `T` as the service reported it: one `T` lists, or a
/// newer one this client does not know yet, kept as text.
///
/// The service adds enum values over time; a response that carries one must
/// still decode, and a request may name one (a cloud vendor) before this
/// client lists it. Fields whose schema says `x-oms-open-enum` have this
/// type; they are set from a `T` or from any text — except text that
/// differs from a listed value only in case (`aliyun` for `Aliyun`), a typo
/// the service would not take for the value: it is refused, saying which
/// value was meant. A response keeps whatever text it carries.
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
/// let vendor = OpenEnum::<CloudVendor>::try_from("Aliyun")?;
/// assert_eq!(vendor, OpenEnum::from(CloudVendor::Aliyun));
/// let later = OpenEnum::<CloudVendor>::try_from("Oracle")?;
/// assert_eq!(serde_json::to_string(&later)?, "\"Oracle\"");
/// let typo = OpenEnum::<CloudVendor>::try_from("aliyun").unwrap_err();
/// assert_eq!(typo.rule(), "differs only in case from `Aliyun`: did you mean `Aliyun`?");
/// # Ok::<(), Box<dyn std::error::Error>>(())
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

/// The values an enum of the spec lists, as the wire has them; generated for
/// every enum that an `x-oms-open-enum` schema opens.
pub trait Listed {
    /// Every value, in the spec's order.
    const VALUES: &'static [&'static str];
}

// `From<T>` is generated for each enum of the spec that is opened: a
// blanket one would overlap with the conversions from text.

impl<T: FromStr> OpenEnum<T> {
    /// The value `T` lists, or else the text as it is: how a response is
    /// read.
    fn received(text: String) -> Self {
        text.parse()
            .map_or_else(|_| OpenEnum::Unknown(text), OpenEnum::Known)
    }
}

impl<T: FromStr + Listed> OpenEnum<T> {
    /// The value `T` lists, or else the text — unless it differs from a
    /// listed value only in case: how a caller's value is taken.
    fn given(text: Cow<'_, str>) -> Result<Self, ValidationError> {
        if let Ok(known) = text.parse() {
            return Ok(OpenEnum::Known(known));
        }
        if let Some(meant) = T::VALUES
            .iter()
            .find(|value| value.eq_ignore_ascii_case(&text))
        {
            return Err(ValidationError::from(format!(
                "differs only in case from `{meant}`: did you mean `{meant}`?"
            )));
        }
        Ok(OpenEnum::Unknown(text.into_owned()))
    }
}

impl<T: FromStr + Listed> TryFrom<&str> for OpenEnum<T> {
    type Error = ValidationError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::given(Cow::Borrowed(text))
    }
}

impl<T: FromStr + Listed> TryFrom<String> for OpenEnum<T> {
    type Error = ValidationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::given(Cow::Owned(text))
    }
}

impl<T: FromStr + Listed> TryFrom<&String> for OpenEnum<T> {
    type Error = ValidationError;

    fn try_from(text: &String) -> Result<Self, Self::Error> {
        Self::given(Cow::Borrowed(text))
    }
}

impl<T: FromStr + Listed> TryFrom<Cow<'_, str>> for OpenEnum<T> {
    type Error = ValidationError;

    fn try_from(text: Cow<'_, str>) -> Result<Self, Self::Error> {
        Self::given(text)
    }
}

impl<T: FromStr + Listed> FromStr for OpenEnum<T> {
    type Err = ValidationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::given(Cow::Borrowed(text))
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
        Ok(Self::received(String::deserialize(deserializer)?))
    }
}

#[cfg(feature = "schemars")]
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
