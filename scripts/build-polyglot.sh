#!/usr/bin/env bash
# Builds the polyglot test guests (tests/guests/polyglot) from source into
# OUT_DIR/<name>.wasm:
#
#   js-utility.wasm   JavaScript, componentize-js (no wasi:http)
#   py-utility.wasm   Python, componentize-py
#   c-utility.wasm    C, wit-bindgen c + clang + the preview1 reactor adapter
#   js-renderer.wasm  JavaScript, a renderer for the test probe page
#   py-renderer.wasm  Python, the same renderer
#
# Usage: scripts/build-polyglot.sh OUT_DIR
#
# It first runs scripts/install-polyglot.sh (idempotent; quiet and offline
# when the toolchains are there). A guest is rebuilt only when its inputs
# changed: its sources, wit/, the tool versions or this script. Generated
# files (bindings, core modules) stay in OUT_DIR/work.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 64
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="${WASMTRON_POLYGLOT_TOOLS:-$TARGET/polyglot-tools}"
export WASMTRON_POLYGLOT_TOOLS="$TOOLS"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
WORK="$OUT/work"
GUESTS="$ROOT/tests/guests/polyglot"
PY_SDK="$ROOT/guest-sdk/python"
WIT="$ROOT/wit"

say() { printf '[build-polyglot] %s\n' "$*" >&2; }

"$ROOT/scripts/install-polyglot.sh"

COMPONENTIZE_JS="$TOOLS/js/node_modules/@bytecodealliance/componentize-js/src/cli.js"
COMPONENTIZE_PY="$TOOLS/venv/bin/componentize-py"
WIT_BINDGEN="$TOOLS/bin/wit-bindgen"
WASM_TOOLS="$TOOLS/bin/wasm-tools"
ADAPTER="$TOOLS/wasi_snapshot_preview1.reactor.wasm"
CLANG="${CLANG:-clang-19}"

# A digest of everything a guest's build reads.
inputs_digest() { # guest-dir
    {
        # Paths relative to the checkout, so a moved checkout is no change.
        cd "$ROOT"
        find "${1#"$ROOT/"}" wit guest-sdk/python -type f -not -path "*/__pycache__/*" -print0 | sort -z | xargs -0 sha256sum
        sha256sum scripts/build-polyglot.sh scripts/install-polyglot.sh
        cat "$TOOLS/js/.installed" "$TOOLS/venv/.installed" "$ADAPTER.version"
        "$WIT_BINDGEN" --version
        "$WASM_TOOLS" --version
        "$CLANG" --version | head -n 1
    } | sha256sum | cut -d' ' -f1
}

# Runs `build_<name>` unless OUT/<name>.wasm was built from the same inputs.
build() { # name
    local name="$1" out="$OUT/$1.wasm" digest
    digest="$(inputs_digest "$GUESTS/$name")"
    if [ -s "$out" ] && [ "$(cat "$out.inputs" 2> /dev/null)" = "$digest" ]; then
        say "$name: up to date"
        return
    fi
    say "$name: building"
    rm -f "$out" "$out.inputs"
    rm -rf "${WORK:?}/$name"
    mkdir -p "$WORK/$name"
    "build_${name//-/_}" "$GUESTS/$name" "$WORK/$name" "$out"
    "$WASM_TOOLS" validate "$out"
    echo "$digest" > "$out.inputs"
    say "$name: $(wc -c < "$out") bytes"
}

build_js_utility() { # src work out
    # componentize-js runs its engine's snapshot (Wizer) in a temporary
    # folder of its own; `http` and `fetch-event` would import wasi:http,
    # which no wasmtron world links.
    node "$COMPONENTIZE_JS" "$1/utility.js" \
        --wit "$WIT" --world-name utility \
        --disable http fetch-event \
        --out "$3"
}

build_js_renderer() { # src work out
    node "$COMPONENTIZE_JS" "$1/renderer.js" \
        --wit "$WIT" --world-name renderer \
        --disable http fetch-event \
        --out "$3"
}

# A Python guest of `world`, its module `app` in src, with the SDK's
# MessagePack module beside it.
componentize_py() { # world src work out
    # componentize-py generates the `wit_world` bindings while it builds and
    # leaves `__pycache__` beside the modules it compiles: build from a copy
    # in the work folder, so nothing lands beside the sources.
    mkdir -p "$3/src"
    cp "$2"/*.py "$PY_SDK"/*.py "$3/src/"
    (cd "$3" && "$COMPONENTIZE_PY" --quiet --wit-path "$WIT" --world "$1" \
        componentize app --python-path "$3/src" --output "$4")
}

build_py_utility() { # src work out
    componentize_py utility "$@"
}

build_py_renderer() { # src work out
    componentize_py renderer "$@"
}

build_c_utility() { # src work out
    "$WIT_BINDGEN" c "$WIT" --world utility --out-dir "$2/bindings" 2>&1 | grep -v '^Generating' >&2 || true
    [ -s "$2/bindings/utility.h" ]
    "$CLANG" --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra -Werror -Wl,--strip-debug \
        -I "$2/bindings" \
        -o "$2/utility.core.wasm" \
        "$1/utility.c" "$2/bindings/utility.c" "$2/bindings/utility_component_type.o"
    "$WASM_TOOLS" component new "$2/utility.core.wasm" \
        --adapt "wasi_snapshot_preview1=$ADAPTER" \
        -o "$3"
}

for guest in js-utility py-utility c-utility js-renderer py-renderer; do
    build "$guest"
done
