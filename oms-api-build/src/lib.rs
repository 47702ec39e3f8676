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
//! * **Open enums**: a schema carrying `x-oms-open-enum: <Enum>` is replaced
//!   by the [open enum type](Builder::open_enum_type) over that enum
//!   (`crate::OpenEnum<crate::types::Enum>`), so that responses decode
//!   values the service adds later.
//! * **A table of the other rules**: integer ranges and array sizes, which
//!   typify does not enforce, become a `SPEC_RULES` table of
//!   [`rules_path`](Builder::rules_path)'s `Rule`s that the client checks
//!   before sending.
//! * **httpmock helpers** on request
//!   ([`httpmock_file_name`](Builder::httpmock_file_name),
//!   [`generate_httpmock`](Builder::generate_httpmock)).
//! * **Rules in errors**: a parameter that fails its conversion keeps the
//!   reason (`conversion to `SyncTaskId` for sync_task_id failed: longer than
//!   255 characters`), where progenitor drops it.
//! * **Fields by value**: beside typify's `field(Option<T>)` setter,
//!   `with_field(value)`, and beside `field(Vec<T>)`, `field_from(values)`,
//!   convert and check plain values like a required field's setter does, so
//!   a bad value is reported with its field's name.
//! * **Hooks required**: the generated `Client` must implement
//!   `progenitor_client::ClientHooks`; authentication lives there.

mod conversion_errors;
mod extensions;
mod rules;
mod value_setters;

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use openapiv3::OpenAPI;
use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};

pub use extensions::{OPEN_ENUM as OPEN_ENUM_EXTENSION, SECRET as SECRET_EXTENSION};

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
    #[error("schema {schema}: {extension} {problem}")]
    Extension {
        /// The schema's name in `components.schemas`.
        schema: String,
        /// The extension.
        extension: &'static str,
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
    /// An option that names a Rust type or path does not parse as one.
    #[error("option {option} is not a Rust path: {path}")]
    InvalidPath {
        /// The option.
        option: &'static str,
        /// Its value.
        path: String,
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
    open_enum_type: String,
    types_path: String,
    rules_path: String,
    inner_type: String,
    out_file_name: String,
    httpmock_file_name: Option<String>,
    emit_rerun_if_changed: Option<bool>,
    derives: Vec<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            secret_type: "crate::Secret".to_owned(),
            open_enum_type: "crate::OpenEnum".to_owned(),
            types_path: "crate::types".to_owned(),
            rules_path: "crate::rules".to_owned(),
            inner_type: "crate::ClientState".to_owned(),
            out_file_name: "oms_api.rs".to_owned(),
            httpmock_file_name: None,
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

    /// The generic type that replaces every `x-oms-open-enum` schema, as
    /// `<path><<types path>::<Enum>>`. It must deserialize any string,
    /// keeping the ones `Enum` does not list.
    ///
    /// Default: `crate::OpenEnum`.
    pub fn open_enum_type(mut self, path: impl Into<String>) -> Self {
        self.open_enum_type = path.into();
        self
    }

    /// Where the generated `types` module is reachable from the crate root,
    /// for the open enums' parameters.
    ///
    /// Default: `crate::types`.
    pub fn types_path(mut self, path: impl Into<String>) -> Self {
        self.types_path = path.into();
        self
    }

    /// The module whose `Rule`, `Location` and `Check` the generated
    /// `SPEC_RULES` table uses: the spec's integer ranges and array sizes,
    /// which the generated types do not enforce.
    ///
    /// Default: `crate::rules`.
    pub fn rules_path(mut self, path: impl Into<String>) -> Self {
        self.rules_path = path.into();
        self
    }

    /// Also writes progenitor's strongly typed `httpmock` helpers to this
    /// file in `OUT_DIR` ([`compile`](Self::compile)); they refer to the
    /// client as `crate`.
    ///
    /// Default: not generated.
    pub fn httpmock_file_name(mut self, name: impl Into<String>) -> Self {
        self.httpmock_file_name = Some(name.into());
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
        let api = read_spec(path)?;
        let tokens = self
            .generator(&api)?
            .generate_tokens(&api)
            .map_err(|source| Error::Generate {
                path: path.to_owned(),
                source,
            })?;
        let rules_path =
            syn::parse_str::<syn::Path>(&self.rules_path).map_err(|_| Error::InvalidPath {
                option: "rules_path",
                path: self.rules_path.clone(),
            })?;
        let rules = rules::table(&api, &rules_path);
        let mut file =
            syn::parse2::<syn::File>(quote::quote!(#tokens #rules)).map_err(Error::Format)?;
        conversion_errors::keep_conversion_errors(&mut file);
        value_setters::add_value_setters(&mut file);
        Ok(format!("{}{}", header(path), prettyplease::unparse(&file)))
    }

    /// Generates progenitor's `httpmock` helpers for `spec` (the client is
    /// referred to as `crate`) and returns them formatted, starting with the
    /// `@generated` header.
    pub fn generate_httpmock(&self, spec: impl AsRef<Path>) -> Result<String, Error> {
        let path = spec.as_ref();
        let api = read_spec(path)?;
        let tokens = self
            .generator(&api)?
            .httpmock(&api, "crate")
            .map_err(|source| Error::Generate {
                path: path.to_owned(),
                source,
            })?;
        let file = syn::parse2::<syn::File>(tokens).map_err(Error::Format)?;
        Ok(format!("{}{}", header(path), prettyplease::unparse(&file)))
    }

    /// A progenitor generator with this builder's settings.
    fn generator(&self, api: &OpenAPI) -> Result<Generator, Error> {
        let mut settings = GenerationSettings::new();
        settings
            .with_interface(InterfaceStyle::Builder)
            .with_tag(TagStyle::Merged)
            .with_hooks(HooksMode::Expected)
            .with_inner_type(parse_type("inner_type", &self.inner_type)?);
        for derive in &self.derives {
            settings.with_derive(derive);
        }
        let paths = extensions::Paths {
            secret_type: &self.secret_type,
            open_enum_type: &self.open_enum_type,
            types_path: &self.types_path,
        };
        for replacement in extensions::replacements(api, &paths)? {
            settings.with_replacement(
                replacement.schema,
                replacement.rust_type,
                [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
            );
        }
        Ok(Generator::new(&settings))
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
        let out = Path::new(&out_dir).join(&self.out_file_name);
        write(&out, &self.generate(spec)?)?;
        if let Some(name) = &self.httpmock_file_name {
            write(
                &Path::new(&out_dir).join(name),
                &self.generate_httpmock(spec)?,
            )?;
        }
        Ok(out)
    }
}

fn parse_type(option: &'static str, path: &str) -> Result<proc_macro2::TokenStream, Error> {
    let ty = syn::parse_str::<syn::Type>(path).map_err(|_| Error::InvalidPath {
        option,
        path: path.to_owned(),
    })?;
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

fn read_spec(path: &Path) -> Result<OpenAPI, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    serde_yaml::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, code: &str) -> Result<(), Error> {
    std::fs::write(path, code).map_err(|source| Error::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}
