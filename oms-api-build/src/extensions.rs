//! The spec's own extensions, mapped to hand-written types:
//!
//! * `x-oms-secret: true` on a string schema with `maxLength`: the schema
//!   becomes `<secret type><minLength, maxLength>`;
//! * `x-oms-open-enum: <Enum>` on a string schema: the schema becomes
//!   `<open enum type><<types path>::<Enum>>`, which accepts values the enum
//!   does not list (for responses, whose enums grow over time).

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use crate::Error;

/// The extension that marks a component schema as a secret.
pub const SECRET: &str = "x-oms-secret";

/// The extension that makes a component schema an open version of an enum.
pub const OPEN_ENUM: &str = "x-oms-open-enum";

/// A component schema to replace by a hand-written type.
pub(crate) struct Replacement {
    pub schema: String,
    pub rust_type: String,
}

/// The paths the replacements use.
pub(crate) struct Paths<'a> {
    pub secret_type: &'a str,
    pub open_enum_type: &'a str,
    pub types_path: &'a str,
}

fn schemas(api: &OpenAPI) -> impl Iterator<Item = (&String, &Schema)> {
    api.components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, schema)| match schema {
            ReferenceOr::Item(schema) => Some((name, schema)),
            ReferenceOr::Reference { .. } => None,
        })
}

fn problem(schema: &str, extension: &'static str, problem: &'static str) -> Error {
    Error::Extension {
        schema: schema.to_owned(),
        extension,
        problem,
    }
}

/// Every replacement the spec's extensions ask for.
pub(crate) fn replacements(api: &OpenAPI, paths: &Paths<'_>) -> Result<Vec<Replacement>, Error> {
    let mut out = Vec::new();
    for (name, schema) in schemas(api) {
        let extensions = &schema.schema_data.extensions;
        match extensions.get(SECRET) {
            None | Some(serde_json::Value::Bool(false)) => {}
            Some(serde_json::Value::Bool(true)) => {
                let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
                    return Err(problem(name, SECRET, "is not on a string schema"));
                };
                let max = string
                    .max_length
                    .ok_or_else(|| problem(name, SECRET, "needs a maxLength"))?;
                let min = string.min_length.unwrap_or(0);
                out.push(Replacement {
                    schema: name.clone(),
                    rust_type: format!("{}<{min}, {max}>", paths.secret_type),
                });
            }
            Some(_) => return Err(problem(name, SECRET, "is not a boolean")),
        }
        if let Some(target) = extensions.get(OPEN_ENUM) {
            let target = target
                .as_str()
                .ok_or_else(|| problem(name, OPEN_ENUM, "is not the name of a schema"))?;
            let is_string_enum = schemas(api).any(|(other, schema)| {
                other == target
                    && matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty())
            });
            if !is_string_enum {
                return Err(problem(
                    name,
                    OPEN_ENUM,
                    "does not name a string enum of components.schemas",
                ));
            }
            out.push(Replacement {
                schema: name.clone(),
                rust_type: format!("{}<{}::{target}>", paths.open_enum_type, paths.types_path),
            });
        }
    }
    Ok(out)
}
