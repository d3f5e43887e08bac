//! The figure of a sweep: one or more summary columns against one swept key, replicate mean ± SD.
//!
//! One `--y` gives one panel; several give one panel per column, stacked on a shared x axis (the
//! tick labels and the key's name under the bottom panel only). `--logx` draws the swept key on a
//! logarithmic axis, labelled at its decades (or at 1-2-5 steps when the values span less than two
//! decades).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::Table;
use super::style::*;
use super::{Figure, Format, draw_err, input_at, render};
use crate::error::Result;
use crate::readout::SUMMARY_COLUMNS;

/// The columns every sweep summary.csv starts with; the swept keys follow them.
const SWEEP_ID_COLUMNS: &[&str] = &["run_id", "point", "replicate", "seed"];

/// The swept keys of a sweep summary: the columns after run_id, point, replicate and seed, up to
/// the first column of the single-run summary (`scenario`).
pub fn swept_keys(t: &Table) -> Vec<String> {
    let start = t.headers.iter().rposition(|h| SWEEP_ID_COLUMNS.contains(&h.as_str()) && h != "seed").map_or(0, |i| i + 1);
    let mut keys = Vec::new();
    for h in &t.headers[start..] {
        if h == "scenario" {
            break;
        }
        if !SWEEP_ID_COLUMNS.contains(&h.as_str()) {
            keys.push(h.clone());
        }
    }
    keys
}

/// The unit of a swept key, guessed from its last path segment (`dose.0.mg_per_kg` → mg/kg).
fn key_unit(key: &str) -> Option<&'static str> {
    let last = key.rsplit('.').next().unwrap_or(key);
    Some(match last {
        "mg_per_kg" => "mg/kg",
        "mg" => "mg",
        "weight_kg" => "kg",
        "over_min" | "sample_every_min" => "min",
        "dt_s" => "s",
        "strength" => "fraction 0-1",
        _ if last.ends_with("_h") => "h",
        _ if last.ends_with("_per_h") => "1/h",
        _ if last.ends_with("_mmhg") => "mmHg",
        _ if last.ends_with("_bpm") => "bpm",
        _ if last.ends_with("_ng_ml") => "ng/mL",
        _ if last.ends_with("_um") => "µM",
        _ => return None,
    })
}

/// The unit of a summary column, from the declared summary columns or the name.
fn column_unit(col: &str) -> Option<String> {
    if let Some((_, unit, _)) = SUMMARY_COLUMNS.iter().find(|c| c.0 == col) {
        return (!unit.is_empty()).then(|| unit.replace("x healthy", "× healthy"));
    }
    key_unit(col).map(str::to_string)
}

fn label(name: &str, unit: Option<String>) -> String {
    match unit {
        Some(u) => format!("{name} ({u})"),
        None => name.to_string(),
    }
}

/// A short label for a swept value that is not a number: a TOML value as summary.csv prints it.
/// `[]` → "none"; `[{ kind = "rapamycin", ... }]` → "rapamycin"; `{ drug = "ketamine", route =
/// "oral", mg = 100.0, ... }` → "ketamine oral 100 mg".
fn short_category(text: &str) -> String {
    fn short(v: &toml::Value) -> String {
        match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Array(a) if a.is_empty() => "none".into(),
            toml::Value::Array(a) => a.iter().map(short).collect::<Vec<_>>().join(" + "),
            toml::Value::Table(t) => {
                let mut parts: Vec<String> = t.values().filter_map(|v| v.as_str().map(str::to_string)).collect();
                for (key, unit) in [("mg_per_kg", "mg/kg"), ("mg", "mg")] {
                    if let Some(x) = t.get(key).and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64))) {
                        parts.push(format!("{} {unit}", fmt_tick(x, 1e-3)));
                    }
                }
                if parts.is_empty() { "{…}".into() } else { parts.join(" ") }
            }
            other => other.to_string(),
        }
    }
    let trimmed = text.trim();
    match toml::from_str::<toml::Table>(&format!("v = {trimmed}")) {
        Ok(t) => short(&t["v"]),
        Err(_) => trimmed.to_string(),
    }
}

struct Point {
    x: f64,
    n: usize,
    mean: f64,
    sd: f64,
    values: Vec<f64>,
}

/// The ± 1 SD band (a light sky blue).
const BAND: RGBColor = RGBColor(205, 230, 247);

/// The minor grid lines of a logarithmic axis (2, 3, … 9 times a decade), lighter than [`GRID`].
const MINOR_GRID: RGBColor = RGBColor(238, 238, 238);

/// The most summary columns (`--y`) one sweep figure stacks, one panel each.
pub const MAX_Y_COLUMNS: usize = 8;

/// Height in pixels of each stacked panel (its title line and chart) when there are several.
const PANEL_H: u32 = 480;
/// Height of the title line above each stacked panel.
const PANEL_TITLE_H: u32 = 40;
/// Height of the tick area under the panels that do not carry the x axis labels.
const UPPER_X_AREA: u32 = 16;

/// One panel: one summary column against the swept key.
struct Panel {
    /// The column's name and unit, e.g. "peak_glutamate_rel (× healthy drug-free)".
    y_label: String,
    /// The unit alone (the vertical axis of a stacked panel, whose title names the column).
    unit: Option<String>,
    points: Vec<Point>,
}

/// The ticks of a logarithmic x axis, as positions in log10(x): the labelled ones (decades, or
/// 1-2-5 steps over a narrow range) with their labels, and the unlabelled minor ones.
struct LogTicks {
    major: Vec<(f64, String)>,
    minor: Vec<f64>,
}

/// The x axis of `--logx`: linear in log10(x), its key points the labelled ticks of [`LogTicks`]
/// (the minor grid lines are drawn by the figure). Its labels come from the figure's formatter.
struct LogAxis {
    inner: RangedCoordf64,
    major: Vec<f64>,
}

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.major.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

pub(crate) struct SweepFigure {
    title: String,
    subtitle: String,
    x_label: String,
    /// Names of the categories when the swept values are not numbers (then x is the index).
    categories: Option<Vec<String>>,
    /// One per `--y` column, top to bottom.
    panels: Vec<Panel>,
    /// With `--logx`: the points' x are log10 of the swept values, and these are the axis ticks.
    log_ticks: Option<LogTicks>,
}

/// `m × 10^k` written out exactly ("0.01", "2", "500"); powers beyond 10^±6 as `me±k`.
fn decimal(m: u32, k: i32) -> String {
    if k.abs() > 6 {
        format!("{m}e{k}")
    } else if k >= 0 {
        format!("{m}{}", "0".repeat(k as usize))
    } else {
        format!("0.{}{m}", "0".repeat((-k - 1) as usize))
    }
}

/// The ticks of a logarithmic axis over log10(x) in `[a, b]`: the decades when at least three fall
/// inside, else 1-2-5 steps when at least two of those do, else every 1…9 step; the other 1…9
/// steps are minor ticks (grid lines only).
fn log_ticks(a: f64, b: f64) -> LogTicks {
    let (k0, k1) = (a.floor() as i32, b.ceil() as i32);
    let inside = |m: u32, k: i32| {
        let pos = k as f64 + crate::math::log10(m as f64);
        (pos >= a - 1e-9 && pos <= b + 1e-9).then_some(pos)
    };
    let mut major = Vec::new();
    for (steps, enough) in [(&[1u32][..], 3), (&[1, 2, 5], 2), (&[1, 2, 3, 4, 5, 6, 7, 8, 9], 0)] {
        major = (k0..=k1).flat_map(|k| steps.iter().filter_map(move |&m| inside(m, k).map(|p| (p, decimal(m, k))))).collect();
        if major.len() >= enough {
            break;
        }
    }
    let minor = (k0..=k1)
        .flat_map(|k| (1..=9).filter_map(move |m| inside(m, k)))
        .filter(|p| !major.iter().any(|(q, _)| (q - p).abs() < 1e-9))
        .collect();
    LogTicks { major, minor }
}

/// `ketasim plot SWEEP_DIR --x KEY --y COLUMN [--y COLUMN ...] [--logx] [--out FILE]`.
///
/// The default output is `SWEEP_DIR/<y>-vs-<x>.png`; with several columns their names are joined
/// by `+` (`<y1>+<y2>-vs-<x>.png`), and `--logx` adds `-logx` before the extension.
pub fn plot_sweep(dir: &Path, x: Option<&str>, ys: &[&str], out: Option<&Path>, logx: bool) -> Result<PathBuf> {
    let path = dir.join("summary.csv");
    let t = Table::read(&path)?;
    let keys = swept_keys(&t);
    let x = match x {
        Some(x) => {
            if !t.has(x) {
                return Err(input_at(
                    &path,
                    format!("--x {x}: no such column; the swept keys are: {}", if keys.is_empty() { "(none)".into() } else { keys.join(", ") }),
                ));
            }
            x.to_string()
        }
        None if keys.len() == 1 => keys[0].clone(),
        None => {
            return Err(input_at(
                &path,
                format!("a sweep directory needs --x KEY, one of the swept keys: {}", if keys.is_empty() { "(none)".into() } else { keys.join(", ") }),
            ));
        }
    };
    let numeric: Vec<&str> = t
        .headers
        .iter()
        .filter(|h| !SWEEP_ID_COLUMNS.contains(&h.as_str()) && !keys.contains(h))
        .filter(|h| t.numbers(h).is_some_and(|v| v.iter().any(|x| x.is_finite())))
        .map(String::as_str)
        .collect();
    if ys.is_empty() {
        return Err(input_at(&path, format!("a sweep directory needs --y COLUMN; the numeric columns are: {}", numeric.join(", "))));
    }
    if ys.len() > MAX_Y_COLUMNS {
        return Err(input_at(
            &path,
            format!("{} --y columns: one figure stacks at most {MAX_Y_COLUMNS} panels; draw the others in a second figure", ys.len()),
        ));
    }
    let mut columns: Vec<(&str, Vec<f64>)> = Vec::new();
    for &y in ys {
        if columns.iter().any(|(c, _)| *c == y) {
            return Err(input_at(&path, format!("--y {y} is given twice; name each column once")));
        }
        if !t.has(y) {
            return Err(input_at(&path, format!("--y {y}: no such column; the numeric columns are: {}", numeric.join(", "))));
        }
        let values = t.numbers(y).unwrap_or_default();
        if !values.iter().any(|v| v.is_finite()) {
            return Err(input_at(&path, format!("--y {y}: the column has no numbers; the numeric columns are: {}", numeric.join(", "))));
        }
        columns.push((y, values));
    }
    let out = match out {
        Some(o) => o.to_path_buf(),
        None => {
            let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '_' }).collect::<String>();
            let names = ys.iter().map(|y| clean(y)).collect::<Vec<_>>().join("+");
            dir.join(format!("{names}-vs-{}{}.png", clean(&x), if logx { "-logx" } else { "" }))
        }
    };
    let format = Format::of(&out)?;

    // Group the rows by swept value, in order of first appearance.
    let xs = t.text(&x).unwrap_or_default();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (row, xv) in xs.iter().enumerate().take(columns[0].1.len()) {
        let xv = xv.trim().to_string();
        match groups.iter_mut().find(|(k, _)| *k == xv) {
            Some((_, v)) => v.push(row),
            None => groups.push((xv, vec![row])),
        }
    }
    let all_numeric = groups.iter().all(|(k, _)| k.parse::<f64>().is_ok_and(f64::is_finite));
    if all_numeric {
        groups.sort_by(|a, b| a.0.parse::<f64>().unwrap().total_cmp(&b.0.parse::<f64>().unwrap()));
    }
    if logx {
        if !all_numeric {
            let examples: Vec<&str> = groups.iter().filter(|(k, _)| k.parse::<f64>().is_err()).map(|(k, _)| k.as_str()).take(3).collect();
            return Err(input_at(
                &path,
                format!(
                    "--logx: the swept key {x} is not a number ({}); a logarithmic axis needs numbers: plot it without --logx",
                    examples.join(", ")
                ),
            ));
        }
        let bad: Vec<&str> = groups.iter().filter(|(k, _)| k.parse::<f64>().unwrap() <= 0.0).map(|(k, _)| k.as_str()).collect();
        if !bad.is_empty() {
            return Err(input_at(
                &path,
                format!(
                    "--logx: the swept key {x} has values ≤ 0 ({}); a logarithmic axis needs every value > 0: plot it without --logx",
                    bad.join(", ")
                ),
            ));
        }
    }
    let panels: Vec<Panel> = columns
        .iter()
        .map(|(y, values)| Panel {
            y_label: label(y, column_unit(y)),
            unit: column_unit(y),
            points: groups
                .iter()
                .enumerate()
                .filter_map(|(i, (k, rows))| {
                    let values: Vec<f64> = rows.iter().map(|&r| values[r]).filter(|x| x.is_finite()).collect();
                    if values.is_empty() {
                        return None;
                    }
                    let n = values.len();
                    let mean = values.iter().sum::<f64>() / n as f64;
                    let sd =
                        if n > 1 { (values.iter().map(|x| crate::math::powi(x - mean, 2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
                    let x = match (all_numeric, logx) {
                        (true, true) => crate::math::log10(k.parse().unwrap()),
                        (true, false) => k.parse().unwrap(),
                        (false, _) => i as f64,
                    };
                    Some(Point { x, n, mean, sd, values })
                })
                .collect(),
        })
        .collect();
    // What was swept: the sweep file's description (sweep.json), else the base scenario's name.
    let description = std::fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| v["sweep"]["description"].as_str().map(str::to_string))
        .filter(|d| !d.is_empty())
        .or_else(|| t.text("scenario").and_then(|s| s.into_iter().find(|s| !s.is_empty()).map(str::to_string)));
    let n_values = panels.iter().map(|p| p.points.len()).max().unwrap_or(0);
    let reps = panels.iter().flat_map(|p| p.points.iter().map(|p| p.n)).max().unwrap_or(0);
    let subtitle = format!(
        "{}{} values of {x}, up to {} replicate{} each",
        description.map(|s| format!("{s} — ")).unwrap_or_default(),
        n_values,
        reps,
        if reps == 1 { "" } else { "s" }
    );
    let mut title = format!("{} vs {x}", ys.join(", "));
    if ys.len() > 1 {
        register_fonts();
        if text_width(&bold(34), &title) > 1520 {
            title = format!("{} summary columns vs {x}", ys.len());
        }
    }
    let unit = key_unit(&x).map(str::to_string);
    let x_label = if logx { label(&x, Some(unit.map_or_else(|| "log scale".into(), |u| format!("{u}, log scale")))) } else { label(&x, unit) };
    let fig = SweepFigure {
        title,
        subtitle,
        x_label,
        categories: (!all_numeric).then(|| groups.iter().map(|(k, _)| short_category(k)).collect()),
        panels,
        log_ticks: None,
    };
    let fig = if logx {
        let (a, b) = fig.x_range();
        SweepFigure { log_ticks: Some(log_ticks(a, b)), ..fig }
    } else {
        fig
    };
    render(&fig, &out, format)?;
    Ok(out)
}

impl SweepFigure {
    /// The x range of every panel: the points' x padded by 5 % (half a unit for categories or a
    /// single value).
    fn x_range(&self) -> (f64, f64) {
        let xs = self.panels.iter().flat_map(|p| p.points.iter().map(|p| p.x));
        let (xmin, xmax) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        if !xmin.is_finite() {
            (0.0, 1.0)
        } else if self.categories.is_some() || xmax - xmin < 1e-12 {
            (xmin - 0.5, xmax + 0.5)
        } else {
            let pad = 0.05 * (xmax - xmin);
            (xmin - pad, xmax + pad)
        }
    }

    /// Height of the label area under the bottom panel (room for wrapped category names).
    fn x_label_area(&self) -> u32 {
        if self.categories.is_some() { 140 } else { 80 }
    }

    /// Draw one panel in `area` on the x coordinate `x_spec` (linear, or log10 with fixed ticks).
    /// Only the `bottom` panel has the x tick labels, the key's name and the category names.
    fn draw_panel<DB: DrawingBackend, XS>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x_spec: XS,
        (xmin, xmax): (f64, f64),
        bottom: bool,
    ) -> Result<()>
    where
        XS: AsRangedCoord<Value = f64>,
        XS::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let ys = panel.points.iter().flat_map(|p| p.values.iter().copied().chain([p.mean - p.sd, p.mean + p.sd]));
        let (ymin, ymax) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
        let (ymin, ymax) = if !ymin.is_finite() {
            (0.0, 1.0)
        } else {
            let span = (ymax - ymin).max(1e-9 * ymax.abs().max(1.0));
            let pad = if ymax - ymin < 1e-12 { ymax.abs().max(1.0) * 0.1 } else { 0.08 * span };
            (ymin - pad, ymax + pad)
        };

        let mut chart = ChartBuilder::on(area)
            .x_label_area_size(if bottom { self.x_label_area() } else { UPPER_X_AREA })
            .y_label_area_size(110)
            .build_cartesian_2d(x_spec, ymin..ymax)
            .map_err(draw_err)?;
        let (xspan, yspan) = (xmax - xmin, ymax - ymin);
        // Category names are drawn below (wrapped), not as tick labels; only the bottom panel has labels.
        let numeric_x = self.categories.is_none() && bottom;
        let log = self.log_ticks.as_ref();
        let xfmt = move |v: &f64| match (numeric_x, log) {
            (false, _) => String::new(),
            (true, None) => fmt_tick(*v, xspan),
            (true, Some(ticks)) => ticks
                .major
                .iter()
                .find(|(p, _)| (p - v).abs() < 1e-9)
                .map_or_else(|| fmt_tick(crate::math::powf(10.0, *v), crate::math::powf(10.0, *v)), |(_, l)| l.clone()),
        };
        let yfmt = |v: &f64| fmt_tick(*v, yspan);
        let y_desc = if self.panels.len() == 1 { panel.y_label.clone() } else { panel.unit.clone().unwrap_or_default() };
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(if let Some(c) = &self.categories { c.len() + 1 } else { 10 }).y_labels(8);
        if bottom {
            mesh.x_desc(self.x_label.as_str());
        }
        mesh.y_desc(y_desc.as_str())
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .label_style(font(20))
            .axis_desc_style(font(24))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()
            .map_err(draw_err)?;

        // The minor grid of a log axis (2, 3, … 9 times each decade).
        if let Some(ticks) = log {
            chart
                .draw_series(ticks.minor.iter().map(|&p| PathElement::new(vec![(p, ymin), (p, ymax)], MINOR_GRID.stroke_width(1))))
                .map_err(draw_err)?;
        }
        // ± 1 SD band (numeric sweeps with at least two values).
        if self.categories.is_none() && panel.points.len() > 1 {
            let mut band: Vec<(f64, f64)> = panel.points.iter().map(|p| (p.x, p.mean + p.sd)).collect();
            band.extend(panel.points.iter().rev().map(|p| (p.x, p.mean - p.sd)));
            chart.draw_series(std::iter::once(Polygon::new(band, BAND.filled()))).map_err(draw_err)?;
        }
        chart
            .draw_series(panel.points.iter().flat_map(|p| p.values.iter().map(move |v| Circle::new((p.x, *v), 5, RGBColor(150, 150, 150).filled()))))
            .map_err(draw_err)?;
        if self.categories.is_none() {
            chart
                .draw_series(LineSeries::new(panel.points.iter().map(|p| (p.x, p.mean)), DEEP_BLUE.stroke_width(3)))
                .map_err(draw_err)?;
        }
        chart
            .draw_series(panel.points.iter().map(|p| {
                // A vertical bar from mean - SD to mean + SD with caps 2 % of the x range wide.
                let cap = 0.01 * xspan;
                let (lo, hi) = (p.mean - p.sd, p.mean + p.sd);
                PathElement::new(
                    vec![(p.x - cap, lo), (p.x + cap, lo), (p.x, lo), (p.x, hi), (p.x - cap, hi), (p.x + cap, hi)],
                    DEEP_BLUE.stroke_width(2),
                )
            }))
            .map_err(draw_err)?;
        chart
            .draw_series(panel.points.iter().map(|p| Circle::new((p.x, p.mean), 7, DEEP_BLUE.filled())))
            .map_err(draw_err)?;
        if let (true, Some(cats)) = (bottom, &self.categories) {
            let style = font(20).pos(Pos::new(HPos::Center, VPos::Top));
            let slot = (chart.plotting_area().dim_in_pixel().0 as f64 / (xmax - xmin)) as u32;
            for (i, name) in cats.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, ymin));
                for (j, line) in wrap(name, &style, slot.saturating_sub(16).max(60)).into_iter().take(3).enumerate() {
                    root.draw(&Text::new(line, (px, py + 12 + 26 * j as i32), style.clone())).map_err(draw_err)?;
                }
            }
        }
        Ok(())
    }

    /// Draw one panel on a linear x axis, or on the log10 axis with its decade ticks.
    fn draw_panel_on_x<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        panel: &Panel,
        bottom: bool,
    ) -> Result<()> {
        let (xmin, xmax) = self.x_range();
        match &self.log_ticks {
            None => self.draw_panel(root, area, panel, xmin..xmax, (xmin, xmax), bottom),
            Some(ticks) => {
                let spec = LogAxis {
                    inner: (xmin..xmax).into(),
                    major: ticks.major.iter().map(|(p, _)| *p).collect(),
                };
                self.draw_panel(root, area, panel, spec, (xmin, xmax), bottom)
            }
        }
    }
}

impl Figure for SweepFigure {
    fn size(&self) -> (u32, u32) {
        match self.panels.len() {
            0 | 1 => (1600, 1000),
            n => (1600, 150 + 30 + n as u32 * PANEL_H + self.x_label_area() - UPPER_X_AREA),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(self.title.clone(), (40, 24), bold(34))).map_err(draw_err)?;
        root.draw(&Text::new(self.subtitle.clone(), (40, 72), muted(22))).map_err(draw_err)?;
        let mut legend = vec![(Swatch::Dot(RGBColor(150, 150, 150)), "replicate".to_string())];
        legend.push((
            Swatch::Line(DEEP_BLUE),
            if self.categories.is_none() { "mean; bars: ± 1 SD (n − 1)" } else { "mean ± 1 SD (n − 1)" }.to_string(),
        ));
        if self.categories.is_none() && self.panels.iter().any(|p| p.points.len() > 1) {
            legend.push((Swatch::Patch(BAND), "band: ± 1 SD".to_string()));
        }
        draw_legend(root, &legend, (40, 108), 1520, 20)?;
        let area: DrawingArea<DB, Shift> = root.margin(150, 30, 30, 50);
        match self.panels.as_slice() {
            [] => Ok(()),
            [one] => self.draw_panel_on_x(root, &area, one, true),
            panels => {
                // One block per panel, stacked: a title line, then the chart; the bottom block is
                // taller by the x axis labels.
                let breaks: Vec<u32> = (1..panels.len() as u32).map(|i| i * PANEL_H).collect();
                let blocks = area.split_by_breakpoints::<u32, u32, _, _>([], breaks);
                for (i, (panel, block)) in panels.iter().zip(&blocks).enumerate() {
                    let (x0, y0) = block.get_base_pixel();
                    root.draw(&Text::new(panel.y_label.clone(), (x0 + 110, y0 + 6), bold(24))).map_err(draw_err)?;
                    let chart_area = block.margin(PANEL_TITLE_H, 0, 0, 0);
                    self.draw_panel_on_x(root, &chart_area, panel, i + 1 == panels.len())?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swept_keys_sit_between_the_ids_and_the_summary() {
        let t = Table {
            headers: ["run_id", "point", "replicate", "seed", "dose.0.mg_per_kg", "subject.weight_kg", "scenario", "seed", "cmax_ng_ml"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        assert_eq!(swept_keys(&t), vec!["dose.0.mg_per_kg", "subject.weight_kg"]);
        assert_eq!(key_unit("dose.0.mg_per_kg"), Some("mg/kg"));
        assert_eq!(column_unit("peak_glutamate_rel").as_deref(), Some("× healthy drug-free"));
        assert_eq!(short_category("[]"), "none");
        assert_eq!(short_category(r#"[{ kind = "rapamycin", from_h = -1.0, to_h = 24.0, strength = 1.0 }]"#), "rapamycin");
        assert_eq!(
            short_category(r#"{ drug = "ketamine", route = "iv_bolus", mg_per_kg = 0.25, at_h = 0.0 }"#),
            "ketamine iv_bolus 0.25 mg/kg"
        );
        assert_eq!(short_category("true"), "true");
    }

    #[test]
    fn log_ticks_label_decades_or_1_2_5_steps() {
        assert_eq!(decimal(1, -2), "0.01");
        assert_eq!(decimal(5, 0), "5");
        assert_eq!(decimal(2, 3), "2000");
        assert_eq!(decimal(1, 9), "1e9");
        let labels = |a: f64, b: f64| log_ticks(a, b).major.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
        // 0.01 to 1000: the decades only.
        assert_eq!(labels(-2.0, 3.0), ["0.01", "0.1", "1", "10", "100", "1000"]);
        // 0.1 to 1: too few decades, so 1-2-5 steps.
        assert_eq!(labels(-1.02, 0.02), ["0.1", "0.2", "0.5", "1"]);
        // 3 to 9: every step.
        assert_eq!(labels(0.45, 0.96), ["3", "4", "5", "6", "7", "8", "9"]);
        let t = log_ticks(-1.02, 0.02);
        assert_eq!(t.minor.len(), 6, "0.3, 0.4, 0.6, 0.7, 0.8, 0.9: {:?}", t.minor);
    }
}
