//! Every broken rule at once: a builder's conversion into its type, which
//! typify writes as `Ok(Self { a: value.a?, b: value.b?, … })` and so stops
//! at the first field in alphabetical order, reports every field's error,
//! in the order the spec lists the fields:
//!
//! ```text
//! let __builder = value;
//! let mut errors = Vec::new();
//! let b = __builder.b.map_err(|e| errors.push(e));   // the spec's order
//! let a = __builder.a.map_err(|e| errors.push(e));
//! match (b, a) {
//!     (Ok(b), Ok(a)) => Ok(Self { a, b }),
//!     _ => Err(crate::ValidationError::all(errors)),
//! }
//! ```

use std::collections::BTreeMap;

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Item, parse_quote};

use crate::Error;

/// Rewrites every builder conversion of `file`'s `types::builder` module;
/// `order` holds each schema's properties in the spec's order. Fails when
/// it rewrites none.
pub(crate) fn rewrite(
    file: &mut syn::File,
    order: &BTreeMap<String, Vec<String>>,
) -> Result<(), Error> {
    let mut pass = Pass {
        order,
        rewritten: 0,
    };
    for item in &mut file.items {
        if let Item::Mod(types) = item
            && types.ident == "types"
            && let Some((_, items)) = &mut types.content
        {
            for item in items {
                if let Item::Mod(builder) = item
                    && builder.ident == "builder"
                {
                    pass.visit_item_mod_mut(builder);
                }
            }
        }
    }
    if pass.rewritten == 0 {
        return Err(Error::Spec(
            "the collect pass found no builder conversion `Ok(Self { field: value.field?, … })`"
                .to_owned(),
        ));
    }
    Ok(())
}

struct Pass<'a> {
    order: &'a BTreeMap<String, Vec<String>>,
    rewritten: usize,
}

impl VisitMut for Pass<'_> {
    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        let is_try_from = block
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|last| last.ident == "TryFrom");
        let schema = match &*block.self_ty {
            syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        if let (true, Some(schema)) = (is_try_from, schema) {
            let order = self.order.get(&schema).map(Vec::as_slice).unwrap_or(&[]);
            for item in &mut block.items {
                if let syn::ImplItem::Fn(function) = item
                    && function.sig.ident == "try_from"
                    && let Some(body) = collected(&function.block, order)
                {
                    function.block = body;
                    self.rewritten += 1;
                }
            }
        }
        visit_mut::visit_item_impl_mut(self, block);
    }
}

/// The body that collects, for `Ok(Self { field: value.field?, … })`.
fn collected(block: &syn::Block, order: &[String]) -> Option<syn::Block> {
    let [syn::Stmt::Expr(Expr::Call(ok), None)] = block.stmts.as_slice() else {
        return None;
    };
    if !matches!(&*ok.func, Expr::Path(p) if p.path.is_ident("Ok")) {
        return None;
    }
    let Some(Expr::Struct(init)) = ok.args.first() else {
        return None;
    };
    // The builder is moved into `__builder` first: a field may be named
    // `value`, as the conversion's argument is.
    let mut fields = Vec::new();
    for field in &init.fields {
        let syn::Member::Named(name) = &field.member else {
            return None;
        };
        let Expr::Try(value) = &field.expr else {
            return None;
        };
        let mut expr = (*value.expr).clone();
        RenameValue.visit_expr_mut(&mut expr);
        fields.push((name.clone(), expr));
    }
    // The spec's order; a field it does not list goes last.
    fields.sort_by_key(|(name, _)| {
        let spec = crate::passes::spec_field(&name.to_string()).to_owned();
        order.iter().position(|f| *f == spec).unwrap_or(usize::MAX)
    });
    let names: Vec<&syn::Ident> = fields.iter().map(|(name, _)| name).collect();
    let takes = fields.iter().map(|(name, value)| -> syn::Stmt {
        parse_quote!(let #name = (#value).map_err(|e| errors.push(e));)
    });
    let path = &init.path;
    Some(parse_quote!({
        let __builder = value;
        let mut errors = ::std::vec::Vec::new();
        #(#takes)*
        match (#(#names,)*) {
            (#(::std::result::Result::Ok(#names),)*) => Ok(#path { #(#names),* }),
            _ => Err(crate::ValidationError::all(errors)),
        }
    }))
}

/// `value.field` → `__builder.field`.
struct RenameValue;

impl VisitMut for RenameValue {
    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        if path.path.is_ident("value") {
            *path = parse_quote!(__builder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_checked_in_the_specs_order() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub mod builder {
                    impl ::std::convert::TryFrom<ShowBucketReq> for super::ShowBucketReq {
                        type Error = super::error::ConversionError;
                        fn try_from(value: ShowBucketReq) -> Result<Self, super::error::ConversionError> {
                            Ok(Self { behind_filename: value.behind_filename?, bucket_name: value.bucket_name?, type_: value.type_? })
                        }
                    }
                }
            }
        };
        let order = BTreeMap::from([(
            "ShowBucketReq".to_owned(),
            vec![
                "type".to_owned(),
                "bucket_name".to_owned(),
                "behind_filename".to_owned(),
            ],
        )]);
        rewrite(&mut file, &order).unwrap();
        let code: String = prettyplease::unparse(&file)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let first = code.find("let type_ =").unwrap();
        let second = code.find("let bucket_name =").unwrap();
        let third = code.find("let behind_filename =").unwrap();
        assert!(first < second && second < third, "{code}");
        assert!(
            code.contains("_ => Err(crate::ValidationError::all(errors))"),
            "{code}"
        );
    }

    #[test]
    fn an_output_without_its_target_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub mod types { pub mod builder {} } };
        let error = rewrite(&mut file, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(error.contains("collect pass found no"), "{error}");
    }
}
