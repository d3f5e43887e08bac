//! Pain read-outs: `pain.csv` (one row per trace sample, same times as trace.csv) and
//! `pain_summary.csv` (one row per run), written into the run directory beside the other files.

use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::readout::Event;

/// One sample of the pain trace. Field order is the CSV column order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PainRow {
    /// Time since the start of the run (the sample times of trace.csv), h.
    pub time_h: f64,
    /// Pain at rest: 10·H(P; P50, n) of the mean WDR output P, NRS 0-10.
    pub nrs_rest: f64,
    /// Pain on a standard test stimulus (pinprick C drive + brush Aβ drive) on top of rest, NRS 0-10.
    pub nrs_evoked: f64,
    /// Mean C-fibre input rate per WDR neuron (background + ectopic + incisional + stimulation), Hz.
    pub c_fibre_rate_hz: f64,
    /// Mean wind-up state w of the WDR neurons.
    pub windup: f64,
    /// Last / first response of the most recent completed stimulation train (1 = no wind-up; 0 before the first train).
    pub windup_ratio: f64,
    /// Mean central-sensitization state S of the WDR neurons.
    pub sensitization: f64,
    /// R(D): fraction of the maintained sensitization reversed by the slow ketamine compartment (0–1).
    pub sensitization_reversal: f64,
    /// Mean NMDA block of the WDR neurons (0–1).
    pub spinal_nmda_block: f64,
    /// Inhibitory interneuron output relative to its drug-free, unsensitized value.
    pub inhibition_rel: f64,
    /// Mean WDR output at rest, Hz.
    pub wdr_rate_hz: f64,
    /// Plasma morphine, ng/mL.
    pub morphine_plasma_ng_ml: f64,
    /// Effect-site morphine, ng/mL.
    pub morphine_effect_ng_ml: f64,
    /// Plasma morphine-6-glucuronide (M6G), ng/mL.
    pub m6g_plasma_ng_ml: f64,
    /// Effect-site M6G, ng/mL.
    pub m6g_effect_ng_ml: f64,
    /// Fraction of WDR output removed by morphine (tolerance included) (0–1).
    pub opioid_analgesia: f64,
    /// Acute tolerance T: the analgesic C50 is multiplied by 1 + T.
    pub opioid_tolerance: f64,
    /// SpO2 lowered by opioid respiratory depression (already subtracted from trace.csv spo2_pct), percentage points.
    pub spo2_opioid_drop_pct: f64,
    /// Morphine given so far, IV-equivalent (oral mg × oral bioavailability), mg IV morphine.
    pub cumulative_morphine_iv_eq_mg: f64,
    /// PCA button presses so far.
    pub pca_demands: u32,
    /// PCA boluses given so far.
    pub pca_doses: u32,
}

/// (column, unit, description) of pain.csv, in order.
pub const PAIN_COLUMNS: &[(&str, &str, &str)] = &[
    ("time_h", "h", "time since the start of the run (the sample times of trace.csv)"),
    ("nrs_rest", "NRS 0-10", "pain at rest: 10·H(P; P50, n) of the mean WDR output P"),
    ("nrs_evoked", "NRS 0-10", "pain on a standard test stimulus (pinprick C drive + brush Aβ drive) on top of rest"),
    ("c_fibre_rate_hz", "Hz", "mean C-fibre input rate per WDR neuron (background + ectopic + incisional + stimulation)"),
    ("windup", "1", "mean wind-up state w of the WDR neurons"),
    ("windup_ratio", "1", "last / first response of the most recent completed stimulation train (1 = no wind-up; 0 before the first train)"),
    ("sensitization", "1", "mean central-sensitization state S of the WDR neurons"),
    ("sensitization_reversal", "fraction", "R(D): fraction of the maintained sensitization reversed by the slow ketamine compartment"),
    ("spinal_nmda_block", "fraction", "mean NMDA block of the WDR neurons"),
    ("inhibition_rel", "rel", "inhibitory interneuron output relative to its drug-free, unsensitized value"),
    ("wdr_rate_hz", "Hz", "mean WDR output at rest"),
    ("morphine_plasma_ng_ml", "ng/mL", "plasma morphine"),
    ("morphine_effect_ng_ml", "ng/mL", "effect-site morphine"),
    ("m6g_plasma_ng_ml", "ng/mL", "plasma morphine-6-glucuronide (M6G), the active metabolite"),
    ("m6g_effect_ng_ml", "ng/mL", "effect-site M6G"),
    ("opioid_analgesia", "fraction", "fraction of WDR output removed by morphine (tolerance included)"),
    ("opioid_tolerance", "1", "acute tolerance T: the analgesic C50 is multiplied by 1 + T"),
    ("spo2_opioid_drop_pct", "percentage points", "SpO2 lowered by opioid respiratory depression (already subtracted from trace.csv spo2_pct)"),
    ("cumulative_morphine_iv_eq_mg", "mg IV morphine", "morphine given so far, IV-equivalent (oral mg × oral bioavailability)"),
    ("pca_demands", "count", "PCA button presses so far"),
    ("pca_doses", "count", "PCA boluses given so far"),
];

/// The pain summary of a run (one row). Empty cells: not reached in this run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainSummary {
    /// Scenario name.
    pub scenario: String,
    /// Run seed.
    pub seed: u64,
    /// The `[pain]` condition (its name).
    pub condition: String,
    /// Hours from which 24 h / 48 h are counted (end of surgery; 0 without surgery).
    pub reference_h: f64,
    /// Morphine given (IV-equivalent) between reference_h and reference_h + 24 h, mg IV morphine.
    pub opioid_24h_mg: Option<f64>,
    /// As opioid_24h_mg, to reference_h + 48 h, mg IV morphine.
    pub opioid_48h_mg: Option<f64>,
    /// Pain at rest at reference_h + 24 h, NRS 0-10.
    pub nrs_rest_24h: Option<f64>,
    /// Pain at rest at reference_h + 48 h, NRS 0-10.
    pub nrs_rest_48h: Option<f64>,
    /// Evoked pain at reference_h + 24 h, NRS 0-10.
    pub nrs_evoked_24h: Option<f64>,
    /// Time of the first PCA demand (`None`: no demand), h.
    pub first_pca_demand_h: Option<f64>,
    /// PCA demands in the run.
    pub pca_demands: u32,
    /// PCA boluses given in the run.
    pub pca_doses: u32,
    /// All morphine given in the run, IV-equivalent, mg IV morphine.
    pub total_morphine_iv_eq_mg: f64,
    /// Highest effect-site morphine, ng/mL.
    pub peak_morphine_effect_ng_ml: f64,
    /// Lowest SpO2 (as trace.csv) while effect-site morphine is above 1 ng/mL (`None`: never), %.
    pub min_spo2_under_opioid_pct: Option<f64>,
    /// Smallest wind-up ratio of a completed stimulation train (`None`: no train).
    pub windup_ratio_min: Option<f64>,
    /// Largest wind-up ratio of a completed stimulation train.
    pub windup_ratio_max: Option<f64>,
}

/// (column, unit, description) of pain_summary.csv, in order.
pub const PAIN_SUMMARY_COLUMNS: &[(&str, &str, &str)] = &[
    ("scenario", "", "scenario name"),
    ("seed", "", "run seed"),
    ("condition", "", "[pain] condition"),
    ("reference_h", "h", "time from which the 24-h and 48-h values are counted: end of surgery (postoperative), else 0"),
    ("opioid_24h_mg", "mg IV morphine", "morphine given (IV-equivalent) between reference_h and reference_h + 24 h"),
    ("opioid_48h_mg", "mg IV morphine", "as opioid_24h_mg, to reference_h + 48 h"),
    ("nrs_rest_24h", "NRS 0-10", "pain at rest at reference_h + 24 h"),
    ("nrs_rest_48h", "NRS 0-10", "pain at rest at reference_h + 48 h"),
    ("nrs_evoked_24h", "NRS 0-10", "evoked pain at reference_h + 24 h"),
    ("first_pca_demand_h", "h", "time of the first PCA demand (empty: none)"),
    ("pca_demands", "count", "PCA demands in the run"),
    ("pca_doses", "count", "PCA boluses given in the run"),
    ("total_morphine_iv_eq_mg", "mg IV morphine", "all morphine given in the run, IV-equivalent"),
    ("peak_morphine_effect_ng_ml", "ng/mL", "highest effect-site morphine"),
    ("min_spo2_under_opioid_pct", "%", "lowest SpO2 (as trace.csv) while effect-site morphine is above 1 ng/mL (empty: never)"),
    ("windup_ratio_min", "1", "smallest wind-up ratio of a completed stimulation train (empty: no train)"),
    ("windup_ratio_max", "1", "largest wind-up ratio of a completed stimulation train"),
];

/// What the pain model hands back at the end of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PainOutput {
    /// pain.csv rows, at the sample times of trace.csv.
    pub trace: Vec<PainRow>,
    /// The pain_summary.csv row.
    pub summary: PainSummary,
    /// The pain model's events (surgery, morphine doses, PCA demands, doses and refusals).
    pub events: Vec<Event>,
    /// (time of the train's end, wind-up ratio) of every completed stimulation train.
    pub trains: Vec<(f64, f64)>,
}

fn write_rows<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::internal(format!("cannot write {}: {e}", path.display()));
    let file = fs::File::create(path).map_err(|e| err(&e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    for r in rows {
        w.serialize(r).map_err(|e| err(&e))?;
    }
    let inner = w.into_inner().map_err(|e| err(&e))?;
    inner.into_inner().map_err(|e| err(&e.error().to_string()))?.sync_all().map_err(|e| err(&e))
}

/// Write pain.csv and pain_summary.csv into `dir`.
pub fn write(dir: &Path, out: &PainOutput) -> Result<()> {
    write_rows(&dir.join("pain.csv"), &out.trace)?;
    write_rows(&dir.join("pain_summary.csv"), [&out.summary])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_match_the_fields() {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(PainRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let cols: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(cols, PAIN_COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>());
        let s = PainSummary {
            scenario: "s".into(),
            seed: 0,
            condition: "crps".into(),
            reference_h: 0.0,
            opioid_24h_mg: None,
            opioid_48h_mg: None,
            nrs_rest_24h: None,
            nrs_rest_48h: None,
            nrs_evoked_24h: None,
            first_pca_demand_h: None,
            pca_demands: 0,
            pca_doses: 0,
            total_morphine_iv_eq_mg: 0.0,
            peak_morphine_effect_ng_ml: 0.0,
            min_spo2_under_opioid_pct: None,
            windup_ratio_min: None,
            windup_ratio_max: None,
        };
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(&s).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let cols: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(cols, PAIN_SUMMARY_COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>());
    }
}
