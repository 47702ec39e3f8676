//! The profile file, `~/.huaweicloud/credentials`: read as data (a regular
//! file, bounded, values literal) into credentials.

use std::path::Path;

use super::{Credentials, keys, with_project_id};
use crate::error::ConfigError;

/// The largest profile file read.
pub const MAX_PROFILE_FILE: u64 = 64 * 1024;

/// The text of the profile file at `path`: a regular file of at most
/// [`MAX_PROFILE_FILE`] bytes of UTF-8 (`None` when it does not exist and
/// is not `required`). A FIFO, a device or a directory is refused without
/// being read, so that nothing blocks or fills memory.
fn read_profile(path: &Path, origin: &str, required: bool) -> Result<Option<String>, ConfigError> {
    use std::io::Read as _;
    let problem = |problem: String| ConfigError::new(origin, "file", problem);
    let unreadable = |e: std::io::Error| problem(format!("cannot be read ({})", e.kind()));
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    if !metadata.is_file() {
        return Err(problem("is not a regular file".to_owned()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Should the path be swapped for a FIFO after the check above, opening
    // it must not wait for a writer.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(unreadable)?;
    if !file.metadata().map_err(unreadable)?.is_file() {
        return Err(problem("is not a regular file".to_owned()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_PROFILE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PROFILE_FILE {
        return Err(problem(format!(
            "is larger than {} KiB",
            MAX_PROFILE_FILE / 1024
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| problem("is not UTF-8 text".to_owned()))
}

/// Credentials from the `[basic]` section of an INI profile file. Values
/// are read literally: `\` and quotes are part of a value, as the official
/// SDKs read them.
pub(super) fn credentials(path: &Path, required: bool) -> Result<Option<Credentials>, ConfigError> {
    let origin = format!("profile file {}", path.display());
    let Some(text) = read_profile(path, &origin, required)? else {
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
    with_project_id(credentials, &origin, value("project_id")).map(Some)
}
