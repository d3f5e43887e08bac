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

use super::{Bdnf, Blockers, CircuitMeans, Clock, Model, Mtorc1, relax_by};
use crate::params::Params;

#[inline]
pub fn mtorc1_target(bdnf: f64, trkb_antagonist: f64, rapamycin: f64, p: &Params) -> f64 {
    let trkb = bdnf * (1.0 - trkb_antagonist);
    (1.0 + p.mtorc1_gain * (trkb - 1.0).max(0.0)) * (1.0 - rapamycin)
}

pub fn trkb_mtorc1(
    clock: Res<Clock>,
    model: Res<Model>,
    blockers: Res<Blockers>,
    mut means: ResMut<CircuitMeans>,
    mut cells: Query<(&Bdnf, &mut Mtorc1)>,
) {
    let p = &model.0;
    let decay = (-clock.dt_h / (p.mtorc1_tau_min / 60.0)).exp();
    let (mut sum, mut n) = (0.0, 0usize);
    cells.iter_mut().for_each(|(b, mut m)| {
        let target = mtorc1_target(b.0, blockers.trkb_antagonist, blockers.rapamycin, p);
        m.0 = relax_by(m.0, target, decay);
        sum += m.0;
        n += 1;
    });
    means.mtorc1_rel = sum / n.max(1) as f64;
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
