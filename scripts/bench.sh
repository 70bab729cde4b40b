#!/usr/bin/env bash
# Runs wasmtron's benchmarks beside the reference peers and prints the
# table; the figures also go to target/bench/results.json. Pass --quick for
# tiny counts (a check that it works, not a measurement).
# With --soak first (what scripts/soak.sh does), runs the soak instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
target="${CARGO_TARGET_DIR:-target}"
# page-renderer is a test guest: the page-call rows' window runs it.
cargo build --release --target wasm32-wasip2 \
    -p bench-main -p bench-renderer -p bench-utility -p page-renderer -p http-utility
cargo build --release -p wasmtron-bench -p wasmtron
# The worker alone, so that it links no compiler (docs/architecture.md).
cargo build --release -p wasmtron-worker
common=(--guests "$target/wasm32-wasip2/release" --worker "$target/release/wasmtron-worker")
if [[ "${1:-}" == --soak ]]; then
    exec "$target/release/wasmtron-bench" "${common[@]}" --json "$target/bench/soak.json" "$@"
fi
bash scripts/build-examples.sh
# The JavaScript and Python guests, for the compile and compile-cache rows.
bash scripts/build-polyglot.sh "$target/polyglot-guests"
exec "$target/release/wasmtron-bench" "${common[@]}" \
    --json "$target/bench/results.json" \
    --paint "$target/release/wasmtron" examples/hello \
    --page-calls "$target/release/wasmtron" \
    --tooling "$target/release/wasmtron" \
    --compile "$target/polyglot-guests/js-renderer.wasm" \
    --compile "$target/polyglot-guests/py-utility.wasm" "$@"
