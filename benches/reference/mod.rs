//! A plain struct-of-arrays reference of the whole pathway step and of a whole run: the same
//! model as the ECS (`ketasim::sim::Simulation`), written by hand over flat `Vec`s, with the same
//! per-agent update functions, the same counter-based random streams and the same floating-point
//! order, so its trace is bit-identical for the same scenario and seed (`tests/it/plain_reference.rs`).
//!
//! It exists to measure what the ECS costs (benches/pathway.rs, groups `step_vs_reference` and
//! `run_vs_reference`; docs/performance.md). It leaves out what a benchmark of the model does not
//! need: the clinic's pre-dose check and monitoring (the bench scenarios withhold no dose; the test
//! checks the traces agree), the numerical guard, and the pain module.
//!
//! Compiled only into the benchmarks and tests (`#[path]` module), never into the library.

#![allow(dead_code)]

use bevy_ecs::world::World;
use ketasim::params::{Params, SECONDS_PER_HOUR};
use ketasim::pathway::synaptogenesis::{self as syn, FateOdds, FateThresholds};
use ketasim::pathway::{
    Blockers, CircuitMeans, Exposure, ampa, bdnf, disinhibition, glutamate, mtorc1, nmda, protein, relax_by,
};
use ketasim::pk::Pharmacokinetics;
use ketasim::readout::clinical::{self, Sensitivity, Vitals};
use ketasim::readout::{Sample, SummaryTracker, TraceRow};
use ketasim::rng::{self, Purpose};
use ketasim::scenario::{InterventionKind, Mechanisms, Scenario, SubjectState, Subject};
use ketasim::rng::LogNormal;
use rand_distr::Distribution;

fn draw(d: &Option<LogNormal>, rng: &mut impl rand::Rng) -> f64 {
    d.as_ref().map_or(1.0, |d| d.sample(rng))
}

/// The whole model state as flat arrays.
pub struct Reference {
    p: Params,
    seed: u64,
    stressed: bool,
    mechanisms: Mechanisms,
    plan: Vec<(InterventionKind, f64, f64, f64)>,
    dt_h: f64,
    /// Pathway steps done (the clock's step of the next step, as in `Simulation::advance`).
    step: u64,
    started: bool,
    pk: Pharmacokinetics,
    exposure: Exposure,
    blockers: Blockers,
    // Interneurons.
    int_base_hz: Vec<f64>,
    int_open: Vec<f64>,
    int_block: Vec<f64>,
    int_rate_hz: Vec<f64>,
    // Pyramidal neurons.
    base_hz: Vec<f64>,
    open: Vec<f64>,
    gain: Vec<f64>,
    block: Vec<f64>,
    adaptation: Vec<f64>,
    suppression: Vec<f64>,
    excitability: Vec<f64>,
    rate_hz: Vec<f64>,
    ampa: Vec<f64>,
    bdnf: Vec<f64>,
    mtorc1: Vec<f64>,
    protein: Vec<f64>,
    drive: Vec<syn::SpineDrive>,
    // Spines, flat: key, owner, kind.
    key: Vec<u64>,
    owner: Vec<u32>,
    mushroom: Vec<bool>,
    // Per neuron spine bookkeeping.
    thin_n: Vec<u32>,
    mushroom_n: Vec<u32>,
    next_serial: Vec<u32>,
    spine_every_steps: u64,
    spine_steps_done: u64,
    reference_per_neuron: f64,
    glutamate: f64,
    /// The stages' means after the last step.
    pub means: CircuitMeans,
    // Clinical read-out.
    subject: Subject,
    sensitivity: Sensitivity,
    sessions: clinical::SessionFactors,
    acute: clinical::AcuteState,
    madrs_reference: Option<(f64, f64)>,
    /// Vitals after the last step.
    pub vitals: Vitals,
    /// MADRS after the last step.
    pub madrs: f64,
    // Whole runs.
    first_dose_h: f64,
    total_steps: u64,
    sample_every_steps: u64,
    duration_h: f64,
}

impl Reference {
    /// The state of `Simulation::new(sc)`, after its zero-length settling step.
    pub fn new(sc: &Scenario) -> Self {
        let p = ketasim::pk::covariates::individual(sc.params(), &sc.subject);
        let stressed = sc.subject.state == SubjectState::ChronicStress;
        let (n_int, n_pyr) = (sc.circuit.interneurons as usize, sc.circuit.pyramidal_neurons as usize);
        let rate_i = rng::mean_one_lognormal(p.interneuron_rate_cv);
        let open_i = rng::mean_one_lognormal(p.interneuron_open_cv);
        let (mut int_base_hz, mut int_open) = (Vec::with_capacity(n_int), Vec::with_capacity(n_int));
        for id in 0..n_int as u64 {
            let mut r = rng::stream(sc.seed, id, Purpose::InterneuronTraits);
            int_base_hz.push(p.interneuron_rate_hz * draw(&rate_i, &mut r));
            int_open.push(draw(&open_i, &mut r));
        }
        let rate_p = rng::mean_one_lognormal(p.pyramidal_rate_cv);
        let open_p = rng::mean_one_lognormal(p.pyramidal_open_cv);
        let gain_a = rng::mean_one_lognormal(p.ampa_gain_cv);
        let basal = protein::basal_level(stressed, &p);
        let reference = sc.circuit.spines_per_pyramidal as f64;
        let (mut base_hz, mut open, mut gain, mut ampa) = (vec![], vec![], vec![], vec![]);
        let (mut key, mut owner, mut mushroom) = (vec![], vec![], vec![]);
        let (mut thin_n, mut mushroom_n, mut next_serial) = (vec![0; n_pyr], vec![0; n_pyr], vec![0; n_pyr]);
        for index in 0..n_pyr as u32 {
            let mut r = rng::stream(sc.seed, u64::from(index), Purpose::PyramidalTraits);
            base_hz.push(p.pyramidal_rate_hz * draw(&rate_p, &mut r));
            open.push(draw(&open_p, &mut r));
            let g = draw(&gain_a, &mut r);
            gain.push(g);
            ampa.push(ampa::baseline_activation(g, &p));
            let (thin_mean, mush_mean) = syn::steady_state(basal, stressed, reference, &p);
            let mut r = rng::stream(sc.seed, u64::from(index), Purpose::InitialSpines);
            let thin = syn::poisson(thin_mean, &mut r);
            let mush = syn::poisson(mush_mean, &mut r);
            for serial in 0..thin + mush {
                key.push(syn::spine_key(sc.seed, index, serial));
                owner.push(index);
                mushroom.push(serial >= thin);
            }
            let i = index as usize;
            (thin_n[i], mushroom_n[i], next_serial[i]) = (thin, mush, thin + mush);
        }
        let administrations = sc.administrations();
        let dt_h = sc.numerics.dt_s / SECONDS_PER_HOUR;
        let total_steps = (sc.duration_h * SECONDS_PER_HOUR / sc.numerics.dt_s - 1e-9).ceil().max(1.0) as u64;
        let mut r = Self {
            first_dose_h: administrations.first().map_or(0.0, |a| a.t_h),
            pk: Pharmacokinetics::new(&p, sc.subject.weight_kg, &administrations),
            seed: sc.seed,
            stressed,
            mechanisms: sc.mechanisms.clone(),
            plan: sc.interventions.iter().map(|i| (i.kind, i.from_h, i.to_h.unwrap_or(f64::INFINITY), i.strength)).collect(),
            dt_h,
            step: 0,
            started: false,
            exposure: Exposure::default(),
            blockers: Blockers::default(),
            int_block: vec![0.0; n_int],
            int_rate_hz: int_base_hz.clone(),
            int_base_hz,
            int_open,
            rate_hz: base_hz.clone(),
            base_hz,
            open,
            gain,
            block: vec![0.0; n_pyr],
            adaptation: vec![0.0; n_pyr],
            suppression: vec![0.0; n_pyr],
            excitability: vec![1.0; n_pyr],
            ampa,
            bdnf: vec![1.0; n_pyr],
            mtorc1: vec![1.0; n_pyr],
            protein: vec![basal; n_pyr],
            drive: vec![syn::SpineDrive::at_rest(basal); n_pyr],
            key,
            owner,
            mushroom,
            thin_n,
            mushroom_n,
            next_serial,
            spine_every_steps: ((p.spine_step_min * 60.0 / sc.numerics.dt_s).round() as u64).max(1),
            spine_steps_done: 0,
            reference_per_neuron: reference,
            glutamate: 1.0,
            means: CircuitMeans::default(),
            subject: sc.subject.clone(),
            sensitivity: Sensitivity::draw(sc.seed, &p),
            sessions: clinical::SessionFactors::draw(sc.seed, &administrations.iter().map(|a| a.t_h).collect::<Vec<_>>(), &p),
            acute: clinical::AcuteState::default(),
            madrs_reference: None,
            vitals: Vitals::default(),
            madrs: 0.0,
            total_steps,
            sample_every_steps: (sc.numerics.sample_every_min * 60.0 / sc.numerics.dt_s).round().max(1.0) as u64,
            duration_h: sc.duration_h,
            p,
        };
        r.spine_means();
        r.step_with(0, 0.0, 0.0);
        r
    }

    /// Number of spines.
    pub fn spine_count(&self) -> usize {
        self.key.len()
    }

    /// `steps` full pathway steps (as `Simulation::advance`).
    pub fn advance(&mut self, steps: u64) {
        for _ in 0..steps {
            let step = if self.started { self.step + 1 } else { self.step };
            self.started = true;
            self.step = step;
            self.step_with(step, step as f64 * self.dt_h, self.dt_h);
        }
    }

    fn spine_means(&mut self) {
        let t: u64 = self.thin_n.iter().map(|&x| u64::from(x)).sum();
        let m: u64 = self.mushroom_n.iter().map(|&x| u64::from(x)).sum();
        let s = syn::SpineMeans::of_totals(t, m, self.thin_n.len());
        self.means.spines_per_neuron = s.spines_per_neuron;
        self.means.thin_spines_per_neuron = s.thin_spines_per_neuron;
        self.means.mushroom_spines_per_neuron = s.mushroom_spines_per_neuron;
    }

    /// One pathway step (`Clock { step, t_h, dt_h }`), every stage in the schedule's order.
    pub fn step_with(&mut self, step: u64, t_h: f64, dt_h: f64) {
        let p = &self.p;
        // PK.
        self.pk.advance_to(t_h + dt_h);
        self.exposure = ketasim::sim::exposure_of(&self.pk, p);
        // Interventions.
        let t = t_h + dt_h;
        let mut b = Blockers::default();
        for &(kind, from, to, strength) in &self.plan {
            if t > from && t <= to {
                let slot = &mut b.0[kind.index()];
                *slot = slot.max(strength);
            }
        }
        self.blockers = b;
        let mean = |sum: f64, n: usize| sum / n.max(1) as f64;
        // NMDA block.
        let (tau_h, c) = (p.nmda_unblock_tau_min / 60.0, self.exposure.blocker_um);
        let mut sum = 0.0;
        for (b, &o) in self.int_block.iter_mut().zip(&self.int_open) {
            *b = nmda::trapping_block_step(*b, c, o, p.nmda_ic50_interneuron_um, tau_h, dt_h);
            sum += *b;
        }
        self.means.nmda_block_interneuron = mean(sum, self.int_block.len());
        let mut sum = 0.0;
        for (b, &o) in self.block.iter_mut().zip(&self.open) {
            *b = nmda::trapping_block_step(*b, c, o, p.nmda_ic50_pyramidal_um, tau_h, dt_h);
            sum += *b;
        }
        let n = self.block.len();
        self.means.nmda_block_pyramidal = mean(sum, n);
        // Disinhibition.
        let (mut sum, mut base) = (0.0, 0.0);
        for ((r, &b0), &b) in self.int_rate_hz.iter_mut().zip(&self.int_base_hz).zip(&self.int_block) {
            *r = disinhibition::interneuron_rate(b0, b, p.interneuron_nmda_drive_fraction);
            sum += *r;
            base += b0;
        }
        self.means.interneuron_rate_hz = mean(sum, self.int_rate_hz.len());
        self.means.inhibition_rel = if base > 0.0 { sum / base } else { 1.0 };
        let lost = if self.mechanisms.disinhibition { (1.0 - self.means.inhibition_rel).max(0.0) } else { 0.0 };
        let k = disinhibition::PyramidalStep::new(dt_h, p);
        let mut sum = 0.0;
        // Local slices, so that the compiler knows the arrays do not alias.
        let (base_hz, block) = (&self.base_hz[..n], &self.block[..n]);
        let (adaptation, suppression) = (&mut self.adaptation[..n], &mut self.suppression[..n]);
        let (excitability, rate_hz) = (&mut self.excitability[..n], &mut self.rate_hz[..n]);
        for i in 0..n {
            let s = disinhibition::pyramidal_update(base_hz[i], block[i], lost, adaptation[i], suppression[i], &k, p);
            (adaptation[i], suppression[i], excitability[i], rate_hz[i]) = (s.adaptation, s.suppression, s.excitability, s.rate_hz);
            sum += s.rate_hz;
        }
        self.means.pyramidal_rate_hz = mean(sum, n);
        // Glutamate.
        let (mut rate, mut base) = (0.0, 0.0);
        for (&r, &b0) in self.rate_hz.iter().zip(&self.base_hz) {
            rate += r;
            base += b0;
        }
        let rel = if base > 0.0 { rate / base } else { 1.0 };
        self.glutamate = glutamate::glutamate_step(self.glutamate, rel, p.glutamate_gain, p.glutamate_tau_min / 60.0, dt_h);
        self.means.glutamate_rel = self.glutamate;
        // AMPA.
        let drive = ampa::drive(self.glutamate, self.blockers.of(InterventionKind::Nbqx), self.exposure.hnk_um, self.mechanisms.hnk, p);
        let h = ampa::response(drive, p);
        let mut sum = 0.0;
        for (a, &g) in self.ampa.iter_mut().zip(&self.gain) {
            *a = ampa::activation_from(g, h);
            sum += *a;
        }
        self.means.ampa_activation = mean(sum, n);
        // BDNF.
        let decay = ketasim::math::exp(-dt_h / (p.bdnf_tau_min / 60.0));
        let h0 = ampa::response(1.0, p);
        let val66met = self.blockers.of(InterventionKind::BdnfVal66met);
        let aniso = self.blockers.of(InterventionKind::Anisomycin);
        let mut sum = 0.0;
        let (gain, ampa, block) = (&self.gain[..n], &self.ampa[..n], &self.block[..n]);
        let (excitability, suppression, bdnf) = (&self.excitability[..n], &self.suppression[..n], &mut self.bdnf[..n]);
        let eef2k = self.mechanisms.eef2k;
        for i in 0..n {
            let a0 = ampa::activation_from(gain[i], h0);
            let target = bdnf::bdnf_target(ampa[i], a0, block[i], excitability[i], suppression[i], val66met, aniso, eef2k, p);
            bdnf[i] = relax_by(bdnf[i], target, decay);
            sum += bdnf[i];
        }
        self.means.bdnf_rel = mean(sum, n);
        // mTORC1.
        let decay = ketasim::math::exp(-dt_h / (p.mtorc1_tau_min / 60.0));
        let (trkb, rapa) = (self.blockers.of(InterventionKind::TrkbAntagonist), self.blockers.of(InterventionKind::Rapamycin));
        let mut sum = 0.0;
        for (m, &b) in self.mtorc1.iter_mut().zip(&self.bdnf) {
            *m = relax_by(*m, mtorc1::mtorc1_target(b, trkb, rapa, p), decay);
            sum += *m;
        }
        self.means.mtorc1_rel = mean(sum, n);
        // Synaptic protein.
        let basal = protein::basal_level(self.stressed, p);
        let decay = ketasim::math::exp(-protein::degradation_per_h(p) * dt_h);
        let mut sum = 0.0;
        for (x, &m) in self.protein.iter_mut().zip(&self.mtorc1) {
            *x = protein::protein_step_by(*x, m, basal, aniso, decay, p);
            sum += *x;
        }
        self.means.synaptic_protein_rel = mean(sum, n);
        // Competence and consolidation.
        let k = syn::DriveStep::new(dt_h, basal, p);
        for (d, &x) in self.drive.iter_mut().zip(&self.protein) {
            *d = syn::drive_step(*d, x, &k, p);
        }
        // Spine turnover, on its own step.
        if dt_h > 0.0 && (step + 1).is_multiple_of(self.spine_every_steps) {
            self.spine_step(self.spine_every_steps as f64 * dt_h);
        }
        // Clinical read-out.
        let p = &self.p;
        let density = self.means.spines_per_neuron / self.reference_per_neuron;
        let (protein0, density0) = *self.madrs_reference.get_or_insert((self.means.synaptic_protein_rel, density));
        let c = clinical::effect_ng_ml(self.exposure.clinical_um);
        self.acute.advance(c, dt_h, p);
        self.vitals = self.acute.vitals(c, &self.subject, &self.sensitivity, self.sessions.at(t_h + dt_h), p);
        self.madrs = clinical::madrs(self.subject.madrs, self.means.synaptic_protein_rel, protein0, density, density0, p);
    }

    /// One spine step over the flat arrays: fates (one pass, compacting), then formation in
    /// neuron order.
    fn spine_step(&mut self, dt_h: f64) {
        let p = &self.p;
        let n = self.thin_n.len();
        let counter = self.spine_steps_done;
        let mut rates = Vec::with_capacity(n);
        let mut th = Vec::with_capacity(n);
        for i in 0..n {
            let d = &self.drive[i];
            let r = syn::rates(d.competence, d.consolidation, f64::from(self.thin_n[i] + self.mushroom_n[i]), self.stressed, self.reference_per_neuron, p);
            th.push(FateThresholds::new(&FateOdds::new(&r, dt_h)));
            rates.push(r);
        }
        let (mut thin_n, mut mushroom_n) = (vec![0u32; n], vec![0u32; n]);
        let c = rng::mix64(counter);
        let mut w = 0;
        let len = self.key.len();
        let (keys, owner, mushroom) = (&mut self.key[..len], &mut self.owner[..len], &mut self.mushroom[..len]);
        for r in 0..len {
            let (key, i, mut mush) = (keys[r], owner[r] as usize, mushroom[r]);
            let x = rng::bits53(key, c);
            let t = &th[i];
            if mush {
                if x < t.mushroom_eliminated {
                    continue;
                }
            } else if x < t.thin_eliminated {
                continue;
            } else if x < t.thin_any {
                mush = true;
            }
            if mush { mushroom_n[i] += 1 } else { thin_n[i] += 1 }
            (keys[w], owner[w], mushroom[w]) = (key, i as u32, mush);
            w += 1;
        }
        self.key.truncate(w);
        self.owner.truncate(w);
        self.mushroom.truncate(w);
        let capacity = (p.spine_capacity_rel * self.reference_per_neuron).ceil() as u32;
        for i in 0..n {
            let free = capacity.saturating_sub(thin_n[i] + mushroom_n[i]);
            let mean = rates[i].formation_per_h * dt_h;
            let k = if mean > 10.0 * f64::from(free) + 100.0 {
                free
            } else {
                let key = rng::stream_key(self.seed, i as u64, Purpose::SpineFormation);
                syn::poisson(mean, &mut rng::stream_at(key, counter)).min(free)
            };
            for _ in 0..k {
                self.key.push(syn::spine_key(self.seed, i as u32, self.next_serial[i]));
                self.owner.push(i as u32);
                self.mushroom.push(false);
                self.next_serial[i] += 1;
            }
            thin_n[i] += k;
        }
        self.thin_n = thin_n;
        self.mushroom_n = mushroom_n;
        self.spine_steps_done += 1;
        self.spine_means();
    }

    /// A whole run (as `Simulation::run` without the clinic's checks and the guard): the trace rows
    /// and the summary tracker.
    pub fn run(mut self) -> (Vec<TraceRow>, SummaryTracker) {
        let world = World::new();
        let mut tracker = SummaryTracker::new(self.first_dose_h);
        let start = self.sample(&world, 0.0);
        tracker.observe(&start);
        let mut trace = vec![TraceRow::of(&start)];
        for step in 0..self.total_steps {
            let last = step + 1 == self.total_steps;
            let t_h = step as f64 * self.dt_h;
            let dt_h = if last { self.duration_h - t_h } else { self.dt_h };
            let t_end = if last { self.duration_h } else { (step + 1) as f64 * self.dt_h };
            self.step_with(step, t_h, dt_h);
            let s = self.sample(&world, t_end);
            tracker.observe(&s);
            if (step + 1) % self.sample_every_steps == 0 || last {
                trace.push(TraceRow::of(&s));
            }
        }
        (trace, tracker)
    }

    fn sample<'w>(&self, world: &'w World, t_h: f64) -> Sample<'w> {
        Sample {
            world,
            t_h,
            exposure: self.exposure,
            means: self.means,
            spine_density_rel: self.means.spines_per_neuron / self.reference_per_neuron,
            vitals: self.vitals,
            madrs: self.madrs,
        }
    }
}
