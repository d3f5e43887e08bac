//! The trial's tables, a pure function of the subjects' results (in unit order) and the table
//! spec: subjects.csv, arms.csv, timecourse.csv, survival.csv. The same results give the same
//! bytes, whatever the number of workers, the sharding or resumes.

use serde::{Deserialize, Serialize};

use super::stats::{self, Z95};
use super::population::Dist;
use super::trial::{PainOutcome, Relapse, SERIES_COLUMNS, Trial, UnitResult};
use crate::error::Result;

/// What the tables need to know of the trial (kept in trial.json so that `merge` can rebuild them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSpec {
    /// Arm names, in trial order.
    pub arms: Vec<String>,
    /// Name of the reference arm (for differences and NNT).
    pub reference: String,
    /// Subjects per arm.
    pub subjects: u64,
    /// How relapse is read.
    pub relapse: Relapse,
    /// Remission: observed MADRS at most this (10 by default; TRANSFORM-2 used 12).
    pub remission_max_madrs: f64,
    /// (column name, key) of each population entry, in table order.
    pub draw_columns: Vec<String>,
}

impl TableSpec {
    /// The table spec of trial `t`.
    pub fn of(t: &Trial) -> Self {
        Self {
            arms: t.arms.iter().map(|a| a.name.clone()).collect(),
            reference: t.reference.clone(),
            subjects: t.subjects,
            relapse: t.relapse,
            remission_max_madrs: t.remission_max_madrs,
            draw_columns: t
                .population
                .iter()
                .map(|v| {
                    let short = v.key.rsplit('.').next().unwrap_or(v.key);
                    match (v.key, v.dist) {
                        ("subject.madrs", _) => "madrs_baseline".to_string(),
                        (_, Dist::LogNormalCv) => format!("{short}_factor"),
                        (_, Dist::Normal) => short.to_string(),
                    }
                })
                .collect(),
        }
    }
}

/// Shortest text that reads back to the same number; empty for NaN.
fn num(x: f64) -> String {
    if x.is_nan() { String::new() } else { format!("{x:?}") }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

fn flag(x: Option<bool>) -> String {
    x.map(|b| b.to_string()).unwrap_or_default()
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| crate::error::Error::internal(format!("cannot format CSV: {e}"));
    w.write_record(header).map_err(e)?;
    for r in rows {
        w.write_record(r).map_err(e)?;
    }
    w.into_inner().map_err(|e| crate::error::Error::internal(format!("cannot format CSV: {e}")))
}

/// The visits of a subject's read-outs: 24 h, day 7 and the end of the arm.
pub const VISITS: &[&str] = &["24h", "7d", "end"];

fn visit_time(u: &UnitResult, visit: &str) -> Option<f64> {
    let end = *u.grid.last()?;
    match visit {
        "24h" => (end >= 24.0 - 1e-9).then_some(24.0),
        "7d" => (end >= 168.0 - 1e-9).then_some(168.0),
        _ => Some(end),
    }
}

/// (MADRS, response, remission) of a subject at a visit.
pub fn outcome(spec: &TableSpec, u: &UnitResult, visit: &str) -> Option<(f64, bool, bool)> {
    let m = u.madrs_at(visit_time(u, visit)?)?;
    Some((m, m <= 0.5 * u.baseline, m <= spec.remission_max_madrs))
}

/// subjects.csv: one row per subject × arm, in unit order.
pub fn subjects_csv(spec: &TableSpec, units: &[UnitResult]) -> Result<Vec<u8>> {
    let mut header: Vec<String> = ["arm", "subject", "person", "seed"].iter().map(std::string::ToString::to_string).collect();
    header.extend(spec.draw_columns.iter().cloned());
    for c in ["expectancy", "background", "cmax_ng_ml", "auc_ng_h_ml", "peak_dissociation_cadss", "peak_sbp_mmhg", "peak_measured_sbp_rise_mmhg", "peak_measured_dbp_rise_mmhg", "large_bp_rise", "spine_density_rel_end"] {
        header.push(c.into());
    }
    for v in VISITS {
        header.push(format!("madrs_{v}"));
    }
    for v in VISITS {
        header.push(format!("response_{v}"));
        header.push(format!("remission_{v}"));
    }
    header.extend(["last_dose_h", "responder_after_last_dose", "relapse_days", "relapsed"].iter().map(std::string::ToString::to_string));
    header.extend(PAIN_OUTCOMES.iter().map(|(c, _)| (*c).to_string()));
    let mut rows = Vec::with_capacity(units.len());
    for u in units {
        let mut r = vec![spec.arms[u.arm].clone(), u.k.to_string(), u.person.to_string(), u.seed.to_string()];
        r.extend(u.draws.iter().map(|&x| num(x)));
        r.push(num(u.expectancy));
        r.push(num(u.background));
        r.push(num(u.cmax_ng_ml));
        r.push(num(u.auc_ng_h_ml));
        r.push(num(u.peak_dissociation_cadss));
        r.push(num(u.peak_sbp_mmhg));
        r.push(opt(u.peak_measured_sbp_rise_mmhg));
        r.push(opt(u.peak_measured_dbp_rise_mmhg));
        r.push(flag(Some(u.large_bp_rise)));
        r.push(opt(u.series.spine_density_rel.last().copied()));
        for v in VISITS {
            r.push(opt(outcome(spec, u, v).map(|o| o.0)));
        }
        for v in VISITS {
            let o = outcome(spec, u, v);
            r.push(flag(o.map(|o| o.1)));
            r.push(flag(o.map(|o| o.2)));
        }
        r.push(opt(u.last_dose_h));
        let rel = u.relapse(&spec.relapse);
        r.push(flag(u.last_dose_h.map(|_| rel.is_some())));
        r.push(opt(rel.map(|x| x.0)));
        r.push(flag(rel.map(|x| x.1)));
        for (_, get) in PAIN_OUTCOMES {
            r.push(opt(u.pain.as_ref().and_then(get)));
        }
        rows.push(r);
    }
    csv_bytes(&header, &rows)
}

/// Reads one pain end point of a subject.
type PainGetter = fn(&PainOutcome) -> Option<f64>;

/// The pain end points of a subject, as subjects.csv columns (empty without a pain condition).
const PAIN_OUTCOMES: [(&str, PainGetter); 3] = [
    ("opioid_24h_mg", |p| p.opioid_24h_mg),
    ("opioid_48h_mg", |p| p.opioid_48h_mg),
    ("nrs_rest_24h", |p| p.nrs_rest_24h),
];

/// The values of one pain end point over an arm's subjects that have it.
fn pain_values(units: &[&UnitResult], get: PainGetter) -> Vec<f64> {
    units.iter().filter_map(|u| u.pain.as_ref().and_then(get)).collect()
}

/// Per-arm counts at a visit: (n with the visit, responders, remitters, changes from baseline).
fn arm_visit(spec: &TableSpec, units: &[&UnitResult], visit: &str) -> (u64, u64, u64, Vec<f64>) {
    let (mut n, mut resp, mut rem, mut ch) = (0, 0, 0, Vec::new());
    for u in units {
        if let Some((m, r, q)) = outcome(spec, u, visit) {
            n += 1;
            resp += r as u64;
            rem += q as u64;
            ch.push(m - u.baseline);
        }
    }
    (n, resp, rem, ch)
}

/// arms.csv: one row per arm and visit.
pub fn arms_csv(spec: &TableSpec, units: &[UnitResult]) -> Result<Vec<u8>> {
    let header: Vec<String> = [
        "arm", "visit", "n", "responders", "response_rate", "response_lo95", "response_hi95", "remitters", "remission_rate",
        "remission_lo95", "remission_hi95", "madrs_change_mean", "madrs_change_sd", "reference", "response_diff", "response_diff_lo95",
        "response_diff_hi95", "nnt", "nnt_lo95", "nnt_hi95", "relapse_median_days", "relapse_n_responders", "relapse_events",
        "cmax_ng_ml_mean", "cmax_ng_ml_cv", "opioid_24h_mg_mean", "opioid_24h_mg_sd", "opioid_48h_mg_mean", "opioid_48h_mg_sd",
        "opioid_24h_sparing", "opioid_48h_sparing", "opioid_48h_diff_mg", "opioid_48h_diff_lo95", "opioid_48h_diff_hi95", "nrs_rest_24h_mean",
        "nrs_rest_24h_sd", "large_bp_rises", "large_bp_rise_rate",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let by_arm: Vec<Vec<&UnitResult>> = (0..spec.arms.len()).map(|a| units.iter().filter(|u| u.arm == a).collect()).collect();
    let ref_idx = spec.arms.iter().position(|a| *a == spec.reference).unwrap_or(spec.arms.len() - 1);
    let mut rows = Vec::new();
    for (a, name) in spec.arms.iter().enumerate() {
        let us = &by_arm[a];
        let rel: Vec<(f64, bool)> = us.iter().filter_map(|u| u.relapse(&spec.relapse)).collect();
        let km = stats::kaplan_meier(&rel);
        let cmax: Vec<f64> = us.iter().map(|u| u.cmax_ng_ml).collect();
        let (cm, csd) = stats::mean_sd(&cmax);
        // Pain end points (arm means; empty without a pain condition). Sparing: 1 - this arm's
        // mean consumption / the reference arm's; the 48-h difference (this arm - reference) with
        // a normal-approximation 95 % interval on the Welch standard error.
        let ref_units = &by_arm[ref_idx];
        let mean_sd = |get: PainGetter, of: &[&UnitResult]| {
            let v = pain_values(of, get);
            if v.is_empty() { (None, None, 0) } else { let (m, sd) = stats::mean_sd(&v); (Some(m), sd, v.len()) }
        };
        let (o24, o24sd, _) = mean_sd(|p| p.opioid_24h_mg, us);
        let (o48, o48sd, n48) = mean_sd(|p| p.opioid_48h_mg, us);
        let (n24, n24sd, _) = mean_sd(|p| p.nrs_rest_24h, us);
        let (r24, _, _) = mean_sd(|p| p.opioid_24h_mg, ref_units);
        let (r48, r48sd, rn48) = mean_sd(|p| p.opioid_48h_mg, ref_units);
        let sparing = |x: Option<f64>, r: Option<f64>| match (x, r) {
            (Some(x), Some(r)) if a != ref_idx && r > 0.0 => Some(1.0 - x / r),
            _ => None,
        };
        let diff = match (o48, o48sd, r48, r48sd) {
            (Some(x), Some(sx), Some(r), Some(sr)) if a != ref_idx => {
                let se = (sx * sx / n48 as f64 + sr * sr / rn48 as f64).sqrt();
                Some((x - r, x - r - Z95 * se, x - r + Z95 * se))
            }
            _ => None,
        };
        for visit in VISITS {
            let (n, resp, rem, ch) = arm_visit(spec, us, visit);
            let (rl, rh) = stats::wilson(resp, n, Z95);
            let (ml, mh) = stats::wilson(rem, n, Z95);
            let (mean, sd) = stats::mean_sd(&ch);
            let rate = |k: u64| if n > 0 { num(k as f64 / n as f64) } else { String::new() };
            let mut r = vec![name.clone(), visit.to_string(), n.to_string(), resp.to_string(), rate(resp), num(rl), num(rh)];
            r.extend([rem.to_string(), rate(rem), num(ml), num(mh), num(mean), opt(sd)]);
            if a != ref_idx {
                let (n2, resp2, _, _) = arm_visit(spec, &by_arm[ref_idx], visit);
                let (d, lo, hi) = stats::difference(resp, n, resp2, n2, Z95);
                let (t, tl, th) = stats::nnt(d, lo, hi);
                r.extend([spec.reference.clone(), num(d), num(lo), num(hi), opt(t), opt(tl), opt(th)]);
            } else {
                r.extend(std::iter::repeat_n(String::new(), 7));
            }
            r.push(opt(stats::km_median(&km)));
            r.push(rel.len().to_string());
            r.push(rel.iter().filter(|x| x.1).count().to_string());
            r.push(num(cm));
            // No ketamine in the arm (saline, midazolam): no CV.
            r.push(opt(csd.filter(|_| cm > 0.0).map(|s| s / cm)));
            r.extend([opt(o24), opt(o24sd), opt(o48), opt(o48sd), opt(sparing(o24, r24)), opt(sparing(o48, r48))]);
            r.extend([opt(diff.map(|d| d.0)), opt(diff.map(|d| d.1)), opt(diff.map(|d| d.2)), opt(n24), opt(n24sd)]);
            // Subjects with a large blood-pressure rise at least once (the Spravato label's share).
            let large = us.iter().filter(|u| u.large_bp_rise).count();
            r.push(large.to_string());
            r.push(if us.is_empty() { String::new() } else { num(large as f64 / us.len() as f64) });
            rows.push(r);
        }
    }
    csv_bytes(&header, &rows)
}

/// timecourse.csv: per arm, sample time and key column: n, mean, SD, 5/50/95 % quantiles.
pub fn timecourse_csv(spec: &TableSpec, units: &[UnitResult]) -> Result<Vec<u8>> {
    let header: Vec<String> = ["arm", "time_h", "column", "n", "mean", "sd", "p05", "p50", "p95"].iter().map(std::string::ToString::to_string).collect();
    let mut rows = Vec::new();
    for (a, name) in spec.arms.iter().enumerate() {
        let us: Vec<&UnitResult> = units.iter().filter(|u| u.arm == a).collect();
        let Some(first) = us.first() else { continue };
        for (i, &t) in first.grid.iter().enumerate() {
            for col in SERIES_COLUMNS {
                let mut xs: Vec<f64> = us.iter().filter_map(|u| u.series.column(col).get(i).copied()).collect();
                let (mean, sd) = stats::mean_sd(&xs);
                xs.sort_by(f64::total_cmp);
                rows.push(vec![
                    name.clone(),
                    num(t),
                    col.to_string(),
                    xs.len().to_string(),
                    num(mean),
                    opt(sd),
                    num(stats::quantile(&xs, 0.05)),
                    num(stats::quantile(&xs, 0.5)),
                    num(stats::quantile(&xs, 0.95)),
                ]);
            }
        }
    }
    csv_bytes(&header, &rows)
}

/// survival.csv: Kaplan–Meier time to relapse (days after the last dose) of each arm's responders.
pub fn survival_csv(spec: &TableSpec, units: &[UnitResult]) -> Result<Vec<u8>> {
    let header: Vec<String> = ["arm", "day", "at_risk", "relapses", "censored", "survival"].iter().map(std::string::ToString::to_string).collect();
    let mut rows = Vec::new();
    for (a, name) in spec.arms.iter().enumerate() {
        let rel: Vec<(f64, bool)> = units.iter().filter(|u| u.arm == a).filter_map(|u| u.relapse(&spec.relapse)).collect();
        if rel.is_empty() {
            continue;
        }
        rows.push(vec![name.clone(), num(0.0), rel.len().to_string(), "0".into(), "0".into(), num(1.0)]);
        for s in stats::kaplan_meier(&rel) {
            rows.push(vec![name.clone(), num(s.time), s.at_risk.to_string(), s.events.to_string(), s.censored.to_string(), num(s.survival)]);
        }
    }
    csv_bytes(&header, &rows)
}
