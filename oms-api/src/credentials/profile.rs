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
    let invalid = |line: usize, problem: &str| {
        ConfigError::new(
            origin.as_str(),
            "file",
            format!("is not valid INI (line {line}, {problem})"),
        )
    };
    let section = basic_section(&text).map_err(|(line, problem)| invalid(line, problem))?;
    let section = section
        .ok_or_else(|| ConfigError::new(origin.as_str(), "[basic]", "section is missing"))?;
    let value = |key: &'static str| {
        section
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value.trim())
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

/// A section's keys and values, in the file's order.
type Section<'a> = Vec<(&'a str, &'a str)>;

/// The keys and values of the file's `[basic]` section, `None` without one;
/// or the line of the first fault and what it is (never quoting the line,
/// which may hold a secret).
///
/// The INI the official SDKs read: `[section]` headers, `key = value` or
/// `key: value` lines, whole-line comments after `;` or `#`, blank lines.
/// Names are trimmed; a value is the rest of its line, trimmed and
/// otherwise literal (quotes and `\` are part of it). A key given twice in
/// `[basic]`, or `[basic]` given twice, is a fault: which one an SDK would
/// take differs between them.
fn basic_section(text: &str) -> Result<Option<Section<'_>>, (usize, &'static str)> {
    let mut basic: Option<Section<'_>> = None;
    let mut in_basic = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let (name, rest) = header
                .split_once(']')
                .ok_or((number, "a section header without `]`"))?;
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with([';', '#']) {
                return Err((number, "text after a section header"));
            }
            let name = name.trim();
            in_basic = name == "basic";
            if in_basic {
                if basic.is_some() {
                    return Err((number, "the section [basic] a second time"));
                }
                basic = Some(Vec::new());
            }
            continue;
        }
        let (key, value) = line
            .split_once(['=', ':'])
            .ok_or((number, "neither a [section] nor a key = value"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err((number, "a value without a key"));
        }
        if let (true, Some(entries)) = (in_basic, basic.as_mut()) {
            if entries.iter().any(|(seen, _)| *seen == key) {
                return Err((number, "a key of [basic] a second time"));
            }
            entries.push((key, value.trim()));
        }
    }
    Ok(basic)
}

#[cfg(test)]
mod tests {
    use super::basic_section;

    #[test]
    fn reads_the_basic_section_literally() {
        let text = "; comment\ntop = 1\n[other]\nak = X\n[ basic ] ; the keys\n# c\nak = A\nsk: \"s\\k\" \n\n[after]\nak = Y\n";
        assert_eq!(
            basic_section(text),
            Ok(Some(vec![("ak", "A"), ("sk", "\"s\\k\"")]))
        );
        assert_eq!(basic_section("[other]\nak = A\n"), Ok(None));
        // The first separator splits: a value may hold `=` and `:`.
        assert_eq!(
            basic_section("[basic]\niam_endpoint = https://iam:443/?a=b\n"),
            Ok(Some(vec![("iam_endpoint", "https://iam:443/?a=b")]))
        );
    }

    #[test]
    fn faults_name_their_line() {
        for (text, line) in [
            ("[basic]\nak = A\n[unclosed\nsk = s\n", 3),
            ("[basic]\nak A\n", 2),
            ("[basic]\n= A\n", 2),
            ("[basic]\nak = A\nak = B\n", 3),
            ("[basic]\nak = A\n[x]\n[basic]\n", 4),
            ("[basic] x\n", 1),
        ] {
            assert_eq!(basic_section(text).map_err(|(n, _)| n), Err(line), "{text}");
        }
    }
}
