#!/usr/bin/env bash
# Installs the `wasmtron` and `wasmtron-worker` programs for this user:
#
#   scripts/install.sh [--prefix PREFIX] [--from-target DIR]
#
# PREFIX defaults to ~/.local; the programs go to PREFIX/bin. Without
# --from-target, both are built in release mode first, in two cargo
# commands so that the worker links no compiler. With --from-target DIR,
# the programs already built in DIR (e.g. target/debug) are installed as
# they are; the test suite installs its debug build that way.
#
# Nothing else is installed: the guest SDK and the WIT package are inside
# `wasmtron`, which writes them into each app `wasmtron new` makes. The
# components themselves are built by cargo for the wasm32-wasip2 target
# (`rustup target add wasm32-wasip2`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prefix="$HOME/.local"
from=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --from-target) from="$2"; shift 2 ;;
        *) echo "install: unknown argument $1" >&2; exit 2 ;;
    esac
done

if [[ -z "$from" ]]; then
    cargo build --release -p wasmtron
    cargo build --release -p wasmtron-worker
    from="${CARGO_TARGET_DIR:-$PWD/target}/release"
fi

mkdir -p "$prefix/bin"
for program in wasmtron wasmtron-worker; do
    if [[ ! -x "$from/$program" ]]; then
        echo "install: $from/$program is missing" >&2
        exit 1
    fi
    # Beside each other: `wasmtron` starts its workers from the program
    # next to it. Copied to a new file, then renamed, so a running copy is
    # never overwritten in place.
    install -m 0755 "$from/$program" "$prefix/bin/.$program.new"
    mv -f "$prefix/bin/.$program.new" "$prefix/bin/$program"
done
echo "install: wasmtron and wasmtron-worker in $prefix/bin"
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "install: add $prefix/bin to your PATH" ;;
esac
if command -v rustup >/dev/null && ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "install: building components needs the wasm32-wasip2 target: rustup target add wasm32-wasip2"
fi
