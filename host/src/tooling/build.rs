//! `wasmtron build`: builds every component the manifest names, puts each
//! where the manifest expects it, and checks the app, which compiles the
//! components into the compile cache.
//!
//! A component is built by the app's own Cargo workspace (`Cargo.toml` in
//! the app folder) when one of its crates is a `cdylib` named as the
//! component's file (`dist/notes_main.wasm` ← crate `notes-main`). A
//! component no crate builds must be in place already (one made by another
//! language's toolchain).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ToolError, io_at};
use crate::{Compiled, Engine, Manifest};

/// The Rust target components are built for.
const TARGET: &str = "wasm32-wasip2";

/// A component the manifest names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The manifest key that names it (`main.component`,
    /// `window "main" renderer`).
    pub key: String,
    /// The path as the manifest writes it, relative to the app folder.
    pub path: String,
}

/// How a component of the app came to be in place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// Built now from the app's crate of this name.
    Crate(String),
    /// No crate builds it; the file was there already.
    Prebuilt,
}

/// Builds and checks the app in `app_dir`, printing what it does. Cargo's
/// own output (and any compiler error) goes to stderr as cargo writes it.
///
/// # Errors
/// [`ToolError::Command`] naming the component whose crate failed to
/// build; [`ToolError::Refused`] for a component that nothing builds and
/// that is missing; [`ToolError::Check`] with every refusal of the check.
pub fn build_app(app_dir: &Path) -> Result<Vec<(Wanted, Source)>, ToolError> {
    let wanted = wanted_components(app_dir)?;
    let crates = cdylib_crates(app_dir)?;
    let mut built = Vec::new();
    for component in wanted {
        let stem = Path::new(&component.path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = app_dir.join(&component.path);
        let found = crates.as_ref().and_then(|c| {
            c.libs
                .iter()
                .find(|(lib, _)| *lib == stem)
                .map(|(_, p)| (c, p))
        });
        let source = match found {
            Some((workspace, package)) => {
                eprintln!(
                    "building `{}` ({}) from crate `{package}`",
                    component.path, component.key
                );
                build_crate(app_dir, package).map_err(|err| {
                    ToolError::Command(format!(
                        "component `{}` ({}): {err}; the compiler's output is above",
                        component.path, component.key
                    ))
                })?;
                let output = workspace
                    .target_dir
                    .join(TARGET)
                    .join("release")
                    .join(format!("{stem}.wasm"));
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(io_at("cannot make the folder", parent))?;
                }
                std::fs::copy(&output, &target).map_err(io_at("cannot copy", &output))?;
                Source::Crate(package.clone())
            }
            None if target.is_file() => Source::Prebuilt,
            None => {
                return Err(ToolError::Refused(format!(
                    "component `{}` ({}) is missing, and no crate of the app builds it \
                     (a `cdylib` crate whose library is named `{stem}`, in the app's Cargo.toml)",
                    component.path, component.key
                )));
            }
        };
        built.push((component, source));
    }
    check(app_dir)?;
    Ok(built)
}

/// The components `app_dir/wasmtron.toml` names, each once, read from the
/// TOML itself: `Manifest::load` wants them to exist already.
///
/// # Errors
/// [`ToolError::Refused`] when the manifest cannot be read or parsed.
pub fn wanted_components(app_dir: &Path) -> Result<Vec<Wanted>, ToolError> {
    let path = app_dir.join("wasmtron.toml");
    let text = std::fs::read_to_string(&path).map_err(io_at("cannot read", &path))?;
    let table: toml::Table = text.parse().map_err(|err| {
        ToolError::Refused(format!("{} is not valid TOML: {err}", path.display()))
    })?;
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut add = |key: String, value: Option<&toml::Value>| {
        if let Some(path) = value.and_then(toml::Value::as_str)
            && !wanted.iter().any(|w| w.path == path)
        {
            wanted.push(Wanted {
                key,
                path: path.to_owned(),
            });
        }
    };
    add(
        "main.component".into(),
        table.get("main").and_then(|m| m.get("component")),
    );
    for (list, field) in [("window", "renderer"), ("utility", "component")] {
        let items = table.get(list).and_then(toml::Value::as_array);
        for item in items.into_iter().flatten() {
            let name = item
                .get("label")
                .or_else(|| item.get("name"))
                .and_then(toml::Value::as_str)
                .unwrap_or("?");
            add(format!("{list} `{name}` {field}"), item.get(field));
        }
    }
    Ok(wanted)
}

/// The app's Cargo workspace: where it builds, and its `cdylib` libraries
/// with the package of each.
#[derive(Debug)]
struct Crates {
    target_dir: PathBuf,
    /// (library name, package name)
    libs: Vec<(String, String)>,
}

/// The app's crates, from `cargo metadata`; `None` when the app folder has
/// no `Cargo.toml`.
fn cdylib_crates(app_dir: &Path) -> Result<Option<Crates>, ToolError> {
    let manifest = app_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Ok(None);
    }
    let output = cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .map_err(|err| ToolError::Command(format!("cannot run cargo: {err}")))?;
    if !output.status.success() {
        return Err(ToolError::Command(format!(
            "cargo cannot read {}:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| ToolError::Command(format!("cargo metadata gave no JSON: {err}")))?;
    let target_dir = metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .unwrap_or_else(|| app_dir.join("target"));
    let mut libs = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        for target in package["targets"].as_array().into_iter().flatten() {
            let cdylib = target["crate_types"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"));
            if cdylib && let Some(lib) = target["name"].as_str() {
                libs.push((lib.replace('-', "_"), name.to_owned()));
            }
        }
    }
    Ok(Some(Crates { target_dir, libs }))
}

/// `cargo build --release --target wasm32-wasip2 -p PACKAGE` in the app.
fn build_crate(app_dir: &Path, package: &str) -> Result<(), ToolError> {
    let mut command = cargo();
    command
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "-p",
            package,
            "--manifest-path",
        ])
        .arg(app_dir.join("Cargo.toml"));
    super::run(&mut command, &format!("crate `{package}` failed to build"))
}

/// Cargo, as the one that runs this program (when run by cargo) or the
/// first on the `PATH`.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `wasmtron check` of the built app, which compiles every component into
/// the compile cache; prints how each was made ready.
fn check(app_dir: &Path) -> Result<(), ToolError> {
    let manifest = Manifest::load(app_dir).map_err(|err| ToolError::Check(err.to_string()))?;
    let engine = Engine::new()
        .map_err(|err| ToolError::Command(format!("cannot make the engine: {err:#}")))?
        .with_default_cache();
    match crate::app::check_with(&manifest, &engine, None) {
        Ok((checked, _)) => {
            for component in checked {
                let how = match component.load.compiled {
                    Compiled::Now => "compiled into the compile cache",
                    Compiled::FromCache => "already in the compile cache",
                    Compiled::Installed => "precompiled at install",
                    Compiled::InMemory => "already loaded",
                };
                eprintln!(
                    "checked `{}` ({} world): {how}",
                    component.imports.component, component.imports.world
                );
            }
            Ok(())
        }
        Err(errors) => Err(ToolError::Check(
            errors
                .iter()
                .map(|e| format!("refused: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
    }
}
