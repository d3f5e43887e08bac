//! Stage 2 — interneuron disinhibition.
//!
//! Interneurons lose the NMDA part of their tonic drive; pyramidal neurons, released from
//! inhibition, fire more — unless their own NMDA receptors are blocked too (anaesthetic doses):
//!
//! ```text
//! r_int = r0_int · (1 − w_NMDA · b_int)
//! I     = Σ r_int / Σ r0_int                          (inhibition reaching pyramidal cells; 1 if
//!                                                      the disinhibition mechanism is off)
//! d     = 1 − I                                       (lost inhibition)
//! da/dt = (d − a) / τ_adapt                           (homeostatic adaptation)
//! u     = max(d − f_adapt · a, 0)                     (lost inhibition not yet compensated)
//! r_pyr = r0_pyr · (1 + g · u^n / (u^n + u50^n)) · E(b_pyr),
//! E(b)  = 1 / (1 + (b / b_half)^h)                    (own NMDA block suppresses excitability)
//! S     = max(1 − E(b_pyr), S · exp(−dt/τ_S))         (memory of deep block: rises at once,
//!                                                      decays over hours; gates stage 5)
//! ```
//!
//! The sigmoid makes small losses of inhibition (the tail of a dose) nearly silent; adaptation makes
//! the surge transient and, after a long deep block, keeps the falling concentration from causing a
//! late surge. `E` makes the dose–response an inverted U: at anaesthetic concentrations the pyramidal
//! neurons' own block dominates and the surge fails (Moghaddam 1997).

use bevy_ecs::prelude::*;

use super::{Adaptation, Clock, DENSE, Excitability, FiringRate, Interneuron, Model, NmdaBlock, Pyramidal, Suppression, Switches, pow_n, relax_by};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean firing rates and the inhibition reaching pyramidal cells.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct Firing {
    /// Mean interneuron rate, Hz.
    pub interneuron_rate_hz: f64,
    /// Total interneuron output relative to its drug-free value (the inhibition pyramidal cells get).
    pub inhibition_rel: f64,
    /// Mean pyramidal rate, Hz.
    pub pyramidal_rate_hz: f64,
}

/// Register the stage: its output resource, its systems (interneurons, then pyramidal neurons)
/// and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(Firing::default());
    schedule.add_systems(firing.in_set(Set));
    guard::add_check(world, check);
}

fn check(world: &mut World, t_h: f64, ov: &[String]) -> crate::Result<()> {
    const F: Bound = Bound::FRACTION;
    const N: Bound = Bound::NonNegative;
    let (int_id, pyr_id) = (|c: &Interneuron| c.id, |c: &Pyramidal| c.index);
    guard::check_agents(world, "disinhibition", "firing_rate_hz", "interneuron", N, t_h, ov, |r: &FiringRate| r.0, int_id)?;
    guard::check_agents(world, "disinhibition", "adaptation", "pyramidal neuron", F, t_h, ov, |a: &Adaptation| a.0, pyr_id)?;
    guard::check_agents(world, "disinhibition", "suppression", "pyramidal neuron", F, t_h, ov, |s: &Suppression| s.0, pyr_id)?;
    guard::check_agents(world, "disinhibition", "firing_rate_hz", "pyramidal neuron", N, t_h, ov, |r: &FiringRate| r.0, pyr_id)?;
    let m = *world.resource::<Firing>();
    guard::check_value("disinhibition", "interneuron_rate_hz", m.interneuron_rate_hz, N, t_h, ov)?;
    guard::check_value("disinhibition", "inhibition_rel", m.inhibition_rel, N, t_h, ov)?;
    guard::check_value("disinhibition", "pyramidal_rate_hz", m.pyramidal_rate_hz, N, t_h, ov)
}
use crate::params::Params;
use crate::units::MINUTES_PER_HOUR;

/// Interneuron firing rate, Hz: the baseline less the NMDA-driven fraction of it that `block` (0–1) removes.
#[inline]
pub fn interneuron_rate(baseline_hz: f64, block: f64, nmda_fraction: f64) -> f64 {
    baseline_hz * (1.0 - nmda_fraction * block)
}

/// Pyramidal excitability left by the cell's own NMDA block, E(b) (1 when unblocked).
#[inline]
pub fn excitability(block: f64, p: &Params) -> f64 {
    1.0 / (1.0 + pow_n(block / p.pyramidal_nmda_half_block, p.pyramidal_nmda_hill))
}

/// What one step of the pyramidal update shares across neurons (computed once per step).
#[derive(Debug, Clone, Copy)]
pub struct PyramidalStep {
    adaptation_decay: f64,
    suppression_decay: f64,
    half_loss_n: f64,
}

impl PyramidalStep {
    /// Precompute what a step of `dt_h` hours shares across neurons (decay factors, `half_loss^n`).
    pub fn new(dt_h: f64, p: &Params) -> Self {
        Self {
            adaptation_decay: crate::math::exp(-dt_h / (p.disinhibition_adaptation_tau_min / MINUTES_PER_HOUR)),
            suppression_decay: crate::math::exp(-dt_h / p.anaesthetic_suppression_tau_h),
            half_loss_n: pow_n(p.disinhibition_half_loss, p.disinhibition_hill),
        }
    }
}

/// State of one pyramidal neuron after a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PyramidalState {
    /// Slow homeostatic adaptation to lost inhibition (0–1).
    pub adaptation: f64,
    /// Memory of deep (anaesthetic) NMDA block (0–1).
    pub suppression: f64,
    /// Excitability left by the cell's own NMDA block, E(b) (0–1).
    pub excitability: f64,
    /// Firing rate, Hz.
    pub rate_hz: f64,
}

/// One pyramidal neuron over one step.
#[inline]
pub fn pyramidal_update(
    baseline_hz: f64,
    block: f64,
    lost_inhibition: f64,
    adaptation: f64,
    suppression: f64,
    k: &PyramidalStep,
    p: &Params,
) -> PyramidalState {
    let a = relax_by(adaptation, lost_inhibition, k.adaptation_decay);
    let u = (lost_inhibition - p.disinhibition_adaptation_fraction * a).max(0.0);
    let un = pow_n(u, p.disinhibition_hill);
    let drive = un / (un + k.half_loss_n);
    let e = excitability(block, p);
    PyramidalState {
        adaptation: a,
        // Memory of deep block: follows 1 − E up at once, decays with τ_S.
        suppression: (1.0 - e).max(suppression * k.suppression_decay),
        excitability: e,
        rate_hz: baseline_hz * (1.0 + p.disinhibition_gain * drive) * e,
    }
}

/// Interneuron rates, then pyramidal rates (one system: the pyramidal neurons need the
/// interneurons' total output, and a system run has a fixed cost at every step). Reads `Clock`,
/// `Model`, `Switches`, each cell's `NmdaBlock`; writes each interneuron's `FiringRate`, each
/// pyramidal neuron's `Adaptation`, `Suppression`, `Excitability` and `FiringRate`, and `Firing`.
#[allow(clippy::type_complexity)]
pub fn firing(
    clock: Res<Clock>,
    model: Res<Model>,
    switches: Res<Switches>,
    mut means: ResMut<Firing>,
    mut interneurons: Query<(&Interneuron, &NmdaBlock, &mut FiringRate), Without<Pyramidal>>,
    mut pyramidal: Query<
        (&Pyramidal, &NmdaBlock, &mut Adaptation, &mut Suppression, &mut Excitability, &mut FiringRate),
        Without<Interneuron>,
    >,
) {
    let p = &model.0;
    // Interneurons.
    let (mut sum, mut base, mut n) = (0.0, 0.0, 0usize);
    for (cells, blocks, mut rates) in interneurons.contiguous_iter_mut().expect(DENSE) {
        for ((cell, b), r) in cells.iter().zip(blocks).zip(rates.bypass_change_detection()) {
            r.0 = interneuron_rate(cell.baseline_rate_hz, b.0, p.interneuron_nmda_drive_fraction);
            sum += r.0;
            base += cell.baseline_rate_hz;
        }
        n += cells.len();
    }
    let interneuron_rate_hz = sum / n.max(1) as f64;
    let inhibition_rel = if base > 0.0 { sum / base } else { 1.0 };
    // Pyramidal neurons, released from the inhibition lost.
    let lost = if switches.0.disinhibition { (1.0 - inhibition_rel).max(0.0) } else { 0.0 };
    let k = PyramidalStep::new(clock.dt_h, p);
    let (mut sum, mut n) = (0.0, 0usize);
    for (cells, block, mut a, mut s, mut e, mut r) in pyramidal.contiguous_iter_mut().expect(DENSE) {
        let m = cells.len();
        // Slices of one length, so that the loop has no bounds checks.
        let (block, a, s) = (&block[..m], &mut a.bypass_change_detection()[..m], &mut s.bypass_change_detection()[..m]);
        let (e, r) = (&mut e.bypass_change_detection()[..m], &mut r.bypass_change_detection()[..m]);
        for i in 0..m {
            let next = pyramidal_update(cells[i].baseline_rate_hz, block[i].0, lost, a[i].0, s[i].0, &k, p);
            (a[i].0, s[i].0, e[i].0, r[i].0) = (next.adaptation, next.suppression, next.excitability, next.rate_hz);
            sum += next.rate_hz;
        }
        n += m;
    }
    *means = Firing { interneuron_rate_hz, inhibition_rel, pyramidal_rate_hz: sum / n.max(1) as f64 };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverted_u() {
        let p = Params::default();
        // Low dose: interneurons 40 % blocked, pyramidal 13 %; anaesthetic: 87 % and 62 %.
        let lost_low = 1.0 - interneuron_rate(1.0, 0.40, p.interneuron_nmda_drive_fraction);
        let lost_high = 1.0 - interneuron_rate(1.0, 0.87, p.interneuron_nmda_drive_fraction);
        let k = PyramidalStep::new(0.0, &p);
        let low = pyramidal_update(1.0, 0.13, lost_low, 0.0, 0.0, &k, &p).rate_hz;
        let high = pyramidal_update(1.0, 0.62, lost_high, 0.0, 0.0, &k, &p).rate_hz;
        assert!(low > 1.5, "low dose should disinhibit: {low}");
        assert!(high < low, "anaesthetic block should blunt the rise: {high} vs {low}");
        let none = pyramidal_update(2.0, 0.0, 0.0, 0.0, 0.0, &k, &p);
        assert_eq!((none.rate_hz, none.suppression, none.excitability), (2.0, 0.0, 1.0));
        // Deep block is remembered: suppression decays with τ_S once the block is gone.
        let k1 = PyramidalStep::new(p.anaesthetic_suppression_tau_h, &p);
        let s = pyramidal_update(1.0, 0.0, 0.0, 0.0, 0.5, &k1, &p).suppression;
        assert!((s - 0.5 * crate::math::exp(-1.0)).abs() < 1e-12);
    }
}
