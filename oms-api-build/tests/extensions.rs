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
        format!(
            "{OP}.parameters[0].schema.pattern (line {}): x-oms-rule is required beside a pattern",
            line_of(&text, "pattern")
        )
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

/// The operation's JSON path in [`spec`].
const OP: &str = "$.paths['/v2/{project_id}/things/{thing_id}'].put";

/// Where a value extension may stand, as the errors say.
const VALUE_PLACES: &str = "may stand only on a schema of components.schemas, or on a property or array items schema inside one or inside a request or response body (not in a parameter or a header, whose values are sent in the URL or headers, and not in an allOf, oneOf, anyOf, not or additionalProperties)";

/// The known extensions, as the errors list them.
const KNOWN: &str = "(they are `x-oms-secret`, `x-oms-open-enum`, `x-oms-rule`, `x-oms-idempotent`, `x-oms-regions`, `x-oms-exactly-one-of`, `x-oms-pagination`, `x-oms-codes`)";

/// The line (from 1) of the first line of `text` holding `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle} is not in the spec"))
        + 1
}

/// [`spec`] with `extra` among Thing's properties, `nested` among those of
/// the items of its `limits`, and `schemas` added to the components.
fn spec_with(extra: &str, nested: &str, schemas: &str) -> String {
    spec(IDEMPOTENT, schemas)
        .replace("        limits:\n", &format!("{extra}        limits:\n"))
        .replace(
            "              rate: {type: integer, format: int64, minimum: 1, maximum: 9}\n",
            &format!(
                "              rate: {{type: integer, format: int64, minimum: 1, maximum: 9}}\n{nested}"
            ),
        )
}

/// The error `generate` gives for the key `key` at `path` (the JSON path
/// of the key's mapping) in `text`, on the last line that has `key:`.
fn error_at(text: &str, path: &str, key: &str, problem: &str) -> String {
    let line = text
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|line| line.contains(&format!("{key}:")))
        .expect("the key is in the spec")
        + 1;
    error_on(line, path, key, problem)
}

/// The error for the key `key` at `path`, on line `line`.
fn error_on(line: usize, path: &str, key: &str, problem: &str) -> String {
    format!("{path}.{key} (line {line}): {key} {problem}")
}

#[test]
fn a_secret_is_honoured_named_and_inline_on_properties_items_and_nested_objects() {
    let text = spec_with(
        "        key: {type: string, maxLength: 16, x-oms-secret: true, description: The key.}\n        keys:\n          type: array\n          items: {type: string, maxLength: 4, x-oms-secret: true}\n",
        "              password: {type: string, maxLength: 9, x-oms-secret: true}\n",
        "",
    )
    // An extension inside an example is data, not read.
    .replace(
        "      x-oms-exactly-one-of: [token, names]\n",
        "      x-oms-exactly-one-of: [token, names]\n      example: {x-oms-secert: 1}\n",
    )
    .replace(
        "          description: done\n",
        "          description: done\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  answer: {type: string, maxLength: 5, x-oms-secret: true}\n",
    );
    let code = generate(&text).unwrap();
    for field in [
        // Named (the `Token` schema).
        "pub token: ::std::option::Option<crate::Secret<0, 8>>",
        // Inline: a property, array items, a property of a nested object,
        // a property of an inline response body.
        "pub key: ::std::option::Option<crate::Secret<0, 16>>",
        "pub keys: ::std::vec::Vec<crate::Secret<0, 4>>",
        "pub password: ::std::option::Option<crate::Secret<0, 9>>",
        "pub answer: ::std::option::Option<crate::Secret<0, 5>>",
    ] {
        assert!(code.contains(field), "missing {field}");
    }
    // No type of its own that would print it; the property's description
    // kept.
    assert!(!code.contains("pub struct ThingKey"));
    let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(code.contains("///The key."));
    assert!(squeezed.contains(
        r#"pub static SECRET_FIELDS: &[&str] = &["answer", "key", "keys", "password", "token"];"#
    ));
}

#[test]
fn a_secret_elsewhere_is_refused_with_its_path_and_rule() {
    // On a parameter: its value goes into the URL.
    let text = spec(IDEMPOTENT, "").replace(
        "x-oms-rule: must be lower-case letters}",
        "x-oms-rule: must be lower-case letters, x-oms-secret: true}",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_on(
            line_of(&text, "x-oms-secret: true}"),
            &format!("{OP}.parameters[0].schema"),
            "x-oms-secret",
            VALUE_PLACES
        )
    );
    // In a member of an allOf.
    let text = spec(
        IDEMPOTENT,
        "    Wrapped:\n      allOf:\n        - {type: string, maxLength: 3, x-oms-secret: true}\n",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.Wrapped.allOf[0]",
            "x-oms-secret",
            VALUE_PLACES
        )
    );
    // Misspelt.
    let text =
        spec(IDEMPOTENT, "").replace("      x-oms-secret: true\n", "      x-oms-secert: true\n");
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.Token",
            "x-oms-secert",
            &format!("is not an extension of this spec {KNOWN}; did you mean `x-oms-secret`?")
        )
    );
}

#[test]
fn an_open_enum_is_honoured_named_and_inline() {
    let text = spec_with(
        "        vendor: {$ref: '#/components/schemas/Open'}\n        inline: {type: string, x-oms-open-enum: Target}\n        vendors:\n          type: array\n          items: {type: string, x-oms-open-enum: Target}\n",
        "              nested: {type: string, x-oms-open-enum: Target}\n",
        "    Target:\n      type: string\n      enum: [A, B]\n    Open:\n      type: string\n      x-oms-open-enum: Target\n",
    );
    let code = generate(&text).unwrap();
    for field in [
        "pub vendor: ::std::option::Option<crate::OpenEnum<crate::types::Target>>",
        "pub inline: ::std::option::Option<crate::OpenEnum<crate::types::Target>>",
        "pub vendors: ::std::vec::Vec<crate::OpenEnum<crate::types::Target>>",
        "pub nested: ::std::option::Option<crate::OpenEnum<crate::types::Target>>",
    ] {
        assert!(code.contains(field), "missing {field}");
    }
}

#[test]
fn an_open_enum_elsewhere_or_misspelt_is_refused() {
    let targets = "    Target:\n      type: string\n      enum: [A, B]\n";
    let text = spec(IDEMPOTENT, targets).replace(
        "schema: {type: integer, format: int32, minimum: 1, maximum: 5}",
        "schema: {type: string, x-oms-open-enum: Target}",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            &format!("{OP}.parameters[2].schema"),
            "x-oms-open-enum",
            VALUE_PLACES
        )
    );
    let text = spec(
        IDEMPOTENT,
        &format!("{targets}    Open:\n      type: string\n      x-oms-open_enum: Target\n"),
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.Open",
            "x-oms-open_enum",
            &format!("is not an extension of this spec {KNOWN}; did you mean `x-oms-open-enum`?")
        )
    );
}

#[test]
fn a_rule_is_read_beside_any_pattern_and_refused_without_one() {
    let text = spec_with(
        "        code: {type: string, pattern: '^[0-9]+$', x-oms-rule: must be digits}\n        letter: {$ref: '#/components/schemas/Letter'}\n",
        "              unit: {type: string, pattern: '^[a-z]{2}$', x-oms-rule: must be a unit}\n",
        "    Letter:\n      type: string\n      pattern: '^[a-z]$'\n      x-oms-rule: must be one letter\n",
    );
    let code = generate(&text).unwrap();
    for rule in ["must be digits", "must be one letter", "must be a unit"] {
        assert!(code.contains(rule), "missing {rule}");
    }
    // Without a pattern beside it.
    let text = spec(IDEMPOTENT, "").replace(
        "      x-oms-secret: true\n",
        "      x-oms-secret: true\n      x-oms-rule: must be short\n",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.Token",
            "x-oms-rule",
            "may stand only beside a `pattern`, in any schema"
        )
    );
    // One pattern, one rule.
    let text = spec(
        IDEMPOTENT,
        "    Other:\n      type: string\n      pattern: '^[a-z]+$'\n      x-oms-rule: must be small\n",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        "PutThing.project_id: x-oms-rule differs from the rule of the same pattern elsewhere: a pattern has one rule"
    );
    let text = spec(IDEMPOTENT, "").replace("x-oms-rule: must", "x-oms-rules: must");
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            &format!("{OP}.parameters[0].schema"),
            "x-oms-rules",
            &format!("is not an extension of this spec {KNOWN}; did you mean `x-oms-rule`?")
        )
    );
}

#[test]
fn operation_extensions_stand_on_operations_only() {
    for key in [
        "x-oms-idempotent: true",
        "x-oms-regions: [cn-north-4]",
        "x-oms-pagination: {style: offset}",
    ] {
        let text = spec(IDEMPOTENT, "").replace(
            "      x-oms-secret: true\n",
            &format!("      x-oms-secret: true\n      {key}\n"),
        );
        let name = key.split(':').next().unwrap();
        assert_eq!(
            generate(&text).unwrap_err(),
            error_at(
                &text,
                "$.components.schemas.Token",
                name,
                "may stand only on an operation"
            ),
        );
    }
    for (misspelt, meant) in [
        ("x-oms-idempotant", "x-oms-idempotent"),
        ("x-oms-region", "x-oms-regions"),
        ("x-oms-paginaton", "x-oms-pagination"),
    ] {
        let text = spec(&format!("{IDEMPOTENT}      {misspelt}: true\n"), "");
        assert_eq!(
            generate(&text).unwrap_err(),
            error_at(
                &text,
                OP,
                misspelt,
                &format!("is not an extension of this spec {KNOWN}; did you mean `{meant}`?")
            )
        );
    }
}

#[test]
fn exactly_one_of_is_read_on_request_objects_at_any_depth() {
    let text = spec_with(
        "",
        "              burst: {type: integer, format: int64}\n",
        "",
    )
    .replace(
        "          items:\n            type: object\n",
        "          items:\n            type: object\n            x-oms-exactly-one-of: [rate, burst]\n",
    );
    let code = generate(&text).unwrap();
    let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squeezed.contains(
        r#"field: "limits[]", check: crate::operation::Check::ExactlyOne(&["rate", "burst"]), words: "exactly one of `rate` and `burst` must be set""#
    ));
    // On a schema no request reaches: the client would never check it.
    let answer = "    Answer:\n      type: object\n      x-oms-exactly-one-of: [a, b]\n      properties:\n        a: {type: string}\n        b: {type: string}\n";
    assert_eq!(
        generate(&spec(IDEMPOTENT, answer)).unwrap_err(),
        "Answer: x-oms-exactly-one-of is on a schema that no request body reaches (it is checked before a request is sent, and nowhere else)"
    );
    // On a parameter.
    let text = spec(IDEMPOTENT, "").replace(
        "x-oms-rule: must be lower-case letters}",
        "x-oms-rule: must be lower-case letters, x-oms-exactly-one-of: [a, b]}",
    );
    assert_eq!(
        generate(&text).unwrap_err(),
        error_on(
            line_of(&text, "x-oms-exactly-one-of: [a, b]}"),
            &format!("{OP}.parameters[0].schema"),
            "x-oms-exactly-one-of",
            "may stand only on an object schema of components.schemas or of a request body (not in an allOf, oneOf, anyOf or not), which a request body reaches"
        )
    );
    let text = spec(IDEMPOTENT, "").replace("x-oms-exactly-one-of:", "x-oms-exactly-one:");
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.Thing",
            "x-oms-exactly-one",
            &format!(
                "is not an extension of this spec {KNOWN}; did you mean `x-oms-exactly-one-of`?"
            )
        )
    );
}

#[test]
fn codes_stand_on_a_property_of_a_component_only() {
    let codes = "{name: Status, values: [{code: 1, name: Waiting, words: waiting}]}";
    let state = format!(
        "    State:\n      type: object\n      properties:\n        status: {{type: integer, format: int32, x-oms-codes: {codes}}}\n"
    );
    let code = generate(&spec(IDEMPOTENT, &state)).unwrap();
    assert!(
        code.contains("pub enum Status"),
        "the codes' enum is emitted"
    );
    // On a property of a nested object.
    let nested = format!(
        "    State:\n      type: object\n      properties:\n        inner:\n          type: object\n          properties:\n            status: {{type: integer, format: int32, x-oms-codes: {codes}}}\n"
    );
    let text = spec(IDEMPOTENT, &nested);
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.State.properties.inner.properties.status",
            "x-oms-codes",
            "may stand only on a property of a schema of components.schemas"
        )
    );
    let text = spec(IDEMPOTENT, &state.replace("x-oms-codes", "x-oms-code"));
    assert_eq!(
        generate(&text).unwrap_err(),
        error_at(
            &text,
            "$.components.schemas.State.properties.status",
            "x-oms-code",
            &format!("is not an extension of this spec {KNOWN}; did you mean `x-oms-codes`?")
        )
    );
}

#[test]
fn an_unknown_extension_anywhere_is_an_error() {
    let text = spec(IDEMPOTENT, "").replace(
        "info: {title: t, version: v1}",
        "info: {title: t, version: v1, x-oms-owner: me}",
    );
    let error = generate(&text).unwrap_err();
    assert!(
        error.starts_with("$.info.x-oms-owner (line 2): x-oms-owner is not an extension of this spec (they are `x-oms-secret`,"),
        "{error}"
    );
    // Other extensions are someone else's.
    let text = spec(IDEMPOTENT, "").replace(
        "info: {title: t, version: v1}",
        "info: {title: t, version: v1, x-logo: me}",
    );
    generate(&text).unwrap();
}

#[test]
fn yaml_the_check_cannot_read_is_refused_with_its_line() {
    let text = spec(
        IDEMPOTENT,
        "    Alias:\n      type: string\n      description: &d the same\n",
    );
    let error = generate(&text).unwrap_err();
    assert!(
        error.ends_with(&format!(
            ": line {}: an anchor, alias or tag (the spec is read as a plain subset of YAML)",
            line_of(&text, "&d")
        )),
        "{error}"
    );
}

#[test]
fn the_packaged_build_fails_on_the_same_extensions() {
    // Without the generator, `reviewed` reads the spec before the
    // snapshots: the same error, although none exists.
    let text =
        spec(IDEMPOTENT, "").replace("      x-oms-secret: true\n", "      x-oms-secert: true\n");
    let spec = TempSpec::new("packaged", &text);
    let packaged = oms_api_build::configure()
        .snapshots("/nonexistent/snapshots")
        .reviewed(spec.path())
        .unwrap_err()
        .to_string();
    assert_eq!(packaged, generate(&text).unwrap_err());
    assert!(
        packaged.contains("did you mean `x-oms-secret`?"),
        "{packaged}"
    );
}

#[test]
fn value_extensions_in_bodies_of_components_are_honoured() {
    // The body is components.requestBodies' `Named`: Thing is unused.
    let text = spec(IDEMPOTENT, "")
        .replace("      x-oms-exactly-one-of: [token, names]\n", "")
        .replace(
            "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/Thing'\n",
            "      requestBody:\n        $ref: '#/components/requestBodies/Named'\n",
        )
        .replace(
            "        '200':\n          description: done\n",
            "        '200':\n          description: done\n        '400':\n          $ref: '#/components/responses/Oops'\n",
        )
        .replace(
            "components:\n  schemas:\n",
            "components:\n  requestBodies:\n    Named:\n      required: true\n      content:\n        application/json:\n          schema:\n            type: object\n            properties:\n              pin: {type: string, maxLength: 6, x-oms-secret: true}\n              code: {type: string, pattern: '^[0-9]{3}$', x-oms-rule: must be three digits}\n              count: {type: integer, format: int32, minimum: 1, maximum: 4}\n  responses:\n    Oops:\n      description: refused\n      content:\n        application/json:\n          schema:\n            type: object\n            properties:\n              detail: {type: string, maxLength: 7, x-oms-secret: true}\n  schemas:\n",
        );
    let code = generate(&text).unwrap();
    let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "crate::Secret<0, 6>",
        "crate::Secret<0, 7>",
        "must be three digits",
        r#"field: "count", check: crate::operation::Check::Range"#,
    ] {
        assert!(squeezed.contains(expected), "missing {expected}");
    }
}
