//! The app author's tools: `wasmtron new`, `build`, `dev` and `bundle`, working
//! from the installed program alone, outside this repository. The guest
//! SDK and the WIT package are embedded in the program ([`sdk`]); templates
//! are too ([`new`]).

pub mod build;
pub mod bundle;
pub mod commands;
pub mod dev;
pub mod new;
pub mod sdk;

use std::path::{Path, PathBuf};

/// Why a tool failed. Each message names what failed: the component, the
/// file, the command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The request itself cannot be met (a bad name, a folder in the way).
    #[error("{0}")]
    Refused(String),
    /// A file or folder could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A program the tool runs (cargo, dpkg-deb, tar) failed or is missing.
    #[error("{0}")]
    Command(String),
    /// The app's components do not pass `wasmtron check`.
    #[error("the check refused the app:\n{0}")]
    Check(String),
}

/// An I/O error on `path` as a [`ToolError`].
pub(crate) fn io_at(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ToolError {
    let path = path.to_path_buf();
    move |source| ToolError::Io { what, path, source }
}

/// Writes `contents` to `path`, making its folder first.
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), ToolError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_at("cannot make the folder", parent))?;
    }
    std::fs::write(path, contents).map_err(io_at("cannot write", path))
}

/// Runs `command`, its output going to this process's own; fails with
/// `what` and the exit status when it does.
pub(crate) fn run(command: &mut std::process::Command, what: &str) -> Result<(), ToolError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let status = command
        .status()
        .map_err(|err| ToolError::Command(format!("{what}: cannot run `{program}`: {err}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(ToolError::Command(format!(
            "{what}: `{program}` failed ({status})"
        )))
    }
}
