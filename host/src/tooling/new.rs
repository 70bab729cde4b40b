//! `wasmtron new NAME`: a new app folder that builds and runs at once.

use std::path::{Path, PathBuf};

use super::{ToolError, io_at, sdk, write_file};

/// The templates `new` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[non_exhaustive]
pub enum Template {
    /// A Rust main component and a Rust renderer.
    #[default]
    Rust,
}

/// The Rust template's files: (path in the app, text with `{{name}}` and
/// `{{crate}}` to fill in).
const RUST: &[(&str, &str)] = &[
    (
        "wasmtron.toml",
        include_str!("../../templates/rust/wasmtron.toml"),
    ),
    (
        "Cargo.toml",
        include_str!("../../templates/rust/Cargo.toml"),
    ),
    ("README.md", include_str!("../../templates/rust/README.md")),
    (".gitignore", include_str!("../../templates/rust/gitignore")),
    (
        "main/Cargo.toml",
        include_str!("../../templates/rust/main/Cargo.toml"),
    ),
    (
        "main/src/lib.rs",
        include_str!("../../templates/rust/main/src/lib.rs"),
    ),
    (
        "renderer/Cargo.toml",
        include_str!("../../templates/rust/renderer/Cargo.toml"),
    ),
    (
        "renderer/src/lib.rs",
        include_str!("../../templates/rust/renderer/src/lib.rs"),
    ),
    (
        "ui/index.html",
        include_str!("../../templates/rust/ui/index.html"),
    ),
    (
        "ui/style.css",
        include_str!("../../templates/rust/ui/style.css"),
    ),
];

/// The longest app name `new` takes.
const MAX_NAME: usize = 64;

/// Makes the app `name` in a new folder `parent/name` from `template`, and
/// returns the folder.
///
/// # Errors
/// [`ToolError::Refused`] for a name that is not a valid package name
/// (lowercase ASCII letters, digits and `-`, starting with a letter) or a
/// folder that exists already; [`ToolError::Io`] when a file cannot be
/// written.
pub fn new_app(parent: &Path, name: &str, template: Template) -> Result<PathBuf, ToolError> {
    check_name(name)?;
    let dir = parent.join(name);
    if dir.exists() {
        return Err(ToolError::Refused(format!(
            "{} exists already; choose another name or remove it",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(io_at("cannot make the folder", &dir))?;
    let files = match template {
        Template::Rust => RUST,
    };
    let crate_name = name.replace('-', "_");
    for (path, text) in files {
        let text = text
            .replace("{{name}}", name)
            .replace("{{crate}}", &crate_name);
        write_file(&dir.join(path), text.as_bytes())?;
    }
    sdk::write(&dir.join("sdk"))?;
    Ok(dir)
}

/// An app's name names its crates, its components and its package, so it
/// must be a name all of them take.
fn check_name(name: &str) -> Result<(), ToolError> {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_well = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if starts_well && rest_well && !name.ends_with('-') && name.len() <= MAX_NAME {
        Ok(())
    } else {
        Err(ToolError::Refused(format!(
            "`{name}` cannot name an app: use lowercase letters, digits and `-`, starting \
             with a letter, at most {MAX_NAME} characters (it names the app's crates and \
             its package)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_name_a_crate_and_a_package_are_refused() {
        for good in ["notes", "my-app", "a1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Notes",
            "1app",
            "my_app",
            "app-",
            "../x",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_app_fills_in_its_name_and_refuses_an_existing_folder() {
        let parent = tempfile::tempdir().expect("a temp folder");
        let dir = new_app(parent.path(), "my-app", Template::Rust).expect("made");
        let manifest = std::fs::read_to_string(dir.join("wasmtron.toml")).expect("manifest");
        assert!(manifest.contains("name = \"my-app\""), "{manifest}");
        assert!(manifest.contains("dist/my_app_main.wasm"), "{manifest}");
        for file in [
            "sdk/wasmtron-guest/Cargo.toml",
            "sdk/wasmtron-guest/src/lib.rs",
            "sdk/wit/main.wit",
        ] {
            assert!(dir.join(file).is_file(), "{file}");
        }
        let walk = |dir: &Path| -> Vec<String> {
            let mut texts = Vec::new();
            for (path, _) in RUST {
                texts.push(std::fs::read_to_string(dir.join(path)).expect("written"));
            }
            texts
        };
        assert!(walk(&dir).iter().all(|t| !t.contains("{{")));
        let again = new_app(parent.path(), "my-app", Template::Rust);
        assert!(matches!(again, Err(ToolError::Refused(_))));
    }
}
