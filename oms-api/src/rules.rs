//! The spec's rules that the generated types cannot enforce — integer
//! ranges of query parameters and body fields, and the number of items of
//! body arrays — checked by the client before a request is sent.
//!
//! The table, [`SPEC_RULES`], is generated from `openapi/oms.yaml`.

use crate::error::ValidationError;
pub use crate::generated::SPEC_RULES;

/// One rule of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The operation, as progenitor names it (`list_sync_tasks`).
    pub operation: &'static str,
    /// Where the field is.
    pub location: Location,
    /// The field, as the spec names it.
    pub field: &'static str,
    /// What it must satisfy.
    pub check: Check,
}

/// Where a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
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
}

/// Checks `request`, built for `operation`, against every rule of the table.
pub(crate) fn check(operation: &str, request: &reqwest::Request) -> Result<(), ValidationError> {
    let mut rules = SPEC_RULES
        .iter()
        .filter(|rule| rule.operation == operation)
        .peekable();
    if rules.peek().is_none() {
        return Ok(());
    }
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(bytes).ok());
    for rule in rules {
        let broken = |rule_text: String| ValidationError::new(rule.field, rule_text);
        match rule.location {
            Location::Query => {
                for (name, value) in request.url().query_pairs() {
                    if name == rule.field {
                        let number = value
                            .parse::<i64>()
                            .map_err(|_| broken("is not an integer".to_owned()))?;
                        rule.check.integer(number).map_err(broken)?;
                    }
                }
            }
            Location::Body => match body.as_ref().and_then(|b| b.get(rule.field)) {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Array(items)) => {
                    rule.check.items(items.len()).map_err(broken)?
                }
                Some(value) => {
                    let number = value
                        .as_i64()
                        .ok_or_else(|| broken("is not an integer".to_owned()))?;
                    rule.check.integer(number).map_err(broken)?;
                }
            },
        }
    }
    Ok(())
}

impl Check {
    fn integer(&self, value: i64) -> Result<(), String> {
        match *self {
            Check::Range { min: Some(min), .. } if value < min => Err(format!("less than {min}")),
            Check::Range { max: Some(max), .. } if value > max => {
                Err(format!("greater than {max}"))
            }
            Check::Range { .. } => Ok(()),
            Check::Items { .. } => Err("is not an array".to_owned()),
        }
    }

    fn items(&self, count: usize) -> Result<(), String> {
        match *self {
            Check::Items { min: Some(min), .. } if count < min => {
                Err(format!("has fewer than {min} items"))
            }
            Check::Items { max: Some(max), .. } if count > max => {
                Err(format!("has more than {max} items"))
            }
            Check::Items { .. } => Ok(()),
            Check::Range { .. } => Err("is not an integer".to_owned()),
        }
    }
}
