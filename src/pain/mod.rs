//! Pain: a spinal dorsal-horn circuit as ECS agents, morphine as a second drug class, PCA, and
//! the pain read-outs. A pathway stage ([`plugin`] in `pathway::STAGES`, systems in [`Set`]) that installs itself only when `[pain] condition` is not `"none"`
//! ([`install`]); otherwise nothing here runs and every output is unchanged.
//!
//! ```text
//! Exposure.blocker_um (ketamine at the effect site, from the PK system)
//!   → opioid_and_pca   PCA demands (pain of the previous step), scheduled morphine, morphine PK,
//!                      tolerance, respiratory depression, the slow ketamine compartment D
//!   → dh_interneurons  inhibitory interneurons (lose rate with sensitization)
//!   → wdr_neurons      afferent spike trains, spinal NMDA block, wind-up, sensitization, output
//!   → record           NRS, pain.csv rows at the trace's sample times, the pain summary
//! ```
//! Equations: [`dorsal_horn`] and [`opioid`]; docs/model.md, section "Pain".

pub mod dorsal_horn;
pub mod opioid;
pub mod pca;
pub mod readout;
pub mod scenario;

use bevy_ecs::prelude::*;
use rand_distr::Distribution;

use crate::params::Params;
use crate::pathway::{Clock, Exposure, StepGrid, relax};
use crate::readout::Event;
use crate::rng;
use crate::scenario::Scenario;
use crate::units::{HOURS_PER_DAY, MINUTES_PER_HOUR, SECONDS_PER_HOUR};
use crate::pk::{Drug, Route};
use crate::sim::Pk;
use pca::{Decision, Pump, Refusal};
use readout::{PainOutput, PainRow, PainSummary};
use scenario::{Condition, MorphineRoute, Pca, PainSetup};

// Event kinds the pain model adds (surgery_start, surgery_end, morphine_dose, pca_demand,
// pca_dose, pca_denied) are declared with the others in crate::readout::EVENT_KINDS.

// Random-stream purposes of the pain model (disjoint from crate::rng::Purpose, which stops at 6).
const PURPOSE_WDR_TRAITS: u64 = 101;
const PURPOSE_C_FIBRE: u64 = 102;
const PURPOSE_ABETA: u64 = 103;
const PURPOSE_INTERNEURON_TRAITS: u64 = 104;

/// Key of the stream (seed, agent, purpose), built like crate::rng::stream_key.
fn pain_key(seed: u64, agent: u64, purpose: u64) -> u64 {
    rng::mix64(rng::mix64(rng::mix64(seed) ^ agent) ^ purpose.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

// ---------------------------------------------------------------- components

/// A wide-dynamic-range projection neuron and its afferents.
#[derive(Component, Debug, Clone, Copy)]
pub struct Wdr {
    /// Agent id (0..wdr_neurons): keys its random streams.
    pub id: u32,
    /// Output gain (mean 1).
    pub gain: f64,
    /// Relative C-fibre input of its receptive field (mean 1).
    pub c_factor: f64,
    key_c: u64,
    key_ab: u64,
}

/// The state of a WDR neuron.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct WdrState {
    /// Trapping NMDA block of the slow gate (sensitization, tolerance, hyperalgesia), IC50_spinal.
    pub block: f64,
    /// Trapping NMDA block of the wind-up current, IC50_windup (the receptor's own IC50).
    pub windup_block: f64,
    /// Wind-up state w at the end of the step.
    pub windup: f64,
    /// Central-sensitization state S.
    pub sensitization: f64,
    /// Output at rest over the step, Hz.
    pub rest_hz: f64,
    /// Output at rest plus the response to the standard test stimulus, Hz.
    pub evoked_hz: f64,
    /// C-fibre input over the step (ongoing and stimulation), Hz.
    pub c_hz: f64,
}

/// An inhibitory dorsal-horn interneuron.
#[derive(Component, Debug, Clone, Copy)]
pub struct DhInterneuron {
    /// Agent id (0..inhibitory_interneurons): keys its random stream.
    pub id: u32,
    /// Rate without sensitization, Hz.
    pub baseline_hz: f64,
    /// Rate now, Hz (falls with the mean sensitization).
    pub rate_hz: f64,
}

// ---------------------------------------------------------------- resources

/// What the pain model was set up with.
#[derive(Resource, Debug, Clone)]
pub struct PainModel {
    /// The scenario's `[pain]` table.
    pub setup: PainSetup,
    /// The scenario's `[pca]` table, if any.
    pub pca: Option<Pca>,
    /// The model parameters, with the scenario's overrides.
    pub p: Params,
    /// Run seed.
    pub seed: u64,
    /// Scenario name (for pain_summary.csv).
    pub name: String,
    /// Ectopic C-fibre rate that produces `baseline_nrs` at t = 0, Hz.
    pub ectopic_hz: f64,
    /// Maintained sensitization: the condition's plus the opioid-induced hyperalgesia carried in.
    pub maintained: f64,
    /// Time from which the 24-h and 48-h summary values count (end of surgery, else 0), h.
    pub reference_h: f64,
    /// The subject (for the SpO2 under opioid).
    pub subject: crate::scenario::Subject,
    /// The run's step grid (the [`StepGrid`] resource `sim.rs` inserts): pain.csv is sampled on
    /// the trace's times by the same rule.
    pub grid: StepGrid,
}

/// SpO2 lowered by the opioid now, percentage points (read where the vitals are computed).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct RespiratoryDepression(pub f64);

/// Circuit-level pain state after the last step.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct PainMeans {
    /// Pain at rest, NRS 0–10.
    pub nrs_rest: f64,
    /// Pain on the standard test stimulus, NRS 0–10.
    pub nrs_evoked: f64,
    /// Mean C-fibre input per WDR neuron, Hz.
    pub c_hz: f64,
    /// Mean wind-up state w.
    pub windup: f64,
    /// Last / first response of the most recent completed stimulation train (0 before the first).
    pub windup_ratio: f64,
    /// Mean central-sensitization state S.
    pub sensitization: f64,
    /// Fraction of the maintained sensitization reversed by the slow ketamine compartment (0–1).
    pub reversal: f64,
    /// Mean spinal NMDA block of the WDR neurons (0–1).
    pub block: f64,
    /// Inhibitory interneuron output relative to its unsensitized value.
    pub inhibition_rel: f64,
    /// Mean WDR output at rest, Hz.
    pub wdr_hz: f64,
    /// μ-opioid receptor occupancy at the effect site (0–1).
    pub occupancy: f64,
    /// Fraction of WDR output removed by morphine, tolerance included (0–1).
    pub analgesia: f64,
}

/// The opioid side: tolerance, the PCA pump, the morphine doses, the slow ketamine compartment.
/// Morphine's pharmacokinetics (and its metabolite M6G) are the drug catalogue's, in the run's
/// [`Pk`] resource: the pain model gives its doses there.
#[derive(Resource, Debug, Clone)]
pub struct PainDrug {
    /// Acute opioid tolerance T (the analgesic C50 is multiplied by 1 + T).
    pub tolerance: f64,
    /// Tolerance carried in by chronic opioid use, the floor T relaxes to.
    pub tolerance_floor: f64,
    /// Slow ketamine compartment D (µM racemic-equivalent; Dahan 2011).
    pub slow_um: f64,
    /// The PCA pump's memory.
    pub pump: Pump,
    /// (time, route, mg, infusion hours, given here) of every scheduled dose, in time order:
    /// `[[pain.morphine]]` doses are given by the pain model (given here), `[[dose]] drug =
    /// "morphine"` ones by the PK timeline (only counted here).
    doses: Vec<(f64, MorphineRoute, f64, f64, bool)>,
    next_dose: usize,
    /// (time, Δ rate mg/h, given here) of infusion starts and ends, in time order.
    rates: Vec<(f64, f64, bool)>,
    next_rate: usize,
    /// Morphine infusion rate now (every infusion), mg/h.
    rate_mg_per_h: f64,
    /// Oral morphine bioavailability (for the IV-equivalent count).
    f_oral: f64,
    /// Morphine given so far, IV-equivalent mg.
    pub cumulative_iv_eq_mg: f64,
    /// The pain model's events so far (surgery, morphine doses, PCA demands, doses and refusals).
    pub events: Vec<Event>,
}

/// Stimulation-train bookkeeping (sums over neurons of the first response of the current train).
#[derive(Resource, Debug, Clone, Default)]
pub struct Trains {
    first_sum: f64,
    done: Vec<(f64, f64)>,
}

/// What is recorded for the output files.
#[derive(Resource, Debug, Clone, Default)]
struct Record {
    rows: Vec<PainRow>,
    cum_at_ref: Option<f64>,
    at24: Option<(f64, f64, f64)>,
    at48: Option<(f64, f64)>,
    min_spo2: Option<f64>,
    peak_ce: f64,
}

// ---------------------------------------------------------------- install

/// The pain stage's set: ordered after the cortical stages and before the read-outs in
/// [`crate::pathway::build`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The pain stage plugin (an entry of [`crate::pathway::STAGES`]): installs the pain model when the
/// run's scenario ([`crate::pathway::RunScenario`]) has a `[pain] condition` other than `none`;
/// otherwise it registers nothing, so every output stays as without the pain model.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    let Some(sc) = world.get_resource::<crate::pathway::RunScenario>().map(|r| r.0.clone()) else { return };
    if !sc.pain.is_none() {
        install(world, schedule, &sc);
    }
}

/// Set up the pain model in `world` and add its systems to `schedule`, in [`Set`].
/// Call only when `sc.pain.condition` is not `none` ([`plugin`] checks).
pub fn install(world: &mut World, schedule: &mut Schedule, sc: &Scenario) {
    let p = sc.params();
    let setup = sc.pain.clone();
    // Maintained sensitization: the condition's, plus the opioid-induced hyperalgesia that chronic
    // opioid use carries into the run (as if at its tolerance, `h_OIH · T_floor`).
    let maintained = match setup.condition {
        Condition::Crps => p.crps_maintained_sensitization,
        Condition::Neuropathic => p.neuropathic_maintained_sensitization,
        _ => 0.0,
    } + p.opioid_hyperalgesia_gain * setup.preop_opioid_tolerance;
    let ectopic_hz = dorsal_horn::ectopic_rate_for(setup.baseline_nrs, maintained, &p);
    let reference_h =
        if setup.condition == Condition::Postoperative { setup.surgery_at_h + setup.surgery_duration_h } else { 0.0 };

    // Agents.
    let gain_d = rng::mean_one_lognormal(p.wdr_gain_cv);
    let c_d = rng::mean_one_lognormal(p.c_fibre_rate_cv);
    let base_c = p.c_fibre_background_hz + ectopic_hz;
    let n = setup.wdr_neurons;
    let wdr: Vec<(Wdr, WdrState)> = (0..n)
            .map(|id| {
                let mut r = rng::stream_at(pain_key(sc.seed, id as u64, PURPOSE_WDR_TRAITS), 0);
                let gain = gain_d.as_ref().map_or(1.0, |d| d.sample(&mut r));
                let c_factor = c_d.as_ref().map_or(1.0, |d| d.sample(&mut r));
                let cell = Wdr {
                    id,
                    gain,
                    c_factor,
                    key_c: pain_key(sc.seed, id as u64, PURPOSE_C_FIBRE),
                    key_ab: pain_key(sc.seed, id as u64, PURPOSE_ABETA),
                };
                // Start at the drug-free steady state of the ongoing input.
                let c_hz = c_factor * base_c;
                let s0 = dorsal_horn::sensitization_target(c_hz, 0.0, maintained, 0.0, 0.0, &p);
                let state = WdrState {
                    windup: p.windup_background_fraction * p.windup_increment * c_hz * p.windup_tau_s,
                    sensitization: s0,
                    c_hz,
                    ..Default::default()
                };
                (cell, state)
            })
            .collect();
    let s_sum: f64 = wdr.iter().map(|(_, s)| s.sensitization).sum();
    world.spawn_batch(wdr);
    world.spawn_batch((0..setup.inhibitory_interneurons).map(|id| {
        let mut r = rng::stream_at(pain_key(sc.seed, id as u64, PURPOSE_INTERNEURON_TRAITS), 0);
        let f = rng::mean_one_lognormal(0.3).map_or(1.0, |d| d.sample(&mut r));
        let baseline_hz = p.dh_interneuron_rate_hz * f;
        DhInterneuron { id, baseline_hz, rate_hz: baseline_hz }
    }));

    // Doses.
    let mut doses = Vec::new();
    let mut rates = Vec::new();
    for d in &setup.morphine {
        for k in 0..d.times {
            let t = d.at_h + k as f64 * d.every_h.unwrap_or(0.0);
            let dur = d.over_min.unwrap_or(0.0) / MINUTES_PER_HOUR;
            doses.push((t, d.route, d.mg, dur, true));
            if d.route == MorphineRoute::IvInfusion {
                rates.push((t, d.mg / dur, true));
                rates.push((t + dur, -d.mg / dur, true));
            }
        }
    }
    // Morphine of the scenario's [[dose]] tables: the PK timeline gives it, the pain model counts it.
    for a in sc.administrations().iter().filter(|a| a.drug == Drug::Morphine) {
        let route = match a.route {
            Route::IvInfusion => MorphineRoute::IvInfusion,
            Route::Oral => MorphineRoute::Oral,
            _ => MorphineRoute::IvBolus,
        };
        doses.push((a.t_h, route, a.mg, a.duration_h, false));
        if route == MorphineRoute::IvInfusion && a.duration_h > 0.0 {
            rates.push((a.t_h, a.mg / a.duration_h, false));
            rates.push((a.t_h + a.duration_h, -a.mg / a.duration_h, false));
        }
    }
    doses.sort_by(|a, b| a.0.total_cmp(&b.0));
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut events = Vec::new();
    if setup.condition == Condition::Postoperative {
        let detail = format!("severity {}", setup.surgery_severity);
        events.push(Event { time_h: setup.surgery_at_h, kind: "surgery_start".into(), detail: detail.clone() });
        events.push(Event { time_h: reference_h, kind: "surgery_end".into(), detail });
    }

    // The run's step grid; without one (the pain stage on its own) the scenario's.
    let grid = world.get_resource::<StepGrid>().copied().unwrap_or_else(|| StepGrid::of(sc));
    world.insert_resource(PainMeans { sensitization: s_sum / n.max(1) as f64, inhibition_rel: 1.0, ..Default::default() });
    world.insert_resource(PainDrug {
        tolerance: setup.preop_opioid_tolerance,
        tolerance_floor: setup.preop_opioid_tolerance,
        slow_um: 0.0,
        pump: Pump::default(),
        doses,
        next_dose: 0,
        rates,
        next_rate: 0,
        rate_mg_per_h: 0.0,
        // Oral bioavailability does not depend on the dose (only the intranasal split does).
        f_oral: crate::pk::bioavailability(&p, Drug::Morphine, Route::Oral, 0.0),
        cumulative_iv_eq_mg: 0.0,
        events,
    });
    world.insert_resource(RespiratoryDepression(0.0));
    world.insert_resource(Trains::default());
    world.insert_resource(Record::default());
    world.insert_resource(PainModel {
        setup,
        pca: sc.pca,
        p,
        seed: sc.seed,
        name: sc.name.clone(),
        ectopic_hz,
        maintained,
        reference_h,
        subject: sc.subject.clone(),
        grid,
    });
    schedule.add_systems(
        (opioid_and_pca, dh_interneurons, wdr_neurons, record).chain().in_set(Set),
    );
}

// ---------------------------------------------------------------- systems

/// PCA demands, scheduled morphine, morphine PD, the slow ketamine compartment. Reads `Clock`,
/// `PainModel`, `Exposure`, `PainMeans` (`nrs_rest` of the previous step, `block`); gives the
/// morphine the pain model decides into `Pk` (at the step's start, propagated to its end: the PK
/// system has already advanced it) and reads morphine and M6G there; writes `PainDrug`,
/// `RespiratoryDepression` and `PainMeans` (`reversal`, `occupancy`, `analgesia`).
pub fn opioid_and_pca(
    clock: Res<Clock>,
    model: Res<PainModel>,
    exposure: Res<Exposure>,
    mut pk: ResMut<Pk>,
    mut means: ResMut<PainMeans>,
    mut drug: ResMut<PainDrug>,
    mut resp: ResMut<RespiratoryDepression>,
) {
    let p = &model.p;
    let (t0, dt) = (clock.t_h, clock.dt_h);
    let d = &mut *drug;
    // The patient presses on the pain of the previous step.
    if let Some(cfg) = &model.pca
        && dt > 0.0
        && d.pump.wants(cfg, t0, means.nrs_rest)
    {
        d.events.push(Event { time_h: t0, kind: "pca_demand".into(), detail: format!("pain at rest NRS {:.1}", means.nrs_rest) });
        match d.pump.demand(cfg, t0) {
            Decision::Given(mg) => {
                pk.0.give_ago(Drug::Morphine, Route::IvBolus, mg, dt);
                d.cumulative_iv_eq_mg += mg;
                d.events.push(Event { time_h: t0, kind: "pca_dose".into(), detail: format!("morphine iv_bolus {mg:.3} mg") });
            }
            Decision::Refused(why) => {
                let reason = match why {
                    Refusal::Lockout => format!("lockout {} min", cfg.lockout_min),
                    Refusal::Limit1h => format!("1-h limit {} mg", cfg.limit_1h_mg),
                    Refusal::Limit4h => format!("4-h limit {} mg", cfg.limit_4h_mg),
                };
                d.events.push(Event { time_h: t0, kind: "pca_denied".into(), detail: reason });
            }
        }
    }
    // Scheduled doses that start at or before the start of this step.
    while let Some(&(t, route, mg, dur, here)) = d.doses.get(d.next_dose) {
        if t > t0 + 1e-9 {
            break;
        }
        d.next_dose += 1;
        match route {
            MorphineRoute::IvBolus => {
                if here {
                    pk.0.give_ago(Drug::Morphine, Route::IvBolus, mg, dt);
                }
                d.cumulative_iv_eq_mg += mg;
            }
            MorphineRoute::Oral => {
                if here {
                    pk.0.give_ago(Drug::Morphine, Route::Oral, mg, dt);
                }
                d.cumulative_iv_eq_mg += mg * d.f_oral;
            }
            MorphineRoute::IvInfusion => {}
        }
        if here {
            let over = if dur > 0.0 { format!(" over {:.1} min", dur * MINUTES_PER_HOUR) } else { String::new() };
            d.events.push(Event { time_h: t, kind: "morphine_dose".into(), detail: format!("morphine {} {mg:.3} mg{over}", route.name()) });
        }
    }
    while let Some(&(t, dr, here)) = d.rates.get(d.next_rate) {
        if t > t0 + 1e-9 {
            break;
        }
        d.next_rate += 1;
        if here {
            pk.0.add_rate_ago(Drug::Morphine, dr, dt);
        }
        d.rate_mg_per_h = (d.rate_mg_per_h + dr).max(0.0);
        if d.rate_mg_per_h.abs() < 1e-12 {
            d.rate_mg_per_h = 0.0;
        }
    }
    d.cumulative_iv_eq_mg += d.rate_mg_per_h * dt;
    let tau_d_h = p.reversal_half_life_days * HOURS_PER_DAY / std::f64::consts::LN_2;
    d.slow_um = relax(d.slow_um, exposure.blocker_um, dt, tau_d_h);
    means.reversal = dorsal_horn::reversal(d.slow_um, p);
    let ce = opioid::effect_equivalent_ng_ml(pk.0.compound_of(Drug::Morphine), p);
    let occ = opioid::occupancy(ce, p);
    // Chronic tolerance is maintained NMDA-dependent plasticity too: the slow compartment reverses it.
    let floor = d.tolerance_floor * (1.0 - means.reversal);
    d.tolerance = opioid::tolerance_step(d.tolerance, floor, occ, means.block, dt, p);
    means.occupancy = occ;
    means.analgesia = opioid::analgesia(ce, d.tolerance, p);
    resp.0 = opioid::spo2_drop_pct(ce, d.tolerance, p);
}

/// Inhibitory interneurons: rate falls with the mean sensitization of the last step. Reads
/// `PainModel`, `PainMeans::sensitization`; writes each `DhInterneuron` and `PainMeans::inhibition_rel`.
pub fn dh_interneurons(model: Res<PainModel>, mut means: ResMut<PainMeans>, mut cells: Query<&mut DhInterneuron>) {
    let (mut sum, mut base) = (0.0, 0.0);
    let s = means.sensitization;
    cells.iter_mut().for_each(|mut c| {
        c.rate_hz = dorsal_horn::interneuron_rate(c.baseline_hz, s, &model.p);
        sum += c.rate_hz;
        base += c.baseline_hz;
    });
    means.inhibition_rel = if base > 0.0 { sum / base } else { 1.0 };
}

/// WDR neurons: afferent spikes, NMDA block, wind-up, sensitization, output; train responses.
/// Reads `Clock`, `PainModel`, `Exposure`, `PainMeans` (`inhibition_rel`, `analgesia`, `reversal`,
/// `occupancy`), each `Wdr`; writes each `WdrState`, `Trains` and `PainMeans` (the rest).
pub fn wdr_neurons(
    clock: Res<Clock>,
    model: Res<PainModel>,
    exposure: Res<Exposure>,
    mut means: ResMut<PainMeans>,
    mut trains: ResMut<Trains>,
    mut cells: Query<(&Wdr, &mut WdrState)>,
) {
    let p = &model.p;
    let s = &model.setup;
    let (t0, dt_h) = (clock.t_h, clock.dt_h);
    let dt_s = dt_h * SECONDS_PER_HOUR;
    let t_mid = t0 + 0.5 * dt_h;
    let incision = if s.condition == Condition::Postoperative {
        s.surgery_severity * p.surgery_c_fibre_hz * dorsal_horn::surgery_shape(t_mid, s.surgery_at_h, s.surgery_duration_h, p.surgery_heal_tau_h)
    } else {
        0.0
    };
    let shared_c = p.c_fibre_background_hz + model.ectopic_hz + incision;
    // Stimulation pulses in [t0, t0 + dt): (seconds from t0, pulse index in its train).
    let mut pulses: Vec<(f64, u32)> = Vec::new();
    if let Some(st) = &s.stimulation
        && dt_s > 0.0
    {
        let every_h = st.every_min / MINUTES_PER_HOUR;
        let first_train = (((t0 - st.from_h) / every_h).floor() - 1.0).max(0.0) as u64;
        let mut m = first_train;
        loop {
            let start_h = st.from_h + m as f64 * every_h;
            if start_h >= t0 + dt_h || start_h >= st.to_h {
                break;
            }
            for k in 0..st.pulses {
                let t_h = start_h + k as f64 / st.hz / SECONDS_PER_HOUR;
                if t_h >= t0 && t_h < t0 + dt_h {
                    pulses.push(((t_h - t0) * SECONDS_PER_HOUR, k));
                }
            }
            m += 1;
        }
        pulses.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let pulse_times: Vec<f64> = pulses.iter().map(|x| x.0).collect();
    let last_pulse = s.stimulation.map_or(0, |st| st.pulses - 1);
    let m_out = dorsal_horn::output_factor(means.inhibition_rel, means.analgesia, p);
    let tau_unblock_h = p.nmda_unblock_tau_min / MINUTES_PER_HOUR;
    let (reversal, occ) = (means.reversal, means.occupancy);
    let mut before = Vec::new();
    let (mut sum_rest, mut sum_evoked, mut sum_w, mut sum_s, mut sum_b, mut sum_c, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0usize);
    // Per pulse: the sum over neurons of the C-fibre response (for first/last of a train).
    let mut pulse_resp = vec![0.0; pulses.len()];
    let step = clock.step;
    cells.iter_mut().for_each(|(cell, mut st)| {
        st.block = crate::pathway::nmda::trapping_block_step(st.block, exposure.blocker_um, 1.0, p.spinal_nmda_ic50_um, tau_unblock_h, dt_h);
        let b = st.block;
        st.windup_block =
            crate::pathway::nmda::trapping_block_step(st.windup_block, exposure.blocker_um, 1.0, p.windup_nmda_ic50_um, tau_unblock_h, dt_h);
        let lam_c = cell.c_factor * shared_c;
        let (n_c, n_ab) = if dt_s > 0.0 {
            let draw = |key: u64, mu: f64| dorsal_horn::poisson(mu, rng::uniform(key, 2 * step), rng::uniform(key, 2 * step + 1));
            (draw(cell.key_c, lam_c * dt_s), draw(cell.key_ab, p.abeta_background_hz * dt_s))
        } else {
            (0, 0)
        };
        let (c_hz, ab_hz) = if dt_s > 0.0 { (n_c as f64 / dt_s, n_ab as f64 / dt_s) } else { (lam_c, p.abeta_background_hz) };
        let incr = dorsal_horn::windup_increment(st.windup_block, p);
        let (w_end, w_mean) = if dt_s > 0.0 {
            dorsal_horn::windup_step(st.windup, p.windup_background_fraction * incr * c_hz, p.windup_tau_s, dt_s, &pulse_times, incr, &mut before)
        } else {
            (st.windup, st.windup)
        };
        let sens = st.sensitization;
        let mut pulse_out = 0.0;
        for (j, &w) in before.iter().enumerate() {
            let r = cell.gain * (1.0 + p.windup_gain * w) * (1.0 + sens) * m_out;
            pulse_resp[j] += r;
            pulse_out += r;
        }
        let rest = dorsal_horn::wdr_rate(c_hz, ab_hz, w_mean, sens, cell.gain, m_out, p) + if dt_s > 0.0 { pulse_out / dt_s } else { 0.0 };
        let test = cell.gain
            * (p.test_c_fibre_hz * (1.0 + p.windup_gain * w_end) * (1.0 + sens) + p.allodynia_gain * sens * p.test_abeta_hz)
            * m_out;
        let c_total = c_hz + if dt_s > 0.0 { before.len() as f64 / dt_s } else { 0.0 };
        let target = dorsal_horn::sensitization_target(c_total, b, model.maintained, reversal, occ, p);
        st.sensitization = relax(sens, target, dt_h, p.sensitization_tau_h);
        st.windup = w_end;
        st.rest_hz = rest;
        st.evoked_hz = rest + test;
        st.c_hz = c_total;
        sum_rest += rest;
        sum_evoked += rest + test;
        sum_w += w_end;
        sum_s += st.sensitization;
        sum_b += b;
        sum_c += c_total;
        n += 1;
    });
    let nf = n.max(1) as f64;
    for (j, &(t_s, k)) in pulses.iter().enumerate() {
        if k == 0 {
            trains.first_sum = pulse_resp[j];
        }
        if k == last_pulse && trains.first_sum > 0.0 {
            let ratio = pulse_resp[j] / trains.first_sum;
            trains.done.push((t0 + t_s / SECONDS_PER_HOUR, ratio));
            means.windup_ratio = ratio;
        }
    }
    means.wdr_hz = sum_rest / nf;
    means.nrs_rest = dorsal_horn::nrs(sum_rest / nf, p);
    means.nrs_evoked = dorsal_horn::nrs(sum_evoked / nf, p);
    means.windup = sum_w / nf;
    means.sensitization = sum_s / nf;
    means.block = sum_b / nf;
    means.c_hz = sum_c / nf;
}

/// Record the pain trace at the trace's sample times, and the summary's running values. Reads
/// `Clock`, `PainModel` (its `grid`), `Exposure`, `PainMeans`, `PainDrug`, `RespiratoryDepression`; writes `Record`.
#[allow(clippy::too_many_arguments)]
fn record(
    clock: Res<Clock>,
    model: Res<PainModel>,
    exposure: Res<Exposure>,
    pk: Res<Pk>,
    means: Res<PainMeans>,
    drug: Res<PainDrug>,
    resp: Res<RespiratoryDepression>,
    mut rec: ResMut<Record>,
) {
    let initial = clock.dt_h == 0.0;
    let grid = &model.grid;
    let t_end = if initial { 0.0 } else { grid.end_h(clock.step) };
    let morphine = pk.0.compound_of(Drug::Morphine);
    let ce = morphine.effect_ng_ml();
    rec.peak_ce = rec.peak_ce.max(ce);
    if ce > 1.0 {
        let c = crate::readout::clinical::effect_ng_ml(exposure.blocker_um);
        let spo2 = crate::readout::clinical::vitals(c, &model.subject, &crate::readout::clinical::Sensitivity::TYPICAL, &model.p).spo2_pct - resp.0;
        rec.min_spo2 = Some(rec.min_spo2.map_or(spo2, |m: f64| m.min(spo2)));
    }
    let r = model.reference_h;
    if rec.cum_at_ref.is_none() && t_end + 1e-9 >= r {
        rec.cum_at_ref = Some(drug.cumulative_iv_eq_mg);
    }
    if rec.at24.is_none() && t_end + 1e-9 >= r + 24.0 {
        rec.at24 = Some((drug.cumulative_iv_eq_mg, means.nrs_rest, means.nrs_evoked));
    }
    if rec.at48.is_none() && t_end + 1e-9 >= r + 48.0 {
        rec.at48 = Some((drug.cumulative_iv_eq_mg, means.nrs_rest));
    }
    if initial || grid.is_sample(clock.step) {
        if initial && !rec.rows.is_empty() {
            return;
        }
        rec.rows.push(PainRow {
            time_h: t_end,
            nrs_rest: means.nrs_rest,
            nrs_evoked: means.nrs_evoked,
            c_fibre_rate_hz: means.c_hz,
            windup: means.windup,
            windup_ratio: means.windup_ratio,
            sensitization: means.sensitization,
            sensitization_reversal: means.reversal,
            spinal_nmda_block: means.block,
            inhibition_rel: means.inhibition_rel,
            wdr_rate_hz: means.wdr_hz,
            morphine_plasma_ng_ml: morphine.plasma_ng_ml(),
            morphine_effect_ng_ml: ce,
            m6g_plasma_ng_ml: morphine.metabolite_plasma_ng_ml(),
            m6g_effect_ng_ml: morphine.metabolite_effect_ng_ml(),
            opioid_analgesia: means.analgesia,
            opioid_tolerance: drug.tolerance,
            spo2_opioid_drop_pct: resp.0,
            cumulative_morphine_iv_eq_mg: drug.cumulative_iv_eq_mg,
            pca_demands: drug.pump.demands,
            pca_doses: drug.pump.given.len() as u32,
        });
    }
}

/// Take the pain results out of a finished run's world (`None` when the pain model is off).
pub fn finish(world: &mut World) -> Option<PainOutput> {
    let model = world.remove_resource::<PainModel>()?;
    let rec = world.remove_resource::<Record>()?;
    let drug = world.remove_resource::<PainDrug>()?;
    let trains = world.remove_resource::<Trains>()?;
    let base = rec.cum_at_ref.unwrap_or(0.0);
    let ratios = trains.done.iter().map(|t| t.1);
    let summary = PainSummary {
        scenario: model.name.clone(),
        seed: model.seed,
        condition: model.setup.condition.name().to_string(),
        reference_h: model.reference_h,
        opioid_24h_mg: rec.at24.map(|a| a.0 - base),
        opioid_48h_mg: rec.at48.map(|a| a.0 - base),
        nrs_rest_24h: rec.at24.map(|a| a.1),
        nrs_rest_48h: rec.at48.map(|a| a.1),
        nrs_evoked_24h: rec.at24.map(|a| a.2),
        first_pca_demand_h: drug.events.iter().find(|e| e.kind == "pca_demand").map(|e| e.time_h),
        pca_demands: drug.pump.demands,
        pca_doses: drug.pump.given.len() as u32,
        total_morphine_iv_eq_mg: drug.cumulative_iv_eq_mg,
        peak_morphine_effect_ng_ml: rec.peak_ce,
        min_spo2_under_opioid_pct: rec.min_spo2,
        windup_ratio_min: ratios.clone().reduce(f64::min),
        windup_ratio_max: ratios.reduce(f64::max),
    };
    Some(PainOutput { trace: rec.rows, summary, events: drug.events, trains: trains.done })
}
