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
# The stacked, log-x dose-response figure of docs/teaching.md (`ketasim plot SWEEP --y ... --logx`):
# notebook 3's sweep, 0.1-3 mg/kg over 40 min, the same 2 subjects at every dose.
cat > "$tmp/dose-sweep.toml" <<'TOML'
base = "iv-infusion"
description = "IV infusion over 40 min, 0.1-3 mg/kg, 48 h, 2 replicates (the same 2 subjects at every dose)"
replicates = 2
seed = 1
seeds = "by_replicate"

[set]
"duration_h" = 48.0

[grid]
"dose.0.mg_per_kg" = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]
TOML
"$bin" sweep "$tmp/dose-sweep.toml" --out "$tmp/dose-sweep" --quiet >/dev/null
"$bin" plot "$tmp/dose-sweep" --y peak_glutamate_rel --y peak_nmda_block_pyramidal --y spine_density_rel_24h \
    --y peak_dissociation_cadss --logx --out docs/figures/dose-response-panels.png --force >/dev/null
echo "docs/figures/dose-response-panels.png"
