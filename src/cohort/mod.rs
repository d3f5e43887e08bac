//! Virtual cohorts and in-silico trials (issue 14; format and definitions in `docs/trial.md`).
//!
//! A trial is a layer above [`crate::api`]: a virtual subject is an arm's scenario with the
//! subject's drawn covariates and parameters applied (as `--set` would) and the subject's own
//! seed, so every mechanism of a single run runs unchanged.
//!
//! - [`population`]: between-subject variability, a table with value, unit, source, uncertainty.
//! - [`bp`]: measured blood pressure (reading noise at the label's times) and the large rise.
//! - [`placebo`]: expectancy response with its own time course, background improvement, rating noise.
//! - [`trial`]: the trial file, arms, design; one subject in one arm.
//! - [`stats`]: Wilson intervals, differences of proportions, NNT, Kaplan–Meier.
//! - [`tables`]: subjects.csv, arms.csv, timecourse.csv, survival.csv.
//! - `exec` (command line): blocks of subjects on N workers, resume, shards, merge.

pub mod bp;
pub mod placebo;
pub mod population;
pub mod stats;
pub mod tables;
pub mod trial;

#[cfg(feature = "cli")]
pub mod exec;

pub use trial::{Design, Trial, UnitResult};

#[cfg(feature = "cli")]
mod command {
    use std::path::{Path, PathBuf};

    use crate::batch::Shard;
    use crate::error::Result;

    use super::exec;
    use super::trial::Trial;

    /// `ketasim trial`.
    #[derive(clap::Args, Debug)]
    #[command(after_help = "Examples:\n  ketasim trial trials/single-infusion-vs-midazolam.toml\n  ketasim trial trials/six-infusions-relapse.toml --out runs/relapse --jobs 2\n  ketasim trial trials/esketamine-induction.toml --shard 0/2 --out runs/esk.shards/0\n  ketasim merge --out runs/esk runs/esk.shards/0 runs/esk.shards/1\n  ketasim trial trials/esketamine-induction.toml --slurm 8 --slurm-script esk.sh\n\nFormat, definitions and calibration: docs/trial.md")]
    pub struct TrialArgs {
        /// The trial file (.toml): seed, subjects per arm, design, [population], [placebo], [[arm]].
        pub trial: PathBuf,
        /// Output directory [default: runs/<trial file stem>].
        #[arg(long)]
        pub out: Option<PathBuf>,
        /// Subjects at a time, each on one thread [default: all cores]. Results do not depend on it.
        #[arg(long)]
        pub jobs: Option<usize>,
        /// Run only the K-th of N deterministic slices of the subjects; combine with `ketasim merge`.
        #[arg(long, value_name = "K/N")]
        pub shard: Option<String>,
        /// Continue an interrupted trial in --out: keep finished blocks of subjects, run the rest.
        #[arg(long, conflicts_with = "force")]
        pub resume: bool,
        /// Delete an existing, non-empty output directory first.
        #[arg(long)]
        pub force: bool,
        /// No progress bar and no messages on stderr except errors.
        #[arg(long)]
        pub quiet: bool,
        /// Print (or write with --slurm-script) an sbatch script that runs the trial as a SLURM job
        /// array of N shards plus a merge job; runs nothing here (docs/cluster.md).
        #[arg(long, value_name = "N", conflicts_with_all = ["shard", "resume", "force"])]
        pub slurm: Option<u64>,
        /// Write the --slurm script to FILE instead of printing it.
        #[arg(long, value_name = "FILE", requires = "slurm")]
        pub slurm_script: Option<PathBuf>,
        /// Run doses above their route's plausible ceiling anyway, with a warning (as
        /// `allow_high_dose = true` in every arm's scenario).
        #[arg(long)]
        pub allow_high_dose: bool,
    }

    fn default_out(file: &Path) -> PathBuf {
        let stem = file.file_stem().map_or_else(|| "trial".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("runs").join(stem)
    }

    /// `ketasim trial`: load the trial file, run (or resume) it into `--out` and print where the files are.
    pub fn trial_command(args: TrialArgs) -> Result<()> {
        let shard = args.shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
        let jobs = crate::batch::jobs(args.jobs)?;
        if args.slurm == Some(0) {
            return Err(crate::error::Error::input("--slurm 0: the number of shards (array tasks) must be at least 1"));
        }
        let trial = Trial::load_with(&args.trial, crate::scenario::LoadOptions { allow_high_dose: args.allow_high_dose })?;
        let out = args.out.clone().unwrap_or_else(|| default_out(&args.trial));
        if let Some(n) = args.slurm {
            use crate::batch::{absolute, slurm};
            let internal = |what: &str, e: std::io::Error| crate::error::Error::internal(format!("cannot {what}: {e}"));
            let exe = std::env::current_exe().map_err(|e| internal("find the ketasim binary", e))?;
            let file = std::fs::canonicalize(&args.trial).unwrap_or_else(|_| absolute(&args.trial));
            let workdir = std::env::current_dir().map_err(|e| internal("read the current directory", e))?;
            let units = trial.n_units();
            let what = format!(
                "Trial:  {}  (fingerprint {})\n#         {} arms x {} subjects = {units} subject-arms, in {n} shards",
                file.display(),
                trial.fingerprint,
                trial.arms.len(),
                trial.subjects
            );
            let job = slurm::Job { command: "trial", file: &file, what, results: &["arms.csv", "subjects.csv"] };
            let text = slurm::job_script(&job, n, &exe, &absolute(&out), &workdir);
            return crate::batch::emit_slurm_script(&text, args.slurm_script.as_deref(), &format!("{units} subject-arms in {n} array tasks"), &out, args.quiet);
        }
        crate::interrupt::install()?;
        let opts = exec::Options { out: out.clone(), jobs, shard, resume: args.resume, force: args.force, quiet: args.quiet };
        let report = exec::run(&trial, &opts)?;
        if !args.quiet {
            eprintln!(
                "ran {} subject-arms in {:.2} s{}",
                report.ran,
                report.wall_time_s,
                if report.resumed > 0 { format!("; {} kept from before", report.resumed) } else { String::new() }
            );
        }
        for f in exec::TRIAL_FILES {
            if report.tables || *f == "trial.json" {
                println!("{}", out.join(f).display());
            }
        }
        Ok(())
    }

    /// `ketasim merge` of trial shards (called by the sweep's merge when the shards are trials).
    pub fn merge_command(out: &Path, shards: &[PathBuf], force: bool, quiet: bool) -> Result<()> {
        let report = exec::merge(out, shards, force)?;
        if !quiet {
            eprintln!("merged {} subject-arms from {} shards into {}", report.units, shards.len(), out.display());
        }
        for f in exec::TRIAL_FILES {
            println!("{}", out.join(f).display());
        }
        Ok(())
    }
}

#[cfg(feature = "cli")]
pub use command::{TrialArgs, merge_command, trial_command};
