//! The generated `Client` is built by `oms-api`'s `ClientBuilder` only:
//! progenitor's public constructors (which take the crate's private state
//! and set their own timeouts) become one crate-private constructor, and
//! the hooks and `ClientInfo` plumbing, which the dispatcher replaces, go.

use syn::{ImplItem, Item, parse_quote};

/// Rewrites `file`'s client items; fails when one of them is not there.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<(), crate::Error> {
    let before = file.items.len();
    file.items.retain(|item| !is_hooks_assertion(item));
    super::found(
        "client",
        "`assert_client_hooks` assertion",
        before - file.items.len(),
    )?;
    let before = file.items.len();
    file.items.retain(|item| !is_client_info(item));
    super::found(
        "client",
        "`impl ClientInfo for Client`",
        before - file.items.len(),
    )?;
    let (mut constructors, mut private) = (0, 0);
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || !is_client(&block.self_ty) {
            continue;
        }
        let before = block.items.len();
        block
            .items
            .retain(|item| !matches!(item, ImplItem::Fn(f) if f.sig.ident == "new"));
        constructors += before - block.items.len();
        for item in &mut block.items {
            if let ImplItem::Fn(f) = item
                && f.sig.ident == "new_with_client"
            {
                f.vis = parse_quote!(pub(crate));
                private += 1;
            }
        }
    }
    super::found("client", "`Client::new`", constructors)?;
    super::found("client", "`Client::new_with_client`", private)
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// `const _: () = { fn assert_client_hooks() where Client: ClientHooks<…> {} };`
fn is_hooks_assertion(item: &Item) -> bool {
    matches!(item, Item::Const(c) if quote::quote!(#c).to_string().contains("assert_client_hooks"))
}

/// `impl ClientInfo<…> for Client`.
fn is_client_info(item: &Item) -> bool {
    matches!(item, Item::Impl(block)
    if is_client(&block.self_ty)
        && block.trait_.as_ref().is_some_and(|(_, path, _)| {
            path.segments.last().is_some_and(|s| s.ident == "ClientInfo")
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_without_its_targets_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub struct Client; };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(
            error.contains("the client pass found no `assert_client_hooks` assertion"),
            "{error}"
        );
        let mut file: syn::File = parse_quote! {
            const _: () = { fn assert_client_hooks() {} };
            impl ClientInfo<()> for Client {}
            impl Client { pub fn new() {} }
        };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(error.contains("`Client::new_with_client`"), "{error}");
    }
}
