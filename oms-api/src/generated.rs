//! The client generated from `openapi/oms.yaml` by `oms-api-build` (see
//! `build.rs`). Never edited by hand: change the spec and run
//! `cargo xtask regen`.

// progenitor matches the `4XX`/`5XX` ranges before the specific statuses
// listed beside them; every arm decodes the same `ApiError`, so the
// shadowed arms change nothing and `unreachable_patterns` is allowed.
#![allow(
    missing_docs,
    unreachable_patterns,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]

include!(concat!(env!("OUT_DIR"), "/oms_api.rs"));
