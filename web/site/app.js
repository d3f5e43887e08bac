// ketasim browser lab: controls → scenario TOML → the model (in a Web Worker) → the cascade panels.
'use strict';

(() => {
  // ---------------------------------------------------------------- the model, in a worker
  const worker = new Worker('worker.js');
  let nextId = 1;
  const pending = new Map();
  worker.onmessage = (e) => {
    const { id, ok, result, error } = e.data;
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (ok) p.resolve(result); else p.reject(new Error(error));
  };
  worker.onerror = (e) => { setStatus(`The model could not start: ${e.message || 'worker error'}`); };
  function rpc(op, args) {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    });
  }

  // ---------------------------------------------------------------- the figure's panels
  // Okabe–Ito colours (as the command line's figure), and a dash pattern per series.
  const C = {
    blue: '#0072B2', orange: '#E69F00', teal: '#009E73', vermilion: '#D55E00',
    purple: '#CC79A7', sky: '#56B4E9', ochre: '#B49600',
  };
  const DASH = ['', '7 4', '2 3'];
  const REL = '× healthy drug-free';
  const NG_ML_PER_UM = 237.73;
  const PANELS = [
    { title: '1  Drug: plasma and brain', unit: 'plasma (ng/mL)', right: 'brain (µM)', zero: true, rightPerLeft: 1 / NG_ML_PER_UM,
      series: [['plasma_ketamine_ng_ml', 'ketamine, plasma', C.blue], ['plasma_norketamine_ng_ml', 'norketamine, plasma', C.orange],
        ['brain_ketamine_um', 'ketamine, brain (right axis)', C.teal, true]] },
    { title: '2  NMDA receptor block, by cell type', unit: 'fraction blocked (0–1)', zero: true,
      series: [['nmda_block_interneuron', 'GABA interneurons', C.vermilion], ['nmda_block_pyramidal', 'pyramidal neurons', C.blue]] },
    { title: '3  Disinhibition: firing rates', unit: 'firing rate (Hz)', zero: true,
      series: [['interneuron_rate_hz', 'GABA interneurons', C.vermilion], ['pyramidal_rate_hz', 'pyramidal neurons', C.blue]] },
    { title: '4  Glutamate surge and AMPA receptors', unit: REL, right: 'AMPA activation (0–1)', healthy: true, rightZero: true,
      series: [['glutamate_rel', 'extracellular glutamate', C.purple], ['ampa_activation', 'AMPA activation (right axis)', C.ochre, true]] },
    { title: '5  BDNF and mTORC1 signalling', unit: REL, healthy: true,
      series: [['bdnf_rel', 'BDNF', C.teal], ['mtorc1_rel', 'mTORC1 activity', C.purple]] },
    { title: '6  Synaptic protein and dendritic spines', unit: REL, healthy: true,
      series: [['synaptic_protein_rel', 'synaptic protein (PSD-95, GluA1, synapsin I)', C.orange], ['spine_density_rel', 'spine density', C.blue]] },
    { title: '7  Blood pressure and heart rate', unit: 'mmHg, beats/min', markers: true, alarms: true,
      thresholds: [['alarm_sbp_mmhg', C.vermilion], ['alarm_dbp_mmhg', C.orange], ['alarm_hr_bpm', C.purple]], thresholdLabel: 'alarm thresholds',
      series: [['sbp_mmhg', 'systolic BP', C.vermilion], ['dbp_mmhg', 'diastolic BP', C.orange], ['hr_bpm', 'heart rate', C.purple]] },
    { title: '8  Oxygen saturation', unit: 'SpO2 (%)', markers: true, alarms: true, allThresholds: true,
      thresholds: [['alarm_spo2_pct', C.sky]], thresholdLabel: 'alarm threshold',
      series: [['spo2_pct', 'SpO2', C.sky]] },
    { title: '9  Dissociation and depression score', unit: 'CADSS (points)', right: 'MADRS (points)', zero: true, rightZero: true, markers: true,
      thresholds: [['discharge_max_cadss', C.purple]], thresholdLabel: 'CADSS limit for discharge',
      series: [['dissociation_cadss', 'dissociation (CADSS)', C.purple], ['madrs', 'MADRS (right axis)', C.teal, true]] },
    // Only with the pain module on ([pain]): the columns of pain.csv.
    { title: '10  Pain (spinal dorsal horn)', unit: 'pain (NRS 0–10)', right: 'spinal NMDA block (0–1)', zero: true, rightZero: true,
      series: [['nrs_rest', 'pain at rest', C.vermilion], ['nrs_evoked', 'pain on a test stimulus', C.orange],
        ['spinal_nmda_block', 'spinal NMDA block (right axis)', C.blue, true]] },
  ];
  const SPLIT_ABOVE_H = 12;
  const SPLIT_AT_H = 6;

  // ---------------------------------------------------------------- state
  const $ = (id) => document.getElementById(id);
  const state = {
    bundled: [], lessons: {}, lesson: null, baseToml: '', base: null,
    runs: { A: null, B: null }, checkTimer: 0, current: null,
  };
  // What the tests read: the values handed to the drawing code, and run times.
  const lab = { ready: false, runs: {}, plotted: {}, timings: [] };
  window.lab = lab;

  function setStatus(text) { $('status').textContent = text; }
  const fmt = (v, d = 3) => (v === null || v === undefined || v === '' ? '—' : typeof v === 'number' ? Number(v.toPrecision(d)).toString() : String(v));

  // ---------------------------------------------------------------- controls ↔ scenario
  const KINDS = ['rapamycin', 'nbqx', 'anisomycin', 'trkb_antagonist', 'bdnf_val66met'];
  const MECHS = ['disinhibition', 'eef2k', 'hnk'];
  const kindBox = (k) => document.querySelector(`input[data-kind="${k}"]`);
  const mechBox = (m) => document.querySelector(`input[data-mech="${m}"]`);
  const num = (id) => { const v = $(id).value.trim(); return v === '' ? NaN : Number(v); };

  // Plausible body weights per species, kg (as `Species::weight_range_kg` in src/pk/species.rs).
  const WEIGHT_KG = { human: [2, 300], rat: [0.05, 1], mouse: [0.01, 0.1] };
  const weightRange = (sc) => WEIGHT_KG[sc.subject.species || 'human'] || WEIGHT_KG.human;

  function fillControls(sc) {
    const [wlo, whi] = weightRange(sc);
    $('weight').min = wlo;
    $('weight').max = whi;
    $('weight-range').textContent = `(kg, ${wlo}–${whi})`;
    $('weight').value = sc.subject.weight_kg;
    $('state').value = sc.subject.state;
    const d = sc.dose[0];
    $('give').checked = !!d;
    const dd = d || { drug: 'ketamine', route: 'iv_infusion', mg_per_kg: 0.5, at_h: 0, over_min: 40 };
    $('drug').value = dd.drug;
    $('route').value = dd.route;
    if (dd.mg_per_kg !== undefined) { $('unit').value = 'mg_per_kg'; $('amount').value = dd.mg_per_kg; }
    else { $('unit').value = 'mg'; $('amount').value = dd.mg; }
    $('over').value = dd.over_min ?? 40;
    $('at').value = dd.at_h;
    for (const k of KINDS) kindBox(k).checked = sc.intervention.some((i) => i.kind === k);
    for (const m of MECHS) mechBox(m).checked = !!sc.mechanisms[m];
    $('duration').value = sc.duration_h;
    $('seed').value = sc.seed;
    const n = sc.dose.length;
    $('dose-note').textContent = n > 1
      ? `This lesson has ${n} dose entries (${sc.dose.map((x) => x.route.replace('_', ' ') + (x.times > 1 ? ` ×${x.times}` : '')).join(', ')}). The controls change the first one, and the others given the same way.`
      : (n === 1 && sc.dose[0].times > 1 ? `Given ${sc.dose[0].times} times, every ${sc.dose[0].every_h} h.` : '');
    showDoseFields();
  }

  function showDoseFields() {
    const give = $('give').checked;
    for (const id of ['drug', 'route', 'amount', 'unit', 'over', 'at']) $(id).disabled = !give;
    $('over-row').hidden = $('route').value !== 'iv_infusion';
  }

  const same = (a, b) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

  // The edits (for ks_edit) that turn the lesson into what the controls say.
  function edits() {
    const sc = state.base.scenario;
    const ops = [];
    const problems = [];
    const need = (id, what, lo, hi) => {
      const v = num(id);
      if (!Number.isFinite(v) || v < lo || v > hi) { problems.push(`${what} must be a number from ${lo} to ${hi}.`); return null; }
      return v;
    };
    const w = need('weight', 'Body weight (kg)', ...weightRange(sc));
    if (w !== null && !same(w, sc.subject.weight_kg)) ops.push({ set: 'subject.weight_kg', value: w });
    if ($('state').value !== sc.subject.state) ops.push({ set: 'subject.state', value: $('state').value });

    if (!$('give').checked) {
      for (let i = sc.dose.length - 1; i >= 0; i--) ops.push({ remove: `dose.${i}` });
    } else {
      const drug = $('drug').value, route = $('route').value, unit = $('unit').value;
      const amount = need('amount', 'Amount', 0, unit === 'mg' ? 100000 : 1000);
      const over = route === 'iv_infusion' ? need('over', 'Infusion duration (min)', 0.01, 10080) : null;
      const at = need('at', 'Given at (h)', 0, 8760);
      if (sc.dose.length === 0) {
        const d = { drug, route, at_h: at ?? 0 };
        d[unit] = amount ?? 0;
        if (route === 'iv_infusion') d.over_min = over ?? 40;
        ops.push({ push: 'dose', value: d });
      } else {
        const d0 = sc.dose[0];
        const key = (d) => `${d.drug}|${d.route}|${d.mg_per_kg}|${d.mg}|${d.over_min}`;
        sc.dose.forEach((d, i) => {
          if (i > 0 && key(d) !== key(d0)) return;
          const p = `dose.${i}`;
          if (d.drug !== drug) ops.push({ set: `${p}.drug`, value: drug });
          if (d.route !== route) ops.push({ set: `${p}.route`, value: route });
          if (route === 'iv_infusion') {
            if (over !== null && (d.over_min === undefined || !same(d.over_min, over))) ops.push({ set: `${p}.over_min`, value: over });
          } else if (d.over_min !== undefined) ops.push({ remove: `${p}.over_min` });
          const other = unit === 'mg' ? 'mg_per_kg' : 'mg';
          if (d[other] !== undefined) ops.push({ remove: `${p}.${other}` });
          if (amount !== null && (d[unit] === undefined || !same(d[unit], amount))) ops.push({ set: `${p}.${unit}`, value: amount });
          if (i === 0 && at !== null && !same(d.at_h, at)) ops.push({ set: `${p}.at_h`, value: at });
        });
      }
    }
    const removeIdx = [];
    for (const k of KINDS) {
      const on = kindBox(k).checked;
      const idx = sc.intervention.map((x, i) => (x.kind === k ? i : -1)).filter((i) => i >= 0);
      if (!on) removeIdx.push(...idx);
      else if (idx.length === 0) {
        ops.push({ push: 'intervention', value: k === 'bdnf_val66met' ? { kind: k, from_h: -1 } : { kind: k, from_h: -1, to_h: 24 } });
      }
    }
    // Removals first, from the end, so that indices stay valid; pushes after.
    const removals = removeIdx.sort((a, b) => b - a).map((i) => ({ remove: `intervention.${i}` }));
    for (const m of MECHS) if (mechBox(m).checked !== !!sc.mechanisms[m]) ops.push({ set: `mechanisms.${m}`, value: mechBox(m).checked });
    const dur = need('duration', 'Simulated time (h)', 0.1, 8760);
    if (dur !== null && !same(dur, sc.duration_h)) ops.push({ set: 'duration_h', value: dur });
    const seed = num('seed');
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) problems.push('Seed must be a whole number, 0 or more.');
    else if (seed !== sc.seed) ops.push({ set: 'seed', value: seed });
    const ordered = [...ops.filter((o) => o.remove && o.remove.startsWith('dose.') && !o.remove.slice(5).includes('.')), ...removals,
      ...ops.filter((o) => !(o.remove && o.remove.startsWith('dose.') && !o.remove.slice(5).includes('.')))];
    return { ops: ordered, problems };
  }

  // The scenario text the controls describe: the lesson's own file when nothing changed.
  async function currentToml() {
    const { ops, problems } = edits();
    if (problems.length) throw new Error(problems.join('\n'));
    if (ops.length === 0) return { toml: state.baseToml, changed: false };
    const toml = await rpc('edit', { toml: state.baseToml, ops: JSON.stringify(ops) });
    return { toml, changed: true };
  }

  async function refreshCheck() {
    showDoseFields();
    try {
      const { toml } = await currentToml();
      const chk = await rpc('check', { toml });
      $('input-error').textContent = '';
      const cls = chk.dose_classes[0];
      const el = $('dose-class');
      el.className = 'dose-class' + (cls && !cls.low_dose ? ' not-low' : '');
      el.textContent = cls ? (cls.low_dose ? '' : '⚠ ') + cls.text + (chk.dose_classes.length > 1
        ? chk.dose_classes.slice(1).filter((c) => !c.low_dose).map((c) => `; ⚠ ${c.text}`).join('') : '') : 'No dose: the drug-free course.';
      state.current = { toml, check: chk };
      return true;
    } catch (err) {
      $('input-error').textContent = err.message;
      $('dose-class').textContent = '';
      state.current = null;
      return false;
    }
  }
  function scheduleCheck() {
    clearTimeout(state.checkTimer);
    state.checkTimer = setTimeout(refreshCheck, 120);
  }

  async function selectLesson(name) {
    const b = state.bundled.find((x) => x.name === name);
    state.lesson = name;
    state.baseToml = b.toml;
    state.base = await rpc('check', { toml: b.toml });
    $('lesson-desc').textContent = state.base.scenario.description;
    fillControls(state.base.scenario);
    await refreshCheck();
  }

  // ---------------------------------------------------------------- running
  let busy = false;
  async function runAs(slot) {
    if (busy) return;
    busy = true;
    for (const id of ['run-a', 'run-b']) $(id).disabled = true;
    try {
      const ok = await refreshCheck();
      if (!ok) { setStatus('Fix the scenario first (see the message above the buttons).'); return; }
      const { toml } = state.current;
      setStatus(`Running ${slot}…`);
      const t0 = performance.now();
      const r = await rpc('run', { toml });
      const elapsed = performance.now() - t0;
      const changed = toml !== state.baseToml;
      r.slot = slot;
      r.toml = toml;
      r.lesson = state.lesson;
      r.changed = changed;
      r.label = `${slot}: ${state.lesson}${changed ? ' (changed)' : ''}`;
      state.runs[slot] = r;
      const timing = { slot, lesson: state.lesson, simulation_ms: r.ms, worker_ms: r.totalMs, page_ms: elapsed, rows: r.info.rows };
      lab.timings.push(timing);
      lab.runs[slot] = { handle: r.handle, info: r.info, lesson: r.lesson, changed, toml };
      $('clear-b').disabled = !state.runs.B;
      render();
      // On a narrow screen the results are below the controls: bring them into view.
      if (window.matchMedia('(max-width: 800px)').matches) $('results').scrollIntoView({ behavior: 'smooth', block: 'start' });
      const days = r.info.scenario.duration_h / 24;
      setStatus(`Run ${slot} done: ${state.lesson}${changed ? ' (changed)' : ''}, ${days >= 2 ? `${fmt(days, 3)} days` : `${fmt(r.info.scenario.duration_h, 3)} h`} simulated, ` +
        `${r.info.rows} samples, in ${(elapsed / 1000).toFixed(2)} s (model ${(r.ms / 1000).toFixed(2)} s).`);
    } catch (err) {
      setStatus(`The run failed: ${err.message}`);
    } finally {
      busy = false;
      for (const id of ['run-a', 'run-b']) $(id).disabled = false;
    }
  }

  // ---------------------------------------------------------------- drawing (SVG)
  const NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function niceTicks(lo, hi, n) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / n;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  const tickText = (v) => Number(v.toPrecision(6)).toString();
  function axisRange(values, zero) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!Number.isFinite(lo)) return [0, 1];
    if (zero) lo = Math.min(lo, 0);
    if (hi - lo < 1e-9 * Math.max(Math.abs(hi), 1)) {
      const d = Math.abs(hi) > 1e-9 ? Math.abs(hi) * 0.1 : 1;
      lo -= d; hi += d;
      if (zero && lo < 0 && hi > 0) lo = 0;
    }
    const pad = 0.08 * (hi - lo);
    hi += pad;
    if (!(zero && lo === 0)) lo -= pad;
    return [lo, hi];
  }
  function segments(hiH) {
    if (hiH <= SPLIT_ABOVE_H) return [{ lo: 0, hi: hiH, per: 1, label: 'time (h)' }];
    const right = hiH >= 48 ? { lo: SPLIT_AT_H / 24, hi: hiH / 24, per: 24, label: 'following days (days)' }
      : { lo: SPLIT_AT_H, hi: hiH, per: 1, label: 'following hours (h)' };
    return [{ lo: 0, hi: SPLIT_AT_H, per: 1, label: 'first hours (h)' }, right];
  }

  // Shaded periods of a run: doses (orange), blockers (grey-blue), alarms (red).
  function periods(info) {
    const sc = info.scenario, out = [];
    for (const d of sc.dose) {
      for (let k = 0; k < d.times; k++) {
        const t = d.at_h + k * (d.every_h || 0);
        if (t < sc.duration_h) out.push({ kind: 'dose', a: t, b: t + (d.over_min || 0) / 60 });
      }
    }
    for (const i of sc.intervention) if (i.from_h !== undefined) out.push({ kind: 'blocker', a: Math.max(0, i.from_h), b: i.to_h ?? sc.duration_h });
    let open = {};
    for (const e of info.events) {
      if (e.kind === 'alarm_start') open[e.detail] = e.time_h;
      if (e.kind === 'alarm_end' && open[e.detail] !== undefined) { out.push({ kind: 'alarm', a: open[e.detail], b: e.time_h }); delete open[e.detail]; }
    }
    for (const k of Object.keys(open)) out.push({ kind: 'alarm', a: open[k], b: sc.duration_h });
    return out;
  }
  const FILL = { dose: '#FFD699', blocker: '#C8C8EB', alarm: '#FABEBE' };

  function markerTimes(info) {
    const out = [];
    for (const e of info.events) {
      if (e.kind === 'discharge_ready') out.push({ t: e.time_h, color: C.teal, label: 'ready for discharge' });
      if (e.kind === 'no_driving_until') {
        const m = /t = ([0-9.eE+-]+)/.exec(e.detail);
        out.push({ t: m ? Number(m[1]) : e.time_h, color: C.vermilion, label: 'end of the no-driving period' });
      }
    }
    return out;
  }

  function drawPanel(def, runs, container) {
    const A = runs[0];
    // A series is shown when a run has it (the pain columns: only runs with [pain]).
    const present = def.series.filter((s) => runs.some((r) => r.columns[s[0]]));
    if (!present.length) return false;
    const fig = document.createElement('figure');
    fig.className = 'panel';
    const cap = document.createElement('figcaption');
    cap.textContent = def.title;
    fig.appendChild(cap);
    container.appendChild(fig);
    const hiH = Math.max(...runs.map((r) => r.info.scenario.duration_h));
    const segs = segments(hiH);
    const hasRight = present.some((s) => s[3]);
    // y ranges over what is shown.
    const leftVals = [], rightVals = [];
    for (const r of runs) for (const s of present) if (r.columns[s[0]]) (s[3] ? rightVals : leftVals).push(...r.columns[s[0]]);
    const thresholds = (def.thresholds || []).map(([k, c]) => [A.info.scenario.monitoring[k], c]).filter(([v]) => Number.isFinite(v));
    let y = axisRange(leftVals.concat(def.healthy ? [1] : []), !!def.zero);
    // Thresholds are shown only when near the data (as in the command line's figure, they may not fit).
    const near = thresholds.map(([v]) => v).filter((v) => def.allThresholds || (v >= y[0] - 0.5 * (y[1] - y[0]) && v <= y[1] + 0.5 * (y[1] - y[0])));
    if (near.length) y = axisRange(leftVals.concat(near, def.healthy ? [1] : []), !!def.zero);
    let y2 = null;
    if (hasRight) y2 = def.rightPerLeft ? [y[0] * def.rightPerLeft, y[1] * def.rightPerLeft] : axisRange(rightVals, !!def.rightZero);

    const W = Math.max(260, Math.floor(fig.clientWidth || 460) - 12);
    const H = Math.round(Math.min(240, Math.max(170, W * 0.42)));
    const m = { l: 46, r: hasRight ? 46 : 10, t: 8, b: 34 };
    const gap = segs.length > 1 ? 10 : 0;
    const plotW = W - m.l - m.r - gap;
    const widths = segs.length > 1 ? [plotW * 0.42, plotW * 0.58] : [plotW];
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `${def.title}: ${present.map((s) => s[1]).join(', ')}` });
    const yPx = (v, r) => m.t + (1 - (v - r[0]) / (r[1] - r[0])) * (H - m.t - m.b);
    const clipId = () => `c${Math.random().toString(36).slice(2)}`;
    let x0 = m.l;
    const markers = def.markers ? markerTimes(A.info) : [];
    segs.forEach((seg, si) => {
      const w = widths[si];
      const xPx = (tH) => x0 + ((tH / seg.per - seg.lo) / (seg.hi - seg.lo)) * w;
      const id = clipId();
      el('rect', { x: x0, y: m.t, width: w, height: H - m.t - m.b }, el('clipPath', { id }, svg));
      el('rect', { x: x0, y: m.t, width: w, height: H - m.t - m.b, fill: '#fff', stroke: '#bbb' }, svg);
      const g = el('g', { 'clip-path': `url(#${id})` }, svg);
      for (const p of runs.flatMap((r) => periods(r.info))) {
        if (p.kind === 'alarm' && !def.alarms) continue;
        const a = xPx(p.a), b = Math.max(xPx(p.b), a + 2);
        el('rect', { x: a, y: m.t, width: b - a, height: H - m.t - m.b, fill: FILL[p.kind], opacity: p.kind === 'blocker' ? 0.55 : 0.8 }, g);
      }
      // grid and ticks
      for (const v of niceTicks(y[0], y[1], 4)) {
        const yy = yPx(v, y);
        el('line', { x1: x0, x2: x0 + w, y1: yy, y2: yy, stroke: '#e4e4e4' }, g);
        if (si === 0) el('text', { x: m.l - 4, y: yy + 3.5, 'text-anchor': 'end', 'font-size': 10.5, fill: '#333' }, svg).textContent = tickText(v);
      }
      if (y2 && si === segs.length - 1) {
        for (const v of niceTicks(y2[0], y2[1], 4)) {
          el('text', { x: x0 + w + 4, y: yPx(v, y2) + 3.5, 'font-size': 10.5, fill: '#333' }, svg).textContent = tickText(v);
        }
      }
      for (const v of niceTicks(seg.lo, seg.hi, Math.max(2, Math.round(w / 55)))) {
        const xx = x0 + ((v - seg.lo) / (seg.hi - seg.lo)) * w;
        el('line', { x1: xx, x2: xx, y1: H - m.b, y2: H - m.b + 4, stroke: '#666' }, svg);
        el('text', { x: xx, y: H - m.b + 14, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#333' }, svg).textContent = tickText(v);
      }
      el('text', { x: x0 + w / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#555' }, svg).textContent = seg.label;
      if (def.healthy) el('line', { x1: x0, x2: x0 + w, y1: yPx(1, y), y2: yPx(1, y), stroke: '#444', 'stroke-dasharray': '1 3' }, g);
      for (const [v, c] of thresholds) el('line', { x1: x0, x2: x0 + w, y1: yPx(v, y), y2: yPx(v, y), stroke: c, 'stroke-dasharray': '5 4', opacity: 0.8 }, g);
      for (const mk of markers) el('line', { x1: xPx(mk.t), x2: xPx(mk.t), y1: m.t, y2: H - m.b, stroke: mk.color, 'stroke-dasharray': '6 3', 'stroke-width': 1.5 }, g);
      // curves: run A thick, run B thin with dots
      runs.forEach((r, ri) => {
        const t = r.columns.time_h;
        present.forEach((s, k) => {
          const v = r.columns[s[0]];
          if (!v) return;
          const range = s[3] ? y2 : y;
          const lo = seg.lo * seg.per, hi = seg.hi * seg.per;
          let pts = '';
          const dots = [];
          let lastDot = -Infinity;
          for (let i = 0; i < t.length; i++) {
            if (t[i] < lo && !(i + 1 < t.length && t[i + 1] >= lo)) continue;
            if (t[i] > hi && !(i > 0 && t[i - 1] <= hi)) continue;
            if (!Number.isFinite(v[i])) continue;
            const px = xPx(t[i]), py = yPx(v[i], range);
            pts += `${px.toFixed(1)},${py.toFixed(1)} `;
            if (ri === 1 && px - lastDot > 26) { dots.push([px, py]); lastDot = px; }
          }
          el('polyline', { points: pts, fill: 'none', stroke: s[2], 'stroke-width': ri === 0 ? 2.2 : 1.3, 'stroke-dasharray': DASH[k] || '', 'stroke-linejoin': 'round', 'data-run': r.slot, 'data-col': s[0] }, g);
          for (const [px, py] of dots) el('circle', { cx: px, cy: py, r: 2.4, fill: '#fff', stroke: s[2], 'stroke-width': 1.2 }, g);
        });
      });
      x0 += w + gap;
    });
    // axis titles
    el('text', { x: 11, y: m.t + (H - m.t - m.b) / 2, transform: `rotate(-90 11 ${m.t + (H - m.t - m.b) / 2})`, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#555' }, svg).textContent = def.unit;
    if (y2) el('text', { x: W - 6, y: m.t + (H - m.t - m.b) / 2, transform: `rotate(90 ${W - 6} ${m.t + (H - m.t - m.b) / 2})`, 'text-anchor': 'middle', 'font-size': 10.5, fill: '#555' }, svg).textContent = def.right;
    fig.appendChild(svg);
    // legend
    const leg = document.createElement('div');
    leg.className = 'legend';
    present.forEach((s, k) => {
      const item = document.createElement('span');
      item.innerHTML = `<svg width="30" height="10" aria-hidden="true"><line x1="1" x2="29" y1="5" y2="5" stroke="${s[2]}" stroke-width="2.4" stroke-dasharray="${DASH[k] || ''}"/></svg>`;
      item.append(s[1]);
      leg.appendChild(item);
    });
    if (thresholds.length) {
      const item = document.createElement('span');
      item.innerHTML = '<svg width="30" height="10" aria-hidden="true"><line x1="1" x2="29" y1="5" y2="5" stroke="#777" stroke-width="1.5" stroke-dasharray="5 4"/></svg>';
      item.append(def.thresholdLabel);
      leg.appendChild(item);
    }
    if (def.healthy) {
      const item = document.createElement('span');
      item.innerHTML = '<svg width="30" height="10" aria-hidden="true"><line x1="1" x2="29" y1="5" y2="5" stroke="#444" stroke-dasharray="1 3"/></svg>';
      item.append('healthy, drug-free');
      leg.appendChild(item);
    }
    for (const mk of markers.filter((x, i, a) => a.findIndex((z) => z.label === x.label) === i)) {
      const item = document.createElement('span');
      item.innerHTML = `<svg width="14" height="12" aria-hidden="true"><line x1="7" x2="7" y1="0" y2="12" stroke="${mk.color}" stroke-width="1.5" stroke-dasharray="4 2"/></svg>`;
      item.append(mk.label);
      leg.appendChild(item);
    }
    fig.appendChild(leg);
    return true;
  }

  function render() {
    const runs = ['A', 'B'].map((k) => state.runs[k]).filter(Boolean);
    const panels = $('panels');
    panels.textContent = '';
    if (!runs.length) return;
    lab.plotted = {};
    for (const r of runs) {
      lab.plotted[r.slot] = {};
      for (const def of PANELS) for (const s of def.series) if (r.columns[s[0]]) lab.plotted[r.slot][s[0]] = { t: Array.from(r.columns.time_h), y: Array.from(r.columns[s[0]]) };
    }
    for (const def of PANELS) drawPanel(def, runs, panels);
    // run legend and shading key
    const legend = $('run-legend');
    legend.innerHTML = '';
    const add = (html) => { const s = document.createElement('span'); s.innerHTML = html; legend.appendChild(s); };
    for (const r of runs) {
      add(r.slot === 'A'
        ? '<svg width="30" height="10" aria-hidden="true"><line x1="1" x2="29" y1="5" y2="5" stroke="#333" stroke-width="2.4"/></svg>'
        : '<svg width="30" height="10" aria-hidden="true"><line x1="1" x2="29" y1="5" y2="5" stroke="#333" stroke-width="1.3"/><circle cx="15" cy="5" r="2.4" fill="#fff" stroke="#333"/></svg>');
      legend.lastChild.append(`run ${r.label.slice(3)}`);
    }
    add(`<svg width="16" height="12" aria-hidden="true"><rect width="16" height="12" fill="${FILL.dose}"/></svg>dose`);
    add(`<svg width="16" height="12" aria-hidden="true"><rect width="16" height="12" fill="${FILL.blocker}"/></svg>blocker acting`);
    add(`<svg width="16" height="12" aria-hidden="true"><rect width="16" height="12" fill="${FILL.alarm}"/></svg>vital-sign alarm`);
    // warnings
    const warn = $('warnings');
    warn.textContent = '';
    for (const r of runs) for (const w of r.info.run_warnings) {
      const p = document.createElement('p');
      p.textContent = `⚠ Run ${r.slot}: ${w}`;
      warn.appendChild(p);
    }
    renderSummary(runs);
    renderDownloads(runs);
    $('after').hidden = false;
  }

  const SUMMARY_ROWS = [
    ['cmax_ng_ml', 'peak plasma drug', 'ng/mL'], ['tmax_h', 'time of peak plasma drug', 'h'],
    ['peak_nmda_block_interneuron', 'peak interneuron NMDA block', '0–1'], ['peak_glutamate_rel', 'peak glutamate', REL],
    ['peak_bdnf_rel', 'peak BDNF', REL], ['peak_mtorc1_rel', 'peak mTORC1', REL],
    ['spine_density_rel_start', 'spine density at start', REL], ['spine_density_rel_24h', 'spine density at 24 h', REL],
    ['spine_density_rel_72h', 'spine density at 72 h', REL], ['spine_density_rel_end', 'spine density at the end', REL],
    ['peak_sbp_mmhg', 'highest systolic BP', 'mmHg'], ['peak_hr_bpm', 'highest heart rate', 'beats/min'],
    ['min_spo2_pct', 'lowest SpO2', '%'], ['peak_dissociation_cadss', 'highest dissociation', 'CADSS'],
    ['madrs_start', 'MADRS at start', 'points'], ['madrs_24h', 'MADRS at 24 h', 'points'], ['madrs_7d', 'MADRS at 7 days', 'points'],
    ['response_24h', 'response at 24 h (MADRS halved)', ''], ['alarms', 'vital-sign alarms', 'count'], ['discharge_ready_h', 'ready for discharge at', 'h'],
  ];
  function renderSummary(runs) {
    const t = $('summary');
    t.textContent = '';
    const head = t.createTHead().insertRow();
    for (const h of ['read-out', 'unit', ...runs.map((r) => `run ${r.slot}`)]) { const th = document.createElement('th'); th.scope = 'col'; th.textContent = h; head.appendChild(th); }
    const body = t.createTBody();
    for (const [k, label, unit] of SUMMARY_ROWS) {
      const row = body.insertRow();
      const th = document.createElement('th'); th.scope = 'row'; th.textContent = label; row.appendChild(th);
      row.insertCell().textContent = unit;
      for (const r of runs) row.insertCell().textContent = fmt(r.info.summary[k], 4);
    }
  }

  function download(name, bytes, type) {
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 5000);
  }
  function renderDownloads(runs) {
    const box = $('downloads');
    box.textContent = '';
    const cli = [];
    for (const r of runs) {
      const row = document.createElement('div');
      const label = document.createElement('strong');
      label.textContent = `Run ${r.slot}:`;
      row.appendChild(label);
      const base = `${r.lesson}${r.changed ? '-changed' : ''}`;
      const files = ['trace.csv', 'events.csv', 'summary.csv', 'doses.csv', ...(r.info.pain ? ['pain.csv', 'pain_summary.csv'] : []), 'manifest.json'];
      for (const f of files) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = f;
        b.dataset.run = r.slot;
        b.dataset.file = f;
        b.setAttribute('aria-label', `download ${f} of run ${r.slot}`);
        b.onclick = async () => {
          try {
            const bytes = await rpc('file', { handle: r.handle, name: f });
            download(`${base}-${r.slot}-${f}`, bytes, f.endsWith('.csv') ? 'text/csv' : 'application/json');
          } catch (err) { setStatus(`Download failed: ${err.message}`); }
        };
        row.appendChild(b);
      }
      const s = document.createElement('button');
      s.type = 'button';
      s.textContent = 'scenario.toml';
      s.dataset.run = r.slot;
      s.dataset.file = 'scenario.toml';
      s.setAttribute('aria-label', `download the scenario of run ${r.slot} as TOML`);
      s.onclick = () => download(`${base}-${r.slot}.toml`, r.toml, 'application/toml');
      row.appendChild(s);
      box.appendChild(row);
      cli.push(r.changed ? `ketasim run ${base}-${r.slot}.toml --out runs/${base}   # run ${r.slot}, with the downloaded scenario`
        : `ketasim run ${r.lesson} --out runs/${r.lesson}   # run ${r.slot}`);
    }
    $('cli').textContent = cli.join('\n');
  }

  // ---------------------------------------------------------------- lessons
  function openLesson() {
    const l = state.lessons[state.lesson];
    $('lesson-title').textContent = l ? l.title : state.lesson;
    const body = $('lesson-text');
    body.innerHTML = (l ? l.html : `<p>${state.base.scenario.description}</p>`) + (state.lessons['how-to-read'] ? state.lessons['how-to-read'].html : '');
    $('lesson-dialog').showModal();
  }

  // ---------------------------------------------------------------- start
  async function start() {
    try {
      const [bundled, lessons] = await Promise.all([
        rpc('init', {}).then(() => rpc('bundled', {})),
        fetch('lessons.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({})),
      ]);
      state.bundled = bundled;
      state.lessons = lessons;
      const sel = $('lesson');
      for (const b of bundled) {
        const o = document.createElement('option');
        o.value = b.name;
        o.textContent = lessons[b.name] ? `${lessons[b.name].number}. ${b.name}` : b.name;
        sel.appendChild(o);
      }
      const wanted = new URLSearchParams(location.search).get('lesson');
      sel.value = bundled.some((b) => b.name === wanted) ? wanted : 'iv-infusion';
      await selectLesson(sel.value);
      lab.ready = true;
      setStatus('Ready: choose a lesson or change the controls, then press Run.');
    } catch (err) {
      setStatus(`The model could not start: ${err.message}`);
    }
  }

  $('controls').addEventListener('submit', (e) => { e.preventDefault(); runAs('A'); });
  $('run-b').addEventListener('click', () => runAs('B'));
  $('clear-b').addEventListener('click', () => { state.runs.B = null; delete lab.runs.B; $('clear-b').disabled = true; render(); });
  $('reset').addEventListener('click', () => { fillControls(state.base.scenario); refreshCheck(); });
  $('lesson').addEventListener('change', (e) => selectLesson(e.target.value));
  $('explain').addEventListener('click', openLesson);
  $('controls').addEventListener('input', (e) => { if (e.target.id !== 'lesson') scheduleCheck(); });
  $('controls').addEventListener('change', (e) => { if (e.target.id !== 'lesson') scheduleCheck(); });
  let resizeTimer = 0;
  let lastWidth = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 200);
  });
  lab.run = runAs;
  lab.select = async (name) => { $('lesson').value = name; await selectLesson(name); };
  start();
})();
