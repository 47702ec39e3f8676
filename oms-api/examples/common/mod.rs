//! What the examples share: flags, the environment, the choice between the
//! embedded OMS and a real endpoint, and printing errors the way Huawei's samples do.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::ExitCode;

use oms_api::credentials::{CredentialsChain, Environment};
use oms_api::local::LocalOms;
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

/// `--name value` flags, each at most once.
pub struct Flags(BTreeMap<String, String>);

/// What the command line asks for.
pub enum Command {
    Run(Flags),
    Help,
}

impl Flags {
    /// Reads the command line, accepting only `names` (without `--`).
    pub fn parse(names: &[&str]) -> Result<Command, String> {
        let mut flags = BTreeMap::new();
        let mut words = std::env::args().skip(1);
        while let Some(word) = words.next() {
            if word == "-h" || word == "--help" {
                return Ok(Command::Help);
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
        Ok(Command::Run(Self(flags)))
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
    Environment::process().get(name).map(str::to_owned)
}

/// An access key and secret key a task uses.
pub struct Keys {
    pub ak: String,
    pub sk: String,
}

/// The task's keys from `OMS_<side>_AK` and `OMS_<side>_SK`. Both or
/// neither: one alone is an error naming the other. Against the embedded
/// OMS, missing keys are replaced by sample keys; against a real endpoint
/// they are an error when `required`, and nothing is sent.
pub fn task_keys(side: &str, remote: bool, required: bool) -> Result<Option<Keys>, Error> {
    let (ak_name, sk_name) = (format!("OMS_{side}_AK"), format!("OMS_{side}_SK"));
    match (env(&ak_name), env(&sk_name)) {
        (Some(ak), Some(sk)) => Ok(Some(Keys { ak, sk })),
        (Some(_), None) => {
            Err(ValidationError::new(sk_name, format!("must be set with {ak_name}")).into())
        }
        (None, Some(_)) => {
            Err(ValidationError::new(ak_name, format!("must be set with {sk_name}")).into())
        }
        (None, None) if remote && required => Err(ValidationError::new(
            ak_name,
            format!("and {sk_name} must be set against a real endpoint"),
        )
        .into()),
        (None, None) if remote => Ok(None),
        (None, None) => {
            let sample = side.to_ascii_lowercase();
            Ok(Some(Keys {
                ak: format!("sample-{sample}-ak"),
                sk: format!("sample-{sample}-sk"),
            }))
        }
    }
}

/// A client for the real endpoint the flags name, with credentials from the
/// chain (the environment, the profile file, the ECS metadata service);
/// operations that leave out their project get `project_id`, else the
/// chain's, else the one IAM names for the region.
pub fn remote_client(flags: &Flags, project_id: Option<&str>) -> Result<Client, Error> {
    let mut builder = Client::builder();
    if let Some(project_id) = project_id {
        builder = builder.project_id(project_id);
    }
    let builder = match (flags.get("region"), flags.get("endpoint")) {
        (Some(region), _) => builder.region(region.parse::<Region>()?),
        (_, Some(endpoint)) => builder.endpoint(endpoint),
        (None, None) => {
            return Err(ValidationError::new("endpoint", "give --region or --endpoint").into());
        }
    };
    builder.build()
}

/// Refuses to run against the embedded OMS with real credentials around
/// (in the environment or the profile file): they are meant for a real
/// endpoint.
pub fn check_local_run() -> Result<(), Error> {
    match CredentialsChain::new().resolve() {
        Ok(_) => Err(ValidationError::new(
            "endpoint",
            "is required with credentials: give --region or --endpoint",
        )
        .into()),
        // A source that is there but malformed is worth knowing about.
        Err(error) if error.key() != "chain" => Err(error.into()),
        Err(_) => Ok(()),
    }
}

/// A client for `oms` in cn-north-4, signing with the sample keys it
/// accepts; an operation that leaves out its project gets the one the
/// embedded OMS, playing IAM, names for the region.
pub fn local_client(oms: &LocalOms) -> Result<Client, Error> {
    Client::builder()
        .region(Region::CnNorth4)
        .endpoint(&oms.base_url())
        .iam_endpoint(&oms.base_url())
        .credentials(Credentials::access_key(
            SAMPLE_ACCESS_KEY,
            SAMPLE_SECRET_KEY,
        )?)
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

/// Parses the flags, or prints the usage: on `--help` to stdout with
/// success, after a flag problem to stderr with exit code 2.
pub fn flags_or_usage(names: &[&str], usage: &str) -> Result<Flags, ExitCode> {
    let usage = format!("{usage}\n{CREDENTIALS_USAGE}");
    match Flags::parse(names) {
        Ok(Command::Run(flags)) => Ok(flags),
        Ok(Command::Help) => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(problem) => {
            eprintln!("{problem}\n\n{usage}");
            Err(ExitCode::from(2))
        }
    }
}

/// Prints an error the way Huawei's sample programs do — status, request id,
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
