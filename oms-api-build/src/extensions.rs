//! The spec's `x-oms-*` extensions: where each may stand, checked over the
//! spec's text in every build, with and without the generator, before
//! anything is taken from it. An extension in a place its documentation
//! does not allow, or a key that looks like one but is not, fails the build
//! with its JSON path and line; none is ever ignored.
//!
//! What each extension's value must be is checked where it is used (the
//! generator's `spec` module).

use std::path::Path;

use crate::Error;
use crate::yaml::{self, Entry, Node, Value};

/// Marks a string schema whose values are secrets (`true`).
pub const SECRET: &str = "x-oms-secret";
/// Makes a string schema an open version of the string enum it names.
pub const OPEN_ENUM: &str = "x-oms-open-enum";
/// Beside every `pattern`: the pattern's rule in words.
pub const RULE: &str = "x-oms-rule";
/// On every operation: whether it may be sent again after it may have
/// reached the service.
pub const IDEMPOTENT: &str = "x-oms-idempotent";
/// On an operation offered in some regions only: their ids.
pub const REGIONS: &str = "x-oms-regions";
/// On an object schema of a request body: the properties of which exactly
/// one must be set.
pub const EXACTLY_ONE_OF: &str = "x-oms-exactly-one-of";
/// On a listing operation: how to page through it, for a generated stream.
pub const PAGINATION: &str = "x-oms-pagination";
/// On an integer property of a component schema whose numbers are codes:
/// the name of the enum the client reads them as, and each code's name,
/// words, and whether it is final or a failure.
pub const CODES: &str = "x-oms-codes";

/// Every extension, and where it may stand, in the words of the errors.
const KNOWN: [(&str, &str); 8] = [
    (SECRET, VALUE_SCHEMA),
    (OPEN_ENUM, VALUE_SCHEMA),
    (RULE, "beside a `pattern`, in any schema"),
    (IDEMPOTENT, OPERATION),
    (REGIONS, OPERATION),
    (
        EXACTLY_ONE_OF,
        "on an object schema of components.schemas or of a request body (not in an allOf, oneOf, anyOf or not), which a request body reaches",
    ),
    (PAGINATION, OPERATION),
    (CODES, "on a property of a schema of components.schemas"),
];

const VALUE_SCHEMA: &str = "on a schema of components.schemas, or on a property or array items schema inside one or inside a request or response body (not in a parameter or a header, whose values are sent in the URL or headers, and not in an allOf, oneOf, anyOf, not or additionalProperties)";
const OPERATION: &str = "on an operation";

/// Reads the spec's text (`path` names it in errors) and checks every
/// `x-oms-*` key in it; returns what was read.
pub(crate) fn check(path: &Path, text: &str) -> Result<Node, Error> {
    let top = yaml::read(text).map_err(|fault| {
        Error::Spec(format!(
            "{}: line {}: {} (the spec is read as a plain subset of YAML)",
            path.display(),
            fault.line,
            fault.problem
        ))
    })?;
    let mut walk = Walk { at: Vec::new() };
    walk.node(&top, &Place::Root)?;
    Ok(top)
}

/// The JSON path of `steps`: `$.paths['/v2/{project_id}/tasks'].get`.
pub(crate) fn json_path<'a>(steps: impl IntoIterator<Item = &'a Step>) -> String {
    let mut out = String::from("$");
    for step in steps {
        match step {
            Step::Key(key) if is_plain(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Key(key) => {
                out.push_str("['");
                out.push_str(&key.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push_str("']");
            }
            Step::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// One step of a path in the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// What a node of the spec is, as far as the extensions care.
#[derive(Clone)]
enum Place {
    Root,
    Paths,
    PathItem,
    Operation,
    /// A list of parameters.
    Parameters,
    Parameter,
    RequestBody,
    Responses,
    Response,
    Headers,
    Header,
    /// A `content` map, and what its schemas are the schemas of.
    Content(Root),
    MediaType(Root),
    Components,
    /// A map of named things: `components.schemas`, `.parameters`, ...
    Named(Named),
    Schema(SchemaAt),
    Properties(SchemaAt),
    /// The list of an `allOf`, `oneOf` or `anyOf`.
    Members(SchemaAt),
    /// Anything else: `info`, `servers`, `tags`, a `security` list, ...
    Other,
}

#[derive(Clone, Copy)]
enum Named {
    Schemas,
    Parameters,
    RequestBodies,
    Responses,
    Headers,
}

/// What a schema is the schema of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    Component,
    Parameter,
    Header,
    Request,
    Response,
}

/// A schema: its root, and the steps from the root to it.
#[derive(Clone)]
struct SchemaAt {
    root: Root,
    steps: Vec<SchemaStep>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SchemaStep {
    Property,
    Items,
    /// Into `additionalProperties`, `not`, or a member of an `allOf`,
    /// `oneOf` or `anyOf`.
    Aside,
}

impl SchemaAt {
    fn root(root: Root) -> Place {
        Place::Schema(Self {
            root,
            steps: Vec::new(),
        })
    }

    fn step(&self, step: SchemaStep) -> Place {
        let mut steps = self.steps.clone();
        steps.push(step);
        Place::Schema(Self {
            root: self.root,
            steps,
        })
    }

    /// A schema of components.schemas, or a property or items schema in
    /// one or in a body, on no side path.
    fn holds_values(&self) -> bool {
        let main_line = !self.steps.contains(&SchemaStep::Aside);
        match (self.root, self.steps.last()) {
            (Root::Component, None) => true,
            (Root::Component | Root::Request | Root::Response, Some(_)) => main_line,
            _ => false,
        }
    }
}

/// Whether `key` is a name in `place` (a path, a property, ...), not a
/// keyword. OpenAPI lets the paths and responses maps have extensions too.
fn is_name(place: &Place, key: &str) -> bool {
    match place {
        Place::Paths | Place::Responses => !key.starts_with("x-"),
        Place::Headers | Place::Content(_) | Place::Named(_) | Place::Properties(_) => true,
        _ => false,
    }
}

/// The keys that hold data (examples, defaults, values) rather than
/// schemas, wherever they stand as keywords.
const DATA: [&str; 5] = ["example", "examples", "default", "enum", "const"];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

struct Walk {
    at: Vec<Step>,
}

impl Walk {
    fn node(&mut self, node: &Node, place: &Place) -> Result<(), Error> {
        match &node.value {
            Value::Map(entries) => {
                // The mapping's own keys first, so that a misspelt rule is
                // named rather than the pattern without one.
                for entry in entries {
                    if !is_name(place, &entry.key) {
                        self.at.push(Step::Key(entry.key.clone()));
                        self.extension(entry, entries, place)?;
                        self.at.pop();
                    }
                }
                let pattern = entries.iter().find(|entry| entry.key == "pattern");
                if let (Place::Schema(_), Some(pattern)) = (place, pattern)
                    && !entries.iter().any(|entry| entry.key == RULE)
                {
                    self.at.push(Step::Key(pattern.key.clone()));
                    let error =
                        self.error(pattern, RULE, "is required beside a pattern".to_owned());
                    return Err(error);
                }
                for entry in entries {
                    self.at.push(Step::Key(entry.key.clone()));
                    self.entry(entry, place)?;
                    self.at.pop();
                }
            }
            Value::Seq(items) => {
                let item_place = match place {
                    Place::Parameters => Place::Parameter,
                    Place::Members(at) => at.step(SchemaStep::Aside),
                    _ => Place::Other,
                };
                for (index, item) in items.iter().enumerate() {
                    self.at.push(Step::Index(index));
                    self.node(item, &item_place)?;
                    self.at.pop();
                }
            }
            Value::Scalar(_) => {}
        }
        Ok(())
    }

    fn entry(&mut self, entry: &Entry, place: &Place) -> Result<(), Error> {
        let key = entry.key.as_str();
        if !is_name(place, key) && (key.starts_with("x-") || DATA.contains(&key)) {
            return Ok(());
        }
        let child = match (place, key) {
            (Place::Root, "paths") => Place::Paths,
            (Place::Root, "components") => Place::Components,
            (Place::Paths, _) => Place::PathItem,
            (Place::PathItem, method) if METHODS.contains(&method) => Place::Operation,
            (Place::PathItem | Place::Operation, "parameters") => Place::Parameters,
            (Place::Operation, "requestBody") => Place::RequestBody,
            (Place::Operation, "responses") => Place::Responses,
            (Place::Parameter, "schema") => SchemaAt::root(Root::Parameter),
            (Place::Parameter, "content") => Place::Content(Root::Parameter),
            (Place::RequestBody, "content") => Place::Content(Root::Request),
            (Place::Responses, _) => Place::Response,
            (Place::Response, "content") => Place::Content(Root::Response),
            (Place::Response, "headers") => Place::Headers,
            (Place::Headers, _) => Place::Header,
            (Place::Header, "schema") => SchemaAt::root(Root::Header),
            (Place::Header, "content") => Place::Content(Root::Header),
            (Place::Content(root), _) => Place::MediaType(*root),
            (Place::MediaType(root), "schema") => SchemaAt::root(*root),
            (Place::Components, "schemas") => Place::Named(Named::Schemas),
            (Place::Components, "parameters") => Place::Named(Named::Parameters),
            (Place::Components, "requestBodies") => Place::Named(Named::RequestBodies),
            (Place::Components, "responses") => Place::Named(Named::Responses),
            (Place::Components, "headers") => Place::Named(Named::Headers),
            (Place::Named(named), _) => match named {
                Named::Schemas => SchemaAt::root(Root::Component),
                Named::Parameters => Place::Parameter,
                Named::RequestBodies => Place::RequestBody,
                Named::Responses => Place::Response,
                Named::Headers => Place::Header,
            },
            (Place::Schema(at), "properties") => Place::Properties(at.clone()),
            (Place::Schema(at), "items") => at.step(SchemaStep::Items),
            (Place::Schema(at), "additionalProperties" | "not") => at.step(SchemaStep::Aside),
            (Place::Schema(at), "allOf" | "oneOf" | "anyOf") => Place::Members(at.clone()),
            (Place::Properties(at), _) => at.step(SchemaStep::Property),
            _ => Place::Other,
        };
        self.node(&entry.value, &child)
    }

    /// Checks `entry` if its key is, or looks like, an extension of this
    /// spec.
    fn extension(&self, entry: &Entry, siblings: &[Entry], place: &Place) -> Result<(), Error> {
        let key = entry.key.as_str();
        let schema = match place {
            Place::Schema(at) => Some(at),
            _ => None,
        };
        let has = |name: &str| siblings.iter().any(|e| e.key == name);
        let Some(&(known, allowed)) = KNOWN.iter().find(|(known, _)| *known == key) else {
            return match suggestion(key) {
                Some(suggested) => Err(self.error(
                    entry,
                    key,
                    format!(
                        "is not an extension of this spec (they are {}); did you mean `{suggested}`?",
                        KNOWN.map(|(known, _)| format!("`{known}`")).join(", ")
                    ),
                )),
                None => Ok(()),
            };
        };
        let fits = match known {
            SECRET | OPEN_ENUM => schema.is_some_and(SchemaAt::holds_values),
            RULE => schema.is_some() && has("pattern"),
            EXACTLY_ONE_OF => schema.is_some_and(|at| {
                matches!(at.root, Root::Component | Root::Request)
                    && !at.steps.contains(&SchemaStep::Aside)
            }),
            CODES => schema
                .is_some_and(|at| at.root == Root::Component && at.steps == [SchemaStep::Property]),
            _ => matches!(place, Place::Operation),
        };
        if fits {
            Ok(())
        } else {
            Err(self.error(entry, known, format!("may stand only {allowed}")))
        }
    }

    fn error(&self, entry: &Entry, extension: &str, problem: String) -> Error {
        Error::Extension {
            at: format!("{} (line {})", json_path(&self.at), entry.line),
            extension: extension.to_owned(),
            problem,
        }
    }
}

/// The extension `key` was likely meant to be, if it looks like one: it
/// starts like one (`x-oms`, `x_oms`, any case), or is within two edits of
/// one.
fn suggestion(key: &str) -> Option<&'static str> {
    let normal = key.to_ascii_lowercase().replace('_', "-");
    let (distance, closest) = KNOWN
        .iter()
        .map(|(known, _)| (edits(&normal, known), *known))
        .min()?;
    (normal.starts_with("x-oms") || normal.starts_with("xoms") || distance <= 2).then_some(closest)
}

/// The Levenshtein distance between `a` and `b`.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_named() {
        assert_eq!(suggestion("x-oms-secert"), Some(SECRET));
        assert_eq!(suggestion("X_OMS_SECRET"), Some(SECRET));
        assert_eq!(suggestion("x-osm-secret"), Some(SECRET));
        assert!(suggestion("x-oms-whatever").is_some());
        assert_eq!(suggestion("x-internal"), None);
        assert_eq!(suggestion("pattern"), None);
        assert_eq!(edits("kitten", "sitting"), 3);
    }

    #[test]
    fn json_paths_quote_what_is_not_a_name() {
        let steps = [
            Step::Key("paths".into()),
            Step::Key("/v2/{p}/x".into()),
            Step::Key("get".into()),
            Step::Key("parameters".into()),
            Step::Index(0),
            Step::Key("it's".into()),
        ];
        assert_eq!(
            json_path(&steps),
            r"$.paths['/v2/{p}/x'].get.parameters[0]['it\'s']"
        );
    }
}
