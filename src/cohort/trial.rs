//! The trial file (format in `docs/trial.md`) and one virtual subject in one arm.
//!
//! A virtual subject is the arm's scenario with the subject's drawn covariates and parameters
//! applied (as `--set` would) and the subject's own seed: every mechanism of a single run runs
//! unchanged. Subject ids depend only on the design: in a `parallel` trial subject `k` of arm `a`
//! is person `a · n + k`; in a `crossover` trial it is person `k` in every arm (the same drawn
//! parameters, circuit and sensitivities; paired comparisons).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Value;

use crate::api::{self, RunControl};
use crate::cancel::CancelToken;
use crate::error::{Error, Location, Result};
use crate::rng::mix64;
use crate::scenario::reader::{TableReader, check_range, locate, parse_toml, type_name};
use crate::scenario::{self, LoadOptions, Scenario};
use crate::units::HOURS_PER_DAY;

use super::placebo::Placebo;
use super::population::{self, Dist, Variability};

/// Domain separation of subject seeds ("ketatrl1").
const SUBJECT_SEED_DOMAIN: u64 = 0x6B65_7461_7472_6C31;

/// Who is in each arm (`design`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Different people in each arm: subject `k` of arm `a` is person `a · n + k`.
    Parallel,
    /// The same people in every arm: subject `k` is person `k` in every arm.
    Crossover,
}

/// How relapse is read from a responder's MADRS course.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Relapse {
    /// Response is assessed this long after the last dose, h.
    pub response_after_h: f64,
    /// Relapse: MADRS above `threshold` × baseline ...
    pub threshold: f64,
    /// ... at this many consecutive assessments ...
    pub consecutive: u32,
    /// ... held every `assess_every_h` after the response assessment.
    pub assess_every_h: f64,
}

impl Default for Relapse {
    fn default() -> Self {
        Self { response_after_h: 24.0, threshold: 0.5, consecutive: 2, assess_every_h: 24.0 }
    }
}

/// One arm: a scenario, overrides, placebo and expectancy.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    /// Arm name (a column value in every table).
    pub name: String,
    /// The arm's scenario (a bundled name or a file).
    pub scenario: String,
    /// The arm's `--set KEY=VALUE` overrides, applied after the trial's.
    pub set: Vec<String>,
    /// Saline at the same visits: every dose's amount is 0.
    pub placebo: bool,
    /// Multiplier on the subject's expectancy response in this arm.
    pub expectancy: f64,
    /// The arm's scenario, resolved with the trial's and the arm's overrides.
    #[serde(skip)]
    pub base: Scenario,
}

/// A loaded, checked trial.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    /// The trial file.
    #[serde(skip)]
    pub file: PathBuf,
    /// Trial name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The trial seed: every draw of every subject derives from it.
    pub seed: u64,
    /// Subjects per arm.
    pub subjects: u64,
    /// Parallel or crossover.
    pub design: Design,
    /// Interval of the timecourse grid (a divisor of 24 h), h.
    pub sample_every_h: f64,
    /// `--set KEY=VALUE` overrides applied to every arm's scenario.
    pub set: Vec<String>,
    /// Name of the reference arm for differences and NNT.
    pub reference: String,
    /// Remission: MADRS at most this.
    pub remission_max_madrs: f64,
    /// The population table (between-subject variability), with the trial's overrides.
    pub population: Vec<Variability>,
    /// The placebo and rating model.
    pub placebo: Placebo,
    /// How relapse is read.
    pub relapse: Relapse,
    /// The arms, in file order.
    pub arms: Vec<Arm>,
    /// Hash of everything that determines the results (checked by `--resume` and `merge`).
    #[serde(skip)]
    pub fingerprint: String,
}

/// Largest number of subjects per arm.
pub const MAX_SUBJECTS: u64 = 1_000_000;

const TOP_KEYS: &[&str] =
    &["name", "description", "seed", "subjects", "design", "sample_every_h", "set", "reference", "remission_max_madrs", "population", "placebo", "relapse", "arm"];

fn strings(r: &TableReader, key: &str) -> Result<Vec<String>> {
    match r.raw(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) if s.contains('=') => Ok(s.clone()),
                Value::String(s) => Err(Error::at_key(format!("{}.{key}.{i}", r.path).trim_start_matches('.').to_string(), format!("`{s}` is not KEY=VALUE, e.g. \"circuit.pyramidal_neurons=10\""))),
                other => Err(Error::at_key(format!("{}.{key}.{i}", r.path).trim_start_matches('.').to_string(), format!("expected a string KEY=VALUE, found {}", type_name(other)))),
            })
            .collect(),
        Some(v) => Err(Error::at_key(format!("{}.{key}", r.path).trim_start_matches('.').to_string(), format!("expected an array of \"KEY=VALUE\" strings, found {}", type_name(v)))),
    }
}

impl Trial {
    /// Load and check a trial file: every arm's scenario is resolved up front (default [`LoadOptions`]).
    pub fn load(file: &Path) -> Result<Trial> {
        Self::load_with(file, LoadOptions::default())
    }

    /// [`Trial::load`] with explicit [`LoadOptions`] for every arm's scenario.
    pub fn load_with(file: &Path, options: LoadOptions) -> Result<Trial> {
        let file_err = |m: String| Error::Input { location: Location { file: Some(file.to_path_buf()), ..Default::default() }, message: m };
        if file.is_dir() {
            return Err(file_err("is a directory, not a trial file (.toml)".into()));
        }
        let text = std::fs::read_to_string(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound { file_err("no such trial file".into()) } else { file_err(format!("cannot read the trial file: {e}")) }
        })?;
        Self::from_text_with(file, &text, options)
    }

    /// Check a trial given its text; `file` names it in messages and anchors relative scenario paths.
    pub fn from_text(file: &Path, text: &str) -> Result<Trial> {
        Self::from_text_with(file, text, LoadOptions::default())
    }

    /// [`Trial::from_text`] with explicit [`LoadOptions`].
    pub fn from_text_with(file: &Path, text: &str, options: LoadOptions) -> Result<Trial> {
        Self::parse(file, text, options).map_err(|e| e.in_file(file, |k| locate(text, k)))
    }

    fn parse(file: &Path, text: &str, options: LoadOptions) -> Result<Trial> {
        let table = parse_toml(text, file)?;
        let top = TableReader::new("", &table, TOP_KEYS);
        top.deny_unknown()?;
        let name = top.str_req("name", "the trial's name, e.g. name = \"Ketamine vs midazolam\"")?.to_string();
        let description = top.str_opt("description")?.unwrap_or("").to_string();
        let seed = top.u64_opt("seed")?.unwrap_or(1);
        let subjects = top.u64_opt("subjects")?.ok_or_else(|| Error::at_key("subjects", "missing required key: subjects per arm, e.g. subjects = 200"))?;
        if subjects == 0 || subjects > MAX_SUBJECTS {
            return Err(Error::at_key("subjects", format!("value {subjects} is out of range; allowed: 1 to {MAX_SUBJECTS} subjects per arm")));
        }
        let design = top.choice("design", &[("parallel", Design::Parallel), ("crossover", Design::Crossover)])?.unwrap_or(Design::Parallel);
        let sample_every_h = top.f64_opt("sample_every_h")?.unwrap_or(6.0);
        if ![0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0].contains(&sample_every_h) {
            return Err(Error::at_key("sample_every_h", format!("value {sample_every_h} is not allowed; allowed: a divisor of 24 h: 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24")));
        }
        let set = strings(&top, "set")?;
        let remission_max_madrs = top.f64_opt("remission_max_madrs")?.unwrap_or(10.0);
        check_range("remission_max_madrs", remission_max_madrs, 0.0, 60.0, false, "MADRS points")?;

        // [population]
        let mut pop = population::default_population();
        if let Some(t) = top.table_opt("population")? {
            for (k, v) in t {
                let path = format!("population.\"{k}\"");
                let Some(entry) = pop.iter_mut().find(|e| e.key == k) else {
                    let keys: Vec<String> = population::default_population().iter().map(|e| format!("\"{}\"", e.key)).collect();
                    let mut msg = format!("unknown population key `{k}`");
                    if let Some(s) = crate::error::did_you_mean(k, population::default_population().iter().map(|e| e.key).collect::<Vec<_>>()) {
                        msg.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    msg.push_str(&format!("; allowed: {}", keys.join(", ")));
                    return Err(Error::at_key(format!("population.{k}"), msg));
                };
                let spread_name = if entry.dist == Dist::LogNormalCv { "cv" } else { "sd" };
                match v {
                    Value::Float(_) | Value::Integer(_) => {
                        let x = v.as_float().unwrap_or_else(|| v.as_integer().unwrap_or(0) as f64);
                        check_range(&path, x, 0.0, 5.0, false, spread_name)?;
                        entry.value = x;
                    }
                    Value::Table(sub) => {
                        let allowed: &[&'static str] = if entry.dist == Dist::LogNormalCv { &["cv", "mean"] } else { &["sd", "mean", "min", "max"] };
                        let r = TableReader::new(format!("population.{k}"), sub, allowed);
                        r.deny_unknown()?;
                        if let Some(x) = r.f64_opt(spread_name)? {
                            check_range(&format!("population.{k}.{spread_name}"), x, 0.0, 1e4, false, spread_name)?;
                            entry.value = x;
                        }
                        if entry.dist == Dist::LogNormalCv
                            && let Some(m) = r.f64_opt("mean")?
                        {
                            check_range(&format!("population.{k}.mean"), m, 0.0, 100.0, true, "x the scenario's value (mean factor)")?;
                            entry.mean = m;
                        }
                        if entry.dist == Dist::Normal {
                            entry.mean = r.f64_opt("mean")?.unwrap_or(entry.mean);
                            entry.min = r.f64_opt("min")?.unwrap_or(entry.min);
                            entry.max = r.f64_opt("max")?.unwrap_or(entry.max);
                            if !(entry.min <= entry.mean && entry.mean <= entry.max) {
                                return Err(Error::at_key(format!("population.{k}"), format!("need min <= mean <= max, found {} <= {} <= {}", entry.min, entry.mean, entry.max)));
                            }
                        }
                    }
                    other => return Err(Error::at_key(format!("population.{k}"), format!("expected a number (the {spread_name}) or a table, found {}", type_name(other)))),
                }
            }
        }
        let placebo = match top.table_opt("placebo")? {
            Some(t) => Placebo::read(t)?,
            None => Placebo::default(),
        };
        let mut relapse = Relapse::default();
        if let Some(t) = top.table_opt("relapse")? {
            let r = TableReader::new("relapse", t, &["response_after_h", "threshold", "consecutive", "assess_every_h"]);
            r.deny_unknown()?;
            if let Some(x) = r.f64_opt("response_after_h")? {
                check_range("relapse.response_after_h", x, 0.0, 1e5, false, "h")?;
                relapse.response_after_h = x;
            }
            if let Some(x) = r.f64_opt("threshold")? {
                check_range("relapse.threshold", x, 0.0, 1.0, true, "fraction of baseline MADRS")?;
                relapse.threshold = x;
            }
            if let Some(x) = r.u64_opt("consecutive")? {
                if !(1..=100).contains(&x) {
                    return Err(Error::at_key("relapse.consecutive", format!("value {x} is out of range; allowed: 1 to 100 assessments")));
                }
                relapse.consecutive = x as u32;
            }
            if let Some(x) = r.f64_opt("assess_every_h")? {
                check_range("relapse.assess_every_h", x, sample_every_h, 1e5, false, "h (at least sample_every_h)")?;
                relapse.assess_every_h = x;
            }
        }

        // [[arm]]
        let arm_tables = top.tables("arm")?;
        if arm_tables.is_empty() {
            return Err(Error::at_key("arm", "a trial needs at least one [[arm]] table (name, scenario)"));
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        let mut arms: Vec<Arm> = Vec::new();
        for (i, t) in arm_tables.iter().enumerate() {
            let path = format!("arm.{i}");
            let r = TableReader::new(path.clone(), t, &["name", "scenario", "set", "placebo", "expectancy"]);
            r.deny_unknown()?;
            let name = r.str_req("name", "the arm's name, e.g. name = \"ketamine\"")?.to_string();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(Error::at_key(format!("{path}.name"), format!("`{name}`: use letters, digits, - and _ only")));
            }
            if arms.iter().any(|a| a.name == name) {
                return Err(Error::at_key(format!("{path}.name"), format!("two arms are named `{name}`; arm names must differ")));
            }
            let spec = r.str_req("scenario", "a bundled scenario name or a path to a scenario file (relative to the trial file)")?.to_string();
            let arm_set = strings(&r, "set")?;
            let placebo_arm = r.bool_opt("placebo")?.unwrap_or(false);
            let expectancy = r.f64_opt("expectancy")?.unwrap_or(1.0);
            check_range(&format!("{path}.expectancy"), expectancy, 0.0, 5.0, false, "x the subject's expectancy")?;
            let resolved_spec = {
                let rel = dir.join(&spec);
                if !Path::new(&spec).is_absolute() && rel.is_file() && scenario::bundled::get(&spec).is_none() { rel.display().to_string() } else { spec.clone() }
            };
            let mut all = set.clone();
            all.extend(arm_set.iter().cloned());
            let mut base = scenario::load_with(&resolved_spec, &all, None, options).map_err(|e| match e {
                Error::Input { location, message } => Error::at_key(
                    format!("{path}.scenario"),
                    format!("{}{message}", if location.to_string().is_empty() { String::new() } else { format!("{location}: ") }),
                ),
                other => other,
            })?;
            if base.subject.drawn {
                return Err(Error::at_key(
                    format!("{path}.scenario"),
                    "the scenario sets `[subject] draw = true`, a single-run option; allowed: a scenario without it (a trial draws every subject from its own population)",
                ));
            }
            if placebo_arm {
                for d in &mut base.doses {
                    d.mg = Some(0.0);
                    d.mg_per_kg = None;
                }
            }
            arms.push(Arm { name, scenario: spec, set: arm_set, placebo: placebo_arm, expectancy, base });
        }
        let reference = match top.str_opt("reference")? {
            Some(r) => {
                if !arms.iter().any(|a| a.name == r) {
                    let names: Vec<_> = arms.iter().map(|a| format!("\"{}\"", a.name)).collect();
                    return Err(Error::at_key("reference", format!("no arm named `{r}`; allowed: {}", names.join(", "))));
                }
                r.to_string()
            }
            None => arms.last().map(|a| a.name.clone()).unwrap_or_default(),
        };
        let mut trial = Trial {
            file: file.to_path_buf(),
            name,
            description,
            seed,
            subjects,
            design,
            sample_every_h,
            set,
            reference,
            remission_max_madrs,
            population: pop,
            placebo,
            relapse,
            arms,
            fingerprint: String::new(),
        };
        let json = trial.to_json();
        trial.fingerprint = format!("{:016x}", population::name_hash(&format!("{}{}", env!("CARGO_PKG_VERSION"), json)));
        Ok(trial)
    }

    /// The resolved trial as JSON (trial.json): every arm with its resolved scenario.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        for (i, a) in self.arms.iter().enumerate() {
            v["arms"][i]["resolved_scenario"] = serde_json::to_value(&a.base).unwrap_or(serde_json::Value::Null);
        }
        v
    }

    /// Number of units (subject × arm) the trial simulates.
    pub fn n_units(&self) -> u64 {
        self.subjects * self.arms.len() as u64
    }

    /// (arm, subject within the arm) of unit `u` (units are numbered arm by arm).
    pub fn unit(&self, u: u64) -> (usize, u64) {
        ((u / self.subjects) as usize, u % self.subjects)
    }

    /// The person id of subject `k` of arm `a`.
    pub fn person(&self, arm: usize, k: u64) -> u64 {
        match self.design {
            Design::Parallel => arm as u64 * self.subjects + k,
            Design::Crossover => k,
        }
    }

    /// The subject's scenario in an arm, with the draws that made it.
    pub fn subject_scenario(&self, arm: usize, k: u64) -> Result<(Scenario, Vec<population::Draw>)> {
        let person = self.person(arm, k);
        let mut sc = self.arms[arm].base.clone();
        sc.seed = mix64(mix64(self.seed ^ SUBJECT_SEED_DOMAIN) ^ person);
        let draws = population::draw_into(&mut sc, &self.population, self.seed, person)?;
        Ok((sc, draws))
    }

    /// Simulate subject `k` of arm `a`.
    pub fn simulate(&self, arm: usize, k: u64, cancel: CancelToken) -> Result<UnitResult> {
        let (sc, draws) = self.subject_scenario(arm, k)?;
        let run = api::run(&sc, RunControl::default().with_cancel(cancel))?;
        let person = self.person(arm, k);
        let traits = self.placebo.traits(self.seed, person);
        let visits: Vec<f64> = sc.administrations().iter().map(|a| a.t_h).filter(|&t| t < sc.duration_h).collect();
        let grid = grid(sc.duration_h, self.sample_every_h);
        let trace = &run.output.trace;
        let mut series = Series::default();
        let mut j = 0usize;
        for &t in &grid {
            while j + 1 < trace.len() && trace[j].time_h < t - 1e-9 {
                j += 1;
            }
            let row = &trace[j];
            series.madrs_drug.push(row.madrs);
            series.madrs.push(self.placebo.observed(row.madrs, traits, self.arms[arm].expectancy, &visits, t, self.seed, person, arm as u64));
            series.plasma_ketamine_ng_ml.push(row.plasma_ketamine_ng_ml);
            series.dissociation_cadss.push(row.dissociation_cadss);
            series.sbp_mmhg.push(row.sbp_mmhg);
            series.spine_density_rel.push(row.spine_density_rel);
        }
        let s = &run.output.summary;
        let p = sc.params();
        let bp_key = super::bp::noise_key(self.seed, person, arm as u64);
        let rise = super::bp::measured_rises(&run.output.bp_readings, p.bp_reading_sd_sbp_mmhg, p.bp_reading_sd_dbp_mmhg, bp_key);
        Ok(UnitResult {
            arm,
            k,
            person,
            seed: sc.seed,
            draws: draws.iter().map(|d| d.x).collect(),
            expectancy: traits.0,
            background: traits.1,
            baseline: sc.subject.madrs,
            last_dose_h: visits.last().copied(),
            cmax_ng_ml: s.cmax_ng_ml,
            auc_ng_h_ml: s.auc_ng_h_ml,
            peak_dissociation_cadss: s.peak_dissociation_cadss,
            peak_sbp_mmhg: s.peak_sbp_mmhg,
            peak_measured_sbp_rise_mmhg: rise.map(|r| r.sbp_mmhg),
            peak_measured_dbp_rise_mmhg: rise.map(|r| r.dbp_mmhg),
            large_bp_rise: rise.is_some_and(|r| r.large),
            pain: run.output.pain.as_ref().map(|p| PainOutcome {
                opioid_24h_mg: p.summary.opioid_24h_mg,
                opioid_48h_mg: p.summary.opioid_48h_mg,
                nrs_rest_24h: p.summary.nrs_rest_24h,
            }),
            grid,
            series,
        })
    }
}

/// Systolic rise of a large blood-pressure rise, mmHg (Spravato label: an increase of at least 40 mmHg
/// systolic and/or 25 mmHg diastolic).
pub const LARGE_RISE_SBP_MMHG: f64 = 40.0;
/// Diastolic rise of a large blood-pressure rise, mmHg (as [`LARGE_RISE_SBP_MMHG`]).
pub const LARGE_RISE_DBP_MMHG: f64 = 25.0;

/// A large blood-pressure rise: systolic by at least 40 mmHg and/or diastolic by at least 25 mmHg
/// above the pre-dose reading (the Spravato label's definition; 8-19 % of patients at least once
/// in the first 4 weeks of esketamine, 1-4 % on placebo).
pub fn large_bp_rise(sbp_rise_mmhg: f64, dbp_rise_mmhg: f64) -> bool {
    sbp_rise_mmhg >= LARGE_RISE_SBP_MMHG || dbp_rise_mmhg >= LARGE_RISE_DBP_MMHG
}

/// Sample times 0, s, 2s, ... up to and including `duration_h`.
pub fn grid(duration_h: f64, every_h: f64) -> Vec<f64> {
    let n = (duration_h / every_h + 1e-9).floor() as u64;
    let mut g: Vec<f64> = (0..=n).map(|i| i as f64 * every_h).collect();
    if g.last().is_some_and(|&t| t < duration_h - 1e-9) {
        g.push(duration_h);
    }
    g
}

/// A subject's key columns at the trial's sample times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Observed MADRS (drug effect, expectancy, background and rating noise), points.
    pub madrs: Vec<f64>,
    /// MADRS from the drug alone (the run's `madrs`), points.
    pub madrs_drug: Vec<f64>,
    /// Plasma parent drug, ng/mL.
    pub plasma_ketamine_ng_ml: Vec<f64>,
    /// Dissociation, CADSS points.
    pub dissociation_cadss: Vec<f64>,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: Vec<f64>,
    /// Spine density relative to healthy drug-free.
    pub spine_density_rel: Vec<f64>,
}

/// The series columns, in timecourse.csv order.
pub const SERIES_COLUMNS: &[&str] = &["madrs", "madrs_drug", "plasma_ketamine_ng_ml", "dissociation_cadss", "sbp_mmhg", "spine_density_rel"];

impl Series {
    /// The series called `name` (one of [`SERIES_COLUMNS`]; any other name gives `spine_density_rel`).
    pub fn column(&self, name: &str) -> &[f64] {
        match name {
            "madrs" => &self.madrs,
            "madrs_drug" => &self.madrs_drug,
            "plasma_ketamine_ng_ml" => &self.plasma_ketamine_ng_ml,
            "dissociation_cadss" => &self.dissociation_cadss,
            "sbp_mmhg" => &self.sbp_mmhg,
            _ => &self.spine_density_rel,
        }
    }
}

/// A subject's pain end points (from the run's pain summary; `None` where the run is too short).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PainOutcome {
    /// Opioid consumption over the first 24 h after surgery, morphine IV-equivalent mg.
    pub opioid_24h_mg: Option<f64>,
    /// Opioid consumption over the first 48 h after surgery, morphine IV-equivalent mg.
    pub opioid_48h_mg: Option<f64>,
    /// Pain at rest 24 h after surgery, NRS 0-10.
    pub nrs_rest_24h: Option<f64>,
}

/// Everything kept of one subject in one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    /// Arm index.
    pub arm: usize,
    /// Subject index within the arm.
    pub k: u64,
    /// Person id (the same person in every arm of a crossover trial).
    pub person: u64,
    /// The subject's run seed.
    pub seed: u64,
    /// One value per population entry: the factor (log-normal) or the value (normal).
    pub draws: Vec<f64>,
    /// The subject's expectancy fraction e_i, before the arm's multiplier.
    pub expectancy: f64,
    /// The subject's background fraction b_i.
    pub background: f64,
    /// Baseline MADRS, points.
    pub baseline: f64,
    /// Time of the last administration given, h (`None`: no dose).
    pub last_dose_h: Option<f64>,
    /// Peak plasma parent drug, ng/mL.
    pub cmax_ng_ml: f64,
    /// Plasma parent-drug AUC, ng·h/mL.
    pub auc_ng_h_ml: f64,
    /// Peak dissociation, CADSS points.
    pub peak_dissociation_cadss: f64,
    /// Peak systolic blood pressure, mmHg.
    pub peak_sbp_mmhg: f64,
    /// Largest measured systolic rise of an administration over its pre-dose reading (readings at
    /// the label's times with reading noise, `cohort::bp`), mmHg; `None` without a dose given.
    #[serde(default)]
    pub peak_measured_sbp_rise_mmhg: Option<f64>,
    /// Largest measured diastolic rise, as `peak_measured_sbp_rise_mmhg`, mmHg.
    #[serde(default)]
    pub peak_measured_dbp_rise_mmhg: Option<f64>,
    /// Whether a measured systolic pressure rose by at least 40 mmHg and/or a diastolic by at least
    /// 25 mmHg over the pre-dose reading of its administration, 40 min or 1.5 h after it (the
    /// Spravato label's large rise; [`large_bp_rise`], `cohort::bp`).
    #[serde(default)]
    pub large_bp_rise: bool,
    /// The pain end points, when the arm's scenario has a pain condition (`[pain]`).
    #[serde(default)]
    pub pain: Option<PainOutcome>,
    /// The sample times, h.
    pub grid: Vec<f64>,
    /// The key columns at the sample times.
    pub series: Series,
}

impl UnitResult {
    /// Observed MADRS at the first sample at or after `t_h` (`None` after the end).
    pub fn madrs_at(&self, t_h: f64) -> Option<f64> {
        let i = self.grid.iter().position(|&g| g >= t_h - 1e-9)?;
        Some(self.series.madrs[i])
    }

    /// Time to relapse after the last dose, days, and whether it was observed (false: censored),
    /// for a subject responding `response_after_h` after the last dose; `None` for non-responders.
    pub fn relapse(&self, r: &Relapse) -> Option<(f64, bool)> {
        let last = self.last_dose_h?;
        let t_resp = last + r.response_after_h;
        let at = self.madrs_at(t_resp)?;
        if at > 0.5 * self.baseline {
            return None;
        }
        let mut run = 0u32;
        let mut first = 0.0;
        let mut last_assessed = t_resp;
        let mut t = t_resp + r.assess_every_h;
        while let Some(i) = self.grid.iter().position(|&g| g >= t - 1e-9) {
            let m = self.series.madrs[i];
            last_assessed = self.grid[i];
            if m > r.threshold * self.baseline {
                if run == 0 {
                    first = self.grid[i];
                }
                run += 1;
                if run >= r.consecutive {
                    return Some(((first - last) / HOURS_PER_DAY, true));
                }
            } else {
                run = 0;
            }
            t += r.assess_every_h;
        }
        Some(((last_assessed - last) / HOURS_PER_DAY, false))
    }
}
