//! Rules of the spec that the generated types do not enforce — integer
//! ranges of query parameters and body fields, and the sizes of body arrays
//! (typify maps `minimum`/`maximum` to a type at best and ignores
//! `minItems`/`maxItems`). They are emitted as a table that the client
//! checks before sending.

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};
use proc_macro2::TokenStream;
use quote::quote;

/// Where a rule applies.
enum Location {
    Query,
    Body,
}

enum Check {
    Range(Option<i64>, Option<i64>),
    Items(Option<usize>, Option<usize>),
}

struct Rule {
    operation: String,
    location: Location,
    field: String,
    check: Check,
}

/// `CreateSyncTask` → `create_sync_task`, as progenitor names operations.
fn snake_case(operation_id: &str) -> String {
    let mut out = String::new();
    for (i, c) in operation_id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> Option<&'a T> {
    match item {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { reference } => match lookup(reference.rsplit('/').next()?)? {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { .. } => None,
        },
    }
}

fn check_of(schema: &Schema) -> Option<Check> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(integer))
            if integer.minimum.is_some() || integer.maximum.is_some() =>
        {
            Some(Check::Range(integer.minimum, integer.maximum))
        }
        SchemaKind::Type(Type::Array(array))
            if array.min_items.is_some() || array.max_items.is_some() =>
        {
            Some(Check::Items(array.min_items, array.max_items))
        }
        _ => None,
    }
}

fn collect(api: &OpenAPI) -> Vec<Rule> {
    let components = api.components.as_ref();
    let schema_of = |item: &'_ ReferenceOr<Schema>| -> Option<Schema> {
        resolve(item, |name| components?.schemas.get(name)).cloned()
    };
    let mut rules = Vec::new();
    for (_, item) in api.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (_, operation) in item.iter() {
            let Some(operation_id) = &operation.operation_id else {
                continue;
            };
            let operation_name = snake_case(operation_id);
            for parameter in &operation.parameters {
                let Some(Parameter::Query { parameter_data, .. }) =
                    resolve(parameter, |name| components?.parameters.get(name))
                else {
                    continue;
                };
                let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else {
                    continue;
                };
                if let Some(check) = schema_of(schema).as_ref().and_then(check_of) {
                    rules.push(Rule {
                        operation: operation_name.clone(),
                        location: Location::Query,
                        field: parameter_data.name.clone(),
                        check,
                    });
                }
            }
            let body = operation
                .request_body
                .as_ref()
                .and_then(|body| resolve(body, |name| components?.request_bodies.get(name)))
                .and_then(|body| body.content.get("application/json"))
                .and_then(|media| media.schema.as_ref())
                .and_then(schema_of);
            let Some(Schema {
                schema_kind: SchemaKind::Type(Type::Object(object)),
                ..
            }) = body
            else {
                continue;
            };
            for (field, schema) in &object.properties {
                let schema = match schema {
                    ReferenceOr::Item(schema) => Some((**schema).clone()),
                    ReferenceOr::Reference { reference } => schema_of(&ReferenceOr::Reference {
                        reference: reference.clone(),
                    }),
                };
                if let Some(check) = schema.as_ref().and_then(check_of) {
                    rules.push(Rule {
                        operation: operation_name.clone(),
                        location: Location::Body,
                        field: field.clone(),
                        check,
                    });
                }
            }
        }
    }
    rules
}

/// The table `pub const SPEC_RULES: &[<path>::Rule]`, using `rule_path`'s
/// `Rule`, `Location` and `Check`.
pub(crate) fn table(api: &OpenAPI, rule_path: &syn::Path) -> TokenStream {
    let option = |value: Option<TokenStream>| match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    };
    let rules = collect(api).into_iter().map(|rule| {
        let Rule {
            operation,
            location,
            field,
            check,
        } = rule;
        let location = match location {
            Location::Query => quote!(#rule_path::Location::Query),
            Location::Body => quote!(#rule_path::Location::Body),
        };
        let check = match check {
            Check::Range(min, max) => {
                let (min, max) = (option(min.map(|v| quote!(#v))), option(max.map(|v| quote!(#v))));
                quote!(#rule_path::Check::Range { min: #min, max: #max })
            }
            Check::Items(min, max) => {
                let (min, max) = (option(min.map(|v| quote!(#v))), option(max.map(|v| quote!(#v))));
                quote!(#rule_path::Check::Items { min: #min, max: #max })
            }
        };
        quote! {
            #rule_path::Rule { operation: #operation, location: #location, field: #field, check: #check }
        }
    });
    quote! {
        /// Rules of the spec that the generated types cannot enforce (integer
        /// ranges, array sizes); the client checks them before sending.
        pub const SPEC_RULES: &[#rule_path::Rule] = &[#(#rules),*];
    }
}
