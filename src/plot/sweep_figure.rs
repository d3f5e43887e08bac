//! The figure of a sweep: one summary column against one swept key, replicate mean ± SD.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
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

pub(crate) struct SweepFigure {
    title: String,
    subtitle: String,
    x_label: String,
    y_label: String,
    /// Names of the categories when the swept values are not numbers (then x is the index).
    categories: Option<Vec<String>>,
    points: Vec<Point>,
}

/// `ketasim plot SWEEP_DIR --x KEY --y COLUMN [--out FILE]`.
pub fn plot_sweep(dir: &Path, x: Option<&str>, y: Option<&str>, out: Option<&Path>) -> Result<PathBuf> {
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
    let Some(y) = y else {
        return Err(input_at(&path, format!("a sweep directory needs --y COLUMN; the numeric columns are: {}", numeric.join(", "))));
    };
    if !t.has(y) {
        return Err(input_at(&path, format!("--y {y}: no such column; the numeric columns are: {}", numeric.join(", "))));
    }
    let ys = t.numbers(y).unwrap_or_default();
    if !ys.iter().any(|v| v.is_finite()) {
        return Err(input_at(&path, format!("--y {y}: the column has no numbers; the numeric columns are: {}", numeric.join(", "))));
    }
    let out = match out {
        Some(o) => o.to_path_buf(),
        None => {
            let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '_' }).collect::<String>();
            dir.join(format!("{}-vs-{}.png", clean(y), clean(&x)))
        }
    };
    let format = Format::of(&out)?;

    // Group the replicates by swept value, in order of first appearance.
    let xs = t.text(&x).unwrap_or_default();
    let mut groups: Vec<(String, Vec<f64>)> = Vec::new();
    for (xv, yv) in xs.iter().zip(&ys) {
        let xv = xv.trim().to_string();
        match groups.iter_mut().find(|(k, _)| *k == xv) {
            Some((_, v)) => v.push(*yv),
            None => groups.push((xv, vec![*yv])),
        }
    }
    let all_numeric = groups.iter().all(|(k, _)| k.parse::<f64>().is_ok_and(f64::is_finite));
    if all_numeric {
        groups.sort_by(|a, b| a.0.parse::<f64>().unwrap().total_cmp(&b.0.parse::<f64>().unwrap()));
    }
    let points: Vec<Point> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, (k, v))| {
            let values: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            if values.is_empty() {
                return None;
            }
            let n = values.len();
            let mean = values.iter().sum::<f64>() / n as f64;
            let sd = if n > 1 { (values.iter().map(|x| crate::math::powi(x - mean, 2)).sum::<f64>() / (n - 1) as f64).sqrt() } else { 0.0 };
            let x = if all_numeric { k.parse().unwrap() } else { i as f64 };
            Some(Point { x, n, mean, sd, values })
        })
        .collect();
    // What was swept: the sweep file's description (sweep.json), else the base scenario's name.
    let description = std::fs::read_to_string(dir.join("sweep.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| v["sweep"]["description"].as_str().map(str::to_string))
        .filter(|d| !d.is_empty())
        .or_else(|| t.text("scenario").and_then(|s| s.into_iter().find(|s| !s.is_empty()).map(str::to_string)));
    let reps = points.iter().map(|p| p.n).max().unwrap_or(0);
    let subtitle = format!(
        "{}{} values of {x}, up to {} replicate{} each",
        description.map(|s| format!("{s} — ")).unwrap_or_default(),
        points.len(),
        reps,
        if reps == 1 { "" } else { "s" }
    );
    let fig = SweepFigure {
        title: format!("{y} vs {x}"),
        subtitle,
        x_label: label(&x, key_unit(&x).map(str::to_string)),
        y_label: label(y, column_unit(y)),
        categories: (!all_numeric).then(|| groups.iter().map(|(k, _)| short_category(k)).collect()),
        points,
    };
    render(&fig, &out, format)?;
    Ok(out)
}

impl Figure for SweepFigure {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
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
        if self.categories.is_none() && self.points.len() > 1 {
            legend.push((Swatch::Patch(BAND), "band: ± 1 SD".to_string()));
        }
        draw_legend(root, &legend, (40, 108), 1520, 20)?;
        let area: DrawingArea<DB, Shift> = root.margin(150, 30, 30, 50);

        let xs = self.points.iter().map(|p| p.x);
        let (xmin, xmax) = xs.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        let (xmin, xmax) = if !xmin.is_finite() {
            (0.0, 1.0)
        } else if self.categories.is_some() || xmax - xmin < 1e-12 {
            (xmin - 0.5, xmax + 0.5)
        } else {
            let pad = 0.05 * (xmax - xmin);
            (xmin - pad, xmax + pad)
        };
        let ys = self.points.iter().flat_map(|p| p.values.iter().copied().chain([p.mean - p.sd, p.mean + p.sd]));
        let (ymin, ymax) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
        let (ymin, ymax) = if !ymin.is_finite() {
            (0.0, 1.0)
        } else {
            let span = (ymax - ymin).max(1e-9 * ymax.abs().max(1.0));
            let pad = if ymax - ymin < 1e-12 { ymax.abs().max(1.0) * 0.1 } else { 0.08 * span };
            (ymin - pad, ymax + pad)
        };

        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(if self.categories.is_some() { 140 } else { 80 })
            .y_label_area_size(110)
            .build_cartesian_2d(xmin..xmax, ymin..ymax)
            .map_err(draw_err)?;
        let (xspan, yspan) = (xmax - xmin, ymax - ymin);
        // Category names are drawn below (wrapped), not as tick labels.
        let numeric_x = self.categories.is_none();
        let xfmt = move |v: &f64| if numeric_x { fmt_tick(*v, xspan) } else { String::new() };
        let yfmt = |v: &f64| fmt_tick(*v, yspan);
        chart
            .configure_mesh()
            .x_labels(if let Some(c) = &self.categories { c.len() + 1 } else { 10 })
            .y_labels(8)
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .label_style(font(20))
            .axis_desc_style(font(24))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()
            .map_err(draw_err)?;

        // ± 1 SD band (numeric sweeps with at least two values).
        if self.categories.is_none() && self.points.len() > 1 {
            let mut band: Vec<(f64, f64)> = self.points.iter().map(|p| (p.x, p.mean + p.sd)).collect();
            band.extend(self.points.iter().rev().map(|p| (p.x, p.mean - p.sd)));
            chart.draw_series(std::iter::once(Polygon::new(band, BAND.filled()))).map_err(draw_err)?;
        }
        chart
            .draw_series(self.points.iter().flat_map(|p| p.values.iter().map(move |v| Circle::new((p.x, *v), 5, RGBColor(150, 150, 150).filled()))))
            .map_err(draw_err)?;
        if self.categories.is_none() {
            chart
                .draw_series(LineSeries::new(self.points.iter().map(|p| (p.x, p.mean)), DEEP_BLUE.stroke_width(3)))
                .map_err(draw_err)?;
        }
        chart
            .draw_series(self.points.iter().map(|p| {
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
            .draw_series(self.points.iter().map(|p| Circle::new((p.x, p.mean), 7, DEEP_BLUE.filled())))
            .map_err(draw_err)?;
        if let Some(cats) = &self.categories {
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
}
