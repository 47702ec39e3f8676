//! A required field that the spec gives a `default` starts with it: a
//! builder left without it sends the default (the first page of a listing,
//! the largest page), as a stream of the same operation does. An optional
//! field's default is the service's, and is not sent.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Item, parse_quote};

use crate::Error;
use crate::spec::FieldDefault;

/// Rewrites the `Default` of each builder with a defaulted required field;
/// fails when one is not found.
pub(crate) fn rewrite(file: &mut syn::File, defaults: &[FieldDefault]) -> Result<(), Error> {
    let mut pass = Pass {
        defaults,
        done: vec![false; defaults.len()],
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
    match pass.done.iter().position(|done| !done) {
        Some(missing) => Err(Error::Spec(format!(
            "the defaults pass found no builder field {}.{} to start with its default",
            defaults[missing].schema, defaults[missing].field
        ))),
        None => Ok(()),
    }
}

struct Pass<'a> {
    defaults: &'a [FieldDefault],
    done: Vec<bool>,
}

impl VisitMut for Pass<'_> {
    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        let is_default = block
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|last| last.ident == "Default");
        let syn::Type::Path(target) = &*block.self_ty else {
            return;
        };
        let Some(schema) = target.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        if !is_default {
            return;
        }
        for (index, default) in self.defaults.iter().enumerate() {
            if default.schema != schema {
                continue;
            }
            let mut set = SetField {
                field: default.field.as_str(),
                json: default.json.as_str(),
                done: false,
            };
            set.visit_item_impl_mut(block);
            self.done[index] |= set.done;
        }
        visit_mut::visit_item_impl_mut(self, block);
    }
}

struct SetField<'a> {
    field: &'a str,
    json: &'a str,
    done: bool,
}

impl VisitMut for SetField<'_> {
    fn visit_field_value_mut(&mut self, value: &mut syn::FieldValue) {
        if let syn::Member::Named(name) = &value.member
            && crate::passes::spec_field(&name.to_string()) == self.field
        {
            let (field, json) = (self.field, self.json);
            let init: Expr = parse_quote! {
                ::serde_json::from_str(#json).map_err(|e| crate::ValidationError::nest(#field, e))
            };
            value.expr = init;
            self.done = true;
        }
        visit_mut::visit_field_value_mut(self, value);
    }
}
