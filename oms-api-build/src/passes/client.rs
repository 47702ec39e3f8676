//! The generated `Client` is built by `oms-api`'s `ClientBuilder` only:
//! progenitor's public constructors (which take the crate's private state
//! and set their own timeouts) become one crate-private constructor, and
//! the hooks and `ClientInfo` plumbing, which the dispatcher replaces, go.

use syn::{ImplItem, Item, parse_quote};

/// Rewrites `file`'s client items.
pub(crate) fn rewrite(file: &mut syn::File) {
    file.items
        .retain(|item| !is_hooks_assertion(item) && !is_client_info(item));
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        if block.trait_.is_some() || !is_client(&block.self_ty) {
            continue;
        }
        block
            .items
            .retain(|item| !matches!(item, ImplItem::Fn(f) if f.sig.ident == "new"));
        for item in &mut block.items {
            if let ImplItem::Fn(f) = item
                && f.sig.ident == "new_with_client"
            {
                f.vis = parse_quote!(pub(crate));
            }
        }
    }
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
