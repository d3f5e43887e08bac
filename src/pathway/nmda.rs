//! Stage 1 — NMDA receptor trapping block.
//!
//! Ketamine is an open-channel ("trapping") blocker: it enters only open channels and, once
//! trapped, leaves slowly. For a cell with relative channel opening `o` (tonic activity, mean 1),
//! blocker concentration `c` (µM, racemic-equivalent) and subunit IC50 `IC50`:
//!
//! ```text
//! db/dt = k_on · o · c · (1 − b) − k_off · b,     k_off = 1/τ_unblock,  k_on = k_off / IC50
//! ```
//!
//! so at steady state `b = o·c / (o·c + IC50)`. Interneurons (GluN2C/2D, IC50 ≈ 1.2 µM) are blocked
//! more than pyramidal neurons (GluN2A/2B, IC50 ≈ 5 µM) at the same concentration. Over one step
//! with `c` held constant the equation is linear and is integrated exactly.

use bevy_ecs::prelude::*;

use super::{Clock, DENSE, Exposure, Interneuron, Model, NmdaBlock, Pyramidal};
use crate::guard::{self, Bound};
use crate::units::MINUTES_PER_HOUR;

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean NMDA block per cell type (0–1).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct NmdaMeans {
    /// Mean block of the interneurons.
    pub interneuron: f64,
    /// Mean block of the pyramidal neurons.
    pub pyramidal: f64,
}

/// Register the stage: its output resource, its systems (interneurons, then pyramidal neurons)
/// and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(NmdaMeans::default());
    schedule.add_systems(block.in_set(Set));
    guard::add_check(world, check);
}

fn check(world: &mut World, t_h: f64, ov: &[String]) -> crate::Result<()> {
    const F: Bound = Bound::FRACTION;
    guard::check_agents(world, "nmda", "nmda_block", "interneuron", F, t_h, ov, |b: &NmdaBlock| b.0, |c: &Interneuron| c.id)?;
    guard::check_agents(world, "nmda", "nmda_block", "pyramidal neuron", F, t_h, ov, |b: &NmdaBlock| b.0, |c: &Pyramidal| c.index)?;
    let m = *world.resource::<NmdaMeans>();
    guard::check_value("nmda", "nmda_block_interneuron", m.interneuron, F, t_h, ov)?;
    guard::check_value("nmda", "nmda_block_pyramidal", m.pyramidal, F, t_h, ov)
}

/// Exact trapping-block update over `dt_h`.
#[inline]
pub fn trapping_block_step(b: f64, c_um: f64, open: f64, ic50_um: f64, unblock_tau_h: f64, dt_h: f64) -> f64 {
    let k_off = 1.0 / unblock_tau_h;
    let drive = k_off * open * c_um.max(0.0) / ic50_um;
    let lambda = drive + k_off;
    let b_ss = drive / lambda;
    b_ss + (b - b_ss) * crate::math::exp(-lambda * dt_h)
}

/// Steady-state block at a constant concentration.
pub fn steady_state_block(c_um: f64, open: f64, ic50_um: f64) -> f64 {
    open * c_um / (open * c_um + ic50_um)
}

/// Block of every interneuron, then of every pyramidal neuron (one system: both read the same
/// resources, and a system run has a fixed cost at every step). Reads `Clock`, `Exposure`
/// (blocker), `Model`, each `Interneuron` and `Pyramidal`; writes each cell's `NmdaBlock` and
/// `NmdaMeans`.
pub fn block(
    clock: Res<Clock>,
    exposure: Res<Exposure>,
    model: Res<Model>,
    mut means: ResMut<NmdaMeans>,
    mut interneurons: Query<(&Interneuron, &mut NmdaBlock), Without<Pyramidal>>,
    mut pyramidal: Query<(&Pyramidal, &mut NmdaBlock), Without<Interneuron>>,
) {
    let p = &model.0;
    let (tau_h, c, dt_h) = (p.nmda_unblock_tau_min / MINUTES_PER_HOUR, exposure.blocker_um, clock.dt_h);
    let (mut sum, mut n) = (0.0, 0usize);
    for (cells, mut block) in interneurons.contiguous_iter_mut().expect(DENSE) {
        for (cell, b) in cells.iter().zip(block.bypass_change_detection()) {
            b.0 = trapping_block_step(b.0, c, cell.open_factor, p.nmda_ic50_interneuron_um, tau_h, dt_h);
            sum += b.0;
        }
        n += cells.len();
    }
    let interneuron = sum / n.max(1) as f64;
    let (mut sum, mut n) = (0.0, 0usize);
    for (cells, mut block) in pyramidal.contiguous_iter_mut().expect(DENSE) {
        for (cell, b) in cells.iter().zip(block.bypass_change_detection()) {
            b.0 = trapping_block_step(b.0, c, cell.open_factor, p.nmda_ic50_pyramidal_um, tau_h, dt_h);
            sum += b.0;
        }
        n += cells.len();
    }
    *means = NmdaMeans { interneuron, pyramidal: sum / n.max(1) as f64 };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_matches_analytic_solution() {
        // From b0 = 0 at constant c: b(t) = b_ss (1 − exp(−λ t)).
        let (c, o, ic50, tau) = (0.8, 1.0, 1.2, 20.0 / 60.0);
        let mut b = 0.0;
        for _ in 0..360 {
            b = trapping_block_step(b, c, o, ic50, tau, 10.0 / 3600.0);
        }
        let lambda = (1.0 / tau) * (1.0 + o * c / ic50);
        let exact = steady_state_block(c, o, ic50) * (1.0 - crate::math::exp(-lambda * 1.0));
        assert!((b - exact).abs() < 1e-12);
    }

    #[test]
    fn interneurons_are_blocked_more_at_low_concentration() {
        // Functional IC50s (Kotermanski & Johnson 2009): GluN2C 1.2 µM vs GluN2A/B 5 µM.
        let c = 0.78; // Zarate 2006 peak, 185 ng/mL
        let i = steady_state_block(c, 1.0, 1.2);
        let p = steady_state_block(c, 1.0, 5.0);
        assert!(i > 2.0 * p, "{i} vs {p}");
        assert!((0.15..=0.45).contains(&i), "interneuron block {i} outside the plausible 15-45 %");
    }
}
