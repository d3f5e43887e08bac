//! Per-dose read-outs (`doses.csv`): one row per administration given, each with its own exposure,
//! acute effects, discharge and the MADRS / spine density 24 h and 7 days after that dose.
//!
//! Computed from a finished run (scenario, trace and events), so it needs no change to the
//! simulation. A dose's window runs from its start to the start of the next administration
//! given (or the end of the run): Cmax, AUC (trapezoids over the trace samples), peak
//! dissociation and systolic pressure are taken inside it. Values at 24 h and 7 d after a dose
//! are the first trace sample at or after that time, empty when the run ends before.

use serde::Serialize;

use crate::readout::{Event, TraceRow};
use crate::scenario::Scenario;
use crate::units::MINUTES_PER_HOUR;

/// One row of doses.csv. Field order is the column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseRow {
    /// 0-based index among the administrations given.
    pub dose: usize,
    /// Start of the administration, h.
    pub time_h: f64,
    /// Drug name.
    pub drug: String,
    /// Route name.
    pub route: String,
    /// Amount given, mg.
    pub mg: f64,
    /// Infusion length, min (0 for a bolus or spray).
    pub duration_min: f64,
    /// Peak plasma parent drug from this dose's start to the next dose (trace samples), ng/mL.
    pub cmax_ng_ml: f64,
    /// Time of that peak after the dose's start, h.
    pub tmax_h: f64,
    /// Plasma parent-drug AUC from this dose's start to the next dose (trapezoids over the trace samples), ng·h/mL.
    pub auc_ng_h_ml: f64,
    /// Highest dissociation in the window, CADSS points.
    pub peak_dissociation_cadss: f64,
    /// Highest systolic pressure in the window, mmHg.
    pub peak_sbp_mmhg: f64,
    /// Hours after the dose's start when the patient was ready to go home (empty if not in the window).
    pub discharge_after_h: Option<f64>,
    /// MADRS at the dose's start, points.
    pub madrs_before: f64,
    /// MADRS 24 h after this dose, points (`None` if the run ends before).
    pub madrs_24h: Option<f64>,
    /// MADRS 7 days after this dose, points (`None` if the run ends before).
    pub madrs_7d: Option<f64>,
    /// Spine density 24 h after this dose, relative to healthy drug-free (`None` if the run ends before).
    pub spine_density_rel_24h: Option<f64>,
    /// Spine density 7 days after this dose, relative to healthy drug-free (`None` if the run ends before).
    pub spine_density_rel_7d: Option<f64>,
    /// Hours after the dose's start until the patient may drive again (empty if not discharged
    /// in the window, or if the effect outlasts the look-ahead).
    pub no_driving_after_h: Option<f64>,
}

/// (column, unit, meaning) of every doses.csv column, in order.
pub const DOSE_COLUMNS: &[(&str, &str, &str)] = &[
    ("dose", "", "0-based index among the administrations given"),
    ("time_h", "h", "start of the administration"),
    ("drug", "", "drug"),
    ("route", "", "route"),
    ("mg", "mg", "amount given"),
    ("duration_min", "min", "infusion length (0 for a bolus or spray)"),
    ("cmax_ng_ml", "ng/mL", "peak plasma parent drug from this dose's start to the next dose (trace samples)"),
    ("tmax_h", "h", "time of that peak, after the dose's start"),
    ("auc_ng_h_ml", "ng*h/mL", "plasma parent-drug AUC from this dose's start to the next dose (trapezoids over the trace samples)"),
    ("peak_dissociation_cadss", "CADSS points", "highest dissociation in the window"),
    ("peak_sbp_mmhg", "mmHg", "highest systolic pressure in the window"),
    ("discharge_after_h", "h", "ready to go home, hours after the dose's start (empty if not within the window)"),
    ("madrs_before", "MADRS points", "MADRS at the dose's start"),
    ("madrs_24h", "MADRS points", "MADRS 24 h after this dose (empty if the run ends before)"),
    ("madrs_7d", "MADRS points", "MADRS 7 days after this dose (empty if the run ends before)"),
    ("spine_density_rel_24h", "x healthy drug-free", "spine density 24 h after this dose (empty if the run ends before)"),
    ("spine_density_rel_7d", "x healthy drug-free", "spine density 7 days after this dose (empty if the run ends before)"),
    ("no_driving_after_h", "h", "no driving until this many hours after the dose's start: the later of the drug's fit-to-drive time and the end of the day of the discharge (empty if not discharged within the window)"),
];

fn at(trace: &[TraceRow], t_h: f64) -> Option<&TraceRow> {
    trace.iter().find(|r| r.time_h >= t_h - 1e-9)
}

/// The per-dose rows of a finished run.
pub fn dose_rows(sc: &Scenario, trace: &[TraceRow], events: &[Event]) -> Vec<DoseRow> {
    let given: Vec<f64> = events.iter().filter(|e| e.kind == "dose_start").map(|e| e.time_h).collect();
    // Administrations given: the planned ones whose start has a dose_start event (in order).
    let mut admins = Vec::new();
    let mut used = vec![false; given.len()];
    for a in sc.administrations() {
        if let Some(j) = given.iter().enumerate().position(|(j, &t)| !used[j] && (t - a.t_h).abs() < 1e-9) {
            used[j] = true;
            admins.push(a);
        }
    }
    let end = trace.last().map_or(0.0, |r| r.time_h);
    let mut out = Vec::with_capacity(admins.len());
    for (i, a) in admins.iter().enumerate() {
        let t0 = a.t_h;
        let t1 = admins.get(i + 1).map_or(end, |n| n.t_h);
        let window: Vec<&TraceRow> = trace.iter().filter(|r| r.time_h >= t0 - 1e-9 && r.time_h <= t1 + 1e-9).collect();
        let (mut cmax, mut tmax, mut auc, mut cadss, mut sbp) = (0.0f64, 0.0, 0.0, 0.0f64, f64::MIN);
        for (k, r) in window.iter().enumerate() {
            if r.plasma_ketamine_ng_ml > cmax {
                cmax = r.plasma_ketamine_ng_ml;
                tmax = r.time_h - t0;
            }
            cadss = cadss.max(r.dissociation_cadss);
            sbp = sbp.max(r.sbp_mmhg);
            if k > 0 {
                let p = window[k - 1];
                auc += 0.5 * (p.plasma_ketamine_ng_ml + r.plasma_ketamine_ng_ml) * (r.time_h - p.time_h);
            }
        }
        let discharge = events
            .iter()
            .find(|e| e.kind == "discharge_ready" && e.time_h >= t0 - 1e-9 && e.time_h <= t1 + 1e-9)
            .map(|e| e.time_h - t0);
        let no_driving = events
            .iter()
            .find(|e| e.kind == "no_driving_until" && e.time_h >= t0 - 1e-9 && e.time_h <= t1 + 1e-9)
            .and_then(|e| crate::readout::clinical::time_in_detail(&e.detail))
            .map(|u| u - t0);
        let later = |dt: f64| if t0 + dt <= end + 1e-9 { at(trace, t0 + dt) } else { None };
        out.push(DoseRow {
            dose: i,
            time_h: t0,
            drug: a.drug.name().to_string(),
            route: a.route.name().to_string(),
            mg: a.mg,
            duration_min: a.duration_h * MINUTES_PER_HOUR,
            cmax_ng_ml: cmax,
            tmax_h: tmax,
            auc_ng_h_ml: auc,
            peak_dissociation_cadss: cadss,
            peak_sbp_mmhg: if sbp == f64::MIN { f64::NAN } else { sbp },
            discharge_after_h: discharge,
            madrs_before: at(trace, t0).map_or(f64::NAN, |r| r.madrs),
            madrs_24h: later(24.0).map(|r| r.madrs),
            madrs_7d: later(168.0).map(|r| r.madrs),
            spine_density_rel_24h: later(24.0).map(|r| r.spine_density_rel),
            spine_density_rel_7d: later(168.0).map(|r| r.spine_density_rel),
            no_driving_after_h: no_driving,
        });
    }
    out
}
