//! The reviewed artifact is the compiled code: the insta snapshots of the
//! generator (`oms-api-build/tests/snapshots/`, linked here as `snapshots`)
//! are byte for byte what this crate's build script generated into
//! `OUT_DIR` and compiled (these tests run with the `generate` feature; a
//! build without it compiles the snapshots themselves, and a test of
//! `oms-api-build` checks that they are the generator's output).

const CLIENT: &str = include_str!(concat!(env!("OUT_DIR"), "/oms_api.rs"));
const HTTPMOCK: &str = include_str!(concat!(env!("OUT_DIR"), "/oms_api_httpmock.rs"));

/// The reviewed snapshots as the build without the generator reads them
/// (insta's header taken off, and only if they were generated from this
/// crate's spec).
fn reviewed() -> oms_api_build::Generated {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    oms_api_build::configure()
        .snapshots(manifest.join("snapshots"))
        .reviewed(manifest.join("openapi/oms.yaml"))
        .expect("the snapshots were generated from openapi/oms.yaml")
}

fn assert_same(name: &str, reviewed: &str, compiled: &str) {
    if reviewed != compiled {
        let line = reviewed
            .lines()
            .zip(compiled.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_owned(), |n| format!("line {}", n + 1));
        panic!(
            "the compiled {name} differs from its reviewed snapshot from {line}: run `cargo xtask regen` and review the snapshot diff"
        );
    }
}

#[test]
fn the_compiled_client_is_the_reviewed_snapshot() {
    assert_same("client", &reviewed().client, CLIENT);
}

#[test]
fn the_compiled_httpmock_helpers_are_the_reviewed_snapshot() {
    assert_same("httpmock helpers", &reviewed().httpmock, HTTPMOCK);
}
