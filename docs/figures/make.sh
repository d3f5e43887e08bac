#!/usr/bin/env bash
# Regenerate docs/figures/: one cascade figure per bundled scenario, drawn by `ketasim plot`.
#
#   bash docs/figures/make.sh            # from anywhere; builds ketasim (release) first
#
# Runs go to a temporary directory; only the PNGs are kept.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/release/ketasim"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for name in $("$bin" list | awk '{print $1}'); do
    "$bin" run "$name" --out "$tmp/$name" --quiet --plot >/dev/null
    cp "$tmp/$name/figure.png" "docs/figures/$name.png"
    echo "docs/figures/$name.png"
done
# The comparison figure of README.md and docs/teaching.md: the plain infusion against the same
# infusion under rapamycin (`ketasim compare`).
"$bin" compare "$tmp/iv-infusion" "$tmp/rapamycin-block" --out docs/figures/compare-rapamycin.png --force >/dev/null
echo "docs/figures/compare-rapamycin.png"
