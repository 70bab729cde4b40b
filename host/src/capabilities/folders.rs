//! Where an app's per-user folders are on this machine, made on first use
//! with private permissions, and granted to the components the manifest
//! names ([`crate::manifest::folders`]).
//!
//! The folders follow the XDG base directories, named by the app's id:
//!
//! | folder | on the machine | component opens it as |
//! |---|---|---|
//! | data | `$XDG_DATA_HOME/ID/data` (`~/.local/share/ID/data`) | `/data` |
//! | cache | `$XDG_CACHE_HOME/ID` (`~/.cache/ID`) | `/cache` |
//! | config | `$XDG_CONFIG_HOME/ID` (`~/.config/ID`) | `/config` |
//!
//! Web views that keep their storage keep it in `$XDG_DATA_HOME/ID/web`,
//! beside the data folder and never inside it: a component granted its
//! data folder cannot read the page's cookies.

use std::path::{Path, PathBuf};

use crate::manifest::{AppFolder, Importer, Manifest};
use wasmtron_wire::DirGrant;

/// Why a folder of the app's cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// The manifest gives the app no `id`.
    #[error("the app has no `app.id`, so it has no folders of its own")]
    NoAppId,
    /// Neither the XDG variable nor `HOME` says where the folder goes.
    #[error("cannot tell where the app's {folder} folder goes: {why}")]
    NoBase { folder: &'static str, why: String },
    /// It could not be made or opened.
    #[error("cannot make the app's {folder} folder `{}`: {source}", path.display())]
    Io {
        folder: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// It lies inside the app folder, or holds it, where writing to it
    /// could change the app's own components or pages.
    #[error("the app's {folder} folder `{}` and the app folder lie one inside the other", path.display())]
    InsideApp { folder: &'static str, path: PathBuf },
    /// Two of the app's folders lie one inside the other (an XDG variable
    /// set to another's value): a grant of one would reach the other.
    #[error("the app's {a} folder `{}` and its {b} folder lie one inside the other", path.display())]
    Overlapping {
        a: &'static str,
        b: &'static str,
        path: PathBuf,
    },
    /// It exists already but is a symlink, or is not the user's own, or
    /// others may write to it: someone else could choose what it holds.
    #[error("the app's {folder} folder `{}` is not safe to grant: {why}", path.display())]
    Unsafe {
        folder: &'static str,
        path: PathBuf,
        why: String,
    },
}

/// The per-user folders of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    data: PathBuf,
    cache: PathBuf,
    config: PathBuf,
    web: PathBuf,
}

impl AppPaths {
    /// The folders of the app `id` by this process's environment.
    ///
    /// # Errors
    /// [`FolderError::NoBase`] when neither an XDG variable nor `HOME` is
    /// an absolute path.
    pub fn of(id: &str) -> Result<Self, FolderError> {
        Self::with_env(id, |name| std::env::var_os(name))
    }

    /// [`AppPaths::of`] with the environment given.
    ///
    /// # Errors
    /// As [`AppPaths::of`].
    pub fn with_env(
        id: &str,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, FolderError> {
        // The specification: a variable that is unset, empty or relative is
        // ignored, and the default under `HOME` is used.
        let base = |variable: &str, default: &str, folder: &'static str| {
            if let Some(dir) = env(variable).map(PathBuf::from)
                && dir.is_absolute()
            {
                return Ok(dir);
            }
            match env("HOME").map(PathBuf::from) {
                Some(home) if home.is_absolute() => Ok(home.join(default)),
                _ => Err(FolderError::NoBase {
                    folder,
                    why: format!("neither {variable} nor HOME is an absolute path"),
                }),
            }
        };
        let data_home = base("XDG_DATA_HOME", ".local/share", "data")?;
        let paths = AppPaths {
            data: data_home.join(id).join("data"),
            web: data_home.join(id).join("web"),
            cache: base("XDG_CACHE_HOME", ".cache", "cache")?.join(id),
            config: base("XDG_CONFIG_HOME", ".config", "config")?.join(id),
        };
        let named = [
            ("data", &paths.data),
            ("web storage", &paths.web),
            ("cache", &paths.cache),
            ("config", &paths.config),
        ];
        for (i, (a, one)) in named.iter().enumerate() {
            for (b, other) in &named[i + 1..] {
                if one.starts_with(other) || other.starts_with(one) {
                    return Err(FolderError::Overlapping {
                        a,
                        b,
                        path: (*one).clone(),
                    });
                }
            }
        }
        Ok(paths)
    }

    /// Where `folder` is, whether it exists yet or not.
    #[must_use]
    pub fn path(&self, folder: AppFolder) -> &Path {
        match folder {
            AppFolder::Data => &self.data,
            AppFolder::Cache => &self.cache,
            AppFolder::Config => &self.config,
        }
    }

    /// Where web views keep persistent storage, a folder per window,
    /// whether it exists yet or not.
    #[must_use]
    pub fn web_folder(&self) -> &Path {
        &self.web
    }

    /// `folder`, made if missing (readable by its owner alone), outside
    /// `app_root`.
    ///
    /// # Errors
    /// [`FolderError::Io`] when it cannot be made or resolved,
    /// [`FolderError::InsideApp`] when it lies inside `app_root`.
    pub fn ensure(&self, folder: AppFolder, app_root: &Path) -> Result<PathBuf, FolderError> {
        make_private(self.path(folder), folder.name(), app_root)
    }

    /// The folder the web views of windows with persistent storage keep it
    /// in, made if missing.
    ///
    /// # Errors
    /// As [`AppPaths::ensure`].
    pub fn web_storage(&self, app_root: &Path) -> Result<PathBuf, FolderError> {
        make_private(&self.web, "web storage", app_root)
    }
}

/// Makes `path` (and its missing parents) with mode 0700, as the XDG
/// specification asks of the base folders too, and resolves it. One that
/// exists already must be a folder of the user's own, not a symlink, that
/// nobody else may write to.
fn make_private(
    path: &Path,
    folder: &'static str,
    app_root: &Path,
) -> Result<PathBuf, FolderError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let failed = |source| FolderError::Io {
        folder,
        path: path.to_path_buf(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(failed)?;
    let unsafe_because = |why: String| FolderError::Unsafe {
        folder,
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::symlink_metadata(path).map_err(failed)?;
    if !meta.is_dir() {
        return Err(unsafe_because("it is a symlink or not a folder".into()));
    }
    let me = rustix::process::getuid().as_raw();
    if meta.uid() != me {
        return Err(unsafe_because(format!(
            "it belongs to user {}, not to this user ({me})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_because(format!(
            "others may write to it (mode {:o})",
            meta.mode() & 0o777
        )));
    }
    let resolved = path.canonicalize().map_err(failed)?;
    if resolved.starts_with(app_root) || app_root.starts_with(&resolved) {
        return Err(FolderError::InsideApp {
            folder,
            path: resolved,
        });
    }
    Ok(resolved)
}

/// Where the app's folders are for one run: `given` (an embedder's or a
/// test's choice), else by the environment and the manifest's id; `Err`
/// says why there are none.
pub fn resolve(manifest: &Manifest, given: Option<AppPaths>) -> Result<AppPaths, String> {
    match (given, &manifest.id) {
        (Some(paths), _) => Ok(paths),
        (None, Some(id)) => AppPaths::of(id).map_err(|err| err.to_string()),
        (None, None) => Err(FolderError::NoAppId.to_string()),
    }
}

/// The app's folders the manifest grants `importer`, made if missing, as
/// WASI grants under their fixed names ([`AppFolder::guest_path`]).
///
/// # Errors
/// When folders are granted but cannot be made, the reason.
pub fn grants(
    manifest: &Manifest,
    paths: &Result<AppPaths, String>,
    importer: &Importer,
) -> Result<Vec<DirGrant>, String> {
    let granted = manifest.app_folders(importer);
    if granted.is_empty() {
        return Ok(Vec::new());
    }
    let paths = paths.as_ref().map_err(Clone::clone)?;
    granted
        .iter()
        .map(|grant| {
            Ok(DirGrant {
                host: paths
                    .ensure(grant.folder, &manifest.root)
                    .map_err(|err| err.to_string())?,
                guest: grant.folder.guest_path().to_owned(),
                writable: grant.writable,
            })
        })
        .collect()
}

/// The folder the app's web views keep their storage in, made if missing:
/// none unless a window asks for `persistent-storage`.
///
/// # Errors
/// When it cannot be made, the reason.
pub fn web_storage(
    manifest: &Manifest,
    paths: &Result<AppPaths, String>,
) -> Result<Option<PathBuf>, String> {
    if !manifest.windows.iter().any(|w| w.persistent_storage) {
        return Ok(None);
    }
    let paths = paths.as_ref().map_err(Clone::clone)?;
    paths
        .web_storage(&manifest.root)
        .map(Some)
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).into())
        }
    }

    #[test]
    fn folders_follow_the_xdg_variables_and_fall_back_to_home() {
        let paths = AppPaths::with_env(
            "org.example.notes",
            env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/var/c")]),
        )
        .expect("paths");
        assert_eq!(
            paths.path(AppFolder::Data),
            Path::new("/home/u/.local/share/org.example.notes/data")
        );
        assert_eq!(
            paths.path(AppFolder::Cache),
            Path::new("/var/c/org.example.notes")
        );
        assert_eq!(
            paths.path(AppFolder::Config),
            Path::new("/home/u/.config/org.example.notes")
        );
        // A relative variable is ignored, as the specification says.
        let relative = AppPaths::with_env(
            "a.b",
            env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "relative/dir")]),
        )
        .expect("paths");
        assert_eq!(
            relative.path(AppFolder::Config),
            Path::new("/h/.config/a.b")
        );
        let homeless = AppPaths::with_env("a.b", env(&[("HOME", "rel")]));
        assert!(
            matches!(homeless, Err(FolderError::NoBase { folder: "data", .. })),
            "{homeless:?}"
        );
    }

    #[test]
    fn folders_are_made_private_and_never_inside_the_app() {
        let home = tempfile::tempdir().expect("temp");
        let app = tempfile::tempdir().expect("temp");
        let home_text = home.path().to_str().expect("utf-8");
        let paths = AppPaths::with_env("a.b", env(&[("HOME", home_text)])).expect("paths");
        let data = paths.ensure(AppFolder::Data, app.path()).expect("made");
        let mode = std::fs::metadata(&data).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let inside = app.path().to_str().expect("utf-8");
        let paths = AppPaths::with_env("a.b", env(&[("HOME", "/h"), ("XDG_DATA_HOME", inside)]))
            .expect("paths");
        let root = app.path().canonicalize().expect("root");
        assert!(matches!(
            paths.ensure(AppFolder::Data, &root),
            Err(FolderError::InsideApp { .. })
        ));
        // A folder planted as a symlink, or open to others, is refused.
        let paths = AppPaths::with_env("c.d", env(&[("HOME", home_text)])).expect("paths");
        let cache = paths.path(AppFolder::Cache).to_path_buf();
        std::fs::create_dir_all(cache.parent().expect("a parent")).expect("made");
        std::os::unix::fs::symlink(home.path(), &cache).expect("a symlink");
        let planted = paths.ensure(AppFolder::Cache, app.path());
        assert!(
            matches!(planted, Err(FolderError::Unsafe { .. })),
            "{planted:?}"
        );
        let config = paths.path(AppFolder::Config).to_path_buf();
        std::fs::create_dir_all(&config).expect("made");
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        assert!(matches!(
            paths.ensure(AppFolder::Config, app.path()),
            Err(FolderError::Unsafe { .. })
        ));
        // Folders one inside another are refused outright.
        let same = AppPaths::with_env(
            "a.b",
            env(&[
                ("HOME", "/h"),
                ("XDG_CACHE_HOME", "/x"),
                ("XDG_DATA_HOME", "/x"),
            ]),
        );
        assert!(
            matches!(same, Err(FolderError::Overlapping { .. })),
            "{same:?}"
        );
    }
}
