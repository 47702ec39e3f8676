//! Misused spec extensions and options are errors that say what is wrong.

use std::path::PathBuf;

fn spec_with_schema(name: &str, schema: &str) -> PathBuf {
    let text = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: v1}}\npaths: {{}}\ncomponents:\n  schemas:\n    Target:\n      type: string\n      enum: [A, B]\n    {name}:\n{schema}"
    );
    let path = std::env::temp_dir().join(format!(
        "oms-api-build-misuse-{}-{name}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn error_for(name: &str, schema: &str) -> String {
    let path = spec_with_schema(name, schema);
    oms_api_build::configure()
        .generate(&path)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_secret_needs_a_bounded_string() {
    assert_eq!(
        error_for(
            "Unbounded",
            "      type: string\n      x-oms-secret: true\n"
        ),
        "schema Unbounded: x-oms-secret needs a maxLength"
    );
    assert_eq!(
        error_for("Number", "      type: integer\n      x-oms-secret: true\n"),
        "schema Number: x-oms-secret is not on a string schema"
    );
}

#[test]
fn an_open_enum_must_name_a_string_enum() {
    assert_eq!(
        error_for(
            "Dangling",
            "      type: string\n      x-oms-open-enum: Missing\n"
        ),
        "schema Dangling: x-oms-open-enum does not name a string enum of components.schemas"
    );
    let path = spec_with_schema(
        "Open",
        "      type: string\n      x-oms-open-enum: Target\n",
    );
    let code = oms_api_build::configure().generate(&path).unwrap();
    assert!(
        !code.contains("pub struct Open"),
        "the open schema is replaced, not generated"
    );
}

#[test]
fn an_option_that_is_not_a_path_is_refused() {
    let path = spec_with_schema("Plain", "      type: string\n");
    let error = oms_api_build::configure()
        .inner_type("not a type!")
        .generate(&path)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "option inner_type is not a Rust path: not a type!"
    );
}

#[test]
fn a_missing_spec_names_the_file() {
    let error = oms_api_build::configure()
        .generate("/nonexistent/oms.yaml")
        .unwrap_err();
    assert_eq!(error.to_string(), "cannot read /nonexistent/oms.yaml");
}

#[test]
fn compile_outside_a_build_script_says_so() {
    // This package has no build script, so its tests run without OUT_DIR.
    assert!(std::env::var_os("OUT_DIR").is_none());
    let error = oms_api_build::configure()
        .compile("../openapi/oms.yaml")
        .unwrap_err();
    assert!(
        error.to_string().starts_with("OUT_DIR is not set"),
        "{error}"
    );
}
