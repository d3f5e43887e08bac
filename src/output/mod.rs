//! Writers: the run directory (trace.csv, events.csv, summary.csv, manifest.json).
//!
//! Everything is written into a hidden temporary directory beside the destination and renamed
//! into place only when complete, so a killed run never leaves a directory that looks finished.
//! An existing non-empty destination is refused unless `--force` is given.
//!
//! Test hook: with `KETASIM_FAULT_INJECT=write_trace` (or `write_events`, `write_summary`,
//! `write_manifest`, `commit`; see [`crate::guard::fault_injected`]) the named step fails as a full
//! disk would, after part of the file is written, so that tests can check that a failed write
//! leaves nothing behind. Never set it in real use.

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
        // --force replaces the directory: never the current directory or one that contains it.
        if let (Ok(d), Ok(cwd)) = (fs::canonicalize(dest), std::env::current_dir().and_then(fs::canonicalize))
            && cwd.starts_with(&d)
        {
            return Err(dir_error(
                dest,
                "the output directory is the current directory or contains it; ketasim will not replace it, choose another --out".into(),
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
    /// On failure the temporary directory is removed and `dest` is left as it was.
    pub fn commit(self) -> Result<PathBuf> {
        if crate::guard::fault_injected("commit") {
            self.abandon();
            return Err(Error::internal(format!("cannot move the results into {}: {}", self.dest.display(), injected("commit"))));
        }
        let mut old = None;
        if self.dest.exists() {
            // `.<name>.partial-<pid>` → `.<name>.old-<pid>`: unique to this process, so a stale
            // directory left by an earlier, killed run cannot make the rename fail.
            let name = self.tmp.file_name().map(|n| n.to_string_lossy().replace(".partial-", ".old-")).unwrap_or_default();
            let o = self.tmp.with_file_name(name);
            if o.exists() {
                let _ = fs::remove_dir_all(&o);
            }
            if let Err(e) = fs::rename(&self.dest, &o) {
                self.abandon();
                return Err(Error::internal(format!("cannot replace {}: {e}", self.dest.display())));
            }
            old = Some(o);
        }
        if let Err(e) = fs::rename(&self.tmp, &self.dest) {
            // Put the previous directory back rather than lose it.
            if let Some(o) = &old {
                let _ = fs::rename(o, &self.dest);
            }
            self.abandon();
            return Err(Error::internal(format!("cannot move the results into {}: {e}", self.dest.display())));
        }
        if let Some(o) = old {
            let _ = fs::remove_dir_all(&o);
        }
        Ok(self.dest)
    }

    /// Remove the temporary directory (after a failure).
    pub fn abandon(&self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

/// `e`, with a note that the run's temporary directory was removed and `dest` not written.
pub fn nothing_written(e: Error, dest: &Path) -> Error {
    let note = format!("; the unfinished results were removed, nothing was written to {}", dest.display());
    match e {
        Error::Input { location, message } => Error::Input { location, message: message + &note },
        Error::Internal(message) => Error::Internal(message + &note),
        Error::Interrupted { signal, message } => Error::Interrupted { signal, message: message + &note },
    }
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
