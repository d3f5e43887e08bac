//! Stage 8 — spine turnover: stochastic formation, maturation and elimination of spines.
//!
//! Each pyramidal neuron `i` forms thin spines as a Poisson process whose rate rises with its
//! competence for spine formation `C_i`, a delayed copy of its synaptic protein `P_i` (new protein
//! must mature for hours before spines form: formation is unchanged 3–6 h after ketamine and
//! raised at 12–24 h, Moda-Sava 2019); thin spines are eliminated or mature into mushroom spines;
//! mushroom spines are eliminated slowly, faster under chronic stress and slower in a neuron whose
//! spines are consolidated by sustained, repeated drive (rates per day in the parameters):
//!
//! ```text
//! competence     dE_i/dt = (P_i − E_i) / τ_c,   dC_i/dt = (E_i − C_i) / τ_c       (two stages)
//! consolidation  K*_i = K_max · x^n / (x^n + x50^n),   x = max(C_i / P_basal − 1, 0)
//!                dK_i/dt = (K*_i − K_i) / (K*_i > K_i ? τ_on : τ_off)
//! formation      F_i = F0 · C_i^h · R(N_i),   R(N) = max(0, 1 − (N / (c · N_ref))^q)
//!                                        (new thin spines per day; crowding: dendritic room is
//!                                         finite, and formation stops as density nears c·N_ref)
//! thin           → eliminated at e_thin, → mushroom at m
//! mushroom       → eliminated at e_mush' = e_mush · (stress ? s_stress : 1) · (1 − K_i)
//! F0 = N_ref · (e_thin + m) / (1 + m / e_mush) / (1 − (1/c)^q)
//! ```
//!
//! With `P` held over a step the competence chain is integrated exactly
//! (`u_E ← u_E·d`, `u_C ← (u_C + u_E·Δ/τ_c)·d`, `u = x − P`, `d = e^{−Δ/τ_c}`), and so is
//! the consolidation's relaxation. One dose raises `C` by about a third and consolidates little;
//! repeated doses stack the protein excess (its half-life is days) and consolidate the neuron's
//! mushroom spines, which then outlast the drive by weeks (relapse after six infusions, Murrough
//! 2013b). `F0` is chosen so that a healthy, drug-free neuron keeps `N_ref = spines_per_pyramidal` on
//! average; `c` (`spine_capacity_rel`) is the ceiling that repeated dosing cannot pass, and the
//! steep crowding (`q`, `spine_crowding_hill`) acts mostly above the healthy density, a homeostatic
//! ceiling that leaves a depleted (stressed) neuron's formation almost untouched: ketamine restores
//! stress-depleted spines to about the control density, not far beyond (Li 2011; Moda-Sava 2019). At
//! constant protein (`C = P`, `K = 0` at the basal level) the steady state solves `N = k · R(N)`
//! (bisection; `N = k / (1 + k / (c N_ref))` for `q = 1`) with
//! `k = F0 P^h (1 + m/e_mush') / (e_thin + m) / 1`; thin spines are `N / (1 + m/e_mush')` of it. Each spine's fate over a spine
//! step `Δ` is drawn from its own counter-based stream with the exact competing-risk
//! probabilities: thin → eliminated with `(e/λ)(1 − e^{−λΔ})`, → mushroom with `(m/λ)(1 − e^{−λΔ})`,
//! `λ = e_thin + m`. Turnover runs on its own, longer step (`spine_step_min`).
//!
//! Layout: each pyramidal neuron owns its spines as one compact component, [`Spines`] (the keys of
//! its thin and of its mushroom spines, 8 bytes a spine), instead of one entity per spine, which
//! cost about 200 bytes a spine in entity metadata, table rows and change ticks
//! (docs/performance.md). A spine is still an agent with its own random stream: its key is
//! [`spine_key`]`(seed, neuron, serial)`, the same as when spines were entities, so outputs did not
//! change.

use bevy_ecs::prelude::*;

use super::{Clock, DENSE, Model, Pyramidal, Seed, Stress, SynapticProtein};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean spines per pyramidal neuron, by kind.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct SpineMeans {
    /// All spines.
    pub spines_per_neuron: f64,
    /// Thin spines.
    pub thin_spines_per_neuron: f64,
    /// Mushroom spines.
    pub mushroom_spines_per_neuron: f64,
}

impl SpineMeans {
    /// The means of `thin` thin and `mushroom` mushroom spines over `neurons` neurons.
    pub fn of_totals(thin: u64, mushroom: u64, neurons: usize) -> Self {
        let n = neurons.max(1) as f64;
        Self {
            spines_per_neuron: (thin + mushroom) as f64 / n,
            thin_spines_per_neuron: thin as f64 / n,
            mushroom_spines_per_neuron: mushroom as f64 / n,
        }
    }
}

/// Register the stage: its system ([`spines`]: competence every step, turnover on its own, longer
/// spine step) and its guard checks. The initial spines and the [`SpineBook`] come with the agents
/// (see `sim.rs`).
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.init_resource::<SpineMeans>();
    schedule.add_systems(spines.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        let m = *world.resource::<SpineMeans>();
        for (name, v) in [
            ("spines_per_neuron", m.spines_per_neuron),
            ("thin_spines_per_neuron", m.thin_spines_per_neuron),
            ("mushroom_spines_per_neuron", m.mushroom_spines_per_neuron),
        ] {
            guard::check_value("spines", name, v, Bound::NonNegative, t_h, ov)?;
        }
        Ok(())
    });
}
use crate::params::Params;
use crate::rng::{self, Purpose};
use crate::units::HOURS_PER_DAY;

/// Below this many spines, fates are drawn on one thread: parallel iteration does not pay for a
/// light per-spine update (docs/performance.md).
pub const PARALLEL_MIN_SPINES: usize = 200_000;

/// Spine bookkeeping: the spine step and the circuit's spine count (the spines themselves live in
/// each neuron's [`Spines`]).
#[derive(Resource, Debug, Clone)]
pub struct SpineBook {
    /// Spine turnover runs every `every_steps` pathway steps.
    pub every_steps: u64,
    /// Healthy, drug-free spines per neuron (`circuit.spines_per_pyramidal`).
    pub reference_per_neuron: f64,
    /// Number of pyramidal neurons.
    pub neurons: usize,
    /// Spines in the circuit now.
    pub spines: u64,
    /// Number of spine steps done.
    pub steps_done: u64,
}

/// The spines of one pyramidal neuron, as compact arrays: the random-stream key of each thin and
/// of each mushroom spine (8 bytes a spine). The order within each array carries no meaning (each
/// spine draws from its own stream and tallies are counts), so eliminated spines are compacted
/// out in place and new ones appended.
#[derive(Component, Debug, Clone, Default, PartialEq, Eq)]
pub struct Spines {
    /// Keys of the thin spines ([`spine_key`]).
    pub thin: Vec<u64>,
    /// Keys of the mushroom spines.
    pub mushroom: Vec<u64>,
    /// Serial of the next spine this neuron forms (serials are never reused).
    pub next_serial: u32,
}

impl Spines {
    /// The initial spines of neuron `neuron`: `thin` thin spines (serials `0..thin`), then
    /// `mushroom` mushroom spines, with a little room to grow.
    pub fn initial(seed: u64, neuron: u32, thin: u32, mushroom: u32) -> Self {
        let keys = |from: u32, n: u32| {
            let mut v = Vec::with_capacity(n as usize + n as usize / 8 + 4);
            v.extend((from..from + n).map(|serial| spine_key(seed, neuron, serial)));
            v
        };
        Self { thin: keys(0, thin), mushroom: keys(thin, mushroom), next_serial: thin + mushroom }
    }

    /// Number of spines.
    #[inline]
    pub fn len(&self) -> usize {
        self.thin.len() + self.mushroom.len()
    }

    /// Whether the neuron has no spines.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pyramidal neuron's drive of spine turnover: its competence for spine formation (two
/// maturation stages behind its synaptic protein) and the consolidation of its mushroom spines.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct SpineDrive {
    /// First maturation stage, relative (follows synaptic protein with `spine_competence_tau_h`).
    pub early: f64,
    /// Competence for spine formation `C`, relative (follows `early`).
    pub competence: f64,
    /// Consolidation `K` of the neuron's mushroom spines, 0 to `spine_consolidation_max`.
    pub consolidation: f64,
}

impl Default for SpineDrive {
    fn default() -> Self {
        Self::at_rest(1.0)
    }
}

impl SpineDrive {
    /// The drug-free steady state at synaptic protein `protein`: competence equal to it, nothing
    /// consolidated.
    pub fn at_rest(protein: f64) -> Self {
        Self { early: protein, competence: protein, consolidation: 0.0 }
    }
}

/// What one pathway step shares across neurons for [`drive_step`] (computed once per step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriveStep {
    /// `exp(−Δ/τ_c)`.
    pub decay: f64,
    /// `Δ/τ_c`.
    pub dt_over_tau: f64,
    /// `exp(−Δ/τ_on)`: consolidation building up.
    pub on: f64,
    /// `exp(−Δ/τ_off)`: consolidation fading.
    pub off: f64,
    /// Basal synaptic protein of the subject (the competence that consolidates nothing).
    pub basal: f64,
    /// `x50^n` of the consolidation's Hill function (`spine_consolidation_half_drive_rel` to the
    /// power `spine_consolidation_hill`), which [`super::hill`] would otherwise evaluate for every
    /// neuron: with `n` = 8 that is a `pow` call (docs/performance.md, fifth pass).
    pub half_drive_n: f64,
}

impl DriveStep {
    /// The shared factors of a step of `dt_h` hours for a subject with basal protein `basal`.
    pub fn new(dt_h: f64, basal: f64, p: &Params) -> Self {
        let dt_over_tau = dt_h / p.spine_competence_tau_h;
        Self {
            decay: crate::math::exp(-dt_over_tau),
            dt_over_tau,
            on: crate::math::exp(-dt_h / p.spine_consolidation_on_h),
            off: crate::math::exp(-dt_h / (p.spine_consolidation_off_days * HOURS_PER_DAY)),
            basal,
            half_drive_n: super::pow_n(p.spine_consolidation_half_drive_rel, p.spine_consolidation_hill),
        }
    }
}

/// Consolidation target `K*` at competence `competence` for basal protein `basal`.
#[inline]
pub fn consolidation_target(competence: f64, basal: f64, p: &Params) -> f64 {
    consolidation_target_by(competence, basal, super::pow_n(p.spine_consolidation_half_drive_rel, p.spine_consolidation_hill), p)
}

/// [`consolidation_target`] with `x50^n` given ([`DriveStep::half_drive_n`]): the same value, bit
/// for bit. At or below the basal level (`x = 0`) the power is not evaluated: `0^n = +0` exactly
/// for `n > 0`, which is what `pow` returns (`x` is `+0` there: `a − a` is `+0`).
#[inline]
pub fn consolidation_target_by(competence: f64, basal: f64, half_drive_n: f64, p: &Params) -> f64 {
    let x = (competence / basal - 1.0).max(0.0);
    let n = p.spine_consolidation_hill;
    let xn = if x == 0.0 && n > 0.0 { 0.0 } else { super::pow_n(x, n) };
    p.spine_consolidation_max * (xn / (xn + half_drive_n))
}

/// One neuron's [`SpineDrive`] after a step over which its synaptic protein is `protein` (exact
/// for the two-stage chain and the relaxation of the consolidation at the step's start target).
#[inline]
pub fn drive_step(d: SpineDrive, protein: f64, k: &DriveStep, p: &Params) -> SpineDrive {
    let (ue, uc) = (d.early - protein, d.competence - protein);
    let target = consolidation_target_by(d.competence, k.basal, k.half_drive_n, p);
    let decay = if target > d.consolidation { k.on } else { k.off };
    SpineDrive {
        early: protein + ue * k.decay,
        competence: protein + (uc + ue * k.dt_over_tau) * k.decay,
        consolidation: super::relax_by(d.consolidation, target, decay),
    }
}

/// Append `key`, growing by an eighth when full (not doubling), so that spare capacity stays a
/// small share of the bytes per spine.
#[inline]
fn push_key(v: &mut Vec<u64>, key: u64) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.len() / 8 + 4);
    }
    v.push(key);
}

/// Rates of one neuron, per hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpineRates {
    /// New thin spines formed, per hour.
    pub formation_per_h: f64,
    /// Probability rate of a thin spine being eliminated, per hour.
    pub thin_elimination_per_h: f64,
    /// Probability rate of a thin spine maturing into a mushroom spine, per hour.
    pub maturation_per_h: f64,
    /// Probability rate of a mushroom spine being eliminated, per hour.
    pub mushroom_elimination_per_h: f64,
}

/// Formation rate of a neuron with no crowding (spines per hour at competence `protein`).
fn uncrowded_formation_per_h(protein: f64, reference_per_neuron: f64, p: &Params) -> f64 {
    let (e_t, m, e_m) = (
        p.spine_thin_elimination_per_day / HOURS_PER_DAY,
        p.spine_maturation_per_day / HOURS_PER_DAY,
        p.spine_mushroom_elimination_per_day / HOURS_PER_DAY,
    );
    let f0 = reference_per_neuron * (e_t + m) / (1.0 + m / e_m) / room(reference_per_neuron, reference_per_neuron, p);
    f0 * crate::math::powf(protein.max(0.0), p.spine_formation_protein_hill)
}

/// Dendritic room `R(N) = max(0, 1 − (N / (c N_ref))^q)` of a neuron with `spines` spines.
#[inline]
pub fn room(spines: f64, reference_per_neuron: f64, p: &Params) -> f64 {
    (1.0 - crate::math::powf(spines.max(0.0) / (p.spine_capacity_rel * reference_per_neuron), p.spine_crowding_hill)).max(0.0)
}

/// Rates of a neuron with competence `protein` (at rest, its synaptic protein), consolidation
/// `consolidation` and `spines` spines now.
pub fn rates(protein: f64, consolidation: f64, spines: f64, stressed: bool, reference_per_neuron: f64, p: &Params) -> SpineRates {
    let (e_t, m, e_m) = (
        p.spine_thin_elimination_per_day / HOURS_PER_DAY,
        p.spine_maturation_per_day / HOURS_PER_DAY,
        p.spine_mushroom_elimination_per_day / HOURS_PER_DAY,
    );
    SpineRates {
        formation_per_h: uncrowded_formation_per_h(protein, reference_per_neuron, p) * room(spines, reference_per_neuron, p),
        thin_elimination_per_h: e_t,
        maturation_per_h: m,
        mushroom_elimination_per_h: e_m * if stressed { p.stress_mushroom_elimination_factor } else { 1.0 } * (1.0 - consolidation),
    }
}

/// Steady-state (thin, mushroom) spines per neuron at constant protein.
pub fn steady_state(protein: f64, stressed: bool, reference_per_neuron: f64, p: &Params) -> (f64, f64) {
    let r = rates(protein, 0.0, 0.0, stressed, reference_per_neuron, p);
    let ratio = r.maturation_per_h / r.mushroom_elimination_per_h; // mushroom per thin spine
    let k = r.formation_per_h * (1.0 + ratio) / (r.thin_elimination_per_h + r.maturation_per_h);
    // N = k·R(N): k·R(N) − N falls from k at N = 0 to −c·N_ref at the ceiling; bisect.
    let (mut lo, mut hi) = (0.0, p.spine_capacity_rel * reference_per_neuron);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if k * room(mid, reference_per_neuron, p) > mid { lo = mid } else { hi = mid }
    }
    let n = 0.5 * (lo + hi);
    let thin = n / (1.0 + ratio);
    (thin, n - thin)
}

/// What happens to one spine over a spine step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The spine stays as it is.
    Stays,
    /// A thin spine matures into a mushroom spine.
    Matures,
    /// The spine is eliminated (despawned).
    Eliminated,
}

/// Per-neuron probabilities of each fate over one spine step (computed once per neuron and step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FateOdds {
    /// A thin spine is eliminated with `thin_eliminated`, matures with `thin_any − thin_eliminated`.
    pub thin_eliminated: f64,
    /// Probability that a thin spine either is eliminated or matures.
    pub thin_any: f64,
    /// Probability that a mushroom spine is eliminated.
    pub mushroom_eliminated: f64,
}

impl FateOdds {
    /// Exact competing-risk probabilities over `dt_h` at constant rates.
    pub fn new(r: &SpineRates, dt_h: f64) -> Self {
        let lambda = r.thin_elimination_per_h + r.maturation_per_h;
        let thin_any = -crate::math::exp_m1(-lambda * dt_h);
        Self {
            thin_eliminated: if lambda > 0.0 { thin_any * r.thin_elimination_per_h / lambda } else { 0.0 },
            thin_any,
            mushroom_eliminated: -crate::math::exp_m1(-r.mushroom_elimination_per_h * dt_h),
        }
    }
}

/// The fate of a spine from a uniform number `u` in [0, 1).
#[inline]
pub fn fate(mushroom: bool, odds: &FateOdds, u: f64) -> Fate {
    if mushroom {
        return if u < odds.mushroom_eliminated { Fate::Eliminated } else { Fate::Stays };
    }
    if u < odds.thin_eliminated {
        Fate::Eliminated
    } else if u < odds.thin_any {
        Fate::Matures
    } else {
        Fate::Stays
    }
}

/// [`FateOdds`] as thresholds on the 53-bit integer behind [`rng::uniform`]: `uniform(k, c) < p`
/// exactly when `bits53(k, c) < ⌈p · 2^53⌉` (both sides are exact in f64), so the fates are the
/// same and the inner loop compares integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FateThresholds {
    /// A thin spine is eliminated below this.
    pub thin_eliminated: u64,
    /// A thin spine is eliminated or matures below this.
    pub thin_any: u64,
    /// A mushroom spine is eliminated below this.
    pub mushroom_eliminated: u64,
}

impl FateThresholds {
    /// The thresholds of `odds`.
    pub fn new(odds: &FateOdds) -> Self {
        // `as u64` saturates: a probability ≤ 0 (or NaN) never fires, ≥ 1 always does.
        let t = |q: f64| (q * rng::TWO_POW_53).ceil() as u64;
        Self { thin_eliminated: t(odds.thin_eliminated), thin_any: t(odds.thin_any), mushroom_eliminated: t(odds.mushroom_eliminated) }
    }
}

/// What one spine step shares across neurons (computed once per spine step).
#[derive(Debug, Clone, Copy)]
pub struct SpineStep {
    /// Length of the spine step, h.
    pub dt_h: f64,
    /// The spine step's counter (spine steps done before it).
    pub counter: u64,
    /// `mix64(counter)`, the per-step half of every spine's draw.
    mixed_counter: u64,
    /// The run seed.
    pub seed: u64,
    /// Chronic stress.
    pub stressed: bool,
    /// Healthy spines per neuron.
    pub reference_per_neuron: f64,
    /// Most spines a neuron can have, `⌈c · N_ref⌉`.
    pub capacity: u32,
}

impl SpineStep {
    /// The shared values of spine step number `counter`, `dt_h` long.
    pub fn new(dt_h: f64, counter: u64, seed: u64, stressed: bool, reference_per_neuron: f64, p: &Params) -> Self {
        Self {
            dt_h,
            counter,
            mixed_counter: rng::mix64(counter),
            seed,
            stressed,
            reference_per_neuron,
            capacity: (p.spine_capacity_rel * reference_per_neuron).ceil() as u32,
        }
    }
}

/// One neuron's spine step: the fate of each of its spines, then formation. `index` is the
/// neuron's index, `drive` its competence and consolidation; the rates use the spine count before the step.
pub fn neuron_spine_step(index: u32, drive: &SpineDrive, spines: &mut Spines, k: &SpineStep, p: &Params) {
    let r = rates(drive.competence, drive.consolidation, spines.len() as f64, k.stressed, k.reference_per_neuron, p);
    let th = FateThresholds::new(&FateOdds::new(&r, k.dt_h));
    let c = k.mixed_counter;
    // Mushroom spines: eliminated or kept (compacted in place).
    let m = &mut spines.mushroom;
    let mut w = 0;
    for r in 0..m.len() {
        let key = m[r];
        if rng::bits53(key, c) >= th.mushroom_eliminated {
            m[w] = key;
            w += 1;
        }
    }
    m.truncate(w);
    // Thin spines: eliminated, matured (moved to the mushroom array) or kept.
    let t = &mut spines.thin;
    let mut w = 0;
    for r in 0..t.len() {
        let key = t[r];
        let x = rng::bits53(key, c);
        if x >= th.thin_any {
            t[w] = key;
            w += 1;
        } else if x >= th.thin_eliminated {
            push_key(&mut spines.mushroom, key);
        }
    }
    t.truncate(w);

    // Formation, from the neuron's own stream. Crowding also caps one spine step's formation at
    // the room left, so that extreme parameter combinations cannot overshoot the capacity or
    // allocate billions of spines.
    let free = k.capacity.saturating_sub(spines.len() as u32);
    let mean = r.formation_per_h * k.dt_h;
    let new = if mean > 10.0 * f64::from(free) + 100.0 {
        free
    } else {
        let key = rng::stream_key(k.seed, u64::from(index), Purpose::SpineFormation);
        poisson(mean, &mut rng::stream_at(key, k.counter)).min(free)
    };
    for _ in 0..new {
        push_key(&mut spines.thin, spine_key(k.seed, index, spines.next_serial));
        spines.next_serial += 1;
    }
}

/// Stable id of a spine: neuron index and the neuron's spine serial.
#[inline]
pub fn spine_key(seed: u64, neuron: u32, serial: u32) -> u64 {
    rng::stream_key(seed, (u64::from(neuron) << 32) | u64::from(serial), Purpose::SpineFate)
}

/// Poisson draw with a guard for a zero or non-finite mean.
pub fn poisson<R: rand::Rng + ?Sized>(mean: f64, rng: &mut R) -> u32 {
    u32::try_from(rng::poisson(mean, rng)).unwrap_or(u32::MAX)
}

/// Whether spine turnover runs at the step `clock`: on every `every_steps`-th step, never on a
/// zero-length step.
#[inline]
pub fn spine_step_due(clock: &Clock, book: &SpineBook) -> bool {
    clock.dt_h > 0.0 && (clock.step + 1).is_multiple_of(book.every_steps)
}

/// The stage's one system: competence and consolidation of every neuron at every step
/// ([`drive_step`]), then, when [`spine_step_due`], the fates and formation of the spines
/// ([`spine_turnover`]). One system rather than two and a run condition: each system run and each
/// resource it fetches have a fixed cost at every step (docs/performance.md, fifth pass). Reads
/// `Clock`, `Model`, `Seed`, `Stress`, each pyramidal neuron's `SynapticProtein`; writes each
/// neuron's [`SpineDrive`] and [`Spines`], `SpineBook` and `SpineMeans`.
#[allow(clippy::too_many_arguments)]
pub fn spines(
    clock: Res<Clock>,
    model: Res<Model>,
    seed: Res<Seed>,
    stress: Res<Stress>,
    mut book: ResMut<SpineBook>,
    mut means: ResMut<SpineMeans>,
    mut neurons: Query<(&Pyramidal, &SynapticProtein, &mut SpineDrive, &mut Spines)>,
) {
    let p = &model.0;
    let k = DriveStep::new(clock.dt_h, super::protein::basal_level(stress.0, p), p);
    for (_, protein, mut drive, _) in neurons.contiguous_iter_mut().expect(DENSE) {
        for (prot, d) in protein.iter().zip(drive.bypass_change_detection()) {
            *d = drive_step(*d, prot.0, &k, p);
        }
    }
    if spine_step_due(&clock, &book) {
        *means = spine_turnover(clock.dt_h, seed.0, stress.0, &mut book, &mut neurons, p);
    }
}

/// Spine fates and formation, neuron by neuron ([`neuron_spine_step`]), over a spine step of
/// `book.every_steps` pathway steps of `dt_h`; advances `book` and returns the new means. Above
/// [`PARALLEL_MIN_SPINES`] spines and with more than one thread in bevy's compute task pool,
/// neurons are processed in parallel: each neuron's spines draw from their own streams and the
/// tallies are integers, so the result is the same.
pub fn spine_turnover(
    dt_h: f64,
    seed: u64,
    stressed: bool,
    book: &mut SpineBook,
    neurons: &mut Query<(&Pyramidal, &SynapticProtein, &mut SpineDrive, &mut Spines)>,
    p: &Params,
) -> SpineMeans {
    let k = SpineStep::new(book.every_steps as f64 * dt_h, book.steps_done, seed, stressed, book.reference_per_neuron, p);
    let threads = bevy_tasks::ComputeTaskPool::try_get().map_or(1, |pool| pool.thread_num());
    let (mut thin, mut mushroom) = (0u64, 0u64);
    if threads > 1 && book.spines >= PARALLEL_MIN_SPINES as u64 {
        neurons.par_iter_mut().for_each(|(cell, _, drive, mut s)| neuron_spine_step(cell.index, &drive, &mut s, &k, p));
        neurons.iter().for_each(|(_, _, _, s)| {
            thin += s.thin.len() as u64;
            mushroom += s.mushroom.len() as u64;
        });
    } else {
        neurons.iter_mut().for_each(|(cell, _, drive, mut s)| {
            neuron_spine_step(cell.index, &drive, &mut s, &k, p);
            thin += s.thin.len() as u64;
            mushroom += s.mushroom.len() as u64;
        });
    }
    book.spines = thin + mushroom;
    book.steps_done += 1;
    SpineMeans::of_totals(thin, mushroom, book.neurons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_steady_state_is_the_reference() {
        let p = Params::default();
        let (t, m) = steady_state(1.0, false, 200.0, &p);
        assert!((t + m - 200.0).abs() < 1e-9, "{}", t + m);
        // With linear crowding (q = 1) the bisection gives the closed form N = k / (1 + k/(c N_ref)).
        let mut q1 = p.clone();
        q1.spine_crowding_hill = 1.0;
        let (t1, m1) = steady_state(0.8, true, 200.0, &q1);
        let r = rates(0.8, 0.0, 0.0, true, 200.0, &q1);
        let k = r.formation_per_h * (1.0 + r.maturation_per_h / r.mushroom_elimination_per_h) / (r.thin_elimination_per_h + r.maturation_per_h);
        let closed = k / (1.0 + k / (q1.spine_capacity_rel * 200.0));
        assert!((t1 + m1 - closed).abs() < 1e-9 * closed, "{} vs {closed}", t1 + m1);
        // It is a fixed point of the rates: formation balances the losses of each pool.
        let r = rates(1.0, 0.0, t + m, false, 200.0, &p);
        assert!((r.formation_per_h - (r.thin_elimination_per_h + r.maturation_per_h) * t).abs() < 1e-9);
        assert!((r.maturation_per_h * t - r.mushroom_elimination_per_h * m).abs() < 1e-9);
        // No formation at the ceiling.
        assert_eq!(rates(3.0, 0.0, p.spine_capacity_rel * 200.0, false, 200.0, &p).formation_per_h, 0.0);
        // The stressed steady state is a fixed point too.
        let (t, m) = steady_state(0.8, true, 200.0, &p);
        let r = rates(0.8, 0.0, t + m, true, 200.0, &p);
        assert!((r.formation_per_h - (r.thin_elimination_per_h + r.maturation_per_h) * t).abs() < 1e-9);
        assert!((r.maturation_per_h * t - r.mushroom_elimination_per_h * m).abs() < 1e-9);
    }

    #[test]
    fn competence_is_an_exact_two_stage_delay_of_protein() {
        // A step of protein from 1 to 1.3 at t = 0: the competence follows the gamma(2, τ) step
        // response 1 − e^{−t/τ}(1 + t/τ), whatever the step length.
        let p = Params::default();
        let tau = p.spine_competence_tau_h;
        for (n, t) in [(1usize, 6.0), (360, 6.0), (7, 12.0)] {
            let k = DriveStep::new(t / n as f64, 1.0, &p);
            let mut d = SpineDrive::at_rest(1.0);
            for _ in 0..n {
                d = drive_step(d, 1.3, &k, &p);
            }
            let x = t / tau;
            let expected = 1.0 + 0.3 * (1.0 - crate::math::exp(-x) * (1.0 + x));
            assert!((d.competence - expected).abs() < 1e-12, "{n} steps: {} vs {expected}", d.competence);
        }
        // At rest nothing moves and nothing consolidates.
        let k = DriveStep::new(0.5, 0.85, &p);
        assert_eq!(drive_step(SpineDrive::at_rest(0.85), 0.85, &k, &p), SpineDrive::at_rest(0.85));
    }

    #[test]
    fn consolidation_target_with_the_power_given_is_the_same_bits() {
        // `consolidation_target_by` (x50^n once per step, no power at x = 0) against the Hill
        // function written out, bit for bit, below, at and above the basal level.
        let p = Params::default();
        for basal in [0.85, 1.0] {
            let k = DriveStep::new(10.0 / 3600.0, basal, &p);
            for c in (0..=3000).map(|i| 0.5 + f64::from(i) * 5e-4).chain([basal, basal * (1.0 + 1e-15)]) {
                let x = (c / basal - 1.0).max(0.0);
                let direct = p.spine_consolidation_max * crate::pathway::hill(x, p.spine_consolidation_half_drive_rel, p.spine_consolidation_hill);
                assert_eq!(consolidation_target_by(c, basal, k.half_drive_n, &p).to_bits(), direct.to_bits(), "competence {c}");
                assert_eq!(consolidation_target(c, basal, &p).to_bits(), direct.to_bits(), "competence {c}");
            }
        }
    }

    #[test]
    fn consolidation_builds_fast_and_fades_slowly() {
        // Held competence excess at the half-drive: K relaxes to K_max/2 with τ_on; back at rest it
        // fades with τ_off (exact exponentials).
        let p = Params::default();
        let c = 1.0 + p.spine_consolidation_half_drive_rel;
        assert!((consolidation_target(c, 1.0, &p) - 0.5 * p.spine_consolidation_max).abs() < 1e-12);
        let k = DriveStep::new(p.spine_consolidation_on_h, 1.0, &p);
        let d = drive_step(SpineDrive { early: c, competence: c, consolidation: 0.0 }, c, &k, &p);
        let k_half = 0.5 * p.spine_consolidation_max;
        assert!((d.consolidation - k_half * (1.0 - crate::math::exp(-1.0))).abs() < 1e-12);
        let off_h = p.spine_consolidation_off_days * HOURS_PER_DAY;
        let k = DriveStep::new(off_h, 1.0, &p);
        let d = drive_step(SpineDrive { early: 1.0, competence: 1.0, consolidation: 0.4 }, 1.0, &k, &p);
        assert!((d.consolidation - 0.4 * crate::math::exp(-1.0)).abs() < 1e-12);
        // Consolidation slows the elimination of mushroom spines by the factor 1 − K.
        let r0 = rates(1.0, 0.0, 200.0, false, 200.0, &p);
        let r = rates(1.0, 0.5, 200.0, false, 200.0, &p);
        assert!((r.mushroom_elimination_per_h - 0.5 * r0.mushroom_elimination_per_h).abs() < 1e-15);
    }

    #[test]
    fn fate_probabilities_match_the_exact_competing_risks() {
        // Over many uniform draws, the shares of each fate match the analytic probabilities.
        let p = Params::default();
        let r = rates(1.0, 0.0, 200.0, false, 200.0, &p);
        let dt = 24.0;
        let n = 200_000u64;
        let key = rng::stream_key(1, 2, Purpose::SpineFate);
        let (mut elim, mut mat) = (0u64, 0u64);
        for i in 0..n {
            match fate(false, &FateOdds::new(&r, dt), rng::uniform(key, i)) {
                Fate::Eliminated => elim += 1,
                Fate::Matures => mat += 1,
                Fate::Stays => {}
            }
        }
        let lambda = r.thin_elimination_per_h + r.maturation_per_h;
        let p_any = 1.0 - crate::math::exp(-lambda * dt);
        let pe = p_any * r.thin_elimination_per_h / lambda;
        let pm = p_any * r.maturation_per_h / lambda;
        let se = |q: f64| 4.0 * (q * (1.0 - q) / n as f64).sqrt();
        assert!((elim as f64 / n as f64 - pe).abs() < se(pe));
        assert!((mat as f64 / n as f64 - pm).abs() < se(pm));
    }
}
