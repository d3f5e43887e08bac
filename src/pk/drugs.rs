//! The drug catalogue: what ketasim knows about each drug, as data.
//!
//! One [`DrugInfo`] row per drug: its name, molar mass, disposition (the parameter-table entries of
//! its three-compartment model), absorption per extravascular route (rate and bioavailability),
//! its metabolite with its formation and disposition (norketamine; morphine-6-glucuronide), its
//! NMDA potency and its clinical potency (both relative to racemic ketamine), its effect-site
//! equilibration rate, the routes a scenario may use, and whether it is a form of ketamine (its
//! levels enter the `*_ketamine_*` read-outs). Morphine's μ-opioid effects are the pain model's
//! (`crate::pain::opioid`), which reads the morphine compound.
//! The PK model, the effect-site exposure, the scenario reader (the allowed `drug` values) and the
//! clinical read-outs all read this table; nothing else matches on a drug. Adding a drug is one
//! enum variant and one row here, plus its parameters in `params.rs`.

use serde::{Deserialize, Serialize};

use super::Route;
use crate::params::Params;

/// Molar mass of ketamine (racemate and either enantiomer), g/mol.
pub const KETAMINE_G_PER_MOL: f64 = 237.73;
/// Molar mass of norketamine, g/mol.
pub const NORKETAMINE_G_PER_MOL: f64 = 223.70;
/// Molar mass of midazolam, g/mol.
pub const MIDAZOLAM_G_PER_MOL: f64 = 325.77;
/// Molar mass of morphine (base), g/mol.
pub const MORPHINE_G_PER_MOL: f64 = 285.34;
/// Molar mass of morphine-6-glucuronide, g/mol.
pub const M6G_G_PER_MOL: f64 = 461.46;

/// A drug of the catalogue (the scenario's `drug = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Racemic (R,S)-ketamine.
    Ketamine,
    /// (S)-ketamine.
    Esketamine,
    /// (R)-ketamine.
    Arketamine,
    /// Midazolam: a benzodiazepine (GABA-A) sedative without NMDA action, the active placebo of
    /// ketamine trials.
    Midazolam,
    /// Morphine: a μ-opioid agonist (the opioid of the pain model and its PCA), with its active
    /// metabolite morphine-6-glucuronide.
    Morphine,
}

impl Drug {
    /// Every drug, in catalogue order.
    pub const ALL: [Drug; 5] = [Drug::Ketamine, Drug::Esketamine, Drug::Arketamine, Drug::Midazolam, Drug::Morphine];
    /// Number of drugs.
    pub const COUNT: usize = Self::ALL.len();

    /// The drug's catalogue row.
    pub fn info(self) -> &'static DrugInfo {
        &CATALOGUE[self.index()]
    }

    /// The drug's name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Position in [`Drug::ALL`] and [`CATALOGUE`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Where an intranasal dose of `mg` goes, for the forms of ketamine (`None` for a drug whose
    /// intranasal dose is one depot with the catalogue's bioavailability).
    ///
    /// The dose-dependent nasal fraction of Perez-Ruixo 2021 (esketamine): the first dose unit
    /// (`u` mg, one 28-mg device for Spravato) is absorbed through the nasal mucosa in a fraction
    /// `f1`; each further unit of the same administration in a fraction `r·f1`, so with
    /// `n = max(1, mg/u)` units
    ///
    /// ```text
    /// nasal     = f1 · (1 + (n − 1) · r) / n
    /// swallowed = s · (1 − nasal)          (absorbed through the oral route, with its first pass)
    /// lost      = 1 − nasal − swallowed    (expelled; neither absorbed nor metabolised)
    /// ```
    ///
    /// Esketamine and arketamine (assumption: as esketamine): all of the rest is swallowed (`s` = 1,
    /// Perez-Ruixo 2021). Racemic ketamine: fitted to the bioavailability and norketamine exposure
    /// after 10, 30 and 50 mg (Pharmacotherapy 2022;42:298).
    pub fn intranasal_deposition(self, p: &Params, mg: f64) -> Option<NasalDeposition> {
        let (f1, r, unit_mg, s) = match self {
            Drug::Ketamine => (
                p.intranasal_nasal_fraction_ketamine,
                p.intranasal_further_unit_factor_ketamine,
                p.intranasal_unit_ketamine_mg,
                p.intranasal_swallowed_share_ketamine,
            ),
            Drug::Esketamine | Drug::Arketamine => (
                p.intranasal_nasal_fraction_esketamine,
                p.intranasal_further_unit_factor_esketamine,
                p.intranasal_unit_esketamine_mg,
                1.0,
            ),
            _ => return None,
        };
        let n = (mg / unit_mg).max(1.0);
        let nasal = (f1 * (1.0 + (n - 1.0) * r) / n).clamp(0.0, 1.0);
        Some(NasalDeposition { nasal, swallowed: s.clamp(0.0, 1.0) * (1.0 - nasal) })
    }
}

/// Fate of an intranasal dose ([`Drug::intranasal_deposition`]), as fractions of the dose; the
/// rest is lost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NasalDeposition {
    /// Absorbed through the nasal mucosa (completely, without first pass).
    pub nasal: f64,
    /// Swallowed: absorbed through the oral route, with the oral lag, rate and bioavailability.
    pub swallowed: f64,
}

/// Disposition of one compound for a 70 kg adult, before weight scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disposition70 {
    /// Central volume, L.
    pub v1_l: f64,
    /// Fast peripheral volume, L.
    pub v2_l: f64,
    /// Slow peripheral volume, L.
    pub v3_l: f64,
    /// Clearance, L/h.
    pub cl_l_per_h: f64,
    /// Fast intercompartmental clearance, L/h.
    pub q2_l_per_h: f64,
    /// Slow intercompartmental clearance, L/h.
    pub q3_l_per_h: f64,
}

/// Absorption from one extravascular route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Absorption {
    /// First-order absorption rate, 1/h.
    pub ka_per_h: f64,
    /// Fraction of the dose reaching the systemic circulation.
    pub bioavailability: f64,
    /// Absorption lag: the dose enters its depot this long after it is given, h (0: none).
    pub lag_h: f64,
}

/// The metabolite formed from the parent drug (one pool).
#[derive(Debug, Clone, Copy)]
pub struct Metabolite {
    /// Its name.
    pub name: &'static str,
    /// Its molar mass, g/mol.
    pub molar_mass_g_per_mol: f64,
    /// Its formation and disposition (from the parameter table).
    pub kinetics: fn(&Params) -> MetaboliteKinetics,
}

/// Formation and disposition of a metabolite for a 70 kg adult, before weight scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetaboliteKinetics {
    /// Volume of distribution (one compartment), L.
    pub v_l: f64,
    /// Clearance, L/h.
    pub cl_l_per_h: f64,
    /// Fraction of the parent's systemic clearance that forms the metabolite.
    pub fraction_of_clearance: f64,
    /// Fraction of the parent's first-pass loss (extravascular routes) that forms the metabolite.
    pub fraction_of_first_pass: f64,
    /// Plasma–effect-site equilibration rate constant of the metabolite, 1/h.
    pub ke0_per_h: f64,
}

/// One row of the catalogue.
#[derive(Clone, Copy)]
pub struct DrugInfo {
    /// The drug.
    pub drug: Drug,
    /// Name, as scenarios spell it.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Molar mass, g/mol.
    pub molar_mass_g_per_mol: f64,
    /// Disposition parameters (from the parameter table).
    pub disposition: fn(&Params) -> Disposition70,
    /// Absorption by an extravascular route (from the parameter table).
    pub absorption: fn(&Params, Route) -> Absorption,
    /// The metabolite the model follows (its disposition is shared: `norketamine_*` parameters),
    /// or `None` when no active metabolite is modelled.
    pub metabolite: Option<Metabolite>,
    /// A form of ketamine: its concentrations enter `plasma_ketamine_ng_ml`, the brain ketamine
    /// level and the AUC (and so Cmax and every ketamine read-out).
    pub ketamine: bool,
    /// Its volumes and clearances scale linearly with `weight_kg / 70`, as its source model states
    /// them; `false`: the source found no effect of body weight, so the table's values hold at any
    /// weight. The metabolite's disposition scales in every case (per 70 kg in its source).
    pub weight_scaled: bool,
    /// NMDA-blocking potency relative to racemic ketamine (per µM at the effect site).
    pub nmda_potency_rel: fn(&Params) -> f64,
    /// Potency for the acute clinical effects (blood pressure, heart rate, dissociation), relative
    /// to racemic ketamine.
    pub clinical_potency_rel: fn(&Params) -> f64,
    /// Plasma–effect-site equilibration rate constant of the parent drug, 1/h.
    pub ke0_per_h: fn(&Params) -> f64,
    /// The routes a scenario may give it by.
    pub routes: &'static [Route],
}

const NORKETAMINE: Metabolite = Metabolite {
    name: "norketamine",
    molar_mass_g_per_mol: NORKETAMINE_G_PER_MOL,
    kinetics: |p| MetaboliteKinetics {
        v_l: p.norketamine_v_l,
        cl_l_per_h: p.norketamine_cl_l_per_h,
        fraction_of_clearance: p.norketamine_fraction_of_clearance,
        fraction_of_first_pass: p.norketamine_fraction_of_first_pass,
        ke0_per_h: p.ke0_per_h,
    },
};

/// Morphine-6-glucuronide: formed from systemic morphine (Franken 2016) and, much more, in the
/// first pass of oral morphine (Lötsch 1999); renally cleared; slow to reach its effect site
/// (Lötsch 2001).
const M6G: Metabolite = Metabolite {
    name: "morphine-6-glucuronide",
    molar_mass_g_per_mol: M6G_G_PER_MOL,
    kinetics: |p| MetaboliteKinetics {
        v_l: p.m6g_v_l,
        cl_l_per_h: p.m6g_cl_l_per_h,
        fraction_of_clearance: p.m6g_fraction_of_clearance,
        fraction_of_first_pass: p.m6g_fraction_of_first_pass,
        ke0_per_h: std::f64::consts::LN_2 / p.m6g_ke0_half_life_h,
    },
};

/// The routes of morphine: IV bolus (also each PCA bolus), IV infusion, oral.
const MORPHINE_ROUTES: [Route; 3] = [Route::IvBolus, Route::IvInfusion, Route::Oral];

/// Oral and sublingual absorption (shared by every drug), or `None` for another route.
fn shared_absorption(p: &Params, route: Route) -> Option<Absorption> {
    match route {
        Route::Oral => Some(Absorption { ka_per_h: p.ka_oral_per_h, bioavailability: p.bioavailability_oral, lag_h: p.lag_oral_h }),
        Route::Sublingual => Some(Absorption { ka_per_h: p.ka_sublingual_per_h, bioavailability: p.bioavailability_sublingual, lag_h: 0.0 }),
        Route::IvBolus | Route::IvInfusion => Some(Absorption { ka_per_h: 0.0, bioavailability: 1.0, lag_h: 0.0 }),
        Route::Intraperitoneal => Some(Absorption { ka_per_h: p.ka_intraperitoneal_per_h, bioavailability: p.bioavailability_intraperitoneal, lag_h: 0.0 }),
        Route::Intranasal => None,
    }
}

/// The catalogue, in [`Drug::ALL`] order.
pub const CATALOGUE: [DrugInfo; Drug::COUNT] = [
    DrugInfo {
        drug: Drug::Ketamine,
        name: "ketamine",
        description: "racemic (R,S)-ketamine",
        molar_mass_g_per_mol: KETAMINE_G_PER_MOL,
        disposition: |p| Disposition70 {
            v1_l: p.ketamine_v1_l,
            v2_l: p.ketamine_v2_l,
            v3_l: p.ketamine_v3_l,
            cl_l_per_h: p.ketamine_cl_l_per_h,
            q2_l_per_h: p.ketamine_q2_l_per_h,
            q3_l_per_h: p.ketamine_q3_l_per_h,
        },
        absorption: |p, route| {
            // The nasal part of a spray ([`Drug::intranasal_deposition`]) is absorbed completely.
            shared_absorption(p, route).unwrap_or(Absorption {
                ka_per_h: p.ka_intranasal_ketamine_per_h,
                bioavailability: 1.0,
                lag_h: p.lag_intranasal_ketamine_h,
            })
        },
        metabolite: Some(NORKETAMINE),
        ketamine: true,
        // Kamp 2020: every volume and clearance per 70 kg, linearly.
        weight_scaled: true,
        // The reference of every potency.
        nmda_potency_rel: |_| 1.0,
        clinical_potency_rel: |_| 1.0,
        ke0_per_h: |p| p.ke0_per_h,
        routes: &Route::ALL,
    },
    DrugInfo {
        drug: Drug::Esketamine,
        name: "esketamine",
        description: "(S)-ketamine",
        molar_mass_g_per_mol: KETAMINE_G_PER_MOL,
        disposition: |p| Disposition70 {
            v1_l: p.esketamine_v1_l,
            v2_l: p.esketamine_v2_l,
            v3_l: p.esketamine_v3_l,
            cl_l_per_h: p.esketamine_cl_l_per_h,
            q2_l_per_h: p.esketamine_q2_l_per_h,
            q3_l_per_h: p.esketamine_q3_l_per_h,
        },
        absorption: |p, route| {
            // The nasal part of a spray is absorbed completely (Perez-Ruixo 2021).
            shared_absorption(p, route).unwrap_or(Absorption {
                ka_per_h: p.ka_intranasal_esketamine_per_h,
                bioavailability: 1.0,
                lag_h: 0.0,
            })
        },
        metabolite: Some(NORKETAMINE),
        ketamine: true,
        // Perez-Ruixo 2021 screened body weight and did not retain it; the label: no clinically
        // significant effect of body weight on esketamine exposure.
        weight_scaled: false,
        nmda_potency_rel: |p| p.potency_esketamine_rel,
        // The acute effects follow the NMDA-weighted exposure.
        clinical_potency_rel: |p| p.potency_esketamine_rel,
        ke0_per_h: |p| p.ke0_per_h,
        routes: &Route::ALL,
    },
    DrugInfo {
        drug: Drug::Arketamine,
        name: "arketamine",
        description: "(R)-ketamine",
        molar_mass_g_per_mol: KETAMINE_G_PER_MOL,
        disposition: |p| Disposition70 {
            v1_l: p.arketamine_v1_l,
            v2_l: p.arketamine_v2_l,
            v3_l: p.arketamine_v3_l,
            cl_l_per_h: p.arketamine_cl_l_per_h,
            q2_l_per_h: p.arketamine_q2_l_per_h,
            q3_l_per_h: p.arketamine_q3_l_per_h,
        },
        absorption: |p, route| {
            shared_absorption(p, route).unwrap_or(Absorption {
                ka_per_h: p.ka_intranasal_arketamine_per_h,
                bioavailability: 1.0,
                lag_h: 0.0,
            })
        },
        metabolite: Some(NORKETAMINE),
        ketamine: true,
        // As esketamine (assumption, as its disposition).
        weight_scaled: false,
        nmda_potency_rel: |p| p.potency_arketamine_rel,
        clinical_potency_rel: |p| p.potency_arketamine_rel,
        ke0_per_h: |p| p.ke0_per_h,
        routes: &Route::ALL,
    },
    DrugInfo {
        drug: Drug::Midazolam,
        name: "midazolam",
        description: "midazolam (benzodiazepine; active placebo without NMDA action)",
        molar_mass_g_per_mol: MIDAZOLAM_G_PER_MOL,
        disposition: |p| Disposition70 {
            v1_l: p.midazolam_v1_l,
            v2_l: p.midazolam_v2_l,
            v3_l: p.midazolam_v3_l,
            cl_l_per_h: p.midazolam_cl_l_per_h,
            q2_l_per_h: p.midazolam_q2_l_per_h,
            q3_l_per_h: p.midazolam_q3_l_per_h,
        },
        absorption: |p, route| match route {
            Route::IvBolus | Route::IvInfusion => Absorption { ka_per_h: 0.0, bioavailability: 1.0, lag_h: 0.0 },
            Route::Intranasal => Absorption { ka_per_h: p.midazolam_ka_intranasal_per_h, bioavailability: p.midazolam_bioavailability_intranasal, lag_h: 0.0 },
            Route::Oral | Route::Sublingual => Absorption { ka_per_h: p.midazolam_ka_oral_per_h, bioavailability: p.midazolam_bioavailability_oral, lag_h: 0.0 },
            // Not a rodent drug in ketasim (the scenario reader refuses it); the shared i.p. row.
            Route::Intraperitoneal => Absorption { ka_per_h: p.ka_intraperitoneal_per_h, bioavailability: p.bioavailability_intraperitoneal, lag_h: 0.0 },
        },
        // 1-hydroxymidazolam is not followed (Zomorodi 1998: clinically insignificant).
        metabolite: None,
        ketamine: false,
        weight_scaled: true,
        // A GABA-A modulator: no block of the NMDA channel, none of ketamine's dissociation or
        // pressor effect (its sedation is not a ketasim read-out).
        nmda_potency_rel: |_| 0.0,
        clinical_potency_rel: |_| 0.0,
        ke0_per_h: |p| p.ke0_per_h,
        routes: &Route::ALL,
    },
    DrugInfo {
        drug: Drug::Morphine,
        name: "morphine",
        description: "morphine (μ-opioid agonist; active metabolite morphine-6-glucuronide)",
        molar_mass_g_per_mol: MORPHINE_G_PER_MOL,
        // Two compartments (Stanski 1978): the slow peripheral compartment is switched off.
        disposition: |p| Disposition70 {
            v1_l: p.morphine_v1_l,
            v2_l: p.morphine_v2_l,
            v3_l: 1.0,
            cl_l_per_h: p.morphine_cl_l_per_h,
            q2_l_per_h: p.morphine_q_l_per_h,
            q3_l_per_h: 0.0,
        },
        absorption: |p, route| match route {
            Route::Oral => Absorption { ka_per_h: p.morphine_ka_oral_per_h, bioavailability: p.morphine_bioavailability_oral, lag_h: 0.0 },
            // IV, and the routes a scenario cannot give it by (`routes`).
            _ => Absorption { ka_per_h: 0.0, bioavailability: 1.0, lag_h: 0.0 },
        },
        metabolite: Some(M6G),
        ketamine: false,
        weight_scaled: true,
        // μ-opioid: no NMDA block, none of ketamine's dissociation or pressor effect (its effects
        // are the pain model's: crate::pain::opioid).
        nmda_potency_rel: |_| 0.0,
        clinical_potency_rel: |_| 0.0,
        ke0_per_h: |p| std::f64::consts::LN_2 / p.morphine_ke0_half_life_h,
        routes: &MORPHINE_ROUTES,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_enum_order_with_unique_names() {
        for (i, d) in Drug::ALL.iter().enumerate() {
            assert_eq!(CATALOGUE[i].drug, *d);
            assert_eq!(d.index(), i);
            // The serde name is the catalogue name.
            assert_eq!(serde_json::to_string(d).unwrap(), format!("\"{}\"", d.name()));
        }
    }

    #[test]
    fn arketamine_is_a_weaker_nmda_blocker_than_esketamine() {
        // Ebert 1997: Ki 1.4 uM (R) vs 0.30 uM (S): about 4.7x.
        let p = Params::default();
        let ratio = (Drug::Esketamine.info().nmda_potency_rel)(&p) / (Drug::Arketamine.info().nmda_potency_rel)(&p);
        assert!((3.0..=6.0).contains(&ratio), "S/R potency {ratio}");
    }

    #[test]
    fn midazolam_has_no_nmda_or_ketamine_action() {
        let p = Params::default();
        let m = Drug::Midazolam.info();
        assert_eq!(((m.nmda_potency_rel)(&p), (m.clinical_potency_rel)(&p)), (0.0, 0.0));
        assert!(!m.ketamine && m.metabolite.is_none());
    }
}
