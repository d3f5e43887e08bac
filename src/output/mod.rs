//! Writers: the run directory (trace.csv, events.csv, summary.csv, manifest.json).
//!
//! Everything is written into a hidden temporary directory beside the destination and renamed
//! into place only when complete, so a killed run never leaves a directory that looks finished.
//! An existing non-empty destination is refused unless `--force` is given, and even then replaced
//! only if ketasim wrote it and it holds nothing else ([`safety`]: resolved paths, protected
//! directories, the lock, the check at commit).
//!
//! Test hook: with `KETASIM_FAULT_INJECT=write_trace` (or `write_events`, `write_summary`,
//! `write_manifest`, `commit`; see [`crate::guard::fault_injected`]) the named step fails as a full
//! disk would, after part of the file is written, so that tests can check that a failed write
//! leaves nothing behind; `delay_commit` waits 2 s before the result is moved into place, so that
//! tests can change the destination or start a second writer meanwhile. Never set it in real use.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::readout::{EVENT_KINDS, SUMMARY_COLUMNS, TRACE_COLUMNS};
use crate::scenario::Scenario;
use crate::sim::RunOutput;

pub mod safety;

pub use safety::{Input, Kind};

/// A destination directory and the temporary directory the result is written into.
#[derive(Debug)]
pub struct Staging {
    /// The destination as given (named in messages and printed).
    pub dest: PathBuf,
    /// The temporary directory beside the destination (`.NAME.partial-PID`) the files are written into, renamed into place on commit.
    pub tmp: PathBuf,
    kind: Kind,
    /// The checked, locked destination; `None` for a run inside a sweep (the sweep holds the lock).
    target: Option<safety::Dest>,
}

fn dir_error(dir: &Path, message: String) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message }
}

/// Check that `dest` may be written with a result of `kind` (see [`safety`]; bad → exit 2), lock
/// it, and create the temporary directory beside it. `inputs` are the files and directories the
/// command reads: `dest` must not hold them. The lock is held until the staging is committed or
/// dropped.
pub fn stage(dest: &Path, kind: Kind, force: bool, inputs: &[Input]) -> Result<Staging> {
    let target = safety::Dest::open(dest, inputs)?;
    if let safety::Snapshot::NonEmpty(_) = target.before {
        if !force {
            return Err(dir_error(
                dest,
                "the output directory exists and is not empty; pass --force to replace it, or choose another --out".into(),
            ));
        }
        safety::require_owned(&target.resolved, dest, kind)?;
    }
    let tmp = target.beside("partial");
    if fs::symlink_metadata(&tmp).is_ok() {
        // Our own pid: a leftover of an earlier process that had it.
        let _ = safety::remove_owned(&tmp, kind);
    }
    fs::create_dir(&tmp).map_err(|e| {
        dir_error(dest, format!("cannot write in {}: {e}", tmp.parent().unwrap_or(Path::new("/")).display()))
    })?;
    Ok(Staging { dest: dest.to_path_buf(), tmp, kind, target: Some(target) })
}

/// Stage a run inside a sweep's `runs/` (the sweep holds the lock and checked its directory):
/// `.ID.partial-PID` beside `dest`, which must not exist.
pub fn stage_in_sweep(dest: &Path) -> Result<Staging> {
    let name = dest.file_name().map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if fs::symlink_metadata(&tmp).is_ok() {
        let _ = safety::remove_owned(&tmp, Kind::Run);
    }
    fs::create_dir(&tmp).map_err(|e| dir_error(dest, format!("cannot write in {}: {e}", parent.display())))?;
    Ok(Staging { dest: dest.to_path_buf(), tmp, kind: Kind::Run, target: None })
}

impl Staging {
    /// Move the finished temporary directory into place, replacing `dest` only if it is still what
    /// was checked at [`stage`]. On failure the temporary directory is removed and `dest` is left
    /// as it was.
    pub fn commit(self) -> Result<PathBuf> {
        if crate::guard::fault_injected("delay_commit") {
            // Test hook: a window in which tests change the destination or start a second writer.
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        if crate::guard::fault_injected("commit") {
            self.abandon();
            return Err(Error::internal(format!("cannot move the results into {}: {}", self.dest.display(), injected("commit"))));
        }
        match &self.target {
            Some(t) => t.commit(&self.tmp, self.kind)?,
            None => {
                // Inside a sweep: never over an existing run (rename fails over a non-empty one).
                if let Err(e) = fs::rename(&self.tmp, &self.dest) {
                    self.abandon();
                    return Err(Error::internal(format!("cannot move the results into {}: {e}", self.dest.display())));
                }
            }
        }
        Ok(self.dest)
    }

    /// Remove the temporary directory (after a failure): only the files ketasim writes.
    pub fn abandon(&self) {
        let _ = safety::remove_owned(&self.tmp, self.kind);
    }
}

/// `e`, with a note that the run's temporary directory was removed and `dest` not written.
pub fn nothing_written(e: Error, dest: &Path) -> Error {
    let note = format!("; the unfinished results were removed, nothing was written to {}", dest.display());
    e.map_message(|m| m + &note)
}

/// The error text of an injected fault (test hook).
fn injected(point: &str) -> String {
    format!("injected failure ({}={point}, a test hook: unset it)", crate::guard::FAULT_ENV)
}

/// The columns of events.csv (the fields of [`crate::readout::Event`]).
pub const EVENT_COLUMNS: &[(&str, &str, &str)] =
    &[("time_h", "h", "time of the event"), ("kind", "", "event kind"), ("detail", "", "free text")];

/// Write `rows` as CSV. The header comes from the row type's field names; `header` is written
/// instead when there are no rows, so that an empty table (e.g. no events) still has its header.
fn write_csv<T: Serialize>(path: &Path, header: &[&str], rows: impl IntoIterator<Item = T>) -> Result<()> {
    let file = fs::File::create(path).map_err(|e| Error::internal(format!("cannot create {}: {e}", path.display())))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let fault = crate::guard::fault_injected(&format!("write_{stem}"));
    let mut n = 0usize;
    for r in rows {
        w.serialize(r).map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
        n += 1;
        if fault {
            let _ = w.flush();
            return Err(Error::internal(format!("cannot write {}: {}", path.display(), injected(&format!("write_{stem}")))));
        }
    }
    if n == 0 {
        w.write_record(header).map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    }
    let inner = w.into_inner().map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    inner
        .into_inner()
        .map_err(|e| Error::internal(format!("cannot write {}: {}", path.display(), e.error())))?
        .sync_all()
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
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
        "format": safety::RUN_FORMAT,
        "ketasim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": env!("KETASIM_GIT_COMMIT"),
        "command_line": std::env::args().collect::<Vec<_>>(),
        "overrides": sc.overrides,
        "scenario_source": sc.source,
        "scenario": sc,
        "parameters_resolved": params,
        "parameter_uncertainty": crate::params::PARAMETERS
            .iter()
            .map(|p| (p.name.to_string(), serde_json::json!([p.uncertainty_low, p.uncertainty_high])))
            .collect::<serde_json::Map<_, _>>(),
        "seed": sc.seed,
        "threads": threads,
        "steps": run.steps,
        "wall_time_s": run.wall_time_s,
        "warnings": run.warnings,
        "files": {
            "trace.csv": { "columns": columns(TRACE_COLUMNS) },
            "summary.csv": { "columns": columns(SUMMARY_COLUMNS) },
            "events.csv": {
                "columns": columns(EVENT_COLUMNS),
                "kinds": EVENT_KINDS.iter().map(|(k, d)| serde_json::json!({"kind": k, "description": d})).collect::<Vec<_>>(),
            },
        },
    })
}

/// Write every output file of a run into the staging directory.
pub fn write_run(staging: &Staging, sc: &Scenario, run: &RunOutput, threads: usize) -> Result<()> {
    let names = |c: &[(&'static str, &'static str, &'static str)]| c.iter().map(|c| c.0).collect::<Vec<_>>();
    write_csv(&staging.tmp.join("trace.csv"), &names(TRACE_COLUMNS), &run.trace)?;
    write_csv(&staging.tmp.join("events.csv"), &names(EVENT_COLUMNS), &run.events)?;
    write_csv(&staging.tmp.join("summary.csv"), &names(SUMMARY_COLUMNS), [&run.summary])?;
    let doses = crate::readout::doses::dose_rows(sc, &run.trace, &run.events);
    write_csv(&staging.tmp.join("doses.csv"), &names(crate::readout::doses::DOSE_COLUMNS), doses)?;
    if let Some(p) = &run.pain { crate::pain::readout::write(&staging.tmp, p)?; }
    let path = staging.tmp.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest(sc, run, threads)).map_err(|e| Error::internal(e.to_string()))?;
    let mut f = fs::File::create(&path).map_err(|e| Error::internal(format!("cannot create {}: {e}", path.display())))?;
    if crate::guard::fault_injected("write_manifest") {
        let _ = f.write_all(&text.as_bytes()[..text.len() / 2]);
        return Err(Error::internal(format!("cannot write {}: {}", path.display(), injected("write_manifest"))));
    }
    f.write_all(text.as_bytes()).and_then(|_| f.write_all(b"\n")).and_then(|_| f.sync_all())
        .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readout::Event;

    #[test]
    fn event_columns_match_the_event_fields() {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(Event { time_h: 0.0, kind: "warning".into(), detail: "d".into() }).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(header, EVENT_COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>());
    }

    #[test]
    fn empty_table_keeps_its_header() {
        let dir = std::env::temp_dir().join(format!("ketasim-write-csv-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.csv");
        write_csv(&path, &["time_h", "kind", "detail"], Vec::<Event>::new()).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "time_h,kind,detail\n");
        let _ = fs::remove_dir_all(&dir);
    }
}
