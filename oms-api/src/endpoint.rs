//! Where requests go — a region of Huawei Cloud, or a base URL of one's own —
//! and how the endpoint is chosen, in the official SDKs' order: an explicit
//! endpoint, then the region's override in the environment
//! (`HUAWEICLOUD_SDK_REGION_OMS_<REGION>`), then the regions file
//! (`$HUAWEICLOUD_SDK_REGIONS_FILE` or `~/.huaweicloud/regions.yaml`), then
//! the official table.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::credentials::Environment;
use crate::error::{ConfigError, Error, ValidationError};

macro_rules! regions {
    ($($variant:ident => $id:literal;)*) => {
        /// A Huawei Cloud region that offers OMS (the official SDKs' table).
        ///
        /// ```
        /// use oms_api::Region;
        ///
        /// let region: Region = "cn-north-4".parse()?;
        /// assert_eq!(region, Region::CnNorth4);
        /// assert_eq!(region.endpoint(), "https://oms.cn-north-4.myhuaweicloud.com");
        /// assert!(region.offers(&oms_api::operations::START_SYNC_TASK));
        /// # Ok::<(), oms_api::ValidationError>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Region {
            $(
                #[doc = concat!("`", $id, "`")]
                $variant,
            )*
        }

        impl Region {
            /// Every region, in the order of the official table.
            pub const ALL: &'static [Region] = &[$(Region::$variant),*];

            /// The region id, such as `cn-north-4`.
            pub const fn id(self) -> &'static str {
                match self {
                    $(Region::$variant => $id,)*
                }
            }
        }
    };
}

regions! {
    CnNorth1 => "cn-north-1";
    CnNorth4 => "cn-north-4";
    CnNorth9 => "cn-north-9";
    CnNorth12 => "cn-north-12";
    CnEast2 => "cn-east-2";
    CnEast3 => "cn-east-3";
    CnEast4 => "cn-east-4";
    CnSouth1 => "cn-south-1";
    CnSouth4 => "cn-south-4";
    CnSouthwest2 => "cn-southwest-2";
    ApSoutheast1 => "ap-southeast-1";
    ApSoutheast2 => "ap-southeast-2";
    ApSoutheast3 => "ap-southeast-3";
    ApSoutheast4 => "ap-southeast-4";
    ApSoutheast5 => "ap-southeast-5";
    LaSouth2 => "la-south-2";
    LaNorth2 => "la-north-2";
    TrWest1 => "tr-west-1";
    SaBrazil1 => "sa-brazil-1";
    MeEast1 => "me-east-1";
    AfSouth1 => "af-south-1";
}

impl Region {
    /// Whether OMS offers `operation` in this region (the spec's
    /// `x-oms-regions`): sync tasks only in cn-north-4, cn-east-3 and,
    /// per the newest documentation, cn-southwest-2.
    ///
    /// ```
    /// use oms_api::{Region, operations};
    ///
    /// assert!(Region::CnNorth4.offers(&operations::START_SYNC_TASK));
    /// assert!(!Region::CnNorth1.offers(&operations::START_SYNC_TASK));
    /// ```
    pub fn offers(self, operation: &crate::operation::Operation) -> bool {
        operation.is_offered_in(self.id())
    }

    /// The OMS endpoint of this region, `https://oms.{id}.myhuaweicloud.com`.
    pub fn endpoint(self) -> String {
        format!("https://oms.{}.myhuaweicloud.com", self.id())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Region {
    type Err = ValidationError;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .iter()
            .copied()
            .find(|r| r.id() == id)
            .ok_or_else(|| {
                let known: Vec<&str> = Region::ALL.iter().map(|r| r.id()).collect();
                ValidationError::new(
                    "region",
                    format!(
                        "`{}` is not a region that offers OMS; the regions are {}",
                        crate::error::printable(id, 64),
                        known.join(", ")
                    ),
                )
            })
    }
}

/// A base URL the client sends requests to: a region's endpoint, or any
/// `http` or `https` URL (a proxy, or a local server in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(reqwest::Url);

impl Endpoint {
    /// Parses and checks a base URL: `http` or `https`, with a host, without
    /// user name, password, query or fragment, without an API version in
    /// its path (`…/v2`: the client adds it), and without control
    /// characters (a URL parser drops tabs and line breaks silently, so
    /// that `exa\nmple.com` would reach `example.com`). A trailing `/` is
    /// dropped.
    pub fn parse(url: &str) -> Result<Self, ValidationError> {
        let invalid = |rule: &'static str| ValidationError::new("endpoint", rule);
        if url.chars().any(char::is_control) {
            return Err(invalid("must not contain control characters"));
        }
        let parsed = reqwest::Url::parse(url).map_err(|_| invalid("is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("must use http or https"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("has no host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("must not contain a user name or password"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("must not have a query or fragment"));
        }
        // `https://oms.…/v2` would send `/v2/v2/…`: the API version is the
        // client's to add, and a path that names one is a mistake.
        let versioned = parsed.path_segments().is_some_and(|mut segments| {
            segments.any(|segment| {
                segment.len() >= 2
                    && segment.starts_with(['v', 'V'])
                    && segment[1..].bytes().all(|b| b.is_ascii_digit())
            })
        });
        if versioned {
            return Err(invalid(
                "must be the service's base URL, without the API version: the client adds `/v2/…` (`https://oms.cn-north-4.myhuaweicloud.com`, not `…/v2`)",
            ));
        }
        Ok(Self(parsed))
    }

    /// The base URL.
    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The base URL's path: `/`, or a stem such as `/oms`.
    pub fn path(&self) -> &str {
        self.0.path()
    }

    /// The base URL as the generated client uses it: without a trailing `/`.
    pub fn as_base_url(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }
}

impl From<Region> for Endpoint {
    fn from(region: Region) -> Self {
        Endpoint::parse(&region.endpoint()).expect("region endpoints are valid URLs")
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_base_url())
    }
}

/// The environment variable that overrides `region`'s OMS endpoint, such as
/// `HUAWEICLOUD_SDK_REGION_OMS_CN_NORTH_4`.
pub fn region_endpoint_var(region: Region) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_OMS_{}",
        region.id().to_ascii_uppercase().replace('-', "_")
    )
}

/// The environment variable naming the regions file.
pub const REGIONS_FILE_VAR: &str = "HUAWEICLOUD_SDK_REGIONS_FILE";

/// The largest regions file read.
pub const MAX_REGIONS_FILE: u64 = 1024 * 1024;

/// Where an endpoint came from, for [`Client::describe`](crate::Client::describe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EndpointOrigin {
    /// `ClientBuilder::endpoint`.
    Code,
    /// An environment variable.
    Environment(String),
    /// A regions file.
    RegionsFile(PathBuf),
    /// The built-in table.
    Table,
}

impl fmt::Display for EndpointOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointOrigin::Code => f.write_str("given in code (ClientBuilder::endpoint)"),
            EndpointOrigin::Environment(var) => write!(f, "from the environment ({var})"),
            EndpointOrigin::RegionsFile(path) => {
                write!(f, "from the regions file {}", path.display())
            }
            EndpointOrigin::Table => f.write_str("from the built-in table of regions"),
        }
    }
}

/// The endpoint of `region`: the first of the comma-separated URLs in
/// [`region_endpoint_var`] when set, else the region's in the regions file
/// when there is one, else the built-in table's.
pub fn region_endpoint(region: Region, environment: &Environment) -> Result<Endpoint, ConfigError> {
    resolve_region(region, environment).map(|(endpoint, _)| endpoint)
}

fn resolve_region(
    region: Region,
    environment: &Environment,
) -> Result<(Endpoint, EndpointOrigin), ConfigError> {
    let var = region_endpoint_var(region);
    if let Some(urls) = environment.var(&var)? {
        let first = urls
            .split(',')
            .map(str::trim)
            .find(|u| !u.is_empty())
            .unwrap_or("");
        let endpoint = Endpoint::parse(first).map_err(|e| {
            ConfigError::new(
                "environment",
                var.as_str(),
                format!("is invalid: {}", e.rule()),
            )
        })?;
        return Ok((endpoint, EndpointOrigin::Environment(var)));
    }
    let (path, required) = match environment.var(REGIONS_FILE_VAR)? {
        Some(path) => (Some(PathBuf::from(path)), true),
        None => (
            environment
                .var("HOME")?
                .map(|home| Path::new(home).join(".huaweicloud").join("regions.yaml")),
            false,
        ),
    };
    if let Some(path) = path
        && let Some(endpoint) = regions_file(&path, required, region)?
    {
        return Ok((endpoint, EndpointOrigin::RegionsFile(path)));
    }
    Ok((region.into(), EndpointOrigin::Table))
}

/// `region`'s OMS endpoint in the regions file at `path`, in the official
/// SDKs' format:
///
/// ```yaml
/// OMS:
///   - id: cn-north-4
///     endpoint: https://oms.cn-north-4.example.com
///   - id: cn-south-1
///     endpoints: [https://a.example.com, https://b.example.com]
/// ```
///
/// (the first of `endpoints`). A file without an `OMS` section, or without
/// the region in it, gives nothing; a file that is not such YAML is an
/// error naming the file and the key, never a value. The file is read as
/// the subset of YAML described in `regions_file.rs`, within fixed bounds
/// of time and memory: anchors, aliases and deep nesting are refused.
fn regions_file(
    path: &Path,
    required: bool,
    region: Region,
) -> Result<Option<Endpoint>, ConfigError> {
    use crate::regions_file::{Found, Refused, oms_endpoint};
    let origin = format!("regions file {}", path.display());
    let Some(text) = crate::files::read_text(path, &origin, required, MAX_REGIONS_FILE)? else {
        return Ok(None);
    };
    let url = match oms_endpoint(&text, region.id()) {
        Ok(Found::Nothing) => return Ok(None),
        Ok(Found::Endpoint(url)) => url,
        Ok(Found::NoEndpoint) => {
            return Err(ConfigError::new(
                origin,
                format!("OMS {} endpoint", region.id()),
                "is missing",
            ));
        }
        Err(Refused::Syntax(at)) => {
            return Err(ConfigError::new(
                origin,
                "file",
                format!(
                    "cannot be read at line {}, column {}: {}",
                    at.line, at.column, at.what
                ),
            ));
        }
        Err(Refused::NotAList) => {
            return Err(ConfigError::new(
                origin,
                "OMS",
                "is not a list of {id, endpoint} or {id, endpoints}",
            ));
        }
    };
    let key = format!("OMS {} endpoint", region.id());
    Endpoint::parse(url.trim())
        .map(Some)
        .map_err(|e| ConfigError::new(origin, key, format!("is invalid: {}", e.rule())))
}

/// The endpoint a client sends to, and where it came from: `endpoint` when
/// given, else `region`'s (see [`region_endpoint`]); one of them is required.
pub(crate) fn resolve(
    endpoint: Option<Result<Endpoint, ValidationError>>,
    region: Option<Region>,
    environment: &Environment,
) -> Result<(Endpoint, EndpointOrigin), Error> {
    match (endpoint, region) {
        (Some(endpoint), _) => Ok((endpoint?, EndpointOrigin::Code)),
        (None, Some(region)) => Ok(resolve_region(region, environment)?),
        (None, None) => {
            Err(ValidationError::new("endpoint", "is required: set a region or an endpoint").into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_round_trips_through_its_id() {
        assert_eq!(Region::ALL.len(), 21);
        for region in Region::ALL {
            assert_eq!(region.id().parse::<Region>().unwrap(), *region);
            assert_eq!(
                Endpoint::from(*region).as_base_url(),
                format!("https://oms.{}.myhuaweicloud.com", region.id())
            );
        }
    }

    #[test]
    fn rejects_an_unknown_region_by_name() {
        let error = "mars-1".parse::<Region>().unwrap_err();
        assert_eq!(error.field(), "region");
        assert!(error.rule().contains("mars-1"));
        assert!(error.rule().contains("cn-north-4, cn-north-9"), "{error}");
    }

    #[test]
    fn endpoint_drops_trailing_slash_and_keeps_port_and_stem() {
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:8080/")
                .unwrap()
                .as_base_url(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            Endpoint::parse("https://proxy.example/oms/")
                .unwrap()
                .as_base_url(),
            "https://proxy.example/oms"
        );
    }

    #[test]
    fn endpoint_rejects_what_cannot_be_a_base_url() {
        for url in [
            "oms.cn-north-4",
            "ftp://host",
            "http://u:p@host",
            "http://h/?q=1",
            "http://h/#f",
            "http://exa\nmple.com",
            "http://example.com/\r\nX-Injected: 1",
            "http://example.com\0.evil",
            "\thttp://example.com",
            "https://oms.cn-north-4.myhuaweicloud.com/v2",
            "https://oms.cn-north-4.myhuaweicloud.com/v2/",
            "https://proxy.example/oms/V3",
        ] {
            let error = Endpoint::parse(url).unwrap_err();
            assert_eq!(error.field(), "endpoint", "{url}");
            assert!(!error.to_string().contains("u:p"), "{url}");
        }
    }
}
