//! The cascade figure of one run: one panel per step of the chain, on a split time axis.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{EventRow, Period, PeriodKind, Table, periods, read_events};
use super::style::*;
use super::{Figure, draw_err};
use crate::error::{Error, Location, Result};
use crate::readout::col;

/// One curve of a panel: a trace column.
struct SeriesDef {
    col: &'static str,
    label: &'static str,
    color: RGBColor,
    /// Drawn against the right-hand axis.
    right: bool,
    /// Drawn dashed (so that a curve lying on another stays visible).
    dashed: bool,
}

/// A horizontal threshold line read from `manifest.json` (`scenario.monitoring.<key>`).
struct ThresholdDef {
    key: &'static str,
    color: RGBColor,
    right: bool,
    /// Short name, written at the line's right end and in the legend (e.g. "SBP alarm").
    label: &'static str,
    /// Line pattern: the thresholds of one panel differ by pattern and label, not by colour only.
    dash: Dash,
}

/// One panel of the figure.
struct PanelDef {
    title: &'static str,
    /// Left axis label (with the unit).
    unit: &'static str,
    /// Right axis label, for the series with `right: true`.
    right_unit: &'static str,
    series: &'static [SeriesDef],
    thresholds: &'static [ThresholdDef],
    /// Legend text of the threshold lines.
    threshold_label: &'static str,
    /// The left axis starts at 0.
    zero: bool,
    /// The right axis starts at 0.
    right_zero: bool,
    /// Draw the healthy drug-free level (1.0) as a dotted line.
    healthy: bool,
    /// Show the clinical time markers (discharge, no driving).
    markers: bool,
    /// The right axis is the left axis times this factor (same physical scale), instead of
    /// having its own range.
    right_per_left: Option<f64>,
}

const fn s(col: &'static str, label: &'static str, color: RGBColor) -> SeriesDef {
    SeriesDef { col, label, color, right: false, dashed: false }
}

const fn r(col: &'static str, label: &'static str, color: RGBColor) -> SeriesDef {
    SeriesDef { col, label, color, right: true, dashed: false }
}

/// ng/mL of ketamine per µM (molar mass 237.73 g/mol).
const NG_ML_PER_UM: f64 = 237.73;

const REL: &str = "× healthy drug-free";

/// The panels, in the order of the cascade. A panel is drawn when at least one of its columns is in
/// trace.csv, with the series that are there.
const PANELS: &[PanelDef] = &[
    PanelDef {
        title: "1  Drug: plasma and brain",
        unit: "plasma (ng/mL)",
        right_unit: "brain (µM)",
        series: &[
            s(col::plasma_ketamine_ng_ml, "ketamine, plasma", DEEP_BLUE),
            s(col::plasma_norketamine_ng_ml, "norketamine, plasma", ORANGE),
            SeriesDef {
                col: col::brain_ketamine_um,
                label: "ketamine, brain (right axis; 1 µM = 237.7 ng/mL)",
                color: TEAL,
                right: true,
                dashed: true,
            },
        ],
        thresholds: &[],
        threshold_label: "",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: false,
        right_per_left: Some(1.0 / NG_ML_PER_UM),
    },
    PanelDef {
        title: "2  NMDA receptor block, by cell type",
        unit: "fraction blocked (0–1)",
        right_unit: "",
        series: &[
            s(col::nmda_block_interneuron, "GABA interneurons", VERMILION),
            s(col::nmda_block_pyramidal, "pyramidal neurons", DEEP_BLUE),
        ],
        thresholds: &[],
        threshold_label: "",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "3  Disinhibition: firing rates",
        unit: "firing rate (Hz)",
        right_unit: "",
        series: &[s(col::interneuron_rate_hz, "GABA interneurons", VERMILION), s(col::pyramidal_rate_hz, "pyramidal neurons", DEEP_BLUE)],
        thresholds: &[],
        threshold_label: "",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "4  Glutamate surge and AMPA receptors",
        unit: REL,
        right_unit: "AMPA activation (0–1)",
        series: &[s(col::glutamate_rel, "extracellular glutamate", PURPLE), r(col::ampa_activation, "AMPA activation (right axis)", OCHRE)],
        thresholds: &[],
        threshold_label: "",
        zero: false,
        right_zero: true,
        healthy: true,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "5  BDNF and mTORC1 signalling",
        unit: REL,
        right_unit: "",
        series: &[s(col::bdnf_rel, "BDNF", TEAL), s(col::mtorc1_rel, "mTORC1 activity", PURPLE)],
        thresholds: &[],
        threshold_label: "",
        zero: false,
        right_zero: true,
        healthy: true,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "6  Synaptic protein and dendritic spines",
        unit: REL,
        right_unit: "",
        series: &[
            s(col::synaptic_protein_rel, "synaptic protein (PSD-95, GluA1, synapsin I)", ORANGE),
            s(col::spine_density_rel, "spine density", DEEP_BLUE),
        ],
        thresholds: &[],
        threshold_label: "",
        zero: false,
        right_zero: true,
        healthy: true,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "7  Blood pressure and heart rate",
        unit: "BP (mmHg), heart rate (bpm)",
        right_unit: "",
        series: &[s(col::sbp_mmhg, "systolic BP", VERMILION), s(col::dbp_mmhg, "diastolic BP", ORANGE), s(col::hr_bpm, "heart rate", PURPLE)],
        thresholds: &[
            ThresholdDef { key: "alarm_sbp_mmhg", color: VERMILION, right: false, label: "SBP alarm", dash: Dash::Dashed },
            ThresholdDef { key: "alarm_dbp_mmhg", color: ORANGE, right: false, label: "DBP alarm", dash: Dash::Dotted },
            ThresholdDef { key: "alarm_hr_bpm", color: PURPLE, right: false, label: "HR alarm", dash: Dash::Long },
        ],
        threshold_label: "alarm thresholds",
        zero: false,
        right_zero: false,
        healthy: false,
        markers: true,
        right_per_left: None,
    },
    PanelDef {
        title: "8  Oxygen saturation",
        unit: "SpO2 (%)",
        right_unit: "",
        series: &[s(col::spo2_pct, "SpO2", SKY)],
        thresholds: &[ThresholdDef { key: "alarm_spo2_pct", color: SKY, right: false, label: "SpO2 alarm", dash: Dash::Dashed }],
        threshold_label: "alarm threshold",
        zero: false,
        right_zero: false,
        healthy: false,
        markers: true,
        right_per_left: None,
    },
    PanelDef {
        title: "9  Dissociation and depression score",
        unit: "CADSS (points)",
        right_unit: "MADRS (points)",
        series: &[s(col::dissociation_cadss, "dissociation (CADSS)", PURPLE), r(col::madrs, "MADRS (right axis)", TEAL)],
        thresholds: &[ThresholdDef { key: "discharge_max_cadss", color: PURPLE, right: false, label: "discharge limit", dash: Dash::Dashed }],
        threshold_label: "CADSS limit for discharge",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: true,
        right_per_left: None,
    },
    // Pain runs only: these columns come from pain.csv (merged into the trace by time_h).
    PanelDef {
        title: "10  Pain: dorsal horn",
        unit: "pain (NRS 0–10)",
        right_unit: "sensitization S, wind-up ratio",
        series: &[
            s("nrs_rest", "pain at rest", VERMILION),
            SeriesDef { col: "nrs_evoked", label: "evoked pain (test stimulus)", color: ORANGE, right: false, dashed: true },
            r("sensitization", "central sensitization S (right axis)", PURPLE),
            r("windup_ratio", "wind-up ratio of the last train (right axis)", TEAL),
        ],
        thresholds: &[],
        threshold_label: "",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: false,
        right_per_left: None,
    },
    PanelDef {
        title: "11  Morphine",
        unit: "morphine (ng/mL)",
        right_unit: "cumulative (mg IV morphine)",
        series: &[
            s("morphine_effect_ng_ml", "effect site", DEEP_BLUE),
            SeriesDef { col: "morphine_plasma_ng_ml", label: "plasma", color: SKY, right: false, dashed: true },
            r("cumulative_morphine_iv_eq_mg", "cumulative, IV-equivalent (right axis)", OCHRE),
        ],
        thresholds: &[],
        threshold_label: "",
        zero: true,
        right_zero: true,
        healthy: false,
        markers: false,
        right_per_left: None,
    },
];

/// Clinical time markers from events.csv: (kind, legend label, colour). `no_driving_until` is
/// recorded at discharge; its detail gives the time it lasts to ("t = 15.00 h ..."), which is
/// where the marker goes.
const MARKERS: &[(&str, &str, RGBColor)] = &[
    ("discharge_ready", "ready for discharge", TEAL),
    ("no_driving_until", "end of the no-driving period", VERMILION),
];

/// The no-driving periods that end after the run: (time, label, colour), the label with the
/// clock time from the event's detail ("no driving until 03:40 the next day (t = 6.7 h) →").
fn after_end_markers(events: &[EventRow], end_h: f64) -> Vec<(f64, String, RGBColor)> {
    events
        .iter()
        .filter(|e| e.kind == "no_driving_until")
        .map(|e| (marker_time(e), e))
        .filter(|(t, _)| *t > end_h + 1e-9)
        .map(|(t, e)| {
            let clock = e.detail.split_once(" (").and_then(|(_, rest)| rest.split_once(')')).map(|(c, _)| c.to_string());
            let label = match clock {
                Some(c) => format!("no driving until {c} (t = {t:.1} h) →"),
                None => format!("no driving until t = {t:.1} h →"),
            };
            (t, label, VERMILION)
        })
        .collect()
}

/// The time of a marker: `t = X h` in the detail when present, else the event time.
fn marker_time(e: &EventRow) -> f64 {
    e.detail
        .split("t = ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|x| x.parse::<f64>().ok())
        .filter(|x| x.is_finite())
        .unwrap_or(e.time_h)
}

/// The split time axis: `[lo, split]` in hours on the left of each panel, `[split, hi]` on the
/// right, in days when the run lasts two days or more.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seg {
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// Hours per axis unit (1 or 24).
    pub(super) per: f64,
    pub(super) desc: &'static str,
    pub(super) first: bool,
    pub(super) last: bool,
}

/// Runs longer than this get a split axis.
const SPLIT_ABOVE_H: f64 = 12.0;
/// Where the axis is split.
const SPLIT_AT_H: f64 = 6.0;

/// The axis of `plot --dose K`: the first [`SPLIT_AT_H`] hours after dose K (at `t_h`) on the left,
/// the whole run on the right.
fn dose_segments(t_h: f64, lo_h: f64, hi_h: f64) -> Vec<Seg> {
    let desc = "time, hours around the chosen dose (h)";
    let left = Seg { lo: t_h, hi: (t_h + SPLIT_AT_H).min(hi_h).max(t_h + 1e-6), per: 1.0, desc, first: true, last: false };
    let right = if hi_h >= 48.0 {
        Seg { lo: lo_h / 24.0, hi: hi_h / 24.0, per: 24.0, desc: "time, whole run (days)", first: false, last: true }
    } else {
        Seg { lo: lo_h, hi: hi_h, per: 1.0, desc: "time, whole run (h)", first: false, last: true }
    };
    vec![left, right]
}

pub(super) fn segments(lo_h: f64, hi_h: f64) -> Vec<Seg> {
    if hi_h <= SPLIT_ABOVE_H {
        return vec![Seg { lo: lo_h, hi: hi_h.max(lo_h + 1e-6), per: 1.0, desc: "time (h)", first: true, last: true }];
    }
    let left = Seg { lo: lo_h, hi: SPLIT_AT_H, per: 1.0, desc: "time, first hours (h)", first: true, last: false };
    let right = if hi_h >= 48.0 {
        Seg { lo: SPLIT_AT_H / 24.0, hi: hi_h / 24.0, per: 24.0, desc: "time, following days (days)", first: false, last: true }
    } else {
        Seg { lo: SPLIT_AT_H, hi: hi_h, per: 1.0, desc: "time, following hours (h)", first: false, last: true }
    };
    vec![left, right]
}

/// A panel ready to draw: the series present, and the axis ranges.
struct PanelView {
    def: &'static PanelDef,
    series: Vec<&'static SeriesDef>,
    thresholds: Vec<(&'static ThresholdDef, f64)>,
    y: (f64, f64),
    y2: Option<(f64, f64)>,
    /// Peaks cut off the top of the axis: (time h, value) of the spike after each bolus, when it
    /// is more than [`SPIKE_RATIO`] times everything else (the axis then shows the rest, and the
    /// spike is marked with an arrow and its value).
    clipped: Vec<(f64, f64)>,
}

/// A bolus's first minutes are left out of the drug panel's range when their peak is more than
/// this many times the highest level afterwards.
const SPIKE_RATIO: f64 = 1.5;
/// How long after a bolus its spike lasts, for the range of the drug panel (h).
const SPIKE_H: f64 = 0.25;

pub(crate) struct RunFigure {
    title: String,
    description: String,
    /// Warnings of the run (events of kind `warning`), shown under the description.
    warnings: Vec<String>,
    meta: String,
    t: Vec<f64>,
    columns: BTreeMap<&'static str, Vec<f64>>,
    periods: Vec<Period>,
    markers: Vec<(f64, &'static str, RGBColor)>,
    /// Markers after the end of the run (the end of the no-driving period of a short run): drawn
    /// as a labelled arrow at the right edge of the clinical panels.
    after_end: Vec<(f64, String, RGBColor)>,
    panels: Vec<PanelView>,
    segs: Vec<Seg>,
}

fn input(path: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(path.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// The range of `values` padded by 8 %, from 0 when `zero`, never empty.
pub(super) fn axis_range(values: impl IntoIterator<Item = f64>, zero: bool, cap_fraction: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if zero {
        lo = lo.min(0.0);
    }
    if hi - lo < 1e-9 * hi.abs().max(1.0) {
        let d = if hi.abs() > 1e-9 { hi.abs() * 0.1 } else { 1.0 };
        lo -= d;
        hi += d;
        if zero && lo < 0.0 && hi > 0.0 {
            lo = 0.0;
        }
    }
    let pad = 0.08 * (hi - lo);
    hi += pad;
    if !(zero && lo == 0.0) {
        lo -= pad;
    }
    if cap_fraction && hi > 1.0 && hi - pad <= 1.0 {
        hi = 1.05;
    }
    (lo, hi)
}

/// The polylines of `(t / per, y)` inside `[seg.lo, seg.hi]` (in axis units), cut at missing values
/// and interpolated at the edges of the segment.
pub(super) fn clip(t: &[f64], y: &[f64], seg: &Seg) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for i in 1..t.len().min(y.len()) {
        let (ta, tb, ya, yb) = (t[i - 1] / seg.per, t[i] / seg.per, y[i - 1], y[i]);
        if ![ta, tb, ya, yb].iter().all(|v| v.is_finite()) || tb <= ta {
            if cur.len() > 1 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        }
        let (s, e) = (ta.max(seg.lo), tb.min(seg.hi));
        if s > e {
            continue;
        }
        let at = |x: f64| if x == ta { ya } else if x == tb { yb } else { ya + (yb - ya) * (x - ta) / (tb - ta) };
        let p = (s, at(s));
        if cur.last() != Some(&p) {
            if cur.len() > 1 {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
            cur.push(p);
        }
        cur.push((e, at(e)));
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

/// Cut the spike after each bolus off the top of the drug panel: its range then covers the levels
/// from [`SPIKE_H`] after each bolus on, and each spike higher than [`SPIKE_RATIO`] times them is
/// recorded in `view.clipped` (drawn as an arrow with its value).
fn clip_bolus_spikes(view: &mut PanelView, t: &[f64], columns: &BTreeMap<&'static str, Vec<f64>>, boluses: &[f64]) {
    if boluses.is_empty() {
        return;
    }
    let Some(k) = view.def.right_per_left else { return };
    let in_spike = |x: f64| boluses.iter().any(|&b| x >= b && x < b + SPIKE_H);
    let (mut rest, mut spikes) = (Vec::new(), vec![(f64::NAN, f64::NEG_INFINITY); boluses.len()]);
    for sd in &view.series {
        let scale = if sd.right { 1.0 / k } else { 1.0 };
        for (&x, &v) in t.iter().zip(&columns[sd.col]) {
            if !(x.is_finite() && v.is_finite()) {
                continue;
            }
            let v = v * scale;
            if in_spike(x) {
                let i = boluses.iter().position(|&b| x >= b && x < b + SPIKE_H).unwrap_or(0);
                if v > spikes[i].1 {
                    spikes[i] = (x, v);
                }
            } else {
                rest.push(v);
            }
        }
    }
    let rest_max = rest.iter().copied().fold(0.0, f64::max);
    if rest_max <= 0.0 || !spikes.iter().any(|s| s.1 > SPIKE_RATIO * rest_max) {
        return;
    }
    let y = axis_range(rest, view.def.zero, false);
    view.y = y;
    view.y2 = view.y2.map(|_| (y.0 * k, y.1 * k));
    view.clipped = spikes.into_iter().filter(|s| s.1 > y.1).collect();
}

impl RunFigure {
    /// Read a run directory: trace.csv (required), events.csv and manifest.json (optional).
    pub fn load(dir: &Path) -> Result<RunFigure> {
        Self::load_at_dose(dir, None)
    }

    /// Read a run directory; with `dose = Some(K)` the detailed early view (the left part of each
    /// panel) shows the first hours after administration K (0 = the first, as in doses.csv) and
    /// the right part the whole run.
    pub fn load_at_dose(dir: &Path, dose: Option<usize>) -> Result<RunFigure> {
        super::style::register_fonts();
        let trace_path = dir.join("trace.csv");
        if !trace_path.is_file() {
            return Err(input(dir, "no trace.csv here: not a run directory (run `ketasim run SCENARIO --out DIR` first)"));
        }
        let mut trace = Table::read(&trace_path)?;
        // A pain run's pain.csv has the same sample times: its columns join the trace's.
        if let Ok(pain) = Table::read(&dir.join("pain.csv"))
            && pain.rows.len() == trace.rows.len()
        {
            let keep: Vec<usize> = (0..pain.headers.len()).filter(|&i| pain.headers[i] != "time_h").collect();
            trace.headers.extend(keep.iter().map(|&i| pain.headers[i].clone()));
            for (row, extra) in trace.rows.iter_mut().zip(&pain.rows) {
                row.extend(keep.iter().map(|&i| extra.get(i).cloned().unwrap_or_default()));
            }
        }
        let t = trace.numbers(col::time_h).ok_or_else(|| input(&trace_path, "trace.csv has no time_h column"))?;
        let times: Vec<f64> = t.iter().copied().filter(|v| v.is_finite()).collect();
        if times.len() < 2 {
            return Err(input(&trace_path, "trace.csv has fewer than two samples: nothing to plot"));
        }
        let events = read_events(&dir.join("events.csv"))?;
        let manifest_path = dir.join("manifest.json");
        let manifest: serde_json::Value = if manifest_path.is_file() {
            let text = std::fs::read_to_string(&manifest_path).map_err(|e| input(&manifest_path, format!("cannot read: {e}")))?;
            serde_json::from_str(&text).map_err(|e| input(&manifest_path, format!("invalid JSON: {e}")))?
        } else {
            serde_json::Value::Null
        };
        let scenario = &manifest["scenario"];
        let dir_name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        let title = scenario["name"].as_str().map_or(dir_name, str::to_string);
        let description = scenario["description"].as_str().unwrap_or("").to_string();
        let end_h = times.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let start_h = times.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let mut meta = Vec::new();
        if let Some(seed) = manifest["seed"].as_u64() {
            meta.push(format!("seed {seed}"));
        }
        meta.push(if end_h >= 48.0 { format!("{} days", fmt_tick(end_h / 24.0, 1.0)) } else { format!("{} h", fmt_tick(end_h, 1.0)) });
        if let Some(v) = manifest["ketasim_version"].as_str() {
            meta.push(format!("ketasim {v}"));
        }
        let monitoring: BTreeMap<String, f64> = scenario["monitoring"]
            .as_object()
            .map(|m| m.iter().filter_map(|(k, v)| v.as_f64().map(|v| (k.clone(), v))).collect())
            .unwrap_or_default();

        let mut columns = BTreeMap::new();
        for p in PANELS {
            for sd in p.series {
                if let Some(v) = trace.numbers(sd.col)
                    && v.iter().any(|x| x.is_finite())
                {
                    columns.insert(sd.col, v);
                }
            }
        }
        let all_periods = periods(&events, end_h);
        let boluses: Vec<f64> = all_periods
            .iter()
            .filter(|p| p.kind == PeriodKind::Dose && p.to_h - p.from_h < 1e-9)
            .map(|p| p.from_h)
            .collect();
        let mut panels = Vec::new();
        for def in PANELS {
            let series: Vec<&SeriesDef> = def.series.iter().filter(|sd| columns.contains_key(sd.col)).collect();
            if series.is_empty() {
                continue;
            }
            let thresholds: Vec<(&ThresholdDef, f64)> =
                def.thresholds.iter().filter_map(|th| monitoring.get(th.key).map(|v| (th, *v))).collect();
            let values = |right: bool| {
                let mut v: Vec<f64> =
                    series.iter().filter(|sd| sd.right == right).flat_map(|sd| columns[sd.col].iter().copied()).collect();
                v.extend(thresholds.iter().filter(|(th, _)| th.right == right).map(|(_, x)| *x));
                if def.healthy && !right {
                    v.push(1.0);
                }
                v
            };
            let fraction = def.unit.contains("0–1");
            let has_right = series.iter().any(|sd| sd.right);
            let (y, y2) = match def.right_per_left {
                // One physical scale: the left range covers both, the right axis is its image.
                Some(k) => {
                    let mut v = values(false);
                    v.extend(values(true).into_iter().map(|x| x / k));
                    let y = axis_range(v, def.zero, fraction);
                    (y, has_right.then_some((y.0 * k, y.1 * k)))
                }
                None => (
                    axis_range(values(false), def.zero, fraction),
                    has_right.then(|| axis_range(values(true), def.right_zero, def.right_unit.contains("0–1"))),
                ),
            };
            let mut view = PanelView { def, series, thresholds, y, y2, clipped: Vec::new() };
            if def.right_per_left.is_some() {
                clip_bolus_spikes(&mut view, &t, &columns, &boluses);
            }
            panels.push(view);
        }
        let markers = MARKERS
            .iter()
            .flat_map(|&(kind, label, color)| {
                events.iter().filter(move |e: &&EventRow| e.kind == kind).map(move |e| (marker_time(e), label, color))
            })
            .filter(|(t, _, _)| *t >= start_h && *t <= end_h)
            .collect();
        let after_end = after_end_markers(&events, end_h);
        let mut warnings: Vec<String> = Vec::new();
        for e in events.iter().filter(|e| e.kind == "warning") {
            if !warnings.contains(&e.detail) {
                warnings.push(e.detail.clone());
            }
        }
        let segs = match dose {
            None => segments(start_h, end_h),
            Some(k) => {
                let mut starts: Vec<f64> = all_periods.iter().filter(|p| p.kind == PeriodKind::Dose).map(|p| p.from_h).collect();
                starts.sort_by(f64::total_cmp);
                starts.dedup();
                if k >= starts.len() {
                    return Err(input(
                        &dir.join("events.csv"),
                        match starts.len() {
                            0 => format!("--dose {k}: this run has no administrations"),
                            n => format!("--dose {k}: this run has {n} administrations, numbered 0 to {} as in doses.csv", n - 1),
                        },
                    ));
                }
                dose_segments(starts[k], start_h, end_h)
            }
        };
        Ok(RunFigure {
            title,
            description,
            warnings,
            meta: meta.join(" · "),
            t,
            columns,
            periods: all_periods,
            markers,
            after_end,
            panels,
            segs,
        })
    }

    fn columns_per_row(&self) -> usize {
        if self.panels.len() > 1 { 2 } else { 1 }
    }

    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns_per_row()).max(1)
    }

    fn description_lines(&self) -> Vec<String> {
        let mut lines = wrap(&self.description, &font(DESC_SIZE), WIDTH - 2 * MARGIN as u32);
        if lines.len() > 3 {
            lines.truncate(3);
            lines[2].push_str(" …");
        }
        lines
    }

    /// The warning lines of the header (at most three, each cut to one line).
    fn warning_lines(&self) -> Vec<String> {
        let style = font(DESC_SIZE);
        let width = WIDTH - 2 * MARGIN as u32;
        let mut lines: Vec<String> = self
            .warnings
            .iter()
            .take(3)
            .map(|w| {
                let mut l = wrap(&format!("warning: {w}"), &style, width).into_iter().next().unwrap_or_default();
                if l.len() < w.len() + 9 {
                    l.push_str(" …");
                }
                l
            })
            .collect();
        if self.warnings.len() > 3 {
            lines.push(format!("… and {} more warnings (events.csv)", self.warnings.len() - 3));
        }
        lines
    }

    fn header_legend(&self) -> Vec<(Swatch, String)> {
        let mut items = Vec::new();
        let mut seen = Vec::new();
        for p in &self.periods {
            let key = (p.kind, p.label.clone());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            items.push(match p.kind {
                PeriodKind::Dose => (Swatch::Patch(DOSE_FILL), "dose (wide bar: infusion; narrow bar: bolus, spray or tablet)".to_string()),
                PeriodKind::Intervention => (Swatch::Patch(BLOCKER_FILL), format!("{} acting", p.label)),
                PeriodKind::Alarm => (Swatch::Patch(ALARM_FILL), "vital-sign alarm".to_string()),
            });
        }
        items.sort_by_key(|(s, _)| match s {
            Swatch::Patch(c) if *c == DOSE_FILL => 0,
            Swatch::Patch(c) if *c == BLOCKER_FILL => 1,
            _ => 2,
        });
        let mut labels = Vec::new();
        for (_, label, color) in &self.markers {
            if !labels.contains(label) {
                labels.push(*label);
                items.push((Swatch::Dashed(*color), label.to_string()));
            }
        }
        if self.panels.iter().any(|p| p.def.healthy) {
            items.push((Swatch::Dotted(MUTED), "healthy drug-free level".to_string()));
        }
        items
    }

    fn header_height(&self) -> i32 {
        let legend = legend_layout(&self.header_legend(), WIDTH as i32 - 2 * MARGIN, HEADER_LEGEND_SIZE).1;
        let axis_note = if self.segs.len() > 1 { NOTE_H } else { 0 };
        TOP + TITLE_H
            + (self.description_lines().len() + self.warning_lines().len()) as i32 * DESC_LINE_H
            + 10
            + legend
            + axis_note
            + 14
    }

    fn panel_legend(p: &PanelView) -> Vec<(Swatch, String)> {
        let mut items: Vec<(Swatch, String)> =
            p.series.iter().map(|sd| (Swatch::Styled(sd.color, series_width(p, sd), series_dash(p, sd)), sd.label.to_string())).collect();
        if p.thresholds.len() == 1 {
            let th = p.thresholds[0].0;
            items.push((Swatch::Styled(th.color, 2, th.dash), p.def.threshold_label.to_string()));
        } else {
            for (th, v) in &p.thresholds {
                items.push((Swatch::Styled(th.color, 2, th.dash), format!("{} {}", th.label, fmt_num(*v, 0))));
            }
        }
        items
    }

    fn legend_height(&self, p: &PanelView) -> i32 {
        legend_layout(&Self::panel_legend(p), self.cell_width() - 2 * CELL_MARGIN, PANEL_LEGEND_SIZE).1
    }

    fn cell_width(&self) -> i32 {
        (WIDTH as i32 - 2 * MARGIN) / self.columns_per_row() as i32
    }

    fn draw_header<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let mut y = TOP;
        root.draw(&Text::new(self.title.clone(), (MARGIN, y), bold(TITLE_SIZE))).map_err(draw_err)?;
        root.draw(&Text::new(
            self.meta.clone(),
            (WIDTH as i32 - MARGIN, y + 8),
            muted(20).pos(Pos::new(HPos::Right, VPos::Top)),
        ))
        .map_err(draw_err)?;
        y += TITLE_H;
        for line in self.description_lines() {
            root.draw(&Text::new(line, (MARGIN, y), muted(DESC_SIZE))).map_err(draw_err)?;
            y += DESC_LINE_H;
        }
        for line in self.warning_lines() {
            root.draw(&Text::new(line, (MARGIN, y), font(DESC_SIZE).color(&VERMILION))).map_err(draw_err)?;
            y += DESC_LINE_H;
        }
        y += 10;
        y += draw_legend(root, &self.header_legend(), (MARGIN, y), WIDTH as i32 - 2 * MARGIN, HEADER_LEGEND_SIZE)?;
        if self.segs.len() > 1 {
            let note = if self.segs[0].lo > 0.0 && self.segs[1].lo < self.segs[0].lo {
                format!(
                    "Each panel has a split time axis: {} h from {} h on the left (a chosen dose), the whole run on the right.",
                    fmt_tick(self.segs[0].hi - self.segs[0].lo, 1.0),
                    fmt_tick(self.segs[0].lo, 1.0)
                )
            } else {
                format!(
                    "Each panel has a split time axis: the first {} h on the left, the {} after on the right.",
                    fmt_tick(SPLIT_AT_H, 1.0),
                    if self.segs[1].per > 1.0 { "days" } else { "hours" }
                )
            };
            root.draw(&Text::new(note, (MARGIN, y + 4), muted(20))).map_err(draw_err)?;
        }
        Ok(())
    }

    /// How to read the figure, for the spare cell of the grid.
    fn draw_guide<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let (w, _) = area.dim_in_pixel();
        area.draw(&Text::new("How to read this figure", (0, 0), bold(PANEL_TITLE_SIZE))).map_err(draw_err)?;
        let mut points = vec![
            "Each panel is one step of the chain, numbered in the order the signal travels: drug → NMDA block → \
             disinhibition → glutamate and AMPA → BDNF and mTORC1 → synaptic protein and spines → what the clinic sees."
                .to_string(),
        ];
        if self.segs.len() > 1 {
            points.push(format!(
                "The time axis is split: the left part of each panel shows the first {} h in detail, the right part \
                 the {} after, when the slow steps (protein, spines, mood) play out.",
                fmt_tick(SPLIT_AT_H, 1.0),
                if self.segs[1].per > 1.0 { "days" } else { "hours" }
            ));
        }
        points.push("Shaded bars: the dose (orange) and any blocker acting (grey-blue); see the key at the top.".into());
        if self.panels.iter().any(|p| p.def.healthy) {
            points.push(
                "× healthy drug-free: 1 (dotted line) is the level of a healthy subject without drug; chronic stress \
                 starts synaptic protein and spines below it."
                    .into(),
            );
        }
        if self.panels.iter().any(|p| p.def.markers) {
            points.push(
                "Clinical panels: dashed horizontal lines are alarm thresholds and the discharge limit; vertical lines \
                 mark discharge and the end of the no-driving period."
                    .into(),
            );
        }
        points.push("ketasim is a teaching and hypothesis-exploration model, not a dosing tool.".into());
        let style = font(GUIDE_SIZE);
        let mut y = PANEL_TITLE_H + 10;
        for p in points {
            for (i, line) in wrap(&p, &style, w.saturating_sub(40)).into_iter().enumerate() {
                if i == 0 {
                    area.draw(&Text::new("•", (4, y), style.clone())).map_err(draw_err)?;
                }
                area.draw(&Text::new(line, (30, y), style.clone())).map_err(draw_err)?;
                y += GUIDE_LINE_H;
            }
            y += 12;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, p: &PanelView, legend_h: i32) -> Result<()> {
        let (w, _) = area.dim_in_pixel();
        area.draw(&Text::new(p.def.title, (0, 0), bold(PANEL_TITLE_SIZE))).map_err(draw_err)?;
        draw_legend(area, &Self::panel_legend(p), (4, PANEL_TITLE_H), w as i32 - 4, PANEL_LEGEND_SIZE)?;
        let chart = area.margin(PANEL_TITLE_H + legend_h + 4, 0, 0, 0);
        if self.segs.len() == 1 {
            return self.draw_segment(&chart, &self.segs[0], p);
        }
        let left_w = (w as f64 * LEFT_FRACTION) as i32;
        let (l, r) = chart.split_horizontally(left_w);
        self.draw_segment(&l, &self.segs[0], p)?;
        self.draw_segment(&r, &self.segs[1], p)
    }

    fn draw_segment<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, seg: &Seg, p: &PanelView) -> Result<()> {
        let (y_lo, y_hi) = p.y;
        let (y2_lo, y2_hi) = p.y2.unwrap_or(p.y);
        let mut chart = ChartBuilder::on(area)
            .margin_top(8)
            .margin_left(if seg.first { 0 } else { 10 })
            .margin_right(if seg.last { 0 } else { 10 })
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(if seg.first { Y_LABEL_AREA } else { 0 })
            .right_y_label_area_size(if seg.last { Y_LABEL_AREA } else { 0 })
            .build_cartesian_2d(seg.lo..seg.hi, y_lo..y_hi)
            .map_err(draw_err)?
            .set_secondary_coord(seg.lo..seg.hi, y2_lo..y2_hi);

        let (xspan, yspan, y2span) = (seg.hi - seg.lo, y_hi - y_lo, y2_hi - y2_lo);
        let xfmt = |v: &f64| fmt_tick(*v, xspan);
        let yfmt = |v: &f64| if seg.first { fmt_tick(*v, yspan) } else { String::new() };
        let x_labels = if seg.first && !seg.last { 7 } else { 10 };
        chart
            .configure_mesh()
            .x_labels(x_labels)
            .y_labels(6)
            .x_desc(seg.desc)
            .y_desc(if seg.first { p.def.unit } else { "" })
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .label_style(font(TICK_SIZE))
            .axis_desc_style(font(AXIS_DESC_SIZE))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()
            .map_err(draw_err)?;
        if seg.last && p.y2.is_some() {
            let y2fmt = |v: &f64| fmt_tick(*v, y2span);
            chart
                .configure_secondary_axes()
                .y_labels(6)
                .y_desc(p.def.right_unit)
                .y_label_formatter(&y2fmt)
                .label_style(font(TICK_SIZE))
                .axis_desc_style(font(AXIS_DESC_SIZE))
                .axis_style(MUTED)
                .draw()
                .map_err(draw_err)?;
        }

        // Shaded periods, behind the curves.
        for period in &self.periods {
            if period.kind == PeriodKind::Alarm && !p.def.markers {
                continue;
            }
            let (a, b) = (period.from_h / seg.per, period.to_h / seg.per);
            let (a, b) = (a.max(seg.lo), b.min(seg.hi));
            if a > b {
                continue;
            }
            let fill = match period.kind {
                PeriodKind::Dose => DOSE_FILL,
                PeriodKind::Intervention => BLOCKER_FILL,
                PeriodKind::Alarm => ALARM_FILL,
            };
            // A bolus, a spray or a tablet takes no time: a narrow bar (5 px) starting at the dose.
            let px_per_unit = area.dim_in_pixel().0 as f64 / (seg.hi - seg.lo);
            let min_w = 5.0 / px_per_unit;
            if b - a < min_w {
                // Short windows are drawn at the minimum width, so a 2-h blocker stays visible on
                // a 7-day axis.
                let edge = match period.kind {
                    PeriodKind::Dose => DOSE_EDGE.mix(0.45),
                    PeriodKind::Intervention => BLOCKER_EDGE.mix(0.8),
                    PeriodKind::Alarm => ALARM_FILL.mix(0.8),
                };
                let (a, b) = if a + min_w <= seg.hi { (a, a + min_w) } else { (seg.hi - min_w, seg.hi) };
                chart.draw_series(std::iter::once(Rectangle::new([(a, y_lo), (b, y_hi)], edge.filled()))).map_err(draw_err)?;
                continue;
            }
            let alpha = if period.kind == PeriodKind::Dose { 0.75 } else { 0.45 };
            chart
                .draw_series(std::iter::once(Rectangle::new([(a, y_lo), (b, y_hi)], fill.mix(alpha).filled())))
                .map_err(draw_err)?;
        }

        // Blocker windows are named at their top in the first panel.
        if std::ptr::eq(p.def, self.panels[0].def) {
            for period in self.periods.iter().filter(|q| q.kind == PeriodKind::Intervention) {
                let a = period.from_h / seg.per;
                if a >= seg.lo && a <= seg.hi {
                    let (px, py) = chart.backend_coord(&(a, y_hi));
                    let (ox, oy) = area.get_base_pixel();
                    area.draw(&Text::new(
                        period.label.clone(),
                        (px - ox + 4, py - oy + 4),
                        font(THRESHOLD_LABEL_SIZE).color(&BLOCKER_EDGE).pos(Pos::new(HPos::Left, VPos::Top)),
                    ))
                    .map_err(draw_err)?;
                }
            }
        }
        // A bolus spike cut off the top: an arrow at the top edge and the peak value.
        for &(t, v) in &p.clipped {
            let x = t / seg.per;
            if x >= seg.lo && x <= seg.hi {
                let (px, py) = chart.backend_coord(&(x, y_hi));
                let (ox, oy) = area.get_base_pixel();
                let (px, py) = (px - ox + 6, py - oy);
                area.draw(&Polygon::new(vec![(px, py), (px - 9, py + 16), (px + 9, py + 16)], VERMILION.filled()))
                    .map_err(draw_err)?;
                area.draw(&PathElement::new(vec![(px, py + 16), (px, py + 34)], VERMILION.stroke_width(3))).map_err(draw_err)?;
                area.draw(&Text::new(
                    format!("peak {} {} at {} h, off scale", fmt_thousands(v), p.def.unit.split('(').nth(1).unwrap_or("").trim_end_matches(')'), fmt_tick(t, 1.0)),
                    (px + 14, py + 4),
                    font(THRESHOLD_LABEL_SIZE).color(&VERMILION).pos(Pos::new(HPos::Left, VPos::Top)),
                ))
                .map_err(draw_err)?;
            }
        }
        if p.def.healthy && (y_lo..=y_hi).contains(&1.0) {
            chart
                .draw_series(DashedLineSeries::new(vec![(seg.lo, 1.0), (seg.hi, 1.0)], 3, 5, MUTED.stroke_width(2)))
                .map_err(draw_err)?;
        }
        if p.def.markers && seg.last {
            for (k, (_, label, color)) in self.after_end.iter().enumerate() {
                let y = y_hi - (y_hi - y_lo) * (0.04 + 0.1 * k as f64);
                let style = font(TICK_SIZE).color(color).pos(Pos::new(HPos::Right, VPos::Top));
                chart.draw_series(std::iter::once(Text::new(label.clone(), (seg.hi, y), style))).map_err(draw_err)?;
            }
        }
        if p.def.markers {
            for &(t, _, color) in &self.markers {
                let x = t / seg.per;
                if x >= seg.lo && x <= seg.hi {
                    chart
                        .draw_series(DashedLineSeries::new(vec![(x, y_lo), (x, y_hi)], 8, 5, color.stroke_width(2)))
                        .map_err(draw_err)?;
                }
            }
        }
        for (th, v) in &p.thresholds {
            let line = vec![(seg.lo, *v), (seg.hi, *v)];
            if th.right {
                draw_styled!(chart, draw_secondary_series, line, th.color, 2, th.dash).map_err(draw_err)?;
            } else {
                draw_styled!(chart, draw_series, line, th.color, 2, th.dash).map_err(draw_err)?;
                // Named at the right end of the line, so that it reads without the colour.
                if seg.last && (y_lo..=y_hi).contains(v) {
                    let (px, py) = chart.backend_coord(&(seg.hi, *v));
                    let (ox, oy) = area.get_base_pixel();
                    area.draw(&Text::new(
                        th.label.to_string(),
                        (px - ox - 4, py - oy - 3),
                        font(THRESHOLD_LABEL_SIZE).color(&th.color).pos(Pos::new(HPos::Right, VPos::Bottom)),
                    ))
                    .map_err(draw_err)?;
                }
            }
        }
        for sd in &p.series {
            let (width, dash) = (series_width(p, sd), series_dash(p, sd));
            for line in clip(&self.t, &self.columns[sd.col], seg) {
                if sd.right {
                    draw_styled!(chart, draw_secondary_series, line, sd.color, width, dash)
                } else {
                    draw_styled!(chart, draw_series, line, sd.color, width, dash)
                }
                .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

/// The pattern of a curve: by its place in the panel (solid, dashed, dotted, long dashes), so
/// curves differ by more than colour; a series marked `dashed` is never solid.
fn series_dash(p: &PanelView, sd: &SeriesDef) -> Dash {
    let i = p.def.series.iter().position(|x| x.col == sd.col).unwrap_or(0);
    match Dash::ALL[i % Dash::ALL.len()] {
        Dash::Solid if sd.dashed => Dash::Dashed,
        d => d,
    }
}

/// Line width: the drug's brain line, drawn on the same physical scale as the plasma line, is
/// thinner and drawn on top of a wide plasma line, so the two stay apart where they overlap.
fn series_width(p: &PanelView, sd: &SeriesDef) -> u32 {
    match (p.def.right_per_left.is_some(), sd.right) {
        (true, false) => 5,
        (true, true) => 3,
        _ => 3,
    }
}

const THRESHOLD_LABEL_SIZE: u32 = 17;

/// `v` rounded to a whole number with thousands separators: 6050.4 → "6,050".
fn fmt_thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}
const WIDTH: u32 = 2400;
const MARGIN: i32 = 30;
const TOP: i32 = 22;
const TITLE_SIZE: u32 = 40;
const TITLE_H: i32 = 58;
const DESC_SIZE: u32 = 24;
const DESC_LINE_H: i32 = 32;
const HEADER_LEGEND_SIZE: u32 = 22;
const NOTE_H: i32 = 34;
const ROW_H: i32 = 490;
const ROW_GAP: i32 = 26;
const CELL_MARGIN: i32 = 24;
const PANEL_TITLE_SIZE: u32 = 26;
const PANEL_TITLE_H: i32 = 40;
const PANEL_LEGEND_SIZE: u32 = 20;
const TICK_SIZE: u32 = 18;
const GUIDE_SIZE: u32 = 22;
const GUIDE_LINE_H: i32 = 31;
const AXIS_DESC_SIZE: u32 = 20;
const X_LABEL_AREA: u32 = 62;
const Y_LABEL_AREA: u32 = 96;
/// The share of a panel's width that the first hours take.
const LEFT_FRACTION: f64 = 0.42;

impl Figure for RunFigure {
    fn size(&self) -> (u32, u32) {
        let h = self.header_height() + self.rows() as i32 * (ROW_H + ROW_GAP) + 10;
        (WIDTH, h.max(800) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        self.draw_header(root)?;
        let top = self.header_height();
        let cols = self.columns_per_row();
        let cw = self.cell_width();
        for (row, chunk) in self.panels.chunks(cols).enumerate() {
            let legend_h = chunk.iter().map(|p| self.legend_height(p)).max().unwrap_or(0);
            for (col, p) in chunk.iter().enumerate() {
                let x0 = MARGIN + col as i32 * cw + CELL_MARGIN;
                let y0 = top + row as i32 * (ROW_H + ROW_GAP);
                let cell = root.clone().shrink((x0, y0), ((cw - 2 * CELL_MARGIN) as u32, ROW_H as u32));
                self.draw_panel(&cell, p, legend_h)?;
            }
            // A spare cell at the end of the last row holds the reading guide.
            if chunk.len() < cols {
                let x0 = MARGIN + chunk.len() as i32 * cw + CELL_MARGIN;
                let y0 = top + row as i32 * (ROW_H + ROW_GAP);
                let cell = root.clone().shrink((x0, y0), ((cw - 2 * CELL_MARGIN) as u32, ROW_H as u32));
                self.draw_guide(&cell)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_interpolates_at_the_edges() {
        let t = [0.0, 4.0, 8.0, 12.0];
        let y = [0.0, 4.0, 8.0, 12.0];
        let seg = Seg { lo: 0.0, hi: 6.0, per: 1.0, desc: "", first: true, last: false };
        assert_eq!(clip(&t, &y, &seg), vec![vec![(0.0, 0.0), (4.0, 4.0), (6.0, 6.0)]]);
        let seg = Seg { lo: 6.0, hi: 12.0, per: 1.0, desc: "", first: false, last: true };
        assert_eq!(clip(&t, &y, &seg), vec![vec![(6.0, 6.0), (8.0, 8.0), (12.0, 12.0)]]);
        let y = [0.0, f64::NAN, 8.0, 12.0];
        assert_eq!(clip(&t, &y, &seg), vec![vec![(8.0, 8.0), (12.0, 12.0)]]);
    }

    #[test]
    fn axis_ranges() {
        assert_eq!(axis_range([0.0, 0.0], true, false), (0.0, 1.08));
        let (lo, hi) = axis_range([0.76, 1.0], false, false);
        assert!(lo < 0.76 && hi > 1.0);
        assert_eq!(axis_range([0.2, 0.98], true, true), (0.0, 1.05));
        assert_eq!(axis_range(std::iter::empty(), true, false), (0.0, 1.0));
    }

    /// The clinic session at 12:00 and at 21:00: the 4-h run ends before the no-driving period,
    /// and the figure's data keeps it as a labelled marker at the right edge, after discharge.
    #[test]
    fn no_driving_after_a_short_run_is_shown_at_the_edge() {
        for clock in ["12", "21"] {
            let sc = crate::scenario::load("clinic-session", &[format!("monitoring.start_clock_h={clock}")], None).unwrap();
            let run = crate::sim::Simulation::new(&sc).unwrap().run(|_, _| {}).unwrap();
            let events: Vec<EventRow> =
                run.events.iter().map(|e| EventRow { time_h: e.time_h, kind: e.kind.clone(), detail: e.detail.clone() }).collect();
            let discharge = run.summary.discharge_ready_h.expect("discharged within the 4-h run");
            let until = run.summary.no_driving_until_h.expect("a no-driving time");
            assert!(until > sc.duration_h && until > discharge, "{clock}:00: {until} h");
            let after = after_end_markers(&events, sc.duration_h);
            assert_eq!(after.len(), 1, "{clock}:00: {after:?}");
            assert!((after[0].0 - until).abs() < 1e-3, "{clock}:00: marker at {} h, summary {until} h", after[0].0);
            assert!(after[0].1.starts_with("no driving until ") && after[0].1.contains("next day"), "{}", after[0].1);
            // Within the run it is an ordinary marker, not an arrow at the edge.
            assert!(after_end_markers(&events, until + 1.0).is_empty());
        }
    }

    #[test]
    fn split_axis() {
        assert_eq!(segments(0.0, 6.0).len(), 1);
        let s = segments(0.0, 168.0);
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].lo, s[1].hi, s[1].per), (0.25, 7.0, 24.0));
        assert_eq!(segments(0.0, 24.0)[1].per, 1.0);
    }

    fn write_run(dir: &Path, bolus: bool) {
        std::fs::create_dir_all(dir).unwrap();
        let mut trace = String::from("time_h,plasma_ketamine_ng_ml,brain_ketamine_um\n");
        for i in 0..=96 {
            let t = i as f64 / 12.0;
            // A bolus: 6,000 ng/mL at t = 0, then at most 800 from 15 min on.
            let c = if bolus { if i == 0 { 6000.0 } else { 800.0 * crate::math::exp(-t / 2.0) } } else { 250.0 * (1.0 - crate::math::exp(-t)) };
            trace.push_str(&format!("{t},{c},{}\n", c / NG_ML_PER_UM * 0.5));
        }
        std::fs::write(dir.join("trace.csv"), trace).unwrap();
        let end = if bolus { 0.0 } else { 0.67 };
        std::fs::write(dir.join("events.csv"), format!("time_h,kind,detail\n0,dose_start,d\n{end},dose_end,d\n")).unwrap();
    }

    #[test]
    fn a_bolus_spike_is_cut_off_the_drug_axis_and_marked() {
        let tmp = tempfile::tempdir().unwrap();
        write_run(&tmp.path().join("bolus"), true);
        let fig = RunFigure::load(&tmp.path().join("bolus")).unwrap();
        let p = &fig.panels[0];
        // The highest level from SPIKE_H (15 min) on is 800 e^(-0.25/2), padded by 8 %.
        let top = 1.08 * 800.0 * crate::math::exp(-SPIKE_H / 2.0);
        assert!((p.y.1 - top).abs() < 1e-6, "the axis shows the levels after the spike: {:?}, expected top {top}", p.y);
        assert_eq!(p.clipped, vec![(0.0, 6000.0)], "the spike is marked with its time and value");
        // The brain axis is the same physical scale as the plasma axis.
        let y2 = p.y2.unwrap();
        assert!((y2.1 * NG_ML_PER_UM - p.y.1).abs() < 1e-6);
        // An infusion has no spike to cut: the axis covers the whole curve.
        write_run(&tmp.path().join("inf"), false);
        let fig = RunFigure::load(&tmp.path().join("inf")).unwrap();
        assert!(fig.panels[0].clipped.is_empty());
        assert!(fig.panels[0].y.1 >= 249.0);
    }

    #[test]
    fn curves_and_thresholds_of_a_panel_differ_by_pattern_not_colour_only() {
        for def in PANELS {
            let view = PanelView { def, series: def.series.iter().collect(), thresholds: vec![], y: (0.0, 1.0), y2: None, clipped: vec![] };
            let styles: Vec<(Dash, u32)> = def.series.iter().map(|sd| (series_dash(&view, sd), series_width(&view, sd))).collect();
            for i in 0..styles.len() {
                for j in 0..i {
                    assert_ne!(styles[i], styles[j], "{}: series {i} and {j} share a pattern", def.title);
                }
            }
            for i in 0..def.thresholds.len() {
                for j in 0..i {
                    assert_ne!(def.thresholds[i].dash, def.thresholds[j].dash, "{}: thresholds {i} and {j}", def.title);
                    assert_ne!(def.thresholds[i].label, def.thresholds[j].label);
                }
            }
        }
    }
}
