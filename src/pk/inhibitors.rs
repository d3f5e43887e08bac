//! Interventions given as a dose: the brain exposure of a blocker and the fraction of its target
//! it inhibits, from a published human PK model (today oral rapamycin, sirolimus).
//!
//! A strength window (`[[intervention]] from_h/to_h/strength`) states the inhibition directly, as
//! a rodent experiment with an intracerebral or high systemic dose does (Li 2010). A dosed
//! intervention (`[[intervention]] route = "oral"`, `mg`, `at_h`) states what a patient takes; the
//! inhibition follows from the drug's concentration where the target is.
//!
//! # Model (sirolimus, oral)
//! One compartment with first-order absorption, in whole blood (the medium sirolimus is measured
//! in), apparent clearance and volume per 70 kg scaled linearly with weight (Brattström 2000,
//! which reports them per kg); each dose `D` given at `t_d` adds the Bateman function
//!
//! ```text
//! C_blood(t) = D ka / (V/F (ka − k)) · (exp(−k τ) − exp(−ka τ)),   τ = t − t_d > 0,   k = (CL/F)/(V/F)
//! C_u,brain  = C_blood · f_plasma · fu · Kp,uu                    (unbound, in the brain)
//! s(t)       = C_u,brain / (C_u,brain + IC50)                      (fraction of mTORC1 inhibited)
//! ```
//!
//! with `f_plasma` the plasma/whole-blood ratio (sirolimus sits in red cells: blood/plasma about
//! 36), `fu` the unbound fraction in plasma, `Kp,uu` the unbound brain/plasma ratio (1 without
//! efflux; sirolimus is a P-glycoprotein substrate, so efflux can only lower it) and IC50 the
//! unbound concentration that halves mTORC1 signalling in cells. The inhibition `s` enters the
//! mTORC1 stage exactly as a window's strength does (`pathway::mtorc1`). A one-compartment model
//! spreads the dose over the whole apparent volume at once and so under-states the early peak;
//! the volume's uncertainty range reaches down to the apparent central volume implied by the
//! label's peak–trough swing at steady state, and docs/model.md reports the block at that bound.

use serde::Serialize;

use crate::params::Params;
use crate::scenario::InterventionKind;

/// Molar mass of sirolimus (rapamycin), g/mol.
pub const SIROLIMUS_G_PER_MOL: f64 = 914.17;

/// How a dosed intervention is given (`[[intervention]] route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InhibitorRoute {
    /// Swallowed (tablet or oral solution).
    Oral,
}

impl InhibitorRoute {
    /// Every route a dosed intervention may take, with its name as scenarios spell it.
    pub const ALL: [(&'static str, InhibitorRoute); 1] = [("oral", InhibitorRoute::Oral)];
}

/// The interventions that may be given as a dose (a published PK model behind each), as
/// scenarios spell them.
pub const DOSED_KINDS: &[InterventionKind] = &[InterventionKind::Rapamycin];

/// One dosed intervention: `mg` of the blocker by `route` at `at_h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InhibitorDose {
    /// What is inhibited (a kind of [`DOSED_KINDS`]).
    pub kind: InterventionKind,
    /// Route.
    pub route: InhibitorRoute,
    /// Amount, mg.
    pub mg: f64,
    /// Time of the dose, h (may be before the run starts).
    pub at_h: f64,
}

/// Whole-blood sirolimus concentration, ng/mL, at `t_h` after the doses in `doses` (only the
/// rapamycin ones count) for a subject of `weight_kg`.
pub fn sirolimus_blood_ng_ml(p: &Params, weight_kg: f64, doses: &[InhibitorDose], t_h: f64) -> f64 {
    let s = weight_kg / 70.0;
    let (cl, v, ka) = (p.sirolimus_cl_f_l_per_h * s, p.sirolimus_v_f_l * s, p.sirolimus_ka_per_h);
    let k = cl / v;
    let mut c_mg_l = 0.0;
    for d in doses.iter().filter(|d| d.kind == InterventionKind::Rapamycin) {
        let tau = t_h - d.at_h;
        if tau <= 0.0 {
            continue;
        }
        c_mg_l += d.mg * ka / (v * (ka - k)) * (crate::math::exp(-k * tau) - crate::math::exp(-ka * tau));
    }
    c_mg_l * crate::units::NG_ML_PER_MG_L
}

/// Unbound brain sirolimus, nM, for a whole-blood concentration of `blood_ng_ml`.
pub fn sirolimus_brain_unbound_nm(p: &Params, blood_ng_ml: f64) -> f64 {
    // ng/mL → nM: × 1000 / (g/mol).
    blood_ng_ml * p.sirolimus_plasma_to_blood * p.sirolimus_fu_plasma * p.sirolimus_kp_uu_brain * 1000.0 / SIROLIMUS_G_PER_MOL
}

/// Fraction of mTORC1 inhibited by an unbound brain concentration of `c_nm`.
pub fn rapamycin_inhibition(p: &Params, c_nm: f64) -> f64 {
    if c_nm <= 0.0 {
        return 0.0;
    }
    c_nm / (c_nm + p.rapamycin_ic50_nm)
}

/// Strength of each dosed intervention at `t_h` (index [`InterventionKind::index`]; 0 where
/// nothing is dosed).
pub fn strengths(p: &Params, weight_kg: f64, doses: &[InhibitorDose], t_h: f64) -> [f64; InterventionKind::COUNT] {
    let mut out = [0.0; InterventionKind::COUNT];
    if doses.iter().any(|d| d.kind == InterventionKind::Rapamycin) {
        let c = sirolimus_brain_unbound_nm(p, sirolimus_blood_ng_ml(p, weight_kg, doses, t_h));
        out[InterventionKind::Rapamycin.index()] = rapamycin_inhibition(p, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose(mg: f64, at_h: f64) -> InhibitorDose {
        InhibitorDose { kind: InterventionKind::Rapamycin, route: InhibitorRoute::Oral, mg, at_h }
    }

    #[test]
    fn bateman_peak_time_and_area_are_analytic() {
        // Peak at ln(ka/k)/(ka − k); AUC(0–∞) = D / (CL/F).
        let p = Params::default();
        let (cl, v, ka) = (p.sirolimus_cl_f_l_per_h, p.sirolimus_v_f_l, p.sirolimus_ka_per_h);
        let k = cl / v;
        let t_max = crate::math::ln(ka / k) / (ka - k);
        let d = [dose(6.0, 0.0)];
        let c = |t: f64| sirolimus_blood_ng_ml(&p, 70.0, &d, t);
        assert!(c(t_max) > c(t_max - 0.01) && c(t_max) > c(t_max + 0.01));
        // Trapezoidal AUC over 0–2000 h (≈ 24 half-lives) against D / CL (ng·h/mL = mg/L·h × 1000).
        let (mut auc, dt) = (0.0, 0.01);
        let mut t = 0.0;
        while t < 2000.0 {
            auc += 0.5 * (c(t) + c(t + dt)) * dt;
            t += dt;
        }
        let exact = 6.0 / cl * 1000.0;
        assert!((auc - exact).abs() < 1e-3 * exact, "{auc} vs {exact}");
    }

    #[test]
    fn doses_superpose_and_nothing_before_a_dose() {
        let p = Params::default();
        let one = sirolimus_blood_ng_ml(&p, 70.0, &[dose(6.0, 0.0)], 5.0);
        let two = sirolimus_blood_ng_ml(&p, 70.0, &[dose(6.0, 0.0), dose(6.0, 0.0)], 5.0);
        assert!((two - 2.0 * one).abs() < 1e-12 * one);
        assert_eq!(sirolimus_blood_ng_ml(&p, 70.0, &[dose(6.0, 1.0)], 1.0), 0.0);
        assert_eq!(strengths(&p, 70.0, &[], 3.0), [0.0; InterventionKind::COUNT]);
    }

    #[test]
    fn inhibition_is_half_at_the_ic50() {
        let p = Params::default();
        assert!((rapamycin_inhibition(&p, p.rapamycin_ic50_nm) - 0.5).abs() < 1e-15);
        assert_eq!(rapamycin_inhibition(&p, 0.0), 0.0);
    }
}
