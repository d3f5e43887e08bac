#!/usr/bin/env bash
# Build the browser lab and run its tests in headless Chromium (called by .ci/run).
# Installs what is missing: the Debian packages chromium and binaryen (as root), the
# wasm32-unknown-unknown target, and playwright-core from web/test/package-lock.json (npm ci).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

run() {
    printf '+ %s\n' "$*"
    "$@"
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        run apt-get update
        run apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "error: missing ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

run bash web/build.sh
# The wasm crate's own tests (run natively): its files and trace equal the library's, its edits.
run cargo test --release -p ketasim-web
# The native command line, for the comparison with the browser's results.
run cargo build --release
(cd web/test && run npm ci --no-audit --no-fund)
CHROMIUM="$(command -v chromium)" run node web/test/run-tests.mjs
