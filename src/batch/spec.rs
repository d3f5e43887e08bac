//! The sweep file: a base scenario, fixed overrides, a grid and/or a sample of points, replicates
//! and a seed. Loading checks the file and resolves the scenario of every point up front, so that
//! a bad sweep is refused (exit 2) before anything runs or is written.
//!
//! Points are numbered `0..n_points`: the grid's cartesian product (keys in file order, the last
//! key varying fastest) times the sample's points (sample varying fastest). Runs are numbered
//! `point * replicates + replicate`. Run ids and seeds depend only on the sweep file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::error::{Error, Location, Result, did_you_mean};
use crate::rng::mix64;
use crate::scenario::reader::{line_col, parse_toml, type_name};
use crate::scenario::{self, LoadOptions, Scenario, ScenarioSource};

/// Most points one sweep may have (grid × sample).
pub const MAX_POINTS: u64 = 1_000_000;
/// Most runs one sweep may have (points × replicates).
pub const MAX_RUNS: u64 = 10_000_000;
/// Most replicates per point.
pub const MAX_REPLICATES: u64 = 1_000_000;

const TOP_KEYS: &[&str] = &["base", "description", "replicates", "seed", "seeds", "set", "grid", "sample"];
const DIM_KEYS: &[&str] = &["min", "max", "scale", "integer"];

/// Domain separation for run seeds ("ketaswp" + 1) and sample draws.
const RUN_SEED_DOMAIN: u64 = 0x6B65_7461_7377_7031;
const SAMPLE_DOMAIN: u64 = 0x6B65_7461_7361_6D70;

/// The seed of run (point, replicate) of a sweep with seed `sweep_seed`:
///
/// `mix64(mix64(mix64(sweep_seed ^ 0x6B65_7461_7377_7031) ^ point) ^ mix64(replicate))`
///
/// where `mix64` is the SplitMix64 finaliser ([`crate::rng::mix64`]). It depends on nothing else:
/// not on the number of workers, the shard, or the order in which runs finish. `mix64` is a
/// bijection, so within one point the replicates always get distinct seeds.
pub fn run_seed(sweep_seed: u64, point: u64, replicate: u64) -> u64 {
    mix64(mix64(mix64(sweep_seed ^ RUN_SEED_DOMAIN) ^ point) ^ mix64(replicate))
}

/// How sample points are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Latin hypercube: one point in each of `points` equal slices of every dimension.
    LatinHypercube,
    /// Independent uniform draws.
    Random,
    /// Points given by the caller ([`Sweep::with_design`], e.g. `ketasim sensitivity`).
    Design,
}

impl Method {
    /// The method's name, as sweep files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Method::LatinHypercube => "latin_hypercube",
            Method::Random => "random",
            Method::Design => "design",
        }
    }
}

/// One sampled key: a range, linear or logarithmic, optionally rounded to integers.
#[derive(Debug, Clone, PartialEq)]
pub struct Dim {
    /// The scenario key, as `--set` takes it.
    pub key: String,
    /// Lower end of the range.
    pub min: f64,
    /// Upper end of the range.
    pub max: f64,
    /// Sample uniformly in log(value) instead of value.
    pub log: bool,
    /// Round sampled values to integers.
    pub integer: bool,
}

/// The `[sample]` section: `points` points drawn with `method` over `dims`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// How the points are drawn.
    pub method: Method,
    /// Number of points.
    pub points: u64,
    /// The sampled keys, in file order.
    pub dims: Vec<Dim>,
}

/// Where a swept or fixed key was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Set,
    Grid,
    Sample,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Section::Set => "set",
            Section::Grid => "grid",
            Section::Sample => "sample",
        }
    }
}

/// A loaded, checked sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file as given on the command line.
    pub file: PathBuf,
    /// `base` as written in the file.
    pub base_spec: String,
    /// The base scenario's text and origin (a file path or `bundled:<name>`).
    pub base: ScenarioSource,
    /// The base scenario resolved without any override.
    pub base_scenario: Scenario,
    base_table: Table,
    /// Free text.
    pub description: String,
    /// Runs per point, each with its own seed.
    pub replicates: u64,
    /// The sweep seed: every run seed derives from it.
    pub seed: u64,
    /// Common random numbers: run seeds depend on the replicate only (`seeds = "by_replicate"`).
    pub seeds_by_replicate: bool,
    /// Fixed overrides applied to every point (`[set]`), in file order.
    pub set: Vec<(String, Value)>,
    /// Grid keys and their values, in file order.
    pub grid: Vec<(String, Vec<Value>)>,
    /// The `[sample]` section, if any.
    pub sample: Option<Sample>,
    /// The sample's points: one value per sample dimension.
    sample_values: Vec<Vec<Value>>,
    /// How the base scenario and every point's scenario are loaded (e.g. `--allow-high-dose`).
    pub options: LoadOptions,
    /// Number of points: the grid's combinations times the sample's points.
    pub n_points: u64,
    /// A hash of everything the results depend on (ketasim version, base scenario text, the
    /// overrides, the grid, the sample, replicates and seed): shards and resumed directories must
    /// carry the same fingerprint.
    pub fingerprint: String,
    text: String,
    offsets: BTreeMap<Vec<String>, usize>,
    /// (section, segments) of every key, to point errors at the file.
    origins: BTreeMap<String, (Section, Vec<String>)>,
}

fn file_err(file: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(file.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// How a key path segment is written in an error message: bare when possible, else quoted.
fn show_segment(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        s.to_string()
    } else {
        format!("\"{s}\"")
    }
}

fn show_path(segments: &[String]) -> String {
    segments.iter().map(|s| show_segment(s)).collect::<Vec<_>>().join(".")
}

/// A TOML value as written in TOML (strings quoted): for messages.
pub fn toml_text(v: &Value) -> String {
    v.to_string()
}

/// A TOML value as a CSV cell: strings without quotes, everything else as TOML.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Byte offset of every key in the TOML text, by its path of segments (tables only).
fn key_offsets(text: &str) -> BTreeMap<Vec<String>, usize> {
    use toml::de::{DeTable, DeValue};
    fn walk(t: &DeTable<'_>, path: &mut Vec<String>, out: &mut BTreeMap<Vec<String>, usize>) {
        for (k, v) in t {
            path.push(k.get_ref().to_string());
            out.insert(path.clone(), k.span().start);
            if let DeValue::Table(sub) = v.get_ref() {
                walk(sub, path, out);
            }
            path.pop();
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(root) = DeTable::parse(text) {
        walk(root.get_ref(), &mut Vec::new(), &mut out);
    }
    out
}

/// The leaves of a table as (segments, value). Tables recurse unless `leaf` says a table is a
/// value itself; everything else is a leaf.
fn flatten(t: &Table, prefix: &mut Vec<String>, leaf: &dyn Fn(&Table) -> bool, out: &mut Vec<(Vec<String>, Value)>) {
    for (k, v) in t {
        prefix.push(k.clone());
        match v {
            Value::Table(sub) if !leaf(sub) => flatten(sub, prefix, leaf, out),
            other => out.push((prefix.clone(), other.clone())),
        }
        prefix.pop();
    }
}

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
    offsets: &'a BTreeMap<Vec<String>, usize>,
}

impl Ctx<'_> {
    /// An input error at the key with these segments (line/column of the key, or of the nearest
    /// enclosing key that exists).
    fn err(&self, segments: &[String], message: impl Into<String>) -> Error {
        let mut line_col_at = None;
        for n in (1..=segments.len()).rev() {
            if let Some(&o) = self.offsets.get(&segments[..n]) {
                line_col_at = Some(line_col(self.text, o));
                break;
            }
        }
        Error::Input {
            location: Location {
                file: Some(self.file.to_path_buf()),
                key: (!segments.is_empty()).then(|| show_path(segments)),
                line_col: line_col_at,
            },
            message: message.into(),
        }
    }

    fn order(&self, segments: &[String]) -> usize {
        self.offsets.get(segments).copied().unwrap_or(usize::MAX)
    }
}

fn seg(parts: &[&str]) -> Vec<String> {
    parts.iter().map(std::string::ToString::to_string).collect()
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// Find the base scenario: a path relative to the sweep file's directory, else as
/// [`scenario::find`] does (a path from the current directory, or a bundled scenario name).
fn find_base(spec: &str, sweep_file: &Path) -> Result<ScenarioSource> {
    let p = Path::new(spec);
    if p.is_relative()
        && let Some(dir) = sweep_file.parent().filter(|d| !d.as_os_str().is_empty())
    {
        let candidate = dir.join(p);
        if candidate.is_file() {
            return scenario::find(&candidate.to_string_lossy());
        }
    }
    scenario::find(spec)
}

/// Refuse a top-level key a sweep file does not have, with a "did you mean".
fn check_top_keys(ctx: &Ctx<'_>, table: &Table) -> Result<()> {
    for k in table.keys() {
        if !TOP_KEYS.contains(&k.as_str()) {
            let mut msg = format!("unknown key `{k}`");
            if let Some(s) = did_you_mean(k, TOP_KEYS.iter().copied()) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            msg.push_str(&format!(
                "; allowed at the top of a sweep file: {}",
                TOP_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ));
            return Err(ctx.err(&seg(&[k]), msg));
        }
    }
    Ok(())
}

/// `base`: the spec as written, its source, the scenario resolved without overrides (with the
/// caller's `options`) and its parsed table.
fn read_base(ctx: &Ctx<'_>, table: &Table, options: LoadOptions) -> Result<(String, ScenarioSource, Scenario, Table)> {
    let base_spec = match table.get("base") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(ctx.err(&seg(&["base"]), "must not be empty: a bundled scenario name or a path to a scenario file")),
        Some(v) => return Err(ctx.err(&seg(&["base"]), format!("expected a string, found {}", type_name(v)))),
        None => {
            return Err(ctx.err(
                &[],
                "missing required key `base`: the scenario to sweep, a bundled name (see `ketasim list`) or a path to a .toml scenario file, e.g. base = \"iv-infusion\"",
            ));
        }
    };
    let base = find_base(&base_spec, ctx.file).map_err(|e| {
        let (inner, message) = match e {
            Error::Input { location, message } => (location.to_string(), message),
            other => (String::new(), other.to_string()),
        };
        let inner = if inner.is_empty() { String::new() } else { format!("{inner}: ") };
        ctx.err(&seg(&["base"]), format!("base scenario `{base_spec}` not found: {inner}{message}"))
    })?;
    let base_scenario = scenario::from_source_with(&base, &[], None, options).map_err(|e| {
        ctx.err(&seg(&["base"]), format!("the base scenario `{base_spec}` is not valid: {e}"))
    })?;
    let base_table: Table = base.text.parse().map_err(|e| Error::internal(format!("base scenario: {e}")))?;
    Ok((base_spec, base, base_scenario, base_table))
}

/// `description`: free text, empty if absent.
fn read_description(ctx: &Ctx<'_>, table: &Table) -> Result<String> {
    match table.get("description") {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(v) => Err(ctx.err(&seg(&["description"]), format!("expected a string, found {}", type_name(v)))),
    }
}

/// `replicates`: runs per point, 1 to [`MAX_REPLICATES`] (default 1).
fn read_replicates(ctx: &Ctx<'_>, table: &Table) -> Result<u64> {
    match table.get("replicates") {
        None => Ok(1),
        Some(Value::Integer(i)) if (1..=MAX_REPLICATES as i64).contains(i) => Ok(*i as u64),
        Some(Value::Integer(i)) => {
            Err(ctx.err(&seg(&["replicates"]), format!("value {i} is out of range; allowed: 1 to {MAX_REPLICATES} (runs per point)")))
        }
        Some(v) => Err(ctx.err(&seg(&["replicates"]), format!("expected an integer (runs per point), found {}", type_name(v)))),
    }
}

/// `seed`: the sweep seed, a non-negative integer (default 0).
fn read_seed(ctx: &Ctx<'_>, table: &Table) -> Result<u64> {
    match table.get("seed") {
        None => Ok(0),
        Some(Value::Integer(i)) if *i >= 0 => Ok(*i as u64),
        Some(Value::Integer(i)) => Err(ctx.err(&seg(&["seed"]), format!("must be a non-negative integer, found {i}"))),
        Some(v) => Err(ctx.err(&seg(&["seed"]), format!("expected an integer, found {}", type_name(v)))),
    }
}

/// `seeds`: whether run seeds depend on the replicate only. Common random numbers:
/// `seeds = "by_replicate"` gives replicate r the same seed (the same virtual subject) at every
/// point; the default `by_point` draws a new subject per run.
fn read_seeds(ctx: &Ctx<'_>, table: &Table) -> Result<bool> {
    match table.get("seeds") {
        None => Ok(false),
        Some(Value::String(s)) if s == "by_point" => Ok(false),
        Some(Value::String(s)) if s == "by_replicate" => Ok(true),
        Some(Value::String(s)) => {
            Err(ctx.err(&seg(&["seeds"]), format!("unknown value \"{s}\"; allowed: \"by_point\" (default: a new subject for every run), \"by_replicate\" (common random numbers: replicate r is the same subject at every point)")))
        }
        Some(v) => Err(ctx.err(&seg(&["seeds"]), format!("expected a string, \"by_point\" or \"by_replicate\", found {}", type_name(v)))),
    }
}

/// The table of section `name` (`[set]`, `[grid]`, `[sample]`), if present.
fn section_table<'t>(ctx: &Ctx<'_>, table: &'t Table, name: &str) -> Result<Option<&'t Table>> {
    match table.get(name) {
        None => Ok(None),
        Some(Value::Table(t)) => Ok(Some(t)),
        Some(v) => Err(ctx.err(&seg(&[name]), format!("expected a table [{name}], found {}", type_name(v)))),
    }
}

/// The keys declared so far in `[set]`, `[grid]` and `[sample]`: each may be given once.
#[derive(Default)]
struct Claims {
    /// (section, segments) of every key, to point errors at the file.
    origins: BTreeMap<String, (Section, Vec<String>)>,
}

impl Claims {
    /// Claim the scenario key at `segments` (section name first) for `section`: its dotted key,
    /// or an error if it is empty, the seed, or already claimed.
    fn claim(&mut self, ctx: &Ctx<'_>, section: Section, segments: &[String]) -> Result<String> {
        let key = segments[1..].join(".");
        if segments[1..].iter().any(|s| s.trim().is_empty()) || key.split('.').any(|s| s.trim().is_empty()) {
            return Err(ctx.err(segments, format!("empty part in the key path `{key}`")));
        }
        if key == "seed" {
            return Err(ctx.err(
                segments,
                "the run seeds derive from the sweep's own `seed`, the point and the replicate; use `replicates` for more seeds per point and the top-level `seed` to change them all",
            ));
        }
        if let Some((other, _)) = self.origins.get(&key) {
            return Err(ctx.err(
                segments,
                format!("`{key}` is given more than once (also in [{}]); give each key once", other.name()),
            ));
        }
        self.origins.insert(key.clone(), (section, segments.to_vec()));
        Ok(key)
    }
}

/// The leaves of section `name`, in file order.
fn section_leaves(ctx: &Ctx<'_>, t: &Table, name: &str, leaf: &dyn Fn(&Table) -> bool) -> Vec<(Vec<String>, Value)> {
    let mut leaves = Vec::new();
    flatten(t, &mut vec![name.to_string()], leaf, &mut leaves);
    leaves.sort_by_key(|(s, _)| ctx.order(s));
    leaves
}

/// `[set]`: fixed overrides for every point, in file order.
fn read_set(ctx: &Ctx<'_>, table: &Table, claims: &mut Claims) -> Result<Vec<(String, Value)>> {
    let mut set = Vec::new();
    if let Some(t) = section_table(ctx, table, "set")? {
        for (segments, v) in section_leaves(ctx, t, "set", &|_| false) {
            let key = claims.claim(ctx, Section::Set, &segments)?;
            set.push((key, v));
        }
    }
    Ok(set)
}

/// `[grid]`: each key with its non-empty list of values, in file order.
fn read_grid(ctx: &Ctx<'_>, table: &Table, claims: &mut Claims) -> Result<Vec<(String, Vec<Value>)>> {
    let mut grid = Vec::new();
    if let Some(t) = section_table(ctx, table, "grid")? {
        for (segments, v) in section_leaves(ctx, t, "grid", &|_| false) {
            let key = claims.claim(ctx, Section::Grid, &segments)?;
            match v {
                Value::Array(items) if items.is_empty() => {
                    return Err(ctx.err(&segments, format!("the list of values for `{key}` is empty; give at least one value")));
                }
                Value::Array(items) => grid.push((key, items)),
                other => {
                    return Err(ctx.err(
                        &segments,
                        format!(
                            "expected a list of values, e.g. \"{key}\" = [{}], found {}; a value for every point goes in [set]",
                            toml_text(&other),
                            type_name(&other)
                        ),
                    ));
                }
            }
        }
    }
    Ok(grid)
}

/// `[sample]`: the method, the number of points and the sampled ranges.
fn read_sample(ctx: &Ctx<'_>, table: &Table, claims: &mut Claims) -> Result<Option<Sample>> {
    let Some(t) = section_table(ctx, table, "sample")? else { return Ok(None) };
    let sec = |k: &str| seg(&["sample", k]);
    let method = match t.get("method") {
        None => Method::LatinHypercube,
        Some(Value::String(s)) if s == "latin_hypercube" => Method::LatinHypercube,
        Some(Value::String(s)) if s == "random" => Method::Random,
        Some(Value::String(s)) => {
            return Err(ctx.err(&sec("method"), format!("unknown value \"{s}\"; allowed: \"latin_hypercube\", \"random\"")));
        }
        Some(v) => return Err(ctx.err(&sec("method"), format!("expected a string, found {}", type_name(v)))),
    };
    let points = match t.get("points") {
        Some(Value::Integer(i)) if (1..=MAX_POINTS as i64).contains(i) => *i as u64,
        Some(Value::Integer(i)) => {
            return Err(ctx.err(&sec("points"), format!("value {i} is out of range; allowed: 1 to {MAX_POINTS}")));
        }
        Some(v) => return Err(ctx.err(&sec("points"), format!("expected an integer, found {}", type_name(v)))),
        None => return Err(ctx.err(&seg(&["sample"]), "missing required key `points`: how many points to draw, e.g. points = 50")),
    };
    let mut rest = t.clone();
    rest.remove("method");
    rest.remove("points");
    let is_range = |t: &Table| t.contains_key("min") || t.contains_key("max") || t.contains_key("scale");
    let mut dims = Vec::new();
    for (segments, v) in section_leaves(ctx, &rest, "sample", &is_range) {
        let key = claims.claim(ctx, Section::Sample, &segments)?;
        dims.push(read_dim(ctx, key, &segments, &v)?);
    }
    if dims.is_empty() {
        return Err(ctx.err(
            &seg(&["sample"]),
            "[sample] has no keys to sample: add a range, e.g. \"parameters.ke0_per_h\" = { min = 5.0, max = 40.0, scale = \"log\" }",
        ));
    }
    Ok(Some(Sample { method, points, dims }))
}

/// One sampled key's range (`{ min, max, scale, integer }`) at `segments`.
fn read_dim(ctx: &Ctx<'_>, key: String, segments: &[String], v: &Value) -> Result<Dim> {
    let Value::Table(r) = v else {
        return Err(ctx.err(
            segments,
            format!("expected a range, e.g. \"{key}\" = {{ min = 0.5, max = 2.0, scale = \"log\" }}, found {}", type_name(v)),
        ));
    };
    let at = |name: &str| -> Vec<String> {
        let mut at = segments.to_vec();
        at.push(name.to_string());
        at
    };
    for k in r.keys() {
        if !DIM_KEYS.contains(&k.as_str()) {
            let mut msg = format!("unknown key `{k}` in the range of `{key}`");
            if let Some(s) = did_you_mean(k, DIM_KEYS.iter().copied()) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            msg.push_str("; allowed: `min`, `max`, `scale` (\"linear\" or \"log\"), `integer` (true or false)");
            return Err(ctx.err(&at(k), msg));
        }
    }
    let bound = |name: &str| -> Result<f64> {
        match r.get(name) {
            None => Err(ctx.err(segments, format!("the range of `{key}` needs `{name}`"))),
            Some(v) => match number(v) {
                Some(x) if x.is_finite() => Ok(x),
                Some(x) => Err(ctx.err(&at(name), format!("must be a finite number, found {x}"))),
                None => Err(ctx.err(&at(name), format!("expected a number, found {}", type_name(v)))),
            },
        }
    };
    let (min, max) = (bound("min")?, bound("max")?);
    if min >= max {
        return Err(ctx.err(&at("min"), format!("min ({min}) must be less than max ({max}) for `{key}`")));
    }
    let log = match r.get("scale") {
        None => false,
        Some(Value::String(s)) if s == "linear" => false,
        Some(Value::String(s)) if s == "log" => true,
        Some(v) => {
            return Err(ctx.err(&at("scale"), format!("unknown value {}; allowed: \"linear\", \"log\"", toml_text(v))));
        }
    };
    if log && min <= 0.0 {
        return Err(ctx.err(&at("min"), format!("scale = \"log\" needs min > 0, found {min}")));
    }
    let integer = match r.get("integer") {
        None => false,
        Some(Value::Boolean(b)) => *b,
        Some(v) => {
            return Err(ctx.err(&at("integer"), format!("expected true or false, found {}", type_name(v))));
        }
    };
    Ok(Dim { key, min, max, log, integer })
}

/// The number of points (grid × sample), checked against [`MAX_POINTS`], and of runs against
/// [`MAX_RUNS`].
fn check_sizes(ctx: &Ctx<'_>, grid: &[(String, Vec<Value>)], sample: Option<&Sample>, replicates: u64) -> Result<u64> {
    let mut grid_points: u64 = 1;
    for (_, values) in grid {
        grid_points = grid_points.saturating_mul(values.len() as u64);
    }
    let n_points = grid_points.saturating_mul(sample.map_or(1, |s| s.points));
    if n_points > MAX_POINTS {
        return Err(ctx.err(&seg(&["grid"]), format!("{n_points} points (grid × sample) is more than the supported {MAX_POINTS}")));
    }
    let n_runs = n_points.saturating_mul(replicates);
    if n_runs > MAX_RUNS {
        return Err(ctx.err(
            &seg(&["replicates"]),
            format!("{n_points} points × {replicates} replicates = {n_runs} runs is more than the supported {MAX_RUNS}"),
        ));
    }
    Ok(n_points)
}

impl Sweep {
    /// Load and check a sweep file, resolving every point's scenario (default [`LoadOptions`]).
    pub fn load(file: &Path) -> Result<Sweep> {
        Self::load_with(file, LoadOptions::default())
    }

    /// [`Sweep::load`] with explicit [`LoadOptions`] for every point's scenario.
    pub fn load_with(file: &Path, options: LoadOptions) -> Result<Sweep> {
        if file.is_dir() {
            return Err(file_err(file, "is a directory, not a sweep file (.toml)"));
        }
        let text = std::fs::read_to_string(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                file_err(file, "no such sweep file")
            } else {
                file_err(file, format!("cannot read the sweep file: {e}"))
            }
        })?;
        Self::from_text_with(file, text, options)
    }

    /// Check a sweep given its text (`file` names it in messages and anchors a relative `base`).
    pub fn from_text(file: &Path, text: String) -> Result<Sweep> {
        Self::from_text_with(file, text, LoadOptions::default())
    }

    /// [`Sweep::from_text`] with explicit [`LoadOptions`].
    pub fn from_text_with(file: &Path, text: String, options: LoadOptions) -> Result<Sweep> {
        let table = parse_toml(&text, file)?;
        Self::from_table_with(file, text, &table, options)
    }

    /// Check a sweep given its text and the parsed sweep keys of it (`table`, a subset of the
    /// text's top-level keys: another file format may carry a sweep's keys among its own, as
    /// `ketasim sensitivity` does). Errors point at the keys' places in `text`.
    pub fn from_table(file: &Path, text: String, table: &Table) -> Result<Sweep> {
        Self::from_table_with(file, text, table, LoadOptions::default())
    }

    /// [`Sweep::from_table`] with explicit [`LoadOptions`].
    pub fn from_table_with(file: &Path, text: String, table: &Table, options: LoadOptions) -> Result<Sweep> {
        let offsets = key_offsets(&text);
        let ctx = Ctx { file, text: &text, offsets: &offsets };

        check_top_keys(&ctx, table)?;
        let (base_spec, base, base_scenario, base_table) = read_base(&ctx, table, options)?;
        let description = read_description(&ctx, table)?;
        let replicates = read_replicates(&ctx, table)?;
        let seed = read_seed(&ctx, table)?;
        let seeds_by_replicate = read_seeds(&ctx, table)?;

        let mut claims = Claims::default();
        let set = read_set(&ctx, table, &mut claims)?;
        let grid = read_grid(&ctx, table, &mut claims)?;
        let sample = read_sample(&ctx, table, &mut claims)?;
        let n_points = check_sizes(&ctx, &grid, sample.as_ref(), replicates)?;

        let sample_values = sample.as_ref().map(|s| draw_sample(s, seed)).unwrap_or_default();
        let mut fingerprint = fingerprint(&base.text, replicates, seed, &set, &grid, sample.as_ref());
        if seeds_by_replicate {
            fingerprint.push_str("-by-replicate");
        }
        let sweep = Sweep {
            file: file.to_path_buf(),
            base_spec,
            base,
            base_scenario,
            base_table,
            description,
            replicates,
            seed,
            seeds_by_replicate,
            set,
            grid,
            sample,
            sample_values,
            options,
            n_points,
            fingerprint,
            text: text.clone(),
            offsets: offsets.clone(),
            origins: claims.origins,
        };
        // Every point must give a valid scenario.
        for p in 0..sweep.n_points {
            sweep.scenario(p)?;
        }
        Ok(sweep)
    }

    /// This sweep (without a grid or sample of its own) over points given by the caller: `dims`
    /// name the keys (their ranges are recorded in sweep.json), `values[p]` holds point `p`'s value
    /// of each. `tag` names what made the design (e.g. a hash of a sensitivity spec); it and every
    /// value enter the fingerprint. Every point's scenario is checked.
    pub fn with_design(mut self, dims: Vec<Dim>, values: Vec<Vec<Value>>, tag: &str) -> Result<Sweep> {
        if !self.grid.is_empty() || self.sample.is_some() {
            return Err(Error::internal("with_design: the sweep already has a grid or a sample"));
        }
        if values.is_empty() || values.len() as u64 > MAX_POINTS || values.iter().any(|v| v.len() != dims.len()) {
            return Err(Error::internal(format!("with_design: {} points of {} keys", values.len(), dims.len())));
        }
        let sample = Sample { method: Method::Design, points: values.len() as u64, dims };
        let mut fp = fingerprint(&self.base.text, self.replicates, self.seed, &self.set, &[], Some(&sample));
        let mut canon = format!("{fp}\ndesign {tag}\n");
        for v in &values {
            canon.push_str(&Value::Array(v.clone()).to_string());
            canon.push('\n');
        }
        fp = format!("{:016x}{:016x}", hash_str(&canon), hash_str(&format!("{canon}\u{1}")));
        if self.seeds_by_replicate {
            fp.push_str("-by-replicate");
        }
        self.n_points = sample.points;
        self.sample = Some(sample);
        self.sample_values = values;
        self.fingerprint = fp;
        for p in 0..self.n_points {
            self.scenario(p)?;
        }
        Ok(self)
    }

    /// The swept keys: grid keys (file order), then sample keys (file order). These are the
    /// columns between `seed` and the single-run columns in summary.csv.
    pub fn keys(&self) -> Vec<String> {
        self.grid.iter().map(|(k, _)| k.clone()).chain(self.sample.iter().flat_map(|s| s.dims.iter().map(|d| d.key.clone()))).collect()
    }

    /// Number of runs: points × replicates.
    pub fn n_runs(&self) -> u64 {
        self.n_points * self.replicates
    }

    /// (point, replicate) of run `i`.
    pub fn point_replicate(&self, i: u64) -> (u64, u64) {
        (i / self.replicates, i % self.replicates)
    }

    /// The seed of run `i`.
    pub fn seed_of(&self, i: u64) -> u64 {
        let (p, r) = self.point_replicate(i);
        if self.seeds_by_replicate { run_seed(self.seed, 0, r) } else { run_seed(self.seed, p, r) }
    }

    /// The id (directory name) of run `i`: `p<point>-r<replicate>`, zero-padded to a width fixed
    /// by the sweep's size, so that ids sort in run order.
    pub fn run_id(&self, i: u64) -> String {
        let (p, r) = self.point_replicate(i);
        let digits = |n: u64| n.max(1).ilog10() as usize + 1;
        let wp = digits(self.n_points.saturating_sub(1)).max(3);
        let wr = digits(self.replicates.saturating_sub(1)).max(2);
        format!("p{p:0wp$}-r{r:0wr$}")
    }

    /// The values of the swept keys at point `p`, in [`Sweep::keys`] order.
    pub fn point_values(&self, p: u64) -> Vec<Value> {
        let s_count = if self.sample.is_some() { self.sample_values.len() as u64 } else { 1 };
        let (mut g, s) = (p / s_count, p % s_count);
        let mut out = vec![Value::Boolean(false); self.grid.len()];
        for (j, (_, values)) in self.grid.iter().enumerate().rev() {
            let n = values.len() as u64;
            out[j] = values[(g % n) as usize].clone();
            g /= n;
        }
        if self.sample.is_some() {
            out.extend(self.sample_values[s as usize].iter().cloned());
        }
        out
    }

    /// Every override of point `p` as (key, value): `[set]`, then the swept keys; applied in order
    /// of path depth (stable), so a whole table (e.g. `dose.0`) is replaced before a key inside it
    /// (e.g. `dose.0.mg_per_kg`) is changed.
    pub fn overrides(&self, p: u64) -> Vec<(String, Value)> {
        let mut all: Vec<(String, Value)> = self.set.clone();
        all.extend(self.keys().into_iter().zip(self.point_values(p)));
        all.sort_by_key(|(k, _)| k.split('.').count());
        all
    }

    /// The resolved scenario of point `p` (seed: the base scenario's; see [`Sweep::run_scenario`]).
    pub fn scenario(&self, p: u64) -> Result<Scenario> {
        let mut sc = self.resolve_with(&self.overrides(p)).map_err(|e| self.point_error(p, e))?;
        sc.source = self.base.origin.display().to_string();
        Ok(sc)
    }

    fn resolve_with(&self, overrides: &[(String, Value)]) -> Result<Scenario> {
        let mut t = self.base_table.clone();
        for (k, v) in overrides {
            scenario::set_path(&mut t, k, v.clone())?;
        }
        scenario::resolve_with(&t, self.options)
    }

    /// The scenario of run `i`, with its seed.
    pub fn run_scenario(&self, i: u64) -> Result<Scenario> {
        let (p, _) = self.point_replicate(i);
        let mut sc = self.scenario(p)?;
        sc.seed = self.seed_of(i);
        // `[subject] draw = true`: each run draws its own subject from its own seed.
        sc.draw_subject()?;
        Ok(sc)
    }

    /// A scenario error at point `p`, located at the sweep key that most likely caused it.
    fn point_error(&self, p: u64, e: Error) -> Error {
        let Error::Input { location, message } = e else { return e };
        let keys = self.keys();
        let values = self.point_values(p);
        let assignments: Vec<String> = keys.iter().zip(&values).map(|(k, v)| format!("{k} = {}", toml_text(v))).collect();
        let err_key = location.key.clone().unwrap_or_default();
        let err_parts: Vec<&str> = err_key.split('.').collect();
        // The declared key sharing the longest leading path with the failing key.
        let mut best: Option<(usize, &String)> = None;
        for k in self.origins.keys() {
            let common = k.split('.').zip(&err_parts).take_while(|(a, b)| a == *b).count();
            if common > 0 && best.is_none_or(|(c, _)| common > c) {
                best = Some((common, k));
            }
        }
        // Prefer file order among equally good keys.
        if let Some((c, _)) = best {
            let mut ties: Vec<&String> = self
                .origins
                .keys()
                .filter(|k| k.split('.').zip(&err_parts).take_while(|(a, b)| a == *b).count() == c)
                .collect();
            ties.sort_by_key(|k| self.offsets.get(&self.origins[*k].1).copied().unwrap_or(usize::MAX));
            // Among several, the culprit is the key without whose override this error goes away
            // (e.g. `dose.0.route = "oral"` rather than `dose.0.mg_per_kg` for an over_min error).
            let overrides = self.overrides(p);
            let culprit = ties.iter().find(|k| {
                let without: Vec<(String, Value)> = overrides.iter().filter(|(o, _)| o != **k).cloned().collect();
                match self.resolve_with(&without) {
                    Ok(_) => true,
                    Err(Error::Input { location, .. }) => location.key.as_deref() != Some(err_key.as_str()),
                    Err(_) => false,
                }
            });
            best = culprit.or(ties.first()).map(|k| (c, *k));
        }
        let what = if err_key.is_empty() { message } else { format!("key `{err_key}`: {message}") };
        let exact = best.is_some_and(|(_, k)| *k == err_key || err_key.starts_with(&format!("{k}.")));
        let hint = if exact || err_key.is_empty() {
            String::new()
        } else {
            "; keys that depend on each other (e.g. a dose's route and its over_min) must be swept together: sweep whole doses with \"dose.0\" = [{ ... }, { ... }] (see docs/sweep.md)".to_string()
        };
        let point = if assignments.is_empty() { format!("point {p}") } else { format!("point {p} ({})", assignments.join(", ")) };
        let msg = format!("{point} does not give a valid scenario: {what}{hint}");
        match best {
            Some((_, k)) => {
                let (_, segments) = &self.origins[k];
                let ctx = Ctx { file: &self.file, text: &self.text, offsets: &self.offsets };
                ctx.err(segments, msg)
            }
            None => file_err(&self.file, msg),
        }
    }

    /// The sweep as JSON (for sweep.json): everything the results depend on.
    pub fn to_json(&self) -> serde_json::Value {
        let tv = |v: &Value| serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
        let sample = self.sample.as_ref().map(|s| {
            serde_json::json!({
                "method": s.method.name(),
                "points": s.points,
                "ranges": s.dims.iter().map(|d| serde_json::json!({
                    "key": d.key, "min": d.min, "max": d.max,
                    "scale": if d.log { "log" } else { "linear" }, "integer": d.integer,
                })).collect::<Vec<_>>(),
            })
        });
        let keys = self.keys();
        let points = (self.n_points <= 10_000).then(|| {
            (0..self.n_points)
                .map(|p| {
                    let values: serde_json::Map<String, serde_json::Value> =
                        keys.iter().cloned().zip(self.point_values(p).iter().map(tv)).collect();
                    serde_json::json!({ "point": p, "values": values })
                })
                .collect::<Vec<_>>()
        });
        serde_json::json!({
            "sweep_file": self.file.display().to_string(),
            "description": self.description,
            "base": self.base_spec,
            "base_source": self.base.origin.display().to_string(),
            "base_scenario": self.base_scenario,
            "replicates": self.replicates,
            "seed": self.seed,
            "seeds": if self.seeds_by_replicate { "by_replicate" } else { "by_point" },
            "seed_derivation": "run seed = mix64(mix64(mix64(seed ^ 0x6B65746173777031) ^ point) ^ mix64(replicate)), mix64 = SplitMix64 finaliser (docs/sweep.md)",
            "set": self.set.iter().map(|(k, v)| (k.clone(), tv(v))).collect::<serde_json::Map<_, _>>(),
            "grid": self.grid.iter().map(|(k, vs)| serde_json::json!({"key": k, "values": vs.iter().map(tv).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "sample": sample,
            "keys": keys,
            "points_total": self.n_points,
            "runs_total": self.n_runs(),
            "points": points,
            "fingerprint": self.fingerprint,
        })
    }
}

/// Draw the sample's points: per dimension, a Latin hypercube (one point in each of `points`
/// equal strata, strata shuffled) or independent uniform draws, on the linear or log scale.
/// Deterministic in (sweep seed, key name, point).
fn draw_sample(s: &Sample, seed: u64) -> Vec<Vec<Value>> {
    let n = s.points as usize;
    let mut out = vec![Vec::with_capacity(s.dims.len()); n];
    for d in &s.dims {
        let key = mix64(mix64(seed ^ SAMPLE_DOMAIN) ^ hash_str(&d.key));
        let jitter = mix64(key ^ 1);
        let us: Vec<f64> = match s.method {
            Method::Random => (0..n as u64).map(|i| crate::rng::uniform(key, i)).collect(),
            // Given points are never drawn (`Sweep::with_design` sets them).
            Method::Design => return out,
            Method::LatinHypercube => {
                let mut strata: Vec<u64> = (0..n as u64).collect();
                // Fisher–Yates with counter-based draws.
                for i in (1..n).rev() {
                    let j = (crate::rng::uniform(key, i as u64) * (i + 1) as f64) as usize;
                    strata.swap(i, j.min(i));
                }
                strata.iter().enumerate().map(|(i, &k)| (k as f64 + crate::rng::uniform(jitter, i as u64)) / n as f64).collect()
            }
        };
        for (i, u) in us.into_iter().enumerate() {
            let x = if d.log { crate::math::exp(crate::math::ln(d.min) + u * (crate::math::ln(d.max) - crate::math::ln(d.min))) } else { d.min + u * (d.max - d.min) };
            let x = x.clamp(d.min, d.max);
            out[i].push(if d.integer { Value::Integer(x.round() as i64) } else { Value::Float(x) });
        }
    }
    out
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a, then mixed.
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    mix64(h)
}

fn fingerprint(
    base_text: &str,
    replicates: u64,
    seed: u64,
    set: &[(String, Value)],
    grid: &[(String, Vec<Value>)],
    sample: Option<&Sample>,
) -> String {
    let mut canon = format!("ketasim {}\nreplicates {replicates}\nseed {seed}\n", env!("CARGO_PKG_VERSION"));
    for (k, v) in set {
        canon.push_str(&format!("set {k} = {}\n", toml_text(v)));
    }
    for (k, vs) in grid {
        canon.push_str(&format!("grid {k} = {}\n", toml_text(&Value::Array(vs.clone()))));
    }
    if let Some(s) = sample {
        canon.push_str(&format!("sample {} {}\n", s.method.name(), s.points));
        for d in &s.dims {
            canon.push_str(&format!("range {} {:?} {:?} {} {}\n", d.key, d.min, d.max, d.log, d.integer));
        }
    }
    canon.push_str("base\n");
    canon.push_str(base_text);
    let a = hash_str(&canon);
    let b = hash_str(&format!("{canon}\u{1}{a}"));
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn sweep(text: &str) -> Result<Sweep> {
        Sweep::from_text(Path::new("t.toml"), text.to_string())
    }

    const SMALL: &str = "base = \"iv-infusion\"\nreplicates = 2\nseed = 7\n[set]\nduration_h = 2.0\n\"circuit.pyramidal_neurons\" = 10\n";

    #[test]
    fn grid_order_is_file_order_last_fastest() {
        let s = sweep(&format!("{SMALL}[grid]\n\"dose.0.mg_per_kg\" = [0.1, 0.2]\n\"circuit.interneurons\" = [5, 6, 7]\n")).unwrap();
        assert_eq!(s.keys(), vec!["dose.0.mg_per_kg", "circuit.interneurons"]);
        assert_eq!(s.n_points, 6);
        assert_eq!(s.point_values(1), vec![Value::Float(0.1), Value::Integer(6)]);
        assert_eq!(s.point_values(3), vec![Value::Float(0.2), Value::Integer(5)]);
        assert_eq!(s.run_id(11), "p005-r01");
        assert_eq!(s.run_scenario(11).unwrap().seed, run_seed(7, 5, 1));
    }

    #[test]
    fn seeds_are_distinct_and_fixed() {
        let mut seen = BTreeSet::new();
        for p in 0..100 {
            for r in 0..100 {
                assert!(seen.insert(run_seed(7, p, r)));
            }
        }
        // The documented formula.
        assert_eq!(run_seed(7, 3, 2), mix64(mix64(mix64(7 ^ 0x6B65_7461_7377_7031) ^ 3) ^ mix64(2)));
    }

    #[test]
    fn latin_hypercube_fills_every_stratum() {
        let s = sweep(&format!(
            "{SMALL}[sample]\nmethod = \"latin_hypercube\"\npoints = 20\n\"parameters.ke0_per_h\" = {{ min = 5.0, max = 40.0, scale = \"log\" }}\n"
        ))
        .unwrap();
        let mut strata: Vec<usize> = (0..20)
            .map(|p| {
                let x = s.point_values(p)[0].as_float().unwrap();
                ((crate::math::ln(x) - crate::math::ln(5.0)) / (crate::math::ln(40.0) - crate::math::ln(5.0)) * 20.0) as usize
            })
            .collect();
        strata.sort();
        assert_eq!(strata, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn nested_keys_equal_quoted_keys() {
        let a = sweep(&format!("{SMALL}[grid]\n\"dose.0.mg_per_kg\" = [0.1, 0.2]\n")).unwrap();
        let b = sweep(&format!("{SMALL}[grid]\ndose.0.mg_per_kg = [0.1, 0.2]\n")).unwrap();
        assert_eq!(a.keys(), b.keys());
        assert_eq!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn bad_point_names_point_and_key() {
        let e = sweep(&format!("{SMALL}[grid]\n\"dose.0.route\" = [\"iv_infusion\", \"oral\"]\n")).unwrap_err().to_string();
        assert!(e.contains("t.toml") && e.contains("point 1") && e.contains("dose.0.route") && e.contains("over_min"), "{e}");
    }
}
