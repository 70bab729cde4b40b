//! Components precompiled when an app was installed: a read-only store the
//! host loads compiled code from without the compile cache's tag.
//!
//! Loading compiled code trusts it completely (`Component::deserialize`
//! validates nothing), so the store is trusted for what the installer is:
//! the store's folder, every folder above it, and each entry must be owned
//! by root and writable by no one else, and none of them a link. A user
//! could replace nothing in such a place without being root, and root
//! could replace the host program itself. The installed host makes the
//! entries itself (`wasmtron precompile`, run by the package's install
//! script), so their code is for this machine's CPU; the entry's name binds
//! it to the component's bytes and the engine's settings, as in the compile
//! cache. A store anywhere else (a user's unpacked archive, `/tmp`) is
//! refused, and its components are compiled as usual.

use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a store of precompiled components is not used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrecompiledError {
    /// The folder or one above it cannot be read.
    #[error("cannot use the precompiled components in {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The folder or one above it is a link, not root's, or writable by
    /// someone else than root.
    #[error(
        "the precompiled components in {} are not used: {} is {why}; only a folder that \
         root owns and alone can write, all the way up, holds code the host loads unchecked",
        dir.display(), path.display()
    )]
    NotInstalled {
        dir: PathBuf,
        path: PathBuf,
        why: &'static str,
    },
}

/// An open store of precompiled components (see the module's notes).
#[derive(Debug)]
pub struct Precompiled {
    dir: PathBuf,
}

impl Precompiled {
    /// Opens the store in `dir`, when it and every folder above it are
    /// root's alone.
    ///
    /// # Errors
    /// [`PrecompiledError`] naming the folder that is not.
    pub fn open(dir: &Path) -> Result<Self, PrecompiledError> {
        let dir = std::path::absolute(dir).map_err(|source| PrecompiledError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        for folder in dir.ancestors() {
            let meta =
                std::fs::symlink_metadata(folder).map_err(|source| PrecompiledError::Io {
                    path: folder.to_path_buf(),
                    source,
                })?;
            let why = if meta.file_type().is_symlink() {
                Some("a link")
            } else if !meta.is_dir() {
                Some("not a folder")
            } else {
                untrusted(&meta)
            };
            if let Some(why) = why {
                return Err(PrecompiledError::NotInstalled {
                    dir: dir.clone(),
                    path: folder.to_path_buf(),
                    why,
                });
            }
        }
        Ok(Precompiled { dir })
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The compiled code for `bytes`, when the store holds it as an entry
    /// root owns and alone can write.
    pub(crate) fn get(&self, bytes: &[u8], compatibility: impl std::hash::Hash) -> Option<Vec<u8>> {
        let entry = self
            .dir
            .join(super::cache::entry_name(bytes, compatibility));
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&entry);
        let mut file = match file {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
            Err(err) => {
                tracing::warn!(entry = %entry.display(), "cannot read a precompiled component ({err}); compiling");
                return None;
            }
        };
        // The open file's own owner and mode: what was checked is what is
        // read.
        let meta = file.metadata().ok()?;
        if let Some(why) = (!meta.is_file())
            .then_some("not a file")
            .or_else(|| untrusted(&meta))
        {
            tracing::warn!(entry = %entry.display(), "a precompiled component is {why}; compiling instead");
            return None;
        }
        let mut artifact = Vec::new();
        file.read_to_end(&mut artifact).ok()?;
        Some(artifact)
    }
}

/// Why a file or folder is not the installer's alone, if it is not.
fn untrusted(meta: &std::fs::Metadata) -> Option<&'static str> {
    if meta.uid() != 0 {
        Some("not owned by root")
    } else if meta.permissions().mode() & 0o022 != 0 {
        Some("writable by others than root")
    } else {
        None
    }
}

/// Writes `artifact`, compiled from `bytes` by an engine with
/// `compatibility`, into the store folder `dir` (made when missing),
/// readable by everyone and writable by its owner only.
///
/// # Errors
/// Any failure to make the folder or write the entry.
fn store(
    dir: &Path,
    bytes: &[u8],
    compatibility: impl std::hash::Hash,
    artifact: &[u8],
) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    let entry = dir.join(super::cache::entry_name(bytes, compatibility));
    let temporary = entry.with_extension("tmp");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)?;
    file.write_all(artifact)?;
    file.sync_data()?;
    std::fs::rename(&temporary, &entry)?;
    Ok(entry)
}

impl super::Engine {
    /// Compiles the component at `path` and writes its compiled code into
    /// the store folder `dir`, for an installed app's later launches
    /// (`wasmtron precompile`). Returns the entry written.
    ///
    /// # Errors
    /// [`LoadError`](super::LoadError) when the component cannot be read or
    /// compiled, or its entry cannot be written.
    pub fn precompile(&self, path: &Path, dir: &Path) -> Result<PathBuf, super::LoadError> {
        let io = |source| super::LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = super::read_component(path)?;
        let component = self.compile(path, &bytes)?;
        let artifact = component
            .serialize()
            .map_err(|err| super::LoadError::Invalid {
                path: path.to_path_buf(),
                reason: format!("cannot serialize its compiled code: {err:#}"),
            })?;
        store(
            dir,
            &bytes,
            self.wasmtime().precompile_compatibility_hash(),
            &artifact,
        )
        .map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/tmp` is writable by everyone, so nothing below it is trusted,
    /// whoever runs the test.
    #[test]
    fn a_store_below_a_folder_others_can_write_is_refused() {
        let temp = tempfile::tempdir().expect("a temp folder");
        let dir = temp.path().join("precompiled");
        std::fs::create_dir(&dir).expect("made");
        let refused = Precompiled::open(&dir);
        assert!(
            matches!(refused, Err(PrecompiledError::NotInstalled { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn a_store_reached_through_a_link_is_refused() {
        let temp = tempfile::tempdir().expect("a temp folder");
        let link = temp.path().join("link");
        std::os::unix::fs::symlink("/usr/lib", &link).expect("linked");
        let refused = Precompiled::open(&link);
        let Err(PrecompiledError::NotInstalled { path, .. }) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(path, link);
    }
}
