//! The sensitivity spec file: a base scenario (as a sweep's `base`, `[set]`, `seed`), the outputs,
//! the parameters and their ranges, and the methods with their sizes. Loading checks everything
//! (a bad spec exits 2 naming file, key and line:column) and builds the design and the sweep of
//! its runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use crate::batch::spec::{Dim, Sweep};
use crate::error::{Error, Location, Result, did_you_mean};
use crate::params;
use crate::scenario::reader::{locate, parse_toml, type_name};

use super::design::{self, Range, Trajectory};

const TOP_KEYS: &[&str] =
    &["base", "description", "seed", "set", "outputs", "methods", "parameters", "morris", "sobol", "bootstrap", "confidence"];
const RANGE_KEYS: &[&str] = &["min", "max", "scale"];
/// Most factors (the Sobol sequence has 256 dimensions; Saltelli needs two per factor).
pub const MAX_FACTORS: usize = 128;

/// Morris sizes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MorrisSpec {
    /// Number of trajectories `r`.
    pub trajectories: usize,
    /// Number of grid levels `p` (even).
    pub levels: u32,
}

/// Sobol sizes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SobolSpec {
    /// Base sample size `N` (rows of `A` and of `B`).
    pub samples: usize,
}

/// One sampled parameter as written in sensitivity.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamRange {
    /// The parameter's name in the parameter table.
    pub name: String,
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// "linear" (uniform) or "log" (log-uniform).
    pub scale: String,
    /// Where the range came from: "uncertainty" (the parameter table's) or "spec".
    pub from: String,
}

/// Everything the design and the indices depend on (sensitivity.json's `analysis`): enough to
/// rebuild the design and compute the indices from the runs, e.g. when merging shards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Seed of the design and the bootstrap (and of the runs: every run uses the same model seed).
    pub seed: u64,
    /// The summary columns analysed.
    pub outputs: Vec<String>,
    /// The factors, in file order.
    pub parameters: Vec<ParamRange>,
    /// Morris, if asked for.
    pub morris: Option<MorrisSpec>,
    /// Sobol, if asked for.
    pub sobol: Option<SobolSpec>,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    pub confidence: f64,
}

impl Analysis {
    /// The factors' ranges.
    pub fn ranges(&self) -> Vec<Range> {
        self.parameters.iter().map(|p| Range { name: p.name.clone(), min: p.min, max: p.max, log: p.scale == "log" }).collect()
    }

    /// The Morris trajectories (empty without Morris).
    pub fn trajectories(&self) -> Vec<Trajectory> {
        match self.morris {
            Some(m) => design::morris(self.parameters.len(), m.trajectories, m.levels, self.seed),
            None => Vec::new(),
        }
    }

    /// Number of Morris points (they come first in the design).
    pub fn n_morris(&self) -> usize {
        self.morris.map_or(0, |m| m.trajectories * (self.parameters.len() + 1))
    }

    /// Number of Sobol points (after the Morris points).
    pub fn n_sobol(&self) -> usize {
        self.sobol.map_or(0, |s| s.samples * (self.parameters.len() + 2))
    }

    /// Every design point in the unit cube, with its method and block label: Morris points
    /// (`trajectory T`, step `m`), then Saltelli's `A`, `B`, `AB_j` rows.
    pub fn unit_points(&self) -> Vec<(&'static str, String, Vec<f64>)> {
        let k = self.parameters.len();
        let mut out = Vec::with_capacity(self.n_morris() + self.n_sobol());
        for (t, tr) in self.trajectories().into_iter().enumerate() {
            for (m, p) in tr.points.into_iter().enumerate() {
                out.push(("morris", format!("t{t}.{m}"), p));
            }
        }
        if let Some(s) = self.sobol {
            let n = s.samples;
            for (i, p) in design::saltelli(k, n, self.seed).into_iter().enumerate() {
                let block = match i / n {
                    0 => "A".to_string(),
                    1 => "B".to_string(),
                    b => format!("AB_{}", self.parameters[b - 2].name),
                };
                out.push(("sobol", format!("{block}.{}", i % n), p));
            }
        }
        out
    }
}

/// A loaded, checked sensitivity spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The spec file as given.
    pub file: PathBuf,
    /// The description.
    pub description: String,
    /// What the design and indices depend on.
    pub analysis: Analysis,
    /// The runs: the base scenario with `[set]`, at every design point, each with the same seed.
    pub sweep: Sweep,
}

fn err_at(file: &Path, text: &str, key: &str, message: impl Into<String>) -> Error {
    Error::Input {
        location: Location { file: Some(file.to_path_buf()), key: (!key.is_empty()).then(|| key.to_string()), line_col: if key.is_empty() { None } else { locate(text, key) } },
        message: message.into(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// The summary columns that can be analysed: the numeric single-run summary columns.
pub fn output_columns() -> Vec<&'static str> {
    crate::readout::SUMMARY_COLUMNS.iter().filter(|c| !c.1.is_empty() && c.1 != "true/false").map(|c| c.0).collect()
}

impl Spec {
    /// Load and check a spec file, build its design and the sweep of its runs.
    pub fn load(file: &Path) -> Result<Spec> {
        let file_err = |m: String| Error::Input { location: Location { file: Some(file.to_path_buf()), ..Default::default() }, message: m };
        if file.is_dir() {
            return Err(file_err("is a directory, not a sensitivity spec (.toml)".into()));
        }
        let text = std::fs::read_to_string(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound { file_err("no such sensitivity spec".into()) } else { file_err(format!("cannot read the sensitivity spec: {e}")) }
        })?;
        Self::from_text(file, text)
    }

    /// Check a spec given its text (`file` names it in messages and anchors a relative `base`).
    pub fn from_text(file: &Path, text: String) -> Result<Spec> {
        let table = parse_toml(&text, file)?;
        let err = |key: &str, m: String| err_at(file, &text, key, m);
        for k in table.keys() {
            if !TOP_KEYS.contains(&k.as_str()) {
                let mut msg = format!("unknown key `{k}`");
                if let Some(s) = did_you_mean(k, TOP_KEYS.iter().copied()) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                msg.push_str(&format!("; allowed at the top of a sensitivity spec: {}", TOP_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")));
                return Err(err(k, msg));
            }
        }
        let description = match table.get("description") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => return Err(err("description", format!("expected a string, found {}", type_name(v)))),
        };
        let seed = match table.get("seed") {
            None => 0,
            Some(Value::Integer(i)) if *i >= 0 => *i as u64,
            Some(Value::Integer(i)) => return Err(err("seed", format!("must be a non-negative integer, found {i}"))),
            Some(v) => return Err(err("seed", format!("expected an integer, found {}", type_name(v)))),
        };

        // outputs
        let allowed = output_columns();
        let outputs = match table.get("outputs") {
            None => return Err(err("", format!("missing required key `outputs`: the summary columns to analyse, e.g. outputs = [\"madrs_24h\", \"spine_density_rel_72h\"]; allowed: {}", allowed.join(", ")))),
            Some(Value::Array(a)) if a.is_empty() => return Err(err("outputs", "the list is empty; give at least one summary column".into())),
            Some(Value::Array(a)) => {
                let mut out: Vec<String> = Vec::new();
                for (i, v) in a.iter().enumerate() {
                    let key = format!("outputs.{i}");
                    let Value::String(s) = v else { return Err(err(&key, format!("expected a string (a summary column), found {}", type_name(v)))) };
                    if !allowed.contains(&s.as_str()) {
                        let mut msg = format!("unknown output `{s}`");
                        if let Some(d) = did_you_mean(s, allowed.iter().copied()) {
                            msg.push_str(&format!(" (did you mean `{d}`?)"));
                        }
                        msg.push_str(&format!("; allowed: the numeric summary columns {} (docs/output.md)", allowed.join(", ")));
                        return Err(err(&key, msg));
                    }
                    if out.contains(s) {
                        return Err(err(&key, format!("`{s}` is listed twice")));
                    }
                    out.push(s.clone());
                }
                out
            }
            Some(v) => return Err(err("outputs", format!("expected a list of summary columns, found {}", type_name(v)))),
        };

        // methods
        let (mut use_morris, mut use_sobol) = (true, true);
        if let Some(v) = table.get("methods") {
            let Value::Array(a) = v else { return Err(err("methods", format!("expected a list, e.g. [\"morris\", \"sobol\"], found {}", type_name(v)))) };
            if a.is_empty() {
                return Err(err("methods", "the list is empty; allowed: \"morris\", \"sobol\"".into()));
            }
            (use_morris, use_sobol) = (false, false);
            for (i, m) in a.iter().enumerate() {
                match m.as_str() {
                    Some("morris") => use_morris = true,
                    Some("sobol") => use_sobol = true,
                    _ => return Err(err(&format!("methods.{i}"), format!("unknown method {m}; allowed: \"morris\", \"sobol\""))),
                }
            }
        }
        let sub = |name: &str, keys: &[&str]| -> Result<Option<&Table>> {
            match table.get(name) {
                None => Ok(None),
                Some(Value::Table(t)) => {
                    for k in t.keys() {
                        if !keys.contains(&k.as_str()) {
                            return Err(err(&format!("{name}.{k}"), format!("unknown key `{k}`; allowed in [{name}]: {}", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))));
                        }
                    }
                    Ok(Some(t))
                }
                Some(v) => Err(err(name, format!("expected a table [{name}], found {}", type_name(v)))),
            }
        };
        let int = |t: Option<&Table>, section: &str, key: &str, default: i64, lo: i64, hi: i64| -> Result<i64> {
            match t.and_then(|t| t.get(key)) {
                None => Ok(default),
                Some(Value::Integer(i)) if (lo..=hi).contains(i) => Ok(*i),
                Some(Value::Integer(i)) => Err(err(&format!("{section}.{key}"), format!("value {i} is out of range; allowed: {lo} to {hi}"))),
                Some(v) => Err(err(&format!("{section}.{key}"), format!("expected an integer, found {}", type_name(v)))),
            }
        };
        let mt = sub("morris", &["trajectories", "levels"])?;
        let st = sub("sobol", &["samples"])?;
        let morris = if use_morris {
            let trajectories = int(mt, "morris", "trajectories", 10, 2, 10_000)? as usize;
            let levels = int(mt, "morris", "levels", 4, 2, 100)?;
            if levels % 2 != 0 {
                return Err(err("morris.levels", format!("must be even (the Morris step p/(2(p-1)) keeps grid points on the grid only then), found {levels}")));
            }
            Some(MorrisSpec { trajectories, levels: levels as u32 })
        } else {
            None
        };
        let sobol = if use_sobol {
            let samples = int(st, "sobol", "samples", 64, 4, 1 << 20)? as usize;
            Some(SobolSpec { samples })
        } else {
            None
        };
        let bootstrap = match table.get("bootstrap") {
            None => 1000,
            Some(Value::Integer(i)) if (10..=100_000).contains(i) => *i as usize,
            Some(Value::Integer(i)) => return Err(err("bootstrap", format!("value {i} is out of range; allowed: 10 to 100000 resamples"))),
            Some(v) => return Err(err("bootstrap", format!("expected an integer, found {}", type_name(v)))),
        };
        let confidence = match table.get("confidence") {
            None => 0.95,
            Some(v) => match number(v) {
                Some(c) if c > 0.0 && c < 1.0 => c,
                Some(c) => return Err(err("confidence", format!("value {c} is out of range; allowed: strictly between 0 and 1, e.g. 0.95"))),
                None => return Err(err("confidence", format!("expected a number, found {}", type_name(v)))),
            },
        };

        // parameters
        let set_keys: Vec<String> = match table.get("set") {
            Some(Value::Table(t)) => {
                let mut keys = Vec::new();
                for (k, v) in t {
                    match v {
                        Value::Table(sub) if k == "parameters" => keys.extend(sub.keys().cloned()),
                        _ => {
                            if let Some(name) = k.strip_prefix("parameters.") {
                                keys.push(name.to_string());
                            }
                        }
                    }
                }
                keys
            }
            _ => Vec::new(),
        };
        let ptable = match table.get("parameters") {
            None => return Err(err("", "missing required table [parameters]: the parameters to vary, e.g. [parameters] ke0_per_h = {} (its uncertainty range) or mtorc1_gain = { min = 0.5, max = 2.0, scale = \"log\" }".into())),
            Some(Value::Table(t)) if t.is_empty() => return Err(err("parameters", "[parameters] is empty; give at least one parameter".into())),
            Some(Value::Table(t)) => t,
            Some(v) => return Err(err("parameters", format!("expected a table [parameters], found {}", type_name(v)))),
        };
        // File order.
        let mut names: Vec<(&String, &Value)> = ptable.iter().collect();
        names.sort_by_key(|(k, _)| locate(&text, &format!("parameters.{k}")).unwrap_or((usize::MAX, 0)));
        let mut parameters = Vec::new();
        for (name, v) in names {
            let key = format!("parameters.{name}");
            let Some(info) = params::info(name) else {
                let mut msg = format!("unknown parameter `{name}`");
                if let Some(d) = did_you_mean(name, params::PARAMETERS.iter().map(|p| p.name)) {
                    msg.push_str(&format!(" (did you mean `{d}`?)"));
                }
                msg.push_str("; `ketasim params` lists every parameter");
                return Err(err(&key, msg));
            };
            if set_keys.iter().any(|k| k == name) {
                return Err(err(&key, format!("`{name}` is also fixed in [set]; a parameter is either varied or fixed")));
            }
            let r = match v {
                Value::Table(r) => r,
                Value::Boolean(true) => &Table::new(),
                other => return Err(err(&key, format!("expected a range, {{}} for the uncertainty range or e.g. {{ min = 0.5, max = 2.0, scale = \"log\" }}, found {}", type_name(other)))),
            };
            for k in r.keys() {
                if !RANGE_KEYS.contains(&k.as_str()) {
                    let mut msg = format!("unknown key `{k}` in the range of `{name}`");
                    if let Some(d) = did_you_mean(k, RANGE_KEYS.iter().copied()) {
                        msg.push_str(&format!(" (did you mean `{d}`?)"));
                    }
                    msg.push_str("; allowed: `min`, `max`, `scale` (\"linear\" or \"log\")");
                    return Err(err(&format!("{key}.{k}"), msg));
                }
            }
            let bound = |b: &str, default: f64| -> Result<f64> {
                match r.get(b) {
                    None => Ok(default),
                    Some(v) => match number(v) {
                        Some(x) if x.is_finite() => Ok(x),
                        _ => Err(err(&format!("{key}.{b}"), format!("expected a finite number, found {v}"))),
                    },
                }
            };
            let from = if r.contains_key("min") || r.contains_key("max") { "spec" } else { "uncertainty" };
            let (min, max) = (bound("min", info.uncertainty_low)?, bound("max", info.uncertainty_high)?);
            for (b, x) in [("min", min), ("max", max)] {
                if x < info.min || x > info.max {
                    let at = if r.contains_key(b) { format!("{key}.{b}") } else { key.clone() };
                    return Err(err(&at, format!("{b} = {x} is outside the validity range of `{name}`, {} to {} {}", info.min, info.max, info.unit)));
                }
            }
            if min >= max {
                let why = if from == "uncertainty" { format!(" (its uncertainty range is {} to {}: {})", info.uncertainty_low, info.uncertainty_high, info.uncertainty_basis) } else { String::new() };
                return Err(err(&key, format!("min ({min}) must be less than max ({max}) for `{name}`{why}; give a range with min and max")));
            }
            let log = match r.get("scale") {
                None => false,
                Some(Value::String(s)) if s == "linear" => false,
                Some(Value::String(s)) if s == "log" => true,
                Some(v) => return Err(err(&format!("{key}.scale"), format!("unknown value {v}; allowed: \"linear\", \"log\""))),
            };
            if log && min <= 0.0 {
                return Err(err(&format!("{key}.scale"), format!("scale = \"log\" needs min > 0, found {min}")));
            }
            parameters.push(ParamRange { name: name.clone(), min, max, scale: if log { "log" } else { "linear" }.into(), from: from.into() });
        }
        if parameters.len() > MAX_FACTORS {
            return Err(err("parameters", format!("{} parameters; at most {MAX_FACTORS}", parameters.len())));
        }
        let analysis = Analysis { seed, outputs, parameters, morris, sobol, bootstrap, confidence };
        let n_points = analysis.n_morris() + analysis.n_sobol();
        if n_points as u64 > crate::batch::spec::MAX_POINTS {
            return Err(err("sobol", format!("{n_points} design points is more than the supported {}", crate::batch::spec::MAX_POINTS)));
        }

        // The sweep of the runs: the spec's base, description, seed and [set], every run with the
        // same model seed (common random numbers: differences between points are the parameters').
        let mut sweep_table = Table::new();
        for k in ["base", "description", "seed", "set"] {
            if let Some(v) = table.get(k) {
                sweep_table.insert(k.into(), v.clone());
            }
        }
        sweep_table.insert("seeds".into(), Value::String("by_replicate".into()));
        let sweep = Sweep::from_table(file, text.clone(), &sweep_table)?;
        let ranges = analysis.ranges();
        let dims: Vec<Dim> = ranges.iter().map(|r| Dim { key: format!("parameters.{}", r.name), min: r.min, max: r.max, log: r.log, integer: false }).collect();
        let values: Vec<Vec<Value>> =
            analysis.unit_points().into_iter().map(|(_, _, u)| u.iter().zip(&ranges).map(|(u, r)| Value::Float(r.value(*u))).collect()).collect();
        let tag = serde_json::to_string(&analysis).map_err(|e| Error::internal(e.to_string()))?;
        let sweep = sweep.with_design(dims, values, &tag)?;
        Ok(Spec { file: file.to_path_buf(), description, analysis, sweep })
    }
}
