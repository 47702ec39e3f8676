//! One obvious way to set a field: setters that take the plain value, and a
//! `set_` twin that takes an `Option` of it.
//!
//! typify's setter of an optional field takes `TryInto<Option<T>>`, so a
//! caller first converts a string to `T` on their own, and a bad value fails
//! there without naming the field; a list field takes an already converted
//! `Vec<T>`. This pass rewrites, in every builder:
//!
//! * an optional field's setter into `field(value)` (any `TryInto<T>`,
//!   stored as `Some`) and `set_field(Option<value>)` (`None` leaves the
//!   field out of the request);
//! * a list field's setter into `field(values)` taking any iterator of
//!   `TryInto<T>`, each item checked (`object_keys[3]` names a bad one);
//! * beside an optional parameter's setter (progenitor already takes the
//!   plain value), a `set_` twin.
//!
//! The conversion error of every setter is the one the validation pass
//! installed, so a bad value names its field either way.

use quote::format_ident;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, GenericArgument, ImplItem, ImplItemFn, PathArguments, Type, TypeParamBound,
    WherePredicate, parse_quote,
};

/// Rewrites the setters of every impl block of `file`; fails when it
/// rewrites none, or finds no `project_id` setter.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<(), crate::Error> {
    let mut blocks = Blocks {
        rewritten: 0,
        project_ids: 0,
    };
    blocks.visit_file_mut(file);
    super::found(
        "setters",
        "setter converting with `TryInto`",
        blocks.rewritten,
    )?;
    super::found(
        "setters",
        "operation setter `project_id`",
        blocks.project_ids,
    )
}

struct Blocks {
    rewritten: usize,
    project_ids: usize,
}

impl VisitMut for Blocks {
    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        let mut items = Vec::with_capacity(block.items.len());
        for item in block.items.drain(..) {
            match item {
                ImplItem::Fn(setter) => {
                    if setter.sig.ident == "project_id" {
                        self.project_ids += 1;
                    }
                    match rewrite_setter(&setter) {
                        Some(rewritten) => {
                            self.rewritten += 1;
                            items.extend(rewritten.into_iter().map(ImplItem::Fn));
                        }
                        None => items.push(ImplItem::Fn(setter)),
                    }
                }
                other => items.push(other),
            }
        }
        block.items = items;
        visit_mut::visit_item_impl_mut(self, block);
    }
}

/// What a setter converts its value into.
enum Target {
    /// `TryInto<Option<T>>`.
    Optional(Type),
    /// `TryInto<Vec<T>>`.
    List(Type),
    /// `TryInto<Option<Vec<T>>>`.
    OptionalList(Type),
    /// `TryInto<T>` stored as `Some` (progenitor's optional parameters).
    OptionalParameter(Type),
}

/// The setters that replace `setter`, or `None` when it is not one this
/// pass rewrites.
fn rewrite_setter(setter: &ImplItemFn) -> Option<Vec<ImplItemFn>> {
    if setter.sig.ident == "project_id" && setter.sig.inputs.len() == 2 {
        return project_id(setter.clone());
    }
    let (value_type, target) = target(setter)?;
    let map_err = conversion_error(setter)?;
    let setter = setter.clone();
    let field = setter.sig.ident.clone();
    let set = format_ident!("set_{}", field);
    let plain_doc = format!(" Sets `{field}`.");
    let set_doc = format!(" Sets `{field}`, or leaves it unset when `value` is `None`.");
    let list_doc = format!(" Sets `{field}` to `values`, each checked like an item of `{field}`.");
    let field_name = super::spec_field(&field.to_string()).to_owned();
    let item_error: Expr = parse_quote! {
        |(index, value)| ::std::convert::TryInto::try_into(value)
            .map_err(|e| crate::ValidationError::nest_item(#field_name, index, e))
    };
    Some(match target {
        Target::OptionalParameter(item) => vec![
            setter,
            parse_quote! {
                #[doc = #set_doc]
                pub fn #set<#value_type>(mut self, value: ::std::option::Option<#value_type>) -> Self
                where
                    #value_type: ::std::convert::TryInto<#item>,
                    #value_type::Error: ::std::fmt::Display + 'static,
                {
                    self.#field = value.map(::std::convert::TryInto::try_into).transpose().map_err(#map_err);
                    self
                }
            },
        ],
        Target::Optional(item) => vec![
            parse_quote! {
                #[doc = #plain_doc]
                pub fn #field<#value_type>(mut self, value: #value_type) -> Self
                where
                    #value_type: ::std::convert::TryInto<#item>,
                    #value_type::Error: ::std::fmt::Display + 'static,
                {
                    self.#field = value.try_into().map(::std::option::Option::Some).map_err(#map_err);
                    self
                }
            },
            parse_quote! {
                #[doc = #set_doc]
                pub fn #set<#value_type>(mut self, value: ::std::option::Option<#value_type>) -> Self
                where
                    #value_type: ::std::convert::TryInto<#item>,
                    #value_type::Error: ::std::fmt::Display + 'static,
                {
                    self.#field = value.map(::std::convert::TryInto::try_into).transpose().map_err(#map_err);
                    self
                }
            },
        ],
        Target::List(item) => vec![parse_quote! {
            #[doc = #list_doc]
            pub fn #field<I>(mut self, values: I) -> Self
            where
                I: ::std::iter::IntoIterator,
                I::Item: ::std::convert::TryInto<#item>,
                <I::Item as ::std::convert::TryInto<#item>>::Error: ::std::fmt::Display + 'static,
            {
                self.#field = values.into_iter().enumerate().map(#item_error).collect();
                self
            }
        }],
        Target::OptionalList(item) => vec![
            parse_quote! {
                #[doc = #list_doc]
                pub fn #field<I>(mut self, values: I) -> Self
                where
                    I: ::std::iter::IntoIterator,
                    I::Item: ::std::convert::TryInto<#item>,
                    <I::Item as ::std::convert::TryInto<#item>>::Error: ::std::fmt::Display + 'static,
                {
                    self.#field = values.into_iter().enumerate().map(#item_error).collect::<::std::result::Result<_, _>>().map(::std::option::Option::Some);
                    self
                }
            },
            parse_quote! {
                #[doc = #set_doc]
                pub fn #set<I>(mut self, values: ::std::option::Option<I>) -> Self
                where
                    I: ::std::iter::IntoIterator,
                    I::Item: ::std::convert::TryInto<#item>,
                    <I::Item as ::std::convert::TryInto<#item>>::Error: ::std::fmt::Display + 'static,
                {
                    self.#field = values
                        .map(|values| values.into_iter().enumerate().map(#item_error).collect())
                        .transpose();
                    self
                }
            },
        ],
    })
}

/// An operation's `project_id` setter and its `set_` twin: `None` leaves the
/// project to the client (its own, or IAM's).
fn project_id(setter: ImplItemFn) -> Option<Vec<ImplItemFn>> {
    let value_type = setter.sig.generics.type_params().next()?.ident.clone();
    Some(vec![
        setter,
        parse_quote! {
            /// Sets `project_id`, or leaves it to the client when `value` is
            /// `None` (see [`ClientBuilder::project_id`](crate::ClientBuilder::project_id)).
            pub fn set_project_id<#value_type>(mut self, value: ::std::option::Option<#value_type>) -> Self
            where
                #value_type: ::std::convert::TryInto<types::ProjectId>,
                #value_type::Error: ::std::fmt::Display + 'static,
            {
                self.project_id = match value {
                    ::std::option::Option::Some(value) => value
                        .try_into()
                        .map_err(|e| crate::ValidationError::nest("project_id", e)),
                    ::std::option::Option::None => {
                        ::std::result::Result::Err(crate::ValidationError::missing("project_id"))
                    }
                };
                self
            }
        },
    ])
}

/// The setter's value type parameter and what it converts the value into.
fn target(setter: &ImplItemFn) -> Option<(syn::Ident, Target)> {
    if setter.sig.inputs.len() != 2 {
        return None;
    }
    let value_type = setter.sig.generics.type_params().next()?.ident.clone();
    let into = setter
        .sig
        .generics
        .where_clause
        .as_ref()?
        .predicates
        .iter()
        .find_map(|predicate| {
            let WherePredicate::Type(predicate) = predicate else {
                return None;
            };
            predicate.bounds.iter().find_map(|bound| {
                let TypeParamBound::Trait(bound) = bound else {
                    return None;
                };
                let last = bound.path.segments.last()?;
                if last.ident != "TryInto" {
                    return None;
                }
                let PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                match args.args.first()? {
                    GenericArgument::Type(target) => Some(target.clone()),
                    _ => None,
                }
            })
        })?;
    let target = if let Some(inner) = generic_inner(&into, "Option") {
        match generic_inner(&inner, "Vec") {
            Some(item) => Target::OptionalList(item),
            None => Target::Optional(inner),
        }
    } else if let Some(item) = generic_inner(&into, "Vec") {
        Target::List(item)
    } else if stores_some(setter) {
        Target::OptionalParameter(into)
    } else {
        return None;
    };
    Some((value_type, target))
}

/// Whether the setter stores `value.try_into().map(Some)`.
fn stores_some(setter: &ImplItemFn) -> bool {
    let mut found = FindMapSome(false);
    let mut block = setter.block.clone();
    found.visit_block_mut(&mut block);
    found.0
}

struct FindMapSome(bool);

impl VisitMut for FindMapSome {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "map"
            && matches!(call.args.first(), Some(Expr::Path(p)) if p.path.is_ident("Some"))
        {
            self.0 = true;
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }
}

/// The argument of the setter's `.map_err(…)`.
fn conversion_error(setter: &ImplItemFn) -> Option<Expr> {
    struct Find(Option<Expr>);
    impl VisitMut for Find {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            if call.method == "map_err" && call.args.len() == 1 {
                self.0 = call.args.first().cloned();
            }
            visit_mut::visit_expr_method_call_mut(self, call);
        }
    }
    let mut find = Find(None);
    let mut block = setter.block.clone();
    find.visit_block_mut(&mut block);
    find.0
}

/// `Wrapper<X>` (by any path ending in `wrapper`) → `X`.
fn generic_inner(ty: &Type, wrapper: &str) -> Option<Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(block: syn::ItemImpl) -> String {
        let mut file = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: vec![syn::Item::Impl(block)],
        };
        Blocks {
            rewritten: 0,
            project_ids: 0,
        }
        .visit_file_mut(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn an_output_without_setters_fails_loudly() {
        let mut file: syn::File = parse_quote! { impl Builder { pub fn other(&self) {} } };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(
            error.contains("the setters pass found no setter"),
            "{error}"
        );
    }

    #[test]
    fn an_optional_field_takes_the_plain_value_or_an_option() {
        let code = rewritten(parse_quote! {
            impl Builder {
                pub fn src_ak<T>(mut self, value: T) -> Self
                where T: TryInto<Option<AccessKey>>, T::Error: Display + 'static,
                {
                    self.src_ak = value.try_into().map_err(|e| crate::ValidationError::nest("src_ak", e));
                    self
                }
            }
        });
        assert!(
            code.contains("pub fn src_ak<T>(mut self, value: T) -> Self"),
            "{code}"
        );
        assert!(
            code.contains("T: ::std::convert::TryInto<AccessKey>"),
            "{code}"
        );
        assert!(
            code.contains(
                "pub fn set_src_ak<T>(mut self, value: ::std::option::Option<T>) -> Self"
            ),
            "{code}"
        );
        assert!(code.contains(".transpose()"), "{code}");
        assert!(!code.contains("TryInto<Option"), "{code}");
    }

    #[test]
    fn a_list_takes_any_iterator_of_plain_values() {
        let code = rewritten(parse_quote! {
            impl Builder {
                pub fn keys<T>(mut self, value: T) -> Self
                where T: TryInto<Vec<ObjectKey>>, T::Error: Display + 'static,
                {
                    self.keys = value.try_into().map_err(|e| crate::ValidationError::nest("keys", e));
                    self
                }
            }
        });
        assert!(
            code.contains("pub fn keys<I>(mut self, values: I) -> Self"),
            "{code}"
        );
        assert!(
            code.contains("I::Item: ::std::convert::TryInto<ObjectKey>"),
            "{code}"
        );
        assert!(
            code.contains("crate::ValidationError::nest_item(\"keys\", index, e)"),
            "{code}"
        );
        assert!(!code.contains("set_keys"), "{code}");
    }

    #[test]
    fn an_optional_parameter_and_the_project_id_gain_a_set_twin() {
        let code = rewritten(parse_quote! {
            impl<'a> List<'a> {
                pub fn limit<V>(mut self, value: V) -> Self
                where V: TryInto<NonZeroU32>, V::Error: Display + 'static,
                {
                    self.limit = value.try_into().map(Some).map_err(|_| crate::ValidationError::new("limit", "must be 1 to 100"));
                    self
                }
                pub fn project_id<V>(mut self, value: V) -> Self
                where V: TryInto<ProjectId>, V::Error: Display + 'static,
                {
                    self.project_id = value.try_into().map_err(|e| crate::ValidationError::nest("project_id", e));
                    self
                }
            }
        });
        assert!(code.contains("pub fn set_limit<V>"), "{code}");
        assert!(code.contains("pub fn limit<V>"), "{code}");
        // The project id, required by the path, is left to the client by
        // `None`.
        let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            squeezed.contains(
                "pub fn set_project_id<V>(mut self, value: ::std::option::Option<V>) -> Self"
            ),
            "{code}"
        );
        assert!(squeezed.contains("::std::option::Option::None => { ::std::result::Result::Err(crate::ValidationError::missing(\"project_id\")) }"), "{code}");
    }
}
