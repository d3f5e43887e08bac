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
//! (`ka_intraperitoneal_per_h`) with bioavailability `F`; the part lost on the portal first pass
//! forms norketamine as an oral first pass does. Compounds given i.p. are absorbed mainly through
//! the portal circulation and pass the liver first (Lukas et al. 1971), so for the rat `F` is the
//! hepatic first pass of its own clearance and liver blood flow, with the extraction scaled by the
//! human oral route (the same drug, the same liver, the one species where both are measured):
//!
//! ```text
//! E_H = (1 − F_oral) · (CL / Q_H) / (CL_h / Q_H,h),  clamped to [0, 1];   F = 1 − E_H
//! ```
//!
//! with `CL` the rat clearance per kg above, `Q_H = rat_hepatic_blood_flow_ml_min_per_kg`, the human
//! `CL_h = ketamine_cl_l_per_h / 70` (Kamp 2020), `Q_H,h = human_hepatic_blood_flow_ml_min_per_kg` and
//! `F_oral = bioavailability_oral`. The mouse keeps `bioavailability_intraperitoneal` (an
//! assumption: no mouse liver blood flow retrieved). One i.p. dose in one compartment gives the
//! Bateman curve, with `k = CL / V`:
//!
//! ```text
//! C(t) = F · D · ka / (V (ka − k)) · (e^(−k t) − e^(−ka t)),   Tmax = ln(ka / k) / (ka − k)
//! ```
//!
//! The effect-site link of a rodent is `rodent_ke0_per_h` (6 min⁻¹) instead of the human `ke0`
//! (1 min⁻¹): rat brain ketamine peaks less than a minute after an IV dose and the brain/plasma
//! ratio is the same at every time from 30 s on (Cohen et al. 1973). After an IV bolus into one
//! compartment the effect site peaks at `ln(ke0 / k) / (ke0 − k)`, within 1 min only for
//! `ke0 ≥ 330 h⁻¹`. The effect-site level is a plasma-equivalent concentration in every species;
//! the rat's brain/plasma ratio of 6.5 (Cohen 1973) is the tissue partition, which the human
//! calibration of the NMDA block already contains, so it is not applied again.
//!
//! A rodent needs several times the human plasma-equivalent concentration for the same NMDA block:
//! its IC50s are the human ones times `rodent_nmda_ic50_factor` (4.5), calibrated to the rat
//! dose-response of Moghaddam et al. 1997 (10-30 mg/kg i.p. raise prefrontal glutamate, 50 mg/kg
//! leaves it, 200 mg/kg lowers it; with the human IC50s every dose from 15 mg/kg on lowers it):
//!
//! ```text
//! IC50_rodent = IC50_human · rodent_nmda_ic50_factor      (interneurons and pyramidal neurons)
//! ```
//!
//! Everything else downstream of the concentrations (the pathway, its rates and thresholds) is the
//! same in every species — that assumption is what the species runs test.

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
    if species == Species::Rat {
        p.bioavailability_intraperitoneal = portal_bioavailability(&p, cl_per_70 / 70.0, p.rat_hepatic_blood_flow_ml_min_per_kg);
    }
    p.ke0_per_h = p.rodent_ke0_per_h;
    p.nmda_ic50_interneuron_um *= p.rodent_nmda_ic50_factor;
    p.nmda_ic50_pyramidal_um *= p.rodent_nmda_ic50_factor;
    p.ketamine_v1_l = v_per_70;
    p.ketamine_q2_l_per_h = 0.0;
    p.ketamine_q3_l_per_h = 0.0;
    p.ketamine_cl_l_per_h = cl_per_70;
    p.norketamine_cl_l_per_h *= (cl_per_70 / 70.0) / human_cl_per_kg;
    p
}

/// Bioavailability of an intraperitoneal dose after the portal first pass (module docs): a
/// subject whose ketamine clearance is `cl_l_per_h_per_kg` and liver blood flow
/// `hepatic_blood_flow_ml_min_per_kg`, with the extraction scaled by the human oral route. `p`
/// must hold the human disposition (call before [`apply`] replaces it).
pub fn portal_bioavailability(p: &Params, cl_l_per_h_per_kg: f64, hepatic_blood_flow_ml_min_per_kg: f64) -> f64 {
    const ML_MIN_PER_L_H: f64 = 1000.0 / 60.0;
    let human = p.ketamine_cl_l_per_h / 70.0 * ML_MIN_PER_L_H / p.human_hepatic_blood_flow_ml_min_per_kg;
    let subject = cl_l_per_h_per_kg * ML_MIN_PER_L_H / hepatic_blood_flow_ml_min_per_kg;
    let extraction = ((1.0 - p.bioavailability_oral) * subject / human).clamp(0.0, 1.0);
    1.0 - extraction
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

    /// The rat's i.p. bioavailability is the portal first pass of the module docs, worked by hand
    /// from the table: rat CL = ln 2 · 3 L/kg / 0.5 h = 4.159 L/h/kg = 69.31 mL/min/kg, against a
    /// liver blood flow of 104.3 mL/min/kg (0.6646); human 84 L/h / 70 kg = 20.0 mL/min/kg against
    /// 20 (1.0); E_H = 0.83 · 0.6646 = 0.5516, F = 0.4484. The mouse keeps the table's value.
    #[test]
    fn rat_intraperitoneal_bioavailability_is_the_portal_first_pass() {
        let d = Params::default();
        let rat = apply(d.clone(), Species::Rat);
        let cl_ml_min = crate::math::ln(2.0) * d.rodent_ketamine_v_l_per_kg / d.rat_ketamine_half_life_h * 1000.0 / 60.0;
        let e = (1.0 - d.bioavailability_oral) * (cl_ml_min / d.rat_hepatic_blood_flow_ml_min_per_kg) / (d.ketamine_cl_l_per_h / 70.0 * 1000.0 / 60.0 / d.human_hepatic_blood_flow_ml_min_per_kg);
        assert!((rat.bioavailability_intraperitoneal - (1.0 - e)).abs() < 1e-12);
        assert!((rat.bioavailability_intraperitoneal - 0.4484).abs() < 5e-4, "{}", rat.bioavailability_intraperitoneal);
        assert_eq!(apply(d.clone(), Species::Mouse).bioavailability_intraperitoneal, d.bioavailability_intraperitoneal);
        // A clearance above the liver blood flow leaves nothing; no clearance loses nothing.
        assert_eq!(portal_bioavailability(&d, 100.0, d.rat_hepatic_blood_flow_ml_min_per_kg), 0.0);
        assert_eq!(portal_bioavailability(&d, 0.0, d.rat_hepatic_blood_flow_ml_min_per_kg), 1.0);
    }

    /// After an IV bolus into one compartment the effect site peaks at ln(ke0/k)/(ke0 − k): for
    /// the rat (k = ln 2 / 0.5 h, ke0 = 360 1/h) 0.930 min, within Cohen 1973's minute.
    #[test]
    fn rat_iv_effect_site_peak_matches_the_analytic_time() {
        let p = apply(Params::default(), Species::Rat);
        let w = RAT_DEFAULT_WEIGHT_KG;
        let dose = Administration { t_h: 0.0, drug: Drug::Ketamine, route: Route::IvBolus, mg: 10.0 * w, duration_h: 0.0 };
        let mut pk = Pharmacokinetics::new(&p, w, &[dose]);
        let k = crate::math::ln(2.0) / p.rat_ketamine_half_life_h;
        let ke0 = p.rodent_ke0_per_h;
        let exact_h = crate::math::ln(ke0 / k) / (ke0 - k);
        let (mut best, mut t_best) = (0.0, 0.0);
        for step in 1..=12_000 {
            let t = step as f64 / 360_000.0;
            pk.advance_to(t);
            let c = pk.concentrations().brain_ketamine_ng_ml;
            if c > best {
                (best, t_best) = (c, t);
            }
        }
        assert!((t_best - exact_h).abs() <= 2.0 / 360_000.0, "peak {t_best} h vs {exact_h} h");
        assert!(exact_h * 60.0 < 1.0 && (exact_h * 60.0 - 0.930).abs() < 0.001, "{} min", exact_h * 60.0);
    }
}
