//! Stage 6 — TrkB → mTORC1 (targets: TrkB antagonist, rapamycin).
//!
//! ```text
//! T  = B · (1 − s_TrkB)                              (TrkB activation, relative)
//! M* = (1 + g_m · max(T − 1, 0)) · (1 − s_rapamycin)
//! dM/dt = (M* − M) / τ_m
//! ```
//!
//! Expected: phospho-mTOR/p70S6K/4E-BP1 up about 1.5–3× at 30–60 min, back by 2 h, not at
//! anaesthetic doses (Li 2010).

use bevy_ecs::prelude::*;

use super::{Bdnf, Blockers, Clock, DENSE, Model, Mtorc1, relax_by};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean mTORC1 activity relative to the healthy drug-free steady state.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct Mtorc1Mean(pub f64);

/// Register the stage: its output resource, its system and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(Mtorc1Mean::default());
    schedule.add_systems(trkb_mtorc1.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        const B: Bound = Bound::NonNegative;
        guard::check_agents(world, "mtorc1", "mtorc1_rel", "pyramidal neuron", B, t_h, ov, |c: &Mtorc1| c.0, |c: &super::Pyramidal| c.index)?;
        guard::check_value("mtorc1", "mtorc1_rel", world.resource::<Mtorc1Mean>().0, B, t_h, ov)
    });
}
use crate::params::Params;
use crate::scenario::InterventionKind;
use crate::units::MINUTES_PER_HOUR;

/// mTORC1 target (relative) for BDNF `bdnf` (relative): TrkB signalling above baseline raises it by `mtorc1_gain`; `trkb_antagonist` and `rapamycin` (fractions 0–1) cut it.
#[inline]
pub fn mtorc1_target(bdnf: f64, trkb_antagonist: f64, rapamycin: f64, p: &Params) -> f64 {
    let trkb = bdnf * (1.0 - trkb_antagonist);
    (1.0 + p.mtorc1_gain * (trkb - 1.0).max(0.0)) * (1.0 - rapamycin)
}

/// TrkB → mTORC1. Reads `Clock`, `Model`, `Blockers` (trkb_antagonist, rapamycin), each `Bdnf`; writes each `Mtorc1` and `Mtorc1Mean`.
pub fn trkb_mtorc1(
    clock: Res<Clock>,
    model: Res<Model>,
    blockers: Res<Blockers>,
    mut means: ResMut<Mtorc1Mean>,
    mut cells: Query<(&Bdnf, &mut Mtorc1)>,
) {
    let p = &model.0;
    let decay = crate::math::exp(-clock.dt_h / (p.mtorc1_tau_min / MINUTES_PER_HOUR));
    let (trkb, rapamycin) = (blockers.of(InterventionKind::TrkbAntagonist), blockers.of(InterventionKind::Rapamycin));
    let (mut sum, mut n) = (0.0, 0usize);
    for (bdnf, mut mtorc1) in cells.contiguous_iter_mut().expect(DENSE) {
        for (b, m) in bdnf.iter().zip(mtorc1.bypass_change_detection()) {
            m.0 = relax_by(m.0, mtorc1_target(b.0, trkb, rapamycin, p), decay);
            sum += m.0;
        }
        n += bdnf.len();
    }
    means.0 = sum / n.max(1) as f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blockers_act_on_their_target() {
        let p = Params::default();
        assert_eq!(mtorc1_target(1.0, 0.0, 0.0, &p), 1.0);
        assert_eq!(mtorc1_target(2.0, 0.0, 0.0, &p), 1.0 + p.mtorc1_gain);
        assert_eq!(mtorc1_target(2.0, 0.0, 1.0, &p), 0.0);
        // A TrkB antagonist at strength 1 silences BDNF's drive (TrkB activity 0 ≤ 1).
        assert_eq!(mtorc1_target(2.0, 1.0, 0.0, &p), 1.0);
    }
}
