//! Stage 4 — AMPA receptor activation (target of NBQX).
//!
//! ```text
//! x = G · (1 − s_NBQX) + [hnk] g_HNK · HNK / (HNK + EC50_HNK)
//! A = min(1, gain_i · H(x)),    H(x) = x^n / (x^n + EC50^n)
//! ```
//!
//! With `EC50 = 2` and `n = 2`, the drug-free activation is `H(1) = 0.2`. The (2R,6R)-HNK term is
//! used only when the `hnk` mechanism is switched on (Zanos 2016; contested).

use bevy_ecs::prelude::*;

use super::glutamate::Glutamate;
use super::{Ampa, Blockers, DENSE, Exposure, Model, Pyramidal, Switches, hill};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean AMPA receptor activation (0–1).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct AmpaMean(pub f64);

/// Register the stage: its output resource, its system and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(AmpaMean::default());
    schedule.add_systems(activate.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        const B: Bound = Bound::FRACTION;
        guard::check_agents(world, "ampa", "ampa_activation", "pyramidal neuron", B, t_h, ov, |c: &Ampa| c.0, |c: &super::Pyramidal| c.index)?;
        guard::check_value("ampa", "ampa_activation", world.resource::<AmpaMean>().0, B, t_h, ov)
    });
}
use crate::params::Params;
use crate::scenario::InterventionKind;

/// The receptor's response H(x) to an effective glutamate drive `x` (relative); the same for every
/// neuron, so computed once per step.
#[inline]
pub fn response(x: f64, p: &Params) -> f64 {
    hill(x, p.ampa_ec50_glutamate_rel, p.ampa_hill)
}

/// AMPA activation of one neuron with gain `gain`, given the receptor response `h = H(x)`.
#[inline]
pub fn activation_from(gain: f64, h: f64) -> f64 {
    (gain * h).min(1.0)
}

/// AMPA activation of one neuron for an effective glutamate drive `x` (relative).
#[inline]
pub fn activation(gain: f64, x: f64, p: &Params) -> f64 {
    activation_from(gain, response(x, p))
}

/// Drug-free activation of a neuron (the reference of the activity-dependent BDNF route).
#[inline]
pub fn baseline_activation(gain: f64, p: &Params) -> f64 {
    activation(gain, 1.0, p)
}

/// Effective glutamate-equivalent drive on AMPA receptors.
#[inline]
pub fn drive(glutamate_rel: f64, nbqx: f64, hnk_um: f64, hnk_on: bool, p: &Params) -> f64 {
    let hnk = if hnk_on { p.hnk_ampa_gain * hnk_um / (hnk_um + p.hnk_ampa_ec50_um) } else { 0.0 };
    glutamate_rel * (1.0 - nbqx) + hnk
}

/// AMPA activation. Reads `Model`, `Glutamate`, `Blockers::nbqx`, `Exposure::hnk_um`, `Switches`, each `Pyramidal`; writes each `Ampa` and `AmpaMean`.
pub fn activate(
    model: Res<Model>,
    glu: Res<Glutamate>,
    blockers: Res<Blockers>,
    exposure: Res<Exposure>,
    switches: Res<Switches>,
    mut means: ResMut<AmpaMean>,
    mut cells: Query<(&Pyramidal, &mut Ampa)>,
) {
    let p = &model.0;
    let h = response(drive(glu.0, blockers.of(InterventionKind::Nbqx), exposure.hnk_um, switches.0.hnk, p), p);
    let (mut sum, mut n) = (0.0, 0usize);
    for (cells, mut ampa) in cells.contiguous_iter_mut().expect(DENSE) {
        for (cell, a) in cells.iter().zip(ampa.bypass_change_detection()) {
            a.0 = activation_from(cell.ampa_gain, h);
            sum += a.0;
        }
        n += cells.len();
    }
    means.0 = sum / n.max(1) as f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_and_block() {
        let p = Params::default();
        assert!((baseline_activation(1.0, &p) - 0.2).abs() < 1e-12);
        // NBQX at full strength removes the glutamate drive entirely.
        assert_eq!(activation(1.0, drive(2.5, 1.0, 0.0, false, &p), &p), 0.0);
        assert!(activation(1.0, drive(2.0, 0.0, 0.0, false, &p), &p) > 0.49);
    }
}
