//! Species: the laboratory rodents of the preclinical findings, next to the human default.
//!
//! `[subject] species = "rat" | "mouse"` replaces the human racemic-ketamine disposition (Kamp 2020,
//! three compartments) by a one-compartment rodent model, in the parameter table's per-70-kg form
//! so that [`super::Disposition::new`] scales it by `weight_kg / 70` like every other volume:
//!
//! ```text
//! V  = rodent_ketamine_v_l_per_kg · weight_kg          (Q2 = Q3 = 0: one compartment)
//! CL = ln 2 · V / t½                                   (t½ = mouse_ or rat_ketamine_half_life_h)
//! CL_nk = CL_nk(human) · (CL / kg) / (CL(human) / kg)  (norketamine cleared as much faster)
//! ```
//!
//! A rodent dose is given by the `intraperitoneal` route: first-order absorption
//! (`ka_intraperitoneal_per_h`) with bioavailability `bioavailability_intraperitoneal`; the part lost
//! on the portal first pass forms norketamine as an oral first pass does. One i.p. dose in one
//! compartment gives the Bateman curve, with `k = CL / V`:
//!
//! ```text
//! C(t) = F · D · ka / (V (ka − k)) · (e^(−k t) − e^(−ka t)),   Tmax = ln(ka / k) / (ka − k)
//! ```
//!
//! The effect-site link stays the human `ke0` (1 min⁻¹): rat brain ketamine peaks within a minute
//! of an IV dose (Cohen et al. 1973), as fast as the link allows. The effect-site level is a
//! plasma-equivalent concentration in both species; the rat's brain/plasma ratio of 6.5 (Cohen
//! 1973) is the tissue partition, which the human calibration of the NMDA block already contains,
//! so it is not applied again. Everything downstream of the concentrations (the pathway, its rates
//! and thresholds) is the same in every species — that assumption is what the species runs test.

use serde::{Deserialize, Serialize};

use crate::params::Params;

/// The subject's species (`[subject] species`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Species {
    /// Human: every human model of ketasim (the default).
    #[default]
    Human,
    /// Laboratory rat.
    Rat,
    /// Laboratory mouse.
    Mouse,
}

impl Species {
    /// Every species, as `(name, species)` for the scenario reader.
    pub const ALL: [(&'static str, Species); 3] = [("human", Species::Human), ("rat", Species::Rat), ("mouse", Species::Mouse)];

    /// The species' name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        match self {
            Species::Human => "human",
            Species::Rat => "rat",
            Species::Mouse => "mouse",
        }
    }

    /// Human or not.
    pub fn is_human(&self) -> bool {
        *self == Species::Human
    }

    /// Body weight used when the scenario gives none, kg (`None`: required, as for humans).
    pub fn default_weight_kg(self) -> Option<f64> {
        match self {
            Species::Human => None,
            Species::Rat => Some(RAT_DEFAULT_WEIGHT_KG),
            Species::Mouse => Some(MOUSE_DEFAULT_WEIGHT_KG),
        }
    }

    /// The plausible body-weight range, kg.
    pub fn weight_range_kg(self) -> (f64, f64) {
        match self {
            Species::Human => (2.0, 300.0),
            Species::Rat => (0.05, 1.0),
            Species::Mouse => (0.01, 0.1),
        }
    }

    /// Plasma ketamine half-life, h (`None` for humans: their three-compartment model has no single
    /// half-life).
    pub fn ketamine_half_life_h(self, p: &Params) -> Option<f64> {
        match self {
            Species::Human => None,
            Species::Rat => Some(p.rat_ketamine_half_life_h),
            Species::Mouse => Some(p.mouse_ketamine_half_life_h),
        }
    }
}

/// Default body weight of a laboratory rat, kg (an adult Sprague-Dawley of the cited studies).
pub const RAT_DEFAULT_WEIGHT_KG: f64 = 0.3;
/// Default body weight of a laboratory mouse, kg.
pub const MOUSE_DEFAULT_WEIGHT_KG: f64 = 0.025;

/// The parameters of a subject of `species`: unchanged for humans; for a rodent, the racemic
/// ketamine disposition and the norketamine clearance of the module's equations.
pub fn apply(mut p: Params, species: Species) -> Params {
    let Some(t_half_h) = species.ketamine_half_life_h(&p) else { return p };
    let human_cl_per_kg = p.ketamine_cl_l_per_h / 70.0;
    let v_per_70 = p.rodent_ketamine_v_l_per_kg * 70.0;
    let cl_per_70 = crate::math::ln(2.0) * v_per_70 / t_half_h;
    p.ketamine_v1_l = v_per_70;
    p.ketamine_q2_l_per_h = 0.0;
    p.ketamine_q3_l_per_h = 0.0;
    p.ketamine_cl_l_per_h = cl_per_70;
    p.norketamine_cl_l_per_h *= (cl_per_70 / 70.0) / human_cl_per_kg;
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pk::{Administration, Drug, Pharmacokinetics, Route};

    fn ip_dose(mg: f64) -> Administration {
        Administration { t_h: 0.0, drug: Drug::Ketamine, route: Route::Intraperitoneal, mg, duration_h: 0.0 }
    }

    #[test]
    fn human_parameters_are_untouched() {
        assert_eq!(apply(Params::default(), Species::Human), Params::default());
    }

    /// One i.p. dose follows the Bateman curve of the module docs.
    #[test]
    fn rodent_intraperitoneal_dose_matches_the_bateman_curve() {
        for species in [Species::Rat, Species::Mouse] {
            let p = apply(Params::default(), species);
            let w = species.default_weight_kg().unwrap();
            let mg = 10.0 * w;
            let mut pk = Pharmacokinetics::new(&p, w, &[ip_dose(mg)]);
            let v = p.rodent_ketamine_v_l_per_kg * w;
            let k = crate::math::ln(2.0) / species.ketamine_half_life_h(&p).unwrap();
            let (ka, f) = (p.ka_intraperitoneal_per_h, p.bioavailability_intraperitoneal);
            for step in 1..=300 {
                let t = step as f64 / 100.0;
                pk.advance_to(t);
                let exact = f * mg * ka / (v * (ka - k)) * (crate::math::exp(-k * t) - crate::math::exp(-ka * t)) * 1000.0;
                let got = pk.concentrations().plasma_ketamine_ng_ml;
                assert!((got - exact).abs() <= 1e-6 * exact.max(1e-3), "{species:?} t={t}: {got} vs {exact}");
            }
        }
    }
}
