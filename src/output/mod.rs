//! Writers: the run directory (trace.csv, events.csv, summary.csv, manifest.json).
//!
//! Everything is written into a hidden temporary directory beside the destination and renamed
//! into place only when complete, so a killed run never leaves a directory that looks finished.
//! An existing non-empty destination is refused unless `--force` is given.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::readout::{EVENT_KINDS, SUMMARY_COLUMNS, TRACE_COLUMNS};
use crate::scenario::Scenario;
use crate::sim::RunOutput;

/// A destination directory and the temporary directory the run is written into.
#[derive(Debug)]
pub struct Staging {
    pub dest: PathBuf,
    pub tmp: PathBuf,
}

fn dir_error(dir: &Path, message: String) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message }
}

/// Check that `dest` may be written (bad → exit 2) and create the temporary directory beside it.
pub fn stage(dest: &Path, force: bool) -> Result<Staging> {
    if dest.exists() {
        if !dest.is_dir() {
            return Err(dir_error(dest, "the output path exists and is not a directory".into()));
        }
        let non_empty = fs::read_dir(dest).map(|mut d| d.next().is_some()).unwrap_or(true);
        if non_empty && !force {
            return Err(dir_error(
                dest,
                "the output directory exists and is not empty; pass --force to replace it, or choose another --out".into(),
            ));
        }
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)
        .map_err(|e| dir_error(dest, format!("cannot create the parent directory {}: {e}", parent.display())))?;
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        let _ = fs::remove_dir_all(&tmp);
    }
    fs::create_dir(&tmp).map_err(|e| dir_error(dest, format!("cannot write in {}: {e}", parent.display())))?;
    Ok(Staging { dest: dest.to_path_buf(), tmp })
}

impl Staging {
    /// Move the finished temporary directory into place (replacing `dest` when forced).
    pub fn commit(self) -> Result<PathBuf> {
        if self.dest.exists() {
            let old = self.tmp.with_extension("old");
            fs::rename(&self.dest, &old).map_err(|e| Error::internal(format!("cannot replace {}: {e}", self.dest.display())))?;
            let _ = fs::remove_dir_all(&old);
        }
        fs::rename(&self.tmp, &self.dest)
            .map_err(|e| Error::internal(format!("cannot move the results into {}: {e}", self.dest.display())))?;
        Ok(self.dest)
    }

    /// Remove the temporary directory (after a failure).
    pub fn abandon(&self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

fn write_csv<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> Result<()> {
    let file = fs::File::create(path).map_err(|e| Error::internal(format!("cannot create {}: {e}", path.display())))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    for r in rows {
        w.serialize(r).map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    }
    let inner = w.into_inner().map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    inner.into_inner().map_err(|e| Error::internal(format!("cannot write {}: {}", path.display(), e.error())))?.sync_all()?;
    Ok(())
}

#[derive(Serialize)]
struct Column {
    name: &'static str,
    unit: &'static str,
    description: &'static str,
}

fn columns(c: &[(&'static str, &'static str, &'static str)]) -> Vec<Column> {
    c.iter().map(|&(name, unit, description)| Column { name, unit, description }).collect()
}

/// What produced the results: version, resolved scenario, seed, threads, timing, warnings, units.
pub fn manifest(sc: &Scenario, run: &RunOutput, threads: usize) -> serde_json::Value {
    let params = sc.params();
    serde_json::json!({
        "ketasim_version": env!("CARGO_PKG_VERSION"),
        "scenario_source": sc.source,
        "scenario": sc,
        "parameters_resolved": params,
        "seed": sc.seed,
        "threads": threads,
        "steps": run.steps,
        "wall_time_s": run.wall_time_s,
        "warnings": run.warnings,
        "files": {
            "trace.csv": { "columns": columns(TRACE_COLUMNS) },
            "summary.csv": { "columns": columns(SUMMARY_COLUMNS) },
            "events.csv": {
                "columns": [
                    {"name": "time_h", "unit": "h", "description": "time of the event"},
                    {"name": "kind", "unit": "", "description": "event kind"},
                    {"name": "detail", "unit": "", "description": "free text"}
                ],
                "kinds": EVENT_KINDS.iter().map(|(k, d)| serde_json::json!({"kind": k, "description": d})).collect::<Vec<_>>(),
            },
        },
    })
}

/// Write every output file of a run into the staging directory.
pub fn write_run(staging: &Staging, sc: &Scenario, run: &RunOutput, threads: usize) -> Result<()> {
    write_csv(&staging.tmp.join("trace.csv"), &run.trace)?;
    write_csv(&staging.tmp.join("events.csv"), &run.events)?;
    write_csv(&staging.tmp.join("summary.csv"), [&run.summary])?;
    let path = staging.tmp.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest(sc, run, threads)).map_err(|e| Error::internal(e.to_string()))?;
    let mut f = fs::File::create(&path).map_err(|e| Error::internal(format!("cannot create {}: {e}", path.display())))?;
    f.write_all(text.as_bytes()).and_then(|_| f.write_all(b"\n")).and_then(|_| f.sync_all())
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}
