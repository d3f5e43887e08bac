//! The figure of a trial directory: observed MADRS per arm (median with the 5-95 % band), response
//! rates at 24 h, day 7 and the end with Wilson 95 % intervals, and Kaplan–Meier relapse curves.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::Table;
use super::style::*;
use super::{Figure, Format, draw_err, render};
use crate::error::Result;

const COLOURS: [RGBColor; 6] = [DEEP_BLUE, VERMILION, TEAL, PURPLE, OCHRE, SKY];

/// A trial directory: trial.json and arms.csv.
pub fn is_trial_dir(dir: &Path) -> bool {
    dir.join("trial.json").is_file() && dir.join("arms.csv").is_file()
}

struct Arm {
    name: String,
    /// (day, p05, p50, p95) of observed MADRS.
    course: Vec<(f64, f64, f64, f64)>,
    /// (visit, rate, lo, hi).
    rates: Vec<(String, f64, f64, f64)>,
    /// (day, survival).
    survival: Vec<(f64, f64)>,
}

pub(crate) struct TrialFigure {
    title: String,
    arms: Vec<Arm>,
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

/// `ketasim plot TRIAL_DIR [--out FILE]` (default `DIR/trial.png`).
pub fn plot_trial(dir: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let out = out.map_or_else(|| dir.join("trial.png"), Path::to_path_buf);
    let format = Format::of(&out)?;
    let arms_t = Table::read(&dir.join("arms.csv"))?;
    let tc = Table::read(&dir.join("timecourse.csv"))?;
    let surv = Table::read(&dir.join("survival.csv"))?;
    let title = std::fs::read_to_string(dir.join("trial.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|j| j["trial"]["name"].as_str().map(str::to_string))
        .unwrap_or_else(|| dir.display().to_string());
    let col = |t: &Table, name: &str| t.index(name).ok_or_else(|| super::input_at(&t.path, format!("no column `{name}`: not a ketasim trial table")));
    let (a_arm, a_visit, a_rate, a_lo, a_hi) = (col(&arms_t, "arm")?, col(&arms_t, "visit")?, col(&arms_t, "response_rate")?, col(&arms_t, "response_lo95")?, col(&arms_t, "response_hi95")?);
    let (t_arm, t_time, t_col, t5, t50, t95) = (col(&tc, "arm")?, col(&tc, "time_h")?, col(&tc, "column")?, col(&tc, "p05")?, col(&tc, "p50")?, col(&tc, "p95")?);
    let (s_arm, s_day, s_surv) = (col(&surv, "arm")?, col(&surv, "day")?, col(&surv, "survival")?);
    let mut arms: Vec<Arm> = Vec::new();
    for r in &arms_t.rows {
        if !arms.iter().any(|a| a.name == r[a_arm]) {
            arms.push(Arm { name: r[a_arm].clone(), course: Vec::new(), rates: Vec::new(), survival: Vec::new() });
        }
        let a = arms.iter_mut().find(|a| a.name == r[a_arm]).expect("pushed");
        if !r[a_rate].is_empty() {
            a.rates.push((r[a_visit].clone(), num(&r[a_rate]), num(&r[a_lo]), num(&r[a_hi])));
        }
    }
    for r in tc.rows.iter().filter(|r| r[t_col] == "madrs") {
        if let Some(a) = arms.iter_mut().find(|a| a.name == r[t_arm]) {
            a.course.push((num(&r[t_time]) / 24.0, num(&r[t5]), num(&r[t50]), num(&r[t95])));
        }
    }
    for r in &surv.rows {
        if let Some(a) = arms.iter_mut().find(|a| a.name == r[s_arm]) {
            a.survival.push((num(&r[s_day]), num(&r[s_surv])));
        }
    }
    render(&TrialFigure { title, arms }, &out, format)?;
    Ok(out)
}

impl Figure for TrialFigure {
    fn size(&self) -> (u32, u32) {
        (1800, 700)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(self.title.clone(), (30, 18), bold(30))).map_err(draw_err)?;
        let legend: Vec<(Swatch, String)> = self.arms.iter().enumerate().map(|(i, a)| (Swatch::Line(COLOURS[i % 6]), a.name.clone())).collect();
        draw_legend(root, &legend, (30, 60), 1700, 20)?;
        let body = root.margin(100, 10, 10, 10);
        let panels = body.split_evenly((1, 3));

        // 1. Observed MADRS: median and 5-95 % band.
        let tmax = self.arms.iter().flat_map(|a| a.course.iter().map(|c| c.0)).fold(1.0f64, f64::max);
        let mut c = ChartBuilder::on(&panels[0])
            .caption("MADRS (median, 5-95 %)", font(24))
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..tmax, 0.0..50.0)
            .map_err(draw_err)?;
        c.configure_mesh().x_desc("day").y_desc("MADRS").label_style(font(18)).axis_desc_style(font(20)).bold_line_style(GRID).light_line_style(TRANSPARENT).draw().map_err(draw_err)?;
        for (i, a) in self.arms.iter().enumerate() {
            let colour = COLOURS[i % 6];
            let mut band: Vec<(f64, f64)> = a.course.iter().map(|p| (p.0, p.3)).collect();
            band.extend(a.course.iter().rev().map(|p| (p.0, p.1)));
            c.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.15).filled()))).map_err(draw_err)?;
            c.draw_series(LineSeries::new(a.course.iter().map(|p| (p.0, p.2)), colour.stroke_width(3))).map_err(draw_err)?;
        }

        // 2. Response rates with Wilson 95 % intervals.
        let visits = ["24h", "7d", "end"];
        let n = self.arms.len().max(1) as f64;
        let mut c = ChartBuilder::on(&panels[1])
            .caption("response (MADRS -50 %), Wilson 95 %", font(24))
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..2.5, 0.0..1.0)
            .map_err(draw_err)?;
        let vfmt = |v: &f64| {
            let k = v.round();
            if (v - k).abs() < 1e-6 && (0.0..3.0).contains(&k) { visits[k as usize].to_string() } else { String::new() }
        };
        c.configure_mesh().x_labels(7).x_label_formatter(&vfmt).y_desc("fraction responding").label_style(font(18)).axis_desc_style(font(20)).bold_line_style(GRID).light_line_style(TRANSPARENT).draw().map_err(draw_err)?;
        let w = 0.8 / n;
        for (i, a) in self.arms.iter().enumerate() {
            let colour = COLOURS[i % 6];
            for (v, rate, lo, hi) in &a.rates {
                let Some(x) = visits.iter().position(|x| x == v) else { continue };
                let x0 = x as f64 - 0.4 + i as f64 * w;
                c.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x0 + w * 0.9, *rate)], colour.mix(0.7).filled()))).map_err(draw_err)?;
                let xm = x0 + w * 0.45;
                c.draw_series(std::iter::once(PathElement::new(vec![(xm, *lo), (xm, *hi)], BLACK.stroke_width(2)))).map_err(draw_err)?;
            }
        }

        // 3. Kaplan–Meier time to relapse after the last dose.
        let dmax = self.arms.iter().flat_map(|a| a.survival.iter().map(|s| s.0)).fold(1.0f64, f64::max);
        let mut c = ChartBuilder::on(&panels[2])
            .caption("responders without relapse (Kaplan-Meier)", font(24))
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..dmax, 0.0..1.05)
            .map_err(draw_err)?;
        c.configure_mesh().x_desc("days after the last dose").y_desc("fraction").label_style(font(18)).axis_desc_style(font(20)).bold_line_style(GRID).light_line_style(TRANSPARENT).draw().map_err(draw_err)?;
        for (i, a) in self.arms.iter().enumerate() {
            let mut steps = Vec::new();
            let mut last = 1.0;
            for &(d, s) in &a.survival {
                steps.push((d, last));
                steps.push((d, s));
                last = s;
            }
            c.draw_series(LineSeries::new(steps, COLOURS[i % 6].stroke_width(3))).map_err(draw_err)?;
        }
        Ok(())
    }
}
