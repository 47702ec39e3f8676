//! Generates the client from the project's OpenAPI document into `OUT_DIR`.
//!
//! `openapi/` is a link to the workspace's `openapi/` (a copy in the
//! published crate), so the spec has one home and the package is whole.

fn main() {
    oms_api_build::configure()
        .compile("openapi/oms.yaml")
        .unwrap_or_else(|e| panic!("generating the OMS client: {}", error_chain(&e)));
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
