//! The guest SDK (`wasmtron-guest`) and the WIT package `wasmtron:app`, as
//! this program was built with them: `host/build/sdk.rs` embeds every file.
//! A new app gets its own copy in `sdk/`, so it builds against exactly the
//! interfaces of the host that made it, with no path into this repository
//! and no registry crate.

use std::path::Path;

use super::{ToolError, write_file};

/// Every embedded file: its path below the repository root
/// (`guest-sdk/src/lib.rs`, `wit/main.wit`) and its bytes.
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));

/// The SDK's manifest in an app: the workspace's dependency versions
/// written out, since an app is not in this workspace.
const SDK_MANIFEST: &str = "\
[package]
name = \"wasmtron-guest\"
description = \"Write wasmtron main, renderer and utility components in Rust\"
version = \"VERSION\"
edition = \"2024\"
license = \"Apache-2.0\"
publish = false

[dependencies]
wit-bindgen = \"0.48\"
serde = { version = \"1\", features = [\"derive\"] }
rmp-serde = \"1\"
";

/// Writes the SDK into `dir`: `dir/wasmtron-guest/` (the crate) and
/// `dir/wit/` (the WIT package it generates its bindings from, at
/// `../wit` as in this repository). Returns how many files were written.
///
/// # Errors
/// [`ToolError::Io`] when a file cannot be written.
pub fn write(dir: &Path) -> Result<usize, ToolError> {
    let manifest = SDK_MANIFEST.replace("VERSION", env!("CARGO_PKG_VERSION"));
    write_file(&dir.join("wasmtron-guest/Cargo.toml"), manifest.as_bytes())?;
    for (path, bytes) in FILES {
        let target = match path.strip_prefix("guest-sdk/") {
            Some(rest) => dir.join("wasmtron-guest").join(rest),
            None => dir.join(path),
        };
        write_file(&target, bytes)?;
    }
    Ok(FILES.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_and_every_wit_file_are_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for folder in ["guest-sdk/src", "wit"] {
            for entry in std::fs::read_dir(root.join(folder)).expect("the folder") {
                let name = entry.expect("an entry").file_name();
                let path = format!("{folder}/{}", name.to_string_lossy());
                if root.join(&path).is_file() {
                    assert!(
                        FILES.iter().any(|(p, _)| *p == path),
                        "{path} is not embedded"
                    );
                }
            }
        }
        assert!(!FILES.iter().any(|(p, _)| *p == "guest-sdk/Cargo.toml"));
    }

    /// The versions written for an app are the workspace's own, so an app
    /// builds with what the SDK was tested with.
    #[test]
    fn the_sdk_manifest_names_the_workspace_versions() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let workspace: toml::Table = std::fs::read_to_string(root)
            .expect("the workspace manifest")
            .parse()
            .expect("valid TOML");
        let sdk: toml::Table = SDK_MANIFEST.parse().expect("valid TOML");
        let guest: toml::Table = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk/Cargo.toml"),
        )
        .expect("the SDK's manifest")
        .parse()
        .expect("valid TOML");
        let version = |table: &toml::Value| match table {
            toml::Value::String(v) => v.clone(),
            other => other["version"].as_str().unwrap_or_default().to_owned(),
        };
        let used = guest["dependencies"].as_table().expect("dependencies");
        let written = sdk["dependencies"].as_table().expect("dependencies");
        assert_eq!(
            used.keys().collect::<Vec<_>>(),
            written.keys().collect::<Vec<_>>()
        );
        for name in used.keys() {
            assert_eq!(
                version(&workspace["workspace"]["dependencies"][name]),
                version(&written[name]),
                "{name}"
            );
        }
    }
}
