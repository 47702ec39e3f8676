//! Generates the client from the project's OpenAPI document into `OUT_DIR`.

fn main() {
    oms_api_build::configure()
        .derive("schemars::JsonSchema")
        .httpmock_file_name("oms_api_httpmock.rs")
        .compile("../openapi/oms.yaml")
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
