//! The figure of a sensitivity analysis (`ketasim sensitivity`, `ketasim plot DIR`): per output,
//! Sobol first-order (S1) and total (ST) indices as bars with their bootstrap intervals, and the
//! Morris mu* against sigma, one labelled point per parameter. Read from indices.csv.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::Table;
use super::style::*;
use super::{Figure, Format, draw_err, input_at, render};
use crate::error::Result;

/// One index with its interval.
#[derive(Debug, Clone, Copy)]
struct Est {
    value: f64,
    low: f64,
    high: f64,
}

struct Panel {
    output: String,
    /// (parameter, S1, ST)
    sobol: Vec<(String, Est, Est)>,
    /// (parameter, mu*, sigma)
    morris: Vec<(String, f64, f64)>,
}

struct SensitivityFigure {
    panels: Vec<Panel>,
}

const ROW_H: u32 = 520;

impl Figure for SensitivityFigure {
    fn size(&self) -> (u32, u32) {
        (1800, 90 + ROW_H * self.panels.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new("Global sensitivity: Sobol indices (bars: S1, ST; whiskers: bootstrap CI) and Morris mu* vs sigma", (30, 20), bold(28)))
            .map_err(draw_err)?;
        let body = root.margin(80, 10, 10, 10);
        let rows = body.split_evenly((self.panels.len().max(1), 2));
        for (i, p) in self.panels.iter().enumerate() {
            Self::sobol_panel(&rows[2 * i], p)?;
            Self::morris_panel(&rows[2 * i + 1], p)?;
        }
        Ok(())
    }
}

impl SensitivityFigure {
    fn sobol_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<()> {
        if p.sobol.is_empty() {
            area.draw(&Text::new(format!("{}: no Sobol indices", p.output), (20, 20), muted(22))).map_err(draw_err)?;
            return Ok(());
        }
        let n = p.sobol.len();
        // Indices lie in [0, 1]; intervals of small samples may reach beyond: shown up to ±0.5 past it.
        let ymax = p.sobol.iter().flat_map(|(_, a, b)| [a.high, b.high, a.value, b.value]).filter(|v| v.is_finite()).fold(1.0f64, f64::max).min(1.5);
        let ymin = p.sobol.iter().flat_map(|(_, a, b)| [a.low, b.low, a.value]).filter(|v| v.is_finite()).fold(0.0f64, f64::min).max(-0.5);
        let names: Vec<String> = p.sobol.iter().map(|s| s.0.clone()).collect();
        // Horizontal bars: one row per parameter (the first at the top), names readable.
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{}: Sobol S1 (blue), ST (orange)", p.output), font(22))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(290)
            .build_cartesian_2d(ymin..ymax + 0.05, -0.5..(n as f64 - 0.5))
            .map_err(draw_err)?;
        let fmt_name = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n { names[n - 1 - i as usize].clone() } else { String::new() }
        };
        chart
            .configure_mesh()
            .y_labels(2 * n + 1)
            .y_label_formatter(&fmt_name)
            .x_labels(6)
            .label_style(font(17))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()
            .map_err(draw_err)?;
        for (i, (_, s1, st)) in p.sobol.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            for (e, dy, color) in [(s1, 0.2, DEEP_BLUE), (st, -0.2, ORANGE)] {
                if !e.value.is_finite() {
                    continue;
                }
                let clip = |v: f64| v.clamp(ymin, ymax + 0.05);
                chart.draw_series(std::iter::once(Rectangle::new([(0.0, y + dy - 0.18), (clip(e.value), y + dy + 0.18)], color.filled()))).map_err(draw_err)?;
                if e.low.is_finite() && e.high.is_finite() {
                    let (low, high) = (clip(e.low), clip(e.high));
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(low, y + dy - 0.06), (low, y + dy + 0.06), (low, y + dy), (high, y + dy), (high, y + dy - 0.06), (high, y + dy + 0.06)],
                            TEXT.stroke_width(2),
                        )))
                        .map_err(draw_err)?;
                }
            }
        }
        Ok(())
    }

    fn morris_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<()> {
        if p.morris.is_empty() {
            area.draw(&Text::new(format!("{}: no Morris effects", p.output), (20, 20), muted(22))).map_err(draw_err)?;
            return Ok(());
        }
        let xmax = p.morris.iter().map(|m| m.1).filter(|v| v.is_finite()).fold(0.0f64, f64::max).max(1e-12) * 1.15;
        // sigma on the scale of mu* at least (a linear factor has sigma 0, not a zoom into rounding noise).
        let ymax = p.morris.iter().map(|m| m.2).filter(|v| v.is_finite()).fold(0.0f64, f64::max).max(0.25 * xmax) * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{}: Morris mu* vs sigma (per whole range)", p.output), font(22))
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(draw_err)?;
        let (xs, ys) = (xmax, ymax);
        chart
            .configure_mesh()
            .x_desc("mu*")
            .y_desc("sigma")
            .x_label_formatter(&|v| fmt_tick(*v, xs))
            .y_label_formatter(&|v| fmt_tick(*v, ys))
            .label_style(font(18))
            .axis_desc_style(font(20))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(MUTED)
            .draw()
            .map_err(draw_err)?;
        for (name, mu, sd) in &p.morris {
            if !(mu.is_finite() && sd.is_finite()) {
                continue;
            }
            chart.draw_series(std::iter::once(Circle::new((*mu, *sd), 6, VERMILION.filled()))).map_err(draw_err)?;
            chart.draw_series(std::iter::once(Text::new(name.clone(), (*mu, *sd), font(15)))).map_err(draw_err)?;
        }
        Ok(())
    }
}

/// Draw the figure of the sensitivity directory `dir` (its indices.csv) into `out` (.png or .svg).
pub fn plot_sensitivity(dir: &Path, out: &Path) -> Result<()> {
    let path = dir.join("indices.csv");
    if !path.is_file() {
        return Err(input_at(dir, "no indices.csv here: a sharded analysis has none until `ketasim merge` combines its shards".into()));
    }
    let t = Table::read(&path)?;
    let col = |name: &str| t.index(name).ok_or_else(|| input_at(&path, format!("no column {name}: not a ketasim indices.csv")));
    let (cm, cp, co, ci, ce, cl, ch) = (col("method")?, col("parameter")?, col("output")?, col("index")?, col("estimate")?, col("ci_low")?, col("ci_high")?);
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    let mut panels: Vec<Panel> = Vec::new();
    for r in &t.rows {
        let output = &r[co];
        if panels.last().is_none_or(|p| &p.output != output) && !panels.iter().any(|p| &p.output == output) {
            panels.push(Panel { output: output.clone(), sobol: Vec::new(), morris: Vec::new() });
        }
        let p = panels.iter_mut().find(|p| &p.output == output).expect("pushed above");
        let e = Est { value: num(&r[ce]), low: num(&r[cl]), high: num(&r[ch]) };
        let name = r[cp].clone();
        match (r[cm].as_str(), r[ci].as_str()) {
            ("sobol", "S1") => p.sobol.push((name, e, Est { value: f64::NAN, low: f64::NAN, high: f64::NAN })),
            ("sobol", "ST") => {
                if let Some(s) = p.sobol.iter_mut().find(|s| s.0 == name) {
                    s.2 = e;
                }
            }
            ("morris", "mu_star") => p.morris.push((name, e.value, f64::NAN)),
            ("morris", "sigma") => {
                if let Some(m) = p.morris.iter_mut().find(|m| m.0 == name) {
                    m.2 = e.value;
                }
            }
            _ => {}
        }
    }
    render(&SensitivityFigure { panels }, out, Format::of(out)?)
}
