//! `ketasim explain RUN_DIR`: a short plain-language account of a finished run, for students.
//!
//! It reads only the run directory's files (trace.csv, summary.csv, events.csv), so it explains any
//! run, old or new, and says nothing the numbers do not show. Each paragraph follows one step of
//! the chain — exposure, NMDA block, firing, glutamate, BDNF/mTORC1, protein and spines, the clinic —
//! and names the reason where the model has one (for example a pyramidal block that limits the
//! surge, or a blocker that stops a stage).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::units::{HOURS_PER_DAY, MINUTES_PER_HOUR};

/// A CSV table as columns of text cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Result<Self> {
        let mut r = csv::Reader::from_path(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
        let header = r.headers().map_err(|e| file_error(path, format!("cannot read: {e}")))?.iter().map(String::from).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(|e| file_error(path, format!("cannot read: {e}")))?.iter().map(String::from).collect());
        }
        Ok(Self { header, rows })
    }

    fn col(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.header.iter().position(|h| h == name)?;
        Some(self.rows.iter().map(|r| r.get(i).and_then(|c| c.parse().ok()).unwrap_or(f64::NAN)).collect())
    }

    fn cell(&self, row: usize, name: &str) -> Option<&str> {
        let i = self.header.iter().position(|h| h == name)?;
        self.rows.get(row)?.get(i).map(String::as_str)
    }
}

fn file_error(path: &Path, message: String) -> Error {
    Error::Input { location: Location { file: Some(path.to_path_buf()), ..Default::default() }, message }
}

/// "2 h 05 min", "35 min", "3.2 days".
fn when(t_h: f64) -> String {
    if t_h >= 48.0 {
        format!("{:.1} days", t_h / HOURS_PER_DAY)
    } else if t_h >= 1.0 {
        let m = (t_h * MINUTES_PER_HOUR).round() as i64;
        format!("{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{:.0} min", t_h * MINUTES_PER_HOUR)
    }
}

/// (max, time of max) and (min, time of min) of `v` over `t`.
fn extremes(t: &[f64], v: &[f64]) -> ((f64, f64), (f64, f64)) {
    let mut hi = (f64::NEG_INFINITY, 0.0);
    let mut lo = (f64::INFINITY, 0.0);
    for (&ti, &vi) in t.iter().zip(v) {
        if vi > hi.0 {
            hi = (vi, ti);
        }
        if vi < lo.0 {
            lo = (vi, ti);
        }
    }
    (hi, lo)
}

/// The value of `v` at time `at` (linear interpolation), if the run reaches it.
fn at(t: &[f64], v: &[f64], at_h: f64) -> Option<f64> {
    let k = t.iter().position(|&x| x >= at_h - 1e-9)?;
    if k == 0 || (t[k] - at_h).abs() < 1e-9 {
        return Some(v[k]);
    }
    let w = (at_h - t[k - 1]) / (t[k] - t[k - 1]);
    Some(v[k - 1] + w * (v[k] - v[k - 1]))
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn change(from: f64, to: f64) -> String {
    let r = to / from - 1.0;
    if r.abs() < 0.005 {
        "unchanged".into()
    } else if r > 0.0 { format!("+{:.0} %", 100.0 * r) } else { format!("−{:.0} %", -100.0 * r) }
}

/// The account of the run in `dir` as plain text (a few short paragraphs).
pub fn explain(dir: &Path) -> Result<String> {
    if !dir.join("trace.csv").is_file() {
        return Err(file_error(dir, "is not a run directory (no trace.csv); give a directory written by `ketasim run`".into()));
    }
    let trace = Table::read(&dir.join("trace.csv"))?;
    let summary = Table::read(&dir.join("summary.csv"))?;
    let events = Table::read(&dir.join("events.csv"))?;
    let need = |name: &str| {
        trace.col(name).ok_or_else(|| file_error(&dir.join("trace.csv"), format!("has no column `{name}` (written by another ketasim version?)")))
    };
    let t = need("time_h")?;
    let end_h = t.last().copied().unwrap_or(0.0);
    let mut kinds: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
    if let (Some(et), Some(_)) = (events.col("time_h"), events.header.iter().position(|h| h == "kind")) {
        for (i, &time) in et.iter().enumerate() {
            let kind = events.cell(i, "kind").unwrap_or("").to_string();
            let detail = events.cell(i, "detail").unwrap_or("").to_string();
            kinds.entry(kind).or_default().push((time, detail));
        }
    }
    let mut out = String::new();
    let name = summary.cell(0, "scenario").unwrap_or("this run");
    let _ = writeln!(out, "{name} — followed for {}.\n", when(end_h));

    // Exposure.
    let doses = kinds.get("dose_start").cloned().unwrap_or_default();
    let plasma = need("plasma_ketamine_ng_ml")?;
    let ((cmax, tmax), _) = extremes(&t, &plasma);
    if doses.is_empty() {
        let _ = writeln!(out, "No drug was given: this run is the reference that the others are compared with.\n");
    } else {
        let first = &doses[0].1;
        let more = if doses.len() > 1 { format!(" (and {} more administrations)", doses.len() - 1) } else { String::new() };
        let _ = writeln!(
            out,
            "Drug: {first}{more}. Plasma ketamine peaked at {cmax:.0} ng/mL, {} after the start.",
            when(tmax)
        );
        if let Some(nk) = trace.col("plasma_norketamine_ng_ml") {
            let ((nkmax, nkt), _) = extremes(&t, &nk);
            if nkmax > 0.5 * cmax {
                let _ = writeln!(
                    out,
                    "Much of the dose appeared as norketamine (peak {nkmax:.0} ng/mL at {}), the metabolite made on the first pass through the liver; it blocks NMDA receptors more weakly.",
                    when(nkt)
                );
            }
        }
        out.push('\n');
    }

    // NMDA block and firing.
    let bi = need("nmda_block_interneuron")?;
    let bp = need("nmda_block_pyramidal")?;
    let ri = need("interneuron_rate_hz")?;
    let rp = need("pyramidal_rate_hz")?;
    let ((bi_max, bi_t), _) = extremes(&t, &bi);
    let ((bp_max, _), _) = extremes(&t, &bp);
    let (_, (ri_min, _)) = extremes(&t, &ri);
    let ((rp_max, rp_t), _) = extremes(&t, &rp);
    if bi_max > 0.01 {
        let _ = writeln!(
            out,
            "NMDA receptors: at most {} of the interneurons' receptors were blocked (at {}), against {} of the pyramidal neurons' — the tonically firing interneurons are hit first.",
            pct(bi_max),
            when(bi_t),
            pct(bp_max)
        );
        let _ = write!(
            out,
            "Interneurons slowed from {:.1} to {:.1} Hz ({}), so pyramidal neurons lost inhibition and fired up to {:.2} Hz ({}, at {}).",
            ri[0],
            ri_min,
            change(ri[0], ri_min),
            rp_max,
            change(rp[0], rp_max),
            when(rp_t)
        );
        if bp_max > 0.3 {
            let _ = write!(
                out,
                " But the pyramidal neurons themselves were {} blocked, so their firing rose less than the loss of inhibition alone would allow — the reason a higher dose does not help more (the inverted U).",
                pct(bp_max)
            );
        }
        out.push_str("\n\n");
    }

    // Glutamate → AMPA → BDNF → mTORC1.
    let glu = need("glutamate_rel")?;
    let bdnf = need("bdnf_rel")?;
    let mtor = need("mtorc1_rel")?;
    let ((g_max, g_t), _) = extremes(&t, &glu);
    let ((b_max, b_t), _) = extremes(&t, &bdnf);
    let ((m_max, m_t), _) = extremes(&t, &mtor);
    let blockers: Vec<String> = kinds
        .get("intervention_start")
        .map(|v| v.iter().map(|(time, d)| format!("{} from {}", d.split(" strength").next().unwrap_or(d), when(*time))).collect())
        .unwrap_or_default();
    let mtor_text = if m_max > 1.1 {
        format!("mTORC1 to {m_max:.2}× (at {})", when(m_t))
    } else {
        "mTORC1 stayed at its floor".into()
    };
    if g_max > 1.05 * glu[0] {
        let _ = writeln!(
            out,
            "Glutamate surged to {g_max:.2}× the healthy level at {} ({} over the start), driving AMPA receptors; BDNF rose to {b_max:.2}× (at {}) and {mtor_text}.",
            when(g_t),
            change(glu[0], g_max),
            when(b_t),
        );
    } else if !doses.is_empty() {
        let _ = writeln!(out, "Glutamate hardly rose (peak {g_max:.2}× the healthy level), so the downstream chain had little to respond to.");
    }
    if !blockers.is_empty() {
        let _ = writeln!(out, "Blockers acting in this run: {}. A blocked stage stays near its floor, and everything after it is cut off from the surge.", blockers.join("; "));
    }
    if m_max < 1.1 && g_max > 1.3 {
        let _ = writeln!(out, "mTORC1 did not follow the surge: the chain was interrupted at or before it.");
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }

    // Protein and spines.
    let prot = need("synaptic_protein_rel")?;
    let dens = need("spine_density_rel")?;
    let ((p_max, p_t), _) = extremes(&t, &prot);
    let d0 = dens[0];
    let d_end = *dens.last().unwrap_or(&d0);
    let mut s = format!(
        "Synaptic proteins peaked at {p_max:.2}× healthy (at {}; {} over the start). Spine density started at {:.2}× healthy",
        when(p_t),
        change(prot[0], p_max),
        d0
    );
    if let Some(d24) = at(&t, &dens, 24.0) {
        let _ = write!(s, ", was {d24:.2}× at 24 h ({})", change(d0, d24));
    }
    let _ = write!(s, " and {d_end:.2}× at the end ({}).", change(d0, d_end));
    if d0 < 0.95 && d_end > d0 + 0.01 {
        s.push_str(" The subject starts with spines lost to chronic stress; new spines rebuild part of what was lost.");
    }
    let _ = writeln!(out, "{s}\n");

    // Clinic.
    let sbp = need("sbp_mmhg")?;
    let cadss = need("dissociation_cadss")?;
    let madrs = need("madrs")?;
    let ((sbp_max, sbp_t), _) = extremes(&t, &sbp);
    let ((c_max, c_t), _) = extremes(&t, &cadss);
    if !doses.is_empty() {
        let _ = write!(
            out,
            "In the clinic: systolic pressure rose by {:.0} mmHg (peak {:.0} at {}), dissociation reached {:.0} of 92 CADSS points (at {}).",
            sbp_max - sbp[0],
            sbp_max,
            when(sbp_t),
            c_max,
            when(c_t)
        );
        if let Some(d) = kinds.get("discharge_ready").and_then(|v| v.last()) {
            let _ = write!(out, " The patient could go home at {} after the start.", when(d.0));
        }
        if let Some(a) = kinds.get("alarm_start") {
            let _ = write!(out, " {} alarm(s) sounded ({}).", a.len(), a[0].1);
        }
        out.push('\n');
    }
    let m0 = madrs[0];
    if let Some(m24) = at(&t, &madrs, 24.0) {
        let _ = write!(out, "Depressive symptoms: MADRS {m0:.0} at the start, {m24:.0} at 24 h ({})", change(m0, m24));
        if m0 >= 20.0 && !doses.is_empty() {
            let _ = write!(out, "{}", if m24 <= 0.5 * m0 { " — a response (at least halved)" } else { " — not a response (less than halved)" });
        }
        if let Some(m7) = at(&t, &madrs, 168.0) {
            let _ = write!(out, "; {m7:.0} after 7 days ({})", change(m0, m7));
        }
        out.push_str(".\n");
    }
    if let Some(w) = kinds.get("warning") {
        out.push('\n');
        for (_, d) in w {
            let _ = writeln!(out, "Warning: {d}");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_change_wording() {
        assert_eq!(when(0.5), "30 min");
        assert_eq!(when(2.0 + 5.0 / 60.0), "2 h 05 min");
        assert_eq!(when(72.0), "3.0 days");
        assert_eq!(change(2.0, 3.0), "+50 %");
        assert_eq!(change(2.0, 1.0), "−50 %");
        assert_eq!(at(&[0.0, 1.0, 2.0], &[0.0, 10.0, 20.0], 1.5), Some(15.0));
        assert_eq!(at(&[0.0, 1.0], &[0.0, 10.0], 2.0), None);
    }
}
