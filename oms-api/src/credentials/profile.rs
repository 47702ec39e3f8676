//! The profile file, `~/.huaweicloud/credentials`: read as data (a regular
//! file, bounded, values literal) into credentials.

use std::path::Path;

use super::{Credentials, keys, with_project_id};
use crate::error::ConfigError;

/// The largest profile file read.
pub const MAX_PROFILE_FILE: u64 = 64 * 1024;

/// Credentials from the `[basic]` section of an INI profile file, and its
/// `iam_endpoint` if any. Values are read literally: `\` and quotes are part of a value, as the official
/// SDKs read them.
pub(super) fn credentials(
    path: &Path,
    required: bool,
) -> Result<Option<(Credentials, Option<String>)>, ConfigError> {
    let origin = format!("profile file {}", path.display());
    let Some(text) = crate::files::read_text(path, &origin, required, MAX_PROFILE_FILE)? else {
        return Ok(None);
    };
    let literal = ini::ParseOption {
        enabled_quote: false,
        enabled_escape: false,
        ..ini::ParseOption::default()
    };
    let invalid = |line: usize, column: usize| {
        ConfigError::new(
            origin.as_str(),
            "file",
            format!("is not valid INI (line {line}, column {column})"),
        )
    };
    // The parser notices an unclosed section header only at the end of the
    // file; name the header's own line.
    if let Some(line) = text
        .lines()
        .position(|line| line.trim_start().starts_with('[') && !line.contains(']'))
    {
        return Err(invalid(line + 1, 1));
    }
    // The parser's message may quote the file, which holds secrets: keep
    // only the position.
    let ini = ini::Ini::load_from_str_opt(&text, literal).map_err(|e| invalid(e.line, e.col))?;
    let section = ini
        .section(Some("basic"))
        .ok_or_else(|| ConfigError::new(origin.as_str(), "[basic]", "section is missing"))?;
    let value = |key: &'static str| {
        section
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (key, v))
    };
    let (Some(ak), Some(sk)) = (value("ak"), value("sk")) else {
        let missing = if value("ak").is_none() { "ak" } else { "sk" };
        return Err(ConfigError::new(
            origin,
            format!("[basic] {missing}"),
            "is missing",
        ));
    };
    let credentials = keys(&origin, ak, sk, value("security_token"))?;
    let iam_endpoint = value("iam_endpoint").map(|(_, url)| url.to_owned());
    let credentials = with_project_id(credentials, &origin, value("project_id"))?;
    Ok(Some((credentials, iam_endpoint)))
}
