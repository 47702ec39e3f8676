//! The spec, read once, and the facts the generator takes from it beyond
//! what progenitor reads: the `x-oms-*` extensions, each operation's path
//! template, retry safety, regions and rules, the rule of each pattern in
//! words, and the names of secret fields.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type,
};

use crate::Error;
use crate::extensions::{
    self, CODES, EXACTLY_ONE_OF, IDEMPOTENT, OPEN_ENUM, PAGINATION, REGIONS, RULE, SECRET,
};
use crate::words;
use crate::yaml;

/// The spec as parsed, and where it came from.
pub(crate) struct Spec {
    pub api: OpenAPI,
    pub path: PathBuf,
    /// The text's SHA-256, named in the `@generated` header.
    pub digest: String,
}

impl Spec {
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let tree = extensions::check(path, &text)?;
        let parse_error = |source| Error::Parse {
            path: path.to_owned(),
            source,
        };
        let value: serde_yaml::Value = serde_yaml::from_str(&text).map_err(parse_error)?;
        same_reading(path, &mut Vec::new(), &tree, &value)?;
        let mut api = serde_yaml::from_value(value).map_err(parse_error)?;
        hoist(&mut api)?;
        Ok(Self {
            api,
            path: path.to_owned(),
            digest: crate::reviewed::spec_digest(&text),
        })
    }

    /// The spec as progenitor should see it: defaults removed. A default in
    /// the spec is the service's; the client never fills it in, so that only
    /// what the caller set is sent (typify would otherwise make a field with
    /// a default a plain value, always sent).
    pub fn for_progenitor(&self) -> OpenAPI {
        let mut api = self.api.clone();
        if let Some(components) = api.components.as_mut() {
            for schema in components.schemas.values_mut() {
                if let ReferenceOr::Item(schema) = schema {
                    strip_defaults(schema);
                }
            }
        }
        api
    }

    fn schemas(&self) -> impl Iterator<Item = (&String, &Schema)> {
        self.api
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .filter_map(|(name, schema)| Some((name, schema.as_item()?)))
    }

    fn component(&self, reference: &str) -> Option<&Schema> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.api.components.as_ref()?.schemas.get(name)?.as_item()
    }

    /// `schema`, or the component it refers to, following a lone `allOf`
    /// (the spec's way to put a description beside a `$ref`).
    pub fn resolve<'a>(&'a self, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => self.component(reference)?,
        };
        match &schema.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => self.resolve(&all_of[0]),
            _ => Some(schema),
        }
    }

    fn resolve_boxed<'a>(&'a self, schema: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
        match schema {
            ReferenceOr::Item(schema) => self.resolve_item(schema),
            ReferenceOr::Reference { reference } => {
                let schema = self.component(reference)?;
                self.resolve_item(schema)
            }
        }
    }

    fn resolve_item<'a>(&'a self, schema: &'a Schema) -> Option<&'a Schema> {
        match &schema.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => self.resolve(&all_of[0]),
            _ => Some(schema),
        }
    }

    fn parameter<'a>(&'a self, parameter: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        match parameter {
            ReferenceOr::Item(parameter) => Some(parameter),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                self.api
                    .components
                    .as_ref()?
                    .parameters
                    .get(name)?
                    .as_item()
            }
        }
    }

    /// The JSON schema of `operation`'s request body, resolved (a body of
    /// components.requestBodies included).
    fn request_body<'a>(&'a self, operation: &'a Operation) -> Option<&'a Schema> {
        let body = match operation.request_body.as_ref()? {
            ReferenceOr::Item(body) => body,
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/requestBodies/")?;
                self.api
                    .components
                    .as_ref()?
                    .request_bodies
                    .get(name)?
                    .as_item()?
            }
        };
        let schema = body.content.get("application/json")?.schema.as_ref()?;
        self.resolve(schema)
    }

    /// Checks every extension and returns what the generator needs.
    pub fn facts(&self) -> Result<Facts, Error> {
        let replacements = self.replacements()?;
        let mut facts = Facts {
            open_enums: replacements
                .iter()
                .filter_map(|r| r.open_enum.clone())
                .collect(),
            open_enum_values: BTreeMap::new(),
            replacements,
            patterns: BTreeMap::new(),
            operations: Vec::new(),
            secret_fields: BTreeSet::new(),
            codes: Vec::new(),
            defaults: Vec::new(),
            property_order: BTreeMap::new(),
            response_only: self.response_only(),
            exactly_one_of_checked: BTreeSet::new(),
        };
        for (name, schema) in self.schemas() {
            self.walk(name, schema, &mut facts)?;
            if let SchemaKind::Type(Type::String(string)) = &schema.schema_kind
                && facts.open_enums.contains(name)
            {
                let values = string.enumeration.iter().flatten().cloned().collect();
                facts.open_enum_values.insert(name.clone(), values);
            }
            if let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind {
                facts
                    .property_order
                    .insert(name.clone(), object.properties.keys().cloned().collect());
                for (field, property) in &object.properties {
                    let ReferenceOr::Item(property) = property else {
                        continue;
                    };
                    if let Some(codes) = property.schema_data.extensions.get(CODES) {
                        facts.codes.push(codes_of(name, field, property, codes)?);
                    }
                    let default = property.schema_data.default.clone().or_else(|| {
                        self.resolve_item(property)
                            .and_then(|p| p.schema_data.default.clone())
                    });
                    if let Some(default) = default
                        && object.required.contains(field)
                    {
                        facts.defaults.push(FieldDefault {
                            schema: name.clone(),
                            field: field.clone(),
                            json: default.to_string(),
                        });
                    }
                }
            }
        }
        // Patterns and secrets of the bodies of components.requestBodies
        // and components.responses written inline.
        if let Some(components) = &self.api.components {
            let bodies = components
                .request_bodies
                .iter()
                .filter_map(|(name, body)| Some((name, &body.as_item()?.content)));
            let responses = components
                .responses
                .iter()
                .filter_map(|(name, response)| Some((name, &response.as_item()?.content)));
            for (name, content) in bodies.chain(responses) {
                for media in content.values() {
                    if let Some(ReferenceOr::Item(schema)) = &media.schema {
                        self.walk(name, schema, &mut facts)?;
                    }
                }
            }
        }
        for (path, method, operation) in self.api.operations() {
            let operation = self.operation(path, method, operation, &mut facts)?;
            facts.operations.push(operation);
        }
        for (name, schema) in self.schemas() {
            unchecked_exactly_one_of(name, schema, &facts.exactly_one_of_checked)?;
        }
        Ok(facts)
    }

    /// Collects patterns and secret fields from `schema` and what it holds
    /// inline (components are walked on their own).
    fn walk(&self, at: &str, schema: &Schema, facts: &mut Facts) -> Result<(), Error> {
        if let SchemaKind::Type(Type::String(string)) = &schema.schema_kind
            && let Some(pattern) = &string.pattern
        {
            let rule = schema
                .schema_data
                .extensions
                .get(RULE)
                .and_then(serde_json::Value::as_str)
                // The extension check saw that it is there.
                .ok_or_else(|| extension_error(at, RULE, "is not a string"))?;
            if let Some(other) = facts.patterns.insert(pattern.clone(), rule.to_owned())
                && other != rule
            {
                return Err(extension_error(
                    at,
                    RULE,
                    "differs from the rule of the same pattern elsewhere: a pattern has one rule",
                ));
            }
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                for (name, property) in &object.properties {
                    // A secret, or a list of them.
                    let secret = self.resolve_boxed(property).is_some_and(|schema| {
                        is_secret(schema)
                            || matches!(&schema.schema_kind, SchemaKind::Type(Type::Array(array))
                                if array.items.as_ref().and_then(|i| self.resolve_boxed(i)).is_some_and(is_secret))
                    });
                    if secret {
                        facts.secret_fields.insert(name.clone());
                    }
                    if let ReferenceOr::Item(property) = property {
                        self.walk(&format!("{at}.{name}"), property, facts)?;
                    }
                }
            }
            SchemaKind::Type(Type::Array(array)) => {
                if let Some(ReferenceOr::Item(items)) = &array.items {
                    self.walk(&format!("{at}[]"), items, facts)?;
                }
            }
            SchemaKind::AllOf { all_of: list }
            | SchemaKind::OneOf { one_of: list }
            | SchemaKind::AnyOf { any_of: list } => {
                for item in list {
                    if let ReferenceOr::Item(item) = item {
                        self.walk(at, item, facts)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn operation(
        &self,
        path: &str,
        method: &str,
        operation: &Operation,
        facts: &mut Facts,
    ) -> Result<OperationFacts, Error> {
        let id = operation
            .operation_id
            .clone()
            .ok_or_else(|| Error::Spec(format!("{method} {path} has no operationId")))?;
        let idempotent = match operation.extensions.get(IDEMPOTENT) {
            Some(serde_json::Value::Bool(value)) => *value,
            Some(_) => return Err(extension_error(&id, IDEMPOTENT, "is not a boolean")),
            None => {
                return Err(extension_error(
                    &id,
                    IDEMPOTENT,
                    "is required on every operation",
                ));
            }
        };
        let regions = match operation.extensions.get(REGIONS) {
            None => None,
            Some(serde_json::Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .filter(|ids| !ids.is_empty())
                    .ok_or_else(|| extension_error(&id, REGIONS, "is not a list of region ids"))?,
            ),
            Some(_) => return Err(extension_error(&id, REGIONS, "is not a list of region ids")),
        };
        let (success, response_body) = operation
            .responses
            .responses
            .iter()
            .find_map(|(status, response)| match status {
                StatusCode::Code(code @ 200..=299) => {
                    let has_body = match response {
                        ReferenceOr::Item(response) => !response.content.is_empty(),
                        ReferenceOr::Reference { .. } => true,
                    };
                    Some((*code, has_body))
                }
                _ => None,
            })
            .ok_or_else(|| Error::Spec(format!("{id} has no success response")))?;
        let mut rules = Vec::new();
        let mut path_params = Vec::new();
        let mut text_params = Vec::new();
        for parameter in &operation.parameters {
            let parameter = self
                .parameter(parameter)
                .ok_or_else(|| Error::Spec(format!("{id}: a parameter reference is dangling")))?;
            let (data, location) = match parameter {
                Parameter::Query { parameter_data, .. } => (parameter_data, Location::Query),
                Parameter::Path { parameter_data, .. } => {
                    path_params.push(parameter_data.name.clone());
                    (parameter_data, Location::Path)
                }
                Parameter::Header { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => {
                    return Err(Error::Spec(format!(
                        "{id}: parameter {} is neither in the path nor in the query",
                        parameter_data.name
                    )));
                }
            };
            let ParameterSchemaOrContent::Schema(schema) = &data.format else {
                continue;
            };
            if let Some(schema) = self.resolve(schema) {
                self.walk(&format!("{id}.{}", data.name), schema, facts)?;
                if matches!(location, Location::Path) && is_text(schema) {
                    text_params.push(data.name.clone());
                }
                if let Some(check) = check_of(schema) {
                    rules.push(Rule {
                        location,
                        field: data.name.clone(),
                        check,
                    });
                }
            }
        }
        let body = self.request_body(operation);
        // Patterns and secrets of bodies written inline (components are
        // walked on their own).
        let inline_bodies = operation
            .request_body
            .iter()
            .filter_map(ReferenceOr::as_item)
            .map(|body| &body.content)
            .chain(
                operation
                    .responses
                    .responses
                    .values()
                    .filter_map(ReferenceOr::as_item)
                    .map(|response| &response.content),
            )
            .flat_map(|content| content.values())
            .filter_map(|media| media.schema.as_ref()?.as_item());
        for schema in inline_bodies {
            self.walk(&id, schema, facts)?;
        }
        if let Some(body) = body {
            self.body_rules(
                &id,
                "",
                body,
                &mut rules,
                &mut facts.exactly_one_of_checked,
                0,
            )?;
        }
        let template = template(path);
        let in_template: Vec<&str> = template
            .iter()
            .filter_map(|segment| match segment {
                Segment::Param(name) => Some(name.as_str()),
                Segment::Literal(_) => None,
            })
            .collect();
        let mut declared: Vec<&str> = path_params.iter().map(String::as_str).collect();
        declared.sort_unstable();
        let mut used = in_template.clone();
        used.sort_unstable();
        if declared != used {
            return Err(Error::Spec(format!(
                "{id}: the path parameters declared do not match the path {path}"
            )));
        }
        let pagination = match operation.extensions.get(PAGINATION) {
            None => None,
            Some(paging) => Some(self.pagination(&id, operation, paging)?),
        };
        Ok(OperationFacts {
            pagination,
            id,
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            template,
            idempotent,
            regions,
            success,
            response_body,
            rules,
            text_params,
        })
    }

    /// The component object schemas that no request reaches (through a
    /// body or a parameter, at any depth): answers only, which no caller
    /// builds.
    fn response_only(&self) -> BTreeSet<String> {
        fn refs(node: &serde_json::Value, out: &mut BTreeSet<String>) {
            match node {
                serde_json::Value::Object(map) => {
                    for (key, value) in map {
                        match (key.as_str(), value.as_str()) {
                            ("$ref", Some(target)) => {
                                if let Some(name) = target.strip_prefix("#/components/schemas/") {
                                    out.insert(name.to_owned());
                                }
                            }
                            _ => refs(value, out),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
                _ => {}
            }
        }
        let mut reached = BTreeSet::new();
        for (_, _, operation) in self.api.operations() {
            if let Some(body) = &operation.request_body {
                refs(
                    &serde_json::to_value(body).unwrap_or_default(),
                    &mut reached,
                );
            }
            for parameter in &operation.parameters {
                refs(
                    &serde_json::to_value(parameter).unwrap_or_default(),
                    &mut reached,
                );
            }
        }
        if let Some(components) = &self.api.components {
            let parameters = serde_json::to_value(&components.parameters).unwrap_or_default();
            refs(&parameters, &mut reached);
            let bodies = serde_json::to_value(&components.request_bodies).unwrap_or_default();
            refs(&bodies, &mut reached);
        }
        let schemas: BTreeMap<&String, serde_json::Value> = self
            .schemas()
            .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default()))
            .collect();
        loop {
            let mut more = BTreeSet::new();
            for name in &reached {
                if let Some(schema) = schemas.get(name) {
                    refs(schema, &mut more);
                }
            }
            if more.is_subset(&reached) {
                break;
            }
            reached.extend(more);
        }
        self.schemas()
            .filter(|(name, schema)| {
                matches!(schema.schema_kind, SchemaKind::Type(Type::Object(_)))
                    && !reached.contains(*name)
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// What `x-oms-pagination` says of `operation`, checked against its
    /// parameters, body and response.
    fn pagination(
        &self,
        id: &str,
        operation: &Operation,
        paging: &serde_json::Value,
    ) -> Result<Pagination, Error> {
        let malformed = || {
            extension_error(
                id,
                PAGINATION,
                "is not {style: offset, limit, offset, items, count, key} or {style: marker, size, marker, next, more?, items, key}",
            )
        };
        let text = |key: &str| {
            paging
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let required = |key: &str| text(key).ok_or_else(malformed);
        let properties = |schema: Option<&Schema>| -> Vec<String> {
            match schema.map(|s| &s.schema_kind) {
                Some(SchemaKind::Type(Type::Object(object))) => {
                    object.properties.keys().cloned().collect()
                }
                _ => Vec::new(),
            }
        };
        let response = operation
            .responses
            .responses
            .iter()
            .find_map(|(status, response)| match (status, response) {
                (StatusCode::Code(200..=299), ReferenceOr::Item(response)) => response
                    .content
                    .get("application/json")
                    .and_then(|media| media.schema.as_ref())
                    .and_then(|schema| self.resolve(schema)),
                _ => None,
            });
        let answered = properties(response);
        let in_answer = |name: &str| {
            if answered.iter().any(|p| p == name) {
                Ok(name.to_owned())
            } else {
                Err(extension_error(
                    id,
                    PAGINATION,
                    "names a property the response does not have",
                ))
            }
        };
        let queried: Vec<String> = operation
            .parameters
            .iter()
            .filter_map(|p| match self.parameter(p)? {
                Parameter::Query { parameter_data, .. } => Some(parameter_data.name.clone()),
                _ => None,
            })
            .collect();
        let body = self.request_body(operation);
        let sent = properties(body);
        let paging_kind = match text("style").as_deref() {
            Some("offset") => {
                let (limit, offset) = (required("limit")?, required("offset")?);
                if !queried.contains(&limit) || !queried.contains(&offset) {
                    return Err(extension_error(
                        id,
                        PAGINATION,
                        "names a query parameter the operation does not have",
                    ));
                }
                Paging::Offset {
                    limit,
                    offset,
                    count: in_answer(&required("count")?)?,
                }
            }
            Some("marker") => {
                let (size, marker) = (required("size")?, required("marker")?);
                if !sent.contains(&size) || !sent.contains(&marker) {
                    return Err(extension_error(
                        id,
                        PAGINATION,
                        "names a body property the request does not have",
                    ));
                }
                Paging::Marker {
                    size,
                    marker,
                    next: in_answer(&required("next")?)?,
                    more: text("more").map(|more| in_answer(&more)).transpose()?,
                }
            }
            _ => return Err(malformed()),
        };
        let items = in_answer(&required("items")?)?;
        let item_type = match response.map(|r| &r.schema_kind) {
            Some(SchemaKind::Type(Type::Object(object))) => match object.properties.get(&items) {
                Some(ReferenceOr::Item(list)) => match &list.schema_kind {
                    SchemaKind::Type(Type::Array(array)) => match &array.items {
                        Some(ReferenceOr::Reference { reference }) => reference
                            .strip_prefix("#/components/schemas/")
                            .map(str::to_owned),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| {
            extension_error(
                id,
                PAGINATION,
                "names items that are not a list of a component schema",
            )
        })?;
        let key = required("key")?;
        let item_properties =
            properties(self.component(&format!("#/components/schemas/{item_type}")));
        if !item_properties.contains(&key) {
            return Err(extension_error(
                id,
                PAGINATION,
                "names a key the items do not have",
            ));
        }
        Ok(Pagination {
            paging: paging_kind,
            items,
            key,
            item_type,
        })
    }

    /// The rules of `schema`, found at `path` in a request body (`""` for
    /// the body itself, `bandwidth_policy[]` for the items of a list):
    /// ranges and sizes anywhere in it, and `x-oms-exactly-one-of`.
    fn body_rules(
        &self,
        id: &str,
        path: &str,
        schema: &Schema,
        rules: &mut Vec<Rule>,
        checked: &mut BTreeSet<*const Schema>,
        depth: usize,
    ) -> Result<(), Error> {
        if depth > 8 {
            return Ok(());
        }
        let at = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                if let Some(fields) = schema.schema_data.extensions.get(EXACTLY_ONE_OF) {
                    let fields: Vec<String> = fields
                        .as_array()
                        .and_then(|items| {
                            items
                                .iter()
                                .map(|i| i.as_str().map(str::to_owned))
                                .collect()
                        })
                        .filter(|fields: &Vec<String>| {
                            fields.len() >= 2
                                && fields.iter().all(|f| object.properties.contains_key(f))
                        })
                        .ok_or_else(|| {
                            extension_error(
                                id,
                                EXACTLY_ONE_OF,
                                "is not a list of two or more of the object's properties",
                            )
                        })?;
                    rules.push(Rule {
                        location: Location::Body,
                        field: path.to_owned(),
                        check: Check::ExactlyOne(fields),
                    });
                    checked.insert(schema);
                }
                for (name, property) in &object.properties {
                    let Some(property) = self.resolve_boxed(property) else {
                        continue;
                    };
                    if let Some(check) = check_of(property) {
                        rules.push(Rule {
                            location: Location::Body,
                            field: at(name),
                            check,
                        });
                    }
                    self.body_rules(id, &at(name), property, rules, checked, depth + 1)?;
                }
            }
            SchemaKind::Type(Type::Array(array)) => {
                if let Some(items) = array.items.as_ref().and_then(|i| self.resolve_boxed(i)) {
                    let items_path = format!("{path}[]");
                    if let Some(check) = check_of(items) {
                        rules.push(Rule {
                            location: Location::Body,
                            field: items_path.clone(),
                            check,
                        });
                    }
                    self.body_rules(id, &items_path, items, rules, checked, depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every replacement the `x-oms-secret` and `x-oms-open-enum`
    /// extensions ask for.
    fn replacements(&self) -> Result<Vec<Replacement>, Error> {
        let mut out = Vec::new();
        for (name, schema) in self.schemas() {
            let extensions = &schema.schema_data.extensions;
            match extensions.get(SECRET) {
                None | Some(serde_json::Value::Bool(false)) => {}
                Some(serde_json::Value::Bool(true)) => {
                    let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
                        return Err(extension_error(name, SECRET, "is not on a string schema"));
                    };
                    let max = string
                        .max_length
                        .ok_or_else(|| extension_error(name, SECRET, "needs a maxLength"))?;
                    let min = string.min_length.unwrap_or(0);
                    out.push(Replacement {
                        schema: name.clone(),
                        rust_type: format!("crate::Secret<{min}, {max}>"),
                        open_enum: None,
                    });
                }
                Some(_) => return Err(extension_error(name, SECRET, "is not a boolean")),
            }
            if let Some(target) = extensions.get(OPEN_ENUM) {
                let target = target.as_str().ok_or_else(|| {
                    extension_error(name, OPEN_ENUM, "is not the name of a schema")
                })?;
                let is_string_enum = self.schemas().any(|(other, schema)| {
                    other == target
                        && matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty())
                });
                if !is_string_enum {
                    return Err(extension_error(
                        name,
                        OPEN_ENUM,
                        "does not name a string enum of components.schemas",
                    ));
                }
                out.push(Replacement {
                    schema: name.clone(),
                    rust_type: format!("crate::OpenEnum<crate::types::{target}>"),
                    open_enum: Some(target.to_owned()),
                });
            }
        }
        Ok(out)
    }
}

/// The codes an `x-oms-codes` extension on `schema`'s property `field`
/// declares: `{name: Enum, values: [{code, name, words, final?, failure?}]}`
/// on an integer property.
fn codes_of(
    schema: &str,
    field: &str,
    property: &Schema,
    codes: &serde_json::Value,
) -> Result<Codes, Error> {
    let at = format!("{schema}.{field}");
    if !matches!(property.schema_kind, SchemaKind::Type(Type::Integer(_))) {
        return Err(extension_error(&at, CODES, "is not on an integer property"));
    }
    let malformed = || {
        extension_error(
            &at,
            CODES,
            "is not {name, values: [{code, name, words, final, failure}]}",
        )
    };
    let name = codes
        .get("name")
        .and_then(serde_json::Value::as_str)
        .filter(|name| is_rust_name(name))
        .ok_or_else(malformed)?;
    let values = codes
        .get("values")
        .and_then(serde_json::Value::as_array)
        .filter(|values| !values.is_empty())
        .ok_or_else(malformed)?;
    let flag = |value: &serde_json::Value, key: &str| match value.get(key) {
        None => Ok(false),
        Some(flag) => flag.as_bool().ok_or_else(malformed),
    };
    let mut out = Vec::new();
    for value in values {
        let code = value
            .get("code")
            .and_then(serde_json::Value::as_i64)
            .and_then(|code| i32::try_from(code).ok())
            .ok_or_else(malformed)?;
        let text = |key: &str| {
            value
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(malformed)
        };
        let variant = text("name")?;
        if !is_rust_name(&variant) || variant == "Other" {
            return Err(malformed());
        }
        out.push(Code {
            code,
            name: variant,
            words: text("words")?,
            is_final: flag(value, "final")?,
            is_failure: flag(value, "failure")?,
        });
    }
    let mut seen = BTreeSet::new();
    if !out.iter().all(|c| seen.insert(c.code)) {
        return Err(extension_error(&at, CODES, "lists a code twice"));
    }
    Ok(Codes {
        name: name.to_owned(),
        schema: schema.to_owned(),
        field: field.to_owned(),
        description: property.schema_data.description.clone().unwrap_or_default(),
        values: out,
    })
}

/// An upper-camel-case Rust identifier.
fn is_rust_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Fails on the first `x-oms-exactly-one-of` in `schema` (named `at`) or
/// in what it holds inline that no request body's rules hold: it would be
/// ignored, as the client checks it only before sending.
fn unchecked_exactly_one_of(
    at: &str,
    schema: &Schema,
    checked: &BTreeSet<*const Schema>,
) -> Result<(), Error> {
    if schema.schema_data.extensions.contains_key(EXACTLY_ONE_OF)
        && !checked.contains(&(schema as *const Schema))
    {
        return Err(extension_error(
            at,
            EXACTLY_ONE_OF,
            "is on a schema that no request body reaches (it is checked before a request is sent, and nowhere else)",
        ));
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (name, property) in &object.properties {
                if let ReferenceOr::Item(property) = property {
                    unchecked_exactly_one_of(&format!("{at}.{name}"), property, checked)?;
                }
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(items)) = &array.items {
                unchecked_exactly_one_of(&format!("{at}[]"), items, checked)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn is_secret(schema: &Schema) -> bool {
    schema.schema_data.extensions.get(SECRET) == Some(&serde_json::Value::Bool(true))
}

fn strip_defaults(schema: &mut Schema) {
    schema.schema_data.default = None;
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for property in object.properties.values_mut() {
                if let ReferenceOr::Item(property) = property {
                    strip_defaults(property);
                }
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(items)) = &mut array.items {
                strip_defaults(items);
            }
        }
        SchemaKind::AllOf { all_of: list }
        | SchemaKind::OneOf { one_of: list }
        | SchemaKind::AnyOf { any_of: list } => {
            for item in list {
                if let ReferenceOr::Item(item) = item {
                    strip_defaults(item);
                }
            }
        }
        _ => {}
    }
}

fn extension_error(at: &str, extension: &str, problem: &str) -> Error {
    Error::Extension {
        at: at.to_owned(),
        extension: extension.to_owned(),
        problem: problem.to_owned(),
    }
}

/// Checks that the extension check's reader read `tree` as serde_yaml read
/// `value`: the same mappings with the same keys in the same order, and
/// the same sequences; else the check may have missed a key.
fn same_reading(
    path: &Path,
    at: &mut Vec<extensions::Step>,
    tree: &yaml::Node,
    value: &serde_yaml::Value,
) -> Result<(), Error> {
    use serde_yaml::Value as Yaml;
    let differ = |at: &[extensions::Step]| {
        Error::Spec(format!(
            "{}: {} (line {}) is read differently by the extension check and by serde_yaml: a bug in oms-api-build, please report it",
            path.display(),
            extensions::json_path(at),
            tree.line
        ))
    };
    match (&tree.value, value) {
        (yaml::Value::Map(entries), Yaml::Mapping(mapping)) => {
            if entries.len() != mapping.len() {
                return Err(differ(at));
            }
            for (entry, (key, value)) in entries.iter().zip(mapping) {
                let key = match key {
                    Yaml::String(key) => key.clone(),
                    Yaml::Number(number) => number.to_string(),
                    Yaml::Bool(flag) => flag.to_string(),
                    _ => return Err(differ(at)),
                };
                at.push(extensions::Step::Key(entry.key.clone()));
                if key != entry.key {
                    return Err(differ(at));
                }
                same_reading(path, at, &entry.value, value)?;
                at.pop();
            }
            Ok(())
        }
        (yaml::Value::Seq(items), Yaml::Sequence(sequence)) => {
            if items.len() != sequence.len() {
                return Err(differ(at));
            }
            for (index, (item, value)) in items.iter().zip(sequence).enumerate() {
                at.push(extensions::Step::Index(index));
                same_reading(path, at, item, value)?;
                at.pop();
            }
            Ok(())
        }
        (
            yaml::Value::Scalar(_),
            Yaml::Null | Yaml::Bool(_) | Yaml::Number(_) | Yaml::String(_),
        ) => Ok(()),
        _ => Err(differ(at)),
    }
}

/// Moves each inline schema marked `x-oms-secret` or `x-oms-open-enum` (a
/// property or array items schema, at any depth, of a component schema or
/// of a request or response body: where the extension check lets them
/// stand) into components.schemas, under the name typify would give it
/// (`StartSyncTaskReqDstSecurityToken`, `...Item` for array items), and
/// refers to it from where it was: so that the generator replaces it by
/// the redacting or open type as it does a named schema.
fn hoist(api: &mut OpenAPI) -> Result<(), Error> {
    let mut hoisted = Vec::new();
    if let Some(components) = api.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            if let ReferenceOr::Item(schema) = schema {
                hoist_in(schema, name, &mut hoisted);
            }
        }
        for (name, body) in components.request_bodies.iter_mut() {
            if let ReferenceOr::Item(body) = body {
                in_bodies(name, &mut body.content, &mut hoisted);
            }
        }
        for (name, response) in components.responses.iter_mut() {
            if let ReferenceOr::Item(response) = response {
                in_bodies(name, &mut response.content, &mut hoisted);
            }
        }
    }
    for item in api.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let id = operation.operation_id.clone().unwrap_or_default();
            let request = operation
                .request_body
                .iter_mut()
                .filter_map(|body| match body {
                    ReferenceOr::Item(body) => Some((format!("{id}Body"), &mut body.content)),
                    ReferenceOr::Reference { .. } => None,
                });
            let responses = operation
                .responses
                .responses
                .values_mut()
                .filter_map(|response| match response {
                    ReferenceOr::Item(response) => {
                        Some((format!("{id}Response"), &mut response.content))
                    }
                    ReferenceOr::Reference { .. } => None,
                });
            for (name, content) in request.chain(responses) {
                in_bodies(&name, content, &mut hoisted);
            }
        }
    }
    if hoisted.is_empty() {
        return Ok(());
    }
    let schemas = &mut api.components.get_or_insert_with(Default::default).schemas;
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            return Err(Error::Spec(format!(
                "an inline schema marked {SECRET} or {OPEN_ENUM} is named {name} once moved to components.schemas, which already has one: refer to a named schema instead"
            )));
        }
        schemas.insert(name, ReferenceOr::Item(schema));
    }
    Ok(())
}

/// Hoists from the body schemas of `content`, named `name`.
fn in_bodies(name: &str, content: &mut openapiv3::Content, out: &mut Vec<(String, Schema)>) {
    for media in content.values_mut() {
        if let Some(ReferenceOr::Item(schema)) = media.schema.as_mut() {
            hoist_in(schema, name, out);
        }
    }
}

/// Hoists from the properties and items of `schema`, named `name`.
fn hoist_in(schema: &mut Schema, name: &str, out: &mut Vec<(String, Schema)>) {
    use heck::ToUpperCamelCase;
    let marked = |schema: &Schema| {
        is_secret(schema) || schema.schema_data.extensions.contains_key(OPEN_ENUM)
    };
    let reference = |name: &str| ReferenceOr::Reference {
        reference: format!("#/components/schemas/{name}"),
    };
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (property, child) in object.properties.iter_mut() {
                let ReferenceOr::Item(child) = child else {
                    continue;
                };
                let child_name = format!("{name}{}", property.to_upper_camel_case());
                if marked(child) {
                    // The property keeps its description beside the
                    // reference, as the spec writes named ones.
                    let wrapper = Schema {
                        schema_data: openapiv3::SchemaData {
                            description: child.schema_data.description.clone(),
                            ..Default::default()
                        },
                        schema_kind: SchemaKind::AllOf {
                            all_of: vec![reference(&child_name)],
                        },
                    };
                    out.push((child_name, std::mem::replace(&mut **child, wrapper)));
                } else {
                    hoist_in(child, &child_name, out);
                }
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(items)) = &mut array.items {
                let items_name = format!("{name}Item");
                if marked(items) {
                    let items = std::mem::replace(
                        &mut **items,
                        Schema {
                            schema_data: Default::default(),
                            schema_kind: SchemaKind::Any(Default::default()),
                        },
                    );
                    out.push((items_name.clone(), items));
                    array.items = Some(ReferenceOr::Reference {
                        reference: format!("#/components/schemas/{items_name}"),
                    });
                } else {
                    hoist_in(items, &items_name, out);
                }
            }
        }
        _ => {}
    }
}

/// What the generator needs from the spec.
pub(crate) struct Facts {
    /// Component schemas replaced by hand-written types.
    pub replacements: Vec<Replacement>,
    /// Every pattern of the spec, with its rule in words.
    pub patterns: BTreeMap<String, String>,
    /// Every operation, in the spec's order.
    pub operations: Vec<OperationFacts>,
    /// The names of the object properties whose values are secrets.
    pub secret_fields: BTreeSet<String>,
    /// The string enums some `x-oms-open-enum` schema opens.
    pub open_enums: BTreeSet<String>,
    /// Their values, in the spec's order.
    pub open_enum_values: BTreeMap<String, Vec<String>>,
    /// Every `x-oms-codes` property.
    pub codes: Vec<Codes>,
    /// Required properties with a `default`: the builder starts with it.
    pub defaults: Vec<FieldDefault>,
    /// Each component object schema's properties, in the spec's order.
    pub property_order: BTreeMap<String, Vec<String>>,
    /// The object schemas only answers hold (no request reaches them).
    pub response_only: BTreeSet<String>,
    /// The schemas whose `x-oms-exactly-one-of` a request body's rules
    /// hold.
    exactly_one_of_checked: BTreeSet<*const Schema>,
}

/// An integer property whose numbers are codes (`x-oms-codes`).
pub(crate) struct Codes {
    /// The enum's name.
    pub name: String,
    /// The object schema and its property.
    pub schema: String,
    pub field: String,
    /// The property's description.
    pub description: String,
    pub values: Vec<Code>,
}

/// One code.
pub(crate) struct Code {
    pub code: i32,
    /// The variant's name.
    pub name: String,
    /// What it means, in lower-case words (`waiting to start`).
    pub words: String,
    pub is_final: bool,
    pub is_failure: bool,
}

/// A required property's default, as JSON text.
pub(crate) struct FieldDefault {
    pub schema: String,
    pub field: String,
    pub json: String,
}

/// A component schema to replace by a hand-written type.
pub(crate) struct Replacement {
    pub schema: String,
    pub rust_type: String,
    /// The enum an `x-oms-open-enum` replacement opens.
    pub open_enum: Option<String>,
}

/// How a listing pages (`x-oms-pagination`).
pub(crate) struct Pagination {
    pub paging: Paging,
    /// The response property that holds a page's items.
    pub items: String,
    /// The item property that names an item.
    pub key: String,
    /// The items' component schema.
    pub item_type: String,
}

pub(crate) enum Paging {
    /// Query parameters `limit` and `offset`; the response's `count`.
    Offset {
        limit: String,
        offset: String,
        count: String,
    },
    /// Body properties `size` and `marker`; the response's `next` marker,
    /// and `more`, whether there is a next page.
    Marker {
        size: String,
        marker: String,
        next: String,
        more: Option<String>,
    },
}

/// One operation.
pub(crate) struct OperationFacts {
    /// How it pages, when it is a listing.
    pub pagination: Option<Pagination>,
    pub id: String,
    pub method: String,
    pub path: String,
    pub template: Vec<Segment>,
    pub idempotent: bool,
    pub regions: Option<Vec<String>>,
    pub success: u16,
    pub response_body: bool,
    pub rules: Vec<Rule>,
    /// The path parameters whose type is text (see [`is_text`]): their
    /// values are moved into the URL's values rather than formatted.
    pub text_params: Vec<String>,
}

impl OperationFacts {
    /// The rule on path or query parameter `name`, in words.
    pub fn parameter_rule(&self, name: &str) -> Option<String> {
        self.rules
            .iter()
            .find(|rule| !matches!(rule.location, Location::Body) && rule.field == name)
            .map(|rule| rule.check.words())
    }
}

/// A segment of a path template.
pub(crate) enum Segment {
    Literal(String),
    Param(String),
}

/// Whether `schema` is a string without an `enum` or a `format`: a `String`
/// or a newtype of one in the generated code, never an enum, a date or a
/// UUID.
fn is_text(schema: &Schema) -> bool {
    matches!(
        &schema.schema_kind,
        SchemaKind::Type(Type::String(string))
            if string.enumeration.is_empty()
                && matches!(string.format, openapiv3::VariantOrUnknownOrEmpty::Empty)
    )
}

fn template(path: &str) -> Vec<Segment> {
    path.split('/')
        .skip(1)
        .filter(|segment| !segment.is_empty())
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(segment.to_owned()),
            },
        )
        .collect()
}

/// Where a field is.
#[derive(Clone, Copy)]
pub(crate) enum Location {
    Path,
    Query,
    Body,
}

/// A rule the generated types do not enforce.
pub(crate) struct Rule {
    pub location: Location,
    pub field: String,
    pub check: Check,
}

pub(crate) enum Check {
    Range(Option<i64>, Option<i64>),
    Items(Option<usize>, Option<usize>),
    ExactlyOne(Vec<String>),
}

impl Check {
    pub fn words(&self) -> String {
        match self {
            Check::Range(min, max) => words::range(*min, *max),
            Check::Items(min, max) => words::items(*min, *max),
            Check::ExactlyOne(fields) => words::exactly_one(fields),
        }
    }
}

fn check_of(schema: &Schema) -> Option<Check> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Integer(integer))
            if integer.minimum.is_some() || integer.maximum.is_some() =>
        {
            Some(Check::Range(integer.minimum, integer.maximum))
        }
        SchemaKind::Type(Type::Array(array))
            if array.min_items.is_some() || array.max_items.is_some() =>
        {
            Some(Check::Items(array.min_items, array.max_items))
        }
        _ => None,
    }
}
