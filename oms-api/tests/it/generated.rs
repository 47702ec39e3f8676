//! The reviewed artifact is the compiled code: the insta snapshots of the
//! generator (`oms-api-build/tests/snapshots/`, linked here as `snapshots`)
//! are byte for byte what this crate's build script generated into
//! `OUT_DIR` and compiled (these tests run with the `generate` feature; a
//! build without it compiles the snapshots themselves, and a test of
//! `oms-api-build` checks that they are the generator's output).

const CLIENT: &str = include_str!(concat!(env!("OUT_DIR"), "/oms_api.rs"));
const HTTPMOCK: &str = include_str!(concat!(env!("OUT_DIR"), "/oms_api_httpmock.rs"));

/// The snapshot's content: what follows insta's `---` header.
fn snapshot(text: &str) -> &str {
    let header_end = text
        .match_indices("---\n")
        .nth(1)
        .map(|(at, marker)| at + marker.len())
        .expect("an insta snapshot starts with a header between two `---` lines");
    &text[header_end..]
}

fn assert_same(name: &str, snapshot_text: &str, compiled: &str) {
    // insta keeps one final newline; prettyplease ends with one too.
    let reviewed = snapshot(snapshot_text).trim_end_matches('\n');
    let compiled = compiled.trim_end_matches('\n');
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
    assert_same(
        "client",
        include_str!("../../snapshots/client.snap"),
        CLIENT,
    );
}

#[test]
fn the_compiled_httpmock_helpers_are_the_reviewed_snapshot() {
    assert_same(
        "httpmock helpers",
        include_str!("../../snapshots/httpmock.snap"),
        HTTPMOCK,
    );
}
