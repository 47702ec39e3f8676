//! What the examples share: flags, the environment, the choice between the
//! embedded OMS and a real endpoint, and printing errors the seed's way.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use oms_api::local::LocalOms;
use oms_api::provider::{self, CredentialsChain};
use oms_api::{Client, Credentials, Error, Region, ValidationError};

/// What the credentials part of every example's usage says.
pub const CREDENTIALS_USAGE: &str =
    "Credentials (environment): HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or
CLOUD_SDK_AK and CLOUD_SDK_SK), optionally HUAWEICLOUD_SDK_SECURITY_TOKEN and
HUAWEICLOUD_SDK_PROJECT_ID; or HUAWEICLOUD_SDK_AUTH_TOKEN (an IAM token); or
the [basic] section of ~/.huaweicloud/credentials.
Without --region, --endpoint and credentials, an embedded local OMS is used.";

/// A sample project id for the embedded OMS.
pub const SAMPLE_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// The sample access key the embedded OMS accepts signatures of.
pub const SAMPLE_ACCESS_KEY: &str = "DEMOAKDEMOAKDEMOAK01";
const SAMPLE_SECRET_KEY: &str = "demo-secret-key-not-a-real-one";

/// `--name value` flags, each at most once; `--help` gives `Err("")`.
pub struct Flags(BTreeMap<String, String>);

impl Flags {
    /// Reads the command line, accepting only `names` (without `--`).
    pub fn parse(names: &[&str]) -> Result<Self, String> {
        let mut flags = BTreeMap::new();
        let mut words = std::env::args().skip(1);
        while let Some(word) = words.next() {
            if word == "-h" || word == "--help" {
                return Err(String::new());
            }
            let name = word
                .strip_prefix("--")
                .filter(|name| names.contains(name))
                .ok_or_else(|| format!("unknown argument `{word}`"))?;
            let value = words
                .next()
                .ok_or_else(|| format!("{word} needs a value"))?;
            if flags.insert(name.to_owned(), value).is_some() {
                return Err(format!("{word} is given twice"));
            }
        }
        if flags.contains_key("region") && flags.contains_key("endpoint") {
            return Err("give --region or --endpoint, not both".to_owned());
        }
        Ok(Self(flags))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A flag that a real endpoint needs.
    pub fn required(&self, name: &'static str) -> Result<&str, Error> {
        self.get(name).ok_or_else(|| {
            ValidationError::new(name, "is required with --region or --endpoint").into()
        })
    }

    /// Whether a real endpoint was asked for.
    pub fn remote(&self) -> bool {
        self.get("region").is_some() || self.get("endpoint").is_some()
    }
}

/// A variable of the environment; empty counts as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether credentials are set in the environment.
pub fn credentials_in_environment() -> bool {
    provider::ACCESS_KEY_VARS
        .iter()
        .chain(provider::SECRET_KEY_VARS)
        .chain([&provider::AUTH_TOKEN_VAR])
        .any(|name| env(name).is_some())
}

/// A client for the real endpoint the flags name, with credentials from the
/// chain; signed requests name `project_id` unless the chain gave one.
pub fn remote_client(flags: &Flags, project_id: &str) -> Result<Client, Error> {
    let mut credentials = CredentialsChain::new().resolve()?;
    if credentials.project_id().is_none() {
        credentials = credentials.with_project_id(project_id)?;
    }
    let builder = Client::builder().credentials(credentials);
    let builder = match (flags.get("region"), flags.get("endpoint")) {
        (Some(region), _) => builder.region(region.parse::<Region>()?),
        (_, Some(endpoint)) => builder.endpoint(endpoint),
        (None, None) => {
            return Err(ValidationError::new("endpoint", "give --region or --endpoint").into());
        }
    };
    builder.build()
}

/// Refuses to run against the embedded OMS with real credentials around:
/// they are meant for a real endpoint.
pub fn check_local_run() -> Result<(), Error> {
    if credentials_in_environment() {
        return Err(ValidationError::new(
            "endpoint",
            "is required with credentials: give --region or --endpoint",
        )
        .into());
    }
    Ok(())
}

/// A client for `oms`, signing with the sample keys it accepts.
pub fn local_client(oms: &LocalOms, project_id: &str) -> Result<Client, Error> {
    let credentials = Credentials::access_key(SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY)?
        .with_project_id(project_id)?;
    Client::builder()
        .endpoint(&oms.base_url())
        .credentials(credentials)
        .build()
}

/// The embedded OMS with the sample keys, plus what `configure` adds.
pub async fn start_local_oms(
    configure: impl FnOnce(oms_api::local::LocalOmsBuilder) -> oms_api::local::LocalOmsBuilder,
) -> Result<LocalOms, Error> {
    let oms = configure(LocalOms::builder().access_key(SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY))
        .start()
        .await
        .map_err(|e| ValidationError::new("local OMS", e.to_string()))?;
    println!(
        "No endpoint and no credentials given: using an embedded OMS at {} that verifies\nSDK-HMAC-SHA256 signatures, and the sample access key {SAMPLE_ACCESS_KEY}.\n",
        oms.base_url()
    );
    Ok(oms)
}

/// Prints `usage` after a flag problem, with exit code 2.
pub fn usage_error(problem: &str, usage: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("{problem}\n");
    }
    eprintln!("{usage}");
    ExitCode::from(2)
}

/// Prints an error the way the seed's sample does — status, request id,
/// error code, error message — and gives a failing exit code.
pub fn report(operation: &str, error: &Error) -> ExitCode {
    eprintln!("{operation} failed: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    if let Some(service) = error.as_service_error() {
        eprintln!("status: {}", service.status().as_u16());
        eprintln!("request id: {}", service.request_id().unwrap_or("-"));
        eprintln!("error code: {}", service.code());
        eprintln!("error message: {}", service.message());
    }
    ExitCode::FAILURE
}
