//! No builder for what only answers hold: typify writes a builder type for
//! every object schema, but nobody builds a `TaskResp`. The builders of the
//! schemas no request reaches (the spec's facts) go, with their `builder()`
//! constructor: half of the generated lines, which every user compiled.
//! Such a type is made from JSON or, all its fields being optional, from
//! `Default`.

use std::collections::BTreeSet;

use syn::{ImplItem, Item};

use crate::Error;

/// Removes the builders of `response_only` from `file`'s `types` module;
/// fails when one of them is not there.
pub(crate) fn rewrite(file: &mut syn::File, response_only: &BTreeSet<String>) -> Result<(), Error> {
    let mut removed = BTreeSet::new();
    for item in &mut file.items {
        let Item::Mod(types) = item else { continue };
        if types.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut types.content else {
            continue;
        };
        for item in items.iter_mut() {
            match item {
                // `impl TaskResp { pub fn builder() -> builder::TaskResp {…} }`
                Item::Impl(block)
                    if block.trait_.is_none()
                        && subject(&block.self_ty).is_some_and(|s| response_only.contains(&s)) =>
                {
                    block.items.retain(
                        |item| !matches!(item, ImplItem::Fn(f) if f.sig.ident == "builder"),
                    );
                }
                Item::Mod(builder) if builder.ident == "builder" => {
                    if let Some((_, items)) = &mut builder.content {
                        items.retain(|item| {
                            let name = match item {
                                Item::Struct(s) => Some(s.ident.to_string()),
                                Item::Impl(block) => subject(&block.self_ty),
                                _ => None,
                            };
                            match name {
                                Some(name) if response_only.contains(&name) => {
                                    removed.insert(name);
                                    false
                                }
                                _ => true,
                            }
                        });
                    }
                }
                _ => {}
            }
        }
        items.retain(|item| !matches!(item, Item::Impl(block) if block.items.is_empty()));
    }
    match response_only.iter().find(|name| !removed.contains(*name)) {
        Some(missing) => Err(super::not_found(
            "builders",
            &format!("builder of the answer-only schema {missing}"),
        )),
        None => Ok(()),
    }
}

/// The last segment of a type path (`super::TaskResp` → `TaskResp`).
fn subject(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn an_answers_builder_goes_and_a_requests_stays() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                impl TaskResp { pub fn builder() -> builder::TaskResp { Default::default() } }
                impl TaskReq { pub fn builder() -> builder::TaskReq { Default::default() } }
                pub mod builder {
                    pub struct TaskResp {}
                    impl TaskResp {}
                    impl ::std::convert::TryFrom<TaskResp> for super::TaskResp {}
                    pub struct TaskReq {}
                }
            }
        };
        rewrite(&mut file, &BTreeSet::from(["TaskResp".to_owned()])).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(!code.contains("TaskResp"), "{code}");
        assert!(code.contains("pub struct TaskReq"), "{code}");
    }

    #[test]
    fn an_output_without_the_builder_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub mod types { pub mod builder {} } };
        let error = rewrite(&mut file, &BTreeSet::from(["TaskResp".to_owned()]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the builders pass found no builder of the answer-only schema TaskResp"),
            "{error}"
        );
    }
}
