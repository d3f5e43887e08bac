//! `ketasim._ketasim`: the Python extension over ketasim's library API ([`ketasim::api`]).
//!
//! This layer is thin on purpose: it resolves scenarios, runs them with the GIL released, hands the
//! trace over as NumPy arrays and the other files as the exact bytes `ketasim run` writes, and
//! turns [`ketasim::Error`] into the Python exceptions of `ketasim._errors`. The pure-Python
//! package `ketasim` (python/python/ketasim/) builds the pandas DataFrames and the public API.
//!
//! Long work (a run, a sweep, a figure) runs on its own thread while the calling thread waits
//! without the GIL and wakes every [`POLL`] to check for signals (Ctrl-C → `KeyboardInterrupt`):
//! a pending signal cancels the work's [`CancelToken`], the thread stops cleanly at its next step,
//! and the `KeyboardInterrupt` is raised.

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use ketasim::api::{self, CancelToken, Error, PARAMETERS, RunControl, Scenario};
use numpy::PyArray1;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

/// How often a waiting call wakes up to check for Ctrl-C and report progress.
const POLL: Duration = Duration::from_millis(50);

/// The Python exception for a ketasim error: `InputError` (with file, key, line, column),
/// `NumericalError`, `InternalError` or `Cancelled`, from `ketasim._errors`.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let errors = py.import("ketasim._errors")?;
        let text = e.to_string();
        let obj = match &e {
            Error::Input { location, message } => {
                let file = location.file.as_ref().map(|p| p.display().to_string());
                let (line, column) = match location.line_col {
                    Some((l, c)) => (Some(l), Some(c)),
                    None => (None, None),
                };
                errors.getattr("InputError")?.call1((text, message.clone(), file, location.key.clone(), line, column))?
            }
            Error::Numerical { stage, variable, t_h, value, .. } => {
                errors.getattr("NumericalError")?.call1((text, stage.clone(), variable.clone(), *t_h, *value))?
            }
            Error::Io { .. } | Error::Internal(_) => errors.getattr("InternalError")?.call1((text,))?,
            Error::Interrupted { signal, .. } => errors.getattr("Cancelled")?.call1((text, *signal))?,
        };
        Ok(PyErr::from_value(obj))
    };
    make().unwrap_or_else(|err| err)
}

/// Progress of the work in flight: (done, total) steps, written by the worker thread.
#[derive(Default)]
struct Progress {
    done: AtomicU64,
    total: AtomicU64,
}

impl Progress {
    fn report(&self, callback: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        if let Some(cb) = callback {
            let total = self.total.load(Ordering::Relaxed);
            if total > 0 {
                cb.call1((self.done.load(Ordering::Relaxed), total))?;
            }
        }
        Ok(())
    }
}

/// Run `work` on its own thread; wait for it without the GIL, waking every [`POLL`] to check for
/// signals and to call `callback(done, total)`. A pending signal (or an exception from the
/// callback) cancels `token`, waits for the thread to stop, and is raised.
fn wait_for<T: Send + 'static>(
    py: Python<'_>,
    token: &CancelToken,
    progress: &Progress,
    callback: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("ketasim".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(|p| {
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into())
            });
            let _ = tx.send(result);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    // A receiver is not `Sync`; the GIL-free closures borrow it through a mutex.
    let rx = std::sync::Mutex::new(rx);
    let recv = |timeout: Option<Duration>| {
        let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
        match timeout {
            Some(t) => rx.recv_timeout(t),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        }
    };
    let stop = |err: PyErr| -> PyErr {
        token.cancel();
        // The run checks its token every step: it ends within one step.
        let _ = py.detach(|| recv(None));
        err
    };
    loop {
        match py.detach(|| recv(Some(POLL))) {
            Ok(Ok(v)) => {
                progress.report(callback)?;
                return Ok(v);
            }
            Ok(Err(panic)) => {
                return Err(PyRuntimeError::new_err(format!(
                    "internal error (a bug in ketasim): {panic}; please report it with the scenario"
                )));
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("internal error (a bug in ketasim): the worker thread vanished"));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Err(e) = py.check_signals() {
            return Err(stop(e));
        }
        if let Err(e) = progress.report(callback) {
            return Err(stop(e));
        }
    }
}

/// A cancellation token: pass it to `ketasim.run(..., cancel=token)` and call `cancel()` from any
/// thread to stop the run cleanly at its next step (it then raises `ketasim.Cancelled`).
#[pyclass(module = "ketasim._ketasim", name = "CancelToken", frozen)]
#[derive(Clone, Default)]
struct PyCancelToken(CancelToken);

#[pymethods]
impl PyCancelToken {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Ask the run to stop (as Ctrl-C would).
    fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.0.reason().is_some()
    }
}

/// A resolved scenario (every default filled in, overrides applied).
#[pyclass(module = "ketasim._ketasim", name = "Scenario", frozen)]
struct PyScenario(Scenario);

#[pymethods]
impl PyScenario {
    /// The resolved scenario as JSON text, as manifest.json's `scenario`, in the form
    /// of a scenario file (keys as in the TOML).
    fn json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The source of the scenario: `bundled:NAME`, a file path, `<string>` or `<dict>`.
    #[getter]
    fn source(&self) -> String {
        self.0.source.clone()
    }

    /// The scenario as TOML text, as `ketasim check` prints it.
    fn toml(&self) -> String {
        self.0.to_toml()
    }

    /// `ketasim check`'s full output: the resolved TOML and the dose classification.
    fn check_text(&self) -> String {
        let sc = &self.0;
        let mut s = format!("# {} — resolved scenario (all defaults filled in)\n", sc.source);
        s.push_str(&sc.to_toml());
        s.push_str("\n# dose classification (low-dose limits, docs/scenario.md: IV bolus <= 0.5 mg/kg, infusion <= 1 mg/kg/h)\n");
        if sc.doses.is_empty() {
            s.push_str("# no doses\n");
        }
        for (i, d) in sc.doses.iter().enumerate() {
            s.push_str(&format!("# dose.{i}: {}\n", sc.classify(d).text));
        }
        s.push_str(&format!("# administrations: {}\n", sc.administrations().len()));
        s
    }

    /// Warnings about the scenario (e.g. not a low dose), as `ketasim run` prints them.
    fn warnings(&self) -> Vec<String> {
        self.0.warnings().into_iter().map(|w| w.to_string()).collect()
    }

    #[getter]
    fn name(&self) -> String {
        self.0.name.clone()
    }
}

/// Resolve a scenario. `kind`: `"spec"` (a path or a bundled name, as the command line takes it),
/// `"toml"` (TOML text) or `"json"` (a JSON object, converted to TOML); `origin` names TOML/JSON
/// input in error messages.
#[pyfunction]
#[pyo3(signature = (kind, value, sets, seed, origin))]
fn resolve(py: Python<'_>, kind: &str, value: &str, sets: Vec<String>, seed: Option<u64>, origin: &str) -> PyResult<PyScenario> {
    let result = match kind {
        "spec" => api::scenario(value, &sets, seed),
        "toml" => api::scenario_from_toml(value, origin, &sets, seed),
        "json" => match serde_json::from_str::<toml::Table>(value) {
            Ok(table) => match toml::to_string(&table) {
                Ok(text) => api::scenario_from_toml(&text, origin, &sets, seed),
                Err(e) => Err(Error::input(format!("cannot write the scenario as TOML: {e}"))),
            },
            Err(e) => Err(Error::input(format!(
                "the scenario dict cannot be TOML (values must be str, int, float, bool, lists or dicts; no None): {e}"
            ))),
        },
        other => return Err(PyRuntimeError::new_err(format!("unknown scenario kind {other:?}"))),
    };
    result.map(PyScenario).map_err(|e| py_err(py, e))
}

/// A finished run.
#[pyclass(module = "ketasim._ketasim", name = "Run", frozen)]
struct PyRun(Arc<api::Run>);

#[pymethods]
impl PyRun {
    /// The bytes of `trace.csv`, `events.csv`, `summary.csv` or `manifest.json`, exactly as
    /// `ketasim run` writes them.
    fn file<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.0.file(name).map_err(|e| py_err(py, e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The trace as a list of (column name, float64 NumPy array), in trace.csv's column order.
    fn trace_columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<(&'static str, Bound<'py, PyArray1<f64>>)> =
            self.0.trace_columns().into_iter().map(|(name, values)| (name, PyArray1::from_vec(py, values))).collect();
        PyList::new(py, items)
    }

    /// Write the run directory `dir` as `ketasim run --out DIR` does; returns the directory.
    fn write(&self, py: Python<'_>, dir: PathBuf, force: bool) -> PyResult<String> {
        let run = self.0.clone();
        let out = py.detach(move || run.write(&dir, force)).map_err(|e| py_err(py, e))?;
        Ok(out.display().to_string())
    }

    /// Draw the cascade figure (PNG or SVG by extension of `path`) as `ketasim plot` does.
    fn plot(&self, py: Python<'_>, path: PathBuf) -> PyResult<String> {
        let run = self.0.clone();
        let out = path.clone();
        py.detach(move || -> api::Result<()> {
            // The figure is drawn from a run directory: write one into a temporary directory.
            let tmp = tempfile::Builder::new()
                .prefix("ketasim-plot-")
                .tempdir()
                .map_err(|e| Error::internal(format!("cannot create a temporary directory: {e}")))?;
            let dir = run.write(&tmp.path().join("run"), false)?;
            ketasim::plot::plot_run(&dir, &out)
        })
        .map_err(|e| py_err(py, e))?;
        Ok(path.display().to_string())
    }

    /// Steps simulated.
    #[getter]
    fn steps(&self) -> u64 {
        self.0.output.steps
    }

    /// Wall-clock time of the run, seconds.
    #[getter]
    fn wall_time_s(&self) -> f64 {
        self.0.output.wall_time_s
    }

    /// Worker threads recorded in the manifest.
    #[getter]
    fn threads(&self) -> usize {
        self.0.threads
    }

    /// The resolved scenario that was run.
    fn scenario(&self) -> PyScenario {
        PyScenario(self.0.scenario.clone())
    }
}

/// Run a resolved scenario with the GIL released; Ctrl-C (or `cancel`) stops it cleanly.
#[pyfunction]
#[pyo3(signature = (scenario, threads=1, progress=None, cancel=None))]
fn run(
    py: Python<'_>,
    scenario: &PyScenario,
    threads: usize,
    progress: Option<Bound<'_, PyAny>>,
    cancel: Option<PyRef<'_, PyCancelToken>>,
) -> PyResult<PyRun> {
    if threads == 0 || threads > 1024 {
        return Err(py_err(py, Error::input(format!("--threads {threads}: allowed 1 to 1024"))));
    }
    // The compute pool is process-wide: the first run of a process sets its size (as in the CLI).
    bevy_tasks::ComputeTaskPool::get_or_init(|| bevy_tasks::TaskPoolBuilder::new().num_threads(threads).build());
    let token = cancel.map(|c| c.0.clone()).unwrap_or_default();
    let counters = Arc::new(Progress::default());
    let sc = scenario.0.clone();
    let (tok, ctr) = (token.clone(), counters.clone());
    let result = wait_for(py, &token, &counters, progress.as_ref(), move || {
        let control = RunControl::default()
            .with_progress(move |done, total| {
                ctr.done.store(done, Ordering::Relaxed);
                ctr.total.store(total, Ordering::Relaxed);
            })
            .with_cancel(tok);
        api::run(&sc, control)
    })?;
    let mut run = result.map_err(|e| py_err(py, e))?;
    run.threads = threads;
    Ok(PyRun(Arc::new(run)))
}

/// The bundled scenarios: a list of (name, description), in teaching order.
#[pyfunction]
fn scenarios(py: Python<'_>) -> PyResult<Vec<(String, String)>> {
    api::scenarios()
        .into_iter()
        .map(|name| {
            let sc = api::scenario(name, &[], None).map_err(|e| py_err(py, e))?;
            Ok((name.to_string(), sc.description.clone()))
        })
        .collect()
}

/// The parameter table as columns: name, default, unit, min, max (the validity range), stage,
/// source, and the uncertainty range with its basis (uncertainty_low, uncertainty_high,
/// uncertainty_basis).
#[pyfunction]
fn params<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", PARAMETERS.iter().map(|p| p.name).collect::<Vec<_>>())?;
    d.set_item("default", PyArray1::from_vec(py, PARAMETERS.iter().map(|p| p.default).collect()))?;
    d.set_item("unit", PARAMETERS.iter().map(|p| p.unit).collect::<Vec<_>>())?;
    d.set_item("min", PyArray1::from_vec(py, PARAMETERS.iter().map(|p| p.min).collect()))?;
    d.set_item("max", PyArray1::from_vec(py, PARAMETERS.iter().map(|p| p.max).collect()))?;
    d.set_item("stage", PARAMETERS.iter().map(|p| p.stage).collect::<Vec<_>>())?;
    d.set_item("source", PARAMETERS.iter().map(|p| p.source).collect::<Vec<_>>())?;
    d.set_item("uncertainty_low", PyArray1::from_vec(py, PARAMETERS.iter().map(|p| p.uncertainty_low).collect()))?;
    d.set_item("uncertainty_high", PyArray1::from_vec(py, PARAMETERS.iter().map(|p| p.uncertainty_high).collect()))?;
    d.set_item("uncertainty_basis", PARAMETERS.iter().map(|p| p.uncertainty_basis).collect::<Vec<_>>())?;
    Ok(d)
}

/// Run a sweep file as `ketasim sweep` does (in parallel, `jobs` runs at a time), with the GIL
/// released; Ctrl-C stops it cleanly (finished runs stay for `resume`). Returns the paths written
/// and the counts.
#[pyfunction]
#[pyo3(signature = (sweep, out, jobs=None, shard=None, resume=false, force=false, quiet=true))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    sweep: PathBuf,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<String>,
    resume: bool,
    force: bool,
    quiet: bool,
) -> PyResult<Bound<'py, PyDict>> {
    use ketasim::batch::{self, Shard, Sweep, exec};
    let prepared = (|| -> api::Result<(Sweep, exec::Options)> {
        let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
        let jobs = ketasim::batch::jobs(jobs)?;
        if resume && force {
            return Err(Error::input("resume and force cannot be used together"));
        }
        let sw = Sweep::load(&sweep)?;
        let out = out.clone().unwrap_or_else(|| batch::default_out(&sweep));
        Ok((sw, exec::Options { out, jobs, shard, resume, force, quiet }))
    })();
    let (sw, opts) = prepared.map_err(|e| py_err(py, e))?;
    // Sweeps stop on the process's token (the one the command line links to SIGINT). It is reset
    // here, so that a sweep after an interrupted one runs.
    let token = ketasim::interrupt::token();
    token.flag().store(0, Ordering::SeqCst);
    let counters = Progress::default();
    let result = wait_for(py, &token, &counters, None, move || exec::run(&sw, &opts))?;
    token.flag().store(0, Ordering::SeqCst);
    let report = result.map_err(|e| py_err(py, e))?;
    let d = PyDict::new(py);
    d.set_item("summary", report.summary.display().to_string())?;
    d.set_item("points", report.points.as_ref().map(|p| p.display().to_string()))?;
    d.set_item("sweep_json", report.sweep_json.display().to_string())?;
    d.set_item("runs", report.runs)?;
    d.set_item("ran", report.ran)?;
    d.set_item("resumed", report.resumed)?;
    d.set_item("wall_time_s", report.wall_time_s)?;
    Ok(d)
}

/// Run a trial file as `ketasim trial` does (subjects in blocks, `jobs` at a time), with the GIL
/// released; Ctrl-C stops it cleanly (finished blocks stay for `resume`). Returns the directory
/// and the counts.
#[pyfunction]
#[pyo3(signature = (trial, out, jobs=None, shard=None, resume=false, force=false, quiet=true))]
#[allow(clippy::too_many_arguments)]
fn trial<'py>(
    py: Python<'py>,
    trial: PathBuf,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<String>,
    resume: bool,
    force: bool,
    quiet: bool,
) -> PyResult<Bound<'py, PyDict>> {
    use ketasim::batch::Shard;
    use ketasim::cohort::{exec, trial::Trial};
    let prepared = (|| -> api::Result<(Trial, exec::Options)> {
        let shard = shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
        let jobs = ketasim::batch::jobs(jobs)?;
        if resume && force {
            return Err(Error::input("resume and force cannot be used together"));
        }
        let t = Trial::load(&trial)?;
        let stem = trial.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "trial".into());
        let out = out.clone().unwrap_or_else(|| PathBuf::from("runs").join(stem));
        Ok((t, exec::Options { out, jobs, shard, resume, force, quiet }))
    })();
    let (t, opts) = prepared.map_err(|e| py_err(py, e))?;
    let dir = opts.out.display().to_string();
    // Trials stop on the process's token, like sweeps (reset before and after).
    let token = ketasim::interrupt::token();
    token.flag().store(0, Ordering::SeqCst);
    let counters = Progress::default();
    let result = wait_for(py, &token, &counters, None, move || exec::run(&t, &opts))?;
    token.flag().store(0, Ordering::SeqCst);
    let report = result.map_err(|e| py_err(py, e))?;
    let d = PyDict::new(py);
    d.set_item("dir", dir)?;
    d.set_item("units", report.units)?;
    d.set_item("ran", report.ran)?;
    d.set_item("resumed", report.resumed)?;
    d.set_item("tables", report.tables)?;
    d.set_item("wall_time_s", report.wall_time_s)?;
    Ok(d)
}

/// `ketasim plot DIR [--out OUT] [--x X] [--y Y ...] [--logx] [--dose K] [--force]`: the figure of
/// a run, sweep (one stacked panel per column in `ys`) or trial directory; returns its path.
#[pyfunction]
#[pyo3(signature = (dir, out=None, x=None, ys=Vec::new(), force=false, dose=None, logx=false))]
#[allow(clippy::too_many_arguments)]
fn plot_dir(
    py: Python<'_>,
    dir: PathBuf,
    out: Option<PathBuf>,
    x: Option<String>,
    ys: Vec<String>,
    force: bool,
    dose: Option<usize>,
    logx: bool,
) -> PyResult<String> {
    let written = py
        .detach(move || {
            let ys: Vec<&str> = ys.iter().map(String::as_str).collect();
            ketasim::plot::plot_dir_at_dose(&dir, out.as_deref(), x.as_deref(), &ys, force, dose, logx)
        })
        .map_err(|e| py_err(py, e))?;
    Ok(written.display().to_string())
}

/// The `ketasim` command line, as the Rust binary runs it (src/main.rs): parse `argv` (with the
/// program name first), run the command, print errors as `error: ...`; returns the exit code.
/// Installs the binary's Ctrl-C handling and panic hook: for the console script only.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    use clap::Parser;
    ketasim::error::install_panic_hook();
    py.detach(move || {
        let code = match ketasim::cli::Cli::try_parse_from(argv) {
            Err(e) => {
                // Help and version are successes; bad flags are bad input (exit 2).
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                code
            }
            Ok(cli) => match ketasim::cli::run_command(cli) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: {e}");
                    e.exit_code()
                }
            },
        };
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        code
    })
}

/// The extension module `ketasim._ketasim`.
#[pymodule]
fn _ketasim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCancelToken>()?;
    m.add_class::<PyScenario>()?;
    m.add_class::<PyRun>()?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(trial, m)?)?;
    m.add_function(wrap_pyfunction!(scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(plot_dir, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
