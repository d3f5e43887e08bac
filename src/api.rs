//! The library API: what the command line, the Python package and the browser build call.
//!
//! ```no_run
//! use ketasim::api::{self, RunControl};
//!
//! let scenario = api::scenario("iv-infusion", &["dose.0.mg_per_kg=0.25".into()], Some(7))?;
//! let run = api::run(&scenario, RunControl::default())?;
//! println!("Cmax {:.0} ng/mL", run.output.summary.cmax_ng_ml);
//! let trace = run.trace_columns(); // (column name, values) in CSV order
//! let csv: Vec<u8> = run.file("summary.csv")?; // the same bytes `ketasim run` writes
//! # Ok::<(), ketasim::Error>(())
//! ```
//!
//! Everything here is pure library code: no process signals, no terminal, no global state. A run
//! is stopped through its [`CancelToken`]; progress is reported through a callback.

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::cancel::CancelToken;
pub use crate::error::{Error, Location, Result};
pub use crate::params::{PARAMETERS, ParamInfo};
pub use crate::scenario::{DoseSpec, LoadOptions, Scenario, ScenarioBuilder};
pub use crate::sim::RunOutput;

use crate::output::EVENT_COLUMNS;
use crate::readout::{SUMMARY_COLUMNS, TRACE_COLUMNS};
use crate::scenario::{self, ScenarioSource, bundled};
use crate::sim::Simulation;

/// The names of the bundled scenarios, in teaching order.
pub fn scenarios() -> Vec<&'static str> {
    bundled::names().collect()
}

/// Load and resolve a scenario: `spec` is a path to a `.toml` file or a bundled name; `sets` are
/// `KEY=VALUE` overrides as `--set` takes them; `seed` overrides the scenario's seed.
pub fn scenario(spec: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario> {
    scenario::load(spec, sets, seed)
}

/// [`scenario()`] with explicit [`LoadOptions`] (e.g. doses above their route's plausible ceiling
/// allowed, as `--allow-high-dose`); the options apply to this load only.
pub fn scenario_with(spec: &str, sets: &[String], seed: Option<u64>, options: LoadOptions) -> Result<Scenario> {
    scenario::load_with(spec, sets, seed, options)
}

/// Resolve a scenario from TOML text; `origin` names it in error messages (e.g. `<string>`).
pub fn scenario_from_toml(text: &str, origin: &str, sets: &[String], seed: Option<u64>) -> Result<Scenario> {
    scenario_from_toml_with(text, origin, sets, seed, LoadOptions::default())
}

/// [`scenario_from_toml`] with explicit [`LoadOptions`].
pub fn scenario_from_toml_with(text: &str, origin: &str, sets: &[String], seed: Option<u64>, options: LoadOptions) -> Result<Scenario> {
    scenario::from_source_with(&ScenarioSource { text: text.to_string(), origin: PathBuf::from(origin) }, sets, seed, options)
}

/// How to run: a progress callback and a cancellation token.
pub struct RunControl<'a> {
    /// Called now and then with (steps done, total steps).
    pub progress: Box<dyn FnMut(u64, u64) + 'a>,
    /// Checked once per step; a cancelled token ends the run with [`Error::Interrupted`].
    pub cancel: CancelToken,
}

impl Default for RunControl<'_> {
    fn default() -> Self {
        Self { progress: Box::new(|_, _| {}), cancel: CancelToken::new() }
    }
}

impl<'a> RunControl<'a> {
    /// Report progress to `f(done, total)`.
    pub fn with_progress(mut self, f: impl FnMut(u64, u64) + 'a) -> Self {
        self.progress = Box::new(f);
        self
    }

    /// Stop when `token` is cancelled.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }
}

/// A finished run: its scenario and everything it produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// The resolved scenario that was run.
    pub scenario: Scenario,
    /// Trace rows, events, the summary row, warnings, timing.
    pub output: RunOutput,
    /// Worker threads recorded in the manifest.
    pub threads: usize,
}

/// The files of a run directory, in the order `ketasim run` prints them (the last two only when
/// the scenario's `[pain]` module is on).
pub const RUN_FILES: &[&str] = &["trace.csv", "events.csv", "summary.csv", "doses.csv", "manifest.json", "pain.csv", "pain_summary.csv"];

/// Run `scenario` to its end.
pub fn run(scenario: &Scenario, control: RunControl<'_>) -> Result<Run> {
    let sim = Simulation::new(scenario)?;
    let output = sim.run_with(control)?;
    Ok(Run { scenario: scenario.clone(), output, threads: 1 })
}

fn csv_bytes<T: Serialize>(header: &[&str], rows: impl IntoIterator<Item = T>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut n = 0usize;
    for r in rows {
        w.serialize(r).map_err(|e| Error::internal(format!("cannot format CSV: {e}")))?;
        n += 1;
    }
    if n == 0 {
        w.write_record(header).map_err(|e| Error::internal(format!("cannot format CSV: {e}")))?;
    }
    w.into_inner().map_err(|e| Error::internal(format!("cannot format CSV: {e}")))
}

fn names(c: &[(&'static str, &'static str, &'static str)]) -> Vec<&'static str> {
    c.iter().map(|c| c.0).collect()
}

impl Run {
    /// The trace as columns: (name, values), in the order of trace.csv's header.
    pub fn trace_columns(&self) -> Vec<(&'static str, Vec<f64>)> {
        let mut cols: Vec<(&'static str, Vec<f64>)> =
            TRACE_COLUMNS.iter().map(|c| (c.0, Vec::with_capacity(self.output.trace.len()))).collect();
        for row in &self.output.trace {
            for (col, v) in cols.iter_mut().zip(row.values()) {
                col.1.push(v);
            }
        }
        cols
    }

    /// Per-dose read-outs: one row per administration given (see [`crate::readout::doses`]).
    pub fn doses(&self) -> Vec<crate::readout::doses::DoseRow> {
        crate::readout::doses::dose_rows(&self.scenario, &self.output.trace, &self.output.events)
    }

    /// doses.csv as bytes (one row per administration given; header only when none was given).
    pub fn doses_csv(&self) -> Result<Vec<u8>> {
        csv_bytes(&names(crate::readout::doses::DOSE_COLUMNS), self.doses())
    }

    /// The bytes of one output file (`trace.csv`, `events.csv`, `summary.csv`, `doses.csv`,
    /// `manifest.json`, and `pain.csv`, `pain_summary.csv` when `[pain]` is on), exactly as
    /// `ketasim run` writes them (the manifest's wall time is this run's).
    pub fn file(&self, name: &str) -> Result<Vec<u8>> {
        match name {
            "trace.csv" => csv_bytes(&names(TRACE_COLUMNS), &self.output.trace),
            "events.csv" => csv_bytes(&names(EVENT_COLUMNS), &self.output.events),
            "summary.csv" => csv_bytes(&names(SUMMARY_COLUMNS), [&self.output.summary]),
            "doses.csv" => self.doses_csv(),
            "manifest.json" => {
                let v = crate::output::manifest(&self.scenario, &self.output, self.threads);
                let mut text = serde_json::to_string_pretty(&v).map_err(|e| Error::internal(e.to_string()))?;
                text.push('\n');
                Ok(text.into_bytes())
            }
            "pain.csv" | "pain_summary.csv" => {
                let p = self.output.pain.as_ref().ok_or_else(|| Error::input(format!("no `{name}`: the scenario has no [pain] section")))?;
                let mut w = csv::Writer::from_writer(Vec::new());
                let r = if name == "pain.csv" { p.trace.iter().try_for_each(|r| w.serialize(r)) } else { w.serialize(&p.summary) };
                r.map_err(|e| Error::internal(format!("cannot format CSV: {e}")))?;
                w.into_inner().map_err(|e| Error::internal(format!("cannot format CSV: {e}")))
            }
            other => Err(Error::input(format!("no output file `{other}`; allowed: {}", RUN_FILES.join(", ")))),
        }
    }

    /// Write the run directory `dir` as `ketasim run --out DIR` does (atomically; an existing
    /// result is replaced only with `force`, under the same safety rules as the command line).
    pub fn write(&self, dir: &Path, force: bool) -> Result<PathBuf> {
        let inputs: Vec<crate::output::Input> =
            self.scenario.input_file().map(crate::output::Input::File).into_iter().collect();
        let staging = crate::output::stage(dir, crate::output::Kind::Run, force, &inputs)?;
        match crate::output::write_run(&staging, &self.scenario, &self.output, self.threads) {
            Ok(()) => staging.commit(),
            Err(e) => {
                staging.abandon();
                Err(crate::output::nothing_written(e, dir))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_bytes_equal_the_written_files() {
        let sc = scenario("baseline", &["duration_h=2".into(), "circuit.pyramidal_neurons=20".into()], None).unwrap();
        let run = run(&sc, RunControl::default()).unwrap();
        let dir = std::env::temp_dir().join(format!("ketasim-api-{}", std::process::id()));
        let out = run.write(&dir.join("r"), false).unwrap();
        for f in ["trace.csv", "events.csv", "summary.csv", "doses.csv"] {
            assert_eq!(std::fs::read(out.join(f)).unwrap(), run.file(f).unwrap(), "{f}");
        }
        let cols = run.trace_columns();
        assert_eq!(cols.len(), TRACE_COLUMNS.len());
        assert_eq!(cols[0].1.len(), run.output.trace.len());
        assert_eq!(cols[0].1.last().copied(), Some(2.0));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pain_file_bytes_equal_the_written_files() {
        let sc = scenario("windup", &["circuit.pyramidal_neurons=20".into()], None).unwrap();
        let run = run(&sc, RunControl::default()).unwrap();
        let dir = std::env::temp_dir().join(format!("ketasim-api-pain-{}", std::process::id()));
        let out = run.write(&dir.join("r"), false).unwrap();
        for f in ["pain.csv", "pain_summary.csv"] {
            assert_eq!(std::fs::read(out.join(f)).unwrap(), run.file(f).unwrap(), "{f}");
        }
        let _ = std::fs::remove_dir_all(&dir);
        let sc = scenario("baseline", &["duration_h=1".into(), "circuit.pyramidal_neurons=10".into()], None).unwrap();
        let err = run_fn(&sc).file("pain.csv").unwrap_err().to_string();
        assert!(err.contains("[pain]"), "{err}");
    }

    fn run_fn(sc: &Scenario) -> Run {
        run(sc, RunControl::default()).unwrap()
    }

    #[test]
    fn high_dose_permission_is_per_load_not_per_process() {
        let sets = ["dose.0.mg_per_kg=6".to_string()];
        let allowed = scenario_with("iv-infusion", &sets, None, LoadOptions { allow_high_dose: true }).unwrap();
        assert!(allowed.allow_high_dose);
        // A later plain load in the same process is refused with the ceiling error...
        let e = scenario("iv-infusion", &sets, None).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(msg.contains("above the plausible ceiling") && msg.contains("--allow-high-dose"), "{msg}");
        // ...and allowing it again works, for text as for files.
        let text = crate::scenario::bundled::get("iv-infusion").unwrap();
        assert!(scenario_from_toml(text, "<string>", &sets, None).is_err());
        let sc = scenario_from_toml_with(text, "<string>", &sets, None, LoadOptions::default().allow_high_dose(true)).unwrap();
        assert!(sc.allow_high_dose && !sc.warnings().is_empty());
    }

    #[test]
    fn a_cancelled_run_stops_with_interrupted() {
        let sc = scenario("baseline", &["circuit.pyramidal_neurons=20".into()], None).unwrap();
        let token = CancelToken::new();
        token.cancel();
        let e = run(&sc, RunControl::default().with_cancel(token)).unwrap_err();
        assert!(matches!(e, Error::Interrupted { signal: 2, .. }), "{e}");
    }
}
