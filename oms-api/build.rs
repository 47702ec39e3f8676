//! Writes the client for the project's OpenAPI document into `OUT_DIR`.
//!
//! `openapi/` and `snapshots/` are links to the workspace's `openapi/` and
//! the generator's reviewed snapshots (copies in the published crate), so
//! each has one home and the package is whole. With the `generate` feature
//! the code is generated here from the spec; without it, it is the reviewed
//! snapshot, the same code byte for byte, taken only if it was generated
//! from this spec.

fn main() {
    oms_api_build::configure()
        .snapshots("snapshots")
        .compile("openapi/oms.yaml")
        .unwrap_or_else(|e| panic!("building the OMS client: {}", error_chain(&e)));
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
