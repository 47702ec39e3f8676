//! What the spec says about each operation, as the client acts on it: the
//! path template, whether the operation may be repeated, where it is
//! offered, and the rules the generated types cannot enforce (integer
//! ranges, array sizes).
//!
//! The table, [`operations`](crate::operations), is generated from
//! `openapi/oms.yaml`; no fact about an operation is written by hand
//! anywhere else.
//!
//! ```
//! use oms_api::operations;
//!
//! let create = &operations::CREATE_SYNC_TASK;
//! assert_eq!(create.path_template(), "/v2/{project_id}/sync-tasks");
//! assert!(!create.is_idempotent());
//! ```

use std::fmt::Write as _;

use percent_encoding::percent_decode_str;

use crate::error::ValidationError;

/// One operation of the spec.
#[derive(Debug)]
pub struct Operation {
    /// Its place in [`operations::ALL`](crate::operations::ALL).
    pub(crate) index: usize,
    /// How it pages (`offset`, `marker`), when it is a listing.
    pub(crate) pagination: Option<&'static str>,
    /// The path template, `/v2/{project_id}/sync-tasks`.
    pub(crate) template: &'static str,
    pub(crate) id: &'static str,
    pub(crate) method: http::Method,
    pub(crate) path: &'static [Segment],
    pub(crate) idempotent: bool,
    pub(crate) regions: Option<&'static [&'static str]>,
    pub(crate) success: u16,
    pub(crate) response_body: bool,
    pub(crate) rules: &'static [Rule],
}

/// A segment of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Sent as it is.
    Literal(&'static str),
    /// A parameter's value, encoded into exactly one segment.
    Param(&'static str),
}

/// A rule of the spec that the generated types do not enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Where the field is.
    pub location: Location,
    /// The field, as the spec names it; in a body, its path: `migrate_since`,
    /// `bandwidth_policy[].max_bandwidth` (each item's), or `""` for the body
    /// itself.
    pub field: &'static str,
    /// What it must satisfy.
    pub check: Check,
    /// The rule in words (`must be 1 to 100`).
    pub words: &'static str,
}

/// Where a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path parameter.
    Path,
    /// A query parameter.
    Query,
    /// A top-level field of the JSON body.
    Body,
}

/// What a field must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// An integer within `min..=max`.
    Range {
        /// The least value allowed.
        min: Option<i64>,
        /// The greatest value allowed.
        max: Option<i64>,
    },
    /// An array of `min..=max` items.
    Items {
        /// The fewest items allowed.
        min: Option<usize>,
        /// The most items allowed.
        max: Option<usize>,
    },
    /// An object with exactly one of these properties set
    /// (`x-oms-exactly-one-of`).
    ExactlyOne(&'static [&'static str]),
}

impl Operation {
    /// The spec's `operationId`, such as `StartSyncTask`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// How the listing pages, `offset` or `marker` (the spec's
    /// `x-oms-pagination`), when the operation is a listing; its builder
    /// then has a `.stream()` of every item.
    pub fn pagination(&self) -> Option<&'static str> {
        self.pagination
    }

    /// The HTTP method.
    pub fn method(&self) -> &http::Method {
        &self.method
    }

    /// The path template, such as `/v2/{project_id}/sync-tasks`.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The path template, such as `/v2/{project_id}/sync-tasks`, made
    /// from its segments.
    pub fn path_template(&self) -> String {
        let mut path = String::new();
        for segment in self.path {
            match segment {
                Segment::Literal(text) => {
                    let _ = write!(path, "/{text}");
                }
                Segment::Param(name) => {
                    let _ = write!(path, "/{{{name}}}");
                }
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// The path template's segments.
    pub fn segments(&self) -> &'static [Segment] {
        self.path
    }

    /// Whether the operation may be sent again after it may have reached the
    /// service (`x-oms-idempotent`). Operations that may not are retried
    /// only when the request surely did not reach it.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The regions that offer the operation, when not all do
    /// (`x-oms-regions`).
    pub fn regions(&self) -> Option<&'static [&'static str]> {
        self.regions
    }

    /// Whether the region with id `region` (`cn-north-4`) offers the
    /// operation.
    pub fn is_offered_in(&self, region: &str) -> bool {
        self.regions.is_none_or(|ids| ids.contains(&region))
    }

    /// Whether a success answer carries a body.
    pub fn has_response_body(&self) -> bool {
        self.response_body
    }

    /// The rules the client checks before sending.
    pub fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    /// The most `field` (a query parameter or a body field) may be, per the
    /// spec.
    pub(crate) fn max(&self, location: Location, field: &str) -> Option<i64> {
        self.rules.iter().find_map(|rule| match rule.check {
            Check::Range { max, .. } if rule.location == location && rule.field == field => max,
            _ => None,
        })
    }

    /// The most items the spec allows in array `field`.
    pub(crate) fn max_items(&self, location: Location, field: &str) -> Option<usize> {
        self.rules.iter().find_map(|rule| match rule.check {
            Check::Items { max, .. } if rule.location == location && rule.field == field => max,
            _ => None,
        })
    }

    /// The parameter names, in the template's order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &'static str> {
        self.path.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(*name),
            Segment::Literal(_) => None,
        })
    }

    /// Checks the rules against a built request: its path `values` (in the
    /// template's order), its URL's query, its JSON body.
    pub(crate) fn check_rules(
        &self,
        values: &[String],
        url: &url::Url,
        body: Option<&[u8]>,
    ) -> Result<(), ValidationError> {
        if self.rules.is_empty() {
            return Ok(());
        }
        let mut json = None;
        for rule in self.rules {
            let broken = || ValidationError::new(rule.field, rule.words);
            match rule.location {
                Location::Path => {
                    let index = self.params().position(|name| name == rule.field);
                    if let Some(value) = index.and_then(|i| values.get(i)) {
                        check_integer(rule, value).map_err(|()| broken())?;
                    }
                }
                Location::Query => {
                    for (name, value) in url.query_pairs() {
                        if name == rule.field {
                            check_integer(rule, &value).map_err(|()| broken())?;
                        }
                    }
                }
                Location::Body => {
                    let body = json.get_or_insert_with(|| {
                        body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                    });
                    if let Some(body) = body.as_ref() {
                        check_body(rule, body)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that `url`, after the base URL's path `base_path`, has exactly
    /// the segments of the template, each parameter's segment decoding to
    /// its value: whatever encoded the URL, no value reached another path.
    pub(crate) fn check_target(
        &self,
        base_path: &str,
        url: &url::Url,
        values: &[String],
    ) -> Result<(), ValidationError> {
        let mismatch = |field: &'static str| {
            ValidationError::new(field, "does not stay in its own path segment")
        };
        let rest = url
            .path()
            .strip_prefix(base_path.trim_end_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| mismatch("request"))?;
        if self.path.is_empty() {
            return if rest.is_empty() {
                Ok(())
            } else {
                Err(mismatch("request"))
            };
        }
        let mut segments = rest.split('/');
        let mut values = values.iter();
        for expected in self.path {
            let segment = segments.next().ok_or_else(|| mismatch("request"))?;
            match expected {
                Segment::Literal(text) => {
                    if segment != *text {
                        return Err(mismatch("request"));
                    }
                }
                Segment::Param(name) => {
                    let value = values.next().ok_or_else(|| mismatch(name))?;
                    let decoded = percent_decode_str(segment).decode_utf8();
                    if segment.is_empty()
                        || segment == "."
                        || segment == ".."
                        || decoded.as_deref().ok() != Some(value.as_str())
                    {
                        return Err(mismatch(name));
                    }
                }
            }
        }
        if segments.next().is_some() || values.next().is_some() {
            return Err(mismatch("request"));
        }
        Ok(())
    }
}

/// Checks `rule` wherever its path leads in `body`; an absent or `null`
/// field is not checked (whether it is required is the types' business).
fn check_body(rule: &Rule, body: &serde_json::Value) -> Result<(), ValidationError> {
    let segments: Vec<&str> = if rule.field.is_empty() {
        Vec::new()
    } else {
        rule.field.split('.').collect()
    };
    let mut found = Vec::new();
    locate(body, &segments, String::new(), &mut found);
    for (at, value) in found {
        let holds = match (rule.check, value) {
            (_, serde_json::Value::Null) => true,
            (Check::Range { min, max }, value) => value
                .as_i64()
                .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
            (Check::Items { min, max }, serde_json::Value::Array(items)) => {
                min.is_none_or(|m| items.len() >= m) && max.is_none_or(|m| items.len() <= m)
            }
            (Check::ExactlyOne(fields), serde_json::Value::Object(object)) => {
                fields
                    .iter()
                    .filter(|f| object.get(**f).is_some_and(|v| !v.is_null()))
                    .count()
                    == 1
            }
            _ => false,
        };
        if !holds {
            let field = if at == rule.field {
                std::borrow::Cow::Borrowed(rule.field)
            } else {
                std::borrow::Cow::Owned(at)
            };
            return Err(ValidationError::new(
                if field.is_empty() {
                    "request".into()
                } else {
                    field
                },
                rule.words,
            ));
        }
    }
    Ok(())
}

/// The values at `segments` (`name`, or `name[]` for each item) below
/// `value`, with their concrete paths (`bandwidth_policy[2].max_bandwidth`).
fn locate<'v>(
    value: &'v serde_json::Value,
    segments: &[&str],
    at: String,
    found: &mut Vec<(String, &'v serde_json::Value)>,
) {
    let Some((segment, rest)) = segments.split_first() else {
        found.push((at, value));
        return;
    };
    let (name, each) = match segment.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (*segment, false),
    };
    let Some(child) = value.get(name) else {
        return;
    };
    let at = if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    };
    if !each {
        return locate(child, rest, at, found);
    }
    if let serde_json::Value::Array(items) = child {
        for (index, item) in items.iter().enumerate() {
            locate(item, rest, format!("{at}[{index}]"), found);
        }
    }
}

fn check_integer(rule: &Rule, value: &str) -> Result<(), ()> {
    let Check::Range { min, max } = rule.check else {
        return Err(());
    };
    let value: i64 = value.parse().map_err(|_| ())?;
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        return Err(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::generated::operations::{LIST_SYNC_TASKS, START_SYNC_TASK};

    fn values(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    /// The URL a careless encoder (none at all) would build.
    fn naive(base: &str, project: &str, task: &str) -> url::Url {
        url::Url::parse(&format!("{base}/v2/{project}/sync-tasks/{task}/start")).unwrap()
    }

    #[test]
    fn accepts_the_template_with_each_value_in_its_segment() {
        let ok = naive("https://h", "p", "a%2Fb");
        assert!(
            START_SYNC_TASK
                .check_target("/", &ok, &values(&["p", "a/b"]))
                .is_ok()
        );
        let stem = naive("https://h/oms", "p", "t");
        assert!(
            START_SYNC_TASK
                .check_target("/oms", &stem, &values(&["p", "t"]))
                .is_ok()
        );
        let list = url::Url::parse("https://h/v2/p/sync-tasks?limit=1").unwrap();
        assert!(list_target_ok(&list));
    }

    fn list_target_ok(url: &url::Url) -> bool {
        LIST_SYNC_TASKS
            .check_target("/", url, &values(&["p"]))
            .is_ok()
    }

    #[test]
    fn refuses_whatever_a_careless_encoder_lets_through() {
        for (project, task) in [
            ("p", r"..\..\victim\sync-tasks\t"),
            ("p", "../../victim/sync-tasks/t"),
            ("p", ".."),
            ("p", "."),
            ("p", ""),
            (r"x\..\..\evil", "t"),
            ("p", "t/extra"),
            ("p", "a%2Fb"),
        ] {
            let url = naive("https://h", project, task);
            let error = START_SYNC_TASK
                .check_target("/", &url, &values(&[project, task]))
                .unwrap_err();
            assert_eq!(
                error.rule(),
                "does not stay in its own path segment",
                "{project} {task}: {url}"
            );
        }
        let elsewhere = url::Url::parse("https://h/v2/p/other").unwrap();
        assert!(!list_target_ok(&elsewhere));
        let outside_stem = naive("https://h", "p", "t");
        assert!(
            START_SYNC_TASK
                .check_target("/oms", &outside_stem, &values(&["p", "t"]))
                .is_err()
        );
    }
}
