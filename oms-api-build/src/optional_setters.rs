//! A pass over typify's struct builders that adds, beside each setter of an
//! optional field, one that takes the value itself.
//!
//! typify's setter for an optional field takes `TryInto<Option<T>>`, so a
//! caller has to convert a string to `T` on their own, and a bad value fails
//! there without naming the field. The added `with_<field>` setter takes
//! `TryInto<T>` and records a failure exactly like the required fields'
//! setters do (`error converting supplied value for <field>: <rule>`).

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
            if let ImplItem::Fn(setter) = item
                && let Some(value_setter) = value_setter(setter)
            {
                added.push(ImplItem::Fn(value_setter));
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

/// `Option<X>` (by any path ending in `Option`) → `X`.
fn option_inner(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
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
