#!/usr/bin/env bash
# Installs what building and testing wasmtron needs on Debian/Ubuntu:
# WebKitGTK and GTK headers, an X server and input/screenshot tools for the
# end-to-end test (python3-xlib closes windows there as a window manager
# would; xclip reads the clipboard), and the Rust wasm32-wasip2 target,
# clippy and rustfmt.
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
    python3-xlib
    pkg-config
    # nm, for the test that reads the worker program's symbols
    binutils
    # the clipboard test reads what is on the X clipboard
    xclip
)

missing=()
for package in "${packages[@]}"; do
    # Like `dpkg -s`, but a package removed with its configuration kept
    # (status "deinstall ok config-files") counts as missing.
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "install-deps: installing ${missing[*]}"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update
    # Through `env` because sudo drops the caller's environment.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "install-deps: system packages present"
fi

if ! command -v rustup >/dev/null; then
    echo "install-deps: rustup not found; install Rust from https://rustup.rs" >&2
    exit 1
fi
# Lists are read whole before matching: with pipefail, `grep -q` quitting
# early could fail the pipe and make a present item look missing.
targets=$(rustup target list --installed)
if ! grep -qx wasm32-wasip2 <<<"$targets"; then
    echo "install-deps: adding the wasm32-wasip2 target"
    rustup target add wasm32-wasip2
fi
components=$(rustup component list --installed)
for component in clippy rustfmt; do
    if ! grep -q "^$component-" <<<"$components"; then
        echo "install-deps: adding $component"
        rustup component add "$component"
    fi
done
