//! `ketasim compare RUN_A RUN_B [...] --out FILE`: the cascade of several runs overlaid, one panel
//! per step of the chain, each run in its own colour **and** line pattern, with a legend made from
//! the runs' scenario names, `--set` overrides and seeds (read from their `manifest.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::run_figure::{Seg, axis_range, clip, segments};
use super::style::*;
use super::{DirKind, Figure, draw_err, input_at};
use crate::error::Result;
use crate::readout::col;

/// The most runs one comparison overlays (7 colours of the Okabe–Ito palette and black).
pub const MAX_RUNS: usize = 8;

/// The colours runs get, in order: colour-blind safe (Okabe & Ito 2008), and each run also gets its
/// own line pattern ([`Dash`]), so two runs never differ by colour only.
const RUN_COLORS: [RGBColor; MAX_RUNS] =
    [DEEP_BLUE, VERMILION, TEAL, ORANGE, PURPLE, SKY, OCHRE, RGBColor(0, 0, 0)];

/// One panel of the comparison: one trace column.
struct CmpDef {
    col: &'static str,
    title: &'static str,
    unit: &'static str,
    /// The axis starts at 0.
    zero: bool,
    /// Draw the healthy drug-free level (1.0) as a dotted line.
    healthy: bool,
}

const REL: &str = "× healthy drug-free";

const CMP_PANELS: &[CmpDef] = &[
    CmpDef { col: col::plasma_ketamine_ng_ml, title: "1  Ketamine in plasma", unit: "ng/mL", zero: true, healthy: false },
    CmpDef {
        col: col::nmda_block_interneuron,
        title: "2  NMDA block, GABA interneurons",
        unit: "fraction blocked (0–1)",
        zero: true,
        healthy: false,
    },
    CmpDef { col: col::pyramidal_rate_hz, title: "3  Pyramidal firing rate", unit: "firing rate (Hz)", zero: true, healthy: false },
    CmpDef { col: col::glutamate_rel, title: "4  Extracellular glutamate", unit: REL, zero: false, healthy: true },
    CmpDef { col: col::mtorc1_rel, title: "5  mTORC1 activity", unit: REL, zero: false, healthy: true },
    CmpDef { col: col::spine_density_rel, title: "6  Dendritic spine density", unit: REL, zero: false, healthy: true },
    CmpDef { col: col::sbp_mmhg, title: "7  Systolic blood pressure", unit: "mmHg", zero: false, healthy: false },
    CmpDef { col: col::dissociation_cadss, title: "8  Dissociation (CADSS)", unit: "points", zero: true, healthy: false },
    CmpDef { col: col::madrs, title: "9  Depression score (MADRS)", unit: "points", zero: true, healthy: false },
];

/// One run of the comparison.
#[derive(Debug)]
pub(crate) struct CmpRun {
    /// Legend text: "A  rapamycin-block (modified: dose.0.mg_per_kg=0.25) · seed 1".
    pub(crate) label: String,
    pub(crate) color: RGBColor,
    pub(crate) dash: Dash,
    t: Vec<f64>,
    columns: BTreeMap<&'static str, Vec<f64>>,
}

/// A panel ready to draw, with an axis range that covers every run.
struct CmpPanel {
    def: &'static CmpDef,
    y: (f64, f64),
}

/// The comparison figure.
pub(crate) struct CompareFigure {
    pub(crate) runs: Vec<CmpRun>,
    panels: Vec<CmpPanel>,
    segs: Vec<Seg>,
}

/// The legend label of a run from its manifest: the scenario name, the `--set` overrides not
/// already named in it, and the seed.
fn run_label(letter: char, dir: &Path, manifest: &serde_json::Value) -> String {
    let dir_name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    let name = manifest["scenario"]["name"].as_str().map_or(dir_name, str::to_string);
    let overrides: Vec<String> = manifest["overrides"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut label = format!("{letter}  {name}");
    let missing: Vec<&String> = overrides.iter().filter(|o| !name.contains(o.as_str())).collect();
    if !missing.is_empty() {
        label.push_str(&format!(" (modified: {})", missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if let Some(seed) = manifest["seed"].as_u64() {
        label.push_str(&format!(" · seed {seed}"));
    }
    label
}

impl CompareFigure {
    /// Read the run directories (each must be a run directory, exit 2 otherwise).
    pub(crate) fn load(dirs: &[PathBuf]) -> Result<CompareFigure> {
        register_fonts();
        if dirs.len() < 2 || dirs.len() > MAX_RUNS {
            let at = dirs.first().map_or(Path::new("."), PathBuf::as_path);
            return Err(input_at(
                at,
                format!("compare takes 2 to {MAX_RUNS} run directories, got {}", dirs.len()),
            ));
        }
        let mut runs = Vec::new();
        let (mut lo_h, mut hi_h) = (0.0f64, f64::NEG_INFINITY);
        for (i, dir) in dirs.iter().enumerate() {
            let not_run = |what: &str| {
                input_at(
                    dir,
                    format!(
                        "{what}: `ketasim compare` takes run directories (written by `ketasim run`, with trace.csv); \
                         plot a sweep or trial with `ketasim plot DIR`"
                    ),
                )
            };
            if super::trial_figure::is_trial_dir(dir) {
                return Err(not_run("is a trial directory"));
            }
            match super::dir_kind(dir) {
                Ok(DirKind::Run) => {}
                Ok(DirKind::Sweep) => return Err(not_run("is a sweep directory")),
                Err(_) if !dir.is_dir() => return Err(not_run("is not a directory")),
                Err(_) => return Err(not_run("has no trace.csv")),
            }
            let trace_path = dir.join("trace.csv");
            let trace = super::Table::read(&trace_path)?;
            let t = trace
                .numbers(col::time_h)
                .ok_or_else(|| input_at(&trace_path, "trace.csv has no time_h column".into()))?;
            let times: Vec<f64> = t.iter().copied().filter(|v| v.is_finite()).collect();
            if times.len() < 2 {
                return Err(input_at(&trace_path, "trace.csv has fewer than two samples: nothing to compare".into()));
            }
            lo_h = times.iter().copied().fold(lo_h, f64::min);
            hi_h = times.iter().copied().fold(hi_h, f64::max);
            let manifest_path = dir.join("manifest.json");
            let manifest: serde_json::Value = match std::fs::read_to_string(&manifest_path) {
                Ok(text) => serde_json::from_str(&text)
                    .map_err(|e| input_at(&manifest_path, format!("invalid JSON: {e}")))?,
                Err(_) => serde_json::Value::Null,
            };
            let mut columns = BTreeMap::new();
            for def in CMP_PANELS {
                if let Some(v) = trace.numbers(def.col)
                    && v.iter().any(|x| x.is_finite())
                {
                    columns.insert(def.col, v);
                }
            }
            let letter = (b'A' + i as u8) as char;
            runs.push(CmpRun {
                label: run_label(letter, dir, &manifest),
                color: RUN_COLORS[i],
                dash: Dash::ALL[i % Dash::ALL.len()],
                t,
                columns,
            });
        }
        let panels = CMP_PANELS
            .iter()
            .filter(|def| runs.iter().any(|r| r.columns.contains_key(def.col)))
            .map(|def| {
                let mut values: Vec<f64> =
                    runs.iter().filter_map(|r| r.columns.get(def.col)).flat_map(|v| v.iter().copied()).collect();
                if def.healthy {
                    values.push(1.0);
                }
                CmpPanel { def, y: axis_range(values, def.zero, def.unit.contains("0–1")) }
            })
            .collect();
        Ok(CompareFigure { runs, panels, segs: segments(lo_h, hi_h) })
    }

    fn legend(&self) -> Vec<(Swatch, String)> {
        self.runs.iter().map(|r| (Swatch::Styled(r.color, 4, r.dash), r.label.clone())).collect()
    }

    fn header_height(&self) -> i32 {
        TOP + TITLE_H + legend_layout(&self.legend(), WIDTH as i32 - 2 * MARGIN, LEGEND_SIZE).1 + NOTE_H + 10
    }

    fn rows(&self) -> usize {
        self.panels.len().div_ceil(COLS).max(1)
    }

    fn draw_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, p: &CmpPanel) -> Result<()> {
        let (w, _) = area.dim_in_pixel();
        area.draw(&Text::new(p.def.title, (0, 0), bold(PANEL_TITLE_SIZE))).map_err(draw_err)?;
        let chart = area.margin(PANEL_TITLE_H, 0, 0, 0);
        if self.segs.len() == 1 {
            return self.draw_segment(&chart, &self.segs[0], p);
        }
        let (l, r) = chart.split_horizontally((w as f64 * LEFT_FRACTION) as i32);
        self.draw_segment(&l, &self.segs[0], p)?;
        self.draw_segment(&r, &self.segs[1], p)
    }

    fn draw_segment<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, seg: &Seg, p: &CmpPanel) -> Result<()> {
        let (y_lo, y_hi) = p.y;
        let mut chart = ChartBuilder::on(area)
            .margin_top(8)
            .margin_left(if seg.first { 0 } else { 10 })
            .margin_right(if seg.last { 4 } else { 10 })
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(if seg.first { Y_LABEL_AREA } else { 0 })
            .build_cartesian_2d(seg.lo..seg.hi, y_lo..y_hi)
            .map_err(draw_err)?;
        let (xspan, yspan) = (seg.hi - seg.lo, y_hi - y_lo);
        let xfmt = |v: &f64| fmt_tick(*v, xspan);
        let yfmt = |v: &f64| if seg.first { fmt_tick(*v, yspan) } else { String::new() };
        chart
            .configure_mesh()
            .x_labels(if seg.first && !seg.last { 5 } else { 8 })
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
        if p.def.healthy && (y_lo..=y_hi).contains(&1.0) {
            chart
                .draw_series(DashedLineSeries::new(vec![(seg.lo, 1.0), (seg.hi, 1.0)], 3, 5, MUTED.stroke_width(2)))
                .map_err(draw_err)?;
        }
        for run in &self.runs {
            let Some(y) = run.columns.get(p.def.col) else { continue };
            for line in clip(&run.t, y, seg) {
                draw_styled!(chart, draw_series, line, run.color, 3, run.dash).map_err(draw_err)?;
            }
        }
        Ok(())
    }
}

const WIDTH: u32 = 2400;
const COLS: usize = 3;
const MARGIN: i32 = 30;
const TOP: i32 = 22;
const TITLE_SIZE: u32 = 40;
const TITLE_H: i32 = 58;
const LEGEND_SIZE: u32 = 24;
const NOTE_H: i32 = 34;
const ROW_H: i32 = 470;
const ROW_GAP: i32 = 26;
const CELL_MARGIN: i32 = 20;
const PANEL_TITLE_SIZE: u32 = 26;
const PANEL_TITLE_H: i32 = 38;
const TICK_SIZE: u32 = 18;
const AXIS_DESC_SIZE: u32 = 20;
const X_LABEL_AREA: u32 = 62;
const Y_LABEL_AREA: u32 = 90;
const LEFT_FRACTION: f64 = 0.42;

impl Figure for CompareFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, (self.header_height() + self.rows() as i32 * (ROW_H + ROW_GAP) + 10) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        let mut y = TOP;
        let title = format!("Comparing {} runs", self.runs.len());
        root.draw(&Text::new(title, (MARGIN, y), bold(TITLE_SIZE))).map_err(draw_err)?;
        y += TITLE_H;
        y += draw_legend(root, &self.legend(), (MARGIN, y), WIDTH as i32 - 2 * MARGIN, LEGEND_SIZE)?;
        let note = if self.segs.len() > 1 {
            format!(
                "Split time axis: the first {} h on the left of each panel, the {} after on the right. Dotted grey: the healthy drug-free level.",
                fmt_tick(self.segs[0].hi, 1.0),
                if self.segs[1].per > 1.0 { "days" } else { "hours" }
            )
        } else {
            "Dotted grey: the healthy drug-free level.".to_string()
        };
        root.draw(&Text::new(note, (MARGIN, y + 4), muted(20).pos(Pos::new(HPos::Left, VPos::Top)))).map_err(draw_err)?;
        let top = self.header_height();
        let cw = (WIDTH as i32 - 2 * MARGIN) / COLS as i32;
        for (i, p) in self.panels.iter().enumerate() {
            let (row, c) = (i / COLS, i % COLS);
            let x0 = MARGIN + c as i32 * cw + CELL_MARGIN;
            let y0 = top + row as i32 * (ROW_H + ROW_GAP);
            let cell = root.clone().shrink((x0, y0), ((cw - 2 * CELL_MARGIN) as u32, ROW_H as u32));
            self.draw_panel(&cell, p)?;
        }
        Ok(())
    }
}

/// The panel titles and the (low, high) of their vertical axes, for tests.
#[cfg(test)]
impl CompareFigure {
    fn panel_ranges(&self) -> Vec<(&'static str, (f64, f64))> {
        self.panels.iter().map(|p| (p.def.col, p.y)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_run(dir: &Path, name: &str, overrides: &[&str], seed: u64, peak: f64) {
        std::fs::create_dir_all(dir).unwrap();
        let mut trace = String::from("time_h,plasma_ketamine_ng_ml,spine_density_rel\n");
        for i in 0..=48 {
            let t = i as f64;
            trace.push_str(&format!("{t},{},{}\n", peak * crate::math::exp(-t / 3.0), 0.8 + 0.001 * t));
        }
        std::fs::write(dir.join("trace.csv"), trace).unwrap();
        let manifest = serde_json::json!({"ketasim_version": "0", "seed": seed, "overrides": overrides, "scenario": {"name": name}});
        std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    }

    #[test]
    fn runs_are_overlaid_with_distinct_styles_and_labelled_from_their_manifests() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        write_run(&a, "iv-infusion", &[], 1, 150.0);
        write_run(&b, "iv-infusion", &["dose.0.mg_per_kg=0.25"], 2, 75.0);
        let fig = CompareFigure::load(&[a, b]).unwrap();
        assert_eq!(fig.runs[0].label, "A  iv-infusion · seed 1");
        assert_eq!(fig.runs[1].label, "B  iv-infusion (modified: dose.0.mg_per_kg=0.25) · seed 2");
        // Each run differs from the others by colour and by line pattern.
        assert_ne!(fig.runs[0].color, fig.runs[1].color);
        assert_ne!(fig.runs[0].dash, fig.runs[1].dash);
        // Only the panels whose column the runs have; each axis covers every run.
        let ranges = fig.panel_ranges();
        assert_eq!(ranges.iter().map(|r| r.0).collect::<Vec<_>>(), vec![col::plasma_ketamine_ng_ml, col::spine_density_rel]);
        let (lo, hi) = ranges[0].1;
        assert_eq!(lo, 0.0);
        assert!((150.0..150.0 * 1.2).contains(&hi), "plasma axis {lo}..{hi} must show run A's peak 150");
        let (lo, hi) = ranges[1].1;
        assert!(lo < 0.8 && hi > 1.0, "spine axis {lo}..{hi} must show 0.8 and the healthy level 1");
        // 48 h: a split axis, hours then hours.
        assert_eq!(fig.segs.len(), 2);
    }

    #[test]
    fn one_run_or_too_many_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        write_run(&a, "x", &[], 1, 1.0);
        let e = CompareFigure::load(std::slice::from_ref(&a)).err().expect("one run refused");
        assert_eq!(e.exit_code(), 2);
        let many = vec![a; MAX_RUNS + 1];
        assert_eq!(CompareFigure::load(&many).err().expect("too many refused").exit_code(), 2);
    }
}
