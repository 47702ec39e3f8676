//! Makes every conversion in the generated code report a structured
//! `crate::ValidationError` that names the field and states the spec's rule
//! in words, where typify and progenitor build strings:
//!
//! * typify's `types::error::ConversionError` becomes `crate::ValidationError`;
//! * the builders' `Result<T, String>` fields hold `crate::ValidationError`s:
//!   a missing value is `ValidationError::missing("field")` (no string is
//!   built for a field that is never set wrong), and a failed conversion is
//!   `ValidationError::nest("field", error)`, which keeps the path of a
//!   nested field (`source_cdn.protocol`);
//! * typify's messages become the rule in words: lengths (`longer than 255
//!   characters` → `must be 1 to 255 characters`), patterns (the spec's
//!   `x-oms-rule`) and enums (`must be one of …`).

use std::collections::BTreeMap;

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprLit, Item, Lit, LitStr, Pat, parse_quote};

use crate::Error;
use crate::words;

/// Rewrites `file`; `patterns` maps each pattern of the spec to its words.
pub(crate) fn rewrite(
    file: &mut syn::File,
    patterns: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let mut pass = Pass {
        patterns,
        problem: None,
        error_module: 0,
        string_fields: 0,
    };
    pass.visit_file_mut(file);
    if let Some(problem) = pass.problem {
        return Err(problem);
    }
    super::found(
        "validation",
        "module `error` with typify's `ConversionError`",
        pass.error_module,
    )?;
    super::found(
        "validation",
        "builder field of type `Result<_, String>`",
        pass.string_fields,
    )
}

struct Pass<'a> {
    patterns: &'a BTreeMap<String, String>,
    problem: Option<Error>,
    error_module: usize,
    string_fields: usize,
}

impl VisitMut for Pass<'_> {
    fn visit_item_mut(&mut self, item: &mut Item) {
        // typify's error module: its one type becomes ours.
        if let Item::Mod(module) = item
            && module.ident == "error"
            && let Some((_, items)) = &mut module.content
            && items
                .iter()
                .any(|i| matches!(i, Item::Struct(s) if s.ident == "ConversionError"))
        {
            *items = vec![parse_quote! {
                /// The error of every conversion: the field, and the rule it broke.
                pub use crate::ValidationError as ConversionError;
            }];
            self.error_module += 1;
            return;
        }
        visit_mut::visit_item_mut(self, item);
    }

    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        for field in item.fields.iter_mut() {
            if let Some(ok) = result_of_string(&field.ty) {
                field.ty = parse_quote!(::std::result::Result<#ok, crate::ValidationError>);
                self.string_fields += 1;
            }
        }
        visit_mut::visit_item_struct_mut(self, item);
    }

    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let mut messages = Messages::default();
        messages.visit_block_mut(&mut function.block);
        let length = (messages.min.is_some() || messages.max.is_some())
            .then(|| words::length(messages.min.unwrap_or(0), messages.max));
        let mut rewrite = Rewrite {
            length,
            enum_values: messages.arms,
            patterns: self.patterns,
            problem: None,
            needs_static_error: false,
        };
        rewrite.visit_block_mut(&mut function.block);
        if rewrite.needs_static_error {
            require_static_error(function);
        }
        if let Some(problem) = rewrite.problem {
            self.problem.get_or_insert(problem);
        }
        visit_mut::visit_impl_item_fn_mut(self, function);
    }
}

/// `Result<T, String>` (by any path) → `T`.
fn result_of_string(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut args = args.args.iter();
    let (Some(syn::GenericArgument::Type(ok)), Some(syn::GenericArgument::Type(err)), None) =
        (args.next(), args.next(), args.next())
    else {
        return None;
    };
    let syn::Type::Path(err) = err else {
        return None;
    };
    (err.path.segments.last()?.ident == "String").then(|| ok.clone())
}

/// What a function's checks say: the length bounds it compares against,
/// and the string literals its match arms accept (an enum's values).
#[derive(Default)]
struct Messages {
    min: Option<usize>,
    max: Option<usize>,
    arms: Vec<String>,
}

impl VisitMut for Messages {
    fn visit_expr_binary_mut(&mut self, binary: &mut syn::ExprBinary) {
        if char_count_of(&binary.left).is_some()
            && let Expr::Lit(ExprLit {
                lit: Lit::Int(bound),
                ..
            }) = &*binary.right
            && let Ok(bound) = bound.base10_parse::<usize>()
        {
            match binary.op {
                syn::BinOp::Gt(_) => self.max = Some(bound),
                syn::BinOp::Lt(_) => self.min = Some(bound),
                _ => {}
            }
        }
        visit_mut::visit_expr_binary_mut(self, binary);
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        if let Pat::Lit(ExprLit {
            lit: Lit::Str(value),
            ..
        }) = &arm.pat
        {
            self.arms.push(value.value());
        }
        visit_mut::visit_arm_mut(self, arm);
    }
}

/// `value` of `value.chars().count()`.
fn char_count_of(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::MethodCall(count) if count.method == "count" => match &*count.receiver {
            Expr::MethodCall(chars) if chars.method == "chars" => Some(&chars.receiver),
            _ => None,
        },
        _ => None,
    }
}

struct Rewrite<'a> {
    length: Option<String>,
    enum_values: Vec<String>,
    patterns: &'a BTreeMap<String, String>,
    problem: Option<Error>,
    needs_static_error: bool,
}

impl Rewrite<'_> {
    /// The words that replace one of typify's messages, if it is one.
    fn words_for(&mut self, message: &str) -> Option<String> {
        if message.starts_with("longer than ") || message.starts_with("shorter than ") {
            return self.length.clone();
        }
        if let Some(pattern) = message
            .strip_prefix("doesn't match pattern \"")
            .and_then(|rest| rest.strip_suffix('"'))
        {
            let words = self.patterns.get(pattern).cloned();
            if words.is_none() {
                self.problem.get_or_insert(Error::Spec(format!(
                    "the pattern {pattern} has no x-oms-rule"
                )));
            }
            return words;
        }
        (message == "invalid value" && !self.enum_values.is_empty())
            .then(|| words::one_of(&self.enum_values))
    }
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // typify's `"message".into()` in a conversion.
        if let Expr::MethodCall(call) = expr
            && call.method == "into"
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(message),
                ..
            }) = &*call.receiver
            && let Some(words) = self.words_for(&message.value())
        {
            let words = LitStr::new(&words, message.span());
            *expr = parse_quote!(#words.into());
            return;
        }
        // `Err("no value supplied for F".to_string())` and
        // `Err("F was not initialized".to_string())`.
        if let Some(message) = string_literal_to_string(expr) {
            let field = message
                .strip_prefix("no value supplied for ")
                .or_else(|| message.strip_suffix(" was not initialized"));
            if let Some(field) = field {
                let field = super::spec_field(field);
                *expr = parse_quote!(crate::ValidationError::missing(#field));
                return;
            }
        }
        // typify's `value.chars().count() > N` and `< N`: the crate's checks
        // settle most values by their byte length, without counting.
        if let Expr::Binary(binary) = expr
            && let Some(value) = char_count_of(&binary.left)
        {
            let bound = &binary.right;
            match binary.op {
                syn::BinOp::Gt(_) => {
                    *expr = parse_quote!(crate::length::more_chars_than(#value, #bound));
                    return;
                }
                syn::BinOp::Lt(_) => {
                    *expr = parse_quote!(crate::length::fewer_chars_than(#value, #bound));
                    return;
                }
                _ => {}
            }
        }
        if let Expr::Closure(closure) = expr
            && let Some(replacement) = self.conversion_closure(closure)
        {
            *expr = replacement;
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

impl Rewrite<'_> {
    /// A closure that turns a conversion error into a message, as a closure
    /// that turns it into a `ValidationError`:
    ///
    /// * `|e| format!("error converting supplied value for F: {e}")` (typify),
    /// * `|_| "conversion to `T` for F failed".to_string()` (progenitor's
    ///   parameters), and `|s| format!("conversion to `T` for body failed: {}", s)`.
    fn conversion_closure(&mut self, closure: &syn::ExprClosure) -> Option<Expr> {
        if closure.inputs.len() != 1 {
            return None;
        }
        let body = unblock(&closure.body);
        let message = match body {
            Expr::Macro(mac) if mac.mac.path.is_ident("format") => {
                let args = mac
                    .mac
                    .parse_body_with(
                        syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                    )
                    .ok()?;
                match args.first()? {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(message),
                        ..
                    }) => message.value(),
                    _ => return None,
                }
            }
            other => string_literal_to_string(other)?,
        };
        self.needs_static_error = true;
        if let Some(rest) = message.strip_prefix("error converting supplied value for ") {
            let field = super::spec_field(rest.split(':').next()?);
            return Some(parse_quote!(|e| crate::ValidationError::nest(#field, e)));
        }
        let rest = message.strip_prefix("conversion to `")?;
        let (_, rest) = rest.split_once("` for ")?;
        let (field, _) = rest.split_once(" failed")?;
        if field == "body" {
            return Some(parse_quote!(crate::ValidationError::from_error));
        }
        let field = super::spec_field(field);
        Some(parse_quote!(|e| crate::ValidationError::nest(#field, e)))
    }
}

/// `{ expr }` → `expr`.
fn unblock(expr: &Expr) -> &Expr {
    if let Expr::Block(block) = expr
        && let [syn::Stmt::Expr(inner, None)] = block.block.stmts.as_slice()
    {
        return inner;
    }
    expr
}

/// `"text".to_string()` → `text`.
fn string_literal_to_string(expr: &Expr) -> Option<String> {
    let Expr::MethodCall(call) = expr else {
        return None;
    };
    if call.method != "to_string" || !call.args.is_empty() {
        return None;
    }
    match &*call.receiver {
        Expr::Lit(ExprLit {
            lit: Lit::Str(message),
            ..
        }) => Some(message.value()),
        _ => None,
    }
}

/// A setter whose conversion error is now nested into a `ValidationError`
/// needs that error to be `Display + 'static`.
fn require_static_error(setter: &mut syn::ImplItemFn) {
    let Some(value_type) = setter.sig.generics.type_params().next() else {
        return;
    };
    let value_type = value_type.ident.clone();
    let where_clause = setter.sig.generics.make_where_clause();
    let mut predicates: syn::punctuated::Punctuated<syn::WherePredicate, syn::Token![,]> =
        where_clause
            .predicates
            .iter()
            .filter(|predicate| !bounds_error_of(predicate, &value_type))
            .cloned()
            .collect();
    predicates.push(parse_quote!(#value_type::Error: ::std::fmt::Display + 'static));
    where_clause.predicates = predicates;
}

/// Whether `predicate` bounds `T::Error` (and not, say, `T: TryInto<super::ErrorReason>`).
fn bounds_error_of(predicate: &syn::WherePredicate, value_type: &syn::Ident) -> bool {
    let syn::WherePredicate::Type(predicate) = predicate else {
        return false;
    };
    let syn::Type::Path(bounded) = &predicate.bounded_ty else {
        return false;
    };
    let segments: Vec<_> = bounded.path.segments.iter().map(|s| &s.ident).collect();
    bounded.qself.is_none()
        && segments.len() == 2
        && segments[0] == value_type
        && segments[1] == "Error"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_without_its_targets_fails_loudly() {
        let mut file: syn::File = parse_quote! { pub mod types {} };
        let error = rewrite(&mut file, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the validation pass found no module `error`"),
            "{error}"
        );
    }

    /// `item` rewritten (the pass's own rewrites, without the check that
    /// the whole output has its targets).
    fn rewritten(item: syn::File) -> String {
        let mut file = item;
        let patterns = BTreeMap::from([("^[a-z]+$".to_owned(), "must be lower case".to_owned())]);
        let mut pass = Pass {
            patterns: &patterns,
            problem: None,
            error_module: 0,
            string_fields: 0,
        };
        pass.visit_file_mut(&mut file);
        assert!(pass.problem.is_none());
        prettyplease::unparse(&file)
    }

    #[test]
    fn states_lengths_patterns_and_enums_as_rules() {
        let code = rewritten(parse_quote! {
            impl FromStr for Id {
                fn from_str(value: &str) -> Result<Self, ConversionError> {
                    if value.chars().count() > 10usize { return Err("longer than 10 characters".into()); }
                    if value.chars().count() < 1usize { return Err("shorter than 1 characters".into()); }
                    if PATTERN.find(value).is_none() { return Err("doesn't match pattern \"^[a-z]+$\"".into()); }
                    Ok(Self(value.to_string()))
                }
            }
            impl FromStr for Kind {
                fn from_str(value: &str) -> Result<Self, ConversionError> {
                    match value { "A" => Ok(Self::A), "B" => Ok(Self::B), _ => Err("invalid value".into()) }
                }
            }
        });
        assert_eq!(
            code.matches("\"must be 1 to 10 characters\".into()")
                .count(),
            2,
            "{code}"
        );
        assert!(
            code.contains("if crate::length::more_chars_than(value, 10usize)")
                && code.contains("if crate::length::fewer_chars_than(value, 1usize)")
                && !code.contains(".chars().count()"),
            "{code}"
        );
        assert!(code.contains("\"must be lower case\".into()"), "{code}");
        assert!(
            code.contains("\"must be one of `A`, `B`\".into()"),
            "{code}"
        );
    }

    #[test]
    fn an_unknown_pattern_is_an_error() {
        let mut file: syn::File = parse_quote! {
            impl FromStr for Id {
                fn from_str(value: &str) -> Result<Self, ConversionError> {
                    Err("doesn't match pattern \"^x$\"".into())
                }
            }
        };
        let error = rewrite(&mut file, &BTreeMap::new()).unwrap_err();
        assert_eq!(error.to_string(), "the pattern ^x$ has no x-oms-rule");
    }

    #[test]
    fn builders_hold_validation_errors_that_name_the_field() {
        let code = rewritten(parse_quote! {
            pub struct Builder { dst_ak: ::std::result::Result<AccessKey, ::std::string::String> }
            impl Default for Builder {
                fn default() -> Self { Self { dst_ak: Err("no value supplied for dst_ak".to_string()) } }
            }
            impl Builder {
                pub fn dst_ak<T>(mut self, value: T) -> Self
                where T: TryInto<AccessKey>, T::Error: ::std::fmt::Display,
                {
                    self.dst_ak = value.try_into().map_err(|e| format!("error converting supplied value for dst_ak: {e}"));
                    self
                }
                pub fn project_id<V>(mut self, value: V) -> Self
                where V: TryInto<ProjectId>,
                {
                    self.project_id = value.try_into().map_err(|_| "conversion to `ProjectId` for project_id failed".to_string());
                    self
                }
            }
        });
        assert!(
            code.contains("::std::result::Result<AccessKey, crate::ValidationError>"),
            "{code}"
        );
        assert!(
            code.contains("crate::ValidationError::missing(\"dst_ak\")"),
            "{code}"
        );
        assert!(
            code.contains("crate::ValidationError::nest(\"dst_ak\", e)"),
            "{code}"
        );
        assert!(
            code.contains("crate::ValidationError::nest(\"project_id\", e)"),
            "{code}"
        );
        assert_eq!(
            code.matches("Error: ::std::fmt::Display + 'static").count(),
            2,
            "{code}"
        );
        assert!(!code.contains("format!"), "{code}");
    }

    #[test]
    fn keeps_the_bound_of_a_type_whose_name_starts_with_error() {
        let code = rewritten(parse_quote! {
            impl Builder {
                pub fn error_reason<T>(mut self, value: T) -> Self
                where T: TryInto<Option<super::ErrorReason>>, T::Error: ::std::fmt::Display,
                {
                    self.error_reason = value.try_into().map_err(|e| format!("error converting supplied value for error_reason: {e}"));
                    self
                }
            }
        });
        let squeezed: String = code.split_whitespace().collect();
        assert!(
            squeezed.contains(
                "T:TryInto<Option<super::ErrorReason>>,T::Error:::std::fmt::Display+'static"
            ),
            "{code}"
        );
    }
}
