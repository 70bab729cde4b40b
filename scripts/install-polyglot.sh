#!/usr/bin/env bash
# Installs the toolchains that build the polyglot test guests
# (tests/guests/polyglot): JavaScript (componentize-js), Python
# (componentize-py) and C (clang + wasi-libc + wit-bindgen + wasm-tools).
#
# Idempotent: each step checks for its result first, so on a prepared machine
# it needs neither network nor root. Debian packages come from apt (as root,
# or through sudo), npm packages go into a local folder, componentize-py into
# a venv, and the cargo-installed tools into that same tools folder:
#
#   ${WASMTRON_POLYGLOT_TOOLS:-${CARGO_TARGET_DIR:-target}/polyglot-tools}
#
# scripts/build-polyglot.sh finds them there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="${WASMTRON_POLYGLOT_TOOLS:-$TARGET/polyglot-tools}"

# The versions the guests are built and tested with.
COMPONENTIZE_JS_VERSION="0.23.0"
# Bundles a JavaScript guest with the SDK's modules: componentize-js takes
# one module.
ESBUILD_VERSION="0.28.2"
COMPONENTIZE_PY_VERSION="0.25.1"
# wit-bindgen-cli matches the wit-bindgen crate in Cargo.lock; wasm-tools
# matches the wit-component crate that wit-bindgen 0.48 uses (0.241).
WIT_BINDGEN_VERSION="0.48.1"
WASM_TOOLS_VERSION="1.241.2"
# The WASI preview1 adapter shipped with the wasmtime the host links (48).
ADAPTER_PROVIDER_VERSION="48.0.8"
LLVM_VERSION="19"

say() { printf '[install-polyglot] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo > /dev/null; then
        sudo "$@"
    else
        say "need root (or sudo) for: $*"
        exit 1
    fi
}

mkdir -p "$TOOLS"

# --- Debian packages: clang, lld, compiler-rt builtins and wasi-libc -------
apt_packages=(
    "clang-$LLVM_VERSION"
    "lld-$LLVM_VERSION"
    "libclang-rt-$LLVM_VERSION-dev-wasm32"
    wasi-libc
    python3-venv
    nodejs
    npm
)
missing=()
for package in "${apt_packages[@]}"; do
    # Node and npm may come from elsewhere (nvm, a tarball); only ask apt
    # when they are not on the PATH.
    case "$package" in
        nodejs) command -v node > /dev/null && continue ;;
        npm) command -v npm > /dev/null && continue ;;
        python3-venv) python3 -c 'import venv, ensurepip' 2> /dev/null && continue ;;
    esac
    if ! dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- JavaScript: componentize-js and esbuild, local to the tools folder ----
JS_DIR="$TOOLS/js"
JS_WANTED="componentize-js $COMPONENTIZE_JS_VERSION, esbuild $ESBUILD_VERSION"
if [ "$(cat "$JS_DIR/.installed" 2> /dev/null)" != "$JS_WANTED" ]; then
    say "npm install $JS_WANTED"
    # From scratch: npm updating a tree in place has left packages out.
    rm -rf "$JS_DIR"
    mkdir -p "$JS_DIR"
    printf '{ "private": true, "type": "module" }\n' > "$JS_DIR/package.json"
    (cd "$JS_DIR" && npm install --no-audit --no-fund --save-exact \
        "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION" \
        "esbuild@$ESBUILD_VERSION")
    echo "$JS_WANTED" > "$JS_DIR/.installed"
fi

# --- Python: componentize-py in a venv -------------------------------------
VENV="$TOOLS/venv"
if [ "$(cat "$VENV/.installed" 2> /dev/null)" != "$COMPONENTIZE_PY_VERSION" ]; then
    say "pip install componentize-py==$COMPONENTIZE_PY_VERSION (venv $VENV)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "componentize-py==$COMPONENTIZE_PY_VERSION"
    echo "$COMPONENTIZE_PY_VERSION" > "$VENV/.installed"
fi

# --- Rust tools: wit-bindgen-cli and wasm-tools ----------------------------
cargo_tool() { # crate version binary
    local crate="$1" version="$2" binary="$3"
    if [ -x "$TOOLS/bin/$binary" ] &&
        "$TOOLS/bin/$binary" --version 2> /dev/null | grep -q "$version"; then
        return
    fi
    say "cargo install $crate@$version"
    # A build folder of its own: the caller's target dir may be locked by
    # the cargo that is running us (scripts/build-polyglot.sh from a test).
    cargo install --locked --quiet --root "$TOOLS" --target-dir "$TOOLS/cargo-build" \
        "$crate" --version "=$version"
    rm -rf "$TOOLS/cargo-build"
}
cargo_tool wit-bindgen-cli "$WIT_BINDGEN_VERSION" wit-bindgen
cargo_tool wasm-tools "$WASM_TOOLS_VERSION" wasm-tools

# --- The WASI preview1 reactor adapter of wasmtime 48 ----------------------
# It ships as bytes inside the wasi-preview1-component-adapter-provider
# crate; a throwaway program writes them out.
ADAPTER="$TOOLS/wasi_snapshot_preview1.reactor.wasm"
if [ "$(cat "$ADAPTER.version" 2> /dev/null)" != "$ADAPTER_PROVIDER_VERSION" ] || [ ! -s "$ADAPTER" ]; then
    say "extracting the preview1 reactor adapter ($ADAPTER_PROVIDER_VERSION)"
    writer="$TOOLS/adapter-writer"
    mkdir -p "$writer/src"
    cat > "$writer/Cargo.toml" << EOF
[package]
name = "adapter-writer"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
wasi-preview1-component-adapter-provider = "=$ADAPTER_PROVIDER_VERSION"

[workspace]
EOF
    cat > "$writer/src/main.rs" << 'EOF'
fn main() {
    let out = std::env::args().nth(1).expect("usage: adapter-writer OUT");
    std::fs::write(
        out,
        wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
    )
    .expect("cannot write the adapter");
}
EOF
    cargo run --quiet --manifest-path "$writer/Cargo.toml" \
        --target-dir "$writer/target" -- "$ADAPTER"
    rm -rf "$writer"
    echo "$ADAPTER_PROVIDER_VERSION" > "$ADAPTER.version"
fi

say "toolchains ready in $TOOLS"
