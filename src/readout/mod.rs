//! Read-outs: what a run reports. The trace (one row per sample), the summary (one row per run)
//! and the events. Each column is declared once here with its unit; the writers, the manifest and
//! `docs/output.md` use these declarations.

use serde::Serialize;

pub mod clinical;

/// One sample of the trace. Field order is the CSV column order (a public contract).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TraceRow {
    pub time_h: f64,
    pub plasma_ketamine_ng_ml: f64,
    pub plasma_norketamine_ng_ml: f64,
    pub brain_ketamine_um: f64,
    pub nmda_block_interneuron: f64,
    pub nmda_block_pyramidal: f64,
    pub interneuron_rate_hz: f64,
    pub pyramidal_rate_hz: f64,
    pub glutamate_rel: f64,
    pub ampa_activation: f64,
    pub bdnf_rel: f64,
    pub mtorc1_rel: f64,
    pub synaptic_protein_rel: f64,
    pub spines_per_neuron: f64,
    pub spine_density_rel: f64,
    pub sbp_mmhg: f64,
    pub dbp_mmhg: f64,
    pub hr_bpm: f64,
    pub spo2_pct: f64,
    pub dissociation_cadss: f64,
    pub madrs: f64,
}

impl TraceRow {
    /// The values in column order (the order of [`TRACE_COLUMNS`] and of trace.csv).
    pub fn values(&self) -> [f64; 21] {
        [
            self.time_h,
            self.plasma_ketamine_ng_ml,
            self.plasma_norketamine_ng_ml,
            self.brain_ketamine_um,
            self.nmda_block_interneuron,
            self.nmda_block_pyramidal,
            self.interneuron_rate_hz,
            self.pyramidal_rate_hz,
            self.glutamate_rel,
            self.ampa_activation,
            self.bdnf_rel,
            self.mtorc1_rel,
            self.synaptic_protein_rel,
            self.spines_per_neuron,
            self.spine_density_rel,
            self.sbp_mmhg,
            self.dbp_mmhg,
            self.hr_bpm,
            self.spo2_pct,
            self.dissociation_cadss,
            self.madrs,
        ]
    }
}

/// (column, unit, meaning) of every trace column, in order.
pub const TRACE_COLUMNS: &[(&str, &str, &str)] = &[
    ("time_h", "h", "time since the start of the run"),
    ("plasma_ketamine_ng_ml", "ng/mL", "parent drug in plasma (racemic ketamine plus S-ketamine)"),
    ("plasma_norketamine_ng_ml", "ng/mL", "norketamine in plasma"),
    ("brain_ketamine_um", "uM", "parent drug at the effect site (brain)"),
    ("nmda_block_interneuron", "fraction 0-1", "mean fraction of interneuron NMDA receptors blocked"),
    ("nmda_block_pyramidal", "fraction 0-1", "mean fraction of pyramidal NMDA receptors blocked"),
    ("interneuron_rate_hz", "Hz", "mean interneuron firing rate"),
    ("pyramidal_rate_hz", "Hz", "mean pyramidal firing rate"),
    ("glutamate_rel", "x healthy drug-free", "extracellular glutamate"),
    ("ampa_activation", "fraction 0-1", "mean AMPA receptor activation"),
    ("bdnf_rel", "x healthy drug-free", "mean BDNF"),
    ("mtorc1_rel", "x healthy drug-free", "mean mTORC1 activity"),
    ("synaptic_protein_rel", "x healthy drug-free", "mean synaptic protein (PSD-95, GluA1, synapsin I)"),
    ("spines_per_neuron", "spines", "mean spines per pyramidal neuron"),
    ("spine_density_rel", "x healthy drug-free", "spines_per_neuron / circuit.spines_per_pyramidal"),
    ("sbp_mmhg", "mmHg", "systolic blood pressure"),
    ("dbp_mmhg", "mmHg", "diastolic blood pressure"),
    ("hr_bpm", "beats/min", "heart rate"),
    ("spo2_pct", "%", "oxygen saturation"),
    ("dissociation_cadss", "CADSS points 0-92", "dissociation (Clinician-Administered Dissociative States Scale)"),
    ("madrs", "MADRS points 0-60", "depressive symptoms (phenomenological read-out of the synaptic changes)"),
];

/// The one-row summary of a run. Optional fields are empty where the run is shorter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SummaryRow {
    pub scenario: String,
    pub seed: u64,
    pub cmax_ng_ml: f64,
    pub tmax_h: f64,
    pub auc_ng_h_ml: f64,
    pub peak_nmda_block_interneuron: f64,
    pub peak_glutamate_rel: f64,
    pub t_peak_glutamate_h: f64,
    pub peak_bdnf_rel: f64,
    pub peak_mtorc1_rel: f64,
    pub t_peak_mtorc1_h: f64,
    pub spine_density_rel_start: f64,
    pub spine_density_rel_24h: Option<f64>,
    pub spine_density_rel_72h: Option<f64>,
    pub spine_density_rel_end: f64,
    pub peak_sbp_mmhg: f64,
    pub peak_dbp_mmhg: f64,
    pub peak_hr_bpm: f64,
    pub min_spo2_pct: f64,
    pub peak_dissociation_cadss: f64,
    pub t_peak_dissociation_h: f64,
    pub alarms: u32,
    pub discharge_ready_h: Option<f64>,
    pub madrs_start: f64,
    pub madrs_24h: Option<f64>,
    pub madrs_7d: Option<f64>,
    pub response_24h: Option<bool>,
}

pub const SUMMARY_COLUMNS: &[(&str, &str, &str)] = &[
    ("scenario", "", "scenario name"),
    ("seed", "", "run seed"),
    ("cmax_ng_ml", "ng/mL", "peak plasma parent drug (evaluated every step)"),
    ("tmax_h", "h", "time of cmax"),
    ("auc_ng_h_ml", "ng*h/mL", "area under the plasma parent-drug curve over the run"),
    ("peak_nmda_block_interneuron", "fraction 0-1", "peak mean interneuron NMDA block"),
    ("peak_glutamate_rel", "x healthy drug-free", "peak glutamate"),
    ("t_peak_glutamate_h", "h", "time of peak glutamate"),
    ("peak_bdnf_rel", "x healthy drug-free", "peak mean BDNF"),
    ("peak_mtorc1_rel", "x healthy drug-free", "peak mean mTORC1"),
    ("t_peak_mtorc1_h", "h", "time of peak mTORC1"),
    ("spine_density_rel_start", "x healthy drug-free", "spine density at t = 0"),
    ("spine_density_rel_24h", "x healthy drug-free", "spine density at 24 h (empty if the run is shorter)"),
    ("spine_density_rel_72h", "x healthy drug-free", "spine density at 72 h (empty if the run is shorter)"),
    ("spine_density_rel_end", "x healthy drug-free", "spine density at the end"),
    ("peak_sbp_mmhg", "mmHg", "highest systolic pressure"),
    ("peak_dbp_mmhg", "mmHg", "highest diastolic pressure"),
    ("peak_hr_bpm", "beats/min", "highest heart rate"),
    ("min_spo2_pct", "%", "lowest oxygen saturation"),
    ("peak_dissociation_cadss", "CADSS points", "highest dissociation"),
    ("t_peak_dissociation_h", "h", "time of the highest dissociation"),
    ("alarms", "count", "number of alarm_start events during observation"),
    ("discharge_ready_h", "h", "when the patient could go home after the last session (empty if not within the run)"),
    ("madrs_start", "MADRS points", "MADRS at t = 0"),
    ("madrs_24h", "MADRS points", "MADRS at 24 h (empty if the run is shorter)"),
    ("madrs_7d", "MADRS points", "MADRS at 7 days (empty if the run is shorter)"),
    ("response_24h", "true/false", "MADRS at 24 h at most half its start (empty if the run is shorter)"),
];

/// A timed event of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub time_h: f64,
    pub kind: String,
    pub detail: String,
}

pub const EVENT_KINDS: &[(&str, &str)] = &[
    ("dose_start", "an administration begins (detail: drug, route, amount)"),
    ("dose_end", "an administration ends (the end of an infusion; same time as dose_start otherwise)"),
    ("intervention_start", "a blocker starts acting (detail: kind, strength)"),
    ("intervention_end", "a blocker stops acting"),
    ("warning", "something the user should know, e.g. a dose above the low-dose limits"),
    ("predose_check", "vital signs checked before an administration (detail: values; proceed or dose withheld)"),
    ("alarm_start", "a vital sign crossed its alarm threshold during observation (detail: the vital)"),
    ("alarm_end", "that vital is back within its limit"),
    ("observation_end", "the observation window after the last administration of a visit is over"),
    ("discharge_ready", "vitals near baseline, dissociation low, observation over: the patient may go home"),
    ("no_driving_until", "recorded at discharge: no driving or operating machinery until the end of that day (detail: the run time of that midnight)"),
    ("surgery_start", "start of surgery (pain condition postoperative)"),
    ("surgery_end", "end of surgery"),
    ("morphine_dose", "a scheduled morphine dose ([[pain.morphine]]; detail: route, mg)"),
    ("pca_demand", "the virtual patient pressed the PCA button (detail: pain at rest)"),
    ("pca_dose", "a PCA bolus was given (detail: mg)"),
    ("pca_denied", "a PCA demand was refused (detail: lockout, 1-h limit or 4-h limit)"),
];

/// Running peaks and exposure, updated every step (finer than the trace sampling).
#[derive(Debug, Clone, Default)]
pub struct SummaryTracker {
    pub row: SummaryRow,
    started: bool,
}

/// What the tracker needs from one step.
#[derive(Debug, Clone, Copy)]
pub struct StepValues {
    pub t_h: f64,
    pub plasma_ng_ml: f64,
    pub auc_ng_h_ml: f64,
    pub nmda_block_interneuron: f64,
    pub glutamate_rel: f64,
    pub bdnf_rel: f64,
    pub mtorc1_rel: f64,
    pub spine_density_rel: f64,
    pub vitals: clinical::Vitals,
    pub madrs: f64,
}

impl SummaryTracker {
    pub fn new(scenario: &str, seed: u64) -> Self {
        Self { row: SummaryRow { scenario: scenario.to_string(), seed, ..Default::default() }, started: false }
    }

    pub fn observe(&mut self, v: &StepValues) {
        let r = &mut self.row;
        if !self.started {
            self.started = true;
            r.spine_density_rel_start = v.spine_density_rel;
            r.cmax_ng_ml = v.plasma_ng_ml;
            r.tmax_h = v.t_h;
            r.peak_glutamate_rel = v.glutamate_rel;
            r.t_peak_glutamate_h = v.t_h;
            r.peak_mtorc1_rel = v.mtorc1_rel;
            r.t_peak_mtorc1_h = v.t_h;
            r.peak_bdnf_rel = v.bdnf_rel;
            r.peak_nmda_block_interneuron = v.nmda_block_interneuron;
            r.peak_sbp_mmhg = v.vitals.sbp_mmhg;
            r.peak_dbp_mmhg = v.vitals.dbp_mmhg;
            r.peak_hr_bpm = v.vitals.hr_bpm;
            r.min_spo2_pct = v.vitals.spo2_pct;
            r.peak_dissociation_cadss = v.vitals.dissociation_cadss;
            r.t_peak_dissociation_h = v.t_h;
            r.madrs_start = v.madrs;
        }
        r.peak_sbp_mmhg = r.peak_sbp_mmhg.max(v.vitals.sbp_mmhg);
        r.peak_dbp_mmhg = r.peak_dbp_mmhg.max(v.vitals.dbp_mmhg);
        r.peak_hr_bpm = r.peak_hr_bpm.max(v.vitals.hr_bpm);
        r.min_spo2_pct = r.min_spo2_pct.min(v.vitals.spo2_pct);
        if v.vitals.dissociation_cadss > r.peak_dissociation_cadss {
            r.peak_dissociation_cadss = v.vitals.dissociation_cadss;
            r.t_peak_dissociation_h = v.t_h;
        }
        if r.madrs_24h.is_none() && v.t_h >= 24.0 - 1e-9 {
            r.madrs_24h = Some(v.madrs);
            r.response_24h = Some(v.madrs <= 0.5 * r.madrs_start);
        }
        if r.madrs_7d.is_none() && v.t_h >= 168.0 - 1e-9 {
            r.madrs_7d = Some(v.madrs);
        }
        if v.plasma_ng_ml > r.cmax_ng_ml {
            r.cmax_ng_ml = v.plasma_ng_ml;
            r.tmax_h = v.t_h;
        }
        if v.glutamate_rel > r.peak_glutamate_rel {
            r.peak_glutamate_rel = v.glutamate_rel;
            r.t_peak_glutamate_h = v.t_h;
        }
        if v.mtorc1_rel > r.peak_mtorc1_rel {
            r.peak_mtorc1_rel = v.mtorc1_rel;
            r.t_peak_mtorc1_h = v.t_h;
        }
        r.peak_bdnf_rel = r.peak_bdnf_rel.max(v.bdnf_rel);
        r.peak_nmda_block_interneuron = r.peak_nmda_block_interneuron.max(v.nmda_block_interneuron);
        r.auc_ng_h_ml = v.auc_ng_h_ml;
        r.spine_density_rel_end = v.spine_density_rel;
        // Spine density at 24 h and 72 h: the first step that reaches the time.
        if r.spine_density_rel_24h.is_none() && v.t_h >= 24.0 - 1e-9 {
            r.spine_density_rel_24h = Some(v.spine_density_rel);
        }
        if r.spine_density_rel_72h.is_none() && v.t_h >= 72.0 - 1e-9 {
            r.spine_density_rel_72h = Some(v.spine_density_rel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_tables_match_the_rows() {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(TraceRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let names: Vec<&str> = TRACE_COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(header, names);
        // `values()` is in the same order as the serialized record.
        let row = TraceRow { time_h: 1.0, madrs: 21.0, sbp_mmhg: 16.0, plasma_norketamine_ng_ml: 3.0, ..Default::default() };
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let record: Vec<f64> = text.lines().nth(1).unwrap().split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(record, row.values().to_vec());

        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(SummaryRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let names: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(header, names);
    }
}
