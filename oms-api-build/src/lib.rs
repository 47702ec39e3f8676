#![doc = include_str!("../README.md")]

mod nfa;
mod passes;
mod spec;
mod tables;
mod words;

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};

pub use spec::{EXACTLY_ONE_OF, IDEMPOTENT, OPEN_ENUM, REGIONS, RULE, SECRET};

/// The command that regenerates everything this crate emits, named in the
/// `@generated` header.
pub const REGEN_COMMAND: &str = "cargo xtask regen";

/// What can go wrong while generating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec or the output could not be read or written.
    #[error("cannot {action} {path}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The spec is not a valid OpenAPI 3.0 document.
    #[error("{path} is not a valid OpenAPI 3.0 document")]
    Parse {
        /// The spec.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_yaml::Error,
    },
    /// One of the spec's `x-oms-*` extensions is misused.
    #[error("{schema}: {extension} {problem}")]
    Extension {
        /// The schema or operation concerned.
        schema: String,
        /// The extension.
        extension: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The spec asks for something the generator does not support.
    #[error("{0}")]
    Spec(String),
    /// progenitor refused the spec.
    #[error("progenitor cannot generate a client from {path}")]
    Generate {
        /// The spec.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: progenitor_impl::Error,
    },
    /// The generated tokens are not valid Rust (a generator bug).
    #[error("the generated code does not parse as Rust")]
    Format(#[source] syn::Error),
    /// `compile` was called outside a build script.
    #[error(
        "OUT_DIR is not set; `compile` is meant to run from a build script (use `generate` elsewhere)"
    )]
    NoOutDir,
}

/// Starts configuring where the generator writes.
pub fn configure() -> Builder {
    Builder::default()
}

/// Where the generated code goes. Create one with [`configure`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    out_file_name: String,
    httpmock_file_name: String,
    emit_rerun_if_changed: Option<bool>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            out_file_name: "oms_api.rs".to_owned(),
            httpmock_file_name: "oms_api_httpmock.rs".to_owned(),
            emit_rerun_if_changed: None,
        }
    }
}

/// The generated code, formatted, each part starting with the `@generated`
/// header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The client: types, builders, the `operations` table.
    pub client: String,
    /// progenitor's `httpmock` helpers (they refer to the client as `crate`).
    pub httpmock: String,
}

impl Builder {
    /// Name of the client's file in `OUT_DIR`. Default: `oms_api.rs`.
    pub fn out_file_name(mut self, name: impl Into<String>) -> Self {
        self.out_file_name = name.into();
        self
    }

    /// Name of the httpmock helpers' file in `OUT_DIR`. Default:
    /// `oms_api_httpmock.rs`.
    pub fn httpmock_file_name(mut self, name: impl Into<String>) -> Self {
        self.httpmock_file_name = name.into();
        self
    }

    /// Whether [`compile`](Self::compile) prints `cargo:rerun-if-changed` for
    /// the spec.
    ///
    /// Default: only when running under Cargo (the `CARGO` environment
    /// variable is set).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun_if_changed = Some(emit);
        self
    }

    /// Generates the client and the httpmock helpers from `spec`, which is
    /// read and parsed once.
    pub fn generate(&self, spec: impl AsRef<Path>) -> Result<Generated, Error> {
        let spec = spec::Spec::read(spec.as_ref())?;
        let facts = spec.facts()?;
        let api = spec.for_progenitor();
        let generate_error = |source| Error::Generate {
            path: spec.path.clone(),
            source,
        };
        let tokens = generator(&facts)
            .generate_tokens(&api)
            .map_err(generate_error)?;
        let tables = tables::tables(&facts);
        let mut file =
            syn::parse2::<syn::File>(quote::quote!(#tokens #tables)).map_err(Error::Format)?;
        passes::validation::rewrite(&mut file, &facts.patterns)?;
        passes::patterns::rewrite(&mut file)?;
        passes::send::rewrite(&mut file, &facts)?;
        passes::setters::rewrite(&mut file);
        passes::client::rewrite(&mut file);
        let header = header(&spec.path);
        let client = format!("{header}{}", prettyplease::unparse(&file));
        let mock = generator(&facts)
            .httpmock(&api, "crate")
            .map_err(generate_error)?;
        let mock = syn::parse2::<syn::File>(mock).map_err(Error::Format)?;
        let httpmock = format!("{header}{}", prettyplease::unparse(&mock));
        Ok(Generated { client, httpmock })
    }

    /// Generates from `spec` into `OUT_DIR` and returns the client's path.
    /// Meant for build scripts.
    pub fn compile(&self, spec: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let spec = spec.as_ref();
        let out_dir = std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?;
        let emit = self
            .emit_rerun_if_changed
            .unwrap_or_else(|| std::env::var_os("CARGO").is_some());
        if emit {
            println!("cargo:rerun-if-changed={}", spec.display());
        }
        let generated = self.generate(spec)?;
        let out = Path::new(&out_dir).join(&self.out_file_name);
        write(&out, &generated.client)?;
        write(
            &Path::new(&out_dir).join(&self.httpmock_file_name),
            &generated.httpmock,
        )?;
        Ok(out)
    }
}

/// progenitor with the settings the client is generated with.
fn generator(facts: &spec::Facts) -> Generator {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::ClientState))
        .with_derive("PartialEq")
        .with_derive("schemars::JsonSchema");
    for replacement in &facts.replacements {
        settings.with_replacement(
            &replacement.schema,
            &replacement.rust_type,
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        );
    }
    Generator::new(&settings)
}

/// The `@generated` header: which spec, and which command regenerates.
fn header(spec: &Path) -> String {
    // The spec's folder and name (`openapi/oms.yaml`) read the same from
    // every crate and machine, unlike the path the caller used.
    let mut shown: Vec<_> = spec
        .components()
        .rev()
        .filter(|c| matches!(c, Component::Normal(_)))
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    shown.reverse();
    let shown = shown.join("/");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by oms-api-build from {shown}; do not edit."
    );
    let _ = writeln!(
        out,
        "// Change the spec or the generator, then run `{REGEN_COMMAND}`.\n"
    );
    out
}

fn write(path: &Path, code: &str) -> Result<(), Error> {
    std::fs::write(path, code).map_err(|source| Error::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}
