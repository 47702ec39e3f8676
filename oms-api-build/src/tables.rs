//! The tables emitted beside progenitor's code: every operation with the
//! facts the client acts on (path template, retry safety, regions, success
//! status, the rules typify does not enforce), and the secret field names.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::{Check, Facts, Location, OperationFacts, Segment};

/// The name of an operation's constant in the generated `operations`
/// module: `START_SYNC_TASK` for `StartSyncTask`.
pub(crate) fn constant(operation_id: &str) -> syn::Ident {
    format_ident!("{}", operation_id.to_shouty_snake_case())
}

fn option<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn operation((index, op): (usize, &OperationFacts)) -> TokenStream {
    let name = constant(&op.id);
    let id = &op.id;
    let method = format_ident!("{}", op.method);
    let segments = op.template.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(crate::operation::Segment::Literal(#text)),
        Segment::Param(name) => quote!(crate::operation::Segment::Param(#name)),
    });
    let idempotent = op.idempotent;
    let regions = option(op.regions.as_ref().map(|ids| quote!(&[#(#ids),*])));
    let success = op.success;
    let response_body = op.response_body;
    let rules = op.rules.iter().map(|rule| {
        let location = match rule.location {
            Location::Path => quote!(crate::operation::Location::Path),
            Location::Query => quote!(crate::operation::Location::Query),
            Location::Body => quote!(crate::operation::Location::Body),
        };
        let field = &rule.field;
        let words = rule.check.words();
        let check = match &rule.check {
            Check::Range(min, max) => {
                let (min, max) = (option(*min), option(*max));
                quote!(crate::operation::Check::Range { min: #min, max: #max })
            }
            Check::Items(min, max) => {
                let (min, max) = (option(*min), option(*max));
                quote!(crate::operation::Check::Items { min: #min, max: #max })
            }
            Check::ExactlyOne(fields) => {
                quote!(crate::operation::Check::ExactlyOne(&[#(#fields),*]))
            }
        };
        quote! {
            crate::operation::Rule { location: #location, field: #field, check: #check, words: #words }
        }
    });
    let doc = format!(" `{} {}`: {id}.", op.method, op.path);
    quote! {
        #[doc = #doc]
        pub static #name: crate::operation::Operation = crate::operation::Operation {
            index: #index,
            id: #id,
            method: ::http::Method::#method,
            path: &[#(#segments),*],
            idempotent: #idempotent,
            regions: #regions,
            success: #success,
            response_body: #response_body,
            rules: &[#(#rules),*],
        };
    }
}

/// The `operations` module: one constant per operation, `ALL`, and
/// `SECRET_FIELDS`; and the conversion of each opened enum into its
/// `OpenEnum` (a blanket `From<T>` would rule out `From<&str>`).
pub(crate) fn tables(facts: &Facts) -> TokenStream {
    let operations = facts.operations.iter().enumerate().map(operation);
    let names = facts.operations.iter().map(|op| constant(&op.id));
    let secrets = &facts.secret_fields;
    let open_enums = facts.open_enums.iter().map(|name| {
        let name = format_ident!("{name}");
        quote! {
            impl ::std::convert::From<crate::types::#name> for crate::OpenEnum<crate::types::#name> {
                fn from(value: crate::types::#name) -> Self {
                    crate::OpenEnum::Known(value)
                }
            }
        }
    });
    quote! {
        #(#open_enums)*

        /// Every operation of the spec, with the facts the client acts on
        /// (see [`Operation`](crate::operation::Operation)).
        pub mod operations {
            #(#operations)*

            /// Every operation, in the spec's order.
            pub static ALL: &[&crate::operation::Operation] = &[#(&#names),*];

            /// The names of the fields whose values are secrets
            /// (`x-oms-secret`), wherever they appear in a body.
            pub static SECRET_FIELDS: &[&str] = &[#(#secrets),*];
        }
    }
}
