//! Reading the files an app names (its manifest, components, page assets):
//! regular files only, and never more than a cap. A FIFO, a device such as
//! `/dev/zero`, or a file far larger than its kind can be is refused by
//! name before anything is read, so that a hostile app folder can neither
//! hang the host nor make it allocate without bound.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("`{}` holds {size} bytes, over the {limit}-byte limit for {what}", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        what: &'static str,
    },
}

/// A regular file, opened without blocking (opening a FIFO for reading
/// would wait for a writer) and checked to be one on the open descriptor,
/// so that a file swapped after a check is still caught; with its size.
///
/// # Errors
/// [`FileError::Io`] or [`FileError::NotAFile`].
pub fn open_regular(path: &Path) -> Result<(File, u64), FileError> {
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        // Not blocking on a FIFO, and never taking a terminal as the host's
        // controlling one.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(FileError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    Ok((file, metadata.len()))
}

/// Reads a regular file of at most `limit` bytes (`what` names the kind of
/// file in the error). A file that grows while it is read is cut at
/// `limit + 1` bytes and refused.
///
/// # Errors
/// [`FileError`] naming the file.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let (file, size) = open_regular(path)?;
    read_opened(path, file, size, limit, what)
}

/// [`read_bounded`] on a file [`open_regular`] opened (and perhaps read the
/// start of): what is left of it, within `limit` bytes in all.
///
/// # Errors
/// [`FileError`] naming the file.
pub fn read_opened(
    path: &Path,
    file: File,
    size: u64,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, FileError> {
    let too_large = |size| FileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
        what,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_folders_are_not_read() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        for path in [Path::new("/dev/zero"), &fifo, dir.path()] {
            let refused = read_bounded(path, 1024, "a test").expect_err("refused");
            assert!(matches!(refused, FileError::NotAFile { .. }), "{refused}");
        }
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("big");
        // Sparse: 3 GiB said, nothing written.
        File::create(&path)
            .and_then(|f| f.set_len(3 << 30))
            .expect("a sparse file");
        let refused = read_bounded(&path, 1 << 20, "a test").expect_err("refused");
        assert!(
            refused
                .to_string()
                .contains("over the 1048576-byte limit for a test"),
            "{refused}"
        );
        std::fs::write(&path, b"small").expect("written");
        assert_eq!(read_bounded(&path, 5, "a test").expect("read"), b"small");
    }
}
