//! A pass over typify's struct builders that adds setters taking plain
//! values where typify's take already-converted ones:
//!
//! * beside the setter of an optional field (`TryInto<Option<T>>`),
//!   `with_<field>(value)` taking `TryInto<T>`;
//! * beside the setter of a list (`TryInto<Vec<T>>`), `<field>_from(values)`
//!   taking any iterator of `TryInto<T>`.
//!
//! Without them a caller converts strings to `T` on their own, and a bad
//! value fails there without naming the field. The added setters record a
//! failure exactly like the required fields' setters do (`error converting
//! supplied value for <field>: <rule>`).

use quote::format_ident;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, GenericArgument, ImplItem, ImplItemFn, PathArguments, Type, TypeParamBound,
    WherePredicate, parse_quote,
};

/// Adds the setters to every impl block of `file`; returns how many.
pub(crate) fn add_value_setters(file: &mut syn::File) -> usize {
    let mut pass = ImplBlocks { added: 0 };
    pass.visit_file_mut(file);
    pass.added
}

struct ImplBlocks {
    added: usize,
}

impl VisitMut for ImplBlocks {
    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        let mut added = Vec::new();
        for item in &block.items {
            if let ImplItem::Fn(setter) = item {
                if let Some(value_setter) = value_setter(setter) {
                    added.push(ImplItem::Fn(value_setter));
                }
                if let Some(list_setter) = list_setter(setter) {
                    added.push(ImplItem::Fn(list_setter));
                }
            }
        }
        self.added += added.len();
        block.items.extend(added);
        visit_mut::visit_item_impl_mut(self, block);
    }
}

/// For `fn f<T>(self, value: T) where T: TryInto<Option<X>>`, returns
/// `fn with_f<T>(self, value: T) where T: TryInto<X>` storing `Some`.
fn value_setter(setter: &ImplItemFn) -> Option<ImplItemFn> {
    let mut added = setter.clone();
    let where_clause = added.sig.generics.where_clause.as_mut()?;
    let mut found = false;
    for predicate in where_clause.predicates.iter_mut() {
        let WherePredicate::Type(predicate) = predicate else {
            continue;
        };
        for bound in predicate.bounds.iter_mut() {
            let TypeParamBound::Trait(bound) = bound else {
                continue;
            };
            let Some(last) = bound.path.segments.last_mut() else {
                continue;
            };
            if last.ident != "TryInto" {
                continue;
            }
            let PathArguments::AngleBracketed(args) = &mut last.arguments else {
                continue;
            };
            let Some(GenericArgument::Type(target)) = args.args.first_mut() else {
                continue;
            };
            if let Some(inner) = option_inner(target) {
                *target = inner;
                found = true;
            }
        }
    }
    if !found {
        return None;
    }
    let field = setter.sig.ident.to_string();
    added.sig.ident = format_ident!("with_{}", field);
    let doc = format!(" Sets `{field}` to `value`, checked like a required field's value.");
    added.attrs = vec![parse_quote!(#[doc = #doc])];
    WrapInSome.visit_block_mut(&mut added.block);
    Some(added)
}

/// For `fn f<T>(self, value: T) where T: TryInto<Vec<X>>`, returns
/// `fn f_from<I>(self, values: I)` converting each item to `X`.
fn list_setter(setter: &ImplItemFn) -> Option<ImplItemFn> {
    let item = setter
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
                    GenericArgument::Type(target) => generic_inner(target, "Vec"),
                    _ => None,
                }
            })
        })?;
    let field = &setter.sig.ident;
    let name = format_ident!("{}_from", field);
    let doc = format!(" Sets `{field}` from `values`, each checked like an item of `{field}`.");
    let message = syn::LitStr::new(
        &format!("error converting supplied value for {field}: item {{index}}: {{e}}"),
        proc_macro2::Span::call_site(),
    );
    Some(parse_quote! {
        #[doc = #doc]
        pub fn #name<I>(mut self, values: I) -> Self
        where
            I: ::std::iter::IntoIterator,
            I::Item: ::std::convert::TryInto<#item>,
            <I::Item as ::std::convert::TryInto<#item>>::Error: ::std::fmt::Display,
        {
            self.#field = values
                .into_iter()
                .enumerate()
                .map(|(index, value)| value.try_into().map_err(|e| format!(#message)))
                .collect();
            self
        }
    })
}

/// `Option<X>` (by any path ending in `Option`) → `X`.
fn option_inner(ty: &Type) -> Option<Type> {
    generic_inner(ty, "Option")
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

/// `value.try_into()` → `value.try_into().map(Some)`.
struct WrapInSome;

impl VisitMut for WrapInSome {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::MethodCall(call) = expr
            && call.method == "try_into"
            && call.args.is_empty()
        {
            *expr = parse_quote!(#call.map(::std::option::Option::Some));
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}
