//! Stage 5 — BDNF, by two switchable routes.
//!
//! ```text
//! activity route (disinhibition → AMPA):  D_act = g_act · max(A / A0 − 1, 0) · (1 − L_Met · s_Val66Met)
//! eEF2K route (NMDA block at rest):       D_eef = g_eef · b_pyr · E(b_pyr) · (1 − s_aniso)   [if eef2k is on]
//! B* = 1 + (1 − S) · (D_act + D_eef),      dB/dt = (B* − B) / τ_BDNF
//! ```
//!
//! The eEF2K route is BDNF *translation* (de-suppressed elongation): a translation inhibitor
//! (`anisomycin`, strength `s_aniso`) removes it, as anisomycin and cycloheximide block the
//! ketamine-induced rise of BDNF protein (Autry 2011). The activity route stands for release of
//! BDNF already made and is left to it.
//!
//! `L_Met` is the largest loss of activity-dependent release in Met/Met carriers (`val66met_release_loss`).
//! `A0` is the neuron's drug-free AMPA activation, `E` its excitability and `S` the memory of deep
//! block (stage 2): release and translation need an active neuron, so both routes fail during and
//! for hours after anaesthetic block (mTORC1 is not activated at anaesthetic doses, Li 2010). Sources: Autry 2011
//! (eEF2K; BDNF translation within 30 min), Li 2010 and Liu 2012 (Val66Met blunts the effect).

use bevy_ecs::prelude::*;

use super::{Ampa, Bdnf, Blockers, Clock, DENSE, Excitability, Model, NmdaBlock, Pyramidal, Suppression, Switches, ampa, relax_by};
use crate::guard::{self, Bound};

/// The stage's system set.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Set;

/// The stage's output: mean BDNF relative to the healthy drug-free steady state.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct BdnfMean(pub f64);

/// Register the stage: its output resource, its system and its guard checks.
pub fn plugin(world: &mut World, schedule: &mut Schedule) {
    world.insert_resource(BdnfMean::default());
    schedule.add_systems(release.in_set(Set));
    guard::add_check(world, |world, t_h, ov| {
        const B: Bound = Bound::NonNegative;
        guard::check_agents(world, "bdnf", "bdnf_rel", "pyramidal neuron", B, t_h, ov, |c: &Bdnf| c.0, |c: &super::Pyramidal| c.index)?;
        guard::check_value("bdnf", "bdnf_rel", world.resource::<BdnfMean>().0, B, t_h, ov)
    });
}
use crate::params::Params;
use crate::scenario::InterventionKind;
use crate::units::MINUTES_PER_HOUR;

/// BDNF target of one neuron.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn bdnf_target(
    ampa_now: f64,
    ampa_baseline: f64,
    block: f64,
    excitability: f64,
    suppression: f64,
    val66met: f64,
    anisomycin: f64,
    eef2k_on: bool,
    p: &Params,
) -> f64 {
    let activity = p.bdnf_activity_gain * (ampa_now / ampa_baseline - 1.0).max(0.0) * (1.0 - p.val66met_release_loss * val66met);
    let eef2k = if eef2k_on { p.bdnf_eef2k_gain * block * excitability * (1.0 - anisomycin) } else { 0.0 };
    1.0 + (1.0 - suppression) * (activity + eef2k)
}

/// BDNF. Reads `Clock`, `Model`, `Blockers` (bdnf_val66met, anisomycin), `Switches`, each pyramidal neuron's `Ampa`, `NmdaBlock`, `Excitability`, `Suppression`; writes each `Bdnf` and `BdnfMean`.
pub fn release(
    clock: Res<Clock>,
    model: Res<Model>,
    blockers: Res<Blockers>,
    switches: Res<Switches>,
    mut means: ResMut<BdnfMean>,
    mut cells: Query<(&Pyramidal, &Ampa, &NmdaBlock, &Excitability, &Suppression, &mut Bdnf)>,
) {
    let p = &model.0;
    let decay = crate::math::exp(-clock.dt_h / (p.bdnf_tau_min / MINUTES_PER_HOUR));
    let h_drug_free = ampa::response(1.0, p);
    let (val66met, eef2k) = (blockers.of(InterventionKind::BdnfVal66met), switches.0.eef2k);
    let anisomycin = blockers.of(InterventionKind::Anisomycin);
    let (mut sum, mut n) = (0.0, 0usize);
    for (cells, a, b, e, s, mut bdnf) in cells.contiguous_iter_mut().expect(DENSE) {
        let m = cells.len();
        // Slices of one length, so that the loop has no bounds checks.
        let (a, b, e, s, bdnf) = (&a[..m], &b[..m], &e[..m], &s[..m], &mut bdnf.bypass_change_detection()[..m]);
        for i in 0..m {
            let a0 = ampa::activation_from(cells[i].ampa_gain, h_drug_free);
            let target = bdnf_target(a[i].0, a0, b[i].0, e[i].0, s[i].0, val66met, anisomycin, eef2k, p);
            bdnf[i].0 = relax_by(bdnf[i].0, target, decay);
            sum += bdnf[i].0;
        }
        n += m;
    }
    means.0 = sum / n.max(1) as f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_add_and_switch_off() {
        let p = Params::default();
        let e = crate::pathway::disinhibition::excitability(0.1, &p);
        assert_eq!(bdnf_target(0.2, 0.2, 0.0, 1.0, 0.0, 0.0, 0.0, true, &p), 1.0);
        let both = bdnf_target(0.4, 0.2, 0.1, e, 0.0, 0.0, 0.0, true, &p);
        let act = bdnf_target(0.4, 0.2, 0.1, e, 0.0, 0.0, 0.0, false, &p);
        let eef = bdnf_target(0.2, 0.2, 0.1, e, 0.0, 0.0, 0.0, true, &p);
        assert!(((both - 1.0) - ((act - 1.0) + (eef - 1.0))).abs() < 1e-12);
        // Val66Met at full strength removes `val66met_release_loss` of the activity route only.
        let met = bdnf_target(0.4, 0.2, 0.1, e, 0.0, 1.0, 0.0, true, &p);
        assert!((met - eef - (1.0 - p.val66met_release_loss) * (act - 1.0)).abs() < 1e-12);
        // A translation inhibitor at full strength removes the eEF2K (translation) route and
        // leaves release by activity (Autry 2011: anisomycin blocks the BDNF protein rise).
        assert_eq!(bdnf_target(0.2, 0.2, 0.1, e, 0.0, 0.0, 1.0, true, &p), 1.0);
        assert!((bdnf_target(0.4, 0.2, 0.1, e, 0.0, 0.0, 1.0, true, &p) - act).abs() < 1e-12);
        // Full suppression (deep block) silences both routes.
        assert_eq!(bdnf_target(0.4, 0.2, 0.1, e, 1.0, 0.0, 0.0, true, &p), 1.0);
    }
}
