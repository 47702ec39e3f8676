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

fn snapshots() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"))
}

/// A build without the `generate` feature compiles the snapshots: they must
/// be the generator's output byte for byte (insta's own comparison trims
/// line ends).
#[test]
fn the_reviewed_snapshots_are_the_generated_code_byte_for_byte() {
    let reviewed = oms_api_build::configure()
        .snapshots(snapshots())
        .reviewed(spec())
        .expect("the snapshots were generated from the project's spec");
    let generated = oms_api_build::configure().generate(spec()).unwrap();
    assert!(reviewed.client == generated.client, "client differs");
    assert!(reviewed.httpmock == generated.httpmock, "httpmock differs");
}

/// A spec edited without `cargo xtask regen` is refused by a build without
/// the generator, naming the snapshot and the command.
#[test]
fn snapshots_of_another_spec_are_refused() {
    let dir = std::env::temp_dir().join(format!("oms-api-build-stale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let edited = dir.join("oms.yaml");
    let mut text = std::fs::read_to_string(spec()).unwrap();
    text.push_str("# a comment is an edit too\n");
    std::fs::write(&edited, text).unwrap();
    let error = oms_api_build::configure()
        .snapshots(snapshots())
        .reviewed(&edited)
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        matches!(error, oms_api_build::Error::Stale { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("client.snap"), "{message}");
    assert!(message.contains("cargo xtask regen"), "{message}");
}
