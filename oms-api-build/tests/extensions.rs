//! The spec's `x-oms-*` extensions: what a tiny spec of one operation emits,
//! and misuse reported with what is wrong and where.

use std::path::{Path, PathBuf};

/// A spec written to a temporary file, removed when dropped.
struct TempSpec(PathBuf);

impl TempSpec {
    /// A file of its own for each call: tests run in parallel.
    fn new(name: &str, text: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "oms-api-build-{}-{name}-{n}.yaml",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempSpec {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One operation, `PutThing`, with a path parameter, a bounded query
/// parameter and a body with a secret and a list.
fn spec(operation_extensions: &str, schemas: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: t, version: v1}}
paths:
  /v2/{{project_id}}/things/{{thing_id}}:
    put:
      operationId: PutThing
{operation_extensions}      parameters:
        - name: project_id
          in: path
          required: true
          schema: {{type: string, maxLength: 10, pattern: '^[a-z]+$', x-oms-rule: must be lower-case letters}}
        - name: thing_id
          in: path
          required: true
          schema: {{type: integer, format: int64, minimum: 0, maximum: 99}}
        - name: limit
          in: query
          schema: {{type: integer, format: int32, minimum: 1, maximum: 5}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/Thing'
      responses:
        '200':
          description: done
components:
  schemas:
    Token:
      type: string
      maxLength: 8
      x-oms-secret: true
    Thing:
      type: object
      x-oms-exactly-one-of: [token, names]
      properties:
        token:
          $ref: '#/components/schemas/Token'
        names:
          type: array
          minItems: 1
          maxItems: 3
          items: {{type: string}}
        limits:
          type: array
          items:
            type: object
            properties:
              rate: {{type: integer, format: int64, minimum: 1, maximum: 9}}
{schemas}"#
    )
}

const IDEMPOTENT: &str = "      x-oms-idempotent: false\n      x-oms-regions: [cn-north-4]\n";

fn generate(text: &str) -> Result<String, String> {
    let spec = TempSpec::new("tiny", text);
    oms_api_build::configure()
        .generate(spec.path())
        .map(|generated| generated.client)
        .map_err(|e| e.to_string())
}

#[test]
fn a_new_operation_gets_its_table_entry_from_the_spec_alone() {
    let code = generate(&spec(IDEMPOTENT, "")).unwrap();
    let table = code
        .split("pub mod operations")
        .nth(1)
        .expect("the operations table is emitted");
    let squeezed: String = table.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        r#"pub static PUT_THING: crate::operation::Operation"#,
        r#"id: "PutThing""#,
        "method: ::http::Method::PUT",
        r#"crate::operation::Segment::Literal("v2"), crate::operation::Segment::Param("project_id"), crate::operation::Segment::Literal("things"), crate::operation::Segment::Param("thing_id")"#,
        "idempotent: false",
        r#"regions: ::std::option::Option::Some(&["cn-north-4"])"#,
        "success: 200u16",
        "response_body: false",
        r#"field: "thing_id", check: crate::operation::Check::Range { min: ::std::option::Option::Some(0i64), max: ::std::option::Option::Some(99i64), }, words: "must be 0 to 99""#,
        r#"field: "limit", check: crate::operation::Check::Range { min: ::std::option::Option::Some(1i64), max: ::std::option::Option::Some(5i64), }, words: "must be 1 to 5""#,
        r#"field: "names", check: crate::operation::Check::Items { min: ::std::option::Option::Some(1usize), max: ::std::option::Option::Some(3usize), }, words: "must have 1 to 3 items""#,
        r#"field: "limits[].rate", check: crate::operation::Check::Range { min: ::std::option::Option::Some(1i64), max: ::std::option::Option::Some(9i64), }, words: "must be 1 to 9""#,
        r#"field: "", check: crate::operation::Check::ExactlyOne(&["token", "names"]), words: "exactly one of `token` and `names` must be set""#,
        "pub static ALL: &[&crate::operation::Operation] = &[&PUT_THING];",
        r#"pub static SECRET_FIELDS: &[&str] = &["token"];"#,
    ] {
        assert!(
            squeezed.contains(expected),
            "missing {expected} in {squeezed}"
        );
    }
    // Its documentation states the spec's facts, emitted from them.
    assert!(
        code.contains("Offered in cn-north-4 only (`x-oms-regions`)"),
        "{code}"
    );
    assert!(code.contains("Not sent again once it may have reached the service"));
    assert!(code.contains("Checked before sending: `thing_id` must be 0 to 99"));
    // The operation is sent through the dispatcher, its pattern in words.
    assert!(code.contains("crate::dispatch::Call::start("));
    assert!(code.contains("call.send_empty(&build, &path)"));
    assert!(code.contains("must be lower-case letters"));
    assert!(!code.contains("doesn't match pattern"));
}

#[test]
fn every_operation_must_say_whether_it_may_be_repeated() {
    assert_eq!(
        generate(&spec("", "")).unwrap_err(),
        "PutThing: x-oms-idempotent is required on every operation"
    );
    assert_eq!(
        generate(&spec("      x-oms-idempotent: sometimes\n", "")).unwrap_err(),
        "PutThing: x-oms-idempotent is not a boolean"
    );
    assert_eq!(
        generate(&spec(
            "      x-oms-idempotent: true\n      x-oms-regions: []\n",
            ""
        ))
        .unwrap_err(),
        "PutThing: x-oms-regions is not a list of region ids"
    );
}

#[test]
fn a_pattern_needs_its_rule_in_words() {
    let text = spec(IDEMPOTENT, "").replace(", x-oms-rule: must be lower-case letters", "");
    assert_eq!(
        generate(&text).unwrap_err(),
        "PutThing.project_id: x-oms-rule is required beside a pattern"
    );
}

#[test]
fn a_secret_needs_a_bounded_string() {
    let unbounded = spec(
        IDEMPOTENT,
        "    Key:\n      type: string\n      x-oms-secret: true\n",
    );
    assert_eq!(
        generate(&unbounded).unwrap_err(),
        "Key: x-oms-secret needs a maxLength"
    );
    let number = spec(
        IDEMPOTENT,
        "    Key:\n      type: integer\n      x-oms-secret: true\n",
    );
    assert_eq!(
        generate(&number).unwrap_err(),
        "Key: x-oms-secret is not on a string schema"
    );
}

#[test]
fn an_open_enum_must_name_a_string_enum() {
    let dangling = spec(
        IDEMPOTENT,
        "    Dangling:\n      type: string\n      x-oms-open-enum: Missing\n",
    );
    assert_eq!(
        generate(&dangling).unwrap_err(),
        "Dangling: x-oms-open-enum does not name a string enum of components.schemas"
    );
    let open = spec(
        IDEMPOTENT,
        "    Target:\n      type: string\n      enum: [A, B]\n    Open:\n      type: string\n      x-oms-open-enum: Target\n",
    );
    let code = generate(&open).unwrap();
    assert!(
        !code.contains("pub struct Open"),
        "the open schema is replaced, not generated"
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
        .compile("openapi/oms.yaml")
        .unwrap_err();
    assert!(
        error.to_string().starts_with("OUT_DIR is not set"),
        "{error}"
    );
}

#[test]
fn exactly_one_of_must_name_properties() {
    let text = spec(IDEMPOTENT, "").replace("[token, names]", "[token, missing]");
    assert_eq!(
        generate(&text).unwrap_err(),
        "PutThing: x-oms-exactly-one-of is not a list of two or more of the object's properties"
    );
}
