#!/usr/bin/env bash
# Installs what building and testing wasmtron needs on Debian/Ubuntu:
# WebKitGTK and GTK headers, an X server and input/screenshot tools for the
# end-to-end test, and the Rust wasm32-wasip2 target, clippy and rustfmt.
# Idempotent: it only asks apt and rustup for what is missing, so a machine
# that has everything needs neither network nor root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
    libwebkit2gtk-4.1-dev
    libgtk-3-dev
    xvfb
    xauth
    xdotool
    imagemagick
    pkg-config
)

missing=()
for package in "${packages[@]}"; do
    # `dpkg -s` also lists removed-but-configured packages; only a package
    # whose status says "install ok installed" is really there.
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "install-deps: installing ${missing[*]}"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "install-deps: system packages present"
fi

if ! command -v rustup >/dev/null; then
    echo "install-deps: rustup not found; install Rust from https://rustup.rs" >&2
    exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    echo "install-deps: adding the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi
for component in clippy rustfmt; do
    if ! rustup component list --installed | grep -q "^$component"; then
        echo "install-deps: adding $component"
        rustup component add "$component"
    fi
done
