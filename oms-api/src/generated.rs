//! The client generated from `openapi/oms.yaml` by `oms-api-build` (see
//! `build.rs`). Never edited by hand: change the spec and run
//! `cargo xtask regen`.

#![allow(
    missing_docs,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]

include!(concat!(env!("OUT_DIR"), "/oms_api.rs"));
