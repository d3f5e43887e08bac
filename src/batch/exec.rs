//! Running the runs of one shard of a sweep on N workers, one single-threaded world per run.
//!
//! Each run is written by [`output::write_run`] into a hidden staging directory and renamed into
//! place as `DIR/runs/<run_id>/` when complete: a run directory that exists is a finished run.
//! Nothing of a run is kept in memory once its directory is written. When every run is done,
//! summary.csv is assembled in run order from the runs' own summary.csv files (streamed), then
//! points.csv (unsharded sweeps), then sweep.json is marked complete.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Location, Result};
use crate::output::{self, safety};
use crate::sim::Simulation;

use super::Shard;
use super::spec::{Sweep, cell_text};
use super::table::{self, CsvOut, single_run_header, summary_header, write_atomic};

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output directory.
    pub out: PathBuf,
    /// Runs simulated at a time.
    pub jobs: usize,
    /// Which shard of the runs to do.
    pub shard: Shard,
    /// Keep the runs already done in `out` and do the rest.
    pub resume: bool,
    /// Replace a non-empty `out` (only once the new sweep is complete).
    pub force: bool,
    /// No progress bar or summary.
    pub quiet: bool,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Runs in the sweep or shard.
    pub runs: u64,
    /// Runs simulated by this command.
    pub ran: u64,
    /// Runs kept from an earlier run (`--resume`).
    pub resumed: u64,
    /// Wall-clock time, s.
    pub wall_time_s: f64,
    /// Path of summary.csv.
    pub summary: PathBuf,
    /// Path of points.csv (`None` for a shard: `merge` writes it).
    pub points: Option<PathBuf>,
    /// Path of sweep.json.
    pub sweep_json: PathBuf,
}

fn dir_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// Seconds since the Unix epoch now (0 if the clock is before it).
pub fn unix_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The sweep.json of a directory: the resolved sweep, the shard, the state and timings.
pub fn sweep_json(sweep: &Sweep, shard: Option<Shard>, complete: bool, timings: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({
        "ketasim_version": env!("CARGO_PKG_VERSION"),
        "complete": complete,
        "shard": shard.map(|s| serde_json::json!({"index": s.index, "count": s.count})),
        "sweep": sweep.to_json(),
        "timings": timings,
    });
    v["fingerprint"] = serde_json::Value::String(sweep.fingerprint.clone());
    v
}

/// Write `v` as pretty JSON with a final newline to `path`, atomically.
pub fn write_json(path: &Path, v: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(v).map_err(|e| Error::internal(e.to_string()))?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// The JSON in `path`, or `None` if it cannot be read or parsed.
pub fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// Where a sweep is written: in place (a new, empty or resumed directory), or in a staging
/// directory beside an earlier sweep that `--force` replaces only once the new sweep is complete.
struct Target {
    dest: safety::Dest,
    /// The directory the sweep is written into.
    work: PathBuf,
    /// `work` is a staging directory to be swapped in at the end (`--force` over an earlier sweep).
    staged: bool,
}

/// Check the output directory (see [`safety`]: resolved, not protected, locked for the whole sweep)
/// and prepare it: refuse, resume, start fresh, or stage a replacement.
fn prepare(sweep: &Sweep, opts: &Options) -> Result<Target> {
    let given = &opts.out;
    let mut inputs = vec![safety::Input::File(sweep.file.clone())];
    if !sweep.base.origin.to_string_lossy().starts_with("bundled:") {
        inputs.push(safety::Input::File(sweep.base.origin.clone()));
    }
    let dest = safety::Dest::open(given, &inputs)?;
    let dir = dest.resolved.clone();
    // `created`: ketasim made `work` now (it may remove it again); `fresh`: a new sweep.
    let (work, staged, created, fresh) = match dest.before {
        safety::Snapshot::NonEmpty(_) if opts.resume => {
            let Some(j) = read_json(&dir.join("sweep.json")) else {
                return Err(dir_error(
                    given,
                    "--resume: this is not a ketasim sweep directory (no readable sweep.json); choose another --out, or pass --force to replace it",
                ));
            };
            if j["fingerprint"].as_str() != Some(sweep.fingerprint.as_str()) {
                return Err(dir_error(
                    given,
                    "--resume: this directory holds another sweep (the sweep file, its base scenario or the ketasim version differ); pass --force to start over, or choose another --out",
                ));
            }
            let shard = (j["shard"]["index"].as_u64(), j["shard"]["count"].as_u64());
            if shard != (Some(opts.shard.index), Some(opts.shard.count)) {
                return Err(dir_error(
                    given,
                    format!(
                        "--resume: this directory holds shard {} of the sweep, not {}; give the same --shard, or choose another --out",
                        match shard {
                            (Some(k), Some(n)) => format!("{k}/{n}"),
                            _ => "?".into(),
                        },
                        opts.shard
                    ),
                ));
            }
            (dir, false, false, false)
        }
        safety::Snapshot::NonEmpty(_) if opts.force => {
            // The earlier sweep stays until the new one is complete.
            safety::require_owned(&dir, given, safety::Kind::Sweep)?;
            let tmp = dest.beside("partial");
            if fs::symlink_metadata(&tmp).is_ok() {
                let _ = safety::remove_owned(&tmp, safety::Kind::Sweep);
            }
            fs::create_dir(&tmp).map_err(|e| dir_error(given, format!("cannot create the staging directory {}: {e}", tmp.display())))?;
            (tmp, true, true, true)
        }
        safety::Snapshot::NonEmpty(_) => {
            return Err(dir_error(
                given,
                "the output directory exists and is not empty; pass --resume to continue the sweep in it, --force to replace it, or choose another --out",
            ));
        }
        safety::Snapshot::Absent => {
            fs::create_dir(&dir).map_err(|e| dir_error(given, format!("cannot create the output directory: {e}")))?;
            (dir, false, true, true)
        }
        safety::Snapshot::Empty(_) => (dir, false, false, true),
    };
    // sweep.json first: a directory with it can be resumed (e.g. after a full disk), one that
    // could not get it is removed again.
    let init = write_json(&work.join("sweep.json"), &sweep_json(sweep, Some(opts.shard), false, serde_json::Value::Null))
        .and_then(|_| fs::create_dir_all(work.join("runs")).map_err(|e| dir_error(given, format!("cannot create the output directory: {e}"))));
    if let Err(e) = init {
        if created {
            let _ = safety::remove_owned(&work, safety::Kind::Sweep);
        } else if fresh {
            // The user's empty directory stays; only what was just written goes.
            let _ = fs::remove_file(work.join("sweep.json"));
            let _ = fs::remove_dir(work.join("runs"));
        }
        return Err(e);
    }
    // Staging directories of runs whose process is gone (a live one belongs to a sweep that
    // still runs: the lock makes that impossible for this directory, but never take the risk).
    for e in fs::read_dir(work.join("runs"))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = safety::staging_pid(&name)
            && !safety::pid_alive(pid)
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = safety::remove_owned(&e.path(), safety::Kind::Run);
        }
    }
    for e in fs::read_dir(&work)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = safety::staging_pid(&name)
            && !safety::pid_alive(pid)
            && e.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(e.path());
        }
    }
    Ok(Target { dest, work, staged })
}

/// Is run `id` finished in `runs`? (Its directory exists, renamed into place when complete.)
fn finished(runs: &Path, id: &str) -> bool {
    let d = runs.join(id);
    if d.join("summary.csv").is_file() && d.join("manifest.json").is_file() {
        return true;
    }
    if d.exists() {
        // Not written by ketasim's rename-into-place: redo it (only ketasim's files are removed;
        // anything else stays, and the run then fails to move into place, naming the directory).
        let _ = safety::remove_owned(&d, safety::Kind::Run);
    }
    false
}

/// Run one run and write its directory. Returns its wall time.
fn execute(sweep: &Sweep, runs: &Path, i: u64) -> Result<f64> {
    let sc = sweep.run_scenario(i)?;
    let staging = output::stage_in_sweep(&runs.join(sweep.run_id(i)))?;
    let result = (|| {
        let sim = Simulation::new(&sc)?;
        let run = sim.run_with(crate::api::RunControl::default().with_cancel(crate::interrupt::token()))?;
        output::write_run(&staging, &sc, &run, 1)?;
        Ok::<_, Error>(run.wall_time_s)
    })();
    match result {
        Ok(w) => {
            staging.commit()?;
            Ok(w)
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

fn progress_bar(total: u64, done: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total).with_position(done);
    bar.set_style(crate::cli::progress_style("runs"));
    bar.reset_eta();
    bar
}

/// Warnings of the points' scenarios (doses above the low-dose limits), the first few.
fn print_warnings(sweep: &Sweep) -> Result<()> {
    let (mut shown, mut more) = (0, 0);
    for p in 0..sweep.n_points {
        for w in sweep.scenario(p)?.warnings() {
            if shown < 5 {
                eprintln!("warning: point {p}: {w}");
                shown += 1;
            } else {
                more += 1;
            }
        }
    }
    if more > 0 {
        eprintln!("warning: ... and {more} more (each run's manifest.json lists its warnings)");
    }
    Ok(())
}

/// Run the runs of `opts.shard` of `sweep` into `opts.out`.
pub fn run(sweep: &Sweep, opts: &Options) -> Result<Report> {
    let started = Instant::now();
    let started_at = unix_time();
    let header = summary_header(&sweep.keys())?;
    let single = single_run_header()?;
    let target = prepare(sweep, opts)?;
    let result = run_in(sweep, opts, &target.work, target.staged, started, started_at, &header, &single);
    if !target.staged {
        return result;
    }
    // --force over an earlier sweep: swap the new one in only now; on failure, keep the old one.
    match result {
        Ok(report) => {
            target.dest.commit(&target.work, safety::Kind::Sweep)?;
            Ok(report)
        }
        Err(e) => {
            let _ = safety::remove_owned(&target.work, safety::Kind::Sweep);
            Err(e)
        }
    }
}

/// The sweep itself, written into `dir` (`staged`: a replacement built beside `opts.out`).
#[allow(clippy::too_many_arguments)]
fn run_in(
    sweep: &Sweep,
    opts: &Options,
    dir: &Path,
    staged: bool,
    started: Instant,
    started_at: f64,
    header: &[String],
    single: &[String],
) -> Result<Report> {
    let runs_dir = dir.join("runs");
    let sweep_json_path = dir.join("sweep.json");

    if !opts.quiet {
        print_warnings(sweep)?;
    }
    let mine: Vec<u64> = opts.shard.runs(sweep.n_runs()).collect();
    let pending: Vec<u64> = mine.iter().copied().filter(|&i| !finished(&runs_dir, &sweep.run_id(i))).collect();
    let resumed = (mine.len() - pending.len()) as u64;
    let jobs = opts.jobs.clamp(1, pending.len().max(1));
    if !opts.quiet {
        let shard = if opts.shard.count > 1 { format!(", shard {}: {} runs", opts.shard, mine.len()) } else { String::new() };
        let resumed_text = if resumed > 0 { format!("; {resumed} already done, kept") } else { String::new() };
        eprintln!(
            "sweep {}: {} points × {} replicates = {} runs{shard}{resumed_text}; {} to run on {jobs} worker{}",
            sweep.file.display(),
            sweep.n_points,
            sweep.replicates,
            sweep.n_runs(),
            pending.len(),
            if jobs == 1 { "" } else { "s" }
        );
    }

    let bar = progress_bar(mine.len() as u64, resumed, opts.quiet);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<(u64, Error)>> = Mutex::new(None);
    let run_time: Mutex<(u64, f64)> = Mutex::new((0, 0.0));
    std::thread::scope(|s| {
        for w in 0..jobs {
            let work = || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = pending.get(k) else { break };
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(sweep, &runs_dir, i)))
                        .unwrap_or_else(|p| {
                            let msg = p
                                .downcast_ref::<&str>()
                                .map(std::string::ToString::to_string)
                                .or_else(|| p.downcast_ref::<String>().cloned())
                                .unwrap_or_else(|| "panic".into());
                            Err(Error::internal(format!("panicked: {msg}")))
                        });
                    match outcome {
                        Ok(wall) => {
                            let mut t = run_time.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                            t.0 += 1;
                            t.1 += wall;
                            bar.inc(1);
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            let mut f = failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                            if f.as_ref().is_none_or(|(j, _)| i < *j) {
                                *f = Some((i, e));
                            }
                        }
                    }
                }
            };
            let spawned = std::thread::Builder::new().name(format!("ketasim-sweep-{w}")).stack_size(16 << 20).spawn_scoped(s, work);
            if let Err(e) = spawned {
                stop.store(true, Ordering::Relaxed);
                let mut f = failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                f.get_or_insert((u64::MAX, Error::internal(format!("cannot start a worker thread: {e}"))));
            }
        }
    });
    bar.finish_and_clear();
    let (ran, run_time_s) = *run_time.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((i, e)) = failure.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        let done = resumed + ran;
        let next_step = if matches!(e, Error::Interrupted { .. }) { "continue" } else { "fix the cause and continue" };
        let kept = if staged {
            format!(
                "the new sweep was not finished ({done} of {} runs) and was removed; the previous sweep in {} is kept as it was",
                mine.len(),
                opts.out.display()
            )
        } else {
            format!("{done} of {} runs are finished and kept in {}: {next_step} with --resume", mine.len(), opts.out.join("runs").display())
        };
        if i == u64::MAX {
            return Err(match e {
                Error::Input { .. } | Error::Interrupted { .. } => e,
                other => other.map_message(|m| format!("{m}; {kept}")),
            });
        }
        let (p, r) = sweep.point_replicate(i);
        let what = format!("run {} (point {p}, replicate {r}, seed {})", sweep.run_id(i), sweep.seed_of(i));
        return Err(match e {
            Error::Input { .. } => e.map_message(|m| format!("{what}: {m}; {kept}")),
            Error::Interrupted { .. } => e.map_message(|m| format!("{m} in {what}; {kept}")),
            other => other.map_message(|m| format!("{what} failed: {m}; {kept}")),
        });
    }

    // summary.csv, in run order, streamed from the runs' own summary rows.
    let summary_path = dir.join("summary.csv");
    let mut out = CsvOut::create(&summary_path, header)?;
    let mut last_point: Option<(u64, Vec<String>)> = None;
    for &i in &mine {
        let id = sweep.run_id(i);
        let (p, r) = sweep.point_replicate(i);
        let rec = table::read_run_summary(&runs_dir.join(&id).join("summary.csv"), single)?;
        if last_point.as_ref().is_none_or(|(q, _)| *q != p) {
            last_point = Some((p, sweep.point_values(p).iter().map(cell_text).collect()));
        }
        let values = &last_point.as_ref().expect("set above").1;
        let mut row: Vec<String> = vec![id, p.to_string(), r.to_string(), sweep.seed_of(i).to_string()];
        row.extend(values.iter().cloned());
        row.extend(rec.iter().zip(single).filter(|(_, name)| !table::is_run_seed(name)).map(|(v, _)| v.to_string()));
        out.row(&row)?;
    }
    out.finish()?;

    let points = if opts.shard.count == 1 {
        let path = dir.join("points.csv");
        table::write_points(&summary_path, sweep.keys().len(), &path)?;
        Some(path)
    } else {
        None
    };

    let wall = started.elapsed().as_secs_f64();
    let timings = serde_json::json!({
        "started_unix_s": started_at,
        "wall_time_s": wall,
        "jobs": jobs,
        "runs_in_shard": mine.len(),
        "runs_run": ran,
        "runs_resumed": resumed,
        "run_time_s_total": run_time_s,
        "run_time_s_mean": if ran > 0 { run_time_s / ran as f64 } else { 0.0 },
        "host": std::env::var("HOSTNAME").ok(),
        "slurm_job_id": std::env::var("SLURM_JOB_ID").ok(),
        "slurm_array_task_id": std::env::var("SLURM_ARRAY_TASK_ID").ok(),
    });
    write_json(&sweep_json_path, &sweep_json(sweep, Some(opts.shard), true, timings))?;
    // The paths as the user gave the directory (a staged sweep is moved there next).
    let out = &opts.out;
    Ok(Report {
        runs: mine.len() as u64,
        ran,
        resumed,
        wall_time_s: wall,
        summary: out.join("summary.csv"),
        points: points.map(|_| out.join("points.csv")),
        sweep_json: out.join("sweep.json"),
    })
}
