//! Stage 7 — synaptic protein synthesis (PSD-95, GluA1, synapsin I, as one pool; target: anisomycin).
//!
//! ```text
//! dP/dt = (1 − s_aniso) · (k_deg · P_basal + k_ind · max(M − 1, 0)) − k_deg · P
//! k_deg = ln 2 / t½,     P_basal = 1 (healthy) or stress_protein_basal_rel (chronic stress)
//! ```
//!
//! Basal synthesis is taken as mTORC1-independent over the span of a run (rapamycin alone leaves
//! spine density unchanged, Li 2010); only the mTORC1 excess induces new protein. With `M` constant
//! over a step the equation is linear and integrated exactly. Expected: up from 2 h through at least
//! 72 h (Li 2010); lower under chronic stress (Li 2011).

use bevy_ecs::prelude::*;

use super::{Blockers, Clock, DENSE, Model, Mtorc1, Stress, SynapticProtein};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean synaptic protein relative to the healthy drug-free steady state.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct ProteinMean(pub f64);

/// Register the stage: its output resource, its system and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(ProteinMean::default());
    schedule.add_systems(synthesis.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        const B: Bound = Bound::NonNegative;
        guard::check_agents(world, "protein", "synaptic_protein_rel", "pyramidal neuron", B, t_h, ov, |c: &SynapticProtein| c.0, |c: &super::Pyramidal| c.index)?;
        guard::check_value("protein", "synaptic_protein_rel", world.resource::<ProteinMean>().0, B, t_h, ov)
    });
}
use crate::params::Params;
use crate::scenario::InterventionKind;

/// Basal (drug-free steady-state) protein level of the subject.
pub fn basal_level(stressed: bool, p: &Params) -> f64 {
    if stressed { p.stress_protein_basal_rel } else { 1.0 }
}

/// Exact update over `dt_h` with mTORC1 held at `m`.
#[inline]
pub fn protein_step(prot: f64, m: f64, basal: f64, anisomycin: f64, dt_h: f64, p: &Params) -> f64 {
    protein_step_by(prot, m, basal, anisomycin, crate::math::exp(-degradation_per_h(p) * dt_h), p)
}

/// First-order degradation rate, 1/h.
#[inline]
pub fn degradation_per_h(p: &Params) -> f64 {
    std::f64::consts::LN_2 / p.protein_half_life_h
}

/// Exact update with a precomputed decay factor `exp(−k_deg·dt)`.
#[inline]
pub fn protein_step_by(prot: f64, m: f64, basal: f64, anisomycin: f64, decay: f64, p: &Params) -> f64 {
    let target = (1.0 - anisomycin) * (basal + p.protein_induction_per_h / degradation_per_h(p) * (m - 1.0).max(0.0));
    target + (prot - target) * decay
}

/// Protein synthesis. Reads `Clock`, `Model`, `Blockers::anisomycin`, `Stress`, each `Mtorc1`; writes each `SynapticProtein` and `ProteinMean`.
pub fn synthesis(
    clock: Res<Clock>,
    model: Res<Model>,
    blockers: Res<Blockers>,
    stress: Res<Stress>,
    mut means: ResMut<ProteinMean>,
    mut cells: Query<(&Mtorc1, &mut SynapticProtein)>,
) {
    let p = &model.0;
    let basal = basal_level(stress.0, p);
    let decay = crate::math::exp(-degradation_per_h(p) * clock.dt_h);
    let anisomycin = blockers.of(InterventionKind::Anisomycin);
    let (mut sum, mut n) = (0.0, 0usize);
    for (mtorc1, mut protein) in cells.contiguous_iter_mut().expect(DENSE) {
        for (m, prot) in mtorc1.iter().zip(protein.bypass_change_detection()) {
            prot.0 = protein_step_by(prot.0, m.0, basal, anisomycin, decay, p);
            sum += prot.0;
        }
        n += mtorc1.len();
    }
    means.0 = sum / n.max(1) as f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_with_its_half_life() {
        let p = Params::default();
        // From 1.5 with no induction, the excess halves in one half-life.
        let mut x = 1.5;
        let n = 720;
        for _ in 0..n {
            x = protein_step(x, 1.0, 1.0, 0.0, p.protein_half_life_h / n as f64, &p);
        }
        assert!((x - 1.25).abs() < 1e-12, "{x}");
        assert_eq!(protein_step(1.0, 1.0, 1.0, 0.0, 0.1, &p), 1.0);
    }
}
