#!/usr/bin/env bash
# The second command of the README: installs what is missing, then checks
# formatting and lints and runs every test, including the end-to-end test of
# real windows (which starts its own Xvfb when there is no DISPLAY), in
# both isolation modes.
# Stops at the first failing step with its exit status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
    echo
    echo "==> $*"
    "$@"
}

# Components compiled by the tests and the bench are cached beside the build,
# not in the user's ~/.cache (and, like the build, kept between runs).
export WASMTRON_CACHE_DIR="$(cd "${CARGO_TARGET_DIR:-target}" 2> /dev/null && pwd || echo "$PWD/target")/compile-cache"
step bash scripts/install-deps.sh
# The JavaScript, Python and C toolchains of the polyglot guests.
step bash scripts/install-polyglot.sh
# The notes example's page modules from npm (Preact, htm), which its
# end-to-end test loads; without npm or the network once installed.
step bash examples/notes/vendor.sh
step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets -- -D warnings
# `cargo test` builds a package's binary only for that package's own
# integration tests; the end-to-end test lives in wasmtron-tests and runs
# target/<profile>/wasmtron, so it is built (same dev profile) first.
step cargo build -p wasmtron
# The worker program on its own: built with the host, Cargo would unify
# wasmtime's features and link Cranelift into it (the worker_program test
# checks it holds no compiler).
step cargo build -p wasmtron-worker
# Everything, with renderers and utilities in worker processes (the default).
step cargo test --workspace
# The integration suites again with every component inside the host
# process: the API and its behaviour must not depend on the isolation mode.
step env WASMTRON_TEST_ISOLATION=in-process cargo test -p wasmtron-tests \
    --test ipc --test windows --test capabilities --test processes --test ports --test utilities \
    --test example_utility_parse --test polyglot --test example_polyglot --test hostile \
    --test lifecycle --test example_multi_window --test dialogs --test contracts \
    --test example_plugins --test polyglot_contracts --test example_notes --test page_api \
    --test content --test page_events --test page_review --test folders --test http --test shell
# The benchmark in quick mode (tiny counts, dev build): proves it still runs
# against the peers; it asserts nothing about time.
target="${CARGO_TARGET_DIR:-target}"
step cargo build --release --target wasm32-wasip2 \
    -p bench-main -p bench-renderer -p bench-utility -p page-renderer -p http-utility
step bash scripts/build-examples.sh
step cargo run -p wasmtron-bench -- --quick \
    --guests "$target/wasm32-wasip2/release" --json "$target/bench/quick.json" \
    --paint "$target/debug/wasmtron" examples/hello \
    --page-calls "$target/debug/wasmtron" \
    --tooling "$target/debug/wasmtron" \
    --worker "$target/debug/wasmtron-worker" \
    --compile "$target/polyglot-guests/c-utility.wasm"
# The soak in quick mode (a few thousand invokes and port messages through
# worker processes): fails on any loss; the full soak is scripts/soak.sh.
step cargo run -p wasmtron-bench -- --soak --quick \
    --guests "$target/wasm32-wasip2/release" --json "$target/bench/soak-quick.json" \
    --worker "$target/debug/wasmtron-worker"
# Each fuzz target for a few seconds on its seed corpus (nightly, cargo-fuzz,
# libFuzzer): proves they build and run; the long runs are in docs/security.md.
step bash scripts/fuzz.sh --smoke
echo
echo "test: all steps passed"
