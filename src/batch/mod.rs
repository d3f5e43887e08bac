//! Batch runs: parameter sweeps and replicates, run in parallel, deterministic, resumable, in
//! shards, merged, and as SLURM job arrays. Format and outputs: `docs/sweep.md`; clusters:
//! `docs/cluster.md`.
//!
//! - [`spec`]: the sweep file → a checked [`Sweep`]: points (grid × sample), replicates, run ids
//!   and run seeds ([`run_seed`]), every point's scenario validated up front.
//! - [`exec`]: the runs of one shard on N workers, one single-threaded world per run, each run
//!   written to `DIR/runs/<run_id>/` and renamed into place when complete (so `--resume` keeps it).
//! - [`table`]: summary.csv and points.csv, streamed from disk.
//! - [`merge`]: combine shard directories into the unsharded result.
//! - [`slurm`]: the sbatch submission script (job array + merge job).
//!
//! Run ids and seeds depend only on the sweep file, so summary.csv is the same, byte for byte,
//! whatever the number of workers, the sharding, or interruptions and resumes.

pub mod exec;
pub mod merge;
pub mod slurm;
pub mod spec;
pub mod table;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use spec::{Sweep, run_seed};

/// The K-th (from 0) of N deterministic slices of a sweep's runs: runs `i` with `i % N == K`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 0 ≤ `index` < `count`.
    pub index: u64,
    /// Number of slices.
    pub count: u64,
}

impl Shard {
    /// The whole sweep (one slice).
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parse `K/N` (0 ≤ K < N).
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| Error::input(format!("--shard {text}: {why}; expected K/N with 0 <= K < N, e.g. --shard 0/4 (shards are numbered from 0)"));
        let (k, n) = text.split_once('/').ok_or_else(|| bad("not of the form K/N"))?;
        let k: u64 = k.trim().parse().map_err(|_| bad("K is not a whole number"))?;
        let n: u64 = n.trim().parse().map_err(|_| bad("N is not a whole number"))?;
        if n == 0 {
            return Err(bad("N must be at least 1"));
        }
        if k >= n {
            return Err(bad(&format!("K ({k}) must be less than N ({n})")));
        }
        Ok(Shard { index: k, count: n })
    }

    /// The run indices of this shard, in run order.
    pub fn runs(self, total: u64) -> impl Iterator<Item = u64> {
        (self.index..total).step_by(self.count as usize)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `ketasim sweep`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ketasim sweep sweeps/dose-response.toml\n  ketasim sweep sweeps/routes.toml --out runs/routes --jobs 4\n  ketasim sweep sweeps/dose-response.toml --resume\n  ketasim sweep sweeps/dose-response.toml --shard 0/4 --out runs/dr.shards/0\n  ketasim sweep sweeps/dose-response.toml --slurm 8 --slurm-script dose-response.sh\n\nFormat and outputs: docs/sweep.md; SLURM: docs/cluster.md")]
pub struct SweepArgs {
    /// The sweep file (.toml): base scenario, replicates, seed, [set], [grid], [sample].
    pub sweep: PathBuf,
    /// Output directory [default: runs/<NAME> in the current directory, NAME being the sweep file's
    /// name without .toml].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs at a time, each on one thread [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only the K-th of N deterministic slices of the runs (K from 0); combine with `ketasim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep in --out: keep finished runs, redo the rest.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace an existing sweep directory that ketasim wrote (only if it holds nothing else); the
    /// new sweep is built beside it and swapped in only once complete.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no messages on stderr except errors.
    #[arg(long)]
    pub quiet: bool,
    /// Print (or write with --slurm-script) an sbatch script that runs the sweep as a SLURM job
    /// array of N shards plus a merge job; runs nothing.
    #[arg(long, value_name = "N", conflicts_with_all = ["shard", "resume", "force", "jobs"])]
    pub slurm: Option<u64>,
    /// Write the SLURM script to FILE instead of stdout.
    #[arg(long, value_name = "FILE", requires = "slurm")]
    pub slurm_script: Option<PathBuf>,
    /// Run doses above their route's plausible ceiling anyway, with a warning (as
    /// `allow_high_dose = true` in every point's scenario).
    #[arg(long)]
    pub allow_high_dose: bool,
}

/// `ketasim merge`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  ketasim merge --out runs/dose-response runs/dose-response.shards/0 runs/dose-response.shards/1")]
pub struct MergeArgs {
    /// The merged output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// The directories of all N shards of one sweep (`ketasim sweep --shard K/N`), in any order.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Replace an existing sweep directory that ketasim wrote (only if it holds nothing else), after
    /// the merge succeeded.
    #[arg(long)]
    pub force: bool,
    /// No messages on stderr except errors.
    #[arg(long)]
    pub quiet: bool,
}

/// The default output directory of a sweep file: `runs/<file stem>`.
pub fn default_out(sweep: &Path) -> PathBuf {
    let stem = sweep.file_stem().map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(stem)
}

/// `p` made absolute (against the current directory), or `p` itself if that fails.
pub fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The number of workers for `--jobs` (sweeps and trials): 1 to 1024, default all cores.
pub fn jobs(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => Err(Error::input("--jobs 0: allowed 1 to 1024")),
        Some(j) if j > 1024 => Err(Error::input(format!("--jobs {j}: allowed 1 to 1024"))),
        Some(j) => Ok(j),
        None => Ok(std::thread::available_parallelism().map_or(1, std::num::NonZero::get)),
    }
}

/// `ketasim sweep`: check the flags and the sweep file, then run it (or its shard, or write a SLURM script) and print where the files are.
pub fn sweep_command(args: SweepArgs) -> Result<()> {
    // Flags first (cheap), then the file; nothing is written before both are checked.
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
    let jobs = jobs(args.jobs)?;
    if args.slurm == Some(0) {
        return Err(Error::input("--slurm 0: the number of shards (array tasks) must be at least 1"));
    }
    let sweep = Sweep::load_with(&args.sweep, crate::scenario::LoadOptions { allow_high_dose: args.allow_high_dose })?;
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.sweep));

    if let Some(n) = args.slurm {
        let exe = std::env::current_exe().map_err(|e| Error::internal(format!("cannot find the ketasim binary: {e}")))?;
        let file = std::fs::canonicalize(&args.sweep).unwrap_or_else(|_| absolute(&args.sweep));
        let workdir = std::env::current_dir().map_err(|e| Error::internal(format!("cannot read the current directory: {e}")))?;
        let mut text = slurm::script(&sweep, n, &exe, &file, &absolute(&out), &workdir);
        if args.allow_high_dose {
            // Every shard resolves the points again: it needs the flag too.
            text = text.replace(" --resume --quiet", " --resume --quiet --allow-high-dose");
        }
        let what = format!("{} runs in {n} array tasks", sweep.n_runs());
        return emit_slurm_script(&text, args.slurm_script.as_deref(), &what, &out, args.quiet);
    }

    // Memory against the machine's, and the estimate, before anything is allocated or written.
    let per_point = sweep.replicates as f64 / shard.count as f64;
    // Ctrl-C / SIGTERM stop the runs in flight cleanly (their staging directories are removed);
    // finished runs stay for --resume. A second signal ends the process at once. Installed before
    // the estimate is printed, so a Ctrl-C answering its warning is handled.
    crate::interrupt::install()?;
    crate::limits::check_sweep((0..sweep.n_points).map(|p| Ok((sweep.scenario(p)?, per_point))), jobs, args.quiet)?;
    let opts = exec::Options { out, jobs, shard, resume: args.resume, force: args.force, quiet: args.quiet };
    let report = exec::run(&sweep, &opts)?;
    if !args.quiet {
        eprintln!(
            "ran {} runs in {:.2} s ({:.1} runs/s){}",
            report.ran,
            report.wall_time_s,
            report.ran as f64 / report.wall_time_s.max(1e-9),
            if report.resumed > 0 { format!("; {} kept from before", report.resumed) } else { String::new() }
        );
    }
    println!("{}", report.summary.display());
    if let Some(p) = &report.points {
        println!("{}", p.display());
    }
    println!("{}", report.sweep_json.display());
    Ok(())
}

/// Print a generated SLURM script, or write it to `--slurm-script FILE` (atomically, executable,
/// never over a file ketasim did not write); `what` says what it runs, for the message.
pub fn emit_slurm_script(text: &str, script: Option<&Path>, what: &str, out: &Path, quiet: bool) -> Result<()> {
    match script {
        None => print!("{text}"),
        Some(path) => {
            guard_script_path(path)?;
            let _lock = crate::output::safety::Lock::acquire(&crate::output::safety::resolve(path)?, path)?;
            table::write_atomic(path, text.as_bytes())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            }
            if !quiet {
                eprintln!(
                    "wrote {}: {what} plus a merge job into {}; submit with: bash {}",
                    path.display(),
                    absolute(out).display(),
                    path.display()
                );
            }
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// `--slurm-script FILE` replaces only a script that ketasim wrote: a file that does not exist, or
/// a regular file starting with the header of a generated script. Anything else is refused (exit 2).
pub(crate) fn guard_script_path(path: &Path) -> Result<()> {
    let refuse = |why: &str| Error::Input {
        location: crate::error::Location { file: Some(path.to_path_buf()), ..Default::default() },
        message: format!("{why}; ketasim will not overwrite it, choose another --slurm-script"),
    };
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if !m.is_file() => Err(refuse("exists and is not a regular file")),
        Ok(_) => {
            let mut head = [0u8; 64];
            let n = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
            if String::from_utf8_lossy(&head[..n]).starts_with(slurm::HEADER) {
                Ok(())
            } else {
                Err(refuse("exists and is not a SLURM script that ketasim generated"))
            }
        }
    }
}

/// `ketasim merge`: combine the shard directories of a sweep or a trial into `--out`.
pub fn merge_command(args: MergeArgs) -> Result<()> {
    if args.shards.first().is_some_and(|d| crate::cohort::exec::is_trial_dir(d)) {
        return crate::cohort::merge_command(&args.out, &args.shards, args.force, args.quiet);
    }
    if args.shards.first().is_some_and(|d| crate::sensitivity::is_sensitivity_dir(d)) {
        return crate::sensitivity::merge_command(&args.out, &args.shards, args.force, args.quiet);
    }
    let report = merge::merge(&args.out, &args.shards, args.force)?;
    if !args.quiet {
        eprintln!("merged {} runs from {} shards into {}", report.runs, report.shards, report.dest.display());
    }
    println!("{}", report.dest.join("summary.csv").display());
    println!("{}", report.dest.join("points.csv").display());
    println!("{}", report.dest.join("sweep.json").display());
    Ok(())
}
