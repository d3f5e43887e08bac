//! Stage 3 — the glutamate surge.
//!
//! Extracellular glutamate (as sampled by microdialysis) follows pyramidal firing with a lag:
//!
//! ```text
//! G* = max(0, 1 + g_glu · (Σ r_pyr / Σ r0_pyr − 1)),     dG/dt = (G* − G) / τ_glu
//! ```
//!
//! `G` is relative to the drug-free value (= 1). Expected: 1.5–3× baseline 20–60 min after a
//! sub-anaesthetic dose, back within about 2 h (Moghaddam 1997).

use bevy_ecs::prelude::*;

use super::{Clock, DENSE, FiringRate, Model, Pyramidal, relax};
use crate::guard::{self, Bound};
use crate::units::MINUTES_PER_HOUR;

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// Register the stage: its state and output ([`Glutamate`]), its system and its guard check.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(Glutamate::default());
    schedule.add_systems(release.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        let g = world.resource::<Glutamate>().0;
        guard::check_value("glutamate", "glutamate (pool)", g, Bound::NonNegative, t_h, ov)?;
        guard::check_value("glutamate", "glutamate_rel", g, Bound::NonNegative, t_h, ov)
    });
}

/// Extracellular glutamate relative to the drug-free steady state.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Glutamate(pub f64);

impl Default for Glutamate {
    fn default() -> Self {
        Self(1.0)
    }
}

/// One exact step of glutamate `g` (relative) towards `1 + gain·(rate_rel − 1)` (floored at 0), where `rate_rel` is the pyramidal firing rate relative to baseline; `tau_h` and `dt_h` in hours.
#[inline]
pub fn glutamate_step(g: f64, rate_rel: f64, gain: f64, tau_h: f64, dt_h: f64) -> f64 {
    let target = (1.0 + gain * (rate_rel - 1.0)).max(0.0);
    relax(g, target, dt_h, tau_h)
}

/// The glutamate pool. Reads `Clock`, `Model`, each pyramidal `FiringRate`; writes `Glutamate`.
pub fn release(
    clock: Res<Clock>,
    model: Res<Model>,
    mut glu: ResMut<Glutamate>,
    cells: Query<(&Pyramidal, &FiringRate)>,
) {
    let p = &model.0;
    let (mut rate, mut base) = (0.0, 0.0);
    for (cells, rates) in cells.contiguous_iter().expect(DENSE) {
        for (cell, r) in cells.iter().zip(rates) {
            rate += r.0;
            base += cell.baseline_rate_hz;
        }
    }
    let rel = if base > 0.0 { rate / base } else { 1.0 };
    glu.0 = glutamate_step(glu.0, rel, p.glutamate_gain, p.glutamate_tau_min / MINUTES_PER_HOUR, clock.dt_h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxes_to_the_firing_ratio() {
        // Constant doubled firing: G → 2 with time constant τ; after 3τ within 5 % of the gap.
        let mut g = 1.0;
        for _ in 0..180 {
            g = glutamate_step(g, 2.0, 1.0, 1.0 / 6.0, 1.0 / 360.0);
        }
        assert!((g - (2.0 - crate::math::exp(-3.0))).abs() < 1e-9);
    }
}
