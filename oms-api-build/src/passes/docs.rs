//! Each operation's documentation states what the spec's extensions say of
//! it — the regions that offer it, whether it may be repeated, the rules
//! the client checks — emitted from the spec, so that the prose and the
//! checks cannot disagree.

use heck::ToSnakeCase;
use syn::{ImplItem, Item, parse_quote};

use crate::Error;
use crate::spec::{Facts, OperationFacts};

/// Adds the facts to the doc of each operation's method on `Client`; fails
/// when an operation's method is not found.
pub(crate) fn rewrite(file: &mut syn::File, facts: &Facts) -> Result<(), Error> {
    for op in &facts.operations {
        let name = op.id.to_snake_case();
        let method = file
            .items
            .iter_mut()
            .filter_map(|item| match item {
                Item::Impl(block)
                    if block.trait_.is_none()
                        && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")) =>
                {
                    Some(block)
                }
                _ => None,
            })
            .flat_map(|block| block.items.iter_mut())
            .find_map(|item| match item {
                ImplItem::Fn(function) if function.sig.ident == name => Some(function),
                _ => None,
            })
            .ok_or_else(|| {
                Error::Spec(format!(
                    "the docs pass found no method Client::{name} for {}",
                    op.id
                ))
            })?;
        let text = facts_in_words(op);
        method.attrs.push(parse_quote!(#[doc = ""]));
        method.attrs.push(parse_quote!(#[doc = #text]));
    }
    Ok(())
}

/// `op`'s facts, as a paragraph of rustdoc.
pub(crate) fn facts_in_words(op: &OperationFacts) -> String {
    let mut text = String::from(" **From the spec.** ");
    match &op.regions {
        Some(regions) => text.push_str(&format!(
            "Offered in {} only (`x-oms-regions`): a client built for another region refuses it before sending. ",
            list(regions)
        )),
        None => text.push_str("Offered in every region of OMS. "),
    }
    text.push_str(if op.idempotent {
        "May be sent again after it may have reached the service (`x-oms-idempotent: true`): a timeout, a lost connection or a `502`/`503`/`504` is retried. "
    } else {
        "Not sent again once it may have reached the service (`x-oms-idempotent: false`): only a throttled (`429`) or unsent request is repeated; see `Error::may_have_been_applied`. "
    });
    let rules: Vec<String> = op
        .rules
        .iter()
        .map(|rule| match rule.field.as_str() {
            "" => rule.check.words(),
            field => format!("`{field}` {}", rule.check.words()),
        })
        .collect();
    if !rules.is_empty() {
        text.push_str(&format!("Checked before sending: {}.", rules.join("; ")));
    }
    text.trim_end().to_owned()
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
