//! Build-time generator of the `oms-api` client from its OpenAPI document.
//!
//! This crate wraps [progenitor](https://github.com/oxidecomputer/progenitor)
//! with the settings `oms-api` needs, in the style of `prost-build` and
//! `tonic-build`: [`configure`] returns a [`Builder`] whose options all have
//! documented defaults, [`Builder::compile`] writes the generated code into
//! `OUT_DIR` for a build script, and [`Builder::generate`] returns the same
//! code as a formatted `String` (used by the snapshot tests and by
//! `cargo xtask regen`).
//!
//! ```no_run
//! // In build.rs:
//! oms_api_build::configure()
//!     .compile("../openapi/oms.yaml")
//!     .expect("generating the OMS client");
//! ```
//!
//! What it adds to progenitor's builder-style output:
//!
//! * **Secrets**: every component schema carrying `x-oms-secret: true` is
//!   replaced by the [secret type](Builder::secret_type), parameterised by the
//!   schema's `minLength` and `maxLength` (`crate::Secret<MIN, MAX>`), so that
//!   the length rules stay in the spec while the value is never printed.
//! * **Rules in errors**: a parameter that fails its conversion keeps the
//!   reason (`conversion to `SyncTaskId` for sync_task_id failed: longer than
//!   255 characters`), where progenitor drops it.
//! * **Optional fields by value**: beside typify's `field(Option<T>)` setter,
//!   `with_field(value)` converts and checks the value like a required field's
//!   setter does, so a bad value is reported with its field's name.
//! * **Hooks required**: the generated `Client` must implement
//!   `progenitor_client::ClientHooks`; authentication lives there.

mod conversion_errors;
mod optional_setters;

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};

/// The extension that marks a component schema as a secret.
pub const SECRET_EXTENSION: &str = "x-oms-secret";

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
    /// A schema marked `x-oms-secret` is not a bounded string.
    #[error("schema {schema} is marked {SECRET_EXTENSION} but {problem}")]
    Secret {
        /// The schema's name in `components.schemas`.
        schema: String,
        /// What is wrong with it.
        problem: &'static str,
    },
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

/// Starts configuring the generator with the defaults of every option.
pub fn configure() -> Builder {
    Builder::default()
}

/// Generates the client from `spec` into `OUT_DIR` with the default options.
///
/// Equivalent to `configure().compile(spec)`.
pub fn compile(spec: impl AsRef<Path>) -> Result<PathBuf, Error> {
    configure().compile(spec)
}

/// Generator options. Create one with [`configure`].
#[derive(Debug, Clone)]
pub struct Builder {
    secret_type: String,
    inner_type: String,
    out_file_name: String,
    emit_rerun_if_changed: Option<bool>,
    derives: Vec<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            secret_type: "crate::Secret".to_owned(),
            inner_type: "crate::ClientState".to_owned(),
            out_file_name: "oms_api.rs".to_owned(),
            emit_rerun_if_changed: None,
            derives: vec!["PartialEq".to_owned()],
        }
    }
}

impl Builder {
    /// The generic type that replaces every `x-oms-secret` schema; it is used
    /// as `<path><MIN, MAX>` with the schema's length bounds and must
    /// implement `Serialize`, `Deserialize`, `Clone`, `Debug`, `FromStr`,
    /// `Display`, `TryFrom<&str>`, `TryFrom<String>` and the extra derives.
    ///
    /// Default: `crate::Secret`.
    pub fn secret_type(mut self, path: impl Into<String>) -> Self {
        self.secret_type = path.into();
        self
    }

    /// The type stored in the generated `Client` and handed to its hooks
    /// (credentials and the like). The generated client requires an
    /// `impl progenitor_client::ClientHooks<Inner> for Client`.
    ///
    /// Default: `crate::ClientState`.
    pub fn inner_type(mut self, path: impl Into<String>) -> Self {
        self.inner_type = path.into();
        self
    }

    /// Name of the file written into `OUT_DIR` by [`compile`](Self::compile).
    ///
    /// Default: `oms_api.rs`.
    pub fn out_file_name(mut self, name: impl Into<String>) -> Self {
        self.out_file_name = name.into();
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

    /// Adds a derive to every generated type (the secret type must implement
    /// it too).
    ///
    /// Default: `PartialEq` only.
    pub fn derive(mut self, derive: impl Into<String>) -> Self {
        self.derives.push(derive.into());
        self
    }

    /// Generates the client from `spec` and returns it formatted, starting
    /// with the `@generated` header.
    pub fn generate(&self, spec: impl AsRef<Path>) -> Result<String, Error> {
        let path = spec.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let api: OpenAPI = serde_yaml::from_str(&text).map_err(|source| Error::Parse {
            path: path.to_owned(),
            source,
        })?;

        let mut settings = GenerationSettings::new();
        settings
            .with_interface(InterfaceStyle::Builder)
            .with_tag(TagStyle::Merged)
            .with_hooks(HooksMode::Expected)
            .with_inner_type(parse_type(&self.inner_type)?);
        for derive in &self.derives {
            settings.with_derive(derive);
        }
        for (schema, min, max) in secret_schemas(&api)? {
            settings.with_replacement(
                schema,
                format!("{}<{min}, {max}>", self.secret_type),
                [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
            );
        }

        let tokens = Generator::new(&settings)
            .generate_tokens(&api)
            .map_err(|source| Error::Generate {
                path: path.to_owned(),
                source,
            })?;
        let mut file = syn::parse2::<syn::File>(tokens).map_err(Error::Format)?;
        conversion_errors::keep_conversion_errors(&mut file);
        optional_setters::add_value_setters(&mut file);
        Ok(format!("{}{}", header(path), prettyplease::unparse(&file)))
    }

    /// Generates the client from `spec` into `$OUT_DIR/<out_file_name>` and
    /// returns that path. Meant for build scripts.
    pub fn compile(&self, spec: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let spec = spec.as_ref();
        let out_dir = std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?;
        let emit = self
            .emit_rerun_if_changed
            .unwrap_or_else(|| std::env::var_os("CARGO").is_some());
        if emit {
            println!("cargo:rerun-if-changed={}", spec.display());
        }
        let code = self.generate(spec)?;
        let out = Path::new(&out_dir).join(&self.out_file_name);
        std::fs::write(&out, code).map_err(|source| Error::Io {
            action: "write",
            path: out.clone(),
            source,
        })?;
        Ok(out)
    }
}

fn parse_type(path: &str) -> Result<proc_macro2::TokenStream, Error> {
    let ty = syn::parse_str::<syn::Type>(path).map_err(Error::Format)?;
    Ok(quote::quote!(#ty))
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
        "// Change the spec or the generator settings, then run `{REGEN_COMMAND}`.\n"
    );
    out
}

/// Every component schema marked as secret, with its length bounds.
fn secret_schemas(api: &OpenAPI) -> Result<Vec<(String, usize, usize)>, Error> {
    let Some(components) = &api.components else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let marked = schema.schema_data.extensions.get(SECRET_EXTENSION);
        match marked {
            None | Some(serde_json::Value::Bool(false)) => continue,
            Some(serde_json::Value::Bool(true)) => {}
            Some(_) => {
                return Err(Error::Secret {
                    schema: name.clone(),
                    problem: "the extension's value is not a boolean",
                });
            }
        }
        let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
            return Err(Error::Secret {
                schema: name.clone(),
                problem: "it is not a string schema",
            });
        };
        let Some(max) = string.max_length else {
            return Err(Error::Secret {
                schema: name.clone(),
                problem: "it has no maxLength",
            });
        };
        out.push((name.clone(), string.min_length.unwrap_or(0), max));
    }
    Ok(out)
}
