// The simulation runs here, off the page's main thread, so the page stays responsive.
// A small hand-written loader for ketasim.wasm (plain extern "C" exports; see web/wasm/src/lib.rs).
'use strict';

let wasm = null;
const enc = new TextEncoder();
const dec = new TextDecoder();
const handles = [];

async function load(url) {
  // Any import the module needs besides the clock (none is expected) is a stub that fails loudly.
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  const module = await WebAssembly.compile(await response.arrayBuffer());
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') continue;
    imports[imp.module] = imports[imp.module] || {};
    imports[imp.module][imp.name] = () => { throw new Error(`ketasim.wasm called the missing import ${imp.module}.${imp.name}`); };
  }
  imports.env = imports.env || {};
  imports.env.ks_now_ms = () => performance.now();
  const instance = await WebAssembly.instantiate(module, imports);
  wasm = instance.exports;
}

// Copy a string into wasm memory: [ptr, len]; free with release().
function put(s) {
  const bytes = enc.encode(s);
  const ptr = wasm.ks_alloc(bytes.length);
  new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}
function release(...bufs) { for (const [p, n] of bufs) wasm.ks_free(p, n); }

// The output buffer, copied out (memory may grow and move on the next call).
function outBytes() {
  return new Uint8Array(wasm.memory.buffer, wasm.ks_out_ptr(), wasm.ks_out_len()).slice();
}
function outText() { return dec.decode(outBytes()); }

function check(ok) {
  if (!ok) throw new Error(outText());
}

function call(name, toml, sets, seed) {
  const a = put(toml), b = put(sets);
  try {
    return wasm[name](a[0], a[1], b[0], b[1], seed);
  } finally {
    release(a, b);
  }
}

const ops = {
  bundled() {
    check(wasm.ks_bundled());
    return JSON.parse(outText());
  },
  check({ toml, sets, seed }) {
    check(call('ks_check', toml, sets || '', seed ?? -1));
    return JSON.parse(outText());
  },
  run({ toml, sets, seed }) {
    const t0 = performance.now();
    const h = call('ks_run', toml, sets || '', seed ?? -1);
    const ms = performance.now() - t0;
    check(h);
    check(wasm.ks_info(h));
    const info = JSON.parse(outText());
    check(wasm.ks_trace(h));
    const raw = outBytes();
    const values = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    const columns = {};
    info.columns.forEach((c, i) => { columns[c.name] = values.slice(i * info.rows, (i + 1) * info.rows); });
    if (info.pain) {
      // pain.csv has a row per trace sample: its columns join the trace's (for the pain panel).
      const lines = dec.decode(ops.file({ handle: h, name: 'pain.csv' })).trimEnd().split('\n');
      const names = lines[0].split(',');
      const cols = names.map(() => new Float64Array(lines.length - 1));
      for (let i = 1; i < lines.length; i++) lines[i].split(',').forEach((x, k) => { cols[k][i - 1] = x === '' ? NaN : Number(x); });
      names.forEach((n, k) => { if (!(n in columns)) columns[n] = cols[k]; });
    }
    handles.push(h);
    // Keep the files of the last few runs only.
    while (handles.length > 6) wasm.ks_drop(handles.shift());
    return { handle: h, info, columns, ms, totalMs: performance.now() - t0 };
  },
  edit({ toml, ops }) {
    const a = put(toml), b = put(ops);
    try {
      check(wasm.ks_edit(a[0], a[1], b[0], b[1]));
    } finally {
      release(a, b);
    }
    return outText();
  },
  file({ handle, name }) {
    const n = put(name);
    try {
      check(wasm.ks_file(handle, n[0], n[1]));
    } finally {
      release(n);
    }
    return outBytes();
  },
};

let ready = null;
self.onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    if (!ready) ready = load(args && args.wasmUrl ? args.wasmUrl : 'ketasim.wasm');
    await ready;
    if (op === 'init') { self.postMessage({ id, ok: true, result: true }); return; }
    const result = ops[op](args || {});
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    // A trap (e.g. a panic) leaves the module unusable: reload it for the next call.
    let message = String(err && err.message ? err.message : err);
    if (err instanceof WebAssembly.RuntimeError) {
      try { const t = outText(); if (t.startsWith('internal error')) message = t; } catch (_) { /* memory unreadable */ }
      ready = null;
    }
    self.postMessage({ id, ok: false, error: message });
  }
};
