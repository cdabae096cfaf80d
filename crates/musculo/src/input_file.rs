//! The one way an input file is read (the model here; the CLI's controller, scenario and
//! OpenSim files too): regular files only, up to a size limit, so that a path naming a device
//! (`/dev/zero` never ends), a FIFO (blocks until a writer comes) or a directory is a clear
//! error instead of unbounded memory or a hang.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Largest RON file accepted (model, controller, scenario) \[bytes\]: 16 MiB, some 300 times
/// the built-in adult model, so only a wrong path reaches it.
pub const MAX_RON_BYTES: u64 = 16 * 1024 * 1024;

/// Why an input file could not be read. The caller names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed (no such file, no permission, not UTF-8 text, ...).
    #[error("{reason}")]
    Io {
        /// The operating system's error kind.
        kind: std::io::ErrorKind,
        /// Its message.
        reason: String,
    },
    /// The path names a directory, FIFO, device or socket.
    #[error("it is {what}, not a regular file")]
    NotRegular {
        /// What it is, e.g. `a FIFO (named pipe)`.
        what: &'static str,
    },
    /// The file is larger than the limit.
    #[error("{bytes} bytes, more than the {limit} bytes accepted for this file")]
    TooLarge {
        /// Its size (or, for a file that grew while it was read, the bytes read).
        bytes: u64,
        /// The limit.
        limit: u64,
    },
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        Self::Io {
            kind: e.kind(),
            reason: e.to_string(),
        }
    }
}

/// Reads a UTF-8 text file of at most `limit` bytes.
///
/// The file type is checked before the file is opened, because opening a FIFO blocks until a
/// writer appears; it is checked again on the opened file (the path may have changed in
/// between), and the read stops after `limit + 1` bytes whatever the size claimed.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    check(&std::fs::metadata(path)?, limit)?;
    let file = File::open(path)?;
    check(&file.metadata()?, limit)?;
    let mut text = String::new();
    let read = file
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)? as u64;
    if read > limit {
        return Err(ReadError::TooLarge { bytes: read, limit });
    }
    Ok(text)
}

/// A regular file within the limit.
fn check(meta: &Metadata, limit: u64) -> Result<(), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular {
            what: describe(meta),
        });
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            bytes: meta.len(),
            limit,
        });
    }
    Ok(())
}

/// What kind of file a non-regular path names.
fn describe(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("musculo-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_a_file_within_the_limit_and_refuses_one_over_it() {
        let p = temp("five.ron", "12345");
        assert_eq!(read_text(&p, 5).unwrap(), "12345");
        assert_eq!(
            read_text(&p, 4).unwrap_err(),
            ReadError::TooLarge { bytes: 5, limit: 4 }
        );
    }

    #[test]
    fn a_directory_and_a_missing_file_are_errors() {
        let p = temp("x.ron", "");
        let e = read_text(p.parent().unwrap(), MAX_RON_BYTES).unwrap_err();
        assert_eq!(e.to_string(), "it is a directory, not a regular file");
        let e = read_text(&p.with_file_name("nope.ron"), MAX_RON_BYTES).unwrap_err();
        assert!(
            matches!(e, ReadError::Io { kind, .. } if kind == std::io::ErrorKind::NotFound),
            "{e}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_endless_device_is_refused_before_reading() {
        let e = read_text(Path::new("/dev/zero"), MAX_RON_BYTES).unwrap_err();
        assert_eq!(
            e,
            ReadError::NotRegular {
                what: "a character device"
            }
        );
    }
}
