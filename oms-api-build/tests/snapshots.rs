//! Snapshots of everything the generator emits for the project's spec.
//!
//! These snapshots are the reviewed artifact of a spec change: a stale one
//! fails `cargo test`. Update them with `cargo xtask regen`, never by hand.

use std::path::Path;

fn spec() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/oms.yaml"))
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description("generated from openapi/oms.yaml; refresh with `cargo xtask regen`");
    settings
}

#[test]
fn client_code_matches_snapshot() {
    let code = oms_api_build::configure()
        .generate(spec())
        .expect("the project's spec generates");
    settings().bind(|| insta::assert_snapshot!("client", code));
}

#[test]
fn httpmock_helpers_match_snapshot() {
    let code = oms_api_build::configure()
        .generate_httpmock(spec())
        .expect("the project's spec generates httpmock helpers");
    settings().bind(|| insta::assert_snapshot!("httpmock", code));
}
