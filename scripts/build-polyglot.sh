#!/usr/bin/env bash
# Builds the JavaScript, Python and C guests from source.
#
#   scripts/build-polyglot.sh OUT_DIR
#       The test guests (tests/guests/polyglot) and the polyglot example's
#       guests into OUT_DIR/<name>.wasm:
#
#       js-utility.wasm   JavaScript, componentize-js (no wasi:http)
#       py-utility.wasm   Python, componentize-py
#       c-utility.wasm    C, wit-bindgen c + clang + the preview1 reactor adapter
#       js-renderer.wasm  JavaScript, a renderer for the test probe page
#       py-renderer.wasm  Python, the same renderer
#       polyglot-renderer.wasm, polyglot-words.wasm, polyglot-checksum.wasm
#                         examples/polyglot: JavaScript, Python, C
#       plugins-renderer.wasm, plugins-upper.wasm, plugins-reverse.wasm
#                         examples/plugins: the JavaScript renderer, and two
#                         utilities that export the app's own interface
#                         (examples/plugins/wit), in Python and JavaScript
#       js-contract-renderer.wasm, py-contract-caller.wasm
#                         users of an app interface (the typed-call tests'
#                         tests/guests/contracts-wit): a JavaScript renderer
#                         and a Python utility that import it
#
#   scripts/build-polyglot.sh --example
#       Builds examples/polyglot whole, its Rust main included, into
#       examples/polyglot/dist/ (gitignored), and the `wasmtron` binary,
#       ready for `target/debug/wasmtron run examples/polyglot`.
#
#   scripts/build-polyglot.sh --plugins
#       The same for examples/plugins (its Rust main and hostile plugin
#       included), into examples/plugins/dist/.
#
# It first runs scripts/install-polyglot.sh (idempotent; quiet and offline
# when the toolchains are there). A guest is rebuilt only when its inputs
# changed: its sources, wit/ (and an app's own WIT), the tool versions or
# this script. Generated files (bindings, core modules) stay in
# OUT_DIR/work.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 OUT_DIR | --example | --plugins" >&2
    exit 64
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
EXAMPLE=""
case "$1" in
    --example) EXAMPLE="polyglot" ;;
    --plugins) EXAMPLE="plugins" ;;
esac
if [ -n "$EXAMPLE" ]; then
    set -- "$TARGET/polyglot-guests"
fi
TOOLS="${WASMTRON_POLYGLOT_TOOLS:-$TARGET/polyglot-tools}"
export WASMTRON_POLYGLOT_TOOLS="$TOOLS"
mkdir -p "$1"
OUT="$(cd "$1" && pwd)"
WORK="$OUT/work"
GUESTS="$ROOT/tests/guests/polyglot"
PY_SDK="$ROOT/guest-sdk/python"
C_SDK="$ROOT/guest-sdk/c"
JS_SDK="$ROOT/guest-sdk/js"
WIT="$ROOT/wit"

say() { printf '[build-polyglot] %s\n' "$*" >&2; }

"$ROOT/scripts/install-polyglot.sh"

COMPONENTIZE_JS="$TOOLS/js/node_modules/@bytecodealliance/componentize-js/src/cli.js"
ESBUILD="$TOOLS/js/node_modules/.bin/esbuild"
COMPONENTIZE_PY="$TOOLS/venv/bin/componentize-py"
WIT_BINDGEN="$TOOLS/bin/wit-bindgen"
WASM_TOOLS="$TOOLS/bin/wasm-tools"
ADAPTER="$TOOLS/wasi_snapshot_preview1.reactor.wasm"
CLANG="${CLANG:-clang-19}"

# A digest of everything a guest's build reads.
inputs_digest() { # guest-dir [app-wit-dir]
    {
        # Paths relative to the checkout, so a moved checkout is no change.
        cd "$ROOT"
        find "${@#"$ROOT/"}" wit guest-sdk/python guest-sdk/c guest-sdk/js -type f -not -path "*/__pycache__/*" -print0 | sort -z | xargs -0 sha256sum
        sha256sum scripts/build-polyglot.sh scripts/install-polyglot.sh
        cat "$TOOLS/js/.installed" "$TOOLS/venv/.installed" "$ADAPTER.version"
        "$WIT_BINDGEN" --version
        "$WASM_TOOLS" --version
        "$CLANG" --version | head -n 1
    } | sha256sum | cut -d' ' -f1
}

# Runs `build_<kind>` on the sources in `src` unless OUT/<name>.wasm was
# built from the same inputs. A guest of an app's own world also names the
# app's WIT folder and the world.
build() { # name kind src [app-wit world]
    local name="$1" kind="$2" src="$3" out="$OUT/$1.wasm" digest
    digest="$(inputs_digest "$src" ${4:+"$4"})"
    if [ -s "$out" ] && [ "$(cat "$out.inputs" 2> /dev/null)" = "$digest" ]; then
        say "$name: up to date"
        return
    fi
    say "$name: building"
    rm -f "$out" "$out.inputs"
    rm -rf "${WORK:?}/$name"
    mkdir -p "$WORK/$name"
    "build_$kind" "$src" "$WORK/$name" "$out" "${@:4}"
    "$WASM_TOOLS" validate "$out"
    echo "$digest" > "$out.inputs"
    say "$name: $(wc -c < "$out") bytes"
}

# A JavaScript guest of `world`: the one .js module in src, bundled with
# the SDK's modules (componentize-js takes a single module). The world is
# wasmtron's, or one in the WIT folder `wit`.
componentize_js() { # world src work out [wit]
    local modules=("$2"/*.js)
    [ "${#modules[@]}" -eq 1 ] || { say "$2: expected one .js module"; return 1; }
    # WIT imports stay in the bundle for componentize-js to bind: wasmtron's,
    # and those of the app's own packages (`import ... from 'notes:app/store@0.1.0'`).
    local externals=(--external:'wasmtron:*') namespace
    if [ -n "${5:-}" ]; then
        for namespace in $(sed -n 's/^package \([a-z0-9-]*\):.*/\1/p' "$5"/*.wit | sort -u); do
            externals+=("--external:$namespace:*")
        done
    fi
    "$ESBUILD" "${modules[0]}" --bundle --format=esm --platform=neutral \
        "${externals[@]}" \
        --alias:wasmtron-msgpack="$JS_SDK/msgpack.js" \
        --log-level=warning --outfile="$3/bundle.js"
    # componentize-js runs its engine's snapshot (Wizer) in a temporary
    # folder of its own; `http` and `fetch-event` would import wasi:http,
    # which no wasmtron world links.
    node "$COMPONENTIZE_JS" "$3/bundle.js" \
        --wit "${5:-$WIT}" --world-name "$1" \
        --disable http fetch-event \
        --out "$4"
}

build_js_utility() { # src work out
    componentize_js utility "$@"
}

build_js_renderer() { # src work out
    componentize_js renderer "$@"
}

# A Python guest of `world`, its module `app` in src, with the SDK's
# MessagePack module beside it. The world is wasmtron's, or one in the WIT
# folder `wit`.
componentize_py() { # world src work out [wit]
    # componentize-py generates the `wit_world` bindings while it builds and
    # leaves `__pycache__` beside the modules it compiles: build from a copy
    # in the work folder, so nothing lands beside the sources.
    mkdir -p "$3/src"
    cp "$2"/*.py "$PY_SDK"/*.py "$3/src/"
    (cd "$3" && "$COMPONENTIZE_PY" --quiet --wit-path "${5:-$WIT}" --world "$1" \
        componentize app --python-path "$3/src" --output "$4")
}

build_py_utility() { # src work out
    componentize_py utility "$@"
}

build_py_renderer() { # src work out
    componentize_py renderer "$@"
}

# An app's own WIT in the work folder, with wasmtron's as its dependency in
# deps/ (a link to wit/, never a copy in the checkout): componentize-js
# reads one WIT folder, and the app's `use wasmtron:app/...` resolves there.
# A guest whose world is not in the app's WIT brings it in a .wit file of
# its own, in the app's package, beside its sources.
app_wit() { # app-wit work src
    mkdir -p "$2/wit/deps"
    cp "$1"/*.wit "$2/wit/"
    local own
    for own in "$3"/*.wit; do
        if [ -e "$own" ]; then cp "$own" "$2/wit/"; fi
    done
    ln -s "$WIT" "$2/wit/deps/wasmtron"
}

# A utility whose world, in the app's WIT, includes wasmtron's utility world
# and exports (or imports) the app's interfaces.
build_js_app_utility() { # src work out app-wit world
    app_wit "$4" "$2" "$1"
    componentize_js "$5" "$1" "$2" "$3" "$2/wit"
}

build_py_app_utility() { # src work out app-wit world
    app_wit "$4" "$2" "$1"
    componentize_py "$5" "$1" "$2" "$3" "$2/wit"
}

# A renderer whose world includes wasmtron's renderer world and imports the
# app's interfaces.
build_js_app_renderer() { # src work out app-wit world
    build_js_app_utility "$@"
}

build_c_utility() { # src work out
    if ! "$WIT_BINDGEN" c "$WIT" --world utility --out-dir "$2/bindings" > "$2/wit-bindgen.log" 2>&1; then
        cat "$2/wit-bindgen.log" >&2
        say "$1: wit-bindgen c failed"
        return 1
    fi
    "$CLANG" --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra -Werror -Wl,--strip-debug \
        -I "$2/bindings" -I "$C_SDK" \
        -o "$2/utility.core.wasm" \
        "$1"/*.c "$2/bindings/utility.c" "$2/bindings/utility_component_type.o"
    "$WASM_TOOLS" component new "$2/utility.core.wasm" \
        --adapt "wasi_snapshot_preview1=$ADAPTER" \
        -o "$3"
}

build js-utility js_utility "$GUESTS/js-utility"
build py-utility py_utility "$GUESTS/py-utility"
build c-utility c_utility "$GUESTS/c-utility"
build js-renderer js_renderer "$GUESTS/js-renderer"
build py-renderer py_renderer "$GUESTS/py-renderer"
build polyglot-renderer js_renderer "$ROOT/examples/polyglot/renderer"
build polyglot-words py_utility "$ROOT/examples/polyglot/words"
build polyglot-checksum c_utility "$ROOT/examples/polyglot/checksum"
PLUGINS="$ROOT/examples/plugins"
build plugins-renderer js_renderer "$PLUGINS/renderer"
build plugins-upper py_app_utility "$PLUGINS/upper" "$PLUGINS/wit" utility-plugin
build plugins-reverse js_app_utility "$PLUGINS/reverse" "$PLUGINS/wit" utility-plugin
CONTRACTS="$ROOT/tests/guests/contracts-wit"
build js-contract-renderer js_app_renderer "$GUESTS/js-contract-renderer" "$CONTRACTS" js-contract-renderer
build py-contract-caller py_app_utility "$GUESTS/py-contract-caller" "$CONTRACTS" py-contract-caller

if [ -n "$EXAMPLE" ]; then
    # The example's Rust parts and the parts built above.
    case "$EXAMPLE" in
        polyglot) rust=(main) parts=(renderer words checksum) ;;
        plugins) rust=(main hostile) parts=(renderer upper reverse) ;;
    esac
    # The Rust parts, in the folder tests/build.rs and build-examples.sh use.
    packages=()
    for part in "${rust[@]}"; do
        packages+=(-p "$EXAMPLE-$part")
    done
    cargo build --release --target wasm32-wasip2 --target-dir "$TARGET/guests" \
        --manifest-path "$ROOT/Cargo.toml" "${packages[@]}"
    dist="$ROOT/examples/$EXAMPLE/dist"
    mkdir -p "$dist"
    for part in "${rust[@]}"; do
        cp "$TARGET/guests/wasm32-wasip2/release/${EXAMPLE}_$part.wasm" "$dist/"
    done
    for part in "${parts[@]}"; do
        cp "$OUT/$EXAMPLE-$part.wasm" "$dist/${EXAMPLE}_$part.wasm"
    done
    cargo build --manifest-path "$ROOT/Cargo.toml" -p wasmtron
    cargo build --manifest-path "$ROOT/Cargo.toml" -p wasmtron-worker
    say "examples/$EXAMPLE is built: run it with \`$TARGET/debug/wasmtron run examples/$EXAMPLE\`"
fi
