//! Patterns checked without a regex crate: simple ones by plain code, the
//! others by a compiled program (see `crate::nfa`).
//!
//! typify checks every `pattern` with a backtracking regex (`regress`),
//! compiled on first use and run on every value — for an id, on every
//! request. Most of the spec's patterns are a sequence of character classes
//! (`^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$`): this pass compiles such a pattern
//! into a check of each character, and leaves any other pattern to the
//! regex. The subset compiled: `^`, then atoms — a character class
//! (`[...]`, `[^...]`, ranges, `\`-escapes) or a plain character — each
//! taken exactly once or `{n}` times except the last, which may also be
//! `?`, `*`, `+`, `{n,}` or `{n,m}` — then `$`. With only the last atom
//! variable, taking characters greedily is exact: no backtracking is ever
//! needed.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Stmt, parse_quote};

/// Rewrites every pattern check of `file`: a run of character classes into
/// plain code, any other pattern into a program for
/// `crate::pattern::is_match` (see `crate::nfa`), so that the client needs
/// no regex crate. A pattern neither can compile is an error.
pub(crate) fn rewrite(file: &mut syn::File) -> Result<(), crate::Error> {
    let mut functions = Functions {
        error: None,
        compiled: 0,
    };
    functions.visit_file_mut(file);
    if let Some(error) = functions.error {
        return Err(error);
    }
    super::found(
        "patterns",
        "`static PATTERN` regex in a conversion",
        functions.compiled,
    )
}

struct Functions {
    error: Option<crate::Error>,
    compiled: usize,
}

impl VisitMut for Functions {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let compiled = function.block.stmts.iter().find_map(|stmt| {
            let pattern = pattern_static(stmt)?;
            Some(compile(&pattern).ok_or(()).or_else(|()| {
                crate::nfa::compile(&pattern)
                    .map(|program| {
                        let program = crate::nfa::tokens(&program);
                        quote!(crate::pattern::is_match(#program, value))
                    })
                    .map_err(|problem| {
                        crate::Error::Spec(format!("the pattern {pattern:?} has {problem}"))
                    })
            }))
        });
        match compiled {
            Some(Ok(check)) => {
                self.compiled += 1;
                function
                    .block
                    .stmts
                    .retain(|stmt| pattern_static(stmt).is_none());
                ReplaceFind { check: &check }.visit_block_mut(&mut function.block);
            }
            Some(Err(error)) => {
                self.error.get_or_insert(error);
            }
            None => {}
        }
        visit_mut::visit_impl_item_fn_mut(self, function);
    }
}

/// The pattern of `static PATTERN: … = LazyLock::new(|| Regex::new("…").unwrap());`.
fn pattern_static(stmt: &Stmt) -> Option<String> {
    let Stmt::Item(syn::Item::Static(item)) = stmt else {
        return None;
    };
    if item.ident != "PATTERN" {
        return None;
    }
    let mut found = None;
    FindLiteral(&mut found).visit_expr_mut(&mut item.expr.as_ref().clone());
    found
}

struct FindLiteral<'a>(&'a mut Option<String>);

impl VisitMut for FindLiteral<'_> {
    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        self.0.get_or_insert(literal.value());
    }
}

/// `PATTERN.find(value).is_none()` → `!(check)`.
struct ReplaceFind<'a> {
    check: &'a TokenStream,
}

impl VisitMut for ReplaceFind<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::MethodCall(outer) = expr
            && outer.method == "is_none"
            && let Expr::MethodCall(find) = &*outer.receiver
            && find.method == "find"
            && matches!(&*find.receiver, Expr::Path(p) if p.path.is_ident("PATTERN"))
        {
            let check = self.check;
            *expr = parse_quote!(!(#check));
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }
}

/// One atom: a set of characters, and how many of them.
struct Atom {
    negated: bool,
    ranges: Vec<(char, char)>,
    min: usize,
    max: Option<usize>,
}

/// Code that is `true` when `value` matches `pattern`, if the pattern is in
/// the subset; `None` otherwise.
pub(crate) fn compile(pattern: &str) -> Option<TokenStream> {
    let atoms = parse(pattern)?;
    let (last, fixed) = atoms.split_last()?;
    if fixed.iter().any(|atom| Some(atom.min) != atom.max) {
        return None;
    }
    let fixed = fixed.iter().map(|atom| {
        let class = class(atom);
        match atom.min {
            1 => quote!(chars.next().is_some_and(|c| #class)),
            count => quote!((0..#count).all(|_| chars.next().is_some_and(|c| #class))),
        }
    });
    let class = class(last);
    let mut bounds = Vec::new();
    if last.min > 0 {
        let min = last.min;
        bounds.push(quote!(count >= #min));
    }
    if let Some(max) = last.max {
        bounds.push(quote!(count <= #max));
    }
    let rest = if bounds.is_empty() {
        quote!(chars.all(|c| #class))
    } else {
        quote! {{
            let mut count = 0usize;
            chars.all(|c| { count += 1; #class }) #(&& #bounds)*
        }}
    };
    Some(quote! {{
        let mut chars = value.chars();
        #(#fixed &&)* #rest
    }})
}

/// `matches!(c, 'a'..='z' | '_')`, negated for `[^…]`.
fn class(atom: &Atom) -> TokenStream {
    let ranges = atom.ranges.iter().map(|(lo, hi)| {
        if lo == hi {
            quote!(#lo)
        } else {
            quote!(#lo..=#hi)
        }
    });
    let test = quote!(matches!(c, #(#ranges)|*));
    if atom.negated { quote!(!#test) } else { test }
}

fn parse(pattern: &str) -> Option<Vec<Atom>> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let mut chars = body.chars().peekable();
    let mut atoms = Vec::new();
    while let Some(c) = chars.next() {
        let (negated, ranges) = match c {
            '[' => parse_class(&mut chars)?,
            '\\' => {
                let escaped = chars.next()?;
                if escaped.is_ascii_alphanumeric() {
                    // `\d`, `\w` and the like: not in the subset.
                    return None;
                }
                (false, vec![(escaped, escaped)])
            }
            '(' | ')' | '|' | '.' | '*' | '+' | '?' | '{' | '}' | '^' | '$' => return None,
            plain => (false, vec![(plain, plain)]),
        };
        let (min, max) = match chars.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                chars.next();
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let (min, max) = match spec.split_once(',') {
                    None => {
                        let n = spec.trim().parse().ok()?;
                        (n, Some(n))
                    }
                    Some((min, "")) => (min.trim().parse().ok()?, None),
                    Some((min, max)) => (min.trim().parse().ok()?, Some(max.trim().parse().ok()?)),
                };
                atoms.push(Atom {
                    negated,
                    ranges,
                    min,
                    max,
                });
                continue;
            }
            _ => (1, Some(1)),
        };
        if max != Some(1) || min != 1 {
            chars.next();
        }
        atoms.push(Atom {
            negated,
            ranges,
            min,
            max,
        });
    }
    Some(atoms)
}

/// A class after its `[`: whether negated, and its ranges.
fn parse_class(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Option<(bool, Vec<(char, char)>)> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        let c = match chars.next()? {
            ']' if !ranges.is_empty() => return Some((negated, ranges)),
            '\\' => {
                let escaped = chars.next()?;
                if escaped.is_ascii_alphanumeric() {
                    return None;
                }
                escaped
            }
            '[' => return None,
            c => c,
        };
        if chars.peek() == Some(&'-') {
            let mut ahead = chars.clone();
            ahead.next();
            match ahead.peek() {
                Some(']') | None => ranges.push((c, c)),
                Some(_) => {
                    chars.next();
                    let hi = match chars.next()? {
                        '\\' => chars.next()?,
                        hi => hi,
                    };
                    if hi < c {
                        return None;
                    }
                    ranges.push((c, hi));
                    continue;
                }
            }
        } else {
            ranges.push((c, c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_without_patterns_fails_loudly() {
        let mut file: syn::File = parse_quote! { impl X { fn f() {} } };
        let error = rewrite(&mut file).unwrap_err().to_string();
        assert!(
            error.contains("the patterns pass found no `static PATTERN`"),
            "{error}"
        );
    }

    /// Runs the compiled check on `value` the way a test can: by building
    /// the same decision with the parsed atoms.
    fn accepts(pattern: &str, value: &str) -> bool {
        let atoms = parse(pattern).unwrap();
        let in_class = |atom: &Atom, c: char| {
            atom.ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != atom.negated
        };
        let (last, fixed) = atoms.split_last().unwrap();
        let mut chars = value.chars();
        for atom in fixed {
            for _ in 0..atom.min {
                match chars.next() {
                    Some(c) if in_class(atom, c) => {}
                    _ => return false,
                }
            }
        }
        let rest: Vec<char> = chars.collect();
        rest.iter().all(|c| in_class(last, *c))
            && rest.len() >= last.min
            && last.max.is_none_or(|max| rest.len() <= max)
    }

    #[test]
    fn compiles_the_ids_and_description_patterns_and_leaves_alternations_to_the_program() {
        let ids = "^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$";
        assert!(compile(ids).is_some());
        for good in ["p", "0123abc", "a..b", "_x~y-z"] {
            assert!(accepts(ids, good), "{good}");
        }
        for bad in ["", ".", "..", ".a", "a/b", r"a\b", "a b", "中"] {
            assert!(!accepts(ids, bad), "{bad}");
        }
        let description = r#"^[^<>()"'&]*$"#;
        assert!(compile(description).is_some());
        assert!(accepts(description, "plain text, 中文"));
        assert!(!accepts(description, "a <b>"));
        assert!(compile("^(REQUEST|SUCCESS)(,(REQUEST|SUCCESS))*$").is_none());
        assert!(
            compile("^[a-z]*[0-9]$").is_none(),
            "only the last atom may vary"
        );
        assert!(compile(r"^\d+$").is_none());
    }

    #[test]
    fn counts_and_literal_atoms() {
        let hhmm = "^[0-9]{2}:[0-9]{2}$";
        assert!(compile(hhmm).is_some());
        assert!(accepts(hhmm, "09:30"));
        assert!(!accepts(hhmm, "9:30"));
        assert!(!accepts(hhmm, "09:300"));
        assert!(accepts("^a[b-d]{1,3}$", "abcd"));
        assert!(!accepts("^a[b-d]{1,3}$", "abcdb"));
        assert!(!accepts("^a[b-d]{1,3}$", "a"));
    }

    #[test]
    fn the_pass_replaces_the_regex_by_the_check() {
        let mut file: syn::File = parse_quote! {
            impl FromStr for Id {
                fn from_str(value: &str) -> Result<Self, E> {
                    static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(|| {
                        ::regress::Regex::new("^[a-z][a-z0-9]*$").unwrap()
                    });
                    if PATTERN.find(value).is_none() {
                        return Err("must be lower case".into());
                    }
                    Ok(Self(value.to_string()))
                }
            }
        };
        rewrite(&mut file).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(!code.contains("regress"), "{code}");
        assert!(!code.contains("PATTERN"), "{code}");
        let squeezed: String = code.split_whitespace().collect();
        assert!(
            squeezed.contains("matches!(c,'a'..='z'|'0'..='9')"),
            "{code}"
        );
    }

    #[test]
    fn other_patterns_become_a_program_or_an_error() {
        let function = |pattern: &str| -> syn::File {
            parse_quote! {
                impl FromStr for Id {
                    fn from_str(value: &str) -> Result<Self, E> {
                        static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(|| {
                            ::regress::Regex::new(#pattern).unwrap()
                        });
                        if PATTERN.find(value).is_none() {
                            return Err("must be a folder".into());
                        }
                        Ok(Self(value.to_string()))
                    }
                }
            }
        };
        let mut file = function("^$|/$");
        rewrite(&mut file).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(!code.contains("regress"), "{code}");
        assert!(code.contains("crate::pattern::is_match("), "{code}");
        let mut file = function(r"^\bword$");
        let error = rewrite(&mut file).unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"the pattern "^\\bword$" has the escape `\b`"#
        );
    }
}
