//! Configuration files (the profile file, the regions file), read as data:
//! regular files only, bounded, UTF-8.

use std::path::Path;

use crate::error::ConfigError;

/// The text of the configuration file at `path`: a regular file of at
/// most `max` bytes of UTF-8 (`None` when it does not exist and
/// is not `required`). A FIFO, a device or a directory is refused without
/// being read, so that nothing blocks or fills memory.
pub(crate) fn read_text(
    path: &Path,
    origin: &str,
    required: bool,
    max: u64,
) -> Result<Option<String>, ConfigError> {
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
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max {
        return Err(problem(format!("is larger than {} KiB", max / 1024)));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| problem("is not UTF-8 text".to_owned()))
}
