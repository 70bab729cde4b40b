//! The shipped `wasmtron-worker` program, checked on the binary itself: it
//! runs code the host compiled, so it must hold wasmtime's runtime and no
//! compiler. Cargo unifies features within one build, so a worker built
//! together with the host would silently link Cranelift; this test is what
//! notices.

use wasmtron_tests::{wasmtron_binary, worker_binary};

/// How many symbols in the symbol table of the program at `path` belong to
/// the crate `krate`, as `nm` lists them demangled (`krate::…`).
fn symbols_of(path: &std::path::Path, krate: &str) -> usize {
    let listed = std::process::Command::new("nm")
        .arg("--demangle")
        .arg(path)
        .output()
        .expect("nm runs (binutils; scripts/install-deps.sh installs it)");
    assert!(
        listed.status.success(),
        "nm {}: {}",
        path.display(),
        String::from_utf8_lossy(&listed.stderr)
    );
    let prefix = format!("{krate}::");
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|line| line.contains(&prefix))
        .count()
}

#[test]
fn the_worker_program_holds_no_compiler() {
    let worker = worker_binary();
    assert!(
        symbols_of(&worker, "wasmtime") > 100,
        "{} has no wasmtime runtime in its symbols: the check reads nothing",
        worker.display()
    );
    for compiler in [
        "cranelift_codegen",
        "wasmtime_internal_cranelift",
        "regalloc2",
    ] {
        assert_eq!(
            symbols_of(&worker, compiler),
            0,
            "{} links {compiler}: build it alone with `cargo build -p wasmtron-worker`",
            worker.display()
        );
    }
}

#[test]
fn the_host_program_holds_the_compiler_the_check_looks_for() {
    // The same count on the host, which compiles every component: proof
    // that the check above would see a compiler if one were there.
    assert!(symbols_of(&wasmtron_binary(), "cranelift_codegen") > 100);
}
