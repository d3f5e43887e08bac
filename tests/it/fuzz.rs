//! Bounded fuzzing of everything a user types: scenario files, `--set` values and sweep files.
//!
//! Property: any input ends in `Ok` or in `Error::Input` (exit code 2) with a non-empty message;
//! never a panic, a hang or an abort. For accepted scenarios, a short simulation (at most 1 h of
//! simulated time and 1,500 steps, a tiny circuit) must run to the end without a panic and without
//! a numerical-guard failure.
//!
//! Inputs: arbitrary bytes; mutations of the bundled scenario texts (lines deleted, duplicated,
//! swapped, replaced, inserted; values replaced by huge, negative, NaN-looking or malformed
//! numbers, strings, arrays, tables; the text truncated); random `--set` strings; mutations of
//! the sweep files in `sweeps/`. The library is driven directly (`scenario::from_source`,
//! `scenario::apply_set`, `batch::Sweep::from_text`), and a sample through the binary.
//!
//! The corpus of interesting inputs lives in `tests/fuzz-corpus/` and is replayed by
//! `corpus_replays`: `ok-*.toml` must be accepted (and run), `bad-*.toml` must be refused with exit
//! code 2, `any-*.toml` may go either way; `*.set` files hold one `--set` string per line, applied
//! to the bundled `baseline`. Add a file there for every bug the fuzzer finds.
//!
//! Case counts are small so that the whole file runs in well under 30 s in CI
//! (`cargo test --release --test fuzz`); for a long run set PROPTEST_CASES, e.g.
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz` (see docs/errors.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ketasim::batch::Sweep;
use ketasim::error::Error;
use ketasim::params::PARAMETERS;
use ketasim::scenario::{self, Scenario, ScenarioSource, bundled::BUNDLED};
use ketasim::sim::Simulation;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

use crate::util::BIN;
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Cases per property: PROPTEST_CASES if set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn config(default: u32) -> Config {
    // No regression files: the interesting inputs are kept as files in tests/fuzz-corpus/.
    Config { cases: cases(default), failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------------------------------------
// watchdog: a hang is a failure too

/// The input each test thread is working on, and since when.
static CURRENT: Mutex<BTreeMap<String, (Instant, String)>> = Mutex::new(BTreeMap::new());
const HANG_AFTER: Duration = Duration::from_secs(30);

/// Run `f` on one input; if any input takes longer than HANG_AFTER, print it and abort.
fn watched<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> T {
    static WATCHDOG: std::sync::Once = std::sync::Once::new();
    WATCHDOG.call_once(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let current = CURRENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some((thread, (_, input))) = current.iter().find(|(_, (t, _))| t.elapsed() > HANG_AFTER) {
                    eprintln!("HANG: test thread {thread} spent more than {HANG_AFTER:?} on one input:\n{input}");
                    std::process::abort();
                }
            }
        });
    });
    /// Forgets this thread's input when the work ends, by return or by panic (a failing case).
    struct Done(String);
    impl Drop for Done {
        fn drop(&mut self) {
            CURRENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.0);
        }
    }
    let me = format!("{:?}", std::thread::current().id());
    CURRENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(me.clone(), (Instant::now(), what()));
    let _done = Done(me);
    f()
}

// ---------------------------------------------------------------------------------------------
// the properties

/// The outcome of loading a scenario: accepted, or refused as bad input with a message.
fn load(text: &str, sets: &[String]) -> Result<Scenario, String> {
    let src = ScenarioSource { text: text.to_string(), origin: PathBuf::from("fuzz.toml") };
    match scenario::from_source(&src, sets, None) {
        Ok(sc) => Ok(sc),
        Err(e @ Error::Input { .. }) => {
            let msg = e.to_string();
            assert!(!msg.trim().is_empty(), "empty message for input:\n{text}\nsets: {sets:?}");
            assert_eq!(e.exit_code(), 2);
            Err(msg)
        }
        Err(e) => panic!("not an input error ({e}) for input:\n{text}\nsets: {sets:?}"),
    }
}

/// Run an accepted scenario briefly: ≤ 1 h, ≤ 1,500 steps, a tiny circuit. Must finish, and every
/// trace value must be finite and non-negative.
fn short_run(sc: Scenario, what: &str) {
    run_clamped(sc, 1.0, what);
}

/// Run `sc` for at most `max_h` and 1,500 steps on a tiny circuit (see [`short_run`]).
fn run_clamped(mut sc: Scenario, max_h: f64, what: &str) {
    sc.duration_h = sc.duration_h.min(max_h);
    let max_steps = 1500.0;
    if sc.duration_h * 3600.0 / sc.numerics.dt_s > max_steps {
        sc.duration_h = max_steps * sc.numerics.dt_s / 3600.0;
    }
    sc.circuit.pyramidal_neurons = sc.circuit.pyramidal_neurons.min(3);
    sc.circuit.interneurons = sc.circuit.interneurons.min(2);
    sc.circuit.spines_per_pyramidal = sc.circuit.spines_per_pyramidal.min(20);
    let sim = Simulation::new(&sc).unwrap_or_else(|e| panic!("Simulation::new failed: {e}\n{what}"));
    let run = sim.run(|_, _| {}).unwrap_or_else(|e| panic!("an accepted scenario failed to run: {e}\n{what}"));
    assert!(run.trace.len() >= 2, "{what}");
    for row in &run.trace {
        let v = serde_json::to_value(row).unwrap();
        for (k, x) in v.as_object().unwrap() {
            let f = x.as_f64().unwrap_or(f64::NAN);
            assert!(f.is_finite() && f >= 0.0, "`{k}` = {x} at t = {} h\n{what}", row.time_h);
        }
    }
}

/// Inputs accepted (and run) and refused so far, for the statistics printed by each property.
static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Load, and run briefly if accepted.
fn load_and_run(text: &str, sets: &[String]) {
    let what = || format!("scenario text:\n{text}\n--set: {sets:?}");
    watched(what, || {
        if let Ok(sc) = load(text, sets) {
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            short_run(sc, &what());
        } else {
            REFUSED.fetch_add(1, Ordering::Relaxed);
        }
    });
}

/// Print how many inputs were accepted and refused (all tests share the counters).
fn stats(test: &str, started: Instant) {
    eprintln!(
        "{test}: {:.2} s; inputs so far: {} accepted and run, {} refused",
        started.elapsed().as_secs_f64(),
        ACCEPTED.load(Ordering::Relaxed),
        REFUSED.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------------------------
// generators

/// Numbers a user or a script might write, valid TOML or not.
const WEIRD_NUMBERS: &[&str] = &[
    "0", "-0", "-0.0", "1", "-1", "0.5", "1e-9", "1e-320", "5e-324", "1e308", "1.7976931348623157e308", "1e309", "-1e309",
    "nan", "+nan", "-nan", "inf", "+inf", "-inf", "NaN", "Infinity", "1e", "1.", ".5", "--1", "1__0", "1_000",
    "0x10", "0o17", "0b101", "0xffffffffffffffff", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "4294967295", "4294967296", "18446744073709551615", "99999999999999999999999", "1e6", "1e7",
    "1440", "10080", "8760", "8760.000001", "300", "300.0001", "2", "1.9999", "1000", "100000", "1e100", "-1e-300",
];

const OTHER_VALUES: &[&str] = &[
    "\"\"", "\"ketamine\"", "\"esketamine\"", "\"iv_bolus\"", "\"iv_infusion\"", "\"oral\"", "\"intranasal\"",
    "\"sublingual\"", "\"healthy\"", "\"chronic_stress\"", "\"rapamycin\"", "\"nbqx\"", "\"x\"", "\"\\u0000\"",
    "\"é ü 中\"", "true", "false", "[]", "[1, 2]", "[[1], [2]]", "[\"a\", 1]", "{}", "{ a = 1 }", "{ mg = 1 }",
    "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "'literal'", "'''multi\nline'''", "\"\"\"a\nb\"\"\"", "",
    "=", "[", "{", "\"unterminated",
];

/// Keys that exist somewhere in a scenario, plus nonsense.
fn keys() -> Vec<String> {
    let mut k: Vec<String> = [
        "name", "description", "duration_h", "seed", "weight_kg", "state", "drug", "route", "mg_per_kg", "mg", "at_h",
        "over_min", "every_h", "times", "kind", "from_h", "to_h", "strength", "pyramidal_neurons", "interneurons",
        "spines_per_pyramidal", "dt_s", "sample_every_min", "disinhibition", "eef2k", "hnk", "sbp_mmhg", "madrs",
        "subject", "dose", "numerics", "circuit", "parameters", "mechanisms", "intervention", "monitoring", "x", "\"\"",
        "\"a.b\"", "a.b", "dose.0", "1", "-", "_", "é",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    k.extend(PARAMETERS.iter().map(|p| p.name.to_string()));
    k
}

const HEADERS: &[&str] = &[
    "[subject]", "[[dose]]", "[[intervention]]", "[circuit]", "[numerics]", "[parameters]", "[mechanisms]", "[monitoring]",
    "[dose]", "[[subject]]", "[subject.x]", "[[dose.x]]", "[ ]", "[[", "[a]]",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(WEIRD_NUMBERS).prop_map(str::to_string),
        2 => prop::sample::select(OTHER_VALUES).prop_map(str::to_string),
        2 => any::<f64>().prop_map(|f| format!("{f:?}")),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => (0.0f64..2000.0).prop_map(|f| format!("{f}")),
        1 => "[ -~]{0,12}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    let keys = keys();
    prop_oneof![
        6 => (prop::sample::select(keys), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        2 => prop::sample::select(HEADERS).prop_map(str::to_string),
        1 => "[ -~]{0,30}",
        1 => Just(String::new()),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    Replace(Index, String),
    Insert(Index, String),
    /// Replace the value of a `key = value` line.
    Value(Index, String),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::Delete),
        2 => any::<Index>().prop_map(Mutation::Duplicate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        2 => (any::<Index>(), line()).prop_map(|(i, l)| Mutation::Replace(i, l)),
        3 => (any::<Index>(), line()).prop_map(|(i, l)| Mutation::Insert(i, l)),
        6 => (any::<Index>(), value()).prop_map(|(i, v)| Mutation::Value(i, v)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in muts {
        let n = lines.len();
        match m {
            Mutation::Delete(i) if n > 0 => {
                lines.remove(i.index(n));
            }
            Mutation::Duplicate(i) if n > 0 => {
                let k = i.index(n);
                lines.insert(k, lines[k].clone());
            }
            Mutation::Swap(a, b) if n > 0 => lines.swap(a.index(n), b.index(n)),
            Mutation::Replace(i, l) if n > 0 => lines[i.index(n)] = l.clone(),
            Mutation::Insert(i, l) => lines.insert(i.index(n + 1), l.clone()),
            Mutation::Value(i, v) => {
                let assignments: Vec<usize> = (0..n).filter(|&k| lines[k].contains(" = ")).collect();
                if !assignments.is_empty() {
                    let k = assignments[i.index(assignments.len())];
                    let key = lines[k].split(" = ").next().unwrap_or("").to_string();
                    lines[k] = format!("{key} = {v}");
                }
            }
            Mutation::Truncate(i) => {
                let joined = lines.join("\n");
                let mut cut = i.index(joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(str::to_string).collect();
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// A `--set` string: mostly well-formed key paths with odd values, sometimes junk.
fn set_string() -> impl Strategy<Value = String> {
    let paths: Vec<String> = {
        let mut p: Vec<String> = [
            "name", "duration_h", "seed", "subject.weight_kg", "subject.state", "subject", "dose", "dose.0", "dose.0.mg_per_kg",
            "dose.0.mg", "dose.0.route", "dose.0.drug", "dose.0.at_h", "dose.0.over_min", "dose.0.every_h", "dose.0.times",
            "dose.1.mg", "dose.99999999999999999999.mg", "dose.-1.mg", "dose.x", "intervention.0.kind", "intervention.0",
            "circuit.pyramidal_neurons", "circuit.interneurons", "circuit.spines_per_pyramidal", "numerics.dt_s",
            "numerics.sample_every_min", "mechanisms.hnk", "parameters", "parameters.nope", "a..b", ".", "..", " ", "",
            "name.x", "duration_h.x", "subject.weight_kg.x", "dose.0.mg_per_kg.0", "a.b.c.d.e.f.g.h.i.j", "é.ü",
            "monitoring.observation_h",
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        p.extend(PARAMETERS.iter().map(|i| format!("parameters.{}", i.name)));
        p
    };
    prop_oneof![
        6 => (prop::sample::select(paths), value()).prop_map(|(k, v)| format!("{k}={v}")),
        1 => "[ -~]{0,40}",
        1 => any::<String>(),
        1 => "[a-z_.0-9]{0,20}=[ -~]{0,20}",
    ]
}

fn bundled_text() -> impl Strategy<Value = &'static str> {
    prop::sample::select(BUNDLED.iter().map(|(_, t)| *t).collect::<Vec<_>>())
}

// ---------------------------------------------------------------------------------------------
// properties, driven with explicit runners so that PROPTEST_CASES can scale them

#[test]
fn arbitrary_bytes_never_panic() {
    let t0 = Instant::now();
    let mut runner = TestRunner::new(config(5000));
    let strategy = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[ -~\n\t]{0,600}",
        // Bytes spliced into a real scenario.
        (bundled_text(), prop::collection::vec(any::<u8>(), 0..40), any::<Index>()).prop_map(|(t, b, i)| {
            let mut cut = i.index(t.len() + 1);
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}{}{}", &t[..cut], String::from_utf8_lossy(&b), &t[cut..])
        }),
    ];
    runner.run(&strategy, |text| {
        load_and_run(&text, &[]);
        Ok(())
    }).unwrap();
    stats("arbitrary_bytes_never_panic", t0);
}

#[test]
fn mutated_scenarios_never_panic() {
    let t0 = Instant::now();
    let mut runner = TestRunner::new(config(10000));
    let strategy = (bundled_text(), prop::collection::vec(mutation(), 1..5));
    runner.run(&strategy, |(text, muts)| {
        load_and_run(&apply(text, &muts), &[]);
        Ok(())
    }).unwrap();
    stats("mutated_scenarios_never_panic", t0);
}

#[test]
fn random_set_strings_never_panic() {
    let t0 = Instant::now();
    let mut runner = TestRunner::new(config(10000));
    let strategy = (bundled_text(), prop::collection::vec(set_string(), 1..4));
    runner.run(&strategy, |(text, sets)| {
        // apply_set alone: Ok or an input error, and a failed set leaves the table as it was.
        let mut table: toml::Table = text.parse().unwrap();
        for s in &sets {
            let before = format!("{table:?}"); // (NaN != NaN, so compare the text)
            match scenario::apply_set(&mut table, s) {
                Ok(_) => {}
                Err(e @ Error::Input { .. }) => {
                    assert!(!e.to_string().trim().is_empty());
                    assert_eq!(format!("{table:?}"), before, "a refused --set `{s}` changed the table");
                }
                Err(e) => panic!("--set `{s}`: not an input error: {e}"),
            }
        }
        // The whole load, and a short run if accepted.
        load_and_run(text, &sets);
        Ok(())
    }).unwrap();
    stats("random_set_strings_never_panic", t0);
}

/// The sweep files in `sweeps/`.
fn sweep_texts() -> Vec<(PathBuf, String)> {
    let dir = Path::new(ROOT).join("sweeps");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no sweep files in {}", dir.display());
    out
}

fn load_sweep(file: &Path, text: &str) {
    watched(
        || format!("sweep file text:\n{text}"),
        || match Sweep::from_text(file, text.to_string()) {
            Ok(_) => {}
            Err(e @ Error::Input { .. }) => assert!(!e.to_string().trim().is_empty(), "empty message for sweep:\n{text}"),
            Err(e) => panic!("not an input error ({e}) for sweep:\n{text}"),
        },
    );
}

#[test]
fn mutated_sweep_files_never_panic() {
    let t0 = Instant::now();
    let sweeps = sweep_texts();
    let mut runner = TestRunner::new(config(2000));
    let strategy = (0..sweeps.len(), prop::collection::vec(mutation(), 1..5));
    runner.run(&strategy, |(k, muts)| {
        let (file, text) = &sweeps[k];
        load_sweep(file, &apply(text, &muts));
        Ok(())
    }).unwrap();
    let mut runner = TestRunner::new(config(500));
    runner.run(&"[ -~\n]{0,300}", |text| {
        load_sweep(Path::new("fuzz-sweep.toml"), &text);
        Ok(())
    }).unwrap();
    stats("mutated_sweep_files_never_panic", t0);
}

/// A value of parameter `i`: its minimum, its maximum, or uniform or log-uniform in between.
fn param_value(i: usize, how: u8, u: f64) -> f64 {
    let p = &PARAMETERS[i];
    let (lo, hi) = (p.min, p.max);
    match how % 4 {
        0 => lo,
        1 => hi,
        2 => (lo + (hi - lo) * u).clamp(lo, hi),
        _ if lo > 0.0 => ketasim::math::exp(ketasim::math::ln(lo) + (ketasim::math::ln(hi) - ketasim::math::ln(lo)) * u).clamp(lo, hi),
        _ => (lo + (hi - lo) * ketasim::math::powi(u, 4)).clamp(lo, hi),
    }
}

#[derive(Debug, Clone)]
struct InRange {
    weight_kg: f64,
    stressed: bool,
    drug: usize,
    route: usize,
    mg_per_kg: f64,
    over_min: f64,
    times: u32,
    every_min: f64,
    dt_s: f64,
    sample_steps: u32,
    mechanisms: (bool, bool, bool),
    interventions: Vec<(usize, f64, f64)>,
    params: Vec<(usize, u8, f64)>,
}

fn in_range() -> impl Strategy<Value = InRange> {
    let weight = prop_oneof![Just(2.0), Just(300.0), 2.0f64..300.0];
    let dose = prop_oneof![Just(0.0), Just(1000.0), (-3.0f64..3.0).prop_map(|e| ketasim::math::powf(10.0, e))];
    (
        (weight, any::<bool>(), 0..2usize, 0..5usize, dose, 0.1f64..600.0),
        (1..=200u32, 1.0f64..1440.0, prop::sample::select(vec![0.5, 1.0, 7.5, 10.0, 30.0, 60.0]), 1..=60u32),
        (any::<(bool, bool, bool)>(), prop::collection::vec((0..5usize, -24.0f64..24.0, 0.0f64..=1.0), 0..4)),
        prop::collection::vec((0..PARAMETERS.len(), any::<u8>(), 0.0f64..=1.0), 0..12),
    )
        .prop_map(|((weight_kg, stressed, drug, route, mg_per_kg, over_min), (times, every_min, dt_s, sample_steps), (mechanisms, interventions), params)| {
            InRange { weight_kg, stressed, drug, route, mg_per_kg, over_min, times, every_min, dt_s, sample_steps, mechanisms, interventions, params }
        })
}

fn in_range_text(c: &InRange) -> String {
    let routes = ["iv_bolus", "iv_infusion", "intranasal", "oral", "sublingual"];
    let kinds = ["rapamycin", "nbqx", "anisomycin", "trkb_antagonist", "bdnf_val66met"];
    let infusion = routes[c.route] == "iv_infusion";
    // Infusions of one [[dose]] must not overlap: the interval is at least the infusion.
    let every_h = if infusion { c.every_min.max(c.over_min) / 60.0 } else { c.every_min / 60.0 };
    let mut t = format!(
        "name = \"in range\"\nduration_h = 24.0\nseed = 7\n# The numerical range up to 1000 mg/kg, beyond the plausible ceilings.\nallow_high_dose = true\n\n[subject]\nweight_kg = {:?}\nstate = \"{}\"\n\n\
         [[dose]]\ndrug = \"{}\"\nroute = \"{}\"\nmg_per_kg = {:?}\nat_h = 0.0\n{}times = {}\nevery_h = {every_h:?}\n\n\
         [numerics]\ndt_s = {:?}\nsample_every_min = {:?}\n\n[mechanisms]\ndisinhibition = {}\neef2k = {}\nhnk = {}\n",
        c.weight_kg,
        if c.stressed { "chronic_stress" } else { "healthy" },
        ["ketamine", "esketamine"][c.drug],
        routes[c.route],
        c.mg_per_kg,
        if infusion { format!("over_min = {:?}\n", c.over_min) } else { String::new() },
        c.times,
        c.dt_s,
        c.dt_s * f64::from(c.sample_steps) / 60.0,
        c.mechanisms.0,
        c.mechanisms.1,
        c.mechanisms.2,
    );
    for &(k, from, strength) in &c.interventions {
        t.push_str(&format!("\n[[intervention]]\nkind = \"{}\"\nfrom_h = {from:?}\nstrength = {strength:?}\n", kinds[k]));
    }
    t.push_str("\n[parameters]\n");
    let mut seen = std::collections::BTreeSet::new();
    for &(i, how, u) in &c.params {
        if seen.insert(i) {
            t.push_str(&format!("{} = {:?}\n", PARAMETERS[i].name, param_value(i, how, u)));
        }
    }
    t
}

#[test]
fn in_range_values_run_clean() {
    // Every value within its documented range, the extremes often: the scenario must be accepted
    // and run for up to 24 h without a numerical-guard failure, and stay physical.
    let t0 = Instant::now();
    let mut runner = TestRunner::new(config(1000));
    runner.run(&in_range(), |c| {
        let text = in_range_text(&c);
        watched(|| text.clone(), || {
            let sc = load(&text, &[]).unwrap_or_else(|e| panic!("an in-range scenario was refused: {e}\n{text}"));
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
            run_clamped(sc, 24.0, &text);
        });
        Ok(())
    }).unwrap();
    stats("in_range_values_run_clean", t0);
}

// ---------------------------------------------------------------------------------------------
// the binary, for a sample

/// Run `ketasim args` in `dir`: the exit code is 0 or 2, a refusal is one `error:` message, and
/// nothing looks like a panic.
fn binary_check(dir: &Path, args: &[&str]) -> i32 {
    let o = Command::new(BIN).args(args).current_dir(dir).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let code = o.status.code();
    assert!(matches!(code, Some(0 | 2)), "exit {code:?} for {args:?}:\n{err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE") && !err.contains("stack backtrace"), "{err}");
    if code == Some(2) {
        assert!(err.starts_with("error: ") && err.trim().len() > "error:".len(), "{err}");
    }
    code.unwrap()
}

#[test]
fn binary_sample_never_panics() {
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::new(config(100));
    let strategy = (bundled_text(), prop::collection::vec(mutation(), 1..5), prop::collection::vec(set_string(), 0..3));
    runner.run(&strategy, |(text, muts, sets)| {
        std::fs::write(dir.path().join("m.toml"), apply(text, &muts)).unwrap();
        let mut args = vec!["check", "m.toml"];
        for s in &sets {
            args.push("--set");
            args.push(s);
        }
        binary_check(dir.path(), &args);
        Ok(())
    }).unwrap();
    // `check` writes nothing.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("m.toml")]);
    stats("binary_sample_never_panics", t0);
}

// ---------------------------------------------------------------------------------------------
// the corpus

#[test]
fn corpus_replays() {
    let dir = Path::new(ROOT).join("tests/fuzz-corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let baseline = BUNDLED.iter().find(|(n, _)| *n == "baseline").unwrap().1;
    let mut n = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            // Not UTF-8: the library never sees it; the binary refuses to read the file.
            assert!(name.starts_with("bad-"), "{name} is not UTF-8, so it can only be refused");
            assert_eq!(binary_check(&dir, &["check", &name]), 2, "{name}");
            n += 1;
            continue;
        };
        if name.ends_with(".set") {
            for line in text.lines().filter(|l| !l.is_empty()) {
                load_and_run(baseline, &[line.to_string()]);
                let tmp = tempfile::tempdir().unwrap();
                if !line.contains('\0') {
                    binary_check(tmp.path(), &["check", "baseline", "--set", line]);
                }
            }
        } else if name.ends_with(".sweep.toml") {
            load_sweep(path, &text);
        } else if name.ends_with(".toml") {
            let accepted = watched(|| name.clone(), || load(&text, &[]));
            match (name.split('-').next(), &accepted) {
                (Some("ok"), Err(e)) => panic!("{name} should be accepted: {e}"),
                (Some("bad"), Ok(_)) => panic!("{name} should be refused"),
                _ => {}
            }
            load_and_run(&text, &[]);
            let code = binary_check(&dir, &["check", &name]);
            assert_eq!(code == 0, accepted.is_ok(), "{name}: the binary and the library disagree");
        } else {
            continue;
        }
        n += 1;
    }
    assert!(n >= 20, "the corpus has only {n} files");
}
