//! The app's own per-user folders (`[app] id`, and `app-folders` per
//! component): which ones a component is granted and how, checked here;
//! where they are on a machine is the host's business
//! (`wasmtron::capabilities::folders`).
//!
//! ```toml
//! [app]
//! name = "notes"
//! id = "org.example.notes"
//!
//! [main]
//! component = "dist/main.wasm"
//! app-folders = { data = "read-write", config = "read-only" }
//! ```

use std::collections::BTreeMap;

/// One of an app's per-user folders, after the XDG base directories
/// (Electron's `app.getPath('userData')`, `'cache'`, and the config folder
/// Electron folds into `userData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppFolder {
    /// What the app keeps: `$XDG_DATA_HOME/ID/data`.
    Data,
    /// What the app can make again: `$XDG_CACHE_HOME/ID`.
    Cache,
    /// The user's settings for the app: `$XDG_CONFIG_HOME/ID`.
    Config,
}

impl AppFolder {
    /// Every folder, in the order the manifest's docs list them.
    pub const ALL: [AppFolder; 3] = [AppFolder::Data, AppFolder::Cache, AppFolder::Config];

    /// Its name in the manifest (`app-folders = { data = ... }`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            AppFolder::Data => "data",
            AppFolder::Cache => "cache",
            AppFolder::Config => "config",
        }
    }

    /// The fixed name a granted component opens it by through WASI
    /// (`std::fs::write("/data/notes.json", ...)`).
    #[must_use]
    pub fn guest_path(self) -> &'static str {
        match self {
            AppFolder::Data => "/data",
            AppFolder::Cache => "/cache",
            AppFolder::Config => "/config",
        }
    }

    fn parse(name: &str) -> Option<AppFolder> {
        AppFolder::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One per-user folder granted to a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderGrant {
    pub folder: AppFolder,
    /// Whether the component may change it, or only read it.
    pub writable: bool,
}

/// The longest app id, as D-Bus limits a bus name.
const MAX_ID: usize = 255;

/// Why `id` is not a reverse-DNS app id, said after its key: at least two
/// dot-separated elements of ASCII letters, digits, `-` and `_`, none empty
/// and none starting with a digit (the rules of D-Bus names and Flatpak
/// ids, so the id can name the app's bus name and `.desktop` file, and is
/// safe as one folder name).
pub(crate) fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() || id.len() > MAX_ID {
        return Some(format!("must be 1 to {MAX_ID} characters long"));
    }
    let elements: Vec<&str> = id.split('.').collect();
    if elements.len() < 2 {
        return Some(format!(
            "is `{id}`; an app id is reverse-DNS, like `org.example.notes`"
        ));
    }
    for element in elements {
        if element.is_empty() {
            return Some(format!("is `{id}`, which has an empty element"));
        }
        if element.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(format!(
                "is `{id}`; its element `{element}` starts with a digit"
            ));
        }
        if let Some(c) = element
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Some(format!(
                "is `{id}`; it may hold only ASCII letters, digits, `-`, `_` and dots, not {c:?}"
            ));
        }
    }
    None
}

/// Reads a component's `app-folders` table (under `key`). `Err` is the key
/// at fault and why.
pub(crate) fn parse_grants(
    key: &str,
    raw: BTreeMap<String, String>,
    app_id: Option<&str>,
) -> Result<Vec<FolderGrant>, (String, String)> {
    if !raw.is_empty() && app_id.is_none() {
        return Err((
            key.to_owned(),
            "needs `app.id`: the app's folders are named by its id".to_owned(),
        ));
    }
    raw.into_iter()
        .map(|(name, access)| {
            let at = format!("{key}.{name}");
            let folder = AppFolder::parse(&name).ok_or_else(|| {
                (
                    at.clone(),
                    "is not an app folder; expected `data`, `cache` or `config`".to_owned(),
                )
            })?;
            let writable = match access.as_str() {
                "read-only" => false,
                "read-write" => true,
                other => {
                    return Err((
                        at,
                        format!("is `{other}`; expected \"read-only\" or \"read-write\""),
                    ));
                }
            };
            Ok(FolderGrant { folder, writable })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_reverse_dns() {
        for good in ["org.example.notes", "io.github.some_one.App-2", "a.b"] {
            assert_eq!(id_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "notes",
            "org..notes",
            ".org.notes",
            "org.notes.",
            "org.3notes",
            "org.ex ample",
            "org.example/../x",
            "org.exämple",
        ] {
            assert!(id_problem(bad).is_some(), "{bad:?} is refused");
        }
        assert!(id_problem(&format!("a.{}", "b".repeat(MAX_ID))).is_some());
    }

    #[test]
    fn grants_name_a_folder_and_an_access() {
        let table = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let grants = parse_grants(
            "main.app-folders",
            table(&[("data", "read-write"), ("config", "read-only")]),
            Some("a.b"),
        )
        .expect("valid");
        assert_eq!(
            grants,
            vec![
                FolderGrant {
                    folder: AppFolder::Config,
                    writable: false
                },
                FolderGrant {
                    folder: AppFolder::Data,
                    writable: true
                },
            ]
        );
        let refused = |pairs: &[(&str, &str)], id: Option<&str>| {
            parse_grants("k", table(pairs), id).expect_err("refused")
        };
        assert_eq!(refused(&[("data", "read-write")], None).0, "k");
        assert_eq!(refused(&[("home", "read-only")], Some("a.b")).0, "k.home");
        assert_eq!(refused(&[("data", "write")], Some("a.b")).0, "k.data");
        assert!(parse_grants("k", table(&[]), None).is_ok_and(|g| g.is_empty()));
    }
}
