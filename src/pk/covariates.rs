//! Covariates: how one subject's parameters differ from the table's typical values.
//!
//! **Age on ketamine clearance** (Perez-Ruixo 2021, the esketamine population model). Ketamine is a
//! high-extraction drug: its clearance follows liver blood flow through the well-stirred model
//!
//! ```text
//! CL = Qh · CLint / (Qh + CLint)
//! Qh(age) = Qh − d · max(0, age − a0)       (Qh = 151 L/h, d = 2.19 L/h per year, a0 = 60 y)
//! ```
//!
//! The intrinsic clearance is fixed so that the table's clearance holds at Qh:
//! `CLint = CL · Qh / (Qh − CL)`. A subject older than `a0` gets `CL(age) / CL` times the table's
//! clearance for racemic ketamine, esketamine and arketamine (the model was fitted to esketamine;
//! applying it to the other forms is an assumption, stated in docs/model.md). At or below `a0` the
//! factor is exactly 1, so every result for an adult of 60 or younger is unchanged.
//!
//! **Species**: a rodent subject gets the rodent disposition of [`super::species`] last.

use crate::params::Params;
use crate::scenario::Subject;

/// `CL(age) / CL`: the factor on a flow-limited clearance `cl_l_per_h` (per 70 kg) at `age_y`.
pub fn age_clearance_factor(p: &Params, cl_l_per_h: f64, age_y: f64) -> f64 {
    let over_y = (age_y - p.hepatic_flow_decline_from_age_y).max(0.0);
    if over_y == 0.0 {
        return 1.0;
    }
    let qh = p.hepatic_blood_flow_l_per_h;
    // A clearance at or above liver blood flow cannot be flow-limited: no age effect.
    if cl_l_per_h >= qh {
        return 1.0;
    }
    let cl_int = cl_l_per_h * qh / (qh - cl_l_per_h);
    let qh_age = (qh - p.hepatic_flow_decline_l_per_h_per_y * over_y).max(0.0);
    let cl_age = qh_age * cl_int / (qh_age + cl_int);
    cl_age / cl_l_per_h
}

/// The subject's own parameters: the table's (with the scenario's overrides) and the covariate
/// effects of `subject` (age on the ketamine clearances).
pub fn individual(mut p: Params, subject: &Subject) -> Params {
    let age = subject.age_y;
    p.ketamine_cl_l_per_h *= age_clearance_factor(&p, p.ketamine_cl_l_per_h, age);
    p.esketamine_cl_l_per_h *= age_clearance_factor(&p, p.esketamine_cl_l_per_h, age);
    p.arketamine_cl_l_per_h *= age_clearance_factor(&p, p.arketamine_cl_l_per_h, age);
    // A rodent's ketamine disposition replaces the human one (no age effect: it is overwritten).
    super::species::apply(p, subject.species)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_effect_up_to_sixty_and_the_well_stirred_value_above() {
        let p = Params::default();
        for age in [18.0, 40.0, 60.0] {
            assert_eq!(age_clearance_factor(&p, p.esketamine_cl_l_per_h, age), 1.0);
        }
        // Age 80: Qh = 151 − 2.19 · 20 = 107.2 L/h; CLint = 88.8 · 151 / 62.2 = 215.6 L/h;
        // CL = 107.2 · 215.6 / 322.8 = 71.6 L/h, 0.806 of 88.8.
        let f = age_clearance_factor(&p, 88.8, 80.0);
        let cl_int = 88.8 * 151.0 / (151.0 - 88.8);
        let expect = (107.2 * cl_int / (107.2 + cl_int)) / 88.8;
        assert!((f - expect).abs() < 1e-12 && (f - 0.806).abs() < 0.001, "{f}");
        // Clearance falls monotonically with age above 60.
        assert!(age_clearance_factor(&p, 88.8, 90.0) < f && f < age_clearance_factor(&p, 88.8, 70.0));
    }
}
