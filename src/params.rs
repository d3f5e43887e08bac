//! Every model parameter, stated once: name (with its unit), default value, allowed range and source.
//!
//! The table below is the single source of truth: `Params` (the struct the code reads),
//! `[parameters]` overrides in a scenario, `--set parameters.<name>=<value>`, `ketasim params`,
//! the manifest and the parameter tables of `docs/model.md` all come from it. A test checks that
//! `docs/model.md` lists every parameter with its default value.

use serde::Serialize;

/// Seconds per hour: `numerics.dt_s` and the run length meet the model's hours here.
pub const SECONDS_PER_HOUR: f64 = 3600.0;

/// One row of the parameter table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParamInfo {
    pub name: &'static str,
    pub default: f64,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// Which stage reads it (pk, nmda, disinhibition, glutamate, ampa, bdnf, mtorc1, protein, spines, …).
    pub stage: &'static str,
    pub source: &'static str,
}

macro_rules! parameters {
    ($( $stage:literal { $( $name:ident = $value:expr, $unit:literal, [$min:expr, $max:expr], $source:literal; )* } )*) => {
        /// All model parameters (see the module docs and `docs/model.md`).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct Params { $( $( pub $name: f64, )* )* }

        impl Default for Params {
            fn default() -> Self { Self { $( $( $name: $value, )* )* } }
        }

        /// The parameter table, in the causal order of the model.
        pub const PARAMETERS: &[ParamInfo] = &[ $( $( ParamInfo {
            name: stringify!($name), default: $value, unit: $unit, min: $min, max: $max,
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
            out.push_str(&format!("\n#### Parameters: {stage}\n\n| name | default | unit | range | source |\n|---|---|---|---|---|\n"));
        }
        out.push_str(&format!("| `{}` | {} | {} | {} to {} | {} |\n", p.name, p.default, p.unit, p.min, p.max, p.source));
    }
    out
}

pub fn info(name: &str) -> Option<&'static ParamInfo> {
    PARAMETERS.iter().find(|p| p.name == name)
}


parameters! {
    "pk" {
        ketamine_v1_l = 25.0, "L per 70 kg", [0.1, 1e4], "Kamp et al. 2020, Anesthesiology 133:1192 (racemic, 3-compartment)";
        ketamine_v2_l = 56.0, "L per 70 kg", [0.1, 1e4], "Kamp 2020";
        ketamine_v3_l = 157.0, "L per 70 kg", [0.1, 1e4], "Kamp 2020";
        ketamine_cl_l_per_h = 84.0, "L/h per 70 kg", [0.01, 1e4], "Kamp 2020";
        ketamine_q2_l_per_h = 161.0, "L/h per 70 kg", [0.0, 1e4], "Kamp 2020";
        ketamine_q3_l_per_h = 79.0, "L/h per 70 kg", [0.0, 1e4], "Kamp 2020";
        esketamine_v1_l = 11.6, "L per 70 kg", [0.1, 1e4], "Simons et al. 2022 (S-ketamine, arterial)";
        esketamine_v2_l = 39.0, "L per 70 kg", [0.1, 1e4], "Simons 2022";
        esketamine_v3_l = 174.0, "L per 70 kg", [0.1, 1e4], "Simons 2022";
        esketamine_cl_l_per_h = 88.8, "L/h per 70 kg", [0.01, 1e4], "Simons 2022: 1.48 L/min (label: CL about 89 L/h)";
        esketamine_q2_l_per_h = 145.8, "L/h per 70 kg", [0.0, 1e4], "Simons 2022: 2.43 L/min";
        esketamine_q3_l_per_h = 72.6, "L/h per 70 kg", [0.0, 1e4], "Simons 2022: 1.21 L/min";
        arketamine_v1_l = 11.6, "L per 70 kg", [0.1, 1e4], "assumption: the S-ketamine disposition (Simons 2022) reused for R-ketamine; the enantiomers given alone have similar clearance and volumes (Ihmsen et al. 2001, Clin Pharmacol Ther 70:431)";
        arketamine_v2_l = 39.0, "L per 70 kg", [0.1, 1e4], "as arketamine_v1_l (Simons 2022 S-ketamine value; Ihmsen 2001)";
        arketamine_v3_l = 174.0, "L per 70 kg", [0.1, 1e4], "as arketamine_v1_l (Simons 2022 S-ketamine value; Ihmsen 2001)";
        arketamine_cl_l_per_h = 88.8, "L/h per 70 kg", [0.01, 1e4], "as arketamine_v1_l (Simons 2022 S-ketamine value; Ihmsen 2001: R- and S-ketamine clearances given alone within about 20 %)";
        arketamine_q2_l_per_h = 145.8, "L/h per 70 kg", [0.0, 1e4], "as arketamine_v1_l (Simons 2022 S-ketamine value)";
        arketamine_q3_l_per_h = 72.6, "L/h per 70 kg", [0.0, 1e4], "as arketamine_v1_l (Simons 2022 S-ketamine value)";
        norketamine_v_l = 221.0, "L per 70 kg", [0.1, 1e4], "Simons 2022 (norketamine volume); one compartment: assumption";
        norketamine_cl_l_per_h = 60.0, "L/h per 70 kg", [0.01, 1e4], "Simons 2022: 1.00 L/min";
        norketamine_fraction_of_clearance = 0.8, "fraction", [0.0, 1.0], "Simons 2022: 80 % of S-ketamine clearance forms norketamine; applied to the racemate too (assumption)";
        norketamine_fraction_of_first_pass = 0.9, "fraction", [0.0, 1.0], "assumption: first-pass loss is mostly N-demethylated, more than systemic clearance (Grant 1981: an oral dose appears largely as norketamine)";
        ke0_per_h = 60.0, "1/h", [0.1, 1000.0], "effect-site equilibration 1 min^-1, within the literature's 0.5-3 min^-1";
        bioavailability_oral = 0.17, "fraction", [0.0, 1.0], "Grant 1981 (17 %); oral and sublingual studies span 16-30 % (Rolan 2014)";
        bioavailability_sublingual = 0.29, "fraction", [0.0, 1.0], "Rolan 2014 (90 % CI 27-31 %)";
        bioavailability_intranasal_esketamine = 0.48, "fraction", [0.0, 1.0], "Spravato label (48 % absolute)";
        bioavailability_intranasal_arketamine = 0.48, "fraction", [0.0, 1.0], "assumption: as intranasal esketamine (Spravato label, 48 %); no human intranasal R-ketamine data";
        bioavailability_intranasal_ketamine = 0.14, "fraction", [0.0, 1.0], "Pharmacotherapy 2022;42:298 (11-17 %)";
        ka_oral_per_h = 1.0, "1/h", [0.01, 100.0], "calibrated: Tmax about 30 min with the Kamp 2020 disposition (Grant 1981)";
        ka_sublingual_per_h = 0.7, "1/h", [0.01, 100.0], "calibrated: Tmax about 45 min (Rolan 2014)";
        ka_intranasal_esketamine_per_h = 0.7, "1/h", [0.01, 100.0], "calibrated: 56 mg gives Cmax about 73 ng/mL at 20-40 min with the Simons 2022 disposition (Spravato label; Perez-Ruixo 2021's 2.93 1/h belongs to their own disposition model)";
        ka_intranasal_arketamine_per_h = 0.7, "1/h", [0.01, 100.0], "assumption: as ka_intranasal_esketamine_per_h (same formulation and disposition)";
        ka_intranasal_ketamine_per_h = 1.5, "1/h", [0.01, 100.0], "calibrated: Tmax 14-23 min (Pharmacotherapy 2022;42:298)";
    }
    "nmda" {
        potency_esketamine_rel = 2.0, "x racemate", [0.0, 10.0], "S-ketamine about 2x the racemate (Ki 0.3 vs 0.5 uM)";
        potency_arketamine_rel = 0.36, "x racemate", [0.0, 10.0], "R-ketamine Ki 1.4 uM vs S-ketamine 0.30 uM and racemate 0.53 uM at the PCP site of the NMDA receptor (Ebert et al. 1997, Eur J Pharmacol 333:99): 0.5/1.4 with the racemate Ki used for potency_esketamine_rel; S/R about 4.7";
        potency_norketamine_rel = 0.25, "x racemate", [0.0, 10.0], "norketamine 1/3-1/5 of ketamine; midpoint";
        nmda_ic50_interneuron_um = 1.2, "uM", [1e-3, 1e3], "GluN2C IC50 with physiological Mg2+ (Kotermanski & Johnson 2009)";
        nmda_ic50_pyramidal_um = 5.0, "uM", [1e-3, 1e3], "GluN2A/2B IC50 with physiological Mg2+ (Kotermanski & Johnson 2009)";
        nmda_unblock_tau_min = 20.0, "min", [0.1, 1e4], "assumption: trapped blocker leaves slowly (minutes to tens of minutes)";
        interneuron_open_cv = 0.2, "CV", [0.0, 2.0], "assumption: cell-to-cell spread of tonic channel opening";
        pyramidal_open_cv = 0.2, "CV", [0.0, 2.0], "assumption";
    }
    "disinhibition" {
        interneuron_rate_hz = 15.0, "Hz", [0.01, 500.0], "fast-spiking interneurons 10-20 Hz (Homayoun & Moghaddam 2007)";
        interneuron_rate_cv = 0.3, "CV", [0.0, 2.0], "assumption";
        interneuron_nmda_drive_fraction = 0.8, "fraction", [0.0, 1.0], "assumption: tonic interneuron drive is mostly NMDA-dependent (Homayoun & Moghaddam 2007)";
        pyramidal_rate_hz = 2.0, "Hz", [0.01, 500.0], "prefrontal pyramidal neurons 1-5 Hz (Homayoun & Moghaddam 2007)";
        pyramidal_rate_cv = 0.3, "CV", [0.0, 2.0], "assumption";
        disinhibition_gain = 1.5, "max relative rate increase", [0.0, 100.0], "calibrated: glutamate surge 1.5-3x (Moghaddam 1997)";
        disinhibition_half_loss = 0.12, "fraction of inhibition lost", [1e-3, 1.0], "calibrated: surge needs a substantial loss of inhibition; back within about 2 h (Moghaddam 1997)";
        disinhibition_hill = 3.0, "1", [0.1, 20.0], "calibrated (threshold-like recruitment of pyramidal firing)";
        disinhibition_adaptation_tau_min = 30.0, "min", [0.1, 1e4], "calibrated: surge is transient, back within about 2 h (Moghaddam 1997)";
        disinhibition_adaptation_fraction = 0.9, "fraction", [0.0, 1.0], "calibrated: surge is transient; none after anaesthetic exposure (Moghaddam 1997)";
        pyramidal_nmda_half_block = 0.45, "fraction", [0.01, 1.0], "calibrated: anaesthetic exposure abolishes the surge (inverted U, Moghaddam 1997)";
        pyramidal_nmda_hill = 4.0, "1", [0.1, 20.0], "calibrated (inverted U)";
        anaesthetic_suppression_tau_h = 6.0, "h", [0.01, 1e3], "assumption: plasticity stays suppressed for hours after deep block (no mTORC1 activation at anaesthetic doses, Li 2010)";
    }
    "glutamate" {
        glutamate_gain = 1.0, "rel per rel rate", [0.0, 100.0], "assumption: release proportional to pyramidal firing";
        glutamate_tau_min = 10.0, "min", [0.01, 1e4], "assumption: microdialysis-scale clearance/sampling";
    }
    "ampa" {
        ampa_ec50_glutamate_rel = 2.0, "x baseline glutamate", [0.01, 100.0], "assumption: baseline activation 0.2";
        ampa_hill = 2.0, "1", [0.1, 10.0], "assumption";
        ampa_gain_cv = 0.1, "CV", [0.0, 2.0], "assumption";
        hnk_ampa_gain = 1.0, "glutamate-equivalent", [0.0, 100.0], "assumption: (2R,6R)-HNK drives AMPA/BDNF without NMDA block (Zanos 2016; contested, Yang 2018); off by default";
        hnk_ampa_ec50_um = 1.0, "uM", [1e-3, 1e3], "assumption (Zanos 2016 used 10 mg/kg in mice)";
        hnk_per_norketamine = 0.5, "uM HNK per uM norketamine", [0.0, 100.0], "assumption: brain HNK follows norketamine (Zanos 2016, mouse brain HNK comparable to norketamine)";
    }
    "bdnf" {
        bdnf_activity_gain = 1.2, "rel per rel AMPA", [0.0, 100.0], "calibrated: BDNF release follows AMPA activation (Autry 2011; Li 2010)";
        bdnf_eef2k_gain = 0.8, "rel per unit block", [0.0, 100.0], "calibrated: NMDA block at rest -> eEF2 -> BDNF translation within 30 min (Autry 2011)";
        val66met_release_loss = 0.5, "fraction", [0.0, 1.0], "Met/Met lowers activity-dependent BDNF secretion (Egan 2003; Chen 2006: about 30 %) and blunts ketamine synaptogenesis (Liu 2012); value: assumption";
        bdnf_tau_min = 20.0, "min", [0.01, 1e4], "assumption";
    }
    "mtorc1" {
        mtorc1_gain = 1.0, "rel per rel TrkB", [0.0, 100.0], "calibrated: mTORC1 1.5-3x at 30-60 min (Li 2010)";
        mtorc1_tau_min = 15.0, "min", [0.01, 1e4], "calibrated: back by 2 h (Li 2010)";
    }
    "protein" {
        protein_half_life_h = 72.0, "h", [0.1, 1e5], "assumption: synaptic proteins (PSD-95, GluA1, synapsin) turn over over days";
        protein_induction_per_h = 0.15, "rel/h per rel mTORC1 excess", [0.0, 100.0], "calibrated: proteins up from 2 h through 72 h (Li 2010)";
        stress_protein_basal_rel = 0.85, "rel", [0.01, 1.0], "chronic stress lowers synaptic proteins (Li 2011); value: assumption";
    }
    "spines" {
        spine_thin_elimination_per_day = 0.8, "1/day", [0.001, 100.0], "assumption: thin spines mostly transient (days)";
        spine_maturation_per_day = 0.25, "1/day", [0.0, 100.0], "assumption: thin -> mushroom over days";
        spine_mushroom_elimination_per_day = 0.15, "1/day", [0.001, 100.0], "assumption: stable spines live weeks";
        spine_formation_protein_hill = 2.5, "1", [0.0, 10.0], "calibrated: formation rises with synaptic protein (Li 2010; Moda-Sava 2019)";
        spine_capacity_rel = 2.0, "x healthy density", [1.01, 100.0], "assumption: dendritic room is finite; repeated dosing cannot raise density without bound";
        stress_mushroom_elimination_factor = 1.1, "x", [0.1, 10.0], "calibrated: chronic stress -15 to -35 % spines (Radley 2006; Li 2011)";
        spine_step_min = 15.0, "min", [0.1, 1440.0], "numerics: spine turnover is integrated on its own, longer step";
    }
    "clinical" {
        sbp_emax_mmhg = 26.0, "mmHg", [0.0, 200.0], "calibrated: 0.5 mg/kg/40 min gives systolic +16 +/- 11 mmHg at about 40 min (Yale review 2024; Fang 2019)";
        dbp_emax_mmhg = 18.0, "mmHg", [0.0, 200.0], "calibrated: diastolic +11 +/- 8 mmHg (Yale review 2024)";
        bp_ec50_ng_ml = 200.0, "ng/mL racemic-equivalent", [1.0, 1e5], "calibrated: back to baseline by about 90-100 min (Yale review 2024)";
        bp_hill = 2.0, "1", [0.1, 10.0], "calibrated (as bp_ec50_ng_ml)";
        hr_emax_bpm = 25.0, "beats/min", [0.0, 200.0], "assumption: modest rise at low doses, 15-30 % at anaesthetic doses";
        hr_ec50_ng_ml = 400.0, "ng/mL racemic-equivalent", [1.0, 1e5], "assumption (as hr_emax_bpm)";
        hr_hill = 1.5, "1", [0.1, 10.0], "assumption";
        spo2_emax_pct = 6.0, "percentage points", [0.0, 50.0], "assumption: no desaturation at antidepressant or analgesic rates; transient only at anaesthetic exposure";
        spo2_ec50_ng_ml = 2500.0, "ng/mL racemic-equivalent", [1.0, 1e5], "assumption (anaesthesia 1,200-2,400 ng/mL, Idvall 1979)";
        spo2_hill = 3.0, "1", [0.1, 10.0], "assumption";
        cadss_ec50_ng_ml = 600.0, "ng/mL racemic-equivalent", [1.0, 1e5], "calibrated: CADSS rises over 50-250 ng/mL (Krystal 1994; Bowdle 1998), about 14 points at the end of a 0.5 mg/kg infusion";
        cadss_hill = 2.0, "1", [0.1, 10.0], "calibrated (as cadss_ec50_ng_ml)";
        response_cv_blood_pressure = 0.6, "CV", [0.0, 3.0], "calibrated: between-subject SD of the systolic rise about 11 mmHg on a mean of 16 (Yale review 2024)";
        response_cv_heart_rate = 0.5, "CV", [0.0, 3.0], "assumption";
        response_cv_dissociation = 0.5, "CV", [0.0, 3.0], "assumption";
        driving_reference_esketamine_mg = 84.0, "mg", [1.0, 1000.0], "the dose of the on-road driving studies: 84 mg intranasal esketamine did not impair on-road driving 6 h or 18 h after (Dijkstra 2022; and 8 h after in healthy volunteers, van de Loo et al., Psychopharmacology 234:3175)";
        driving_reference_after_h = 6.0, "h", [0.0, 48.0], "Dijkstra 2022: same-day on-road driving 6 h after 84 mg intranasal esketamine no worse than placebo (SDLP); fit to drive below the effect-site concentration the model gives then, and no sooner than this after the last administration";
        madrs_protein_weight = 2.6, "per unit relative protein excess", [0.0, 100.0], "calibrated: MADRS -16 from 32 at 24 h (Murrough 2013)";
        madrs_spine_weight = 1.4, "per unit spine density gain", [0.0, 100.0], "calibrated: effect mostly gone 7-12 days after one infusion (Kishimoto 2016)";
        madrs_max_improvement = 0.9, "fraction", [0.01, 1.0], "assumption: improvement saturates; MADRS stays above 10 % of its baseline";
    }
    "pain" {
        spinal_nmda_ic50_um = 17.0, "uM", [0.1, 100.0], "calibrated: perioperative opioid sparing about 19 % at 24 h and 13 mg at 48 h (Brinck 2018); 3x the GluN2A/2B IC50 with physiological Mg2+ of 5 uM (Kotermanski & Johnson 2009)";
        c_fibre_background_hz = 0.1, "Hz", [0.0, 50.0], "assumption: sparse spontaneous C-fibre firing in healthy skin";
        abeta_background_hz = 2.0, "Hz", [0.0, 100.0], "assumption: ongoing low-threshold (touch) input";
        surgery_c_fibre_hz = 4.0, "Hz per unit severity", [0.0, 50.0], "calibrated: IV PCA morphine about 50 mg in the first 24 h after major surgery, pain at rest about NRS 3-4 at 24 h (assumption)";
        surgery_heal_tau_h = 48.0, "h", [0.1, 1e4], "assumption: incisional input subsides over days";
        windup_increment = 0.3, "per C-fibre spike", [0.0, 10.0], "calibrated: 10 stimuli at 1 Hz about double the response (Mendell 1966; Herrero 2000)";
        windup_tau_s = 3.0, "s", [0.1, 600.0], "calibrated: wind-up needs stimuli at 0.3 Hz or faster and fades within seconds when they stop (Mendell 1966; Herrero 2000)";
        windup_nmda_cooperativity = 3.0, "1", [1.0, 10.0], "calibrated: low-dose ketamine flattens wind-up more than its NMDA block alone (Arendt-Nielsen 1995; Guirimand 2000); wind-up needs regenerative NMDA depolarisation (Herrero 2000)";
        windup_gain = 1.0, "response per unit wind-up", [0.0, 100.0], "assumption (scale of the wind-up state)";
        sensitization_per_c_hz = 0.3, "per Hz of C-fibre input", [0.0, 100.0], "assumption: central sensitization grows with the nociceptive barrage (Herrero 2000)";
        sensitization_tau_h = 6.0, "h", [0.01, 1e4], "assumption: central sensitization builds and fades over hours (Herrero 2000)";
        neuropathic_maintained_sensitization = 1.5, "S units", [0.0, 100.0], "assumption: sensitization that outlasts its input in neuropathic pain";
        crps_maintained_sensitization = 3.0, "S units", [0.0, 100.0], "calibrated: most of CRPS pain is maintained central sensitization, so that the infusion relieves it (Sigtermans 2009)";
        allodynia_gain = 0.3, "Abeta drive per unit S", [0.0, 100.0], "assumption: sensitized WDR neurons respond to touch (allodynia)";
        reversal_half_life_days = 11.0, "days", [0.1, 1000.0], "Dahan 2011: onset/offset half-time of ketamine's CRPS pain relief about 11 days";
        reversal_c50_um = 0.084, "uM racemic-equivalent", [1e-4, 100.0], "Dahan 2011: C50 about 10 ng/mL S-ketamine = 2 x 10 / 237.73 uM racemic-equivalent";
        reversal_emax = 0.9, "fraction", [0.0, 1.0], "calibrated: NRS about 2.7 vs 5.5 (placebo) in week 1 after a 4.2-day infusion (Sigtermans 2009)";
        dh_interneuron_rate_hz = 10.0, "Hz", [0.0, 500.0], "assumption: tonically active inhibitory dorsal-horn interneurons";
        dh_inhibition_strength = 0.3, "fraction of WDR output", [0.0, 1.0], "assumption";
        dh_interneuron_loss_per_s = 0.1, "fraction per unit S", [0.0, 1.0], "assumption: loss of inhibition in sensitized states (disinhibition)";
        descending_inhibition = 0.2, "fraction of WDR output", [0.0, 0.99], "assumption: net descending inhibition; a scenario parameter";
        wdr_gain_cv = 0.2, "CV", [0.0, 2.0], "assumption: cell-to-cell spread of WDR gain";
        c_fibre_rate_cv = 0.3, "CV", [0.0, 2.0], "assumption: spread of afferent input across receptive fields";
        pain_p50_hz = 9.0, "Hz WDR output", [1e-3, 1e4], "calibrated (NRS 5 at this WDR output)";
        pain_hill = 1.5, "1", [0.1, 10.0], "assumption";
        test_c_fibre_hz = 2.0, "Hz", [0.0, 100.0], "assumption: the standard evoked-pain test stimulus (pinprick) as C-fibre drive";
        test_abeta_hz = 20.0, "Hz", [0.0, 1000.0], "assumption: the test stimulus's touch component (brush)";
        morphine_v1_l = 17.5, "L per 70 kg", [0.1, 1e4], "assumption within textbook morphine disposition (Stanski 1978: Vss about 3 L/kg)";
        morphine_v2_l = 206.5, "L per 70 kg", [0.1, 1e4], "Vss about 3.2 L/kg (Stanski 1978) minus V1";
        morphine_cl_l_per_h = 63.0, "L/h per 70 kg", [0.01, 1e4], "clearance about 15 mL/kg/min (Stanski 1978)";
        morphine_q_l_per_h = 250.0, "L/h per 70 kg", [0.0, 1e4], "calibrated: terminal half-life about 3 h (Stanski 1978)";
        morphine_ke0_half_life_h = 2.5, "h", [0.01, 24.0], "slow blood-brain equilibration of morphine, hours (Lötsch 2005); value: assumption within 2-3 h";
        morphine_bioavailability_oral = 0.3, "fraction", [0.01, 1.0], "oral morphine about 30 % (extensive first-pass glucuronidation); range 0.15-0.65: assumption";
        morphine_ka_oral_per_h = 1.5, "1/h", [0.01, 100.0], "assumption: immediate-release tablet, Tmax about 1 h";
        morphine_c50_ng_ml = 12.0, "ng/mL effect site", [0.01, 1e4], "assumption: with surgery_c_fibre_hz, sets PCA consumption (about 50 mg IV in 24 h)";
        morphine_emax = 0.9, "fraction of WDR output", [0.0, 1.0], "assumption";
        morphine_hill = 2.0, "1", [0.1, 10.0], "assumption";
        opioid_tolerance_max = 1.0, "C50 multiplier minus 1 at full occupancy", [0.0, 100.0], "assumption: acute opioid tolerance, NMDA-dependent (Herrero 2000 for the NMDA role of spinal plasticity)";
        opioid_tolerance_tau_h = 12.0, "h", [0.01, 1e4], "assumption: acute tolerance develops over hours";
        opioid_hyperalgesia_gain = 0.6, "S units at full occupancy", [0.0, 100.0], "assumption: opioid-induced hyperalgesia through the NMDA/sensitization state";
        morphine_spo2_drop_max_pct = 15.0, "percentage points", [0.0, 50.0], "assumption: opioid respiratory depression lowers SpO2 (room air)";
        morphine_resp_c50_ng_ml = 60.0, "ng/mL effect site", [0.01, 1e4], "assumption: SpO2 below 92 % only well above analgesic concentrations";
        morphine_resp_hill = 2.0, "1", [0.1, 10.0], "assumption";
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
}
