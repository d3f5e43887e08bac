#!/usr/bin/env bash
# Execute every teaching notebook headless, as CI does: create a virtual environment with the pinned
# packages of notebooks/requirements.txt, then `jupyter nbconvert --execute` each notebook into
# notebooks/executed/ (ignored by git; the notebooks in the repository stay without outputs).
#
#   bash notebooks/run-all.sh              # from the repository root (or anywhere)
#   NOTEBOOK_VENV=/tmp/nbvenv bash notebooks/run-all.sh
#
# The notebooks build ketasim with cargo if needed and write their runs under notebooks/runs/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${NOTEBOOK_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

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

# Build ketasim once, up front (the notebooks would otherwise build it in their first cell).
(cd "$here/.." && cargo build --release --quiet --bin ketasim)

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
