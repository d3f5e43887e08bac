//! Every model parameter, stated once: name (with its unit), default value, validity range,
//! uncertainty range (with its basis) and source.
//!
//! The **validity range** `[min, max]` is what the model accepts (outside it the equations stop
//! making sense); the **uncertainty range** `[low, high]` is narrower: the plausible range of the
//! true value given the literature (a published confidence interval, the spread between studies,
//! or a stated factor for assumed and calibrated values, with the reason in `uncertainty_basis`).
//! `ketasim sensitivity` samples parameters over their uncertainty ranges by default.
//!
//! The table below is the single source of truth: `Params` (the struct the code reads),
//! `[parameters]` overrides in a scenario, `--set parameters.<name>=<value>`, `ketasim params`,
//! the manifest and the parameter tables of `docs/model.md` all come from it. A test checks that
//! `docs/model.md` lists every parameter with its default value.

use serde::Serialize;

/// Seconds per hour (stated in [`crate::units`]; re-exported here for existing callers).
pub use crate::units::SECONDS_PER_HOUR;

/// One row of the parameter table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamInfo {
    /// The parameter's name, with its unit in the name.
    pub name: &'static str,
    /// The default value.
    pub default: f64,
    /// The unit.
    pub unit: &'static str,
    /// Lower end of the validity range (values the model accepts).
    pub min: f64,
    /// Upper end of the validity range.
    pub max: f64,
    /// Lower end of the uncertainty range (plausible true values; inside the validity range and
    /// containing the default).
    pub uncertainty_low: f64,
    /// Upper end of the uncertainty range.
    pub uncertainty_high: f64,
    /// Why the uncertainty range is what it is (a published interval, a spread between studies,
    /// or a stated factor and its reason).
    pub uncertainty_basis: &'static str,
    /// Which stage reads it (pk, nmda, disinhibition, glutamate, ampa, bdnf, mtorc1, protein, spines, …).
    pub stage: &'static str,
    /// Where the value comes from (published sources cited as `Author Year`, docs/references.md).
    pub source: &'static str,
}

macro_rules! parameters {
    ($( $stage:literal { $( $name:ident = $value:expr, $unit:literal, [$min:expr, $max:expr], [$ulo:expr, $uhi:expr], $basis:literal, $source:literal; )* } )*) => {
        /// All model parameters (see the module docs and `docs/model.md`).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct Params { $( $(
            #[doc = concat!("`", stringify!($name), "`, ", $unit, " (default ", stringify!($value), ", range ", stringify!($min), " to ", stringify!($max), ", uncertainty ", stringify!($ulo), " to ", stringify!($uhi), "; ", $source, ").")]
            pub $name: f64,
        )* )* }

        impl Default for Params {
            fn default() -> Self { Self { $( $( $name: $value, )* )* } }
        }

        /// The parameter table, in the causal order of the model.
        pub const PARAMETERS: &[ParamInfo] = &[ $( $( ParamInfo {
            name: stringify!($name), default: $value, unit: $unit, min: $min, max: $max,
            uncertainty_low: $ulo, uncertainty_high: $uhi, uncertainty_basis: $basis,
            stage: $stage, source: $source,
        }, )* )* ];

        impl Params {
            /// Mutable access to a parameter by name.
            pub fn get_mut(&mut self, name: &str) -> Option<&mut f64> {
                match name { $( $( stringify!($name) => Some(&mut self.$name), )* )* _ => None }
            }
            /// A parameter's value by name.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name { $( $( stringify!($name) => Some(self.$name), )* )* _ => None }
            }
        }
    };
}

/// The parameter table as Markdown, one table per stage, in causal order.
pub fn markdown_tables() -> String {
    let mut out = String::new();
    let mut stage = "";
    for p in PARAMETERS {
        if p.stage != stage {
            stage = p.stage;
            out.push_str(&format!("\n#### Parameters: {stage}\n\n| name | default | unit | range | uncertainty | source |\n|---|---|---|---|---|---|\n"));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} to {} | {} to {}: {} | {} |\n",
            p.name, p.default, p.unit, p.min, p.max, p.uncertainty_low, p.uncertainty_high, p.uncertainty_basis, p.source
        ));
    }
    out
}

/// The columns of `ketasim params --format csv` (and the keys of `--format json`), in order.
pub const TABLE_COLUMNS: &[&str] =
    &["name", "value", "uncertainty_low", "uncertainty_high", "min", "max", "unit", "stage", "source", "uncertainty_basis"];

/// A number as the shortest text that reads back to the same `f64`.
fn num(x: f64) -> String {
    format!("{x:?}")
}

/// The parameter table as CSV: one row per parameter, columns [`TABLE_COLUMNS`].
pub fn csv_table() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(TABLE_COLUMNS);
    for p in PARAMETERS {
        let _ = w.write_record([
            p.name.to_string(),
            num(p.default),
            num(p.uncertainty_low),
            num(p.uncertainty_high),
            num(p.min),
            num(p.max),
            p.unit.to_string(),
            p.stage.to_string(),
            p.source.to_string(),
            p.uncertainty_basis.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The parameter table as JSON: a list of objects with the keys of [`TABLE_COLUMNS`], in causal
/// order.
pub fn json_table() -> serde_json::Value {
    serde_json::Value::Array(
        PARAMETERS
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name, "value": p.default,
                    "uncertainty_low": p.uncertainty_low, "uncertainty_high": p.uncertainty_high,
                    "min": p.min, "max": p.max, "unit": p.unit, "stage": p.stage,
                    "source": p.source, "uncertainty_basis": p.uncertainty_basis,
                })
            })
            .collect(),
    )
}

/// The parameter table as aligned text for a terminal: name, value, uncertainty range, validity
/// range, unit, stage and source.
pub fn text_table() -> String {
    let range = |a: f64, b: f64| format!("{a} to {b}");
    let mut out = format!("{:<38} {:>8}  {:<18} {:<16} {:<28} {:<14} source\n", "name", "value", "uncertainty", "validity", "unit", "stage");
    for p in PARAMETERS {
        out.push_str(&format!(
            "{:<38} {:>8}  {:<18} {:<16} {:<28} {:<14} {}\n",
            p.name,
            p.default,
            range(p.uncertainty_low, p.uncertainty_high),
            range(p.min, p.max),
            p.unit,
            p.stage,
            p.source
        ));
    }
    out
}

/// The table row of the parameter called `name`, or `None` if there is no such parameter.
pub fn info(name: &str) -> Option<&'static ParamInfo> {
    PARAMETERS.iter().find(|p| p.name == name)
}


parameters! {
    "pk" {
        ketamine_v1_l = 25.0, "L per 70 kg", [0.1, 1e4], [19.2, 32.5], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp et al. 2020, Anesthesiology 133:1192 (racemic, 3-compartment)";
        ketamine_v2_l = 56.0, "L per 70 kg", [0.1, 1e4], [43.1, 72.8], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp 2020";
        ketamine_v3_l = 157.0, "L per 70 kg", [0.1, 1e4], [121.0, 204.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp 2020";
        ketamine_cl_l_per_h = 84.0, "L/h per 70 kg", [0.01, 1e4], [64.6, 109.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp 2020";
        ketamine_q2_l_per_h = 161.0, "L/h per 70 kg", [0.0, 1e4], [124.0, 209.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp 2020";
        ketamine_q3_l_per_h = 79.0, "L/h per 70 kg", [0.0, 1e4], [60.8, 103.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Kamp 2020";
        esketamine_v1_l = 260.0, "L", [0.1, 1e4], [192.0, 293.0], "from Vc alone (192 L) to Vc plus the hepato-portal volume (293 L) of Perez-Ruixo 2021", "calibrated: Perez-Ruixo 2021 Table 3 Vc 192 L plus part of its hepato-portal compartment (Vh 101 L, exchanging at Qh 151 L/h), which ketasim does not model; with ka_intranasal_esketamine_per_h gives the typical Cmax of Perez-Ruixo 2021 Table 4 (28, 56, 84 mg: 43.8, 72.5, 101.0 ng/mL; ketasim 44.1, 75.7, 107.3) at the label's 20-40 min";
        esketamine_v2_l = 143.0, "L", [0.1, 1e4], [110.0, 186.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Perez-Ruixo 2021 Table 3: Vp1 143 L";
        esketamine_v3_l = 417.0, "L", [0.1, 1e4], [321.0, 542.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Perez-Ruixo 2021 Table 3: Vp2 417 L (deep compartment: Vss 752 L, label 709 L, gives the label's terminal half-life 7-12 h)";
        esketamine_cl_l_per_h = 88.8, "L/h", [0.01, 1e4], [68.3, 115.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Spravato label: mean clearance after IV esketamine about 89 L/h (Simons 2022: 1.48 L/min; Perez-Ruixo 2021's hepatic model gives 109-114 L/h)";
        esketamine_q2_l_per_h = 84.3, "L/h", [0.0, 1e4], [64.8, 110.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Perez-Ruixo 2021 Table 3: Q1 84.3 L/h";
        esketamine_q3_l_per_h = 37.6, "L/h", [0.0, 1e4], [28.9, 48.9], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Perez-Ruixo 2021 Table 3: Q2 37.6 L/h";
        arketamine_v1_l = 260.0, "L", [0.1, 1e4], [192.0, 293.0], "as esketamine_v1_l", "assumption: the esketamine disposition (esketamine_v1_l: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_v2_l = 143.0, "L", [0.1, 1e4], [110.0, 186.0], "as esketamine_v2_l", "assumption: the esketamine disposition (esketamine_v2_l: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_v3_l = 417.0, "L", [0.1, 1e4], [321.0, 542.0], "as esketamine_v3_l", "assumption: the esketamine disposition (esketamine_v3_l: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_cl_l_per_h = 88.8, "L/h", [0.01, 1e4], [68.3, 115.0], "as esketamine_cl_l_per_h", "assumption: the esketamine disposition (esketamine_cl_l_per_h: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_q2_l_per_h = 84.3, "L/h", [0.0, 1e4], [64.8, 110.0], "as esketamine_q2_l_per_h", "assumption: the esketamine disposition (esketamine_q2_l_per_h: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_q3_l_per_h = 37.6, "L/h", [0.0, 1e4], [28.9, 48.9], "as esketamine_q3_l_per_h", "assumption: the esketamine disposition (esketamine_q3_l_per_h: Perez-Ruixo 2021, label) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        norketamine_v_l = 221.0, "L per 70 kg", [0.1, 1e4], [170.0, 287.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Simons 2022 (norketamine volume); one compartment: assumption";
        norketamine_cl_l_per_h = 60.0, "L/h per 70 kg", [0.01, 1e4], [46.2, 78.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Simons 2022: 1.00 L/min";
        norketamine_fraction_of_clearance = 0.8, "fraction", [0.0, 1.0], [0.6, 0.95], "assumption around the 80 % of Simons 2022 (measured for S-ketamine only)", "Simons 2022: 80 % of S-ketamine clearance forms norketamine; applied to the racemate too (assumption)";
        hepatic_blood_flow_l_per_h = 151.0, "L/h", [1.0, 1e4], [116.0, 196.0], "factor 1.3 either way (population-PK estimate; between-subject CV of Qh 23 %, Perez-Ruixo 2021)", "Perez-Ruixo 2021 Table 3: Qh of the esketamine well-stirred liver model; ketamine clearance is flow-limited, so age acts through it (applied to racemic and R-ketamine too: assumption)";
        hepatic_flow_decline_l_per_h_per_y = 2.19, "L/h per year", [0.0, 10.0], [1.46, 3.29], "factor 1.5 either way (single published estimate without an interval here; assumption)", "Perez-Ruixo 2021 Table 3: Qh falls 2.19 L/h per year of age above 60";
        hepatic_flow_decline_from_age_y = 60.0, "years", [0.0, 120.0], [50.0, 70.0], "plus or minus 10 years (the breakpoint of the source model, fixed there; assumption)", "Perez-Ruixo 2021: the age effect on Qh starts at 60 years";
        norketamine_fraction_of_first_pass = 0.9, "fraction", [0.0, 1.0], [0.45, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption: first-pass loss is mostly N-demethylated, more than systemic clearance (Grant 1981: an oral dose appears largely as norketamine)";
        ke0_per_h = 60.0, "1/h", [0.1, 1000.0], [30.0, 180.0], "the literature's 0.5-3 min^-1", "effect-site equilibration 1 min^-1, within the literature's 0.5-3 min^-1";
        bioavailability_oral = 0.17, "fraction", [0.0, 1.0], [0.16, 0.3], "oral and sublingual studies span 16-30 % (Grant 1981; Rolan 2014)", "Grant 1981 (17 %); oral and sublingual studies span 16-30 % (Rolan 2014)";
        bioavailability_sublingual = 0.29, "fraction", [0.0, 1.0], [0.27, 0.31], "90 % CI 27-31 % (Rolan 2014)", "Rolan 2014 (90 % CI 27-31 %)";
        intranasal_nasal_fraction_esketamine = 0.54, "fraction", [0.0, 1.0], [0.45, 0.63], "RSE not used; plus or minus 1/6 (assumption)", "Perez-Ruixo 2021 Table 3: FRn 0.54 of the first 28-mg device is absorbed through the nasal cavity, the rest is swallowed; used for arketamine too (assumption)";
        intranasal_further_unit_factor_esketamine = 0.62, "fraction", [0.0, 1.0], [0.5, 0.75], "plus or minus 20 % (assumption)", "Perez-Ruixo 2021 Table 3: dose effect on FRn 0.62 for each further 28-mg device (saturable nasal absorption; F 54 % at 56 mg, 51 % at 84 mg)";
        intranasal_unit_esketamine_mg = 28.0, "mg", [0.1, 1000.0], [27.0, 29.0], "one Spravato device; plus or minus 1 mg of delivery (assumption)", "Spravato label: one device delivers 28 mg (two sprays); the unit of Perez-Ruixo 2021's dose effect";
        intranasal_nasal_fraction_ketamine = 0.093, "fraction", [0.0, 1.0], [0.07, 0.15], "the published bioavailability range 11-17 % less the swallowed part (calibrated; assumption)", "calibrated with intranasal_further_unit_factor_ketamine to the absolute bioavailability after 10, 30 and 50 mg (Pharmacotherapy 2022;42:298 Table 6: 17, 13 and 11 %; ketasim 17.0, 13.0 and 12.2 %)";
        intranasal_further_unit_factor_ketamine = 0.29, "fraction", [0.0, 1.0], [0.19, 0.44], "factor 1.4 either way (calibrated to one study; assumption)", "calibrated (Pharmacotherapy 2022;42:298): bioavailability 17 % at 10 mg, 13 % at 30 mg; the form of Perez-Ruixo 2021's dose effect";
        intranasal_unit_ketamine_mg = 10.0, "mg", [0.1, 1000.0], [5.0, 20.0], "factor 2 either way (assumption)", "assumption: the lowest dose of Pharmacotherapy 2022;42:298 (10 mg) as the dose unit of the dose effect";
        intranasal_swallowed_share_ketamine = 0.5, "fraction", [0.0, 1.0], [0.4, 0.6], "0.4 fits the published norketamine AUC, 0.6 its peak (calibrated; assumption)", "calibrated jointly to the norketamine peak and exposure after 30 and 50 mg (Pharmacotherapy 2022;42:298 Table 6: norketamine Cmax 68.1 and 105 ng/mL at 56-60 min, norketamine/ketamine AUC 3.95 and 4.54; ketasim 41.7 and 69.6 ng/mL at 65 min, AUC ratio 4.66 and 4.93): the swallowed share of the spray not absorbed in the nose; the rest is expelled";
        ka_oral_per_h = 4.0, "1/h", [0.01, 100.0], [2.67, 6.0], "factor 1.5 either way (calibrated to one published study; assumption)", "calibrated with lag_oral_h to 0.5 mg/kg oral: Cmax 45 +/- 10 ng/mL at about 30 min (Grant 1981, as tabulated by Zanos 2018, Table 1; ketasim 46.5 ng/mL at 27 min with the Kamp 2020 disposition)";
        lag_oral_h = 0.3, "h", [0.0, 2.0], [0.15, 0.45], "0.15-0.45 h (assumption: a typical gastric-emptying lag)", "calibrated with ka_oral_per_h (Grant 1981): a lag then fast absorption gives the published peak; one slow first-order depot gives the published Tmax only with a peak 2.5x too low (18 ng/mL); shared by the racemate and the enantiomers (assumption)";
        ka_sublingual_per_h = 0.7, "1/h", [0.01, 100.0], [0.467, 1.05], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: Tmax about 45 min (Rolan 2014)";
        ka_intraperitoneal_per_h = 16.0, "1/h", [0.1, 1000.0], [8.0, 40.0], "absorption half-time 1-5 min (assumption)", "assumption: chosen so that a rodent i.p. dose peaks in plasma at 5-10 min (mouse 7.6 min, rat 10 min with the half-lives below); no rodent i.p. absorption rate retrieved";
        bioavailability_intraperitoneal = 0.5, "fraction", [0.0, 1.0], [0.2, 1.0], "0.2-1.0 (assumption: i.p. absorption passes the portal vein, so a high-extraction drug loses part of the dose to the liver)", "assumption, used for the mouse only (for the rat pk::species derives it from the portal first pass, Lukas 1971); no mouse i.p. ketamine bioavailability or liver blood flow retrieved, and the same derivation with a rat-like liver blood flow would leave nothing (the mouse clearance of mouse_ketamine_half_life_h and rodent_ketamine_v_l_per_kg, 158 mL/min/kg, exceeds it); the lost fraction forms norketamine as an oral first pass does";
        mouse_ketamine_half_life_h = 0.22, "h", [0.01, 24.0], [0.11, 0.44], "factor 2 either way (assumption)", "Maxwell et al. 2006 (J Pharmacol Exp Ther 316:315): mouse plasma ketamine t1/2 about 13 min, as cited for the project; the paper itself was not retrieved, so treated as an assumption";
        rat_ketamine_half_life_h = 0.5, "h", [0.01, 24.0], [0.33, 1.5], "0.33-1.5 h: the lower end from a 2019 study of F344 rats (Drug Test Anal 11:68; 7.5 mg/kg intramuscular every 90 min keeps plasma above 100 ng/mL, which with the rodent volume needs a half-life of at least 20 min), the upper end an assumption", "assumption: no rat ketamine half-life retrieved; between the mouse value and the 52-61 min of dogs (Kaka 1980; Jantzen 1985), shorter than the human 2-3 h";
        rodent_ketamine_v_l_per_kg = 3.0, "L/kg", [0.1, 50.0], [1.5, 6.0], "factor 2 either way (assumption)", "assumption: one compartment; no rodent volume retrieved; other species span 2.5-4 L/kg (dog: Kaka 1980 0.54 + 1.94 L/kg, Pypendop 2005 Vss 4.06 L/kg; rabbit: Luca 2020 Vss 3.2 L/kg)";
        rodent_ke0_per_h = 360.0, "1/h", [0.1, 1e4], [330.0, 1200.0], "330 1/h (the slowest link that puts the peak within 1 min) to 1200 1/h (equilibration half-time 2 s)", "Cohen et al. 1973 (Anesthesiology 39:370, rat, IV): brain ketamine peaks less than a minute after the injection and the brain/plasma ratio is 6.5:1 at all times studied (from 30 s); with the rat's one-compartment plasma the link must be at least 330 1/h for the effect-site peak to come within 1 min (6 min^-1: peak 0.93 min, 95 % of equilibrium at 30 s); replaces ke0_per_h in rodents";
        rodent_nmda_ic50_factor = 4.5, "x human", [1.0, 100.0], [3.7, 5.6], "the factors that keep all three dose bands of the calibration (below 3.7 the 2-h mean glutamate after 30 mg/kg falls under 1.2x; above 5.6 that after 50 mg/kg rises over 1.15x); 4.5 is their geometric middle", "calibrated to the rat dose-response of Moghaddam et al. 1997 (J Neurosci 17:2921, microdialysis in the prefrontal cortex): 10, 20 and 30 mg/kg i.p. raise glutamate outflow, 50 mg/kg does not change it, 200 mg/kg lowers it (bands on the 2-h mean: >= 1.2x, 0.85-1.15x, <= 0.85x); with the human IC50s (factor 1) every rat dose from 15 mg/kg on lowers it. The rodent NMDA IC50s are the human ones times this factor: a rodent needs several times the human plasma-equivalent concentration for the same block (the rodent disposition of pk::species, itself assumed, is part of what the factor absorbs)";
        rat_hepatic_blood_flow_ml_min_per_kg = 104.3, "mL/min/kg", [1.0, 1000.0], [87.2, 121.4], "mean +/- 1 SD of the source (17.1 mL/min/kg)", "Gibson et al. 2021 (Gibson, Gleason & Messina, Pharmacol Res Perspect 9:e00731): total liver blood flow 104.3 +/- 17.1 mL/min/kg (33.3 +/- 7.8 mL/min) by ultrasound in 29 anaesthetised rats (26 Wistar-Han, 3 Sprague-Dawley); sets the rat's i.p. first pass (pk::species)";
        human_hepatic_blood_flow_ml_min_per_kg = 20.0, "mL/min/kg", [1.0, 1000.0], [18.0, 22.0], "factor 1.1 either way (assumption)", "Davies 1993 (Davies & Morris, Pharm Res 10:1093): human liver blood flow 20 mL/min/kg, read in a J Pharmacol Exp Ther scaling table that cites it (the paper itself not retrieved); with ketamine_cl_l_per_h and bioavailability_oral it scales the human oral extraction to the rat's i.p. first pass (pk::species)";
        ka_intranasal_esketamine_per_h = 4.0, "1/h", [0.01, 100.0], [2.93, 6.0], "from Perez-Ruixo 2021's 2.93 1/h to factor 1.5 above (assumption)", "calibrated with esketamine_v1_l: Cmax of Perez-Ruixo 2021 Table 4 at 36-38 min (label Tmax 20-40 min); Perez-Ruixo 2021 Table 3: ka,n 2.93 1/h with their hepato-portal disposition";
        ka_intranasal_arketamine_per_h = 4.0, "1/h", [0.01, 100.0], [2.0, 8.0], "factor 2 either way (assumption: no direct measurement)", "assumption: as ka_intranasal_esketamine_per_h (same formulation and disposition)";
        ka_intranasal_ketamine_per_h = 60.0, "1/h", [0.01, 200.0], [40.0, 90.0], "factor 1.5 either way (calibrated to one published study; assumption)", "calibrated with lag_intranasal_ketamine_h to Cmax and Tmax after 10, 30 and 50 mg (Pharmacotherapy 2022;42:298: geometric means 22.9, 60.8 and 77.6 ng/mL at 14-23 min; ketasim 24.5, 38.7 and 53.0 at 15 min): the nasal part is small (4-9 % of the dose) and absorbed as a delayed near-bolus";
        lag_intranasal_ketamine_h = 0.22, "h", [0.0, 2.0], [0.12, 0.3], "the published Tmax range (14-23 min) less the rise time of the fast absorption", "calibrated with ka_intranasal_ketamine_per_h (Pharmacotherapy 2022;42:298): a fast nasal absorption after a delay gives the published high, early peak, which one first-order depot without a lag cannot (its peak is either late or low)";
        midazolam_v1_l = 32.2, "L per 70 kg", [0.1, 1e4], [24.77, 41.86], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi et al. 1998, Anesthesiology 89:1418 (adult three-compartment population model, V1 32.2 L)";
        midazolam_v2_l = 53.0, "L per 70 kg", [0.1, 1e4], [40.77, 68.9], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi 1998 (V2 53 L)";
        midazolam_v3_l = 245.0, "L per 70 kg", [0.1, 1e4], [188.5, 318.5], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi 1998 (V3 245 L)";
        midazolam_cl_l_per_h = 25.8, "L/h per 70 kg", [0.01, 1e4], [19.85, 33.54], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi 1998: 0.43 L/min";
        midazolam_q2_l_per_h = 33.6, "L/h per 70 kg", [0.0, 1e4], [25.85, 43.68], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi 1998: 0.56 L/min";
        midazolam_q3_l_per_h = 23.4, "L/h per 70 kg", [0.0, 1e4], [18.0, 30.42], "factor 1.3 either way (population-PK estimate; assumption)", "Zomorodi 1998: 0.39 L/min";
        midazolam_bioavailability_oral = 0.44, "fraction", [0.0, 1.0], [0.3385, 0.572], "factor 1.3 either way (population-PK estimate; assumption)", "Allonen et al. 1981, Clin Pharmacol Ther 30:653 (44 %); also used for sublingual midazolam (assumption)";
        midazolam_ka_oral_per_h = 3.0, "1/h", [0.01, 100.0], [2.308, 3.9], "factor 1.3 either way (population-PK estimate; assumption)", "Allonen 1981: absorption half-life 0.23 h (ln 2 / 0.23 h); also used for sublingual midazolam (assumption)";
        midazolam_bioavailability_intranasal = 0.75, "fraction", [0.0, 1.0], [0.5769, 0.975], "factor 1.3 either way (population-PK estimate; assumption)", "Nazolam 2017 (Br J Clin Pharmacol 83:721, doi 10.1111/bcp.13163): intranasal F 0.74-0.76";
        midazolam_ka_intranasal_per_h = 6.0, "1/h", [0.01, 100.0], [4.615, 7.8], "factor 1.3 either way (population-PK estimate; assumption)", "assumption: Tmax 11-14 min after intranasal midazolam (Nazolam 2017)";
    }
    "nmda" {
        potency_esketamine_rel = 2.0, "x racemate", [0.0, 10.0], [1.5, 3.0], "assumption around the Ki ratio 1.77 (Ebert 1997)", "S-ketamine about 2x the racemate (Ki 0.3 vs 0.5 uM)";
        potency_arketamine_rel = 0.36, "x racemate", [0.0, 10.0], [0.24, 0.54], "factor 1.5 either way (assumption: a single published value without an interval)", "R-ketamine Ki 1.4 uM vs S-ketamine 0.30 uM and racemate 0.53 uM at the PCP site of the NMDA receptor (Ebert et al. 1997, Eur J Pharmacol 333:99): 0.5/1.4 with the racemate Ki used for potency_esketamine_rel; S/R about 4.7";
        potency_norketamine_rel = 0.25, "x racemate", [0.0, 10.0], [0.2, 0.33], "1/5 to 1/3 of ketamine (the source's range)", "norketamine 1/3-1/5 of ketamine; midpoint";
        nmda_ic50_interneuron_um = 1.2, "uM", [1e-3, 1e3], [0.8, 1.8], "factor 1.5 either way (assumption: a single published value without an interval)", "GluN2C IC50 with physiological Mg2+ (Kotermanski & Johnson 2009)";
        nmda_ic50_pyramidal_um = 5.0, "uM", [1e-3, 1e3], [3.33, 7.5], "factor 1.5 either way (assumption: a single published value without an interval)", "GluN2A/2B IC50 with physiological Mg2+ (Kotermanski & Johnson 2009)";
        nmda_unblock_tau_min = 20.0, "min", [0.1, 1e4], [10.0, 40.0], "factor 2 either way (assumption: no direct measurement)", "assumption: trapped blocker leaves slowly (minutes to tens of minutes)";
        interneuron_open_cv = 0.2, "CV", [0.0, 2.0], [0.1, 0.4], "factor 2 either way (assumption: no direct measurement)", "assumption: cell-to-cell spread of tonic channel opening";
        pyramidal_open_cv = 0.2, "CV", [0.0, 2.0], [0.1, 0.4], "factor 2 either way (assumption: no direct measurement)", "assumption";
    }
    "disinhibition" {
        interneuron_rate_hz = 15.0, "Hz", [0.01, 500.0], [10.0, 20.0], "10-20 Hz (Homayoun & Moghaddam 2007)", "fast-spiking interneurons 10-20 Hz (Homayoun & Moghaddam 2007)";
        interneuron_rate_cv = 0.3, "CV", [0.0, 2.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption";
        interneuron_nmda_drive_fraction = 0.8, "fraction", [0.0, 1.0], [0.4, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption: tonic interneuron drive is mostly NMDA-dependent (Homayoun & Moghaddam 2007)";
        pyramidal_rate_hz = 2.0, "Hz", [0.01, 500.0], [1.0, 5.0], "1-5 Hz (Homayoun & Moghaddam 2007)", "prefrontal pyramidal neurons 1-5 Hz (Homayoun & Moghaddam 2007)";
        pyramidal_rate_cv = 0.3, "CV", [0.0, 2.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption";
        disinhibition_gain = 1.5, "max relative rate increase", [0.0, 100.0], [1.0, 2.25], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: glutamate surge 1.5-3x (Moghaddam 1997)";
        disinhibition_half_loss = 0.12, "fraction of inhibition lost", [1e-3, 1.0], [0.08, 0.18], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: surge needs a substantial loss of inhibition; back within about 2 h (Moghaddam 1997)";
        disinhibition_hill = 3.0, "1", [0.1, 20.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (threshold-like recruitment of pyramidal firing)";
        disinhibition_adaptation_tau_min = 30.0, "min", [0.1, 1e4], [20.0, 45.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: surge is transient, back within about 2 h (Moghaddam 1997)";
        disinhibition_adaptation_fraction = 0.9, "fraction", [0.0, 1.0], [0.6, 1.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: surge is transient; none after anaesthetic exposure (Moghaddam 1997)";
        pyramidal_nmda_half_block = 0.45, "fraction", [0.01, 1.0], [0.3, 0.675], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: anaesthetic exposure abolishes the surge (inverted U, Moghaddam 1997)";
        pyramidal_nmda_hill = 4.0, "1", [0.1, 20.0], [2.67, 6.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (inverted U)";
        anaesthetic_suppression_tau_h = 6.0, "h", [0.01, 1e3], [3.0, 12.0], "factor 2 either way (assumption: no direct measurement)", "assumption: plasticity stays suppressed for hours after deep block (no mTORC1 activation at anaesthetic doses, Li 2010)";
    }
    "glutamate" {
        glutamate_gain = 1.0, "rel per rel rate", [0.0, 100.0], [0.5, 2.0], "factor 2 either way (assumption: no direct measurement)", "assumption: release proportional to pyramidal firing";
        glutamate_tau_min = 10.0, "min", [0.01, 1e4], [5.0, 20.0], "factor 2 either way (assumption: no direct measurement)", "assumption: microdialysis-scale clearance/sampling";
    }
    "ampa" {
        ampa_ec50_glutamate_rel = 2.0, "x baseline glutamate", [0.01, 100.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption: baseline activation 0.2";
        ampa_hill = 2.0, "1", [0.1, 10.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        ampa_gain_cv = 0.1, "CV", [0.0, 2.0], [0.05, 0.2], "factor 2 either way (assumption: no direct measurement)", "assumption";
        hnk_ampa_gain = 1.0, "glutamate-equivalent", [0.0, 100.0], [0.5, 2.0], "factor 2 either way (assumption: no direct measurement)", "assumption: (2R,6R)-HNK drives AMPA/BDNF without NMDA block (Zanos 2016; contested, Yang 2018); off by default";
        hnk_ampa_ec50_um = 1.0, "uM", [1e-3, 1e3], [0.5, 2.0], "factor 2 either way (assumption: no direct measurement)", "assumption (Zanos 2016 used 10 mg/kg in mice)";
        hnk_per_norketamine = 0.5, "uM HNK per uM norketamine", [0.0, 100.0], [0.25, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption: brain HNK follows norketamine (Zanos 2016, mouse brain HNK comparable to norketamine)";
    }
    "bdnf" {
        bdnf_activity_gain = 1.2, "rel per rel AMPA", [0.0, 100.0], [0.8, 1.8], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: BDNF release follows AMPA activation (Autry 2011; Li 2010)";
        bdnf_eef2k_gain = 0.8, "rel per unit block", [0.0, 100.0], [0.533, 1.2], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: NMDA block at rest -> eEF2 -> BDNF translation within 30 min (Autry 2011)";
        val66met_release_loss = 0.5, "fraction", [0.0, 1.0], [0.3, 0.7], "about 30 % (Chen 2006) up to 70 % (assumption)", "Met/Met lowers activity-dependent BDNF secretion (Egan 2003; Chen 2006: about 30 %) and blunts ketamine synaptogenesis (Liu 2012); value: assumption";
        bdnf_tau_min = 20.0, "min", [0.01, 1e4], [10.0, 40.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
    }
    "mtorc1" {
        mtorc1_gain = 1.0, "rel per rel TrkB", [0.0, 100.0], [0.667, 1.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: mTORC1 1.5-3x at 30-60 min (Li 2010)";
        mtorc1_tau_min = 15.0, "min", [0.01, 1e4], [10.0, 22.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: back by 2 h (Li 2010)";
    }
    "protein" {
        protein_half_life_h = 72.0, "h", [0.1, 1e5], [36.0, 144.0], "factor 2 either way (assumption: no direct measurement)", "assumption: synaptic proteins (PSD-95, GluA1, synapsin) turn over over days";
        protein_induction_per_h = 0.15, "rel/h per rel mTORC1 excess", [0.0, 100.0], [0.1, 0.225], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: proteins up from 2 h through 72 h (Li 2010)";
        stress_protein_basal_rel = 0.85, "rel", [0.01, 1.0], [0.425, 1.0], "factor 2 either way (the value is an assumption)", "chronic stress lowers synaptic proteins (Li 2011); value: assumption";
    }
    "spines" {
        spine_thin_elimination_per_day = 0.8, "1/day", [0.001, 100.0], [0.4, 1.6], "factor 2 either way (assumption: no direct measurement)", "assumption: thin spines mostly transient (days)";
        spine_maturation_per_day = 0.25, "1/day", [0.0, 100.0], [0.125, 0.5], "factor 2 either way (assumption: no direct measurement)", "assumption: thin -> mushroom over days";
        spine_mushroom_elimination_per_day = 0.25, "1/day", [0.001, 100.0], [0.125, 0.5], "factor 2 either way (assumption: no direct measurement)", "assumption: an unconsolidated mushroom spine lives days (4 days on average); consolidation (spine_consolidation_max) lets it live weeks. Calibrated with the consolidation to a single dose's effect mostly gone in 7-12 days (Kishimoto 2016)";
        spine_formation_protein_hill = 2.5, "1", [0.0, 10.0], [1.67, 3.75], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: formation rises with synaptic protein (Li 2010; Moda-Sava 2019)";
        spine_competence_tau_h = 3.0, "h", [0.01, 1000.0], [1.5, 6.0], "factor 2 either way (calibrated to one published band; the band is qualitative)", "calibrated: two-photon imaging shows spine formation unchanged 3-6 h after ketamine and raised at 12-24 h (Moda-Sava 2019); each of the two maturation stages between synaptic protein and formation relaxes with this time constant";
        spine_consolidation_max = 0.9, "fraction", [0.0, 0.99], [0.6, 0.99], "0.6 to 0.99 (assumption: no direct measurement)", "assumption: consolidated neurons eliminate mushroom spines at most this fraction less often; calibrated with the other consolidation parameters to relapse a median 18 days after six infusions (Murrough 2013b)";
        spine_consolidation_half_drive_rel = 0.34, "relative competence excess", [0.01, 100.0], [0.227, 0.51], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: one dose (competence excess about 0.3) consolidates little, so its effect is mostly gone in 7-12 days (Kishimoto 2016); six infusions (about 0.5-0.6) consolidate, so relapse comes after weeks (Murrough 2013b)";
        spine_consolidation_hill = 8.0, "1", [1.0, 20.0], [5.33, 12.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (as spine_consolidation_half_drive_rel): consolidation needs sustained, repeated drive";
        spine_consolidation_on_h = 48.0, "h", [0.1, 10000.0], [24.0, 96.0], "factor 2 either way (assumption: no direct measurement)", "assumption: new spines stabilise over days (a fraction of ketamine-induced spines persisted for weeks, Phoumthipphavong 2016)";
        spine_consolidation_off_days = 45.0, "days", [0.1, 1000.0], [22.5, 90.0], "factor 2 either way (calibrated to one published band; assumption)", "calibrated: relapse a median 18 days after the last of six infusions (Murrough 2013b); consolidation fades over weeks";
        spine_capacity_rel = 1.25, "x healthy density", [1.01, 100.0], [1.15, 1.6], "assumption: the ceiling lies between the densities ketamine restores (about the control level, Li 2011; Moda-Sava 2019) and twice the healthy density", "assumption: dendritic room is finite; repeated dosing cannot raise density beyond this ceiling (stress-depleted spines are restored to about the control density, not far beyond: Li 2011; Moda-Sava 2019)";
        spine_crowding_hill = 8.0, "1", [1.0, 50.0], [4.0, 16.0], "factor 2 either way (assumption: no direct measurement)", "assumption: homeostatic crowding acts mostly above the healthy density (room 0.88 at the healthy density, 0.98 at a stressed 0.77, 0 at the ceiling)";
        stress_mushroom_elimination_factor = 1.1, "x", [0.1, 10.0], [0.733, 1.65], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: chronic stress -15 to -35 % spines (Radley 2006; Li 2011)";
        spine_step_min = 15.0, "min", [0.1, 1440.0], [15.0, 15.0], "numerical setting, not a model uncertainty", "numerics: spine turnover is integrated on its own, longer step";
    }
    "clinical" {
        sbp_emax_mmhg = 27.0, "mmHg", [0.0, 200.0], [18.0, 40.5], "factor 1.5 either way (calibrated to two published bands; assumption)", "calibrated: placebo-adjusted systolic rise about 7-9 mmHg at 40 min after 56/84 mg esketamine (Spravato label), and +16 +/- 11 mmHg at about 40 min of a 0.5 mg/kg/40 min infusion (Yale review 2024; Fang 2019): the label, a primary source, is matched, the infusion rise sits in the lower half of its SD";
        dbp_emax_mmhg = 17.0, "mmHg", [0.0, 200.0], [11.3, 25.5], "factor 1.5 either way (calibrated to two published bands; assumption)", "calibrated: placebo-adjusted diastolic rise about 4-6 mmHg at 40 min after esketamine (Spravato label); diastolic +11 +/- 8 mmHg after 0.5 mg/kg/40 min (Yale review 2024)";
        bp_ec50_ng_ml = 160.0, "ng/mL racemic-equivalent", [1.0, 1e5], [106.7, 240.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (as sbp_emax_mmhg; refitted to the esketamine disposition of Perez-Ruixo 2021, whose higher intranasal peak moved the label mean from 8.7 to 9.6 mmHg at 150): with bp_hill, 56 mg esketamine raises pressure less than 84 mg and less than 0.5 mg/kg IV";
        bp_hill = 3.0, "1", [0.1, 10.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (as sbp_emax_mmhg): the label's 7-9 mmHg over 56 and 84 mg esketamine and the infusion's larger rise need a steep concentration-response";
        pressor_ceiling_frac_of_baseline = 0.75, "fraction of the pre-drug pressure", [0.1, 3.0], [0.5, 1.0], "0.5 (the label's usual upper end) to 1.0 (a doubling; assumption)", "the pressor response has a ceiling: after an anaesthetic induction dose, systolic and diastolic pressure peak 10-50 % above baseline in the majority of patients and higher in some (Ketalar prescribing information, as quoted in the Elsevier ClinicalKey monograph); mean arterial pressure 85 +/- 8 -> 121 +/- 20 mmHg (+42 %) under 2 mg/kg + 30 ug/kg/min (Kienbaum 2000). Caps the rise of SBP and DBP at this fraction of the subject's pre-drug value, so the tails of the log-normal subject and session factors cannot give impossible pressures (assumption on the exact value)";
        hr_emax_bpm = 25.0, "beats/min", [0.0, 200.0], [12.5, 50.0], "factor 2 either way (assumption: no direct measurement)", "assumption: modest rise at low doses, 15-30 % at anaesthetic doses";
        hr_ec50_ng_ml = 400.0, "ng/mL racemic-equivalent", [1.0, 1e5], [200.0, 800.0], "factor 2 either way (assumption: no direct measurement)", "assumption (as hr_emax_bpm)";
        hr_hill = 1.5, "1", [0.1, 10.0], [0.75, 3.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        spo2_emax_pct = 6.0, "percentage points", [0.0, 50.0], [3.0, 12.0], "factor 2 either way (assumption: no direct measurement)", "assumption: no desaturation at antidepressant or analgesic rates; transient only at anaesthetic exposure";
        spo2_ec50_ng_ml = 2500.0, "ng/mL racemic-equivalent", [1.0, 1e5], [1250.0, 5000.0], "factor 2 either way (assumption: no direct measurement)", "assumption (anaesthesia 1,200-2,400 ng/mL, Idvall 1979)";
        spo2_hill = 3.0, "1", [0.1, 10.0], [1.5, 6.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        cadss_ec50_ng_ml = 150.0, "ng/mL racemic-equivalent", [1.0, 1e5], [100.0, 225.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: CADSS rises over 50-250 ng/mL (Krystal 1994; Bowdle 1998), about 14 points at the end of a 0.5 mg/kg infusion (with acute tolerance, whose compartment raises this EC50 during a session)";
        cadss_hill = 3.0, "1", [0.1, 10.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (as cadss_ec50_ng_ml and dissociation_tolerance_per_h): dissociation resolves by 1.5 h after intranasal esketamine (Spravato label) while plasma esketamine falls by only about a fifth";
        response_cv_blood_pressure = 0.7, "CV", [0.0, 3.0], [0.47, 1.05], "factor 1.5 either way (calibrated to two published bands; assumption)", "calibrated: between-subject SD of the systolic rise about 11 mmHg on a mean of 16 (Yale review 2024); with the session-to-session CV, 8-19 % of patients rise by >= 40 mmHg systolic and/or >= 25 mmHg diastolic at least once in the first 4 weeks of esketamine (Spravato label)";
        response_cv_heart_rate = 0.5, "CV", [0.0, 3.0], [0.25, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        response_cv_dissociation = 0.5, "CV", [0.0, 3.0], [0.25, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        dissociation_ke0_per_h = 2.5, "1/h", [0.01, 1000.0], [1.25, 5.0], "factor 2 either way (calibrated to published time courses; no published ke0 of CADSS)", "calibrated: CADSS peaks at the end of a 40-min infusion (Murrough 2013; Zarate 2006) and about 40 min after intranasal esketamine (Spravato label)";
        dissociation_tolerance_per_h = 0.3, "1/h", [0.0, 100.0], [0.15, 0.6], "factor 2 either way (calibrated to one published band; assumption)", "calibrated: acute tolerance (clockwise hysteresis) so that dissociation resolves by 1.5 h after intranasal esketamine while plasma esketamine is still about 80 % of its peak (Spravato label; J&J medical information 2024)";
        dissociation_tolerance_ng_ml = 15.0, "ng/mL racemic-equivalent", [0.1, 1e5], [7.5, 30.0], "factor 2 either way (calibrated to one published band; assumption)", "calibrated (as dissociation_tolerance_per_h): the tolerance-compartment concentration that doubles the CADSS EC50";
        dissociation_attenuation_per_h = 0.06, "1/h per EC50", [0.0, 100.0], [0.03, 0.12], "factor 2 either way (direction published, size assumed)", "calibrated: peak CADSS falls over the consecutive sessions of the esketamine induction phase and fewer patients dissociate after the last dose than after the first (Chen 2022, TRANSFORM-2); size assumed";
        dissociation_attenuation_half_life_h = 168.0, "h", [1.0, 1e5], [72.0, 336.0], "the range of dosing intervals over which attenuation is reported (twice weekly to every 2 weeks; assumption)", "assumption: between-session attenuation persists across the 3-4-day intervals of the induction phase (Chen 2022) and fades over weeks";
        pressor_ke0_per_h = 5.0, "1/h", [0.01, 1000.0], [2.5, 10.0], "factor 2 either way (calibrated to published time courses; no published ke0 of the pressor response)", "calibrated: blood pressure peaks about 40 min after the start of a 40-min infusion (Yale review 2024) and about 40 min after intranasal esketamine (Spravato label)";
        pressor_tolerance_per_h = 1.0, "1/h", [0.0, 100.0], [0.5, 2.0], "factor 2 either way (calibrated to one published band; assumption)", "calibrated: placebo-adjusted systolic rise 7-9 mmHg at 40 min and 2-5 mmHg at 1.5 h after esketamine (Spravato label) while plasma esketamine falls by only about a fifth";
        pressor_tolerance_ng_ml = 110.0, "ng/mL racemic-equivalent", [0.1, 1e5], [55.0, 220.0], "factor 2 either way (calibrated to one published band; assumption)", "calibrated (as pressor_tolerance_per_h): the tolerance-compartment concentration that doubles the pressor EC50";
        bp_reading_sd_sbp_mmhg = 4.2, "mmHg", [0.0, 50.0], [3.6, 5.0], "3.65 from the share of systolic triplicates with a range above 10 mmHg (12.9 %, Papaioannou 2020) to 5.0 for older and hypertensive patients (assumption)", "Muntner 2012 (NHANES III, 15,317 adults, three readings per visit): quintile cut points of the within-visit SD of systolic pressure 2.0, 3.0, 4.0 and 5.3 mmHg, each the SD of three normal readings with sigma 4.2 (the quantiles of sigma*sqrt(chi2_2/2)); the reading-to-reading noise of a measured blood pressure in a trial (cohort::bp)";
        bp_reading_sd_dbp_mmhg = 3.65, "mmHg", [0.0, 50.0], [3.0, 4.5], "3.0 to 4.5: the systolic range scaled by 3.65/4.2 (assumption)", "Papaioannou 2020 (NHANES, 53,737 adults, three readings at least 30 s apart): the largest difference within a triplicate exceeds 10 mmHg in 13 % for diastolic pressure, as often as for systolic (12.9 %); three normal readings with sigma 3.65 give 13 %; the reading-to-reading noise of a measured blood pressure in a trial (cohort::bp)";
        response_cv_blood_pressure_session = 0.6, "CV", [0.0, 3.0], [0.3, 1.2], "factor 2 either way (calibrated to one published band; assumption)", "calibrated: a large rise may come at any session even after small ones (Spravato label); with the between-subject CV, 8-19 % of patients rise by >= 40 mmHg systolic and/or >= 25 mmHg diastolic at least once in 4 weeks (Spravato label)";
        driving_reference_esketamine_mg = 84.0, "mg", [1.0, 1000.0], [56.0, 84.0], "the studies' doses: 84 mg (Dijkstra 2022; van de Loo 2017); 56 mg, the lower Spravato dose, as the lower end", "the dose of the on-road driving studies: 84 mg intranasal esketamine did not impair on-road driving 6 h or 18 h after (Dijkstra 2022; and 8 h after in healthy volunteers, van de Loo et al., Psychopharmacology 234:3175)";
        driving_reference_after_h = 6.0, "h", [0.0, 48.0], [6.0, 8.0], "the earliest tested times without impairment: 6 h (Dijkstra 2022) and 8 h (van de Loo 2017)", "Dijkstra 2022: same-day on-road driving 6 h after 84 mg intranasal esketamine no worse than placebo (SDLP); fit to drive below the effect-site concentration the model gives then, and no sooner than this after the last administration";
        madrs_protein_weight = 2.0, "per unit relative protein excess", [0.0, 100.0], [1.33, 3.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: MADRS -16 from 32 at 24 h (Murrough 2013), with the spines carrying most of the effect by 72 h (spinogenesis sustains the effect but does not induce it, Moda-Sava 2019)";
        madrs_spine_weight = 2.2, "per unit spine density gain", [0.0, 100.0], [1.47, 3.3], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: effect mostly gone 7-12 days after one infusion (Kishimoto 2016); the spine part is most of the drive by 72 h (Moda-Sava 2019)";
        madrs_max_improvement = 0.9, "fraction", [0.01, 1.0], [0.45, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption: improvement saturates; MADRS stays above 10 % of its baseline";
    }
    "pain" {
        spinal_nmda_ic50_um = 17.0, "uM", [0.1, 100.0], [11.3, 25.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: perioperative opioid sparing about 19 % at 24 h and 13 mg at 48 h (Brinck 2018); 3x the GluN2A/2B IC50 with physiological Mg2+ of 5 uM (Kotermanski & Johnson 2009)";
        c_fibre_background_hz = 0.1, "Hz", [0.0, 50.0], [0.05, 0.2], "factor 2 either way (assumption: no direct measurement)", "assumption: sparse spontaneous C-fibre firing in healthy skin";
        abeta_background_hz = 2.0, "Hz", [0.0, 100.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption: ongoing low-threshold (touch) input";
        surgery_c_fibre_hz = 8.5, "Hz per unit severity", [0.0, 50.0], [5.67, 12.75], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: IV PCA morphine about 45-50 mg in the first 24 h after major surgery, pain at rest about NRS 3-4 at 24 h (assumption)";
        surgery_heal_tau_h = 48.0, "h", [0.1, 1e4], [24.0, 96.0], "factor 2 either way (assumption: no direct measurement)", "assumption: incisional input subsides over days";
        windup_increment = 0.3, "per C-fibre spike", [0.0, 10.0], [0.2, 0.45], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: 10 stimuli at 1 Hz about double the response (Herrero 2000)";
        windup_tau_s = 3.0, "s", [0.1, 600.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: wind-up needs stimuli at 0.3 Hz or faster and fades within seconds when they stop (Herrero 2000)";
        windup_nmda_cooperativity = 3.0, "1", [1.0, 10.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: low-dose ketamine flattens wind-up more than its NMDA block alone (Arendt-Nielsen 1995; Guirimand 2000); wind-up needs regenerative NMDA depolarisation (Herrero 2000)";
        windup_gain = 1.0, "response per unit wind-up", [0.0, 100.0], [0.5, 2.0], "factor 2 either way (assumption: no direct measurement)", "assumption (scale of the wind-up state)";
        sensitization_per_c_hz = 0.3, "per Hz of C-fibre input", [0.0, 100.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption: central sensitization grows with the nociceptive barrage (Herrero 2000)";
        sensitization_tau_h = 6.0, "h", [0.01, 1e4], [3.0, 12.0], "factor 2 either way (assumption: no direct measurement)", "assumption: central sensitization builds and fades over hours (Herrero 2000)";
        neuropathic_maintained_sensitization = 1.5, "S units", [0.0, 100.0], [0.75, 3.0], "factor 2 either way (assumption: no direct measurement)", "assumption: sensitization that outlasts its input in neuropathic pain";
        crps_maintained_sensitization = 3.0, "S units", [0.0, 100.0], [2.0, 4.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: most of CRPS pain is maintained central sensitization, so that the infusion relieves it (Sigtermans 2009)";
        allodynia_gain = 0.3, "Abeta drive per unit S", [0.0, 100.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption: sensitized WDR neurons respond to touch (allodynia)";
        reversal_half_life_days = 11.0, "days", [0.1, 1000.0], [7.33, 16.5], "factor 1.5 either way (assumption: a single published value without an interval)", "Dahan 2011: onset/offset half-time of ketamine's CRPS pain relief about 11 days";
        reversal_c50_um = 0.084, "uM racemic-equivalent", [1e-4, 100.0], [0.056, 0.126], "factor 1.5 either way (assumption: a single published value without an interval)", "Dahan 2011: C50 about 10 ng/mL S-ketamine = 2 x 10 / 237.73 uM racemic-equivalent";
        reversal_emax = 0.9, "fraction", [0.0, 1.0], [0.6, 1.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: NRS about 2.7 vs 5.5 (placebo) in week 1 after a 4.2-day infusion (Sigtermans 2009)";
        dh_interneuron_rate_hz = 10.0, "Hz", [0.0, 500.0], [5.0, 20.0], "factor 2 either way (assumption: no direct measurement)", "assumption: tonically active inhibitory dorsal-horn interneurons";
        dh_inhibition_strength = 0.3, "fraction of WDR output", [0.0, 1.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption";
        dh_interneuron_loss_per_s = 0.1, "fraction per unit S", [0.0, 1.0], [0.05, 0.2], "factor 2 either way (assumption: no direct measurement)", "assumption: loss of inhibition in sensitized states (disinhibition)";
        descending_inhibition = 0.2, "fraction of WDR output", [0.0, 0.99], [0.1, 0.4], "factor 2 either way (assumption: no direct measurement)", "assumption: net descending inhibition; a scenario parameter";
        wdr_gain_cv = 0.2, "CV", [0.0, 2.0], [0.1, 0.4], "factor 2 either way (assumption: no direct measurement)", "assumption: cell-to-cell spread of WDR gain";
        c_fibre_rate_cv = 0.3, "CV", [0.0, 2.0], [0.15, 0.6], "factor 2 either way (assumption: no direct measurement)", "assumption: spread of afferent input across receptive fields";
        pain_p50_hz = 9.0, "Hz WDR output", [1e-3, 1e4], [6.0, 13.5], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated (NRS 5 at this WDR output)";
        pain_hill = 1.5, "1", [0.1, 10.0], [0.75, 3.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        test_c_fibre_hz = 2.0, "Hz", [0.0, 100.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption: the standard evoked-pain test stimulus (pinprick) as C-fibre drive";
        test_abeta_hz = 20.0, "Hz", [0.0, 1000.0], [10.0, 40.0], "factor 2 either way (assumption: no direct measurement)", "assumption: the test stimulus's touch component (brush)";
        morphine_v1_l = 17.5, "L per 70 kg", [0.1, 1e4], [13.5, 22.8], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "assumption within textbook morphine disposition (Stanski 1978: Vss about 3 L/kg)";
        morphine_v2_l = 206.5, "L per 70 kg", [0.1, 1e4], [159.0, 268.0], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "Vss about 3.2 L/kg (Stanski 1978) minus V1";
        morphine_cl_l_per_h = 63.0, "L/h per 70 kg", [0.01, 1e4], [48.5, 81.9], "factor 1.3 either way (assumption: a typical precision of population PK estimates; the paper's own standard errors are not used)", "clearance about 15 mL/kg/min (Stanski 1978)";
        morphine_q_l_per_h = 250.0, "L/h per 70 kg", [0.0, 1e4], [167.0, 375.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: terminal half-life about 3 h (Stanski 1978)";
        morphine_ke0_half_life_h = 2.5, "h", [0.01, 24.0], [1.8, 4.4], "range 1.8-4.4 h (Lötsch 2001)", "Lötsch 2001: morphine plasma-effect-site transfer half-life median 2.8 h (range 1.8-4.4 h, pupil size); value within that range";
        morphine_bioavailability_oral = 0.3, "fraction", [0.01, 1.0], [0.15, 0.65], "15-65 % (the source's range)", "oral morphine about 30 % (extensive first-pass glucuronidation); range 0.15-0.65: assumption";
        morphine_ka_oral_per_h = 1.5, "1/h", [0.01, 100.0], [0.75, 3.0], "factor 2 either way (assumption: no direct measurement)", "assumption: immediate-release tablet, Tmax about 1 h";
        morphine_c50_ng_ml = 12.0, "ng/mL effect site", [0.01, 1e4], [6.0, 24.0], "factor 2 either way (assumption: no direct measurement)", "assumption: with surgery_c_fibre_hz, sets PCA consumption (about 50 mg IV in 24 h)";
        morphine_emax = 0.9, "fraction of WDR output", [0.0, 1.0], [0.45, 1.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        morphine_hill = 2.0, "1", [0.1, 10.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        opioid_tolerance_max = 1.0, "C50 multiplier minus 1 at full occupancy", [0.0, 100.0], [0.5, 2.0], "factor 2 either way (assumption: no direct measurement)", "assumption: acute opioid tolerance, NMDA-dependent (Herrero 2000 for the NMDA role of spinal plasticity)";
        opioid_tolerance_tau_h = 12.0, "h", [0.01, 1e4], [6.0, 24.0], "factor 2 either way (assumption: no direct measurement)", "assumption: acute tolerance develops over hours";
        opioid_hyperalgesia_gain = 0.6, "S units at full occupancy", [0.0, 100.0], [0.3, 1.2], "factor 2 either way (assumption: no direct measurement)", "assumption: opioid-induced hyperalgesia through the NMDA/sensitization state";
        morphine_spo2_drop_max_pct = 15.0, "percentage points", [0.0, 50.0], [7.5, 30.0], "factor 2 either way (assumption: no direct measurement)", "assumption: opioid respiratory depression lowers SpO2 (room air)";
        morphine_resp_c50_ng_ml = 60.0, "ng/mL effect site", [0.01, 1e4], [30.0, 120.0], "factor 2 either way (assumption: no direct measurement)", "assumption: SpO2 below 92 % only well above analgesic concentrations";
        morphine_resp_hill = 2.0, "1", [0.1, 10.0], [1.0, 4.0], "factor 2 either way (assumption: no direct measurement)", "assumption";
        m6g_fraction_of_clearance = 0.10, "fraction", [0.0, 1.0], [0.07, 0.15], "0.07-0.15: assumption around the fixed literature value", "Franken 2016 (Clin Pharmacokinet 55:697; fixed from the literature): 10 % of systemic morphine clearance forms morphine-6-glucuronide (M6G)";
        m6g_fraction_of_first_pass = 0.126, "fraction", [0.0, 1.0], [0.08, 0.2], "from Lötsch 1999's 71 +/- 7 % and F 34 +/- 9 % (the spread of both)", "Lötsch 1999 (Anesthesiology 90:1026): after oral morphine 71 % of M6G is formed in the first pass, 29 % from systemic morphine, with F 0.34: first-pass M6G / lost morphine = 0.10 x (0.71/0.29) x 0.34/0.66 = 0.126";
        m6g_cl_l_per_h = 6.0, "L/h per 70 kg", [0.01, 1e4], [4.0, 9.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated: M6G/morphine plasma AUC ratio after IV morphine about 1-2 (Osborne 1990: M6G AUC above morphine's; Hoskin 1989: 2:1; Crews 2001: 1.2); renal, about the glomerular filtration rate";
        m6g_v_l = 20.0, "L per 70 kg", [0.1, 1e4], [13.0, 30.0], "factor 1.5 either way (calibrated to one published band; assumption)", "calibrated with m6g_cl_l_per_h: M6G half-life 2.2-2.5 h after IV morphine (Crews 2001); one compartment: assumption";
        m6g_ke0_half_life_h = 6.4, "h", [0.01, 100.0], [2.9, 16.2], "the source's range 2.9-16.2 h", "Lötsch 2001 (Anesthesiology 95:1329): M6G plasma-effect-site transfer half-life median 6.4 h (pupil size)";
        m6g_potency_rel_morphine = 0.028, "per ng/mL effect site, relative to morphine", [0.0, 10.0], [0.014, 0.11], "from 1/44 (Lötsch 2001 highest M6G EC50) to 1/9 per mole (M6G analgesia, assumption)", "Lötsch 2001: M6G EC50 740.5 nM vs morphine 36.2 nM (22 times less potent per mole, pupil); per ng/mL x 285.34/461.4 = 0.028";
        windup_nmda_ic50_um = 5.0, "uM", [0.1, 100.0], [2.5, 10.0], "factor 2 either way (receptor IC50s with physiological Mg2+ span subunits; Kotermanski & Johnson 2009)", "GluN2A/2B IC50 with physiological Mg2+ (Kotermanski & Johnson 2009): wind-up is the WDR neurons' own NMDA current, blocked as the receptor is; checked against temporal summation under sub-anaesthetic ketamine (Guirimand 2000; Arendt-Nielsen 1995; Andersen 1996)";
        windup_background_fraction = 0.05, "fraction of a volley's wind-up", [0.0, 1.0], [0.025, 0.1], "factor 2 either way (assumption)", "calibrated: perioperative opioid sparing about 19 % at 24 h (Brinck 2018); assumption: one asynchronous background C spike adds a fraction of the wind-up of a synchronous stimulation volley, which recruits the whole receptive field at once";
    }
    "interventions" {
        sirolimus_cl_f_l_per_h = 19.5, "L/h per 70 kg", [0.1, 1000.0], [14.6, 27.7], "14.6-27.7: CL/F 208 mL/h/kg in renal transplant patients (Zimmerman 1997) to 278 + 117 mL/h/kg (Brattstrom 2000, mean + 1 SD)", "Brattstrom 2000: apparent oral clearance 278 +/- 117 mL/h/kg after single oral doses in healthy men (x 70 kg)";
        sirolimus_v_f_l = 1610.0, "L per 70 kg", [1.0, 100000.0], [345.0, 2310.0], "345 L: the apparent central volume implied by the label's steady-state peak-trough swing (2 mg/day: Cmax 14.4, Cmin 8.6 ng/mL; Rapamune label), where a one-compartment model puts the early peak; up to 33 L/kg (Brattstrom 2000, mean + 1 SD)", "Brattstrom 2000: apparent volume Vss/F 23 +/- 10 L/kg after single oral doses in healthy men (x 70 kg); with sirolimus_cl_f_l_per_h a one-compartment half-life of 57 h (published terminal half-life 62 +/- 16 h, Zimmerman 1997; 82 +/- 12 h, Brattstrom 2000)";
        sirolimus_ka_per_h = 4.0, "1/h", [0.01, 100.0], [2.0, 8.0], "factor 2 either way (assumption: Tmax only, no absorption rate published here)", "calibrated: Tmax about 1.4 h (one-compartment peak at ln(ka/k)/(ka - k) = 1.45 h; Zimmerman 1997: time to peak 1.4 +/- 1.2 h; Rapamune label: about 1 h after a single dose in healthy subjects)";
        sirolimus_plasma_to_blood = 0.028, "fraction", [0.0, 1.0], [0.02, 0.09], "0.02-0.09: blood/plasma 38 +/- 13 in vivo (Zimmerman 1997) to plasma/blood 0.09 in spiked blood in vitro (Yatscoff 1993)", "Brattstrom 2000: whole-blood-to-plasma ratio 36 (1/36 = 0.028): sirolimus sits in red cells";
        sirolimus_fu_plasma = 0.025, "fraction", [0.0, 1.0], [0.021, 0.029], "mean +/- 2 SD (2.5 +/- 0.2 %, Yatscoff 1993)", "Yatscoff 1993: unbound fraction in plasma 2.5 +/- 0.2 % (ultracentrifugation, 5-100 ug/L)";
        sirolimus_kp_uu_brain = 1.0, "ratio", [0.0, 10.0], [0.1, 1.0], "0.1-1 (assumption: sirolimus is a P-glycoprotein substrate; efflux at the blood-brain barrier can only lower it below 1)", "assumption: no efflux (unbound brain = unbound plasma), the upper bound; the block ketasim predicts is therefore an upper bound";
        rapamycin_ic50_nm = 0.1, "nM", [0.0001, 1000.0], [0.02, 0.5], "factor 5 either way (assumption: a cell-line value transferred to neurons)", "Edwards 2007: rapamycin inhibits mTORC1 (S6K phosphorylation) in cultured cells at about 0.1 nM (assumption: the same unbound concentration halves mTORC1 in cortical neurons)";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_struct_agree() {
        let p = Params::default();
        for info in PARAMETERS {
            assert_eq!(p.get(info.name), Some(info.default), "{}", info.name);
            assert!(info.min <= info.default && info.default <= info.max, "{} default out of range", info.name);
        }
        let mut names: Vec<_> = PARAMETERS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PARAMETERS.len(), "duplicate parameter name");
    }

    #[test]
    fn uncertainty_ranges_lie_in_the_validity_range_and_contain_the_default() {
        for p in PARAMETERS {
            assert!(p.uncertainty_low <= p.uncertainty_high, "{}: uncertainty range reversed", p.name);
            assert!(p.min <= p.uncertainty_low && p.uncertainty_high <= p.max, "{}: uncertainty range outside the validity range", p.name);
            assert!(p.uncertainty_low <= p.default && p.default <= p.uncertainty_high, "{}: uncertainty range does not contain the default", p.name);
            assert!(!p.uncertainty_basis.trim().is_empty(), "{}: no basis for the uncertainty range", p.name);
        }
    }
}
