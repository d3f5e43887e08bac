//! `ketasim sensitivity`: global sensitivity analysis of model parameters on summary outputs —
//! Morris elementary effects and Sobol first-order and total indices with bootstrap confidence
//! intervals (docs/sensitivity.md).
//!
//! - [`spec`]: the spec file → the analysis (factors, ranges, methods, sizes) and the sweep of its
//!   runs (the base scenario at every design point, all with the same model seed).
//! - [`design`]: Morris trajectories and the Saltelli design (scrambled Sobol sequence).
//! - [`indices`]: the estimators and the bootstrap.
//!
//! The runs are a sweep (`DIR/sweep/`, written by [`crate::batch::exec`]): parallel (`--jobs`),
//! resumable (`--resume`), shardable (`--shard K/N`, then `ketasim merge`) and SLURM-ready
//! (`--slurm N`). The directory's marker is `sensitivity.json`; `--force` replaces only a
//! sensitivity directory that ketasim wrote (`output::safety`, kind `Sensitivity`).
//!
//! Files: `design.csv` (the sampled points), `runs.csv` (each point's parameters and outputs),
//! `indices.csv` (method, parameter, output, index, estimate, ci_low, ci_high), `sensitivity.json`
//! (the resolved spec, versions, fingerprint) and `sensitivity.png` (the figure). They depend only
//! on the spec and the ketasim version: byte-identical at any `--jobs` and sharded + merged.

pub mod design;
pub mod indices;
pub mod spec;

use std::fs;
use std::path::{Path, PathBuf};

use crate::batch::exec::{read_json, write_json};
use crate::batch::table::{CsvOut, write_atomic};
use crate::batch::{self, Shard};
use crate::error::{Error, Location, Result};
use crate::output::safety;

use indices::Bootstrap;
use spec::{Analysis, Spec};

/// The `format` of sensitivity.json.
pub const FORMAT: &str = "ketasim-sensitivity/1";

/// `ketasim sensitivity`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  ketasim sensitivity sensitivity/antidepressant.toml --out runs/gsa --jobs 2\n  ketasim sensitivity sensitivity/antidepressant.toml --out runs/gsa --resume\n  ketasim sensitivity sensitivity/antidepressant.toml --shard 0/2 --out runs/gsa.shards/0\n  ketasim merge --out runs/gsa runs/gsa.shards/0 runs/gsa.shards/1\n  ketasim sensitivity sensitivity/antidepressant.toml --slurm 8 --out runs/gsa --slurm-script gsa.sh\n\nFormat and outputs: docs/sensitivity.md")]
pub struct SensitivityArgs {
    /// The sensitivity spec (.toml): base scenario, [set], outputs, [parameters], [morris], [sobol].
    pub spec: PathBuf,
    /// Output directory [default: runs/<NAME>, NAME being the spec file's name without .toml].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs at a time, each on one thread [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only the K-th of N deterministic slices of the runs (K from 0); combine with `ketasim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted analysis in --out: keep finished runs, redo the rest.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace an existing sensitivity directory that ketasim wrote (only if it holds nothing
    /// else), once the new one is complete.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no messages on stderr except errors.
    #[arg(long)]
    pub quiet: bool,
    /// Print (or write with --slurm-script) an sbatch script that runs the analysis as a SLURM job
    /// array of N shards plus a merge job; runs nothing.
    #[arg(long, value_name = "N", conflicts_with_all = ["shard", "resume", "force", "jobs"])]
    pub slurm: Option<u64>,
    /// Write the SLURM script to FILE instead of stdout.
    #[arg(long, value_name = "FILE", requires = "slurm")]
    pub slurm_script: Option<PathBuf>,
}

fn dir_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// Whether `dir` is a sensitivity directory (it has a sensitivity.json).
pub fn is_sensitivity_dir(dir: &Path) -> bool {
    dir.join("sensitivity.json").is_file()
}

/// sensitivity.json: the resolved spec, versions, fingerprint, shard and state. No timings (they
/// are in `sweep/sweep.json`), so that it is the same for the same spec however it was run.
fn sensitivity_json(spec_file: &str, description: &str, base: &str, analysis: &Analysis, fingerprint: &str, shard: Option<Shard>, complete: bool) -> serde_json::Value {
    serde_json::json!({
        "format": FORMAT,
        "ketasim_version": env!("CARGO_PKG_VERSION"),
        "sobol_sequence": "sobol_burley 0.5 (Owen-scrambled Sobol sequence, Burley 2020)",
        "spec_file": spec_file,
        "description": description,
        "base": base,
        "analysis": analysis,
        "runs_total": analysis.n_morris() + analysis.n_sobol(),
        "estimators": {
            "S1": "Saltelli et al. 2010, Table 2 (b), f_B centred: (1/N) sum (f_B - mean) (f_ABj - f_A) / V",
            "ST": "Jansen 1999 (Saltelli et al. 2010, Table 2 (f)): (1/2N) sum (f_A - f_ABj)^2 / V",
            "mu_star": "mean |EE| over trajectories (Campolongo et al. 2007); EE per whole parameter range",
            "mu": "mean EE",
            "sigma": "standard deviation of EE (n - 1)",
            "ci": "bootstrap percentile interval (rows for Sobol, trajectories for Morris)",
        },
        "shard": shard.map(|s| serde_json::json!({"index": s.index, "count": s.count})),
        "complete": complete,
        "fingerprint": fingerprint,
    })
}

/// Write design.csv: point, method, block, then the parameter values.
fn write_design(dir: &Path, analysis: &Analysis) -> Result<()> {
    let ranges = analysis.ranges();
    let mut header = vec!["point".to_string(), "method".into(), "block".into()];
    header.extend(ranges.iter().map(|r| r.name.clone()));
    let mut out = CsvOut::create(&dir.join("design.csv"), &header)?;
    for (p, (method, block, u)) in analysis.unit_points().into_iter().enumerate() {
        let mut row = vec![p.to_string(), method.to_string(), block];
        row.extend(u.iter().zip(&ranges).map(|(u, r)| format!("{:?}", r.value(*u))));
        out.row(&row)?;
    }
    out.finish()
}

/// The chosen outputs at every point, from the sweep's summary.csv (one run per point).
fn read_outputs(sweep_dir: &Path, analysis: &Analysis) -> Result<Vec<Vec<f64>>> {
    let path = sweep_dir.join("summary.csv");
    let mut r = csv::Reader::from_path(&path).map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
    let header: Vec<String> = r.headers().map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?.iter().map(String::from).collect();
    let cols: Vec<usize> = analysis
        .outputs
        .iter()
        .map(|o| header.iter().position(|h| h == o).ok_or_else(|| Error::internal(format!("{} has no column {o}", path.display()))))
        .collect::<Result<_>>()?;
    let mut y = vec![Vec::new(); cols.len()];
    for (p, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
        for (o, &c) in cols.iter().enumerate() {
            let cell = rec.get(c).unwrap_or("");
            let v: f64 = cell.parse().map_err(|_| {
                Error::input(format!(
                    "output `{}` is empty or not a number at point {p} (`{cell}`): every point needs a value; choose an output the base scenario always produces (e.g. a time the run covers)",
                    analysis.outputs[o]
                ))
            })?;
            y[o].push(v);
        }
    }
    let n = analysis.n_morris() + analysis.n_sobol();
    if y.first().map_or(0, std::vec::Vec::len) != n {
        return Err(Error::internal(format!("{} has {} rows, the design {n} points", path.display(), y.first().map_or(0, std::vec::Vec::len))));
    }
    Ok(y)
}

/// A number for a CSV cell: shortest round-trip text; empty when undefined.
fn cell(x: f64) -> String {
    if x.is_finite() { format!("{x:?}") } else { String::new() }
}

/// The rows of indices.csv.
pub fn compute_indices(analysis: &Analysis, y: &[Vec<f64>]) -> Vec<[String; 7]> {
    let k = analysis.parameters.len();
    let boot = Bootstrap { resamples: analysis.bootstrap, confidence: analysis.confidence, seed: analysis.seed };
    let mut rows = Vec::new();
    let nm = analysis.n_morris();
    let trajectories = analysis.trajectories();
    for (o, name) in analysis.outputs.iter().enumerate() {
        if analysis.morris.is_some() {
            let m = indices::morris(&trajectories, &y[o][..nm], boot, o as u64);
            for (j, p) in analysis.parameters.iter().enumerate() {
                for (idx, e) in [("mu_star", m[j].mu_star), ("mu", m[j].mu), ("sigma", m[j].sigma)] {
                    rows.push(["morris".to_string(), p.name.clone(), name.clone(), idx.into(), cell(e.value), cell(e.low), cell(e.high)]);
                }
            }
        }
        if let Some(s) = analysis.sobol {
            let r = indices::sobol(&y[o][nm..], s.samples, k, boot, o as u64);
            for (j, p) in analysis.parameters.iter().enumerate() {
                for (idx, e) in [("S1", r[j].s1), ("ST", r[j].st)] {
                    rows.push(["sobol".to_string(), p.name.clone(), name.clone(), idx.into(), cell(e.value), cell(e.low), cell(e.high)]);
                }
            }
        }
    }
    rows
}

/// The columns of indices.csv.
pub const INDEX_COLUMNS: &[&str] = &["method", "parameter", "output", "index", "estimate", "ci_low", "ci_high"];

/// From a complete, unsharded `dir/sweep`: runs.csv, indices.csv and the figure.
fn analyse(dir: &Path, analysis: &Analysis) -> Result<()> {
    let y = read_outputs(&dir.join("sweep"), analysis)?;
    // runs.csv: the design with the outputs.
    let ranges = analysis.ranges();
    let mut header = vec!["point".to_string(), "method".into(), "block".into()];
    header.extend(ranges.iter().map(|r| r.name.clone()));
    header.extend(analysis.outputs.iter().cloned());
    let mut out = CsvOut::create(&dir.join("runs.csv"), &header)?;
    for (p, (method, block, u)) in analysis.unit_points().into_iter().enumerate() {
        let mut row = vec![p.to_string(), method.to_string(), block];
        row.extend(u.iter().zip(&ranges).map(|(u, r)| format!("{:?}", r.value(*u))));
        row.extend(y.iter().map(|col| cell(col[p])));
        out.row(&row)?;
    }
    out.finish()?;
    let mut out = CsvOut::create(&dir.join("indices.csv"), &INDEX_COLUMNS.iter().map(std::string::ToString::to_string).collect::<Vec<_>>())?;
    for r in compute_indices(analysis, &y) {
        out.row(&r)?;
    }
    out.finish()?;
    crate::plot::plot_sensitivity(dir, &dir.join("sensitivity.png"))
}

/// The default output directory of a spec: `runs/<file stem>`.
pub fn default_out(spec: &Path) -> PathBuf {
    batch::default_out(spec)
}

/// `ketasim sensitivity SPEC`.
pub fn sensitivity_command(args: SensitivityArgs) -> Result<()> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::WHOLE);
    let jobs = batch::jobs(args.jobs)?;
    if args.slurm == Some(0) {
        return Err(Error::input("--slurm 0: the number of shards (array tasks) must be at least 1"));
    }
    let spec = Spec::load(&args.spec)?;
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.spec));
    if let Some(n) = args.slurm {
        return slurm(&args, &spec, &out, n);
    }
    let per_point = 1.0 / shard.count as f64;
    crate::interrupt::install()?;
    crate::limits::check_sweep((0..spec.sweep.n_points).map(|p| Ok((spec.sweep.scenario(p)?, per_point))), jobs, args.quiet)?;

    let mut inputs = vec![safety::Input::File(spec.file.clone())];
    if !spec.sweep.base.origin.to_string_lossy().starts_with("bundled:") {
        inputs.push(safety::Input::File(spec.sweep.base.origin.clone()));
    }
    let dest = safety::Dest::open(&out, &inputs)?;
    let dir = dest.resolved.clone();
    let json = |complete: bool| {
        sensitivity_json(&spec.file.display().to_string(), &spec.description, &spec.sweep.base_spec, &spec.analysis, &spec.sweep.fingerprint, Some(shard), complete)
    };
    // `staged`: built beside an earlier result that --force replaces once complete.
    let (work, staged, created) = match &dest.before {
        safety::Snapshot::NonEmpty(_) if args.resume => {
            let Some(j) = read_json(&dir.join("sensitivity.json")) else {
                return Err(dir_error(&out, "--resume: this is not a ketasim sensitivity directory (no readable sensitivity.json); choose another --out, or pass --force to replace it"));
            };
            if j["fingerprint"].as_str() != Some(spec.sweep.fingerprint.as_str()) {
                return Err(dir_error(&out, "--resume: this directory holds another analysis (the spec, its base scenario or the ketasim version differ); pass --force to start over, or choose another --out"));
            }
            if (j["shard"]["index"].as_u64(), j["shard"]["count"].as_u64()) != (Some(shard.index), Some(shard.count)) {
                return Err(dir_error(&out, format!("--resume: this directory holds another shard of the analysis than {shard}; give the same --shard, or choose another --out")));
            }
            (dir.clone(), false, false)
        }
        safety::Snapshot::NonEmpty(_) if args.force => {
            safety::require_owned(&dir, &out, safety::Kind::Sensitivity)?;
            let tmp = dest.beside("partial");
            if fs::symlink_metadata(&tmp).is_ok() {
                let _ = safety::remove_owned(&tmp, safety::Kind::Sensitivity);
            }
            fs::create_dir(&tmp).map_err(|e| dir_error(&out, format!("cannot create the staging directory {}: {e}", tmp.display())))?;
            (tmp, true, true)
        }
        safety::Snapshot::NonEmpty(_) => {
            return Err(dir_error(&out, "the output directory exists and is not empty; pass --resume to continue the analysis in it, --force to replace it, or choose another --out"));
        }
        safety::Snapshot::Absent => {
            fs::create_dir(&dir).map_err(|e| dir_error(&out, format!("cannot create the output directory: {e}")))?;
            (dir.clone(), false, true)
        }
        safety::Snapshot::Empty(_) => (dir.clone(), false, false),
    };
    let result = (|| {
        write_json(&work.join("sensitivity.json"), &json(false))?;
        write_design(&work, &spec.analysis)?;
        let opts = batch::exec::Options { out: work.join("sweep"), jobs, shard, resume: work.join("sweep").exists(), force: false, quiet: args.quiet };
        let report = batch::exec::run(&spec.sweep, &opts)?;
        if shard.count == 1 {
            analyse(&work, &spec.analysis)?;
        }
        write_json(&work.join("sensitivity.json"), &json(true))?;
        Ok::<_, Error>(report)
    })();
    match result {
        Ok(report) => {
            if staged {
                dest.commit(&work, safety::Kind::Sensitivity)?;
            }
            if !args.quiet {
                eprintln!(
                    "ran {} runs in {:.2} s{}",
                    report.ran,
                    report.wall_time_s,
                    if report.resumed > 0 { format!("; {} kept from before", report.resumed) } else { String::new() }
                );
            }
            for f in ["design.csv", "runs.csv", "indices.csv", "sensitivity.png", "sensitivity.json"] {
                if shard.count == 1 || matches!(f, "design.csv" | "sensitivity.json") {
                    println!("{}", out.join(f).display());
                }
            }
            Ok(())
        }
        Err(e) => {
            // A staged replacement, or a new directory without a finished run to resume, goes.
            if staged || (created && !work.join("sweep").join("runs").is_dir()) {
                let _ = safety::remove_owned(&work, safety::Kind::Sensitivity);
            }
            Err(e)
        }
    }
}

fn slurm(args: &SensitivityArgs, spec: &Spec, out: &Path, n: u64) -> Result<()> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let exe = std::env::current_exe().map_err(|e| Error::internal(format!("cannot find the ketasim binary: {e}")))?;
    let file = fs::canonicalize(&args.spec).unwrap_or_else(|_| absolute(&args.spec));
    let workdir = std::env::current_dir().map_err(|e| Error::internal(format!("cannot read the current directory: {e}")))?;
    let text = batch::slurm::script_for("sensitivity", &spec.sweep, n, &exe, &file, &absolute(out), &workdir);
    match &args.slurm_script {
        None => print!("{text}"),
        Some(path) => {
            batch::guard_script_path(path)?;
            let _lock = safety::Lock::acquire(&safety::resolve(path)?, path)?;
            write_atomic(path, text.as_bytes())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o755));
            }
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// `ketasim merge --out DIR SHARD...` for the shards of a sensitivity analysis: merge their runs
/// (as a sweep merge does) into `DIR/sweep`, then compute the indices as an unsharded run would.
pub fn merge_command(dest: &Path, shards: &[PathBuf], force: bool, quiet: bool) -> Result<()> {
    let mut first: Option<serde_json::Value> = None;
    for d in shards {
        let Some(j) = read_json(&d.join("sensitivity.json")) else {
            return Err(dir_error(d, "not a sensitivity directory: no readable sensitivity.json (give the shard directories of one `ketasim sensitivity --shard K/N`)"));
        };
        if j["complete"].as_bool() != Some(true) {
            return Err(dir_error(d, "this shard is not complete; finish it with `ketasim sensitivity SPEC --shard K/N --out DIR --resume`"));
        }
        if let Some(f) = &first
            && (f["fingerprint"] != j["fingerprint"] || f["analysis"] != j["analysis"])
        {
            return Err(dir_error(d, format!("comes from another analysis than {}", shards[0].display())));
        }
        first.get_or_insert(j);
    }
    let Some(j) = first else { return Err(Error::input("merge needs at least one shard directory")) };
    let analysis: Analysis = serde_json::from_value(j["analysis"].clone()).map_err(|e| dir_error(&shards[0], format!("sensitivity.json: {e}")))?;
    let inputs: Vec<safety::Input> = shards.iter().map(|s| safety::Input::Dir(s.clone())).collect();
    let staging = crate::output::stage(dest, safety::Kind::Sensitivity, force, &inputs)?;
    let result = (|| {
        let sweep_dirs: Vec<PathBuf> = shards.iter().map(|s| s.join("sweep")).collect();
        batch::merge::merge(&staging.tmp.join("sweep"), &sweep_dirs, false)?;
        write_design(&staging.tmp, &analysis)?;
        analyse(&staging.tmp, &analysis)?;
        let json = sensitivity_json(
            j["spec_file"].as_str().unwrap_or(""),
            j["description"].as_str().unwrap_or(""),
            j["base"].as_str().unwrap_or(""),
            &analysis,
            j["fingerprint"].as_str().unwrap_or(""),
            None,
            true,
        );
        // The unsharded command writes `shard: 0/1`; a merge gives the same file.
        let mut json = json;
        json["shard"] = serde_json::json!({"index": 0, "count": 1});
        write_json(&staging.tmp.join("sensitivity.json"), &json)?;
        Ok::<_, Error>(())
    })();
    match result {
        Ok(()) => {
            let dest = staging.commit()?;
            if !quiet {
                eprintln!("merged {} shards into {}", shards.len(), dest.display());
            }
            for f in ["design.csv", "runs.csv", "indices.csv", "sensitivity.png", "sensitivity.json"] {
                println!("{}", dest.join(f).display());
            }
            Ok(())
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}
