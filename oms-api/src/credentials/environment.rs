//! A snapshot of environment variables, read once, so that a client's
//! configuration does not change under it and tests need not touch the
//! process environment.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;

use crate::error::ConfigError;

/// A snapshot of environment variables, read once. Its `Debug` lists no
/// values (some are secrets).
///
/// A variable whose value is not UTF-8 cannot be read: the client's
/// lookups of it fail with an error naming it (rather than acting as if it
/// were not set), and [`get`](Self::get) gives `None`.
#[derive(Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    /// Set, with a value that is not UTF-8.
    unreadable: BTreeSet<String>,
}

impl Environment {
    /// The variables of this process.
    pub fn process() -> Self {
        Self::from_os_pairs(std::env::vars_os())
    }

    /// These variables only: for tests, or to configure without touching
    /// the process environment.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            unreadable: BTreeSet::new(),
        }
    }

    /// These variables, as the operating system gives them: a value that is
    /// not UTF-8 is remembered as unreadable (see the type's
    /// documentation); a name that is not UTF-8 is none the client reads.
    pub fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut environment = Self::default();
        for (name, value) in pairs {
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    environment.vars.insert(name, value);
                }
                Err(_) => {
                    environment.unreadable.insert(name);
                }
            }
        }
        environment
    }

    /// A variable's value; an empty or unreadable value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A variable's value as the client reads it: `None` when unset or
    /// empty, an error naming it when its value is not UTF-8.
    pub(crate) fn var(&self, name: &str) -> Result<Option<&str>, ConfigError> {
        if self.unreadable.contains(name) {
            return Err(ConfigError::new(
                "environment",
                name,
                "is set to a value that is not UTF-8",
            ));
        }
        Ok(self.get(name))
    }

    /// Whether the variable is set to the empty string.
    pub(crate) fn is_empty(&self, name: &str) -> bool {
        self.vars.get(name).is_some_and(String::is_empty)
    }

    /// The first of `names` that is set, with its name.
    pub(crate) fn first<'a>(
        &self,
        names: &[&'a str],
    ) -> Result<Option<(&'a str, &str)>, ConfigError> {
        for name in names {
            if let Some(value) = self.var(name)? {
                return Ok(Some((*name, value)));
            }
        }
        Ok(None)
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Environment({} variables)", self.vars.len())
    }
}
