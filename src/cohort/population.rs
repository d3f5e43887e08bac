//! Between-subject variability: the population a trial draws its virtual subjects from.
//!
//! Every entry scales or sets one scenario key, exactly as `--set KEY=VALUE` would:
//!
//! - `LogNormalCv`: the key's value in the arm's scenario (its default, or the scenario's own value)
//!   is multiplied by a log-normal factor with mean `mean` (1 for every PK entry: the typical
//!   subject keeps the published typical values) and coefficient of variation `value`; the result
//!   is clamped to the parameter's allowed range.
//! - `Normal`: the key is set to a normal draw with mean `mean` and standard deviation `value`,
//!   truncated to `[min, max]` by redrawing (at most 64 times, then clamped).
//!
//! Some entries act on several keys with one draw (`also`): the antidepressant gain multiplies
//! both MADRS weights, so a subject is a better or worse responder as a whole.
//!
//! Draws come from `rng::stream_key(trial_seed, subject, Purpose::TrialSubject)`, one counter
//! stream per entry (keyed by the entry's key), whether or not the entry applies to the arm's drug: subject `k` is the
//! same person in every arm and in every run of the trial.

use crate::rng::StandardNormal;
use rand_distr::Distribution;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::params;
use crate::rng::{self, Purpose};
use crate::scenario::Scenario;

/// How an entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dist {
    /// Multiply the scenario's value by a mean-1 log-normal factor with this CV.
    LogNormalCv,
    /// Set the value to Normal(mean, value) truncated to [min, max].
    Normal,
}

/// One row of the population table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variability {
    /// The scenario key, as `--set` takes it (`parameters.<name>` or `subject.<key>`).
    pub key: &'static str,
    /// Further keys scaled by the same factor (log-normal entries only).
    pub also: &'static [&'static str],
    /// How the entry varies (log-normal factor or normal value).
    pub dist: Dist,
    /// CV (log-normal) or SD (normal), in `unit`.
    pub value: f64,
    /// Mean of a normal entry; mean of the factor of a log-normal one.
    pub mean: f64,
    /// Lower bound of a drawn value (normal entries), in `unit`.
    pub min: f64,
    /// Upper bound of a drawn value (normal entries), in `unit`.
    pub max: f64,
    /// Unit of `value`, `mean`, `min` and `max`.
    pub unit: &'static str,
    /// Published source of the spread (see docs/references.md).
    pub source: &'static str,
    /// How sure the value is, in words.
    pub uncertainty: &'static str,
}

macro_rules! population {
    ($( $key:literal $([$($also:literal),*])? : $dist:ident $value:expr, mean $mean:expr, [$min:expr, $max:expr], $unit:literal, $source:literal, $unc:literal; )*) => {
        /// The default population (see `docs/trial.md` for the table with its sources).
        pub fn default_population() -> Vec<Variability> {
            vec![ $( Variability {
                key: $key, also: &[$($($also),*)?], dist: Dist::$dist, value: $value, mean: $mean, min: $min, max: $max,
                unit: $unit, source: $source, uncertainty: $unc,
            }, )* ]
        }
    };
}

population! {
    // Covariates and trial inclusion.
    "subject.weight_kg": Normal 15.0, mean 80.0, [45.0, 150.0], "kg",
        "assumption: adult depression-trial populations weigh about 80 kg (SD about 15 kg)", "approximate";
    "subject.madrs": Normal 5.0, mean 32.0, [20.0, 50.0], "MADRS points",
        "Murrough 2013 Am J Psychiatry: baseline MADRS about 32 in treatment-resistant depression; inclusion MADRS >= 20 (as most ketamine trials)", "mean approximate; SD assumption (about 5)";
    // Racemic ketamine disposition.
    "parameters.ketamine_cl_l_per_h": LogNormalCv 0.3, mean 1.0, [0.0, 0.0], "CV",
        "assumption in the range of ketamine population PK models (between-subject variability of clearance about 20-40 %, e.g. Kamp 2020)", "CV uncertain within 0.2-0.5";
    "parameters.ketamine_v1_l": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV",
        "assumption (central volumes vary more than clearance in ketamine popPK; Kamp 2020); set high, with the other disposition CVs, towards a CV of Cmax after 0.5 mg/kg/40 min of about 0.25-0.35 (the model reaches about 0.2, see docs/trial.md)", "upper end of plausible; CV uncertain within 0.2-0.6";
    "parameters.ketamine_v2_l": LogNormalCv 0.4, mean 1.0, [0.0, 0.0], "CV", "assumption (as ketamine_v1_l)", "CV uncertain within 0.2-0.5";
    "parameters.ketamine_q2_l_per_h": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption (as ketamine_v1_l)", "CV uncertain within 0.2-0.5";
    "parameters.ketamine_v3_l": LogNormalCv 0.4, mean 1.0, [0.0, 0.0], "CV", "assumption (as ketamine_v1_l)", "CV uncertain within 0.2-0.5";
    "parameters.ketamine_q3_l_per_h": LogNormalCv 0.4, mean 1.0, [0.0, 0.0], "CV", "assumption (as ketamine_v1_l)", "CV uncertain within 0.2-0.5";
    // S-ketamine (esketamine) disposition.
    "parameters.esketamine_cl_l_per_h": LogNormalCv 0.3, mean 1.0, [0.0, 0.0], "CV",
        "assumption: as racemic ketamine (Simons 2022 model structure)", "CV uncertain within 0.2-0.5";
    "parameters.esketamine_v1_l": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption (as ketamine_v1_l)", "CV uncertain within 0.2-0.5";
    // Bioavailability and absorption per route.
    "parameters.bioavailability_oral": LogNormalCv 0.4, mean 1.0, [0.0, 0.0], "CV",
        "Grant 1981 (17 %); oral and sublingual studies span 16-30 % (Rolan 2014), less predictable than IV; CV: assumption", "CV uncertain within 0.3-0.6";
    "parameters.bioavailability_sublingual": LogNormalCv 0.3, mean 1.0, [0.0, 0.0], "CV", "assumption (Rolan 2014 reports a narrow CI of the mean, not the spread)", "CV uncertain within 0.2-0.5";
    "parameters.intranasal_nasal_fraction_esketamine": LogNormalCv 0.3, mean 1.0, [0.0, 0.0], "CV",
        "Spravato label: between-subject variability of esketamine exposure roughly 20-65 % (Cmax more than AUC); value: assumption inside that range", "approximate";
    "parameters.intranasal_nasal_fraction_ketamine": LogNormalCv 0.4, mean 1.0, [0.0, 0.0], "CV", "assumption: nasal delivery of racemic ketamine is variable", "CV uncertain within 0.3-0.6";
    "parameters.ka_oral_per_h": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption: absorption rates vary widely", "CV uncertain within 0.3-0.8";
    "parameters.ka_sublingual_per_h": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption (as ka_oral_per_h)", "CV uncertain within 0.3-0.8";
    "parameters.ka_intranasal_esketamine_per_h": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption (as ka_oral_per_h)", "CV uncertain within 0.3-0.8";
    "parameters.ka_intranasal_ketamine_per_h": LogNormalCv 0.5, mean 1.0, [0.0, 0.0], "CV", "assumption (as ka_oral_per_h)", "CV uncertain within 0.3-0.8";
    // Opioid response (used only by a scenario with a pain condition): morphine clearance and
    // the subject's opioid sensitivity, which together spread PCA consumption as published.
    "parameters.morphine_cl_l_per_h": LogNormalCv 0.26, mean 1.0, [0.0, 0.0], "CV",
        "Stuart-Harris 2000 (Br J Clin Pharmacol 49:207): morphine clearance 1584 +/- 408 mL/min after 10 mg IV (CV 0.26)", "CV uncertain within 0.2-0.4";
    "parameters.morphine_c50_ng_ml": LogNormalCv 0.6, mean 1.0, [0.0, 0.0], "CV",
        "calibrated: opioid sensitivity, so that 24-h PCA morphine consumption varies as published (Graves 1983: 27-fold range between 46 patients, a CV of about 0.8 for a log-normal spread); morphine's potency varies about 2-fold between 8 volunteers (Lötsch 2001: EC50 19.7-43.3 nM)", "CV uncertain within 0.3-0.9";
    // Antidepressant response: one gain on both MADRS weights. Responders and non-responders
    // emerge from its spread and from each subject's exposure; nobody is assigned a class.
    "parameters.madrs_protein_weight" ["parameters.madrs_spine_weight"]: LogNormalCv 5.0, mean 1.2, [0.0, 0.0], "CV",
        "calibrated: response at 24 h about 64 % vs 28 % on midazolam (Murrough 2013 Am J Psychiatry), about 35 % still responding at day 7 (Zarate 2006), and esketamine + oral antidepressant about 69 % vs 52 % on placebo + oral antidepressant at day 28 (Popova 2019) need a heavy-tailed gain (median 0.24, mean 1.2): many subjects gain little from the drug whatever the number of doses, a few gain much", "calibrated on 100-150 subjects per arm, see docs/trial.md: CV 2.5 gave esketamine 0.88 response (published 0.69), CV 5 gives 0.78; mean 1.2-1.5 and CV 5-8 keep every band";
}

/// A population override from a trial file: a new spread (and for normal entries a new mean and
/// bounds) for a key of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Override {
    /// The population key it overrides (as in the table).
    pub key: String,
    /// New CV (log-normal) or SD (normal).
    pub value: Option<f64>,
    /// New mean (normal entries only).
    pub mean: Option<f64>,
    /// New lower bound (normal entries only).
    pub min: Option<f64>,
    /// New upper bound (normal entries only).
    pub max: Option<f64>,
}

/// One drawn value: the key and the factor (log-normal) or the value (normal).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Draw {
    /// The population key drawn.
    pub key: &'static str,
    /// Its distribution.
    pub dist: Dist,
    /// The factor (log-normal) or the value (normal).
    pub x: f64,
}

/// A standard normal draw.
pub fn normal(r: &mut impl rand::Rng) -> f64 {
    StandardNormal.sample(r)
}

/// A stable hash of a key name (FNV-1a), to key its stream.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Draw subject `subject` of a trial with seed `seed` from `table`: one draw per entry, in order.
pub fn draw(table: &[Variability], seed: u64, subject: u64) -> Vec<Draw> {
    let key = rng::stream_key(seed, subject, Purpose::TrialSubject);
    table
        .iter()
        .map(|v| {
            // Each entry has its own counter-based stream (keyed by its key's name), so that a
            // changed spread, or an entry added to the table, does not move the other draws.
            let mut r = rng::stream_at(key, rng::mix64(name_hash(v.key)));
            let z = normal(&mut r);
            let x = match v.dist {
                Dist::LogNormalCv => {
                    if v.value <= 0.0 {
                        v.mean
                    } else {
                        let s2 = crate::math::ln(1.0 + v.value * v.value);
                        v.mean * crate::math::exp(-s2 / 2.0 + s2.sqrt() * z)
                    }
                }
                Dist::Normal => {
                    let mut x = v.mean + v.value * z;
                    let mut tries = 0;
                    while (x < v.min || x > v.max) && tries < 64 && v.value > 0.0 {
                        x = v.mean + v.value * normal(&mut r);
                        tries += 1;
                    }
                    x.clamp(v.min, v.max)
                }
            };
            Draw { key: v.key, dist: v.dist, x }
        })
        .collect()
}

/// Draw person `person` of a trial with seed `seed` from `table` and apply every draw to `sc`
/// (each entry's key and its `also` keys); returns the draws.
pub fn draw_into(sc: &mut Scenario, table: &[Variability], seed: u64, person: u64) -> Result<Vec<Draw>> {
    let draws = draw(table, seed, person);
    for (d, v) in draws.iter().zip(table) {
        for key in std::iter::once(&v.key).chain(v.also.iter()) {
            apply(sc, key, d.dist, d.x)?;
        }
    }
    Ok(draws)
}

/// Apply one drawn value to a scenario key.
pub fn apply(sc: &mut Scenario, key: &str, dist: Dist, x: f64) -> Result<()> {
    if let Some(name) = key.strip_prefix("parameters.") {
        let info = params::info(name).ok_or_else(|| Error::internal(format!("population key {key}: no such parameter")))?;
        let base = sc.parameters.get(name).copied().unwrap_or(info.default);
        let v = match dist {
            Dist::LogNormalCv => base * x,
            Dist::Normal => x,
        };
        let v = v.clamp(info.min, info.max);
        if v == info.default {
            sc.parameters.remove(name);
        } else {
            sc.parameters.insert(name.to_string(), v);
        }
        return Ok(());
    }
    let slot = match key {
        "subject.weight_kg" => &mut sc.subject.weight_kg,
        "subject.madrs" => &mut sc.subject.madrs,
        _ => return Err(Error::internal(format!("population key {key}: not a parameter or a known subject key"))),
    };
    *slot = match dist {
        Dist::LogNormalCv => *slot * x,
        Dist::Normal => x,
    };
    Ok(())
}

