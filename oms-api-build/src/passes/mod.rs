//! Rewrites of progenitor's output, each in its own module with the reason
//! in its documentation.

pub(crate) mod client;
pub(crate) mod collect;
pub(crate) mod defaults;
pub(crate) mod docs;
pub(crate) mod patterns;
pub(crate) mod send;
pub(crate) mod setters;
pub(crate) mod strings;
pub(crate) mod validation;

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
