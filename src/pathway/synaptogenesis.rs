//! Stage 8 — spine turnover: stochastic formation, maturation and elimination of spine entities.
//!
//! Each pyramidal neuron `i` forms thin spines as a Poisson process whose rate rises with its
//! synaptic protein `P_i`; thin spines are eliminated or mature into mushroom spines; mushroom
//! spines are eliminated slowly, faster under chronic stress (rates per day in the parameters):
//!
//! ```text
//! formation      F_i = F0 · P_i^h · max(0, 1 − N_i / (c · N_ref))   (new thin spines per day;
//!                                                     crowding: dendritic room is finite)
//! thin           → eliminated at e_thin, → mushroom at m
//! mushroom       → eliminated at e_mush' = e_mush · (stress ? s_stress : 1)
//! F0 = N_ref · (e_thin + m) / (1 + m / e_mush) / (1 − 1/c)
//! ```
//!
//! `F0` is chosen so that a healthy, drug-free neuron keeps `N_ref = spines_per_pyramidal` on
//! average; `c` (`spine_capacity_rel`) bounds the density that repeated dosing can reach. At
//! constant protein the steady state solves `N = k / (1 + k / (c N_ref))` with
//! `k = F0 P^h (1 + m/e_mush') / (e_thin + m)`; thin spines are `N / (1 + m/e_mush')` of it. Each spine's fate over a spine
//! step `Δ` is drawn from its own counter-based stream with the exact competing-risk
//! probabilities: thin → eliminated with `(e/λ)(1 − e^{−λΔ})`, → mushroom with `(m/λ)(1 − e^{−λΔ})`,
//! `λ = e_thin + m`. Turnover runs on its own, longer step (`spine_step_min`).

use std::sync::atomic::{AtomicU32, Ordering};

use bevy_ecs::prelude::*;
use bevy_ecs::system::ParallelCommands;

use super::{Clock, Model, Pyramidal, Seed, Spine, Stress, SynapticProtein};
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
    /// The means of a spine book's tallies.
    pub fn of(book: &SpineBook) -> Self {
        let n = book.thin.len().max(1) as f64;
        let (t, m): (u64, u64) = (book.thin.iter().map(|&x| u64::from(x)).sum(), book.mushroom.iter().map(|&x| u64::from(x)).sum());
        Self { spines_per_neuron: (t + m) as f64 / n, thin_spines_per_neuron: t as f64 / n, mushroom_spines_per_neuron: m as f64 / n }
    }
}

/// Register the stage: its system (on its own, longer spine step) and its guard checks. The
/// initial spines and the [`SpineBook`] come with the agents (see `sim.rs`).
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.init_resource::<SpineMeans>();
    schedule.add_systems(spine_turnover.run_if(spine_step_due).in_set(Set));
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

/// Below this many spines, fates are drawn on one thread: parallel iteration does not pay for a
/// light per-spine update (docs/performance.md).
pub const PARALLEL_MIN_SPINES: usize = 200_000;

/// Spine bookkeeping: the spine step, and per neuron the tallies and the next spine serial.
#[derive(Resource, Debug, Clone)]
pub struct SpineBook {
    /// Spine turnover runs every `every_steps` pathway steps.
    pub every_steps: u64,
    /// Healthy, drug-free spines per neuron (`circuit.spines_per_pyramidal`).
    pub reference_per_neuron: f64,
    /// Thin spines per neuron now (indexed by `Pyramidal::index`).
    pub thin: Vec<u32>,
    /// Mushroom spines per neuron now (indexed by `Pyramidal::index`).
    pub mushroom: Vec<u32>,
    /// Per neuron, the serial the next new spine gets (it keys the spine's random stream).
    pub next_serial: Vec<u32>,
    /// Number of spine steps done.
    pub steps_done: u64,
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

/// Formation rate of a neuron with no crowding (spines per hour at protein `protein`).
fn uncrowded_formation_per_h(protein: f64, reference_per_neuron: f64, p: &Params) -> f64 {
    let (e_t, m, e_m) = (
        p.spine_thin_elimination_per_day / 24.0,
        p.spine_maturation_per_day / 24.0,
        p.spine_mushroom_elimination_per_day / 24.0,
    );
    let f0 = reference_per_neuron * (e_t + m) / (1.0 + m / e_m) / (1.0 - 1.0 / p.spine_capacity_rel);
    f0 * crate::math::powf(protein.max(0.0), p.spine_formation_protein_hill)
}

/// Rates of a neuron with synaptic protein `protein` and `spines` spines now.
pub fn rates(protein: f64, spines: f64, stressed: bool, reference_per_neuron: f64, p: &Params) -> SpineRates {
    let (e_t, m, e_m) = (
        p.spine_thin_elimination_per_day / 24.0,
        p.spine_maturation_per_day / 24.0,
        p.spine_mushroom_elimination_per_day / 24.0,
    );
    let room = (1.0 - spines / (p.spine_capacity_rel * reference_per_neuron)).max(0.0);
    SpineRates {
        formation_per_h: uncrowded_formation_per_h(protein, reference_per_neuron, p) * room,
        thin_elimination_per_h: e_t,
        maturation_per_h: m,
        mushroom_elimination_per_h: e_m * if stressed { p.stress_mushroom_elimination_factor } else { 1.0 },
    }
}

/// Steady-state (thin, mushroom) spines per neuron at constant protein.
pub fn steady_state(protein: f64, stressed: bool, reference_per_neuron: f64, p: &Params) -> (f64, f64) {
    let r = rates(protein, 0.0, stressed, reference_per_neuron, p);
    let ratio = r.maturation_per_h / r.mushroom_elimination_per_h; // mushroom per thin spine
    let k = r.formation_per_h * (1.0 + ratio) / (r.thin_elimination_per_h + r.maturation_per_h);
    let n = k / (1.0 + k / (p.spine_capacity_rel * reference_per_neuron));
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

/// Stable id of a spine: neuron index and the neuron's spine serial.
#[inline]
pub fn spine_key(seed: u64, neuron: u32, serial: u32) -> u64 {
    rng::stream_key(seed, (u64::from(neuron) << 32) | u64::from(serial), Purpose::SpineFate)
}

/// Poisson draw with a guard for a zero or non-finite mean.
pub fn poisson<R: rand::Rng + ?Sized>(mean: f64, rng: &mut R) -> u32 {
    u32::try_from(rng::poisson(mean, rng)).unwrap_or(u32::MAX)
}

/// Run condition: spine turnover runs on every `every_steps`-th step (never on a zero-length step).
/// Reads `Clock`, `SpineBook::every_steps`; writes nothing.
pub fn spine_step_due(clock: Res<Clock>, book: Res<SpineBook>) -> bool {
    clock.dt_h > 0.0 && (clock.step + 1).is_multiple_of(book.every_steps)
}

/// Spine fates and formation. Reads `Clock`, `Model`, `Seed`, `Stress`, each pyramidal neuron's
/// `SynapticProtein`; writes the `Spine` entities (despawn, mature, spawn), `SpineBook` and `SpineMeans`.
#[allow(clippy::too_many_arguments)]
pub fn spine_turnover(
    mut commands: Commands,
    par_commands: ParallelCommands,
    clock: Res<Clock>,
    model: Res<Model>,
    seed: Res<Seed>,
    stress: Res<Stress>,
    mut book: ResMut<SpineBook>,
    mut means: ResMut<SpineMeans>,
    neurons: Query<(&Pyramidal, &SynapticProtein)>,
    mut spines: Query<(Entity, &mut Spine)>,
) {
    let p = &model.0;
    let n = book.thin.len();
    let dt_h = book.every_steps as f64 * clock.dt_h;
    let counter = book.steps_done;
    let mut neuron_rates = vec![rates(1.0, 0.0, stress.0, book.reference_per_neuron, p); n];
    neurons.iter().for_each(|(cell, prot)| {
        let i = cell.index as usize;
        let spines = f64::from(book.thin[i] + book.mushroom[i]);
        neuron_rates[i] = rates(prot.0, spines, stress.0, book.reference_per_neuron, p);
    });

    // Fates of existing spines. Each spine draws from its own stream and the tallies are integers,
    // so the result does not depend on iteration order or on the number of threads.
    let odds: Vec<FateOdds> = neuron_rates.iter().map(|r| FateOdds::new(r, dt_h)).collect();
    let threads = bevy_tasks::ComputeTaskPool::try_get().map_or(1, |pool| pool.thread_num());
    let (mut thin, mushroom) = if threads > 1 && spines.iter().len() >= PARALLEL_MIN_SPINES {
        let thin: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        let mushroom: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        spines.par_iter_mut().for_each(|(entity, mut s)| {
            let i = s.neuron as usize;
            match fate(s.mushroom, &odds[i], rng::uniform(s.key, counter)) {
                Fate::Eliminated => {
                    par_commands.command_scope(|mut c| c.entity(entity).despawn());
                    return;
                }
                Fate::Matures => s.mushroom = true,
                Fate::Stays => {}
            }
            let tally = if s.mushroom { &mushroom[i] } else { &thin[i] };
            tally.fetch_add(1, Ordering::Relaxed);
        });
        (thin.into_iter().map(AtomicU32::into_inner).collect(), mushroom.into_iter().map(AtomicU32::into_inner).collect())
    } else {
        let mut thin = vec![0u32; n];
        let mut mushroom = vec![0u32; n];
        spines.iter_mut().for_each(|(entity, mut s)| {
            let i = s.neuron as usize;
            match fate(s.mushroom, &odds[i], rng::uniform(s.key, counter)) {
                Fate::Eliminated => {
                    commands.entity(entity).despawn();
                    return;
                }
                Fate::Matures => s.mushroom = true,
                Fate::Stays => {}
            }
            if s.mushroom { mushroom[i] += 1 } else { thin[i] += 1 }
        });
        (thin, mushroom)
    };

    // Formation, neuron by neuron in index order, each from its own stream.
    let mut new_spines = Vec::new();
    for i in 0..n {
        let key = rng::stream_key(seed.0, i as u64, Purpose::SpineFormation);
        // Crowding also caps one spine step's formation at the room left, so that extreme parameter
        // combinations cannot overshoot the capacity or allocate billions of spines.
        let free = ((p.spine_capacity_rel * book.reference_per_neuron).ceil() as u32).saturating_sub(thin[i] + mushroom[i]);
        let mean = neuron_rates[i].formation_per_h * dt_h;
        let k = if mean > 10.0 * f64::from(free) + 100.0 { free } else { poisson(mean, &mut rng::stream_at(key, counter)).min(free) };
        for _ in 0..k {
            let serial = book.next_serial[i];
            book.next_serial[i] += 1;
            new_spines.push(Spine { key: spine_key(seed.0, i as u32, serial), neuron: i as u32, mushroom: false });
        }
        thin[i] += k;
    }
    commands.spawn_batch(new_spines);

    let (t_sum, m_sum): (u64, u64) = (thin.iter().map(|&x| x as u64).sum(), mushroom.iter().map(|&x| x as u64).sum());
    means.thin_spines_per_neuron = t_sum as f64 / n.max(1) as f64;
    means.mushroom_spines_per_neuron = m_sum as f64 / n.max(1) as f64;
    means.spines_per_neuron = (t_sum + m_sum) as f64 / n.max(1) as f64;
    book.thin = thin;
    book.mushroom = mushroom;
    book.steps_done += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_steady_state_is_the_reference() {
        let p = Params::default();
        let (t, m) = steady_state(1.0, false, 200.0, &p);
        assert!((t + m - 200.0).abs() < 1e-9, "{}", t + m);
        // It is a fixed point of the rates: formation balances the losses of each pool.
        let r = rates(1.0, t + m, false, 200.0, &p);
        assert!((r.formation_per_h - (r.thin_elimination_per_h + r.maturation_per_h) * t).abs() < 1e-9);
        assert!((r.maturation_per_h * t - r.mushroom_elimination_per_h * m).abs() < 1e-9);
        // The stressed steady state is a fixed point too.
        let (t, m) = steady_state(0.8, true, 200.0, &p);
        let r = rates(0.8, t + m, true, 200.0, &p);
        assert!((r.formation_per_h - (r.thin_elimination_per_h + r.maturation_per_h) * t).abs() < 1e-9);
        assert!((r.maturation_per_h * t - r.mushroom_elimination_per_h * m).abs() < 1e-9);
    }

    #[test]
    fn fate_probabilities_match_the_exact_competing_risks() {
        // Over many uniform draws, the shares of each fate match the analytic probabilities.
        let p = Params::default();
        let r = rates(1.0, 200.0, false, 200.0, &p);
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
