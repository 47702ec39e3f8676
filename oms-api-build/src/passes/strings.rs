//! Every type that a `&str` converts into also takes a `&String` and a
//! `Cow<str>`, so that a builder's setter accepts whatever text a caller
//! holds: typify implements `TryFrom<&str>` and `TryFrom<String>` for its
//! string newtypes, and `&String` then fails with E0277 pointing into
//! generated code.

use syn::{Item, parse_quote};

use crate::Error;

/// Adds the conversions beside every `impl TryFrom<&str> for T` of `file`
/// (at any depth); fails when there is none, which would mean that
/// typify's output changed shape.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<(), Error> {
    let found = add(&mut file.items);
    if found == 0 {
        return Err(Error::Spec(
            "the strings pass found no `impl TryFrom<&str> for …` in progenitor's output"
                .to_owned(),
        ));
    }
    Ok(())
}

fn add(items: &mut Vec<Item>) -> usize {
    let mut found = 0;
    let mut added = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Mod(module) => {
                if let Some((_, inner)) = &mut module.content {
                    found += add(inner);
                }
            }
            Item::Impl(block) if is_try_from_str(block) => {
                found += 1;
                let target = &block.self_ty;
                let error: syn::Type =
                    parse_quote!(<#target as ::std::convert::TryFrom<&'a str>>::Error);
                added.push(parse_quote! {
                    impl<'a> ::std::convert::TryFrom<&'a ::std::string::String> for #target {
                        type Error = #error;
                        fn try_from(value: &'a ::std::string::String) -> ::std::result::Result<Self, Self::Error> {
                            <Self as ::std::convert::TryFrom<&str>>::try_from(value.as_str())
                        }
                    }
                });
                added.push(parse_quote! {
                    impl<'a> ::std::convert::TryFrom<::std::borrow::Cow<'a, str>> for #target {
                        type Error = #error;
                        fn try_from(value: ::std::borrow::Cow<'a, str>) -> ::std::result::Result<Self, Self::Error> {
                            <Self as ::std::convert::TryFrom<&str>>::try_from(&*value)
                        }
                    }
                });
            }
            _ => {}
        }
    }
    items.extend(added);
    found
}

/// `impl TryFrom<&str> for T` (by any path).
fn is_try_from_str(block: &syn::ItemImpl) -> bool {
    let Some((_, path, _)) = &block.trait_ else {
        return false;
    };
    let Some(last) = path.segments.last() else {
        return false;
    };
    if last.ident != "TryFrom" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    matches!(
        args.args.first(),
        Some(syn::GenericArgument::Type(syn::Type::Reference(reference)))
            if matches!(&*reference.elem, syn::Type::Path(p) if p.path.is_ident("str"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_string_and_cow_conversions_beside_each_str_one() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                impl ::std::convert::TryFrom<&str> for ProjectId {
                    type Error = self::error::ConversionError;
                    fn try_from(value: &str) -> Result<Self, Self::Error> { todo!() }
                }
            }
        };
        rewrite(&mut file).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains("TryFrom<&'a ::std::string::String> for ProjectId"),
            "{code}"
        );
        assert!(
            code.contains("TryFrom<::std::borrow::Cow<'a, str>> for ProjectId"),
            "{code}"
        );
    }

    #[test]
    fn an_output_without_its_target_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub struct Nothing; };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(error.contains("strings pass found no"), "{error}");
    }
}
