//! Running a trial: its subjects in blocks on N workers, resumable, in shards, merged.
//!
//! Units (subject × arm) are numbered arm by arm and grouped into blocks of [`BLOCK`] units. A
//! finished block is written to `DIR/blocks/<block>.json` atomically: a block file that exists
//! is finished (`--resume` keeps it). Shard K of N runs the blocks `b` with `b % N == K`. When
//! every block is there, the tables are computed from all subjects in unit order, so they are
//! the same bytes whatever the number of workers, the sharding or interruptions.

use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use crate::batch::Shard;
use crate::batch::exec::{read_json, write_json};
use crate::output::safety;
use crate::batch::table::write_atomic;
use crate::error::{Error, Location, Result};

use super::tables::{self, TableSpec};
use super::trial::{Trial, UnitResult};

/// Units per block file.
pub const BLOCK: u64 = 25;

/// The trial's output files, in the order they are printed.
pub const TRIAL_FILES: &[&str] = &["subjects.csv", "arms.csv", "timecourse.csv", "survival.csv", "trial.json"];

/// How to run a trial (the `ketasim trial` flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// Output directory.
    pub out: PathBuf,
    /// Subjects simulated at a time.
    pub jobs: usize,
    /// Which shard of the units to run.
    pub shard: Shard,
    /// Keep the blocks already done in `out` and run the rest.
    pub resume: bool,
    /// Replace a non-empty `out`.
    pub force: bool,
    /// No progress bar or summary.
    pub quiet: bool,
}

/// What a trial run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Units (subject × arm) in the trial or shard.
    pub units: u64,
    /// Units simulated by this command.
    pub ran: u64,
    /// Units kept from an earlier run (`--resume`).
    pub resumed: u64,
    /// Wall-clock time, s.
    pub wall_time_s: f64,
    /// Whether the tables were written (unsharded runs and merges).
    pub tables: bool,
}

fn dir_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message: message.into() }
}

fn n_blocks(units: u64) -> u64 {
    units.div_ceil(BLOCK)
}

fn block_path(dir: &Path, b: u64) -> PathBuf {
    dir.join("blocks").join(format!("{b:06}.json"))
}

/// trial.json: version, fingerprint, state, shard, table spec and the resolved trial. No timings,
/// so that it is the same bytes at any job count.
fn trial_json(t: &Trial, shard: Option<Shard>, complete: bool) -> serde_json::Value {
    serde_json::json!({
        "ketasim_version": env!("CARGO_PKG_VERSION"),
        "fingerprint": t.fingerprint,
        "complete": complete,
        "shard": shard.map(|s| serde_json::json!({"index": s.index, "count": s.count})),
        "units": t.n_units(),
        "block": BLOCK,
        "tables": TableSpec::of(t),
        "trial": t.to_json(),
    })
}

/// Check the output directory (resolved, protected, locked: see [`crate::output::safety`]) and
/// prepare it: refuse, resume, or replace an earlier trial ketasim wrote. The returned destination
/// holds the lock until the trial is done.
fn prepare(t: &Trial, opts: &Options) -> Result<safety::Dest> {
    let given = &opts.out;
    let dest = safety::Dest::open(given, &[safety::Input::File(t.file.clone())])?;
    let dir = dest.resolved.clone();
    match dest.before {
        safety::Snapshot::NonEmpty(_) if opts.resume => {
            let Some(j) = read_json(&dir.join("trial.json")) else {
                return Err(dir_error(given, "--resume: this is not a ketasim trial directory (no readable trial.json); choose another --out, or pass --force to replace it"));
            };
            if j["fingerprint"].as_str() != Some(t.fingerprint.as_str()) {
                return Err(dir_error(given, "--resume: this directory holds another trial (the trial file, its scenarios or the ketasim version differ); pass --force to start over, or choose another --out"));
            }
            let shard = (j["shard"]["index"].as_u64(), j["shard"]["count"].as_u64());
            if shard != (Some(opts.shard.index), Some(opts.shard.count)) {
                return Err(dir_error(given, format!("--resume: this directory holds another shard of the trial, not {}; give the same --shard, or choose another --out", opts.shard)));
            }
        }
        safety::Snapshot::NonEmpty(_) if opts.force => {
            // Only a trial ketasim wrote, holding nothing else, is replaced, file by file.
            safety::require_owned(&dir, given, safety::Kind::Trial)?;
            let left = safety::remove_owned(&dir, safety::Kind::Trial);
            if !left.is_empty() && fs::symlink_metadata(&dir).is_ok() && !left.iter().all(|l| l.as_os_str().is_empty()) {
                return Err(dir_error(given, format!("could not remove the earlier trial completely ({} left)", left[0].display())));
            }
        }
        safety::Snapshot::NonEmpty(_) => {
            return Err(dir_error(given, "the output directory exists and is not empty; pass --resume to continue the trial in it, --force to replace it, or choose another --out"));
        }
        _ => {}
    }
    fs::create_dir_all(dir.join("blocks")).map_err(|e| dir_error(given, format!("cannot create the output directory: {e}")))?;
    for sub in [dir.join("blocks"), dir.clone()] {
        for e in fs::read_dir(&sub)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = safety::staging_pid(&name)
                && !safety::pid_alive(pid)
                && e.file_type().is_ok_and(|t| t.is_file())
            {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    Ok(dest)
}

fn read_block(path: &Path) -> Result<Vec<UnitResult>> {
    let text = fs::read_to_string(path).map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Error::input(format!("{}: not a block of this ketasim ({e}); rerun with --force", path.display())))
}

fn run_block(t: &Trial, dir: &Path, b: u64, done: &dyn Fn()) -> Result<()> {
    let (lo, hi) = (b * BLOCK, ((b + 1) * BLOCK).min(t.n_units()));
    let mut out = Vec::with_capacity((hi - lo) as usize);
    for u in lo..hi {
        let (arm, k) = t.unit(u);
        #[cfg(feature = "cli")]
        let token = crate::interrupt::token();
        #[cfg(not(feature = "cli"))]
        let token = crate::cancel::CancelToken::new();
        let r = t.simulate(arm, k, token).map_err(|e| match e {
            Error::Input { .. } | Error::Interrupted { .. } => e,
            other => other.map_message(|m| format!("arm `{}`, subject {k}: {m}", t.arms[arm].name)),
        })?;
        out.push(r);
        done();
    }
    let text = serde_json::to_string(&out).map_err(|e| Error::internal(e.to_string()))?;
    write_atomic(&block_path(dir, b), text.as_bytes())
}

fn progress_bar(total: u64, done: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total).with_position(done);
    bar.set_style(crate::cli::progress_style("subjects"));
    bar.reset_eta();
    bar
}

/// Write the four tables into `dir` from its complete set of blocks.
pub fn write_tables(dir: &Path, spec: &TableSpec, units_total: u64) -> Result<()> {
    let mut units = Vec::with_capacity(units_total as usize);
    for b in 0..n_blocks(units_total) {
        let p = block_path(dir, b);
        if !p.is_file() {
            return Err(dir_error(dir, format!("block {} is missing: the trial is incomplete", p.display())));
        }
        units.extend(read_block(&p)?);
    }
    if units.len() as u64 != units_total {
        return Err(dir_error(dir, format!("the blocks hold {} subjects, the trial has {units_total}", units.len())));
    }
    write_atomic(&dir.join("subjects.csv"), &tables::subjects_csv(spec, &units)?)?;
    write_atomic(&dir.join("arms.csv"), &tables::arms_csv(spec, &units)?)?;
    write_atomic(&dir.join("timecourse.csv"), &tables::timecourse_csv(spec, &units)?)?;
    write_atomic(&dir.join("survival.csv"), &tables::survival_csv(spec, &units)?)?;
    Ok(())
}

/// Run the blocks of `opts.shard` of trial `t` into `opts.out`.
pub fn run(t: &Trial, opts: &Options) -> Result<Report> {
    let started = Instant::now();
    let dest = prepare(t, opts)?;
    let dir = &dest.resolved;
    let json_path = dir.join("trial.json");
    write_json(&json_path, &trial_json(t, Some(opts.shard), false))?;
    let mine: Vec<u64> = opts.shard.runs(n_blocks(t.n_units())).collect();
    let pending: Vec<u64> = mine.iter().copied().filter(|&b| !block_path(dir, b).is_file()).collect();
    let units_in = |b: u64| ((b + 1) * BLOCK).min(t.n_units()) - b * BLOCK;
    let mine_units: u64 = mine.iter().map(|&b| units_in(b)).sum();
    let pending_units: u64 = pending.iter().map(|&b| units_in(b)).sum();
    let resumed = mine_units - pending_units;
    let jobs = opts.jobs.clamp(1, pending.len().max(1));
    if !opts.quiet {
        eprintln!(
            "trial {}: {} arms × {} subjects ({}){}; {} subjects to run on {jobs} worker{}",
            t.name,
            t.arms.len(),
            t.subjects,
            match t.design {
                super::trial::Design::Parallel => "parallel",
                super::trial::Design::Crossover => "crossover",
            },
            if opts.shard.count > 1 { format!(", shard {}", opts.shard) } else { String::new() },
            pending_units,
            if jobs == 1 { "" } else { "s" }
        );
    }
    let bar = progress_bar(mine_units, resumed, opts.quiet);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<(u64, Error)>> = Mutex::new(None);
    let tick = || bar.inc(1);
    std::thread::scope(|s| {
        for w in 0..jobs {
            let work = || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&b) = pending.get(i) else { break };
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_block(t, dir, b, &tick)))
                        .unwrap_or_else(|_| Err(Error::internal(format!("block {b} panicked"))));
                    if let Err(e) = outcome {
                        stop.store(true, Ordering::Relaxed);
                        let mut f = failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        if f.as_ref().is_none_or(|(j, _)| b < *j) {
                            *f = Some((b, e));
                        }
                    }
                }
            };
            let spawned = std::thread::Builder::new().name(format!("ketasim-trial-{w}")).stack_size(16 << 20).spawn_scoped(s, work);
            if let Err(e) = spawned {
                stop.store(true, Ordering::Relaxed);
                let mut f = failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                f.get_or_insert((u64::MAX, Error::internal(format!("cannot start a worker thread: {e}"))));
            }
        }
    });
    bar.finish_and_clear();
    if let Some((_, e)) = failure.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        let kept = format!("finished blocks are kept in {}: continue with --resume", dir.join("blocks").display());
        return Err(e.map_message(|m| format!("{m}; {kept}")));
    }
    let ran = pending_units;
    let tables = opts.shard.count == 1;
    if tables {
        write_tables(dir, &TableSpec::of(t), t.n_units())?;
    }
    write_json(&json_path, &trial_json(t, Some(opts.shard), true))?;
    Ok(Report { units: mine_units, ran, resumed, wall_time_s: started.elapsed().as_secs_f64(), tables })
}

/// Is `dir` a trial shard directory (so that `ketasim merge` merges trials)?
pub fn is_trial_dir(dir: &Path) -> bool {
    dir.join("trial.json").is_file()
}

/// Merge the shard directories of one trial into `dest`.
pub fn merge(dest: &Path, dirs: &[PathBuf], force: bool) -> Result<Report> {
    let started = Instant::now();
    let mut shards: Vec<(u64, PathBuf, serde_json::Value)> = Vec::new();
    for d in dirs {
        let j = read_json(&d.join("trial.json")).ok_or_else(|| dir_error(d, "not a ketasim trial directory (no readable trial.json)"))?;
        if j["complete"].as_bool() != Some(true) {
            return Err(dir_error(d, "this shard is not complete; finish it with `ketasim trial ... --shard K/N --resume` first"));
        }
        let (Some(k), Some(n)) = (j["shard"]["index"].as_u64(), j["shard"]["count"].as_u64()) else {
            return Err(dir_error(d, "trial.json names no shard"));
        };
        if n as usize != dirs.len() {
            return Err(dir_error(d, format!("this is shard {k}/{n}, but {} shard directories were given; give all {n}", dirs.len())));
        }
        if let Some((_, d0, j0)) = shards.first()
            && j0["fingerprint"] != j["fingerprint"]
        {
            return Err(dir_error(d, format!("holds another trial than {} (fingerprints differ)", d0.display())));
        }
        if shards.iter().any(|s| s.0 == k) {
            return Err(dir_error(d, format!("shard {k} is given twice")));
        }
        shards.push((k, d.clone(), j));
    }
    shards.sort_by_key(|s| s.0);
    let first = shards.first().ok_or_else(|| Error::input("merge needs at least one shard directory"))?;
    let j0 = first.2.clone();
    let n = shards.len() as u64;
    let total = j0["units"].as_u64().ok_or_else(|| dir_error(&first.1, "trial.json has no units"))?;
    let spec: TableSpec = serde_json::from_value(j0["tables"].clone()).map_err(|e| dir_error(&first.1, format!("trial.json: {e}")))?;
    let inputs: Vec<safety::Input> = dirs.iter().cloned().map(safety::Input::Dir).collect();
    let staging = crate::output::stage(dest, safety::Kind::Trial, force, &inputs)?;
    let result = (|| {
        fs::create_dir(staging.tmp.join("blocks"))?;
        for b in 0..n_blocks(total) {
            let (_, src_dir, _) = &shards[(b % n) as usize];
            let src = block_path(src_dir, b);
            if !src.is_file() {
                return Err(dir_error(src_dir, format!("block {} is missing", src.display())));
            }
            let dst = block_path(&staging.tmp, b);
            if fs::hard_link(&src, &dst).is_err() {
                fs::copy(&src, &dst).map_err(|e| Error::internal(format!("cannot copy {}: {e}", src.display())))?;
            }
        }
        write_tables(&staging.tmp, &spec, total)?;
        let mut j = j0.clone();
        j["shard"] = serde_json::json!({"index": 0, "count": 1});
        j["complete"] = serde_json::Value::Bool(true);
        write_json(&staging.tmp.join("trial.json"), &j)?;
        Ok::<_, Error>(())
    })();
    match result {
        Ok(()) => {
            staging.commit()?;
            Ok(Report { units: total, ran: 0, resumed: total, wall_time_s: started.elapsed().as_secs_f64(), tables: true })
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}
