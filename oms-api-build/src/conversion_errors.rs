//! A pass over progenitor's output that keeps the reason of a parameter
//! conversion failure.
//!
//! progenitor's builder setters for path and query parameters map a failed
//! `TryInto` to a fixed message (`conversion to `SyncTaskId` for sync_task_id
//! failed`) and drop the error, which holds the rule that was broken (for
//! example `longer than 255 characters`). This pass appends that error to the
//! message and requires it to be `Display`, so that a user is told both the
//! field and the rule.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ImplItemFn, Lit, Pat, parse_quote};

/// Rewrites every setter in `file`; returns how many it changed.
pub(crate) fn keep_conversion_errors(file: &mut syn::File) -> usize {
    let mut pass = Setters { rewritten: 0 };
    pass.visit_file_mut(file);
    pass.rewritten
}

struct Setters {
    rewritten: usize,
}

impl VisitMut for Setters {
    fn visit_impl_item_fn_mut(&mut self, setter: &mut ImplItemFn) {
        let mut closures = Closures { rewritten: 0 };
        closures.visit_block_mut(&mut setter.block);
        if closures.rewritten > 0 {
            // The setter is generic over the value it converts; its error
            // now goes into the message, so it must be printable.
            if let Some(value_type) = setter.sig.generics.type_params().next() {
                let value_type = value_type.ident.clone();
                setter
                    .sig
                    .generics
                    .make_where_clause()
                    .predicates
                    .push(parse_quote!(#value_type::Error: ::std::fmt::Display));
            }
            self.rewritten += closures.rewritten;
        }
        visit_mut::visit_impl_item_fn_mut(self, setter);
    }
}

struct Closures {
    rewritten: usize,
}

impl VisitMut for Closures {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Some(message) = discarding_conversion_closure(expr) {
            let message =
                syn::LitStr::new(&format!("{message}: {{e}}"), proc_macro2::Span::call_site());
            *expr = parse_quote!(|e| format!(#message));
            self.rewritten += 1;
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// Matches `|_| "conversion to … failed".to_string()` (the body possibly in
/// braces) and returns the message.
fn discarding_conversion_closure(expr: &Expr) -> Option<String> {
    let Expr::Closure(closure) = expr else {
        return None;
    };
    if closure.inputs.len() != 1 || !matches!(closure.inputs[0], Pat::Wild(_)) {
        return None;
    }
    let mut body = &*closure.body;
    if let Expr::Block(block) = body {
        match block.block.stmts.as_slice() {
            [syn::Stmt::Expr(inner, None)] => body = inner,
            _ => return None,
        }
    }
    let Expr::MethodCall(call) = body else {
        return None;
    };
    if call.method != "to_string" || !call.args.is_empty() {
        return None;
    }
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(message),
        ..
    }) = &*call.receiver
    else {
        return None;
    };
    let message = message.value();
    message.starts_with("conversion to ").then_some(message)
}
