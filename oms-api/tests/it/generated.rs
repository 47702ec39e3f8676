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

/// The README's table of streams lists exactly the listings the spec pages
/// (`x-oms-pagination`), each with its style.
#[test]
fn the_readmes_streams_are_the_specs_listings() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("| listing | operation | how | paging |")
        .nth(1)
        .expect("the README has the streams table");
    let mut listed: Vec<(String, String)> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let style = if cells[4].starts_with("marker") {
                "marker"
            } else {
                "offset"
            };
            (cells[2].to_owned(), style.to_owned())
        })
        .collect();
    listed.sort();
    let mut paged: Vec<(String, String)> = oms_api::operations::ALL
        .iter()
        .filter_map(|op| Some((op.id().to_owned(), op.pagination()?.to_owned())))
        .collect();
    paged.sort();
    assert_eq!(listed, paged);
}

/// With the `schemars` feature, every type of the spec has a JSON schema,
/// and a secret field is a write-only password in it.
#[test]
fn the_schemars_feature_gives_json_schemas_that_mark_secrets() {
    let schema = schemars::schema_for!(oms_api::types::StartSyncTaskReq);
    let json = serde_json::to_value(&schema).unwrap();
    let secret = &json["definitions"]["Secret_1_100"];
    assert_eq!(secret["format"], "password", "{json}");
    assert_eq!(secret["writeOnly"], true, "{json}");
    assert!(json["properties"]["dst_sk"].is_object(), "{json}");
}
