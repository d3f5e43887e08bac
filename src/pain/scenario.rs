//! `[pain]`, `[[pain.morphine]]` and `[pca]`: the pain condition, the opioid doses and the
//! patient-controlled analgesia pump of a scenario (format in `docs/scenario.md`).
//!
//! Errors use the scenario's style: the key path (the caller adds the file and line:col) and what
//! is allowed. `condition = "none"` (the default, and the absence of `[pain]`) turns the pain
//! model off entirely.

use serde::Serialize;
use toml::Table;

use crate::error::{Error, Result};
use crate::scenario::reader::{TableReader, check_range, join};
use crate::units::{MINUTES_PER_HOUR, SECONDS_PER_MINUTE};

/// The pain condition of a scenario (`[pain] condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// No pain model: nothing of src/pain runs and every output is unchanged.
    None,
    /// Surgery: incisional C-fibre barrage that heals over days.
    Postoperative,
    /// Peripheral neuropathic pain: ongoing ectopic C-fibre input.
    Neuropathic,
    /// Complex regional pain syndrome: ongoing input and a maintained central sensitization.
    Crps,
    /// Healthy volunteer, repetitive stimulation only (temporal summation tests).
    Experimental,
}

/// Every condition, with its name as scenarios spell it.
pub const CONDITIONS: [(&str, Condition); 5] = [
    ("none", Condition::None),
    ("postoperative", Condition::Postoperative),
    ("neuropathic", Condition::Neuropathic),
    ("crps", Condition::Crps),
    ("experimental", Condition::Experimental),
];

impl Condition {
    /// The condition's name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        CONDITIONS.iter().find(|(_, c)| *c == self).map_or("?", |(n, _)| *n)
    }
}

/// Route of a scheduled morphine dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MorphineRoute {
    /// Intravenous bolus.
    IvBolus,
    /// Intravenous infusion over `over_min`.
    IvInfusion,
    /// Oral (absorbed from a depot, with the oral bioavailability).
    Oral,
}

/// Every morphine route, with its name as scenarios spell it.
pub const MORPHINE_ROUTES: [(&str, MorphineRoute); 3] =
    [("iv_bolus", MorphineRoute::IvBolus), ("iv_infusion", MorphineRoute::IvInfusion), ("oral", MorphineRoute::Oral)];

impl MorphineRoute {
    /// The route's name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        MORPHINE_ROUTES.iter().find(|(_, r)| *r == self).map_or("?", |(n, _)| *n)
    }
}

/// One scheduled morphine dose (`[[pain.morphine]]`), repeated `times` every `every_h`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MorphineDose {
    /// Route of administration.
    pub route: MorphineRoute,
    /// Amount of one administration, mg.
    pub mg: f64,
    /// Time of the first administration, h.
    pub at_h: f64,
    /// Infusion duration, min (`iv_infusion` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_min: Option<f64>,
    /// Interval between administrations, h (set when `times > 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every_h: Option<f64>,
    /// Number of administrations.
    pub times: u32,
}

/// The repetitive-stimulation protocol (temporal summation): trains of `pulses` C-fibre
/// stimuli at `hz`, one train every `every_min`, from `from_h` to `to_h`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stimulation {
    /// Pulse frequency within a train, Hz.
    pub hz: f64,
    /// Pulses per train.
    pub pulses: u32,
    /// Interval between train starts, min.
    pub every_min: f64,
    /// First train at, h.
    pub from_h: f64,
    /// No train starts at or after this, h.
    pub to_h: f64,
}

/// `[pain]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PainSetup {
    /// The pain condition (`None` turns the pain model off).
    pub condition: Condition,
    /// WDR projection neurons and inhibitory interneurons (agents).
    pub wdr_neurons: u32,
    /// Inhibitory dorsal-horn interneurons (agents).
    pub inhibitory_interneurons: u32,
    /// Drug-free pain at rest at t = 0 (NRS 0-10) that the ongoing C-fibre input is set to produce
    /// (neuropathic, crps; 0 elsewhere by default).
    pub baseline_nrs: f64,
    /// Start and duration of surgery, h; severity 0-1 scales the incisional input (postoperative).
    pub surgery_at_h: f64,
    /// Duration of surgery, h.
    pub surgery_duration_h: f64,
    /// Severity of surgery, 0–1: scales the incisional C-fibre input.
    pub surgery_severity: f64,
    /// Tolerance carried into the run by chronic opioid use (0 = opioid-naive): the analgesic
    /// C50 is multiplied by 1 + this (opioid-tolerant patients).
    pub preop_opioid_tolerance: f64,
    /// Repetitive C-fibre stimulation (`[pain.stimulation]`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stimulation: Option<Stimulation>,
    /// Scheduled morphine doses (`[[pain.morphine]]`), in file order.
    #[serde(rename = "morphine", skip_serializing_if = "Vec::is_empty")]
    pub morphine: Vec<MorphineDose>,
}

impl Default for PainSetup {
    fn default() -> Self {
        Self {
            condition: Condition::None,
            wdr_neurons: 40,
            inhibitory_interneurons: 20,
            baseline_nrs: 0.0,
            surgery_at_h: 1.0,
            surgery_duration_h: 2.0,
            surgery_severity: 1.0,
            preop_opioid_tolerance: 0.0,
            stimulation: None,
            morphine: Vec::new(),
        }
    }
}

impl PainSetup {
    /// Whether the pain model is off (`condition = "none"`).
    pub fn is_none(&self) -> bool {
        self.condition == Condition::None
    }
}

/// `[pca]`: patient-controlled analgesia with IV morphine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pca {
    /// Morphine given per granted demand, mg IV.
    pub bolus_mg: f64,
    /// Lockout after a dose given, during which demands are refused, min.
    pub lockout_min: f64,
    /// Most morphine given in any 1-h window and in any 4-h window (0 = no limit).
    pub limit_1h_mg: f64,
    /// Most morphine given in any 4-h window, mg (0 = no limit).
    pub limit_4h_mg: f64,
    /// The virtual patient presses while pain at rest is at least this (NRS)...
    pub demand_nrs: f64,
    /// ...at most once every `retry_min` minutes.
    pub retry_min: f64,
    /// The pump is connected from this time (default: end of surgery) to `to_h`.
    pub from_h: f64,
    /// The pump is disconnected at this time, h.
    pub to_h: f64,
}

/// Read `[pain]` (and `[[pain.morphine]]`) through the scenario's top-level reader; absent →
/// condition none.
pub fn resolve_pain(top: &TableReader<'_>) -> Result<PainSetup> {
    let mut s = PainSetup::default();
    let Some(t) = top.table_opt("pain")? else { return Ok(s) };
    let r = TableReader::new(
        "pain",
        t,
        &[
            "condition",
            "wdr_neurons",
            "inhibitory_interneurons",
            "baseline_nrs",
            "surgery_at_h",
            "surgery_duration_h",
            "surgery_severity",
            "preop_opioid_tolerance",
            "stimulation",
            "morphine",
        ],
    );
    r.deny_unknown()?;
    s.condition = r.choice("condition", &CONDITIONS)?.unwrap_or(Condition::None);
    s.wdr_neurons = r.u64_in("wdr_neurons", s.wdr_neurons.into(), 1, 100_000)? as u32;
    s.inhibitory_interneurons = r.u64_in("inhibitory_interneurons", s.inhibitory_interneurons.into(), 1, 100_000)? as u32;
    let default_nrs = match s.condition {
        Condition::Neuropathic => 6.0,
        Condition::Crps => 7.0,
        _ => 0.0,
    };
    s.baseline_nrs = r.f64_in("baseline_nrs", default_nrs, 0.0, 9.5, "NRS points")?;
    s.surgery_at_h = r.f64_in("surgery_at_h", s.surgery_at_h, 0.0, 8760.0, "h")?;
    s.surgery_duration_h = r.f64_in("surgery_duration_h", s.surgery_duration_h, 0.0, 48.0, "h")?;
    s.surgery_severity = r.f64_in("surgery_severity", s.surgery_severity, 0.0, 1.0, "(fraction of a major operation)")?;
    s.preop_opioid_tolerance = r.f64_in("preop_opioid_tolerance", 0.0, 0.0, 20.0, "(C50 multiplier minus 1)")?;
    if let Some(st) = r.table_opt("stimulation")? {
        s.stimulation = Some(resolve_stimulation(st)?);
    }
    for (i, dt) in r.tables("morphine")?.into_iter().enumerate() {
        s.morphine.push(resolve_morphine(&format!("pain.morphine.{i}"), dt)?);
    }
    if s.condition == Condition::None && (s.stimulation.is_some() || !s.morphine.is_empty()) {
        return Err(Error::at_key(
            "pain.condition",
            "stimulation and morphine need a pain model: set condition to \"postoperative\", \"neuropathic\", \"crps\" or \"experimental\"",
        ));
    }
    Ok(s)
}

/// `[pain.stimulation]`: trains of pulses that must not overlap.
fn resolve_stimulation(t: &Table) -> Result<Stimulation> {
    let sr = TableReader::new("pain.stimulation", t, &["hz", "pulses", "every_min", "from_h", "to_h"]);
    sr.deny_unknown()?;
    let hz = sr.f64_req("hz", "stimulation frequency in Hz, e.g. hz = 1.0")?;
    check_range("pain.stimulation.hz", hz, 0.01, 20.0, false, "Hz")?;
    let pulses = sr.u64_in("pulses", 10, 1, 1000)? as u32;
    let every_min = sr.f64_in("every_min", 10.0, 0.1, 10080.0, "min")?;
    if (pulses as f64 - 1.0) / hz > every_min * SECONDS_PER_MINUTE {
        return Err(Error::at_key(
            "pain.stimulation.every_min",
            format!("a train of {pulses} pulses at {hz} Hz lasts longer than {every_min} min: trains must not overlap"),
        ));
    }
    let from_h = sr.f64_in("from_h", 0.0, 0.0, 8760.0, "h")?;
    let to_h = sr.f64_opt("to_h")?.unwrap_or(f64::INFINITY);
    if to_h <= from_h {
        return Err(Error::at_key("pain.stimulation.to_h", format!("must be after from_h ({from_h} h), found {to_h}")));
    }
    Ok(Stimulation { hz, pulses, every_min, from_h, to_h })
}

/// One `[[pain.morphine]]` at `path`.
fn resolve_morphine(path: &str, t: &Table) -> Result<MorphineDose> {
    let r = TableReader::new(path, t, &["route", "mg", "at_h", "over_min", "every_h", "times"]);
    r.deny_unknown()?;
    let route = r
        .choice("route", &MORPHINE_ROUTES)?
        .ok_or_else(|| Error::at_key(join(path, "route"), "missing required key: \"iv_bolus\", \"iv_infusion\" or \"oral\""))?;
    let mg = r.f64_req("mg", "morphine in mg, e.g. mg = 5.0")?;
    check_range(&join(path, "mg"), mg, 0.0, 5000.0, false, "mg")?;
    let at_h = r.f64_in("at_h", 0.0, 0.0, 8760.0, "h")?;
    let over_min = r.f64_opt("over_min")?;
    match (route, over_min) {
        (MorphineRoute::IvInfusion, None) => {
            return Err(Error::at_key(join(path, "over_min"), "an iv_infusion needs `over_min`, its duration in minutes"));
        }
        (MorphineRoute::IvInfusion, Some(m)) => check_range(&join(path, "over_min"), m, 0.01, 10080.0, false, "min")?,
        (_, Some(_)) => {
            return Err(Error::at_key(join(path, "over_min"), format!("`over_min` applies only to route \"iv_infusion\", not \"{}\"", route.name())));
        }
        _ => {}
    }
    let times = r.u64_in("times", 1, 1, 10_000)? as u32;
    let every_h = r.f64_opt("every_h")?;
    if let Some(e) = every_h {
        check_range(&join(path, "every_h"), e, 0.0, 8760.0, true, "h")?;
        if over_min.is_some_and(|m| m / MINUTES_PER_HOUR > e) {
            return Err(Error::at_key(join(path, "every_h"), "infusions of one [[pain.morphine]] must not overlap"));
        }
    } else if times > 1 {
        return Err(Error::at_key(join(path, "every_h"), format!("`times = {times}` needs `every_h`, the interval between doses")));
    }
    Ok(MorphineDose { route, mg, at_h, over_min, every_h, times })
}

/// Read `[pca]` through the scenario's top-level reader; absent → no pump. The pump needs a pain
/// condition.
pub fn resolve_pca(top: &TableReader<'_>, pain: &PainSetup) -> Result<Option<Pca>> {
    let Some(t) = top.table_opt("pca")? else { return Ok(None) };
    if pain.condition == Condition::None {
        return Err(Error::at_key("pca", "a PCA pump needs a pain model: set [pain] condition to \"postoperative\", \"neuropathic\", \"crps\" or \"experimental\""));
    }
    let r = TableReader::new("pca", t, &["bolus_mg", "lockout_min", "limit_1h_mg", "limit_4h_mg", "demand_nrs", "retry_min", "from_h", "to_h"]);
    r.deny_unknown()?;
    let default_from = if pain.condition == Condition::Postoperative { pain.surgery_at_h + pain.surgery_duration_h } else { 0.0 };
    let from_h = r.f64_in("from_h", default_from, 0.0, 8760.0, "h")?;
    let to_h = r.f64_opt("to_h")?.unwrap_or(f64::INFINITY);
    if to_h <= from_h {
        return Err(Error::at_key("pca.to_h", format!("must be after from_h ({from_h} h), found {to_h}")));
    }
    Ok(Some(Pca {
        bolus_mg: r.f64_in("bolus_mg", 1.0, 0.0, 50.0, "mg IV morphine")?,
        lockout_min: r.f64_in("lockout_min", 6.0, 0.0, 240.0, "min")?,
        limit_1h_mg: r.f64_in("limit_1h_mg", 0.0, 0.0, 1000.0, "mg (0 = no limit)")?,
        limit_4h_mg: r.f64_in("limit_4h_mg", 0.0, 0.0, 1000.0, "mg (0 = no limit)")?,
        demand_nrs: r.f64_in("demand_nrs", 4.0, 0.0, 10.0, "NRS points")?,
        retry_min: r.f64_in("retry_min", 10.0, 0.1, 1440.0, "min")?,
        from_h,
        to_h,
    }))
}
