#!/usr/bin/env bash
# Installs the page's npm packages (package.json and package-lock.json pin
# exact versions) and copies the ES modules the page imports into ui/vendor/
# (gitignored, as is node_modules/):
#
#   ui/vendor/preact.mjs   preact/dist/preact.mjs
#   ui/vendor/hooks.mjs    preact/hooks/dist/hooks.mjs
#   ui/vendor/htm.mjs      htm/dist/htm.mjs
#
# with each package's LICENSE beside them. `npm install` runs only when
# node_modules/ was not installed from the current package files, so a
# second run needs neither npm nor the network; the copies are rewritten
# only when they would change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

stamp=node_modules/.wasmtron-installed
wanted="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$wanted" ]]; then
    if ! command -v npm > /dev/null; then
        echo "vendor.sh: npm is needed to install the page's packages (Node 20 or later)" >&2
        exit 1
    fi
    # No install scripts: the page needs the packages' files, nothing run.
    npm install --no-audit --no-fund --ignore-scripts --prefer-offline
    echo "$wanted" > "$stamp"
fi

mkdir -p ui/vendor
# Copies node_modules/$1 to ui/vendor/$2 through the sed script $3.
vendor() {
    local from="node_modules/$1" to="ui/vendor/$2" edit="$3"
    local fresh
    fresh="$(mktemp)"
    sed -e "$edit" "$from" > "$fresh"
    if cmp -s "$fresh" "$to"; then
        rm -f "$fresh"
    else
        mv "$fresh" "$to"
        chmod 644 "$to"
    fi
}

# The source map comment goes: the maps are not copied.
no_map='/^\/\/# sourceMappingURL=/d'
vendor preact/dist/preact.mjs preact.mjs "$no_map"
# The page cannot have an import map (it would be an inline script, which
# its content security policy refuses), so the hooks' bare `from "preact"`
# becomes a path to the copy beside it.
vendor preact/hooks/dist/hooks.mjs hooks.mjs "$no_map; s#from *\"preact\"#from\"./preact.mjs\"#g"
vendor htm/dist/htm.mjs htm.mjs "$no_map"
vendor preact/LICENSE preact.LICENSE ''
vendor htm/LICENSE htm.LICENSE ''

# A bare specifier left in a copy would fail only in the window, at load.
if grep -nE "(from|import)[[:space:]]*[\"'][^./\"']" ui/vendor/*.mjs; then
    echo "vendor.sh: a module above still imports a bare name; rewrite it to a path" >&2
    exit 1
fi
echo "vendor.sh: page modules in examples/notes/ui/vendor/"
