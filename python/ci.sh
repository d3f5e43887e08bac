#!/usr/bin/env bash
# Build the Python package (wheel) and run its tests, as CI does (.ci/run calls this):
#   bash python/ci.sh                       # from anywhere
#   PYTHON_VENV=/tmp/kv bash python/ci.sh   # another virtual environment
#
# Creates a virtual environment (default python/.venv), installs maturin, pytest, pandas and numpy,
# builds the release wheel with maturin (output shown), installs it, builds the ketasim binary that
# the tests compare with (target/release/ketasim), and runs pytest on python/tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${PYTHON_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

run() {
    printf '+ %s\n' "$*"
    "$@"
}

command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found: install the Rust toolchain (https://rustup.rs)" >&2; exit 1; }
command -v "$python" >/dev/null 2>&1 || { echo "error: $python not found: install Python 3.9 or later" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
    if ! run "$python" -m venv "$venv"; then
        # Debian splits venv support into its own package.
        if command -v apt-get >/dev/null 2>&1; then
            export DEBIAN_FRONTEND=noninteractive
            run apt-get update
            run apt-get install -y --no-install-recommends python3-venv
            rm -rf "$venv"
            run "$python" -m venv "$venv"
        else
            echo "error: $python -m venv failed and apt-get is not available" >&2
            exit 1
        fi
    fi
fi
run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin pytest pandas numpy

wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
start=$(date +%s)
run "$venv/bin/maturin" build --release --manifest-path "$here/Cargo.toml" --interpreter "$venv/bin/python" --out "$wheels"
echo "wheel built in $(( $(date +%s) - start )) s: $(ls "$wheels") ($(du -k "$wheels"/*.whl | cut -f1) KiB)"
run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl

# The command-line binary the tests compare with (already built by `cargo test --release`).
(cd "$root" && run cargo build --release --quiet --bin ketasim)
cd "$here/tests"
KETASIM_BIN="${KETASIM_BIN:-$root/target/release/ketasim}" run "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/tests"
