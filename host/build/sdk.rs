//! Embeds the guest SDK and the WIT package in the `wasmtron` program, so
//! that `wasmtron new` writes them into a new app from the installed
//! program alone (`host/src/tooling/sdk.rs` reads the table).
//!
//! Writes `$OUT_DIR/sdk_files.rs`: one `(path, bytes)` per file of
//! `guest-sdk/` (its own `Cargo.toml` aside, which names workspace keys and
//! is written by `new` instead) and of `wit/`, each path relative to the
//! repository root.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The folders embedded, relative to the repository root.
const FOLDERS: &[&str] = &["guest-sdk", "wit"];

pub fn embed() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.parent().unwrap_or(&manifest_dir).to_path_buf();
    println!(
        "cargo:rerun-if-changed={}",
        manifest_dir.join("build").display()
    );
    let mut files = Vec::new();
    for folder in FOLDERS {
        let dir = root.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect(&dir, &mut files);
    }
    files.sort();
    let mut table = String::from("&[\n");
    for file in &files {
        let Ok(relative) = file.strip_prefix(&root) else {
            continue;
        };
        if relative == Path::new("guest-sdk/Cargo.toml") {
            continue;
        }
        let _ = writeln!(
            table,
            "    ({:?}, include_bytes!({:?}) as &[u8]),",
            relative.display().to_string(),
            file.display().to_string()
        );
    }
    table.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(err) = std::fs::write(out.join("sdk_files.rs"), table) {
        panic!("cannot write sdk_files.rs: {err}");
    }
}

/// Every regular file beneath `dir`.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, files),
            Ok(kind) if kind.is_file() => files.push(path),
            _ => {}
        }
    }
}
