//! `schemars::JsonSchema` only for those who ask for it: every type of the
//! spec derives it under `oms-api`'s `schemars` feature, so that a user's
//! build that does not want JSON schemas does not expand the derive of every
//! type (nor build schemars).

use syn::{Item, parse_quote};

use crate::Error;

/// Adds the conditional derive to every type of `file`'s `types` module that
/// derives one of serde's traits; fails when there is none.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<(), Error> {
    let mut derived = 0;
    for item in &mut file.items {
        let Item::Mod(types) = item else { continue };
        if types.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut types.content else {
            continue;
        };
        for item in items {
            let attrs = match item {
                Item::Struct(item) => &mut item.attrs,
                Item::Enum(item) => &mut item.attrs,
                _ => continue,
            };
            let serde = attrs.iter().any(|attr| {
                attr.path().is_ident("derive")
                    && quote::quote!(#attr).to_string().contains("serde ::")
            });
            if serde {
                attrs.push(parse_quote!(
                    #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
                ));
                derived += 1;
            }
        }
    }
    super::found("derives", "type of `types` deriving a serde trait", derived)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_types_derive_json_schema_under_the_feature() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
                pub struct TaskResp {}
            }
        };
        rewrite(&mut file).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains(r#"#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]"#),
            "{code}"
        );
    }

    #[test]
    fn an_output_without_serde_types_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub mod types {} };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(error.contains("the derives pass found no type"), "{error}");
    }
}
