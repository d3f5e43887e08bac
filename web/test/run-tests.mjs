// Browser tests of the ketasim browser lab: headless Chromium (Debian package `chromium`, driven by
// playwright-core) against web/dist served by `python3 -m http.server` on 127.0.0.1.
//
//   node web/test/run-tests.mjs            (after web/build.sh and `cargo build --release`)
//
// Environment: KETASIM_BIN (default target/release/ketasim), CHROMIUM (default /usr/bin/chromium),
// KETASIM_WEB_RUNS (timed runs, default 5), KETASIM_WEB_SCREENSHOT (also copy the screenshot there;
// `KETASIM_WEB_SCREENSHOT=docs/figures/browser-lab.png` regenerates the README's).
// Writes web/test/out/screenshot.png, web/test/out/phone.png and web/test/out/results.json (all
// untracked: a CI checkout stays clean).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dist = path.join(root, 'web/dist');
const outDir = path.join(here, 'out');
const bin = process.env.KETASIM_BIN || path.join(root, 'target/release/ketasim');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const timedRuns = Number(process.env.KETASIM_WEB_RUNS || 5);

let failures = 0;
const results = { checks: [], timings: {} };
function check(name, ok, detail = '') {
  results.checks.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  if (!ok) failures++;
}

// CPU seconds used so far by a process and all its descendants (Linux /proc), to time runs
// independently of other load on the machine.
function cpuOfTree(rootPid) {
  const children = new Map(), ticks = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch { /* the process ended */ }
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length) {
    const p = todo.pop();
    total += ticks.get(p) || 0;
    todo.push(...(children.get(p) || []));
  }
  return total / 100; // USER_HZ
}
// CPU seconds of this process's finished (waited-for) children.
function childrenCpu() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}
function findPid(marker) {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(marker)) return Number(d); } catch { /* gone */ }
  }
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
async function waitForServer(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the static server did not start');
}

// CSV → rows of fields (no quoted commas in trace/summary numbers; events are compared as bytes).
const parseCsv = (text) => text.trimEnd().split('\n').map((l) => l.split(','));

// The native run of the command line, for the same scenario and seed.
function nativeRun(spec, dir, extra = []) {
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(bin, ['run', spec, '--out', dir, '--quiet', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  const read = (f) => fs.readFileSync(path.join(dir, f));
  const wall = JSON.parse(read('manifest.json')).wall_time_s;
  const out = { trace: read('trace.csv'), events: read('events.csv'), summary: read('summary.csv'), doses: read('doses.csv'), wall_s: wall };
  for (const f of ['pain', 'pain_summary']) if (fs.existsSync(path.join(dir, `${f}.csv`))) out[f] = read(`${f}.csv`);
  return out;
}

// Compare two CSV files field by field: numbers to `rel` relative difference, text exactly.
function compareCsv(a, b, rel) {
  const ra = parseCsv(a.toString()), rb = parseCsv(b.toString());
  if (ra.length !== rb.length) return { ok: false, detail: `${ra.length} vs ${rb.length} lines` };
  let differ = 0, worst = 0, where = '';
  for (let i = 0; i < ra.length; i++) {
    if (ra[i].length !== rb[i].length) return { ok: false, detail: `line ${i + 1}: ${ra[i].length} vs ${rb[i].length} fields` };
    for (let k = 0; k < ra[i].length; k++) {
      const x = ra[i][k], y = rb[i][k];
      if (x === y) continue;
      differ++;
      const fx = Number(x), fy = Number(y);
      if (x === '' || y === '' || !Number.isFinite(fx) || !Number.isFinite(fy)) return { ok: false, detail: `line ${i + 1} field ${k + 1}: "${x}" vs "${y}"` };
      const r = Math.abs(fx - fy) / Math.max(Math.abs(fx), Math.abs(fy), 1e-300);
      if (r > worst) { worst = r; where = `line ${i + 1} ${ra[0][k]}: ${x} vs ${y}`; }
    }
  }
  return { ok: worst <= rel, differ, worst, where, fields: ra.reduce((n, r) => n + r.length, 0) };
}

async function main() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) throw new Error('web/dist is missing: run web/build.sh first');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run cargo build --release first`);
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ketasim-web-'));

  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dist], { stdio: 'ignore' });
  const marker = `${process.pid}-${Date.now()}`;
  const browser = await (async () => {
    await waitForServer(port);
    return chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--ketasim-web-test=${marker}`],
      // playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
    });
  })();
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

    const base = `http://127.0.0.1:${port}/`;
    await page.goto(base);
    await page.waitForFunction(() => window.lab && window.lab.ready, null, { timeout: 60000 });
    check('the page loads and the model starts', true, await page.textContent('#status'));
    // Every bundled scenario (scenarios/*.toml, the set built into the binary) is a lesson.
    const bundled = fs.readdirSync(path.join(root, 'scenarios')).filter((f) => f.endsWith('.toml')).length;
    const listed = await page.$$eval('#lesson option', (o) => o.length);
    check('the lessons are listed', listed === bundled, `${listed} listed, ${bundled} bundled`);
    // Every lesson has its text from docs/teaching.md (web/tools/lessons.py): its number in the list.
    const untitled = await page.$$eval('#lesson option', (o) => o.filter((x) => !/^\d+[a-z]?\. /.test(x.textContent)).map((x) => x.value));
    check('every lesson has its text', untitled.length === 0, untitled.join(', ') || `${listed} lessons`);

    // Accessibility basics: every control has a label; the lesson text opens and closes with the keyboard.
    const unlabelled = await page.$$eval('input, select, button', (els) => els.filter((e) => {
      if (e.closest('[hidden]')) return false;
      const byFor = e.id && document.querySelector(`label[for="${e.id}"]`);
      return !(byFor || e.getAttribute('aria-label') || (e.tagName === 'BUTTON' && e.textContent.trim()));
    }).map((e) => e.id || e.outerHTML.slice(0, 60)));
    check('every control has a label', unlabelled.length === 0, unlabelled.join(', '));
    await page.focus('#explain');
    await page.keyboard.press('Enter');
    const dialogOpen = await page.$eval('#lesson-dialog', (d) => d.open && d.textContent.includes('Zarate'));
    await page.keyboard.press('Escape');
    const dialogClosed = await page.$eval('#lesson-dialog', (d) => !d.open);
    check('the lesson explanation opens with Enter and closes with Escape', dialogOpen && dialogClosed);

    // Run the iv-infusion lesson (7 days) with the keyboard: focus Run (A), press Enter.
    const runOnce = async (button, slot) => {
      const n = await page.evaluate(() => window.lab.timings.length);
      const t0 = Date.now();
      await page.focus(button);
      await page.keyboard.press('Enter');
      await page.waitForFunction((k) => window.lab.timings.length > k, n, { timeout: 120000 });
      const wall = Date.now() - t0;
      const t = await page.evaluate(() => window.lab.timings[window.lab.timings.length - 1]);
      if (t.slot !== slot) throw new Error(`expected run ${slot}, got ${t.slot}`);
      return { ...t, click_to_done_ms: wall };
    };
    const first = await runOnce('#run-a', 'A');
    check('the iv-infusion lesson runs', first.rows === 2017, `${first.rows} samples; first run ${first.page_ms.toFixed(0)} ms`);

    // The plotted values against the native run's trace.csv (same scenario, same seed).
    const native = nativeRun('iv-infusion', path.join(tmp, 'iv'));
    const rows = parseCsv(native.trace.toString());
    const header = rows[0];
    const plotted = await page.evaluate(() => window.lab.plotted.A);
    const cols = ['plasma_ketamine_ng_ml', 'brain_ketamine_um', 'nmda_block_interneuron', 'pyramidal_rate_hz', 'glutamate_rel', 'bdnf_rel',
      'mtorc1_rel', 'synaptic_protein_rel', 'spine_density_rel', 'sbp_mmhg', 'dissociation_cadss', 'madrs'];
    const times = [0.5, 40 / 60, 1, 2, 6, 24, 72, 168];
    let worst = 0, exact = 0, n = 0, where = '';
    for (const c of cols) {
      const k = header.indexOf(c);
      for (const t of times) {
        const i = rows.findIndex((r, j) => j > 0 && Math.abs(Number(r[0]) - t) < 1e-9);
        const want = Number(rows[i][k]);
        const j = plotted[c].t.findIndex((x) => Math.abs(x - t) < 1e-9);
        const got = plotted[c].y[j];
        n++;
        if (got === want) exact++;
        const r = Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);
        if (!(r <= worst)) { worst = r; where = `${c} at ${t} h: ${got} vs ${want}`; }
      }
    }
    check('the plotted values equal the native run (12 columns × 8 times)', worst <= 1e-12,
      `${exact}/${n} bit-identical, largest relative difference ${worst.toExponential(2)}${where ? ` (${where})` : ''}`);
    const lines = await page.$$eval('#panels polyline[data-run="A"]', (p) => new Set(p.map((x) => x.dataset.col)).size);
    const panels = await page.$$eval('#panels figure', (f) => f.map((x) => x.querySelector('figcaption').textContent));
    check('all nine cascade panels are drawn, each series a line', panels.length === 9 && lines === 19, `${panels.length} panels, ${lines} series`);
    // Colour-blind readable: every series colour is from the Okabe–Ito palette (ochre: its yellow,
    // darkened for contrast on white), and within a panel no two series share a dash pattern, so
    // colour is never the only difference.
    const okabeIto = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#B49600'];
    const styles = await page.$$eval('#panels figure', (figs) => figs.map((f) => {
      const seen = new Map();
      for (const p of f.querySelectorAll('polyline[data-run="A"]')) seen.set(p.dataset.col, [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray') || '']);
      return [...seen.values()];
    }));
    const badColour = styles.flat().filter(([c]) => !okabeIto.includes(c.toUpperCase())).map(([c]) => c);
    const sameDash = styles.filter((s) => new Set(s.map(([, d]) => d)).size !== s.length).length;
    check('series colours are Okabe–Ito and each series in a panel has its own dash pattern', badColour.length === 0 && sameDash === 0,
      `${styles.flat().length} series; colours outside the palette: ${badColour.join(', ') || 'none'}; panels with a repeated dash: ${sameDash}`);

    // Downloads: the CSV files against the command line's bytes.
    const grab = async (slot, file) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#downloads button[data-run="${slot}"][data-file="${file}"]`)]);
      return fs.readFileSync(await dl.path());
    };
    // Every CSV file a run downloads must equal the command line's, byte for byte (src/math.rs:
    // the same maths library on every target).
    results.bytes = {};
    const sameBytes = async (slot, want, label) => {
      const files = Object.keys(want).filter((f) => f !== 'wall_s');
      const offered = await page.$$eval(`#downloads button[data-run="${slot}"]`, (b) => b.map((x) => x.dataset.file));
      for (const f of files) {
        if (!offered.includes(`${f}.csv`)) { check(`${label}: ${f}.csv is offered for download`, false, offered.join(', ')); continue; }
        const got = await grab(slot, `${f}.csv`);
        const same = Buffer.compare(got, want[f]) === 0;
        const cmp = compareCsv(got, want[f], 0);
        results.bytes[`${label} ${f}.csv`] = { identical: same, bytes: got.length };
        check(`${label}: ${f}.csv download is byte-identical to the CLI's`, same && got.length > 0,
          same ? `${got.length} bytes` : `${cmp.differ ?? '?'} fields differ (${cmp.where || cmp.detail || ''})`);
      }
    };
    await sameBytes('A', native, 'iv-infusion');
    const toml = await grab('A', 'scenario.toml');
    check('the scenario.toml download is the lesson file', Buffer.compare(toml, fs.readFileSync(path.join(root, 'scenarios/iv-infusion.toml'))) === 0);

    // Change the scenario in the page (half the dose, rapamycin), run it as B, and check the
    // downloaded scenario with the command line.
    await page.fill('#amount', '0.25');
    await page.check('#iv-rapamycin');
    const second = await runOnce('#run-b', 'B');
    const dosedB = await page.evaluate(() => window.lab.runs.B.info.scenario);
    check('a changed scenario runs as B beside A', dosedB.dose[0].mg_per_kg === 0.25 && dosedB.intervention[0].kind === 'rapamycin' &&
      (await page.$$eval('#panels polyline[data-run="B"]', (p) => p.length)) > 0, `${second.rows} samples`);
    const tomlB = await grab('B', 'scenario.toml');
    fs.writeFileSync(path.join(tmp, 'changed.toml'), tomlB);
    const nativeB = nativeRun(path.join(tmp, 'changed.toml'), path.join(tmp, 'changed'));
    await sameBytes('B', nativeB, 'run B (changed, the CLI runs its downloaded TOML)');
    const summaryB = await page.evaluate(() => window.lab.runs.B.info.summary);
    const summaryA = await page.evaluate(() => window.lab.runs.A.info.summary);
    check('rapamycin holds the spine gain down (B below A at 24 h)', summaryB.spine_density_rel_24h < summaryA.spine_density_rel_24h,
      `${summaryA.spine_density_rel_24h.toFixed(4)} vs ${summaryB.spine_density_rel_24h.toFixed(4)}`);

    // A pain lesson: the pain panel is drawn and every file (pain.csv, pain_summary.csv too)
    // equals the command line's bytes.
    await page.selectOption('#lesson', 'windup');
    await page.waitForFunction(() => document.querySelector('#lesson').value === 'windup' && document.querySelector('#duration').value === '4');
    const pain = await runOnce('#run-a', 'A');
    const painPanel = await page.$$eval('#panels figure figcaption', (f) => f.some((x) => x.textContent.includes('Pain')));
    const painLine = await page.$$eval('#panels polyline[data-run="A"][data-col="nrs_rest"]', (p) => p.length);
    check('the windup lesson runs and draws the pain panel', pain.lesson === 'windup' && painPanel && painLine > 0, `${pain.rows} samples`);
    const nativePain = nativeRun('windup', path.join(tmp, 'windup'));
    check('the native windup run writes the pain files', Boolean(nativePain.pain && nativePain.pain_summary));
    await sameBytes('A', nativePain, 'windup');
    const plottedNrs = await page.evaluate(() => window.lab.plotted.A.nrs_rest);
    const painRows = parseCsv(nativePain.pain.toString());
    const kNrs = painRows[0].indexOf('nrs_rest');
    check('the plotted pain (NRS at rest) equals the native pain.csv', plottedNrs && plottedNrs.y.length === painRows.length - 1 &&
      painRows.slice(1).every((r, i) => Number(r[kNrs]) === plottedNrs.y[i]), `${painRows.length - 1} samples`);
    await page.selectOption('#lesson', 'iv-infusion');
    await page.waitForFunction(() => document.querySelector('#lesson').value === 'iv-infusion' && document.querySelector('#duration').value === '168');

    // Keyboard: from the top of the page, Tab reaches the lesson, the dose, Run and the downloads.
    // (Clicking the heading moves the browser's sequential focus starting point to the top.)
    await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
    await page.click('h1');
    const reached = [];
    for (let i = 0; i < 150; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => { const e = document.activeElement; return e ? (e.id || (e.dataset.file ? `download:${e.dataset.file}` : e.tagName)) : ''; });
      reached.push(f);
      if (f.startsWith('download:')) break;
    }
    const order = ['lesson', 'amount', 'run-a'].map((id) => reached.indexOf(id));
    const dl = reached.findIndex((f) => f.startsWith('download:'));
    check('Tab reaches the lesson, the dose, Run and the downloads, in that order', order.every((k) => k >= 0) && order[0] < order[1] && order[1] < order[2] && dl > order[2],
      `${reached.length} presses: lesson ${order[0] + 1}, dose ${order[1] + 1}, Run ${order[2] + 1}, first download ${dl + 1}`);

    // A dose that is not low is flagged before the run.
    await page.fill('#amount', '2');
    await page.selectOption('#route', 'iv_bolus');
    await page.waitForFunction(() => document.querySelector('#dose-class').classList.contains('not-low'), null, { timeout: 10000 });
    check('a dose above the low-dose limits is flagged', true, await page.textContent('#dose-class'));
    await page.click('#reset');
    // A value out of range is explained next to the Run button, and nothing runs.
    await page.fill('#weight', '500');
    await page.waitForFunction(() => document.querySelector('#input-error').textContent.includes('Body weight'), null, { timeout: 10000 });
    const before = await page.evaluate(() => window.lab.timings.length);
    await page.click('#run-a');
    await page.waitForFunction(() => document.querySelector('#status').textContent.startsWith('Fix the scenario'), null, { timeout: 10000 });
    check('an out-of-range value is explained and not run', (await page.evaluate(() => window.lab.timings.length)) === before,
      await page.textContent('#input-error'));
    await page.click('#reset');

    // Every bundled lesson loads into the controls and runs.
    const names = await page.$$eval('#lesson option', (o) => o.map((x) => x.value));
    const failed = [];
    for (const name of names) {
      await page.selectOption('#lesson', name);
      await page.waitForFunction((n) => document.querySelector('#lesson-desc').textContent.length > 0 && window.lab && document.querySelector('#lesson').value === n, name);
      await page.waitForTimeout(200);
      // A run still in flight (the page ignores Run while busy) must finish first; if a run of
      // another lesson (started before this one was selected) is what finished, press Run again.
      let t = null;
      for (let attempt = 0; attempt < 3 && !(t && t.lesson === name); attempt++) {
        await page.waitForFunction(() => !document.querySelector('#run-a').disabled, null, { timeout: 120000 });
        const k = await page.evaluate(() => window.lab.timings.length);
        await page.click('#run-a');
        await page.waitForFunction((n) => (window.lab.timings.length > n && !document.querySelector('#run-a').disabled)
          || document.querySelector('#status').textContent.startsWith('The run failed')
          || document.querySelector('#status').textContent.startsWith('Fix'), k, { timeout: 120000 });
        t = await page.evaluate(() => window.lab.timings[window.lab.timings.length - 1]);
      }
      const changedA = await page.evaluate(() => window.lab.runs.A.changed);
      if (!t || t.lesson !== name || changedA) failed.push(`${name}: ran ${t && t.lesson}, changed ${changedA}, status ${await page.textContent('#status')}`);
    }
    check(`every bundled lesson runs unchanged in the page (${names.length})`, failed.length === 0, failed.join(' | '));
    await page.selectOption('#lesson', 'iv-infusion');
    await page.waitForFunction(() => document.querySelector('#duration').value === '168');

    // Timing: the 7-day iv-infusion run, several times.
    await page.waitForFunction(() => !document.querySelector('#dose-class').classList.contains('not-low'));
    await page.click('#clear-b');
    const runs = [];
    const browserPid = findPid(`--ketasim-web-test=${marker}`);
    for (let i = 0; i < timedRuns; i++) {
      const c0 = browserPid ? cpuOfTree(browserPid) : NaN;
      const r = await runOnce('#run-a', 'A');
      r.chromium_cpu_ms = browserPid ? (cpuOfTree(browserPid) - c0) * 1000 : null;
      runs.push(r);
    }
    // The native command line on the same machine at the same time, for comparison.
    const nativeWall = [];
    const nativeCpu = [];
    for (let i = 0; i < 3; i++) {
      const c0 = childrenCpu();
      nativeWall.push(nativeRun('iv-infusion', path.join(tmp, `n${i}`)).wall_s * 1000);
      nativeCpu.push((childrenCpu() - c0) * 1000);
    }
    results.timings.native_ms = nativeWall;
    results.timings.native_cpu_ms = nativeCpu;
    const med = (k) => { const v = runs.map((r) => r[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
    results.timings = { ...results.timings, runs, median_model_ms: med('simulation_ms'), median_chromium_cpu_ms: med('chromium_cpu_ms'),
      load_average: os.loadavg(), median_page_ms: med('page_ms'), median_click_to_done_ms: med('click_to_done_ms'),
      min_page_ms: Math.min(...runs.map((r) => r.page_ms)), first_run_page_ms: first.page_ms };
    console.log(`     7-day iv-infusion in headless Chromium: model ${results.timings.median_model_ms.toFixed(0)} ms, ` +
      `run button to drawn ${results.timings.median_click_to_done_ms.toFixed(0)} ms (median of ${timedRuns}; min ${results.timings.min_page_ms.toFixed(0)} ms); ` +
      `CPU time of all Chromium processes per run ${results.timings.median_chromium_cpu_ms.toFixed(0)} ms (median); load average ${os.loadavg()[0].toFixed(1)}; ` +
      `native CLI simulation ${nativeWall.map((x) => x.toFixed(0)).join(', ')} ms wall, process CPU ${nativeCpu.map((x) => x.toFixed(0)).join(', ')} ms`);
    check('a 7-day run finishes (time recorded)', runs.every((r) => r.rows === 2017), `median ${results.timings.median_page_ms.toFixed(0)} ms`);

    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = path.join(outDir, 'screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    const shown = await page.$$eval('#panels polyline[data-run="A"]', (p) => p.length);
    check('screenshot of the iv-infusion cascade written', fs.statSync(shot).size > 10000 && shown > 0 &&
      (await page.evaluate(() => window.lab.timings[window.lab.timings.length - 1].lesson)) === 'iv-infusion', path.relative(root, shot));
    if (process.env.KETASIM_WEB_SCREENSHOT) {
      fs.copyFileSync(shot, path.resolve(root, process.env.KETASIM_WEB_SCREENSHOT));
      console.log(`     screenshot copied to ${process.env.KETASIM_WEB_SCREENSHOT}`);
    }

    // A phone-sized window: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: path.join(outDir, 'phone.png'), fullPage: false });
    check('a phone-sized window (390 px) has no horizontal scrolling', overflow <= 1, `overflow ${overflow} px`);

    check('no console errors, failed requests or page errors', problems.length === 0, problems.join(' | '));
  } finally {
    await browser.close();
    server.kill();
  }
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 1));
  console.log(failures ? `${failures} check(s) failed` : 'all browser checks passed');
  process.exit(failures ? 1 : 0);
}

main().catch((e) => { console.error(e); process.exit(1); });
