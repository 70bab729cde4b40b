//! Builds every guest the tests run (test programs and the example apps'
//! components) from source for `wasm32-wasip2`, and writes their paths into
//! `$OUT_DIR/guests.rs`. No `.wasm` file is ever committed.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// (package, constant name) of every guest.
const GUESTS: &[(&str, &str)] = &[
    ("test-main", "TEST_MAIN"),
    ("test-renderer", "TEST_RENDERER"),
    ("test-utility", "TEST_UTILITY"),
    ("http-utility", "HTTP_UTILITY"),
    ("sneaky-renderer", "SNEAKY_RENDERER"),
    ("contract-main", "CONTRACT_MAIN"),
    ("contract-renderer", "CONTRACT_RENDERER"),
    ("contract-utility", "CONTRACT_UTILITY"),
    ("contract-odd", "CONTRACT_ODD"),
    ("contract-caller", "CONTRACT_CALLER"),
    ("page-renderer", "PAGE_RENDERER"),
    ("events-renderer", "EVENTS_RENDERER"),
    ("content-main", "CONTENT_MAIN"),
    ("content-utility", "CONTENT_UTILITY"),
    ("hello-main", "HELLO_MAIN"),
    ("hello-renderer", "HELLO_RENDERER"),
    ("multi-window-main", "MULTI_WINDOW_MAIN"),
    ("multi-window-renderer", "MULTI_WINDOW_RENDERER"),
    ("utility-parse-main", "UTILITY_PARSE_MAIN"),
    ("utility-parse-parser", "UTILITY_PARSE_PARSER"),
    ("utility-parse-renderer", "UTILITY_PARSE_RENDERER"),
    ("polyglot-main", "POLYGLOT_MAIN"),
    ("plugins-main", "PLUGINS_MAIN"),
    ("plugins-hostile", "PLUGINS_HOSTILE"),
    ("notes-main", "NOTES_MAIN"),
    ("notes-renderer", "NOTES_RENDERER"),
];

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // <target>/<profile>/build/<pkg>-<hash>/out → <target>/guests: outside
    // OUT_DIR so the guests are not rebuilt whenever this crate's hash moves.
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .map(|t| t.join("guests"))
        .unwrap_or_else(|| out_dir.join("guests"));

    for dir in [
        "wit",
        "guest-sdk",
        "tests/guests",
        "examples/hello/main",
        "examples/hello/renderer",
        "examples/multi-window/main",
        "examples/multi-window/renderer",
        "examples/utility-parse/main",
        "examples/utility-parse/parser",
        "examples/utility-parse/renderer",
        "examples/polyglot/main",
        "examples/plugins/main",
        "examples/plugins/hostile",
        "examples/plugins/wit",
        "examples/notes/main",
        "examples/notes/renderer",
        "examples/notes/wit",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }

    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir);
    for (package, _) in GUESTS {
        command.args(["-p", package]);
    }
    // The outer build's flags and wrappers (clippy, coverage) are for the
    // host; the guests build plainly.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .expect("cannot run cargo to build the guests");
    assert!(
        status.success(),
        "building the guests failed; is the wasm32-wasip2 target installed? (rustup target add wasm32-wasip2)"
    );

    let mut consts = String::new();
    for (package, name) in GUESTS {
        let file = target_dir
            .join("wasm32-wasip2/release")
            .join(format!("{}.wasm", package.replace('-', "_")));
        assert!(
            file.is_file(),
            "guest `{package}` did not produce {}",
            file.display()
        );
        writeln!(
            consts,
            "/// The `{package}` component.\npub const {name}: &str = {:?};",
            file.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    std::fs::write(out_dir.join("guests.rs"), consts).expect("cannot write guests.rs");
}
