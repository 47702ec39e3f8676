//! Rewrites of progenitor's output, each in its own module with the reason
//! in its documentation. Each finds its targets by their shape, and fails
//! the build, naming itself and what it looked for, when it finds none: a
//! progenitor or typify upgrade that changes its output cannot drop a
//! guarantee silently.

pub(crate) mod builders;
pub(crate) mod client;
pub(crate) mod collect;
pub(crate) mod defaults;
pub(crate) mod derives;
pub(crate) mod docs;
pub(crate) mod patterns;
pub(crate) mod send;
pub(crate) mod setters;
pub(crate) mod strings;
pub(crate) mod validation;

/// The error of a pass that found none of `what` in progenitor's output.
pub(crate) fn not_found(pass: &str, what: &str) -> crate::Error {
    crate::Error::Spec(format!(
        "the {pass} pass found no {what} in progenitor's output: its output changed shape; update the pass"
    ))
}

/// `Ok` when `found` is not zero, else [`not_found`].
pub(crate) fn found(pass: &str, what: &str, found: usize) -> Result<(), crate::Error> {
    if found == 0 {
        Err(not_found(pass, what))
    } else {
        Ok(())
    }
}

/// The spec's name of a field that progenitor or typify named `rust`: they
/// add `_` to a name that is a Rust keyword (`type` → `type_`), and errors
/// must name the field as the spec (and the wire) does.
pub(crate) fn spec_field(rust: &str) -> &str {
    const KEYWORDS: [&str; 38] = [
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
        "type", "unsafe", "use", "where", "while", "yield",
    ];
    match rust.strip_suffix('_') {
        Some(stem) if KEYWORDS.contains(&stem) => stem,
        _ => rust,
    }
}

#[cfg(test)]
mod tests {
    use super::spec_field;

    #[test]
    fn keyword_fields_get_their_spec_names_back() {
        assert_eq!(spec_field("type_"), "type");
        assert_eq!(spec_field("ref_"), "ref");
        assert_eq!(spec_field("task_type"), "task_type");
        assert_eq!(spec_field("page_"), "page_");
    }
}
