#!/usr/bin/env bash
# Build the browser lab into web/dist/: index.html, style.css, app.js, worker.js, ketasim.wasm (the
# ketasim library compiled to WebAssembly), lessons.json (the lessons of docs/teaching.md) and the
# bundled scenarios' TOML files. Serve web/dist/ from any static host, e.g.
#   python3 -m http.server -d web/dist 8000     then open http://localhost:8000/
# Needs the Rust toolchain and python3; uses wasm-opt (Debian package `binaryen`) when installed
# (-O3: about 25 % faster than -Oz, and only 1 % larger gzipped).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dist="$root/web/dist"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "+ rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# A small, fast module: link-time optimisation, one codegen unit, no debug info, abort on panic
# (the panic message is kept: web/wasm records it before the trap). Only the wasm build uses these.
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_LTO=true \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort
echo "+ cargo build --release --target wasm32-unknown-unknown -p ketasim-web"
cargo build --release --target wasm32-unknown-unknown -p ketasim-web

rm -rf "$dist"
mkdir -p "$dist/scenarios"
raw="$target_dir/wasm32-unknown-unknown/release/ketasim_web.wasm"
python3 web/tools/prune_exports.py "$raw" "$dist/ketasim.pruned.wasm"
if command -v wasm-opt >/dev/null 2>&1; then
    echo "+ wasm-opt -O3"
    wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals "$dist/ketasim.pruned.wasm" -o "$dist/ketasim.wasm"
    rm "$dist/ketasim.pruned.wasm"
else
    echo "wasm-opt not found (Debian: apt-get install binaryen): the module is larger but works"
    mv "$dist/ketasim.pruned.wasm" "$dist/ketasim.wasm"
fi

cp web/site/index.html web/site/style.css web/site/app.js web/site/worker.js "$dist/"
cp scenarios/*.toml "$dist/scenarios/"
python3 web/tools/lessons.py docs/teaching.md scenarios > "$dist/lessons.json"

total=0
gz=0
while IFS= read -r -d '' f; do
    total=$((total + $(wc -c < "$f")))
    gz=$((gz + $(gzip -9c "$f" | wc -c)))
done < <(find "$dist" -type f -print0)
echo "web/dist: $(find "$dist" -type f | wc -l) files, $total bytes, $gz bytes gzipped (ketasim.wasm $(wc -c < "$dist/ketasim.wasm") bytes)"
