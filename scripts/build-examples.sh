#!/usr/bin/env bash
# Builds the hello example's components (main and renderer) for
# wasm32-wasip2 and puts them where its wasmtron.toml expects them:
# examples/hello/dist/ (gitignored; no .wasm is committed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
# The same folder tests/build.rs builds every guest into, so the demo and the
# test suite share one compiled copy of the guest SDK and its dependencies.
guests_dir="$target_dir/guests"

cargo build --release --target wasm32-wasip2 --target-dir "$guests_dir" \
    -p hello-main -p hello-renderer

mkdir -p examples/hello/dist
for component in hello_main hello_renderer; do
    cp "$guests_dir/wasm32-wasip2/release/$component.wasm" examples/hello/dist/
done
echo "build-examples: components in examples/hello/dist/"
