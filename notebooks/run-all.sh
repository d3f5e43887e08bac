#!/usr/bin/env bash
# Execute every teaching notebook headless, as CI does: create a virtual environment with the pinned
# packages of notebooks/requirements.txt and the ketasim Python package, then
# `jupyter nbconvert --execute` each notebook into notebooks/executed/ (ignored by git; the
# notebooks in the repository stay without outputs).
#
#   bash notebooks/run-all.sh              # from the repository root (or anywhere)
#   NOTEBOOK_VENV=/tmp/nbvenv bash notebooks/run-all.sh
#   KETASIM_REBUILD=1 bash notebooks/run-all.sh   # rebuild the package even if one is installed
#
# The notebooks `import ketasim` (the package in python/). If the virtual environment has it
# already, it is used as it is; otherwise it is built once, here, with maturin (its output shown:
# the first build compiles ketasim and takes several minutes) and installed.
#
# One cell also uses the command line (`ketasim compare`): $KETASIM_BIN if set, else `ketasim` on
# PATH, else the repository's target/release/ketasim, else it is built here with
# `cargo build --release` (its progress shown); without cargo the script stops with a clear message.
# The notebooks write their runs to $KETASIM_RUNS if set, else a per-user folder outside the
# repository (see notebooks/ketasim_nb.py); this script uses a fresh temporary folder unless
# KETASIM_RUNS is set.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${NOTEBOOK_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found: the notebooks need Python 3.11 or later (set PYTHON=/path/to/python3)" >&2
    exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv"; then
        # Debian splits venv support into its own package.
        if command -v apt-get >/dev/null 2>&1; then
            export DEBIAN_FRONTEND=noninteractive
            apt-get update
            apt-get install -y --no-install-recommends python3-venv
            rm -rf "$venv"
            "$python" -m venv "$venv"
        else
            echo "error: $python -m venv failed and apt-get is not available" >&2
            exit 1
        fi
    fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# The ketasim package: the installed one if there is one, else built from python/ and installed.
if [ -z "${KETASIM_REBUILD:-}" ] && "$venv/bin/python" -c "import ketasim" >/dev/null 2>&1; then
    echo "using the installed ketasim package: $("$venv/bin/python" -c 'import ketasim; print(ketasim.__version__, "at", ketasim.__file__)')"
else
    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: the ketasim Python package is not installed in $venv and cargo (Rust) is not found to build it;" >&2
        echo "       install Rust (https://rustup.rs), or install a built wheel first: $venv/bin/pip install ketasim-*.whl" >&2
        exit 1
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin
    echo "building the ketasim Python package with maturin (the first build takes several minutes)..."
    wheels="$(mktemp -d)"
    trap 'rm -rf "$wheels"' EXIT
    "$venv/bin/maturin" build --release --manifest-path "$root/python/Cargo.toml" --interpreter "$venv/bin/python" --out "$wheels"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl
    echo "installed: $("$venv/bin/python" -c 'import ketasim; print(ketasim.__version__, "at", ketasim.__file__)')"
fi

# The ketasim command line, for the notebooks (exported as KETASIM_BIN).
if [ -n "${KETASIM_BIN:-}" ]; then
    if [ ! -x "$KETASIM_BIN" ]; then
        echo "error: KETASIM_BIN=$KETASIM_BIN is not an executable file; point it at a built ketasim binary" >&2
        exit 1
    fi
elif command -v ketasim >/dev/null 2>&1; then
    KETASIM_BIN="$(command -v ketasim)"
else
    KETASIM_BIN="${CARGO_TARGET_DIR:-$root/target}/release/ketasim"
    if ! command -v cargo >/dev/null 2>&1; then
        echo "error: no ketasim command line: set KETASIM_BIN=/path/to/ketasim or put ketasim on PATH" >&2
        echo "       (or install Rust, https://rustup.rs, so that this script can build it)" >&2
        exit 1
    fi
    echo "building the ketasim command line (cargo build --release; the first build takes several minutes)..."
    (cd "$root" && cargo build --release)
fi
export KETASIM_BIN
echo "using the ketasim command line: $KETASIM_BIN ($("$KETASIM_BIN" --version))"
if [ -z "${KETASIM_RUNS:-}" ]; then
    KETASIM_RUNS="$(mktemp -d)"
    trap 'rm -rf "$KETASIM_RUNS" ${wheels:+"$wheels"}' EXIT
fi
export KETASIM_RUNS
echo "runs go to $KETASIM_RUNS"

out="$here/executed"
mkdir -p "$out"
status=0
shopt -s nullglob
notebooks=("$here"/*.ipynb)
if [ "${#notebooks[@]}" -eq 0 ]; then
    echo "error: no notebooks in $here" >&2
    exit 1
fi
for nb in "${notebooks[@]}"; do
    start=$(date +%s)
    if "$venv/bin/jupyter" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
        --output-dir "$out" "$nb" >"$out/$(basename "$nb" .ipynb).log" 2>&1; then
        echo "notebook ok: $(basename "$nb") ($(( $(date +%s) - start )) s)"
    else
        echo "notebook FAILED: $(basename "$nb"); its log:" >&2
        cat "$out/$(basename "$nb" .ipynb).log" >&2
        status=1
    fi
done
exit $status
