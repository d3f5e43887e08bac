//! Clinical read-outs: vital signs, dissociation, the monitoring protocol, and depressive symptoms.
//!
//! # Acute effects (effect compartments with memory)
//! `C` is the racemic-ketamine-equivalent brain concentration in ng/mL (`clinical_um · 237.73`:
//! each drug weighted by its clinical potency from the drug catalogue — racemate + 2 × S-ketamine +
//! 0.36 × R-ketamine + ¼ × norketamine by default). Dissociation (`d`) and the pressor response
//! (`p`: blood pressure and heart rate) each have their own effect compartment `Ce_x`, a tolerance
//! compartment `T_x` that follows it (acute tolerance: the EC50 rises while the drug is there, so
//! the effect falls faster than the concentration — clockwise hysteresis), and dissociation a slow
//! between-session attenuation `A` driven by its own exposure:
//!
//! ```text
//! dCe_x/dt = ke0_x · (C − Ce_x)
//! dT_x/dt  = ktol_x · (Ce_x − T_x)
//! dA/dt    = g_A · Ce_d / EC50_CADSS − A · ln 2 / t½_A
//! H(C; EC50, n) = C^n / (C^n + EC50^n)
//! SBP   = SBP0 + min(s_bp · f_k · Emax_SBP · H(Ce_p; EC50_BP · (1 + T_p/K_p), n_BP), c_P · SBP0)   DBP likewise
//! HR    = HR0  + s_hr · Emax_HR  · H(Ce_p; EC50_HR · (1 + T_p/K_p), n_HR)
//! SpO2  = SpO2_0 − Emax_SpO2 · H(C; EC50_SpO2, n_SpO2)      (only anaesthetic exposure; no memory)
//! CADSS = min(92, s_cadss · 92 · H(Ce_d; EC50_CADSS · (1 + T_d/K_d), n_CADSS) / (1 + A))
//! ```
//!
//! Every step integrates the compartments exactly for the step's end-of-step `C` (exponential
//! steps, unconditionally stable). The sensitivities `s` are the subject's (log-normal, mean 1,
//! drawn once per run from the seed); `f_k` is the pressor factor of session `k` (the most recent
//! administration; log-normal, mean 1, CV `response_cv_blood_pressure_session`): a large rise may
//! come at any session, even after small ones (Spravato label). The rise has a ceiling, `c_P`
//! (`pressor_ceiling_frac_of_baseline`) times the pre-drug pressure: the pressor response is a
//! sympathetic one with a physiological maximum, which the log-normal tails of `s_bp · f_k` would
//! otherwise exceed (a product of two such factors reaches 15× its mean in one of 10⁴ draws).
//! [`vitals`] is the memoryless steady state (every compartment equilibrated, no tolerance), kept
//! for callers that need only SpO2.
//!
//! # Depressive symptoms (phenomenological)
//! MADRS falls with an acute component, the relative excess of synaptic protein over its pre-dose
//! level (new synaptic proteins within hours, Li 2010), and a sustained one, the gain of spine
//! density over its pre-dose level (days, Moda-Sava 2019):
//!
//! ```text
//! x     = w_P · max(P/P0 − 1, 0) + w_S · max(D − D0, 0)
//! I     = I_max · (1 − exp(−x / I_max))          (≈ x when small; never beyond I_max)
//! MADRS = MADRS0 · (1 − I)
//! ```
//!
//! This is a read-out, not a mechanism: it assumes that symptom relief is proportional to these
//! synaptic changes and calibrates the weights to the clinical course (Murrough 2013; Kishimoto 2016).

use bevy_ecs::prelude::*;
use rand_distr::Distribution;
use serde::Serialize;

use crate::params::Params;
use crate::pathway::hill;
use crate::pk::KETAMINE_G_PER_MOL;
use crate::readout::Event;
use crate::rng::{self, Purpose};
use crate::scenario::{Monitoring, Subject};
use crate::units::{HOURS_PER_DAY, MINUTES_PER_HOUR};

/// The subject's response sensitivities (mean 1 across subjects).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Multiplier of the blood-pressure rise (systolic and diastolic).
    pub blood_pressure: f64,
    /// Multiplier of the heart-rate rise.
    pub heart_rate: f64,
    /// Multiplier of dissociation (CADSS).
    pub dissociation: f64,
}

impl Sensitivity {
    /// Every sensitivity exactly 1 (the typical subject).
    pub const TYPICAL: Sensitivity = Sensitivity { blood_pressure: 1.0, heart_rate: 1.0, dissociation: 1.0 };

    /// Draw the subject's sensitivities from its own stream (seed, subject 0, variability).
    pub fn draw(seed: u64, p: &Params) -> Self {
        let mut r = rng::stream(seed, 0, Purpose::SubjectVariability);
        let mut factor = |cv: f64| rng::mean_one_lognormal(cv).map_or(1.0, |d| d.sample(&mut r));
        Self {
            blood_pressure: factor(p.response_cv_blood_pressure),
            heart_rate: factor(p.response_cv_heart_rate),
            dissociation: factor(p.response_cv_dissociation),
        }
    }
}

/// Vital signs and dissociation at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Vitals {
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: f64,
    /// Diastolic blood pressure, mmHg.
    pub dbp_mmhg: f64,
    /// Heart rate, beats per minute.
    pub hr_bpm: f64,
    /// Oxygen saturation, %.
    pub spo2_pct: f64,
    /// Dissociation, CADSS points (0–92).
    pub dissociation_cadss: f64,
}

/// Racemic-equivalent effect-site concentration (ng/mL) from the clinical drive (µM; each drug
/// weighted by its clinical potency from the drug catalogue).
#[inline]
pub fn effect_ng_ml(blocker_um: f64) -> f64 {
    blocker_um * KETAMINE_G_PER_MOL
}

/// Vitals of `subject` at racemic-equivalent concentration `c_ng_ml` with every effect compartment
/// equilibrated and no tolerance (the memoryless steady state).
pub fn vitals(c_ng_ml: f64, subject: &Subject, s: &Sensitivity, p: &Params) -> Vitals {
    let state = AcuteState { ce_dissociation_ng_ml: c_ng_ml, ce_pressor_ng_ml: c_ng_ml, ..AcuteState::default() };
    state.vitals(c_ng_ml, subject, s, 1.0, p)
}

/// The memory of the acute effects: effect compartments, acute tolerance and the between-session
/// attenuation of dissociation (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct AcuteState {
    /// Dissociation effect compartment `Ce_d`, ng/mL racemic-equivalent.
    pub ce_dissociation_ng_ml: f64,
    /// Dissociation tolerance compartment `T_d`, ng/mL racemic-equivalent.
    pub tolerance_dissociation_ng_ml: f64,
    /// Pressor (BP and HR) effect compartment `Ce_p`, ng/mL racemic-equivalent.
    pub ce_pressor_ng_ml: f64,
    /// Pressor tolerance compartment `T_p`, ng/mL racemic-equivalent.
    pub tolerance_pressor_ng_ml: f64,
    /// Between-session attenuation of dissociation `A` (the effect is divided by `1 + A`).
    pub attenuation: f64,
}

/// `x ← target + (x − target) · exp(−k · dt)`: the exact step of `dx/dt = k (target − x)`, the
/// pathway's [`crate::pathway::relax_by`] with a rate instead of a time constant.
#[inline]
fn relax(x: f64, target: f64, k_per_h: f64, dt_h: f64) -> f64 {
    crate::pathway::relax_by(x, target, crate::math::exp(-k_per_h * dt_h))
}

impl AcuteState {
    /// Advance every compartment by `dt_h` hours with the brain concentration `c_ng_ml` (held over
    /// the step). Exact for a constant `c_ng_ml`; `dt_h = 0` changes nothing.
    pub fn advance(&mut self, c_ng_ml: f64, dt_h: f64, p: &Params) {
        if dt_h <= 0.0 {
            return;
        }
        let ce_d0 = self.ce_dissociation_ng_ml;
        self.ce_dissociation_ng_ml = relax(ce_d0, c_ng_ml, p.dissociation_ke0_per_h, dt_h);
        self.tolerance_dissociation_ng_ml =
            relax(self.tolerance_dissociation_ng_ml, self.ce_dissociation_ng_ml, p.dissociation_tolerance_per_h, dt_h);
        self.ce_pressor_ng_ml = relax(self.ce_pressor_ng_ml, c_ng_ml, p.pressor_ke0_per_h, dt_h);
        self.tolerance_pressor_ng_ml = relax(self.tolerance_pressor_ng_ml, self.ce_pressor_ng_ml, p.pressor_tolerance_per_h, dt_h);
        // Attenuation: driven by the mean of Ce_d over the step (trapezoid), decaying with its half-life.
        let k = std::f64::consts::LN_2 / p.dissociation_attenuation_half_life_h;
        let drive = p.dissociation_attenuation_per_h * 0.5 * (ce_d0 + self.ce_dissociation_ng_ml) / p.cadss_ec50_ng_ml;
        self.attenuation = relax(self.attenuation, drive / k, k, dt_h);
    }

    /// Vitals of `subject` in this state; `c_ng_ml` (the brain concentration now) drives SpO2,
    /// `session_bp` is the pressor factor of the current session.
    pub fn vitals(&self, c_ng_ml: f64, subject: &Subject, s: &Sensitivity, session_bp: f64, p: &Params) -> Vitals {
        let shift_p = 1.0 + self.tolerance_pressor_ng_ml / p.pressor_tolerance_ng_ml;
        let shift_d = 1.0 + self.tolerance_dissociation_ng_ml / p.dissociation_tolerance_ng_ml;
        let ce_p = self.ce_pressor_ng_ml;
        let bp = hill(ce_p, p.bp_ec50_ng_ml * shift_p, p.bp_hill) * s.blood_pressure * session_bp;
        let cadss = 92.0 * s.dissociation * hill(self.ce_dissociation_ng_ml, p.cadss_ec50_ng_ml * shift_d, p.cadss_hill) / (1.0 + self.attenuation);
        Vitals {
            sbp_mmhg: subject.sbp_mmhg + (p.sbp_emax_mmhg * bp).min(p.pressor_ceiling_frac_of_baseline * subject.sbp_mmhg),
            dbp_mmhg: subject.dbp_mmhg + (p.dbp_emax_mmhg * bp).min(p.pressor_ceiling_frac_of_baseline * subject.dbp_mmhg),
            hr_bpm: subject.hr_bpm + p.hr_emax_bpm * s.heart_rate * hill(ce_p, p.hr_ec50_ng_ml * shift_p, p.hr_hill),
            spo2_pct: subject.spo2_pct - p.spo2_emax_pct * hill(c_ng_ml, p.spo2_ec50_ng_ml, p.spo2_hill),
            dissociation_cadss: cadss.min(92.0),
        }
    }
}

/// When blood pressure is measured after an administration, h after its start: about 40 min (the
/// Spravato label: "reassess blood pressure at approximately 40 minutes", the time of the peak)
/// and 1.5 h (the label's large rises are counted "in the first 1.5 hours after administration").
/// With the pre-dose reading, the label's measurement times; [`BpReading`] records the model's
/// pressure at each.
pub const BP_CHECK_AFTER_H: [f64; 2] = [40.0 / MINUTES_PER_HOUR, 1.5];

/// The model's (noiseless) blood pressure at one of the label's measurement times of one
/// administration given: pre-dose (`after_h` = 0: the vitals at the start of the step in which the
/// dose starts, before it) or [`BP_CHECK_AFTER_H`] after its start (the first step end at or after
/// that time). A trial adds the reading noise to these (`cohort::bp`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BpReading {
    /// Index of the administration in the scenario's list (`Scenario::administrations`).
    pub administration: usize,
    /// Time after the start of the administration, h (0: the pre-dose reading).
    pub after_h: f64,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: f64,
    /// Diastolic blood pressure, mmHg.
    pub dbp_mmhg: f64,
}

/// The pressor factor of each session: one log-normal draw (mean 1, CV
/// `response_cv_blood_pressure_session`) per planned administration, from the subject's stream
/// (seed, administration index + 1, variability); the factor of the most recent administration
/// started applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionFactors {
    /// (start of the administration, h; its pressor factor), in time order.
    pub starts: Vec<(f64, f64)>,
}

impl SessionFactors {
    /// Draw one factor per administration start in `starts_h` (in time order).
    pub fn draw(seed: u64, starts_h: &[f64], p: &Params) -> Self {
        let d = rng::mean_one_lognormal(p.response_cv_blood_pressure_session);
        let starts = starts_h
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                let mut r = rng::stream(seed, k as u64 + 1, Purpose::SubjectVariability);
                (t, d.as_ref().map_or(1.0, |d| d.sample(&mut r)))
            })
            .collect();
        Self { starts }
    }

    /// The factor at `t_h`: that of the last administration started by then (1 before the first).
    pub fn at(&self, t_h: f64) -> f64 {
        self.starts.iter().take_while(|(t, _)| *t <= t_h + 1e-9).last().map_or(1.0, |&(_, f)| f)
    }
}

/// The two parts of the antidepressant drive `x` of [`madrs`]: (protein part
/// `w_P · max(P/P0 − 1, 0)`, spine part `w_S · max(D − D0, 0)`). Their shares say which synaptic
/// change carries the effect at a time (the sustained effect is the spines', Moda-Sava 2019).
pub fn madrs_drive_parts(protein_rel: f64, protein0: f64, density: f64, density0: f64, p: &Params) -> (f64, f64) {
    (p.madrs_protein_weight * (protein_rel / protein0 - 1.0).max(0.0), p.madrs_spine_weight * (density - density0).max(0.0))
}

/// MADRS from its baseline, the relative protein excess and the spine-density gain.
pub fn madrs(madrs0: f64, protein_rel: f64, protein0: f64, density: f64, density0: f64, p: &Params) -> f64 {
    let (protein_part, spine_part) = madrs_drive_parts(protein_rel, protein0, density, density0, p);
    let x = protein_part + spine_part;
    let improvement = p.madrs_max_improvement * -crate::math::exp_m1(-x / p.madrs_max_improvement);
    madrs0 * (1.0 - improvement)
}

/// The subject as the clinical read-outs see it: baseline vitals, sensitivities, and the pre-dose
/// references of MADRS (set at the first, zero-length step).
#[derive(Resource, Debug, Clone)]
pub struct Patient {
    /// The subject (baseline vitals, MADRS at baseline).
    pub subject: Subject,
    /// Response sensitivities, drawn once per run.
    pub sensitivity: Sensitivity,
    /// The pressor factor of each session.
    pub sessions: SessionFactors,
    /// The memory of the acute effects (effect compartments, tolerance, attenuation).
    pub acute: AcuteState,
    /// Healthy drug-free spines per neuron (`circuit.spines_per_pyramidal`).
    pub reference_spines_per_neuron: f64,
    /// Pre-dose (synaptic protein, spine density): the MADRS reference.
    pub madrs_reference: Option<(f64, f64)>,
}

impl Patient {
    /// Vitals in the current acute state at run time `t_h` with brain concentration `c_ng_ml`.
    pub fn current_vitals(&self, c_ng_ml: f64, t_h: f64, p: &Params) -> Vitals {
        self.acute.vitals(c_ng_ml, &self.subject, &self.sensitivity, self.sessions.at(t_h), p)
    }
}

/// The clinical read-outs of this step (the module's output).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct ClinicalReadout {
    /// Vital signs and dissociation.
    pub vitals: Vitals,
    /// Depressive symptoms, MADRS points.
    pub madrs: f64,
}

/// Register the clinical read-out: its output resource and its system in the `Readout` set. The
/// [`Patient`] resource comes with the scenario (`sim.rs`).
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.init_resource::<ClinicalReadout>();
    schedule.add_systems(readout.in_set(crate::pathway::Readout));
}

/// Vitals and MADRS of this step. Reads `Clock`, `Exposure`, `Model`, `ProteinMean`, `SpineMeans`
/// and, when the pain module runs, `RespiratoryDepression`; advances `Patient::acute` over the step;
/// writes `ClinicalReadout` (and, at the first step, `Patient::madrs_reference`).
#[allow(clippy::too_many_arguments)]
pub fn readout(
    clock: Res<crate::pathway::Clock>,
    exposure: Res<crate::pathway::Exposure>,
    model: Res<crate::pathway::Model>,
    protein: Res<crate::pathway::protein::ProteinMean>,
    spines: Res<crate::pathway::synaptogenesis::SpineMeans>,
    mut patient: ResMut<Patient>,
    respiratory: Option<Res<crate::pain::RespiratoryDepression>>,
    mut out: ResMut<ClinicalReadout>,
) {
    let p = &model.0;
    let density = spines.spines_per_neuron / patient.reference_spines_per_neuron;
    let (protein0, density0) = *patient.madrs_reference.get_or_insert((protein.0, density));
    let c = effect_ng_ml(exposure.clinical_um);
    patient.acute.advance(c, clock.dt_h, p);
    let t_end_h = clock.t_h + clock.dt_h;
    let mut vitals = patient.current_vitals(c, t_end_h, p);
    // An opioid's respiratory depression (the pain module, when it runs) lowers SpO2.
    if let Some(r) = respiratory {
        vitals.spo2_pct -= r.0;
    }
    let madrs = madrs(patient.subject.madrs, protein.0, protein0, density, density0, p);
    *out = ClinicalReadout { vitals, madrs };
}

/// Run time (h) of the midnight that ends the day of `t_h`, when t = 0 is `start_clock_h` o'clock.
pub fn end_of_day_h(t_h: f64, start_clock_h: f64) -> f64 {
    ((start_clock_h + t_h) / HOURS_PER_DAY).floor() * HOURS_PER_DAY + HOURS_PER_DAY - start_clock_h
}

/// Clock time of run time `t_h` when t = 0 is `start_clock_h` o'clock: `"21:40"`, `"03:40 the
/// next day"`, `"09:00 on day 3"` (the day of t = 0 is day 1).
pub fn clock_text(t_h: f64, start_clock_h: f64) -> String {
    let minutes = ((start_clock_h + t_h) * MINUTES_PER_HOUR).round() as i64;
    let (day, in_day) = (minutes.div_euclid(24 * 60), minutes.rem_euclid(24 * 60));
    let hm = format!("{:02}:{:02}", in_day / 60, in_day % 60);
    match day {
        0 => hm,
        1 => format!("{hm} the next day"),
        d => format!("{hm} on day {}", d + 1),
    }
}

/// The time `t = X h` an event's detail starts with (`no_driving_until`), if any.
pub fn time_in_detail(detail: &str) -> Option<f64> {
    detail.strip_prefix("t = ")?.split_whitespace().next()?.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// When the patient may drive again after a discharge: fit to drive (`fit_h`) once the drug
/// effect has worn off — the effect-site concentration and dissociation stay below the
/// fit-to-drive limits (`effect_below_h`; `None` if not within the look-ahead) — and no sooner
/// after the end of the last administration than driving was shown unimpaired (`not_before_h`);
/// and never before the clinic's rule, the end of the calendar day of the discharge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoDriving {
    /// No driving until this run time, h (`None`: the effect lasts beyond the look-ahead).
    pub until_h: Option<f64>,
    /// Fit to drive by the drug's rule, h.
    pub fit_h: Option<f64>,
    /// When the drug effect is below the fit-to-drive limits, h.
    pub effect_below_h: Option<f64>,
    /// The end of the last administration plus `driving_reference_after_h`, h.
    pub not_before_h: f64,
    /// The clinic's rule: the midnight ending the day of the discharge, h.
    pub end_of_day_h: f64,
    /// The fit-to-drive limit of the effect-site concentration, ng/mL racemic-equivalent.
    pub limit_ng_ml: f64,
}

impl NoDriving {
    /// Combine the drug's and the clinic's rule.
    pub fn new(effect_below_h: Option<f64>, not_before_h: f64, end_of_day_h: f64, limit_ng_ml: f64) -> Self {
        let fit_h = effect_below_h.map(|f| f.max(not_before_h));
        Self { until_h: fit_h.map(|f| f.max(end_of_day_h)), fit_h, effect_below_h, not_before_h, end_of_day_h, limit_ng_ml }
    }
}

/// How far after a discharge the fit-to-drive time is looked for, h.
pub const LOOK_AHEAD_H: f64 = 48.0;

/// Which vital an alarm is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vital {
    Sbp,
    Dbp,
    Hr,
    Spo2,
}

const VITALS: [Vital; 4] = [Vital::Sbp, Vital::Dbp, Vital::Hr, Vital::Spo2];

impl Vital {
    /// (is the value out of bounds, description) for the alarm thresholds.
    fn check(self, v: &Vitals, m: &Monitoring) -> (bool, String) {
        match self {
            Vital::Sbp => (v.sbp_mmhg > m.alarm_sbp_mmhg, format!("sbp {:.1} mmHg > {} mmHg", v.sbp_mmhg, m.alarm_sbp_mmhg)),
            Vital::Dbp => (v.dbp_mmhg > m.alarm_dbp_mmhg, format!("dbp {:.1} mmHg > {} mmHg", v.dbp_mmhg, m.alarm_dbp_mmhg)),
            Vital::Hr => (v.hr_bpm > m.alarm_hr_bpm, format!("hr {:.1} bpm > {} bpm", v.hr_bpm, m.alarm_hr_bpm)),
            Vital::Spo2 => (v.spo2_pct < m.alarm_spo2_pct, format!("spo2 {:.1} % < {} %", v.spo2_pct, m.alarm_spo2_pct)),
        }
    }
}

/// One clinic visit: administrations close together, their observation window and discharge.
#[derive(Debug, Clone)]
struct Session {
    start_h: f64,
    /// End of the last administration given in the session.
    last_end_h: f64,
    given: bool,
    observation_end_emitted: bool,
    discharge_h: Option<f64>,
    /// When the patient may drive again (set just after the discharge).
    no_driving_until_h: Option<f64>,
}

impl Session {
    fn observation_end_h(&self, m: &Monitoring) -> f64 {
        self.last_end_h + m.observation_h
    }
}

/// The monitoring protocol: pre-dose check, alarms during observation, observation end, discharge.
#[derive(Debug, Clone)]
pub struct Monitor {
    cfg: Monitoring,
    subject: Subject,
    sessions: Vec<Session>,
    alarm_on: [bool; 4],
    /// Monitoring events so far (pre-dose checks, alarms, observation end, discharge, no driving), in time order.
    pub events: Vec<Event>,
    /// Number of alarms raised so far.
    pub alarms: u32,
}

impl Monitor {
    /// A monitor for `subject` under the protocol `cfg`, with no session yet.
    pub fn new(cfg: Monitoring, subject: Subject) -> Self {
        Self { cfg, subject, sessions: Vec::new(), alarm_on: [false; 4], events: Vec::new(), alarms: 0 }
    }

    fn push(&mut self, time_h: f64, kind: &str, detail: String) {
        self.events.push(Event { time_h, kind: kind.to_string(), detail });
    }

    /// The pre-dose check before an administration at `t_h` (start) lasting `duration_h`.
    /// Returns whether the dose is given.
    pub fn predose(&mut self, t_h: f64, duration_h: f64, v: &Vitals) -> bool {
        let m = &self.cfg;
        let too_high = v.sbp_mmhg > m.predose_max_sbp_mmhg || v.dbp_mmhg > m.predose_max_dbp_mmhg;
        let bp = format!("BP {:.0}/{:.0} mmHg, HR {:.0} bpm, SpO2 {:.0} %", v.sbp_mmhg, v.dbp_mmhg, v.hr_bpm, v.spo2_pct);
        let detail = if too_high {
            format!("{bp}: above {:.0}/{:.0} mmHg, dose withheld", m.predose_max_sbp_mmhg, m.predose_max_dbp_mmhg)
        } else {
            format!("{bp}: proceed")
        };
        self.push(t_h, "predose_check", detail);
        // Join the open session if this administration starts within its observation window.
        let obs_h = self.cfg.observation_h;
        let join = self
            .sessions
            .last()
            .is_some_and(|s| s.discharge_h.is_none() && t_h <= s.last_end_h + obs_h + 1e-9);
        if !join {
            self.sessions.push(Session {
                start_h: t_h,
                last_end_h: t_h,
                given: false,
                observation_end_emitted: false,
                discharge_h: None,
                no_driving_until_h: None,
            });
        }
        let s = self.sessions.last_mut().expect("a session exists");
        if !too_high {
            s.given = true;
            s.last_end_h = s.last_end_h.max(t_h + duration_h);
        }
        !too_high
    }

    /// Observe the vitals at the end of a step (`t_h`). Returns whether the patient was
    /// discharged at this step (then the caller records [`Monitor::no_driving`]).
    pub fn observe(&mut self, t_h: f64, v: &Vitals) -> bool {
        let Some(idx) = self.sessions.iter().position(|s| s.given && s.discharge_h.is_none() && t_h > s.start_h) else {
            return false;
        };
        // Alarms while the patient is monitored.
        for (k, vital) in VITALS.iter().enumerate() {
            let (out, detail) = vital.check(v, &self.cfg);
            if out != self.alarm_on[k] {
                self.alarm_on[k] = out;
                if out {
                    self.alarms += 1;
                    self.push(t_h, "alarm_start", detail);
                } else {
                    let name = detail.split(' ').next().unwrap_or("").to_string();
                    self.push(t_h, "alarm_end", format!("{name} back within limits"));
                }
            }
        }
        let cfg = self.cfg;
        let obs_end = self.sessions[idx].observation_end_h(&cfg);
        if t_h + 1e-9 >= obs_end && !self.sessions[idx].observation_end_emitted {
            self.sessions[idx].observation_end_emitted = true;
            self.push(obs_end, "observation_end", format!("{} h after the end of the last administration", cfg.observation_h));
        }
        if t_h + 1e-9 >= obs_end && self.discharge_criteria_met(v) {
            self.sessions[idx].discharge_h = Some(t_h);
            for k in 0..4 {
                if self.alarm_on[k] {
                    self.alarm_on[k] = false;
                }
            }
            self.push(t_h, "discharge_ready", format!(
                "vitals near baseline (BP {:.0}/{:.0} mmHg, HR {:.0} bpm), CADSS {:.1} <= {}; arranged transport home",
                v.sbp_mmhg, v.dbp_mmhg, v.hr_bpm, v.dissociation_cadss, cfg.discharge_max_cadss
            ));
            return true;
        }
        false
    }

    /// The end of the day of `t_h` by the session's clock (the clinic's no-driving rule).
    pub fn end_of_day_h(&self, t_h: f64) -> f64 {
        end_of_day_h(t_h, self.cfg.start_clock_h)
    }

    /// End of the last administration of the session discharged at `t_h`.
    pub fn last_end_h(&self, t_h: f64) -> Option<f64> {
        self.sessions.iter().rev().find(|s| s.discharge_h == Some(t_h)).map(|s| s.last_end_h)
    }

    /// Record the no-driving period decided at the discharge at `t_h` (the event
    /// `no_driving_until`, whose detail starts with `t = UNTIL h`).
    pub fn no_driving(&mut self, t_h: f64, nd: NoDriving) {
        let clock = self.cfg.start_clock_h;
        if let Some(s) = self.sessions.iter_mut().rev().find(|s| s.discharge_h == Some(t_h)) {
            s.no_driving_until_h = nd.until_h;
        }
        let limit = format!("effect site <= {:.1} ng/mL and CADSS <= {}", nd.limit_ng_ml, self.cfg.discharge_max_cadss);
        let drug = match (nd.fit_h, nd.effect_below_h) {
            (Some(f), Some(e)) => format!(
                "fit to drive at t = {f:.4} h ({}): drug effect below the limit ({limit}) from t = {e:.4} h, and not sooner than t = {:.4} h after the end of the last administration (driving shown unimpaired 6 h after 84 mg intranasal esketamine)",
                clock_text(f, clock), nd.not_before_h
            ),
            _ => format!("the drug effect stays above the fit-to-drive limit ({limit}) for the next {LOOK_AHEAD_H} h"),
        };
        let rule = format!("the clinic's rule: not before the end of the day, t = {:.4} h (midnight)", nd.end_of_day_h);
        let detail = match nd.until_h {
            Some(u) => format!("t = {u:.4} h ({}): no driving or operating machinery until then; {drug}; {rule}", clock_text(u, clock)),
            None => format!("no driving or operating machinery; {drug}; {rule}"),
        };
        self.push(t_h, "no_driving_until", detail);
    }

    /// No-driving time after the discharge of the last session in which a dose was given.
    pub fn last_no_driving_until_h(&self) -> Option<f64> {
        self.sessions.iter().rev().find(|s| s.given).and_then(|s| s.no_driving_until_h)
    }

    fn discharge_criteria_met(&self, v: &Vitals) -> bool {
        let (m, s) = (&self.cfg, &self.subject);
        (v.sbp_mmhg - s.sbp_mmhg).abs() <= m.discharge_bp_within_mmhg
            && (v.dbp_mmhg - s.dbp_mmhg).abs() <= m.discharge_bp_within_mmhg
            && (v.hr_bpm - s.hr_bpm).abs() <= m.discharge_hr_within_bpm
            && v.spo2_pct >= m.alarm_spo2_pct
            && v.dissociation_cadss <= m.discharge_max_cadss
    }

    /// Discharge time of the last session in which a dose was given.
    pub fn last_discharge_h(&self) -> Option<f64> {
        self.sessions.iter().rev().find(|s| s.given).and_then(|s| s.discharge_h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SubjectState;

    fn subject() -> Subject {
        Subject {
            weight_kg: 70.0,
            state: SubjectState::ChronicStress,
            sbp_mmhg: 125.0,
            dbp_mmhg: 80.0,
            hr_bpm: 72.0,
            spo2_pct: 98.0,
            age_y: 40.0,
            madrs: 32.0,
            draw: false,
            drawn: false,
            species: Default::default(),
        }
    }

    #[test]
    fn no_drug_no_effect() {
        let p = Params::default();
        let v = vitals(0.0, &subject(), &Sensitivity::TYPICAL, &p);
        assert_eq!((v.sbp_mmhg, v.dbp_mmhg, v.hr_bpm, v.spo2_pct, v.dissociation_cadss), (125.0, 80.0, 72.0, 98.0, 0.0));
        assert_eq!(madrs(32.0, 0.9, 0.9, 0.75, 0.75, &p), 32.0);
    }

    #[test]
    fn pressor_rise_stops_at_its_ceiling() {
        // A very sensitive subject in a very sensitive session: the rise is min(drive, c_P · baseline)
        // for SBP and DBP alike; a typical one is below the ceiling and unchanged by it.
        let p = Params::default();
        let ce = 10.0 * p.bp_ec50_ng_ml;
        let state = AcuteState { ce_pressor_ng_ml: ce, ..AcuteState::default() };
        let h = hill(ce, p.bp_ec50_ng_ml, p.bp_hill);
        let huge = Sensitivity { blood_pressure: 20.0, ..Sensitivity::TYPICAL };
        let v = state.vitals(ce, &subject(), &huge, 1.0, &p);
        assert_eq!(v.sbp_mmhg, 125.0 * (1.0 + p.pressor_ceiling_frac_of_baseline));
        assert_eq!(v.dbp_mmhg, 80.0 * (1.0 + p.pressor_ceiling_frac_of_baseline));
        let v = state.vitals(ce, &subject(), &Sensitivity::TYPICAL, 1.0, &p);
        assert_eq!(v.sbp_mmhg, 125.0 + p.sbp_emax_mmhg * h);
        assert_eq!(v.dbp_mmhg, 80.0 + p.dbp_emax_mmhg * h);
    }

    #[test]
    fn clock_text_counts_days() {
        assert_eq!(clock_text(0.0, 9.0), "09:00");
        assert_eq!(clock_text(14.0 + 40.0 / 60.0, 9.0), "23:40");
        assert_eq!(clock_text(18.5, 9.0), "03:30 the next day");
        assert_eq!(clock_text(48.0, 9.0), "09:00 on day 3");
        assert_eq!(end_of_day_h(2.0, 21.0), 3.0);
        assert_eq!(time_in_detail("t = 15.2500 h (00:15): no driving"), Some(15.25));
        assert_eq!(time_in_detail("no driving"), None);
    }

    #[test]
    fn the_later_rule_wins() {
        // (effect below, not before, end of day): the latest wins; no effect time, no end.
        assert_eq!(NoDriving::new(Some(20.0), 8.0, 15.0, 30.0).until_h, Some(20.0));
        assert_eq!(NoDriving::new(Some(6.0), 8.0, 15.0, 30.0).until_h, Some(15.0));
        assert_eq!(NoDriving::new(Some(6.0), 18.7, 15.0, 30.0).until_h, Some(18.7));
        assert_eq!(NoDriving::new(None, 8.0, 15.0, 30.0).until_h, None);
    }

    #[test]
    fn predose_check_withholds_high_pressure() {
        let mut m = Monitor::new(Monitoring::default(), subject());
        let p = Params::default();
        let mut v = vitals(0.0, &subject(), &Sensitivity::TYPICAL, &p);
        v.sbp_mmhg = 150.0;
        assert!(!m.predose(0.0, 0.5, &v));
        assert!(m.events[0].detail.contains("withheld"), "{}", m.events[0].detail);
    }
}
