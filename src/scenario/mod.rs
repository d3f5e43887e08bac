//! Scenario files: who is treated, with what, and how the run is set up.
//!
//! A scenario is TOML (format in `docs/scenario.md`). Loading goes: text → TOML table → `--set`
//! overrides applied by dotted key path → typed [`Scenario`], checking every key and range. Errors
//! name the file, the key path, the line and column, and what is allowed.

pub mod builder;
pub mod bundled;
pub mod reader;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::{Table, Value};

use crate::error::{Error, Location, Result, did_you_mean};
use crate::params::{self, Params};
use crate::pk::{Administration, Drug, Route};
use crate::units::{MINUTES_PER_HOUR, SECONDS_PER_MINUTE};
pub use builder::{DoseSpec, ScenarioBuilder};
use reader::{TableReader, check_range, join};

/// The subject's condition, which sets the steady state the run starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectState {
    /// A healthy subject: the healthy drug-free steady state.
    Healthy,
    /// Chronically stressed (a model of depression): fewer spines and less synaptic protein at the start.
    ChronicStress,
}

/// A pharmacological or genetic intervention that inhibits one stage of the pathway (`[[intervention]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    /// mTORC1 inhibitor.
    Rapamycin,
    /// AMPA receptor antagonist.
    Nbqx,
    /// Protein synthesis inhibitor.
    Anisomycin,
    /// TrkB receptor antagonist (e.g. ANA-12).
    TrkbAntagonist,
    /// BDNF Val66Met: impaired activity-dependent BDNF release.
    BdnfVal66met,
}

impl InterventionKind {
    /// Every intervention, with its name as scenarios spell it; `ALL[kind.index()]` is `kind`.
    pub const ALL: [(&'static str, InterventionKind); 5] = [
        ("rapamycin", InterventionKind::Rapamycin),
        ("nbqx", InterventionKind::Nbqx),
        ("anisomycin", InterventionKind::Anisomycin),
        ("trkb_antagonist", InterventionKind::TrkbAntagonist),
        ("bdnf_val66met", InterventionKind::BdnfVal66met),
    ];
    /// Number of interventions.
    pub const COUNT: usize = Self::ALL.len();
    /// Position in [`InterventionKind::ALL`] (and in `pathway::Blockers`).
    pub fn index(self) -> usize {
        self as usize
    }
    /// The intervention's name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        Self::ALL[self.index()].0
    }
}

/// The subject (`[subject]`): body weight, condition and baseline read-outs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// Body weight, kg: converts `mg_per_kg` to mg and scales volumes and clearances by `weight_kg / 70`
    /// where the drug's source model does (not esketamine or arketamine: `DrugInfo::weight_scaled`).
    pub weight_kg: f64,
    /// Healthy or chronically stressed.
    pub state: SubjectState,
    /// Baseline systolic / diastolic blood pressure, mmHg.
    pub sbp_mmhg: f64,
    /// Baseline diastolic blood pressure, mmHg.
    pub dbp_mmhg: f64,
    /// Baseline heart rate, beats/min.
    pub hr_bpm: f64,
    /// Baseline oxygen saturation, %.
    pub spo2_pct: f64,
    /// Age, years: above 60 it lowers the ketamine clearances through liver blood flow
    /// (`pk::covariates`, Perez-Ruixo 2021).
    pub age_y: f64,
    /// Baseline MADRS depression score (0-60).
    pub madrs: f64,
    /// `[subject] draw = true`: replace the typical subject by a random one drawn from the trial
    /// population model with the run's seed ([`Scenario::draw_subject`]). False once drawn, so the
    /// resolved scenario (with the drawn values in place) runs the same subject again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draw: bool,
    /// This subject was drawn from the population (by [`Scenario::draw_subject`]).
    #[serde(skip)]
    pub drawn: bool,
    /// Species (`[subject] species`, default human): a rodent gets the rodent ketamine
    /// disposition of [`crate::pk::species`] and the `intraperitoneal` route.
    #[serde(skip_serializing_if = "crate::pk::species::Species::is_human")]
    pub species: crate::pk::species::Species,
}

/// Defaults of the subject's baseline read-outs (documented in docs/model.md).
pub const DEFAULT_SBP_MMHG: f64 = 125.0;
/// Default baseline diastolic blood pressure, mmHg.
pub const DEFAULT_DBP_MMHG: f64 = 80.0;
/// Default baseline heart rate, beats/min.
pub const DEFAULT_HR_BPM: f64 = 72.0;
/// Default baseline oxygen saturation, %.
pub const DEFAULT_SPO2_PCT: f64 = 98.0;
/// Default age, years.
pub const DEFAULT_AGE_Y: f64 = 40.0;
/// Murrough 2013: treatment-resistant depression, baseline MADRS about 32.
pub const DEFAULT_MADRS_STRESSED: f64 = 32.0;
/// A healthy adult: MADRS about 5 (no depression).
pub const DEFAULT_MADRS_HEALTHY: f64 = 5.0;

/// The clinic's monitoring protocol (Spravato label REMS; Sanacora 2017: monitoring during and up to 2 h after dosing;
/// discharge only when stable; no driving until the later of the drug's fit-to-drive time and the end
/// of the calendar day of the discharge).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Monitoring {
    /// Pre-dose check: withhold the dose when SBP or DBP is above these.
    pub predose_max_sbp_mmhg: f64,
    /// Pre-dose check: withhold the dose when DBP is above this, mmHg.
    pub predose_max_dbp_mmhg: f64,
    /// Alarms during observation: above (SBP, DBP, HR) or below (SpO2) these.
    pub alarm_sbp_mmhg: f64,
    /// Alarm when DBP rises above this, mmHg.
    pub alarm_dbp_mmhg: f64,
    /// Alarm when the heart rate rises above this, beats/min.
    pub alarm_hr_bpm: f64,
    /// Alarm when SpO2 falls below this, %.
    pub alarm_spo2_pct: f64,
    /// Observation after the end of each administration, h.
    pub observation_h: f64,
    /// Discharge: blood pressure and heart rate within these of baseline, SpO2 at least
    /// `alarm_spo2_pct`, dissociation at most `discharge_max_cadss`.
    pub discharge_bp_within_mmhg: f64,
    /// Discharge: heart rate within this of baseline, beats/min.
    pub discharge_hr_within_bpm: f64,
    /// Discharge: dissociation at most this, CADSS points.
    pub discharge_max_cadss: f64,
    /// Clock time of day at t = 0, h (for the clinic's rule: no driving before the end of the calendar
    /// day of the discharge).
    pub start_clock_h: f64,
}

impl Default for Monitoring {
    fn default() -> Self {
        Self {
            predose_max_sbp_mmhg: 140.0,
            predose_max_dbp_mmhg: 90.0,
            alarm_sbp_mmhg: 180.0,
            alarm_dbp_mmhg: 110.0,
            alarm_hr_bpm: 120.0,
            alarm_spo2_pct: 92.0,
            observation_h: 2.0,
            discharge_bp_within_mmhg: 10.0,
            discharge_hr_within_bpm: 10.0,
            discharge_max_cadss: 4.0,
            start_clock_h: 9.0,
        }
    }
}

/// (key, lower bound, upper bound, unit) of every [monitoring] key, in struct order.
const MONITORING_KEYS: &[(&str, f64, f64, &str)] = &[
    ("predose_max_sbp_mmhg", 60.0, 300.0, "mmHg"),
    ("predose_max_dbp_mmhg", 30.0, 200.0, "mmHg"),
    ("alarm_sbp_mmhg", 60.0, 300.0, "mmHg"),
    ("alarm_dbp_mmhg", 30.0, 200.0, "mmHg"),
    ("alarm_hr_bpm", 30.0, 250.0, "beats/min"),
    ("alarm_spo2_pct", 50.0, 100.0, "%"),
    ("observation_h", 0.0, 48.0, "h"),
    ("discharge_bp_within_mmhg", 0.0, 100.0, "mmHg"),
    ("discharge_hr_within_bpm", 0.0, 100.0, "beats/min"),
    ("discharge_max_cadss", 0.0, 92.0, "CADSS points"),
    ("start_clock_h", 0.0, 24.0, "h (clock time)"),
];

impl Monitoring {
    fn slot(&mut self, key: &str) -> &mut f64 {
        match key {
            "predose_max_sbp_mmhg" => &mut self.predose_max_sbp_mmhg,
            "predose_max_dbp_mmhg" => &mut self.predose_max_dbp_mmhg,
            "alarm_sbp_mmhg" => &mut self.alarm_sbp_mmhg,
            "alarm_dbp_mmhg" => &mut self.alarm_dbp_mmhg,
            "alarm_hr_bpm" => &mut self.alarm_hr_bpm,
            "alarm_spo2_pct" => &mut self.alarm_spo2_pct,
            "observation_h" => &mut self.observation_h,
            "discharge_bp_within_mmhg" => &mut self.discharge_bp_within_mmhg,
            "discharge_hr_within_bpm" => &mut self.discharge_hr_within_bpm,
            "discharge_max_cadss" => &mut self.discharge_max_cadss,
            "start_clock_h" => &mut self.start_clock_h,
            _ => unreachable!("every monitoring key has a slot"),
        }
    }
}

/// One `[[dose]]` entry: one administration, or `times` administrations `every_h` apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dose {
    /// Drug given.
    pub drug: Drug,
    /// Route of administration.
    pub route: Route,
    /// Amount of one administration per kg body weight, mg/kg (exactly one of this and `mg` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mg_per_kg: Option<f64>,
    /// Amount of one administration, mg (exactly one of this and `mg_per_kg` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mg: Option<f64>,
    /// Time of the first administration (start of the infusion), h.
    pub at_h: f64,
    /// Infusion duration, min (set for `iv_infusion` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_min: Option<f64>,
    /// Interval between administrations, h (set when `times > 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every_h: Option<f64>,
    /// Number of administrations.
    pub times: u32,
}

impl Dose {
    /// The amount of one administration, mg.
    pub fn amount_mg(&self, weight_kg: f64) -> f64 {
        self.mg.unwrap_or_else(|| self.mg_per_kg.unwrap_or(0.0) * weight_kg)
    }
    /// The amount of one administration, mg per kg of `weight_kg`.
    pub fn amount_mg_per_kg(&self, weight_kg: f64) -> f64 {
        self.amount_mg(weight_kg) / weight_kg
    }
}

/// One `[[intervention]]` entry: a blocker acting from `from_h` to `to_h` with a fixed strength,
/// or (`dose` set) a blocker given as a dose whose strength follows its own kinetics
/// ([`crate::pk::inhibitors`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Intervention {
    /// What is inhibited.
    pub kind: InterventionKind,
    /// Start, h (may be negative: given before the run starts). For a dose: its time.
    pub from_h: f64,
    /// End, h (`None`: until the end of the run, and always for a dose).
    pub to_h: Option<f64>,
    /// Fraction of the target inhibited (0–1); 0 for a dose, whose strength is computed.
    pub strength: f64,
    /// The dose (`route`, `mg`, `at_h`), when the intervention is given as one.
    pub dose: Option<crate::pk::inhibitors::InhibitorDose>,
}

impl Serialize for Intervention {
    /// A window as `kind, from_h, [to_h,] strength`; a dose as `kind, route, mg, at_h` (what the
    /// file says, so `ketasim check`'s resolved scenario reads back the same).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match &self.dose {
            None => {
                let mut st = s.serialize_struct("Intervention", 4)?;
                st.serialize_field("kind", &self.kind)?;
                st.serialize_field("from_h", &self.from_h)?;
                if let Some(to) = self.to_h {
                    st.serialize_field("to_h", &to)?;
                } else {
                    st.skip_field("to_h")?;
                }
                st.serialize_field("strength", &self.strength)?;
                st.end()
            }
            Some(d) => {
                let mut st = s.serialize_struct("Intervention", 4)?;
                st.serialize_field("kind", &self.kind)?;
                st.serialize_field("route", &d.route)?;
                st.serialize_field("mg", &d.mg)?;
                st.serialize_field("at_h", &d.at_h)?;
                st.end()
            }
        }
    }
}

/// Size of the simulated circuit (`[circuit]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Circuit {
    /// Pyramidal-neuron agents.
    pub pyramidal_neurons: u32,
    /// GABAergic interneuron agents.
    pub interneurons: u32,
    /// Spine sites per pyramidal neuron in the healthy, drug-free circuit.
    pub spines_per_pyramidal: u32,
}

impl Default for Circuit {
    fn default() -> Self {
        Self { pyramidal_neurons: 100, interneurons: 25, spines_per_pyramidal: 200 }
    }
}

/// Time step and sampling (`[numerics]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numerics {
    /// Time step of the pathway, s.
    pub dt_s: f64,
    /// Trace sampling interval, min (a whole number of steps).
    pub sample_every_min: f64,
}

impl Default for Numerics {
    fn default() -> Self {
        Self { dt_s: 10.0, sample_every_min: 5.0 }
    }
}

/// Switchable hypotheses of how ketamine reaches BDNF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mechanisms {
    /// NMDA block on interneurons → disinhibition → glutamate surge → AMPA → BDNF release.
    pub disinhibition: bool,
    /// NMDA block at rest → eEF2 kinase off → BDNF translation.
    pub eef2k: bool,
    /// (2R,6R)-hydroxynorketamine: NMDA-independent AMPA drive (contested).
    pub hnk: bool,
}

impl Default for Mechanisms {
    fn default() -> Self {
        Self { disinhibition: true, eef2k: true, hnk: false }
    }
}

/// A fully resolved scenario: every default filled in, every value checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The scenario's name (also the `scenario` column of summary.csv; `--set` overrides are appended).
    pub name: String,
    /// Free text, shown by `ketasim list`.
    pub description: String,
    /// Simulated time, h.
    pub duration_h: f64,
    /// Seed of the random cell-to-cell and subject variation.
    pub seed: u64,
    /// The subject.
    pub subject: Subject,
    /// Size of the circuit.
    pub circuit: Circuit,
    /// Time step and sampling.
    pub numerics: Numerics,
    /// Which hypotheses are switched on.
    pub mechanisms: Mechanisms,
    /// The clinic's monitoring protocol.
    pub monitoring: Monitoring,
    /// Only the parameters that differ from their documented defaults.
    pub parameters: BTreeMap<String, f64>,
    /// The `[[dose]]` entries, in file order (`dose.0`, `dose.1`, …).
    #[serde(rename = "dose")]
    pub doses: Vec<Dose>,
    /// The `[[intervention]]` entries, in file order.
    #[serde(rename = "intervention")]
    pub interventions: Vec<Intervention>,
    /// `[pain]` and `[pca]` (src/pain/scenario.rs); condition "none" is left out of the resolved scenario.
    #[serde(skip_serializing_if = "crate::pain::scenario::PainSetup::is_none")]
    pub pain: crate::pain::scenario::PainSetup,
    /// Patient-controlled analgesia (`[pca]`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pca: Option<crate::pain::scenario::Pca>,
    /// The file it came from, or `bundled:<name>`.
    #[serde(skip)]
    pub source: String,
    /// The `--set KEY=VALUE` overrides applied to the file, in order (also named in `name`).
    #[serde(skip)]
    pub overrides: Vec<String>,
    /// Run doses above their route's plausible ceiling ([`DOSE_CEILINGS`]) anyway, with a warning
    /// (`allow_high_dose = true`, or `--allow-high-dose` on the command line).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_high_dose: bool,
}

/// A plausible ceiling for one route: above it a dose is most likely a unit mix-up (mg entered
/// as mg/kg) and is refused unless high doses are allowed.
#[derive(Debug, Clone, Copy)]
pub struct DoseCeiling {
    /// The route.
    pub route: Route,
    /// The ceiling, in `unit`.
    pub max: f64,
    /// `mg/kg` (the amount of one administration) or `mg/kg/h` (an infusion's rate).
    pub unit: &'static str,
    /// Why this ceiling.
    pub why: &'static str,
}

/// Plausible ceilings per route, stated once. Each lies above the highest dose a clinician gives
/// by that route, so every real protocol passes and a unit mix-up does not: the Ketalar label
/// gives IV anaesthetic induction 1-4.5 mg/kg (so > 5 mg/kg IV is not a dose anyone gives) and an
/// induction rate of 0.5 mg/kg/min for 1-2 mg/kg; the longest low-dose infusions (CRPS,
/// perioperative) run at 0.1-1 mg/kg/h (Schwenk 2018); Spravato's highest dose is 84 mg intranasal
/// (1.2 mg/kg at 70 kg; Spravato label); oral and sublingual racemic troches are given at
/// 0.5-3 mg/kg (Rolan 2014 used 25 mg sublingual), so 10 mg/kg leaves a margin for low bioavailability.
pub const DOSE_CEILINGS: &[DoseCeiling] = &[
    DoseCeiling { route: Route::IvBolus, max: 5.0, unit: "mg/kg", why: "above the Ketalar label's IV induction range of 1-4.5 mg/kg" },
    DoseCeiling { route: Route::IvInfusion, max: 5.0, unit: "mg/kg/h", why: "5x the 1 mg/kg/h low-dose limit; sustained anaesthetic infusions are not a ketasim protocol" },
    DoseCeiling { route: Route::Intranasal, max: 3.0, unit: "mg/kg", why: "2.5x the highest Spravato dose (84 mg, 1.2 mg/kg at 70 kg)" },
    DoseCeiling { route: Route::Oral, max: 10.0, unit: "mg/kg", why: "above oral troche doses of 0.5-3 mg/kg, with a margin for low bioavailability" },
    DoseCeiling { route: Route::Sublingual, max: 10.0, unit: "mg/kg", why: "as oral" },
    DoseCeiling { route: Route::Intraperitoneal, max: 50.0, unit: "mg/kg", why: "above the 3-30 mg/kg of the rodent antidepressant and glutamate studies (Autry 2011; Li 2010; Moghaddam 1997)" },
];

/// An `mg` amount below this many mg per kg is most likely mg/kg entered as mg.
pub const DOSE_FLOOR_MG_PER_KG: f64 = 0.01;

/// Choices of the caller that are not part of the scenario file: what `ketasim`'s flags pass to
/// loading. Each load gets its own options, so two loads in one process (a Python session, the
/// browser lab, a test) never affect each other; the default is a plain load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Allow doses above their route's plausible ceiling ([`DOSE_CEILINGS`]) in this load, as
    /// `allow_high_dose = true` in the scenario would (the `--allow-high-dose` flag of `run`,
    /// `check`, `sweep` and `trial`).
    pub allow_high_dose: bool,
}

impl LoadOptions {
    /// The options with high doses allowed (or not).
    pub fn allow_high_dose(mut self, allow: bool) -> Self {
        self.allow_high_dose = allow;
        self
    }
}

/// `x` with a thousands separator and at most `decimals` decimals, trailing zeros dropped
/// (`2450` → `2,450`; `0.35` → `0.35`).
fn grouped(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{}", frac.map(|f| format!(".{f}")).unwrap_or_default())
}

/// Check one `[[dose]]` against its route's plausible ceiling (and an `mg` amount against the
/// floor). `Ok(None)`: plausible; `Ok(Some(text))`: implausible but allowed (the warning);
/// `Err`: refused, naming the key, the amount in both units and the other unit it may have meant.
fn check_plausible(path: &str, d: &Dose, weight_kg: f64, allowed: bool) -> Result<Option<String>> {
    let Some(c) = DOSE_CEILINGS.iter().find(|c| c.route == d.route) else { return Ok(None) };
    let mgkg = d.amount_mg_per_kg(weight_kg);
    let mg = d.amount_mg(weight_kg);
    let w = grouped(weight_kg, 1);
    let (value, per_h) = if c.unit == "mg/kg/h" {
        let h = d.over_min.unwrap_or(60.0) / MINUTES_PER_HOUR;
        (mgkg / h, format!(" over {} min = {} mg/kg/h", grouped(h * MINUTES_PER_HOUR, 1), grouped(mgkg / h, 2)))
    } else {
        (mgkg, String::new())
    };
    let allow = "to run it anyway, add `allow_high_dose = true` to the scenario or pass --allow-high-dose";
    let (key, problem) = if value > c.max + 1e-12 {
        match (d.mg_per_kg, d.mg) {
            (Some(v), _) => (
                "mg_per_kg",
                format!(
                    "mg_per_kg = {} gives {} mg for {w} kg{per_h}, above the plausible ceiling for {} of {} {} ({}); did you mean mg = {}?",
                    grouped(v, 4), grouped(mg, 1), d.route.name(), c.max, c.unit, c.why, grouped(v, 4)
                ),
            ),
            (None, v) => (
                "mg",
                format!(
                    "mg = {} is {} mg/kg for {w} kg{per_h}, above the plausible ceiling for {} of {} {} ({}); is the amount or subject.weight_kg wrong?",
                    grouped(v.unwrap_or(0.0), 4), grouped(mgkg, 3), d.route.name(), c.max, c.unit, c.why
                ),
            ),
        }
    } else if let (Some(v), true) = (d.mg, mg > 0.0 && mgkg < DOSE_FLOOR_MG_PER_KG) {
        (
            "mg",
            format!(
                "mg = {} is only {} mg/kg for {w} kg, below the plausible floor of {DOSE_FLOOR_MG_PER_KG} mg/kg; did you mean mg_per_kg = {} ({} mg)?",
                grouped(v, 4), grouped(mgkg, 5), grouped(v, 4), grouped(v * weight_kg, 1)
            ),
        )
    } else {
        return Ok(None);
    };
    if allowed {
        Ok(Some(format!("{path}: {problem} (run anyway: high doses allowed)")))
    } else {
        Err(Error::at_key(join(path, key), format!("{problem} ({allow})")))
    }
}

/// How a dose compares with the low-dose limits (Schwenk 2018; Sanacora 2017).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseClass {
    /// Whether the dose is within the low-dose limits.
    pub low_dose: bool,
    /// One line saying how the dose compares with the limits.
    pub text: String,
}

/// Largest IV bolus still classed as low dose, mg/kg (Sanacora 2017).
pub const LOW_DOSE_MAX_BOLUS_MG_PER_KG: f64 = 0.5;
/// Largest IV infusion rate still classed as low dose, mg/kg/h (Schwenk 2018).
pub const LOW_DOSE_MAX_INFUSION_MG_PER_KG_PER_H: f64 = 1.0;

impl Scenario {
    /// The model parameters with the scenario's overrides applied.
    pub fn params(&self) -> Params {
        let mut p = Params::default();
        for (k, v) in &self.parameters {
            *p.get_mut(k).expect("validated parameter name") = *v;
        }
        p
    }

    /// Every administration, schedules expanded, in time order.
    pub fn administrations(&self) -> Vec<Administration> {
        let mut out = Vec::new();
        for d in &self.doses {
            for k in 0..d.times {
                out.push(Administration {
                    t_h: d.at_h + k as f64 * d.every_h.unwrap_or(0.0),
                    drug: d.drug,
                    route: d.route,
                    mg: d.amount_mg(self.subject.weight_kg),
                    duration_h: d.over_min.unwrap_or(0.0) / MINUTES_PER_HOUR,
                });
            }
        }
        out.sort_by(|a, b| a.t_h.total_cmp(&b.t_h));
        out
    }

    /// Classify a dose against the low-dose limits (Schwenk 2018; Sanacora 2017) (IV bolus ≤ 0.5 mg/kg,
    /// infusion ≤ 1 mg/kg/h).
    pub fn classify(&self, dose: &Dose) -> DoseClass {
        let w = self.subject.weight_kg;
        let mgkg = dose.amount_mg_per_kg(w);
        // The limits are ketamine's: another drug (midazolam, morphine) is not classed by them.
        if !dose.drug.info().ketamine {
            return DoseClass {
                low_dose: true,
                text: format!(
                    "{} {} {:.1} mg ({mgkg:.3} mg/kg): not ketamine, the ketamine low-dose limits do not apply",
                    dose.drug.name(),
                    dose.route.name(),
                    dose.amount_mg(w)
                ),
            };
        }
        match dose.route {
            Route::IvBolus => {
                let low = mgkg <= LOW_DOSE_MAX_BOLUS_MG_PER_KG + 1e-12;
                DoseClass {
                    low_dose: low,
                    text: if low {
                        format!("low dose: IV bolus {mgkg:.3} mg/kg (limit {LOW_DOSE_MAX_BOLUS_MG_PER_KG} mg/kg)")
                    } else {
                        format!("not a low dose: IV bolus {mgkg:.3} mg/kg exceeds {LOW_DOSE_MAX_BOLUS_MG_PER_KG} mg/kg")
                    },
                }
            }
            Route::IvInfusion => {
                let rate = mgkg / (dose.over_min.unwrap_or(1.0) / MINUTES_PER_HOUR);
                let low = rate <= LOW_DOSE_MAX_INFUSION_MG_PER_KG_PER_H + 1e-12;
                DoseClass {
                    low_dose: low,
                    text: if low {
                        format!("low dose: IV infusion at {rate:.3} mg/kg/h (limit {LOW_DOSE_MAX_INFUSION_MG_PER_KG_PER_H} mg/kg/h)")
                    } else {
                        format!(
                            "not a low dose: IV infusion at {rate:.3} mg/kg/h exceeds {LOW_DOSE_MAX_INFUSION_MG_PER_KG_PER_H} mg/kg/h"
                        )
                    },
                }
            }
            r => DoseClass {
                low_dose: true,
                text: format!(
                    "{} {:.1} mg ({mgkg:.3} mg/kg): not IV, the IV low-dose limits do not apply",
                    r.name(),
                    dose.amount_mg(w)
                ),
            },
        }
    }

    /// Warnings about the scenario, in dose order: doses above the low-dose limits (and, when
    /// allowed, above their route's plausible ceiling), and administrations scheduled after the
    /// end of the run (which are not given).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, d) in self.doses.iter().enumerate() {
            if let Ok(Some(w)) = check_plausible(&format!("dose.{i}"), d, self.subject.weight_kg, true) {
                out.push(w);
            }
            let c = self.classify(d);
            if !c.low_dose {
                out.push(format!("dose.{i}: {}", c.text));
            }
            let late = (0..d.times).filter(|k| d.at_h + *k as f64 * d.every_h.unwrap_or(0.0) >= self.duration_h).count();
            if late > 0 {
                out.push(format!(
                    "dose.{i}: {late} of {} administration(s) start at or after the end of the run ({} h) and are not given",
                    d.times, self.duration_h
                ));
            }
        }
        out
    }

    /// The resolved scenario as TOML (what `ketasim check` prints). A seed above 2^63 − 1, which a
    /// TOML integer cannot hold, is written as a string of digits (read back as the same seed).
    pub fn to_toml(&self) -> String {
        let text = toml::to_string(self).unwrap_or_else(|e| format!("# could not render: {e}"));
        if self.seed > i64::MAX as u64 {
            return text.replacen(&format!("\nseed = {}\n", self.seed), &format!("\nseed = \"{}\"\n", self.seed), 1);
        }
        text
    }

    /// The scenario file this scenario was read from (`None` for a bundled scenario).
    pub fn input_file(&self) -> Option<PathBuf> {
        (!self.source.starts_with("bundled:")).then(|| PathBuf::from(&self.source))
    }

    /// `[subject] draw = true`: replace the typical subject by person 0 of the default trial
    /// population (`cohort::population`), drawn with this scenario's seed: weight, baseline MADRS,
    /// PK and antidepressant-response factors, exactly as `ketasim trial` draws a subject. Call it
    /// once the seed is final; afterwards `draw` is false and `drawn` true (a no-op otherwise).
    pub fn draw_subject(&mut self) -> crate::error::Result<()> {
        if !self.subject.draw {
            return Ok(());
        }
        let table = crate::cohort::population::default_population();
        crate::cohort::population::draw_into(self, &table, self.seed, 0)?;
        self.subject.draw = false;
        self.subject.drawn = true;
        self.name = format!("{} (subject drawn with seed {})", self.name, self.seed);
        Ok(())
    }

    /// The number of administrations once every `times`/`every_h` schedule is expanded.
    pub fn n_administrations(&self) -> u64 {
        self.doses.iter().map(|d| u64::from(d.times)).sum()
    }
}

/// Where the scenario text came from.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    /// The scenario's TOML text.
    pub text: String,
    /// File path, or `bundled:<name>`.
    pub origin: PathBuf,
}

/// Find a scenario: a path to a `.toml` file, or the name of a bundled scenario.
pub fn find(spec: &str) -> Result<ScenarioSource> {
    let path = Path::new(spec);
    let file_error = |message: String| Error::Input {
        location: Location { file: Some(path.to_path_buf()), ..Default::default() },
        message,
    };
    // A file wins over a bundled name; a directory does not (e.g. a run directory called
    // `iv-infusion` in the current directory must not hide the bundled `iv-infusion`).
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {
            let text = std::fs::read_to_string(path).map_err(|e| file_error(format!("cannot read the scenario file: {e}")))?;
            return Ok(ScenarioSource { text, origin: path.to_path_buf() });
        }
        // A FIFO, /dev/stdin, /dev/null, a socket: reading it could block or give nothing useful.
        Ok(m) if !m.is_dir() && bundled::get(spec).is_none() => {
            return Err(file_error("is not a regular file (a FIFO, a device or a socket); give a .toml scenario file".into()));
        }
        Err(e) if bundled::get(spec).is_none() && std::fs::symlink_metadata(path).is_ok() => {
            return Err(file_error(format!(
                "is a symbolic link that cannot be followed ({e}): a loop, or a link to nothing; give a .toml scenario file"
            )));
        }
        _ => {}
    }
    if let Some(text) = bundled::get(spec) {
        return Ok(ScenarioSource { text: text.to_string(), origin: PathBuf::from(format!("bundled:{spec}")) });
    }
    let bundled_list = format!("bundled scenarios: {}", bundled::names().collect::<Vec<_>>().join(", "));
    if path.is_dir() {
        return Err(file_error(format!("is a directory, not a scenario file; give a .toml file or one of the {bundled_list}")));
    }
    let looks_like_path = spec.ends_with(".toml") || spec.contains('/') || spec.contains(std::path::MAIN_SEPARATOR);
    let mut msg = if looks_like_path {
        format!("no such scenario file `{spec}`")
    } else {
        format!("no scenario file or bundled scenario named `{spec}`")
    };
    if let Some(s) = did_you_mean(spec, bundled::names()) {
        msg.push_str(&format!(" (did you mean `{s}`?)"));
    }
    msg.push_str(&format!("; {bundled_list}"));
    Err(Error::input(msg))
}

/// Load and resolve a scenario, applying `--set KEY=VALUE` overrides (and `--seed`), with the
/// default [`LoadOptions`].
pub fn load(spec: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario> {
    load_with(spec, sets, seed, LoadOptions::default())
}

/// [`load`] with explicit [`LoadOptions`] (e.g. high doses allowed).
pub fn load_with(spec: &str, sets: &[String], seed: Option<u64>, options: LoadOptions) -> Result<Scenario> {
    let src = find(spec)?;
    from_source_with(&src, sets, seed, options)
}

/// Resolve the scenario text of `src`, applying `--set KEY=VALUE` overrides and `--seed`, with the
/// default [`LoadOptions`]; an input error names the file, key and line.
pub fn from_source(src: &ScenarioSource, sets: &[String], seed: Option<u64>) -> Result<Scenario> {
    from_source_with(src, sets, seed, LoadOptions::default())
}

/// [`from_source`] with explicit [`LoadOptions`].
pub fn from_source_with(src: &ScenarioSource, sets: &[String], seed: Option<u64>, options: LoadOptions) -> Result<Scenario> {
    let file = &src.origin;
    let mut table = reader::parse_toml(&src.text, file)?;
    // (key path, the whole assignment) of every --set, to attribute errors to the flag.
    let mut set_keys: Vec<(String, &str)> = Vec::new();
    for s in sets {
        let key = apply_set(&mut table, s)?;
        set_keys.push((key, s.as_str()));
    }
    let mut sc = resolve_with(&table, options).map_err(|e| {
        // An error on a key that came from --set points at the flag, not into the file.
        // The last --set wins, as it does when applied.
        if let Error::Input { location, message } = &e
            && let Some(k) = &location.key
            && let Some((_, assignment)) =
                set_keys.iter().rev().find(|(s, _)| k == s || k.starts_with(&format!("{s}.")))
        {
            return Error::Input {
                location: Location { file: None, key: Some(k.clone()), line_col: None },
                message: format!("(from --set `{assignment}`) {message}"),
            };
        }
        e.in_file(file, |k| reader::locate(&src.text, k))
    })?;
    if let Some(seed) = seed {
        sc.seed = seed;
    }
    sc.draw_subject().map_err(|e| e.in_file(file, |k| reader::locate(&src.text, k)))?;
    sc.source = file.display().to_string();
    if !sets.is_empty() {
        // Titles, the summary's `scenario` column and the manifest say what was changed.
        sc.name = format!("{} (modified: {})", sc.name, sets.join(", "));
        sc.overrides = sets.to_vec();
    }
    Ok(sc)
}

/// Parse a `--set` value: any TOML value (`0.25`, `true`, `"oral"`, `[1, 2]`), or else a bare string.
pub fn parse_set_value(raw: &str) -> Value {
    match format!("v = {raw}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or(Value::String(raw.to_string())),
        Err(_) => Value::String(raw.to_string()),
    }
}

/// Apply one `KEY=VALUE` override to a TOML table; returns the key path.
pub fn apply_set(table: &mut Table, assignment: &str) -> Result<String> {
    let Some((key, raw)) = assignment.split_once('=') else {
        return Err(Error::input(format!("--set `{assignment}`: expected KEY=VALUE, e.g. --set dose.0.mg_per_kg=0.25")));
    };
    let key = key.trim();
    set_path(table, key, parse_set_value(raw.trim())).map_err(|e| match e {
        Error::Input { location, message } => {
            Error::Input { location, message: format!("(from --set `{assignment}`) {message}") }
        }
        other => other,
    })?;
    Ok(key.to_string())
}

/// Most parts of a `--set` key path.
pub const MAX_KEY_DEPTH: usize = 8;

/// Set `value` at dotted `path` in `table`, creating missing tables; array elements by index.
/// On error the table is left unchanged.
pub fn set_path(table: &mut Table, path: &str, value: Value) -> Result<()> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err(Error::input(format!("empty part in the key path `{path}`")));
    }
    // Scenario keys are at most three deep (dose.0.mg_per_kg); a longer path is a mistake (and
    // must not exhaust the stack).
    if parts.len() > MAX_KEY_DEPTH {
        let mut shown: String = path.chars().take(60).collect();
        if shown.len() < path.len() {
            shown.push('…');
        }
        return Err(Error::input(format!(
            "the key path `{shown}` has {} parts; scenario keys have at most {MAX_KEY_DEPTH}, e.g. dose.0.mg_per_kg",
            parts.len()
        )));
    }
    let mut root = Value::Table(table.clone());
    set_in(&mut root, &parts, 0, value)?;
    if let Value::Table(t) = root {
        *table = t;
    }
    Ok(())
}

fn set_in(cur: &mut Value, parts: &[&str], i: usize, value: Value) -> Result<()> {
    let here = parts[..i].join(".");
    let part = parts[i];
    let last = i + 1 == parts.len();
    let next = match cur {
        Value::Table(t) => {
            if last {
                t.insert(part.to_string(), value);
                return Ok(());
            }
            let next_is_index = parts[i + 1].parse::<usize>().is_ok();
            t.entry(part.to_string())
                .or_insert_with(|| if next_is_index { Value::Array(Vec::new()) } else { Value::Table(Table::new()) })
        }
        Value::Array(a) => {
            let Ok(idx) = part.parse::<usize>() else {
                return Err(Error::at_key(join(&here, part), format!("`{here}` is a list: index it by number, e.g. {here}.0")));
            };
            let len = a.len();
            if idx >= len {
                let allowed = match len {
                    0 => format!("`{here}` has no entries, so there is nothing to index; --set changes entries but cannot add them: add a [[{here}]] table to the file"),
                    1 => format!("`{here}` has 1 entry; allowed index: 0"),
                    n => format!("`{here}` has {n} entries; allowed indices: 0 to {}", n - 1),
                };
                return Err(Error::at_key(join(&here, part), format!("index {idx} is out of range: {allowed}")));
            }
            if last {
                a[idx] = value;
                return Ok(());
            }
            &mut a[idx]
        }
        other => {
            return Err(Error::at_key(
                here.clone(),
                format!("cannot set `{}`: `{here}` is {}, not a table", parts.join("."), reader::type_name(other)),
            ));
        }
    };
    set_in(next, parts, i + 1, value)
}

const TOP_KEYS: &[&str] = &[
    "name", "description", "duration_h", "seed", "subject", "dose", "intervention", "circuit", "numerics", "parameters",
    "mechanisms", "monitoring", "pain", "pca", "allow_high_dose",
];

/// Most rows a trace may have.
pub const MAX_TRACE_ROWS: f64 = 1e7;

/// Most spines a circuit may grow to (about 100 bytes of memory each).
pub const MAX_SPINES_GROWN: f64 = 1e8;

/// Most administrations a scenario may have once every `times`/`every_h` schedule is expanded
/// (10,000 `[[dose]]` tables of 10,000 administrations each tried to allocate 4 GiB).
pub const MAX_ADMINISTRATIONS: u64 = 100_000;

/// Resolve a parsed TOML table into a checked [`Scenario`], with the default [`LoadOptions`].
pub fn resolve(t: &Table) -> Result<Scenario> {
    resolve_with(t, LoadOptions::default())
}

/// Resolve a parsed TOML table into a checked [`Scenario`] with explicit [`LoadOptions`].
pub fn resolve_with(t: &Table, options: LoadOptions) -> Result<Scenario> {
    let top = TableReader::new("", t, TOP_KEYS);
    top.deny_unknown()?;
    let name = top.str_req("name", "the scenario's name, e.g. name = \"Single 0.5 mg/kg IV infusion\"")?.to_string();
    if name.trim().is_empty() {
        return Err(Error::at_key("name", "must not be empty"));
    }
    let description = top.str_opt("description")?.unwrap_or("").to_string();
    let duration_h = top.f64_req("duration_h", "simulated time in hours, e.g. duration_h = 168.0")?;
    check_range("duration_h", duration_h, 0.0, 8760.0, true, "h")?;
    let seed = match t.get("seed") {
        // Seeds above 2^63 − 1 (a TOML integer's limit; sweeps give runs seeds up to 2^64 − 1) are
        // written as a string of digits, as `ketasim check` prints them.
        Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| {
            Error::at_key("seed", format!("expected a whole number from 0 to {}, found the string \"{s}\"", u64::MAX))
        })?,
        _ => top.u64_opt("seed")?.unwrap_or(0),
    };

    let subject = resolve_subject(&top)?;
    let (doses, allow_high_dose) = resolve_doses(&top, subject.weight_kg, options.allow_high_dose)?;
    check_species_doses(&subject, &doses)?;
    let interventions = resolve_interventions(&top)?;
    let circuit = resolve_circuit(&top)?;
    let numerics = resolve_numerics(&top, duration_h)?;
    let mechanisms = resolve_mechanisms(&top)?;
    let monitoring = resolve_monitoring(&top)?;
    let parameters = resolve_parameters(&top)?;
    check_memory(&circuit, &parameters, &doses)?;

    let pain = crate::pain::scenario::resolve_pain(&top)?;
    let pca = crate::pain::scenario::resolve_pca(&top, &pain)?;
    Ok(Scenario {
        pain,
        pca,
        name,
        description,
        duration_h,
        seed,
        subject,
        circuit,
        numerics,
        mechanisms,
        monitoring,
        parameters,
        doses,
        interventions,
        source: String::new(),
        overrides: Vec::new(),
        allow_high_dose,
    })
}

/// `[subject]`: weight, state, baseline vital signs, age, MADRS, and whether to draw a random subject.
fn resolve_subject(top: &TableReader<'_>) -> Result<Subject> {
    let subject_t = top
        .table_opt("subject")?
        .ok_or_else(|| Error::at_key("subject", "missing required table [subject] (weight_kg, state)"))?;
    let sr = TableReader::new(
        "subject",
        subject_t,
        &["weight_kg", "state", "sbp_mmhg", "dbp_mmhg", "hr_bpm", "spo2_pct", "age_y", "madrs", "draw", "species"],
    );
    sr.deny_unknown()?;
    let species = sr.choice("species", &crate::pk::species::Species::ALL)?.unwrap_or_default();
    let (w_lo, w_hi) = species.weight_range_kg();
    let weight_kg = match (sr.f64_opt("weight_kg")?, species.default_weight_kg()) {
        (Some(w), _) => w,
        (None, Some(w)) => w,
        (None, None) => sr.f64_req("weight_kg", "body weight in kg, 2-300")?,
    };
    check_range("subject.weight_kg", weight_kg, w_lo, w_hi, false, "kg")?;
    let state = sr
        .choice("state", &[("healthy", SubjectState::Healthy), ("chronic_stress", SubjectState::ChronicStress)])?
        .ok_or_else(|| Error::at_key("subject.state", "missing required key: \"healthy\" or \"chronic_stress\""))?;
    let vital = |key: &str, default: f64, lo: f64, hi: f64, unit: &str| sr.f64_in(key, default, lo, hi, unit);
    let sbp_mmhg = vital("sbp_mmhg", DEFAULT_SBP_MMHG, 60.0, 260.0, "mmHg")?;
    let dbp_mmhg = vital("dbp_mmhg", DEFAULT_DBP_MMHG, 30.0, 160.0, "mmHg")?;
    if dbp_mmhg >= sbp_mmhg {
        return Err(Error::at_key("subject.dbp_mmhg", format!("diastolic {dbp_mmhg} mmHg must be below systolic {sbp_mmhg} mmHg")));
    }
    let hr_bpm = vital("hr_bpm", DEFAULT_HR_BPM, 25.0, 220.0, "beats/min")?;
    let spo2_pct = vital("spo2_pct", DEFAULT_SPO2_PCT, 50.0, 100.0, "%")?;
    let age_y = vital("age_y", DEFAULT_AGE_Y, 0.0, 120.0, "years")?;
    let default_madrs = match state {
        SubjectState::ChronicStress => DEFAULT_MADRS_STRESSED,
        SubjectState::Healthy => DEFAULT_MADRS_HEALTHY,
    };
    let madrs = vital("madrs", default_madrs, 0.0, 60.0, "MADRS points")?;
    let draw = sr.bool_opt("draw")?.unwrap_or(false);
    let subject = Subject { weight_kg, state, sbp_mmhg, dbp_mmhg, hr_bpm, spo2_pct, age_y, madrs, draw, drawn: false, species };
    Ok(subject)
}

/// Routes a rodent can be given ketamine by, with the reason (the rodent studies inject it).
const RODENT_ROUTES: [Route; 2] = [Route::Intraperitoneal, Route::IvBolus];

/// The doses must suit the subject's species: `intraperitoneal` is a rodent route; a rodent gets
/// racemic ketamine (the rodent disposition is the racemate's) by i.p. injection or IV bolus; a
/// rodent is not drawn from the (human) trial population.
fn check_species_doses(subject: &Subject, doses: &[Dose]) -> Result<()> {
    use crate::pk::species::Species;
    let sp = subject.species;
    if !sp.is_human() && subject.draw {
        return Err(Error::at_key("subject.draw", format!("draw = true draws from the human trial population; not allowed with species = \"{}\"", sp.name())));
    }
    for (i, d) in doses.iter().enumerate() {
        let key = format!("dose.{i}.route");
        if sp == Species::Human && d.route == Route::Intraperitoneal {
            return Err(Error::at_key(key, "route \"intraperitoneal\" is a rodent route; set [subject] species = \"rat\" or \"mouse\", or use a human route (iv_bolus, iv_infusion, intranasal, oral, sublingual)"));
        }
        if !sp.is_human() {
            if !RODENT_ROUTES.contains(&d.route) {
                let allowed: Vec<_> = RODENT_ROUTES.iter().map(|r| format!("\"{}\"", r.name())).collect();
                return Err(Error::at_key(key, format!("route \"{}\" is not modelled for species = \"{}\"; allowed: {}", d.route.name(), sp.name(), allowed.join(", "))));
            }
            if d.drug != crate::pk::Drug::Ketamine {
                return Err(Error::at_key(format!("dose.{i}.drug"), format!("drug \"{}\" has no rodent disposition; allowed for species = \"{}\": \"ketamine\"", d.drug.name(), sp.name())));
            }
        }
    }
    Ok(())
}

/// `[[dose]]` tables, each checked against its route's plausible ceiling; also whether high doses
/// are allowed (`allow_high_dose`, or `allowed_by_caller`: [`LoadOptions::allow_high_dose`]).
fn resolve_doses(top: &TableReader<'_>, weight_kg: f64, allowed_by_caller: bool) -> Result<(Vec<Dose>, bool)> {
    let allow_high_dose = top.bool_opt("allow_high_dose")?.unwrap_or(false) || allowed_by_caller;
    let mut doses = Vec::new();
    for (i, dt) in top.tables("dose")?.into_iter().enumerate() {
        let path = format!("dose.{i}");
        let dose = resolve_dose(&path, dt)?;
        check_plausible(&path, &dose, weight_kg, allow_high_dose)?;
        doses.push(dose);
    }
    Ok((doses, allow_high_dose))
}

/// `[[intervention]]` tables: blockers with their windows and strengths.
fn resolve_interventions(top: &TableReader<'_>) -> Result<Vec<Intervention>> {
    let mut interventions = Vec::new();
    for (i, it) in top.tables("intervention")?.into_iter().enumerate() {
        let path = format!("intervention.{i}");
        let r = TableReader::new(path.clone(), it, &["kind", "from_h", "to_h", "strength", "route", "mg", "at_h"]);
        r.deny_unknown()?;
        let kind = r
            .choice("kind", &InterventionKind::ALL)?
            .ok_or_else(|| Error::at_key(join(&path, "kind"), "missing required key: the blocker, e.g. kind = \"rapamycin\""))?;
        if let Some(dosed) = resolve_dosed_intervention(&path, &r, kind)? {
            interventions.push(dosed);
            continue;
        }
        let from_h = r.f64_opt("from_h")?.unwrap_or(0.0);
        check_range(&join(&path, "from_h"), from_h, -8760.0, 8760.0, false, "h")?;
        let to_h = r.f64_opt("to_h")?;
        if let Some(to) = to_h
            && (!to.is_finite() || to <= from_h)
        {
            return Err(Error::at_key(join(&path, "to_h"), format!("must be after from_h ({from_h} h), found {to}")));
        }
        let strength = r.f64_opt("strength")?.unwrap_or(1.0);
        check_range(&join(&path, "strength"), strength, 0.0, 1.0, false, "(fraction of the target inhibited)")?;
        interventions.push(Intervention { kind, from_h, to_h, strength, dose: None });
    }
    Ok(interventions)
}

/// A `[[intervention]]` given as a dose (`route`, `mg`, `at_h`; [`crate::pk::inhibitors`]), or
/// `None` for a strength window (none of the three keys). A dose takes no window keys, and only
/// the kinds with a published PK model may be dosed.
fn resolve_dosed_intervention(path: &str, r: &TableReader<'_>, kind: InterventionKind) -> Result<Option<Intervention>> {
    use crate::pk::inhibitors::{DOSED_KINDS, InhibitorDose, InhibitorRoute};
    let dose_keys = ["route", "mg", "at_h"];
    let Some(first) = dose_keys.iter().find(|k| r.raw(k).is_some()) else { return Ok(None) };
    let names = |kinds: &[InterventionKind]| kinds.iter().map(|k| format!("\"{}\"", k.name())).collect::<Vec<_>>().join(", ");
    if !DOSED_KINDS.contains(&kind) {
        return Err(Error::at_key(
            join(path, first),
            format!(
                "\"{}\" cannot be given as a dose (no published PK model in ketasim); allowed kinds with a dose: {}; otherwise give a window with from_h, to_h and strength",
                kind.name(),
                names(DOSED_KINDS)
            ),
        ));
    }
    if let Some(window) = ["from_h", "to_h", "strength"].iter().find(|k| r.raw(k).is_some()) {
        return Err(Error::at_key(
            join(path, window),
            format!("an intervention given as a dose (route, mg, at_h) takes no `{window}`: its strength follows from its kinetics; give either a dose or a window (from_h, to_h, strength)"),
        ));
    }
    let route = r.choice("route", &InhibitorRoute::ALL)?.ok_or_else(|| {
        Error::at_key(join(path, "route"), "missing required key for a dose: the route, one of \"oral\"")
    })?;
    let mg = r
        .f64_opt("mg")?
        .ok_or_else(|| Error::at_key(join(path, "mg"), "missing required key for a dose: the amount in mg, e.g. mg = 6.0"))?;
    check_dose_amount(&join(path, "mg"), mg, 1000.0, "mg")?;
    let at_h = r.f64_opt("at_h")?.unwrap_or(0.0);
    check_range(&join(path, "at_h"), at_h, -8760.0, 8760.0, false, "h")?;
    let dose = InhibitorDose { kind, route, mg, at_h };
    Ok(Some(Intervention { kind, from_h: at_h, to_h: None, strength: 0.0, dose: Some(dose) }))
}

/// `[circuit]`: the numbers of agents.
fn resolve_circuit(top: &TableReader<'_>) -> Result<Circuit> {
    let mut circuit = Circuit::default();
    if let Some(ct) = top.table_opt("circuit")? {
        let r = TableReader::new("circuit", ct, &["pyramidal_neurons", "interneurons", "spines_per_pyramidal"]);
        r.deny_unknown()?;
        let get = |key: &str, default: u32, max: u64| -> Result<u32> { Ok(r.u64_in(key, default.into(), 1, max)? as u32) };
        circuit.pyramidal_neurons = get("pyramidal_neurons", circuit.pyramidal_neurons, 1_000_000)?;
        circuit.interneurons = get("interneurons", circuit.interneurons, 1_000_000)?;
        circuit.spines_per_pyramidal = get("spines_per_pyramidal", circuit.spines_per_pyramidal, 1_000_000)?;
        let total = circuit.pyramidal_neurons as u64 * circuit.spines_per_pyramidal as u64;
        if total > 50_000_000 {
            return Err(Error::at_key(
                "circuit.spines_per_pyramidal",
                format!("{total} spines in all is more than the supported 50,000,000 (pyramidal_neurons × spines_per_pyramidal)"),
            ));
        }
    }
    Ok(circuit)
}

/// `[numerics]`: the time step and the sampling interval (a whole number of steps; a trace that fits
/// in memory over `duration_h`).
fn resolve_numerics(top: &TableReader<'_>, duration_h: f64) -> Result<Numerics> {
    let mut numerics = Numerics::default();
    if let Some(nt) = top.table_opt("numerics")? {
        let r = TableReader::new("numerics", nt, &["dt_s", "sample_every_min"]);
        r.deny_unknown()?;
        if let Some(dt) = r.f64_opt("dt_s")? {
            // Not below 0.01 s: the step count must stay finite (a subnormal dt_s never ends).
            check_range("numerics.dt_s", dt, 0.01, 60.0, false, "s")?;
            numerics.dt_s = dt;
        }
        if let Some(se) = r.f64_opt("sample_every_min")? {
            check_range("numerics.sample_every_min", se, 0.0, 10080.0, true, "min")?;
            numerics.sample_every_min = se;
        }
    }
    let ratio = numerics.sample_every_min * SECONDS_PER_MINUTE / numerics.dt_s;
    if ratio < 1.0 - 1e-9 || (ratio - ratio.round()).abs() > 1e-6 {
        return Err(Error::at_key(
            "numerics.sample_every_min",
            format!(
                "{} min is not a whole number of steps of dt_s = {} s; choose a multiple of the step",
                numerics.sample_every_min, numerics.dt_s
            ),
        ));
    }
    // The trace is kept in memory until it is written (about 200 bytes a row).
    let rows = duration_h * MINUTES_PER_HOUR / numerics.sample_every_min;
    if rows > MAX_TRACE_ROWS {
        return Err(Error::at_key(
            "numerics.sample_every_min",
            format!(
                "the trace would have {rows:.0} rows (duration_h × 60 / sample_every_min), more than the supported {MAX_TRACE_ROWS:.0}; sample every {:.3} min or more",
                duration_h * MINUTES_PER_HOUR / MAX_TRACE_ROWS
            ),
        ));
    }
    Ok(numerics)
}

/// `[mechanisms]`: the switches of the pathway's branches.
fn resolve_mechanisms(top: &TableReader<'_>) -> Result<Mechanisms> {
    let mut mechanisms = Mechanisms::default();
    if let Some(mt) = top.table_opt("mechanisms")? {
        let r = TableReader::new("mechanisms", mt, &["disinhibition", "eef2k", "hnk"]);
        r.deny_unknown()?;
        mechanisms.disinhibition = r.bool_opt("disinhibition")?.unwrap_or(mechanisms.disinhibition);
        mechanisms.eef2k = r.bool_opt("eef2k")?.unwrap_or(mechanisms.eef2k);
        mechanisms.hnk = r.bool_opt("hnk")?.unwrap_or(mechanisms.hnk);
    }
    Ok(mechanisms)
}

/// `[monitoring]`: the clinic's alarm and discharge thresholds.
fn resolve_monitoring(top: &TableReader<'_>) -> Result<Monitoring> {
    let mut monitoring = Monitoring::default();
    if let Some(mt) = top.table_opt("monitoring")? {
        let keys: Vec<&'static str> = MONITORING_KEYS.iter().map(|k| k.0).collect();
        let r = TableReader::new("monitoring", mt, &keys);
        r.deny_unknown()?;
        for &(key, lo, hi, unit) in MONITORING_KEYS {
            if let Some(v) = r.f64_opt(key)? {
                check_range(&join("monitoring", key), v, lo, hi, false, unit)?;
                *monitoring.slot(key) = v;
            }
        }
    }
    Ok(monitoring)
}

/// `[parameters]`: overrides of the parameter table, each within its validity range; only the ones
/// that differ from their defaults are kept.
fn resolve_parameters(top: &TableReader<'_>) -> Result<BTreeMap<String, f64>> {
    let mut parameters = BTreeMap::new();
    if let Some(pt) = top.table_opt("parameters")? {
        for (k, v) in pt {
            let path = join("parameters", k);
            let Some(info) = params::info(k) else {
                let mut msg = format!("unknown model parameter `{k}`");
                if let Some(s) = did_you_mean(k, params::PARAMETERS.iter().map(|p| p.name)) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                msg.push_str("; `ketasim params` lists every parameter");
                return Err(Error::at_key(path, msg));
            };
            let val = match v {
                Value::Float(f) => *f,
                Value::Integer(i) => *i as f64,
                other => return Err(Error::at_key(path, format!("expected a number, found {}", reader::type_name(other)))),
            };
            check_range(&path, val, info.min, info.max, false, info.unit)?;
            if val != info.default {
                parameters.insert(k.clone(), val);
            }
        }
    }
    Ok(parameters)
}

/// What must fit in memory: the spines the circuit may grow to and the expanded administrations.
fn check_memory(circuit: &Circuit, parameters: &BTreeMap<String, f64>, doses: &[Dose]) -> Result<()> {
    // Crowding lets spines grow to spine_capacity_rel × the reference: that many must fit in memory.
    let capacity = parameters.get("spine_capacity_rel").copied().or(Params::default().get("spine_capacity_rel")).unwrap_or(1.0);
    let most = f64::from(circuit.pyramidal_neurons) * f64::from(circuit.spines_per_pyramidal) * capacity;
    if most > MAX_SPINES_GROWN {
        let key = if parameters.contains_key("spine_capacity_rel") { "parameters.spine_capacity_rel" } else { "circuit.spines_per_pyramidal" };
        return Err(Error::at_key(
            key,
            format!(
                "the circuit could grow to {most:.0} spines (pyramidal_neurons × spines_per_pyramidal × parameters.spine_capacity_rel = {capacity}), more than the supported {MAX_SPINES_GROWN:.0}; use a smaller circuit or a spine_capacity_rel of at most {:.3}",
                (MAX_SPINES_GROWN / (f64::from(circuit.pyramidal_neurons) * f64::from(circuit.spines_per_pyramidal))).max(1.0)
            ),
        ));
    }

    let administrations: u64 = doses.iter().map(|d| u64::from(d.times)).sum();
    if administrations > MAX_ADMINISTRATIONS {
        return Err(Error::at_key(
            "dose",
            format!(
                "the scenario has {administrations} administrations once every `times` is expanded ({} [[dose]] tables), more than the supported {MAX_ADMINISTRATIONS}; use fewer doses or fewer repeats",
                doses.len()
            ),
        ));
    }
    Ok(())
}

fn resolve_dose(path: &str, t: &Table) -> Result<Dose> {
    let r = TableReader::new(path, t, &["drug", "route", "mg_per_kg", "mg", "at_h", "over_min", "every_h", "times"]);
    r.deny_unknown()?;
    let drugs: Vec<(&'static str, Drug)> = Drug::ALL.iter().map(|d| (d.name(), *d)).collect();
    let drug = r.choice("drug", &drugs)?.ok_or_else(|| {
        let names: Vec<String> = drugs.iter().map(|(n, _)| format!("\"{n}\"")).collect();
        let (last, rest) = names.split_last().expect("the catalogue has drugs");
        Error::at_key(join(path, "drug"), format!("missing required key: {} or {last}", rest.join(", ")))
    })?;
    let routes: Vec<(&'static str, Route)> = Route::ALL.iter().map(|r| (r.name(), *r)).collect();
    let route = r
        .choice("route", &routes)?
        .ok_or_else(|| Error::at_key(join(path, "route"), "missing required key: one of \"iv_bolus\", \"iv_infusion\", \"intranasal\", \"oral\", \"sublingual\""))?;
    let allowed = drug.info().routes;
    if !allowed.contains(&route) {
        let names: Vec<String> = allowed.iter().map(|r| format!("\"{}\"", r.name())).collect();
        return Err(Error::at_key(
            join(path, "route"),
            format!("{} cannot be given by \"{}\"; allowed for {}: {}", drug.name(), route.name(), drug.name(), names.join(", ")),
        ));
    }
    let mg_per_kg = r.f64_opt("mg_per_kg")?;
    let mg = r.f64_opt("mg")?;
    match (mg_per_kg, mg) {
        (Some(_), Some(_)) => {
            return Err(Error::at_key(join(path, "mg"), "give exactly one of `mg_per_kg` and `mg`, not both"));
        }
        (None, None) => {
            return Err(Error::at_key(join(path, "mg_per_kg"), "missing dose: give exactly one of `mg_per_kg` and `mg`"));
        }
        (Some(v), None) => check_dose_amount(&join(path, "mg_per_kg"), v, 1000.0, "mg/kg")?,
        (None, Some(v)) => check_dose_amount(&join(path, "mg"), v, 100_000.0, "mg")?,
    }
    let at_h = r.f64_opt("at_h")?.unwrap_or(0.0);
    check_range(&join(path, "at_h"), at_h, 0.0, 8760.0, false, "h")?;
    let over_min = r.f64_opt("over_min")?;
    match (route, over_min) {
        (Route::IvInfusion, None) => {
            return Err(Error::at_key(join(path, "over_min"), "an iv_infusion needs `over_min`, its duration in minutes"));
        }
        // Not below 0.01 min: the rate mg/duration must stay finite (use iv_bolus for a push).
        (Route::IvInfusion, Some(m)) => check_range(&join(path, "over_min"), m, 0.01, 10080.0, false, "min")?,
        (_, Some(_)) => {
            return Err(Error::at_key(
                join(path, "over_min"),
                format!("`over_min` applies only to route \"iv_infusion\", not \"{}\"", route.name()),
            ));
        }
        (_, None) => {}
    }
    let times = r.u64_in("times", 1, 1, 10_000)? as u32;
    let every_h = r.f64_opt("every_h")?;
    if let Some(e) = every_h {
        check_range(&join(path, "every_h"), e, 0.0, 8760.0, true, "h")?;
        if let Some(m) = over_min
            && m / MINUTES_PER_HOUR > e
        {
            return Err(Error::at_key(
                join(path, "every_h"),
                format!("repeats every {e} h but each infusion lasts {m} min: infusions of one [[dose]] must not overlap"),
            ));
        }
    } else if times > 1 {
        return Err(Error::at_key(join(path, "every_h"), format!("`times = {times}` needs `every_h`, the interval between administrations")));
    }
    Ok(Dose { drug, route, mg_per_kg, mg, at_h, over_min, every_h, times })
}

fn check_dose_amount(key: &str, v: f64, max: f64, unit: &str) -> Result<()> {
    if v.is_finite() && v < 0.0 {
        return Err(Error::at_key(key, format!("a dose cannot be negative (found {v}); allowed: 0 to {max} {unit}")));
    }
    check_range(key, v, 0.0, max, false, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_intervention_indexes_its_place_in_all() {
        for (i, (name, kind)) in InterventionKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
            assert_eq!(kind.name(), *name);
        }
    }

    fn minimal() -> Table {
        r#"
name = "t"
duration_h = 10.0
[subject]
weight_kg = 70.0
state = "healthy"
[[dose]]
drug = "ketamine"
route = "iv_infusion"
mg_per_kg = 0.5
over_min = 40.0
"#
        .parse()
        .unwrap()
    }

    #[test]
    fn resolves_defaults() {
        let sc = resolve(&minimal()).unwrap();
        assert_eq!(sc.numerics.dt_s, 10.0);
        assert_eq!(sc.circuit.pyramidal_neurons, 100);
        assert_eq!(sc.doses[0].amount_mg(70.0), 35.0);
        assert!(sc.classify(&sc.doses[0]).low_dose);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(2450.0, 1), "2,450");
        assert_eq!(grouped(1234567.25, 2), "1,234,567.25");
        assert_eq!(grouped(0.35, 4), "0.35");
        assert_eq!(grouped(35.0, 4), "35");
        assert_eq!(grouped(-1000.0, 0), "-1,000");
    }

    #[test]
    fn set_overrides_and_errors() {
        let mut t = minimal();
        apply_set(&mut t, "dose.0.mg_per_kg=0.25").unwrap();
        apply_set(&mut t, "circuit.interneurons=50").unwrap();
        apply_set(&mut t, "dose.0.route=iv_bolus").unwrap();
        apply_set(&mut t, "dose.0.over_min=5").unwrap();
        let err = resolve(&t).unwrap_err().to_string();
        assert!(err.contains("over_min"), "{err}");
        let err = apply_set(&mut t, "dose.3.mg=1").unwrap_err().to_string();
        assert!(err.contains("out of range"), "{err}");
        // The failed set left the table as it was.
        assert!(t.contains_key("dose"));
    }
}
