//! One run: build the ECS world from a scenario, step it, and collect the read-outs.
//!
//! Data flows one way: scenario → PK (a resource advanced by the first system) → pathway systems
//! → read-outs (sampled here) → writers (`output`).

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use std::time::Instant;

/// `std::time::Instant::now` panics on wasm32-unknown-unknown (no clock there): the browser build
/// measures the wall time itself and overwrites `RunOutput::wall_time_s`.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
struct Instant;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
impl Instant {
    fn now() -> Self {
        Instant
    }
    fn elapsed(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{ScheduleBuildSettings, SingleThreadedExecutor};
use crate::rng::LogNormal;
use rand_distr::Distribution;

use crate::error::Result;
use crate::params::Params;
use crate::units::{MINUTES_PER_HOUR, SECONDS_PER_MINUTE};
use crate::pathway::synaptogenesis::{self, SpineBook, SpineMeans, Spines};
use crate::pathway::{self, *};
use crate::pk::{Administration, CATALOGUE, NORKETAMINE_G_PER_MOL, Pharmacokinetics};
use crate::readout::clinical::{self, ClinicalReadout, Monitor, Patient, Sensitivity, Vitals};
use crate::readout::{Event, RunFacts, Sample, SummaryRow, SummaryTracker, TraceRow};
use crate::rng::{self, Purpose};
use crate::scenario::{Scenario, SubjectState};

/// The pharmacokinetic model, as a resource.
#[derive(Resource)]
pub struct Pk(pub Pharmacokinetics);

/// Advance the PK model to the end of this step and publish the effect-site exposure. Reads
/// `Clock`, `Model`; writes `Pk` and `Exposure`.
pub fn pharmacokinetics(clock: Res<Clock>, model: Res<Model>, mut pk: ResMut<Pk>, mut exposure: ResMut<Exposure>) {
    pk.0.advance_to(clock.t_h + clock.dt_h);
    *exposure = exposure_of(&pk.0, &model.0);
}

/// The effect-site exposure of the PK model's state now (what [`pharmacokinetics`] publishes).
pub fn exposure_of(pk: &Pharmacokinetics, p: &Params) -> Exposure {
    let conc = pk.concentrations();
    let nk_um = conc.brain_norketamine_ng_ml / NORKETAMINE_G_PER_MOL;
    // Racemic-ketamine-equivalent drive, weighted by each drug's potency from the catalogue.
    let (mut blocker_um, mut clinical_um) = (0.0, 0.0);
    for (info, &c) in CATALOGUE.iter().zip(&conc.brain_parent_ng_ml) {
        blocker_um += (info.nmda_potency_rel)(p) * c / info.molar_mass_g_per_mol;
        clinical_um += (info.clinical_potency_rel)(p) * c / info.molar_mass_g_per_mol;
    }
    Exposure {
        conc,
        blocker_um: blocker_um + p.potency_norketamine_rel * nk_um,
        clinical_um: clinical_um + p.potency_norketamine_rel * nk_um,
        hnk_um: p.hnk_per_norketamine * nk_um,
    }
}

/// The fit-to-drive limit of the racemic-equivalent effect-site concentration (ng/mL) for a
/// subject of `weight_kg`: the concentration the model gives `driving_reference_after_h` after
/// `driving_reference_esketamine_mg` of intranasal esketamine, the dose and time at which on-road
/// driving was not impaired (Dijkstra 2022; van de Loo 2017).
pub fn driving_limit_ng_ml(p: &Params, weight_kg: f64) -> f64 {
    let dose = Administration {
        t_h: 0.0,
        drug: crate::pk::Drug::Esketamine,
        route: crate::pk::Route::Intranasal,
        mg: p.driving_reference_esketamine_mg,
        duration_h: 0.0,
    };
    let mut pk = Pharmacokinetics::new(p, weight_kg, &[dose]);
    pk.advance_to(p.driving_reference_after_h);
    clinical::effect_ng_ml(exposure_of(&pk, p).clinical_um)
}

/// Step of the fit-to-drive look-ahead, h (1 min).
const LOOK_STEP_H: f64 = 1.0 / MINUTES_PER_HOUR;

fn draw(d: &Option<LogNormal>, rng: &mut impl rand::Rng) -> f64 {
    d.as_ref().map_or(1.0, |d| d.sample(rng))
}

/// Everything a finished run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Sampled trace rows, one every `numerics.sample_every_min` and one at the end, from t = 0.
    pub trace: Vec<TraceRow>,
    /// Dose, warning, intervention and clinical events, in time order.
    pub events: Vec<Event>,
    /// The run's summary row (peaks, times of peak, values at fixed times after the dose).
    pub summary: SummaryRow,
    /// The scenario's warnings (doses above the low-dose limits, doses after the end), for the manifest.
    pub warnings: Vec<String>,
    /// Wall-clock time the run took, s.
    pub wall_time_s: f64,
    /// Pathway steps run.
    pub steps: u64,
    /// pain.csv, pain_summary.csv and the pain events (only when `[pain]` is on).
    pub pain: Option<crate::pain::readout::PainOutput>,
    /// Blood pressure at the label's measurement times of every administration given (pre-dose,
    /// 40 min, 1.5 h; [`clinical::BP_CHECK_AFTER_H`]), in the order taken; written to no file.
    pub bp_readings: Vec<clinical::BpReading>,
}

/// The clinic around the subject: the dosing decisions (pre-dose check) and the clinical read-outs.
struct Clinic {
    /// Every planned administration, in time order (the list the PK model was built from).
    admins: Vec<Administration>,
    next_admin: usize,
    /// The monitoring protocol; its event list also records the doses given.
    monitor: Monitor,
    /// Blood pressure at the label's measurement times, taken so far.
    bp_readings: Vec<clinical::BpReading>,
    /// Post-dose readings still to take: (administration, time after its start, due time), h.
    bp_due: Vec<(usize, f64, f64)>,
}

impl Clinic {
    /// Take the post-dose blood-pressure readings due by `t_end` (the end of this step) from the
    /// vitals `v` at `t_end`.
    fn take_bp_readings(&mut self, t_end: f64, v: &Vitals) {
        let c = self;
        if c.bp_due.iter().all(|&(_, _, due)| due > t_end + 1e-9) {
            return;
        }
        for &(administration, after_h, _) in c.bp_due.iter().filter(|&&(_, _, due)| due <= t_end + 1e-9) {
            c.bp_readings.push(clinical::BpReading { administration, after_h, sbp_mmhg: v.sbp_mmhg, dbp_mmhg: v.dbp_mmhg });
        }
        c.bp_due.retain(|&(_, _, due)| due > t_end + 1e-9);
    }
}

/// A world ready to run.
pub struct Simulation {
    /// The ECS world: agents, stage resources and read-out resources.
    pub world: World,
    schedule: Schedule,
    scenario: Scenario,
    params: Params,
    clinic: Clinic,
    grid: StepGrid,
}

impl Simulation {
    /// Build the world for `sc`: spawn the agents at their drug-free steady state, register the stages and read-outs, give the doses due at t = 0 and settle every read-out at t = 0.
    pub fn new(sc: &Scenario) -> Result<Self> {
        // The subject's own parameters: the table's, the scenario's overrides, the covariates (age).
        let p = crate::pk::covariates::individual(sc.params(), &sc.subject);
        let mut world = World::new();
        let stressed = sc.subject.state == SubjectState::ChronicStress;
        let grid = StepGrid::of(sc);

        // Agents. Interneurons and pyramidal neurons draw their traits from their own streams.
        let rate_i = rng::mean_one_lognormal(p.interneuron_rate_cv);
        let open_i = rng::mean_one_lognormal(p.interneuron_open_cv);
        world.spawn_batch((0..sc.circuit.interneurons).map(|id| {
            let mut r = rng::stream(sc.seed, id as u64, Purpose::InterneuronTraits);
            let cell = Interneuron {
                id,
                baseline_rate_hz: p.interneuron_rate_hz * draw(&rate_i, &mut r),
                open_factor: draw(&open_i, &mut r),
            };
            (cell, FiringRate(cell.baseline_rate_hz))
        }));
        let rate_p = rng::mean_one_lognormal(p.pyramidal_rate_cv);
        let open_p = rng::mean_one_lognormal(p.pyramidal_open_cv);
        let gain_a = rng::mean_one_lognormal(p.ampa_gain_cv);
        let basal_protein = pathway::protein::basal_level(stressed, &p);
        let n_pyr = sc.circuit.pyramidal_neurons as usize;
        let reference = sc.circuit.spines_per_pyramidal as f64;
        let (mut thin_total, mut mushroom_total) = (0u64, 0u64);
        let mut pyramidal = Vec::with_capacity(n_pyr);
        for index in 0..n_pyr as u32 {
            let mut r = rng::stream(sc.seed, index as u64, Purpose::PyramidalTraits);
            let cell = Pyramidal {
                index,
                baseline_rate_hz: p.pyramidal_rate_hz * draw(&rate_p, &mut r),
                open_factor: draw(&open_p, &mut r),
                ampa_gain: draw(&gain_a, &mut r),
            };
            let a0 = pathway::ampa::baseline_activation(cell.ampa_gain, &p);
            // Initial spines: Poisson draws around the drug-free steady state of this subject.
            let (thin_mean, mush_mean) = synaptogenesis::steady_state(basal_protein, stressed, reference, &p);
            let mut r = rng::stream(sc.seed, index as u64, Purpose::InitialSpines);
            let thin = synaptogenesis::poisson(thin_mean, &mut r);
            let mush = synaptogenesis::poisson(mush_mean, &mut r);
            thin_total += u64::from(thin);
            mushroom_total += u64::from(mush);
            let spines = Spines::initial(sc.seed, index, thin, mush);
            // The other stage state comes with `Pyramidal` (required components).
            let drive = synaptogenesis::SpineDrive::at_rest(basal_protein);
            pyramidal.push((cell, FiringRate(cell.baseline_rate_hz), Ampa(a0), SynapticProtein(basal_protein), drive, spines));
        }
        world.spawn_batch(pyramidal);
        let book = SpineBook {
            every_steps: ((p.spine_step_min * SECONDS_PER_MINUTE / sc.numerics.dt_s).round() as u64).max(1),
            reference_per_neuron: reference,
            neurons: n_pyr,
            spines: thin_total + mushroom_total,
            steps_done: 0,
        };

        let administrations = sc.administrations();
        let pk = Pharmacokinetics::new(&p, sc.subject.weight_kg, &administrations);
        let plan = sc
            .interventions
            .iter()
            .map(|i| (i.kind, i.from_h, i.to_h.unwrap_or(f64::INFINITY), i.strength))
            .collect();
        world.insert_resource(SpineMeans::of_totals(thin_total, mushroom_total, n_pyr));
        world.insert_resource(book);
        world.insert_resource(Clock { step: 0, t_h: 0.0, dt_h: 0.0 });
        world.insert_resource(Pk(pk));
        world.insert_resource(Exposure::default());
        world.insert_resource(Model(p.clone()));
        world.insert_resource(Switches(sc.mechanisms.clone()));
        world.insert_resource(Stress(stressed));
        world.insert_resource(Seed(sc.seed));
        world.insert_resource(InterventionPlan(plan));
        let dosed = sc.interventions.iter().filter_map(|i| i.dose).collect();
        world.insert_resource(DosedInterventions(dosed, sc.subject.weight_kg));
        world.insert_resource(Patient {
            subject: sc.subject.clone(),
            sensitivity: Sensitivity::draw(sc.seed, &p),
            sessions: clinical::SessionFactors::draw(sc.seed, &administrations.iter().map(|a| a.t_h).collect::<Vec<_>>(), &p),
            acute: clinical::AcuteState::default(),
            reference_spines_per_neuron: reference,
            madrs_reference: None,
        });

        // The stages and read-outs register themselves into their sets, ordered once in
        // `pathway::build`.
        let mut schedule = Schedule::default();
        schedule.add_systems(pharmacokinetics.in_set(PkSet));
        world.insert_resource(RunScenario(sc.clone()));
        world.insert_resource(grid);
        pathway::build(&mut world, &mut schedule);
        for plugin in crate::readout::READOUTS {
            plugin(&mut world, &mut schedule);
        }

        // The stages are chained, so systems never run side by side: the single-threaded executor
        // avoids waking worker threads every step. Threads (`--threads`) serve parallel iteration
        // inside the spine system, on bevy's compute task pool.
        schedule.set_executor(SingleThreadedExecutor::new());
        // No stage uses `Commands` (or any deferred parameter): no sync points between the sets and
        // no pass over every system at the end of each run to apply empty buffers. Checked below.
        schedule.set_build_settings(ScheduleBuildSettings { auto_insert_apply_deferred: false, ..Default::default() });
        schedule.set_apply_final_deferred(false);
        let clinic = Clinic {
            admins: administrations,
            next_admin: 0,
            monitor: Monitor::new(sc.monitoring, sc.subject.clone()),
            bp_readings: Vec::new(),
            bp_due: Vec::new(),
        };
        let mut sim = Self { world, schedule, scenario: sc.clone(), params: p, clinic, grid };
        // Doses due at t = 0 pass the pre-dose check first; then a zero-length step settles every
        // stage's read-out at t = 0 without changing any state.
        sim.check_doses_due(0.0, 0.0);
        sim.schedule.run(&mut sim.world);
        assert!(
            sim.schedule.systems().is_ok_and(|mut s| s.all(|(_, system)| !system.has_deferred())),
            "a stage system uses Commands or another deferred parameter: apply_deferred is switched off in Simulation::new"
        );
        Ok(sim)
    }

    /// Number of pathway steps a full run takes.
    pub fn total_steps(&self) -> u64 {
        self.grid.total_steps
    }

    /// Advance `steps` full pathway steps without sampling or the clinic (for benchmarks).
    pub fn advance(&mut self, steps: u64) {
        for _ in 0..steps {
            let clock = *self.world.resource::<Clock>();
            let step = if clock.dt_h > 0.0 { clock.step + 1 } else { clock.step };
            let t_h = step as f64 * self.grid.dt_h;
            *self.world.resource_mut::<Clock>() = Clock { step, t_h, dt_h: self.grid.dt_h };
            self.schedule.run(&mut self.world);
        }
    }

    /// Number of spines now.
    pub fn spine_count(&mut self) -> usize {
        self.world.query::<&Spines>().iter(&self.world).map(Spines::len).sum()
    }

    /// Vital signs now, from the acute state and the exposure (for the pre-dose check, before the
    /// step at `now_h`).
    fn vitals(&self, now_h: f64) -> Vitals {
        let e = self.world.resource::<Exposure>();
        let patient = self.world.resource::<Patient>();
        let mut v = patient.current_vitals(clinical::effect_ng_ml(e.clinical_um), now_h, &self.params);
        if let Some(r) = self.world.get_resource::<crate::pain::RespiratoryDepression>() {
            v.spo2_pct -= r.0;
        }
        v
    }

    /// The first time, from `now_h` on, from which the drug effect stays below the fit-to-drive
    /// limits for the rest of the look-ahead ([`clinical::LOOK_AHEAD_H`]): the effect-site
    /// concentration at most `limit_ng_ml` and dissociation at most the discharge limit. The PK
    /// model is continued on a copy without the doses not yet started (a later visit is not part
    /// of this one), in steps of one minute; `None` if the effect lasts beyond the look-ahead.
    fn fit_to_drive_h(&self, now_h: f64, limit_ng_ml: f64) -> Option<f64> {
        let mut pk = self.world.resource::<Pk>().0.clone();
        for i in 0..self.clinic.admins.len() {
            pk.withhold(i);
        }
        let patient = self.world.resource::<Patient>();
        // The acute effects continue on a copy of their state, as the PK model does.
        let mut acute = patient.acute;
        let max_cadss = self.scenario.monitoring.discharge_max_cadss;
        let fit = |pk: &Pharmacokinetics, acute: &clinical::AcuteState, t: f64| {
            let c = clinical::effect_ng_ml(exposure_of(pk, &self.params).clinical_um);
            c <= limit_ng_ml
                && acute.vitals(c, &patient.subject, &patient.sensitivity, patient.sessions.at(t), &self.params).dissociation_cadss <= max_cadss
        };
        let mut from = fit(&pk, &acute, now_h).then_some(now_h);
        let steps = (clinical::LOOK_AHEAD_H / LOOK_STEP_H).round() as u64;
        for k in 1..=steps {
            let t = now_h + k as f64 * LOOK_STEP_H;
            pk.advance_to(t);
            acute.advance(clinical::effect_ng_ml(exposure_of(&pk, &self.params).clinical_um), LOOK_STEP_H, &self.params);
            if !fit(&pk, &acute, t) {
                from = None;
            } else if from.is_none() {
                from = Some(t);
            }
        }
        from
    }

    /// The pre-dose check of every administration that starts by `until_h`, with the vitals at
    /// `now_h`; a withheld dose is removed from the PK timeline.
    fn check_doses_due(&mut self, now_h: f64, until_h: f64) {
        while let Some(&a) = self.clinic.admins.get(self.clinic.next_admin) {
            if a.t_h > until_h + 1e-12 {
                break;
            }
            let i = self.clinic.next_admin;
            self.clinic.next_admin += 1;
            let v = self.vitals(now_h);
            let given = self.clinic.monitor.predose(a.t_h.max(now_h), a.duration_h, &v);
            if given {
                let detail = format!(
                    "{} {} {:.3} mg ({:.3} mg/kg){}",
                    a.drug.name(),
                    a.route.name(),
                    a.mg,
                    a.mg / self.scenario.subject.weight_kg,
                    if a.duration_h > 0.0 { format!(" over {:.1} min", a.duration_h * MINUTES_PER_HOUR) } else { String::new() }
                );
                self.clinic.bp_readings.push(clinical::BpReading { administration: i, after_h: 0.0, sbp_mmhg: v.sbp_mmhg, dbp_mmhg: v.dbp_mmhg });
                self.clinic.bp_due.extend(clinical::BP_CHECK_AFTER_H.iter().map(|&after| (i, after, a.t_h + after)));
                let events = &mut self.clinic.monitor.events;
                events.push(Event { time_h: a.t_h, kind: "dose_start".into(), detail: detail.clone() });
                events.push(Event { time_h: a.t_h + a.duration_h, kind: "dose_end".into(), detail });
            } else {
                self.world.resource_mut::<Pk>().0.withhold(i);
            }
        }
    }

    /// Run to the end. `progress(step, total)` is called now and then.
    pub fn run(self, progress: impl FnMut(u64, u64)) -> Result<RunOutput> {
        self.run_with(crate::api::RunControl::default().with_progress(progress))
    }

    /// Run to the end under `control`: its progress callback, and its cancellation token, checked
    /// once per step.
    pub fn run_with(mut self, control: crate::api::RunControl<'_>) -> Result<RunOutput> {
        let crate::api::RunControl { mut progress, cancel } = control;
        let started = Instant::now();
        let sc = self.scenario.clone();
        let total_h = sc.duration_h;
        let spines_ref = sc.circuit.spines_per_pyramidal as f64;
        let mut tracker = SummaryTracker::new(sc.administrations().first().map_or(0.0, |a| a.t_h));
        let driving_limit = driving_limit_ng_ml(&self.params, sc.subject.weight_kg);
        let start = sample(&self.world, 0.0, spines_ref);
        tracker.observe(&start);
        let mut trace = vec![TraceRow::of(&start)];
        crate::guard::check_sample(&mut self.world, &trace[0])?;
        let grid = self.grid;
        let report_every = (grid.total_steps / 200).max(1);
        for step in 0..grid.total_steps {
            let t_h = step as f64 * grid.dt_h;
            let dt_h = if grid.is_last(step) { total_h - t_h } else { grid.dt_h };
            let t_end = grid.end_h(step);
            self.check_doses_due(t_h, t_end);
            *self.world.resource_mut::<Clock>() = Clock { step, t_h, dt_h };
            self.schedule.run(&mut self.world);
            let values = sample(&self.world, t_end, spines_ref);
            if self.clinic.monitor.observe(t_end, &values.vitals) {
                let below = self.fit_to_drive_h(t_end, driving_limit);
                let last_end = self.clinic.monitor.last_end_h(t_end).unwrap_or(t_end);
                let not_before = last_end + self.params.driving_reference_after_h;
                let nd = clinical::NoDriving::new(below, not_before, self.clinic.monitor.end_of_day_h(t_end), driving_limit);
                self.clinic.monitor.no_driving(t_end, nd);
            }
            tracker.observe(&values);
            self.clinic.take_bp_readings(t_end, &values.vitals);
            cancel.check(t_end)?;
            if grid.is_sample(step) {
                let row = TraceRow::of(&values);
                crate::guard::check_sample(&mut self.world, &row)?;
                trace.push(row);
            }
            if step % report_every == 0 {
                progress(step, grid.total_steps);
            }
        }
        progress(grid.total_steps, grid.total_steps);
        let summary = tracker.finish(&RunFacts {
            scenario: &sc.name,
            seed: sc.seed,
            alarms: self.clinic.monitor.alarms,
            discharge_ready_h: self.clinic.monitor.last_discharge_h(),
            no_driving_until_h: self.clinic.monitor.last_no_driving_until_h(),
        });
        let mut events = events_of(&sc);
        events.append(&mut self.clinic.monitor.events);
        let pain = crate::pain::finish(&mut self.world);
        events.extend(pain.iter().flat_map(|p| p.events.iter().cloned()));
        events.retain(|e| e.time_h <= sc.duration_h + 1e-9);
        events.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
        Ok(RunOutput {
            trace,
            events,
            summary,
            warnings: sc.warnings(),
            wall_time_s: started.elapsed().as_secs_f64(),
            steps: grid.total_steps,
            pain,
            bp_readings: std::mem::take(&mut self.clinic.bp_readings),
        })
    }
}

/// Everything the read-out columns may read at the end of a step; `reference_spines_per_neuron`
/// is `circuit.spines_per_pyramidal`.
fn sample(world: &World, t_h: f64, reference_spines_per_neuron: f64) -> Sample<'_> {
    let means = CircuitMeans::of(world);
    let clinical = *world.resource::<ClinicalReadout>();
    Sample {
        world,
        t_h,
        exposure: *world.resource::<Exposure>(),
        means,
        spine_density_rel: means.spines_per_neuron / reference_spines_per_neuron,
        vitals: clinical.vitals,
        madrs: clinical.madrs,
    }
}

/// Warning and intervention events of a scenario, in time order (dose events come from the run).
pub fn events_of(sc: &Scenario) -> Vec<Event> {
    let mut ev = Vec::new();
    for w in sc.warnings() {
        ev.push(Event { time_h: 0.0, kind: "warning".into(), detail: w });
    }
    for i in &sc.interventions {
        if let Some(d) = i.dose {
            let detail = format!("{} {} mg oral (strength from its kinetics)", i.kind.name(), d.mg);
            ev.push(Event { time_h: d.at_h.max(0.0), kind: "intervention_dose".into(), detail });
            continue;
        }
        let detail = format!("{} strength {}", i.kind.name(), i.strength);
        ev.push(Event { time_h: i.from_h.max(0.0), kind: "intervention_start".into(), detail: detail.clone() });
        if let Some(to) = i.to_h.filter(|&t| t <= sc.duration_h) {
            ev.push(Event { time_h: to, kind: "intervention_end".into(), detail });
        }
    }
    ev.retain(|e| e.time_h <= sc.duration_h + 1e-9);
    ev.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    ev
}
