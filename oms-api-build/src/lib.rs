#![doc = include_str!("../README.md")]

mod extensions;
#[cfg(feature = "generate")]
mod nfa;
#[cfg(feature = "generate")]
mod passes;
mod reviewed;
#[cfg(feature = "generate")]
mod spec;
#[cfg(feature = "generate")]
mod tables;
#[cfg(feature = "generate")]
mod words;
mod yaml;

use std::path::{Path, PathBuf};

#[cfg(feature = "generate")]
use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};

pub use extensions::{
    CODES, EXACTLY_ONE_OF, IDEMPOTENT, OPEN_ENUM, PAGINATION, REGIONS, RULE, SECRET,
};

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
    #[cfg(feature = "generate")]
    #[error("{path} is not a valid OpenAPI 3.0 document")]
    Parse {
        /// The spec.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_yaml::Error,
    },
    /// One of the spec's `x-oms-*` extensions is misplaced, misspelt or
    /// misused.
    #[error("{at}: {extension} {problem}")]
    Extension {
        /// Where: the JSON path and line of a key that is misplaced or
        /// misspelt, or the schema or operation whose extension is misused.
        at: String,
        /// The extension, or the key that looks like one.
        extension: String,
        /// What is wrong with it, and the rule.
        problem: String,
    },
    /// The spec asks for something the generator does not support.
    #[error("{0}")]
    Spec(String),
    /// progenitor refused the spec.
    #[cfg(feature = "generate")]
    #[error("progenitor cannot generate a client from {path}")]
    Generate {
        /// The spec.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: progenitor_impl::Error,
    },
    /// The generated tokens are not valid Rust (a generator bug).
    #[cfg(feature = "generate")]
    #[error("the generated code does not parse as Rust")]
    Format(#[source] syn::Error),
    /// A reviewed snapshot was generated from another spec than the one
    /// given (without the `generate` feature).
    #[error(
        "{snapshot} was not generated from {spec}: run `{REGEN_COMMAND}` and review the snapshot diff, or turn on the `generate` feature to generate at build time"
    )]
    Stale {
        /// The spec.
        spec: PathBuf,
        /// The snapshot.
        snapshot: PathBuf,
    },
    /// A reviewed snapshot is not what the snapshot tests write.
    #[error("{path} {problem}")]
    Snapshot {
        /// The snapshot.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
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
    snapshots: PathBuf,
    emit_rerun_if_changed: Option<bool>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            out_file_name: "oms_api.rs".to_owned(),
            httpmock_file_name: "oms_api_httpmock.rs".to_owned(),
            snapshots: PathBuf::from("snapshots"),
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

    /// The folder of the reviewed snapshots (`client.snap`,
    /// `httpmock.snap`), which [`compile`](Self::compile) hands to the
    /// build without the `generate` feature. Default: `snapshots`.
    pub fn snapshots(mut self, dir: impl Into<PathBuf>) -> Self {
        self.snapshots = dir.into();
        self
    }

    /// Whether [`compile`](Self::compile) prints `cargo:rerun-if-changed` for
    /// the files it reads.
    ///
    /// Default: only when running under Cargo (the `CARGO` environment
    /// variable is set).
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun_if_changed = Some(emit);
        self
    }

    /// Generates the client and the httpmock helpers from `spec`, which is
    /// read and parsed once.
    #[cfg(feature = "generate")]
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
        passes::builders::rewrite(&mut file, &facts.response_only)?;
        passes::derives::rewrite(&mut file)?;
        passes::validation::rewrite(&mut file, &facts.patterns)?;
        passes::patterns::rewrite(&mut file)?;
        passes::collect::rewrite(&mut file, &facts.property_order)?;
        passes::defaults::rewrite(&mut file, &facts.defaults)?;
        passes::send::rewrite(&mut file, &facts)?;
        passes::setters::rewrite(&mut file)?;
        passes::strings::rewrite(&mut file)?;
        passes::docs::rewrite(&mut file, &facts)?;
        passes::client::rewrite(&mut file)?;
        let header = reviewed::header(&spec.path, &spec.digest);
        let client = format!("{header}{}", prettyplease::unparse(&file));
        let mock = generator(&facts)
            .httpmock(&api, "crate")
            .map_err(generate_error)?;
        let mock = syn::parse2::<syn::File>(mock).map_err(Error::Format)?;
        let httpmock = format!("{header}{}", prettyplease::unparse(&mock));
        Ok(Generated { client, httpmock })
    }

    /// The reviewed [snapshots](Self::snapshots) of the code generated from
    /// `spec`: what [`compile`](Self::compile) writes without the `generate`
    /// feature. Fails with [`Error::Stale`] unless their `@generated` header
    /// names `spec`'s SHA-256.
    pub fn reviewed(&self, spec: impl AsRef<Path>) -> Result<Generated, Error> {
        reviewed::load(spec.as_ref(), &self.snapshots)
    }

    /// Writes the code for `spec` into `OUT_DIR` and returns the client's
    /// path. Meant for build scripts.
    ///
    /// With the `generate` feature, the code is [generated](Self::generate)
    /// from `spec`. Without it, the code is the reviewed
    /// [snapshots](Self::snapshots), byte for byte the same, once their
    /// `@generated` header shows that they were generated from this very
    /// spec (its SHA-256); otherwise the build fails with
    /// [`Error::Stale`].
    pub fn compile(&self, spec: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let spec = spec.as_ref();
        let out_dir = std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?;
        let emit = self
            .emit_rerun_if_changed
            .unwrap_or_else(|| std::env::var_os("CARGO").is_some());
        if emit {
            println!("cargo:rerun-if-changed={}", spec.display());
            if !cfg!(feature = "generate") {
                for name in [reviewed::CLIENT_SNAPSHOT, reviewed::HTTPMOCK_SNAPSHOT] {
                    println!(
                        "cargo:rerun-if-changed={}",
                        self.snapshots.join(name).display()
                    );
                }
            }
        }
        #[cfg(feature = "generate")]
        let generated = self.generate(spec)?;
        #[cfg(not(feature = "generate"))]
        let generated = self.reviewed(spec)?;
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
#[cfg(feature = "generate")]
fn generator(facts: &spec::Facts) -> Generator {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::ClientState))
        .with_derive("PartialEq");
    for replacement in &facts.replacements {
        settings.with_replacement(
            &replacement.schema,
            &replacement.rust_type,
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        );
    }
    Generator::new(&settings)
}

fn write(path: &Path, code: &str) -> Result<(), Error> {
    std::fs::write(path, code).map_err(|source| Error::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}
