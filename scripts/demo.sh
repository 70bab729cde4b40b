#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds wasmtron
# and the hello example, and runs it. With a display the window opens for
# you; without one (a server, CI) the app runs on a virtual X server, is
# driven once by scripts/drive-hello.py with real X11 input, and a
# screenshot is saved.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

# The dev profile, as scripts/test.sh builds it, so the two share one build.
echo "demo: building wasmtron"
cargo build -p wasmtron
# Built alone, so that it links no compiler (see docs/architecture.md).
cargo build -p wasmtron-worker
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
wasmtron="$target_dir/debug/wasmtron"

echo "demo: building the hello example"
bash scripts/build-examples.sh

if [[ -n "${DISPLAY:-}" ]]; then
    echo "demo: opening examples/hello (close the window to end)"
    exec "$wasmtron" run examples/hello
fi

screenshot="$target_dir/demo/hello.png"
echo "demo: no DISPLAY; running examples/hello on a virtual X server"
# The same screen the e2e test gives its own Xvfb: 24-bit colour, no TCP
# listener.
xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" \
    python3 scripts/drive-hello.py \
    --wasmtron "$wasmtron" --app examples/hello --screenshot "$screenshot"
echo "demo: done; the screenshot is $screenshot"
