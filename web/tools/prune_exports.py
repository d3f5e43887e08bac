#!/usr/bin/env python3
"""Keep only the exports the page uses (`memory` and the `ks_*` functions) in a .wasm file.

The wasm-bindgen crates that bevy and getrandom pull in export descriptor functions
(`__wbindgen_describe_*`) that keep wasm-bindgen imports alive. The browser lab does not use
wasm-bindgen, so those exports are dropped here; `wasm-opt` then removes the dead code and imports.

Usage: prune_exports.py IN.wasm OUT.wasm
"""
import sys


def leb(data, i):
    """Read an unsigned LEB128 at i: (value, next index)."""
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def enc(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def keep(name):
    return name == "memory" or name.startswith("ks_")


def main(src, dst):
    data = open(src, "rb").read()
    assert data[:4] == b"\0asm", "not a wasm module"
    out = bytearray(data[:8])
    i = 8
    kept = dropped = 0
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        body = data[j : j + size]
        i = j + size
        if sid == 7:  # export section
            n, k = leb(body, 0)
            entries = []
            for _ in range(n):
                ln, k2 = leb(body, k)
                name = body[k2 : k2 + ln].decode()
                kind = body[k2 + ln]
                _, k3 = leb(body, k2 + ln + 1)
                if keep(name):
                    entries.append(body[k:k3])
                    kept += 1
                else:
                    dropped += 1
                k = k3
            body = enc(len(entries)) + b"".join(entries)
        out.append(sid)
        out += enc(len(body)) + body
    open(dst, "wb").write(out)
    print(f"prune_exports: kept {kept} exports, dropped {dropped}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
