//! The tables emitted beside progenitor's code: every operation with the
//! facts the client acts on (path template, retry safety, regions, success
//! status, the rules typify does not enforce), and the secret field names.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::{Check, Facts, Location, OperationFacts, Paging, Segment};

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
    let template = &op.path;
    let pagination = option(op.pagination.as_ref().map(|p| match p.paging {
        Paging::Offset { .. } => "offset",
        Paging::Marker { .. } => "marker",
    }));
    quote! {
        #[doc = #doc]
        pub static #name: crate::operation::Operation = crate::operation::Operation {
            index: #index,
            pagination: #pagination,
            template: #template,
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
        let values = facts.open_enum_values.get(name).cloned().unwrap_or_default();
        let name = format_ident!("{name}");
        quote! {
            impl ::std::convert::From<crate::types::#name> for crate::OpenEnum<crate::types::#name> {
                fn from(value: crate::types::#name) -> Self {
                    crate::OpenEnum::Known(value)
                }
            }
            impl crate::open_enum::Listed for crate::types::#name {
                const VALUES: &'static [&'static str] = &[#(#values),*];
            }
        }
    });
    let codes = facts.codes.iter().map(codes);
    let streams = facts.operations.iter().filter_map(stream);
    quote! {
        #(#open_enums)*

        #(#streams)*

        /// The enums of the spec's coded numbers (`x-oms-codes`), and the
        /// typed views of the fields that hold them.
        pub mod codes {
            #(#codes)*
        }

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

/// An enum of codes, and the typed view of the field that holds them.
fn codes(codes: &crate::spec::Codes) -> TokenStream {
    let name = format_ident!("{}", codes.name);
    let schema = format_ident!("{}", codes.schema);
    let field = format_ident!("{}", codes.field);
    let variants = codes.values.iter().map(|code| {
        let variant = format_ident!("{}", code.name);
        let doc = format!(" `{}`: {}.", code.code, code.words);
        quote!(#[doc = #doc] #variant,)
    });
    let from_code = codes.values.iter().map(|code| {
        let (variant, number) = (format_ident!("{}", code.name), code.code);
        quote!(#number => Self::#variant,)
    });
    let to_code = codes.values.iter().map(|code| {
        let (variant, number) = (format_ident!("{}", code.name), code.code);
        quote!(Self::#variant => #number,)
    });
    let words = codes.values.iter().map(|code| {
        let (variant, words) = (format_ident!("{}", code.name), &code.words);
        quote!(Self::#variant => ::std::option::Option::Some(#words),)
    });
    let any_of = |chosen: Vec<syn::Ident>| {
        if chosen.is_empty() {
            quote!(false)
        } else {
            quote!(matches!(self, #(Self::#chosen)|*))
        }
    };
    let finals = any_of(
        codes
            .values
            .iter()
            .filter(|c| c.is_final)
            .map(|c| format_ident!("{}", c.name))
            .collect(),
    );
    let failures = any_of(
        codes
            .values
            .iter()
            .filter(|c| c.is_failure)
            .map(|c| format_ident!("{}", c.name))
            .collect(),
    );
    let doc = format!(
        " The codes of `{}.{}`: {}",
        codes.schema,
        codes.field,
        codes.description.trim()
    );
    let view_doc = format!(
        " `{}` as a [`{}`], when the answer has it.",
        codes.field, codes.name
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A code this client does not know.
            Other(i32),
        }

        impl #name {
            /// The value for the service's code.
            pub fn from_code(code: i32) -> Self {
                match code {
                    #(#from_code)*
                    other => Self::Other(other),
                }
            }

            /// The service's code.
            pub fn code(self) -> i32 {
                match self {
                    #(#to_code)*
                    Self::Other(other) => other,
                }
            }

            /// Whether it stays so until someone acts.
            pub fn is_final(self) -> bool {
                #finals
            }

            /// Whether it is a failure.
            pub fn is_failure(self) -> bool {
                #failures
            }

            /// What it means, in words (`migrating`); `None` for a code
            /// this client does not know.
            pub fn words(self) -> ::std::option::Option<&'static str> {
                match self {
                    #(#words)*
                    Self::Other(_) => ::std::option::Option::None,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            /// What it means, in words (`migrating`).
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match (self.words(), self) {
                    (::std::option::Option::Some(words), _) => f.write_str(words),
                    (_, other) => write!(f, "in status {}", other.code()),
                }
            }
        }

        impl crate::types::#schema {
            #[doc = #view_doc]
            pub fn #field(&self) -> ::std::option::Option<#name> {
                self.#field.map(#name::from_code)
            }
        }
    }
}

/// The `.stream()` of a listing operation's builder (`x-oms-pagination`).
fn stream(op: &OperationFacts) -> Option<TokenStream> {
    let pagination = op.pagination.as_ref()?;
    let builder = format_ident!("{}", op.id);
    let constant = constant(&op.id);
    let item = format_ident!("{}", pagination.item_type);
    let items = format_ident!("{}", pagination.items);
    let key = format_ident!("{}", pagination.key);
    let guarantees = "Like every listing stream of this crate, it never loops forever on a \
        misbehaving server: an item already yielded is not yielded again, a page with nothing new \
        (or a marker followed before) ends the stream with `Error::Pagination`, and so does needing \
        an offset beyond the API's largest. Any other error is yielded and ends the stream. The \
        stream is `Unpin`, so `try_next` works on it as it is.";
    // The doc and the call that makes the stream, by paging style.
    let (doc, call) = match &pagination.paging {
        Paging::Offset {
            limit,
            offset,
            count,
        } => {
            let (limit, offset, count) = (
                format_ident!("{limit}"),
                format_ident!("{offset}"),
                format_ident!("{count}"),
            );
            let doc = format!(
                " Every item this request selects (its filters), as a stream, fetched \
                 {} a full page at a time; `{limit}` and `{offset}` are the stream's. {guarantees} \
                 Generated from the spec's `x-oms-pagination`.",
                op.id
            );
            let call = quote! {
                crate::pagination::offset_stream(
                    &operations::#constant,
                    move |limit, offset| {
                        let page = self.clone().#limit(limit).#offset(offset).send();
                        async move {
                            let page = page.await?.into_inner();
                            Ok((page.#items.unwrap_or_default(), page.#count))
                        }
                    },
                    |item| item.#key.clone(),
                )
            };
            (doc, call)
        }
        Paging::Marker {
            size,
            marker,
            next,
            more,
        } => {
            let size_name = size.clone();
            let (size, marker, next) = (
                format_ident!("{size}"),
                format_ident!("{marker}"),
                format_ident!("{next}"),
            );
            let more = match more {
                Some(more) => {
                    let more = format_ident!("{more}");
                    quote!(page.#more)
                }
                None => quote!(::std::option::Option::None),
            };
            let doc = format!(
                " Every item this request selects, as a stream, fetched {} a full page at a \
                 time by following `{next}`; the body's `{size_name}` and `{marker}` are the \
                 stream's. {guarantees} Memory holds one page and the markers used. Generated \
                 from the spec's `x-oms-pagination`.",
                op.id
            );
            let call = quote! {
                crate::pagination::marker_stream(
                    &operations::#constant,
                    #size_name,
                    move |size, marker: ::std::string::String| {
                        let page = self
                            .clone()
                            .body_map(|body| body.#size(size).#marker(marker.as_str()))
                            .send();
                        async move {
                            let page = page.await?.into_inner();
                            Ok((page.#items.unwrap_or_default(), page.#next, #more))
                        }
                    },
                    |item| item.#key.clone(),
                )
            };
            (doc, call)
        }
    };
    Some(quote! {
        impl<'a> builder::#builder<'a> {
            #[doc = #doc]
            pub fn stream(
                self,
            ) -> ::futures_util::stream::BoxStream<'a, ::std::result::Result<types::#item, crate::Error>> {
                #call
            }
        }
    })
}
