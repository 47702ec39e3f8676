//! Snapshots of everything the generator emits for the project's spec.
//!
//! These snapshots are the reviewed artifact of a spec change, and they are
//! byte for byte the code `oms-api` compiles (its tests check that too): a
//! stale one fails `cargo test`. Update them with `cargo xtask regen`, never
//! by hand.

use std::path::Path;

fn spec() -> &'static Path {
    // `openapi` is a link to the workspace's `openapi/` (a copy in the
    // published crate).
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/oms.yaml"))
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description("generated from openapi/oms.yaml; refresh with `cargo xtask regen`");
    settings
}

#[test]
fn generated_code_matches_the_snapshots() {
    let generated = oms_api_build::configure()
        .generate(spec())
        .expect("the project's spec generates");
    settings().bind(|| {
        insta::assert_snapshot!("client", generated.client);
        insta::assert_snapshot!("httpmock", generated.httpmock);
    });
}
