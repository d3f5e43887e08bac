//! The sweep's tables, streamed: summary.csv (one row per run, in run order) and points.csv (per
//! point: mean and standard deviation of each numeric summary column).
//!
//! The single-run columns are never listed here: they are taken from the serialization of
//! [`SummaryRow`] (the header of every run's own summary.csv), so columns added to `SummaryRow`
//! appear in sweeps without changes here.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::readout::SummaryRow;

/// The columns summary.csv starts with, before the swept keys.
pub const RUN_COLUMNS: &[&str] = &["run_id", "point", "replicate", "seed"];

/// The header of a single run's summary.csv, from the serialization of [`SummaryRow`].
pub fn single_run_header() -> Result<Vec<String>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(SummaryRow::default()).map_err(|e| Error::internal(format!("summary header: {e}")))?;
    let bytes = w.into_inner().map_err(|e| Error::internal(format!("summary header: {e}")))?;
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    Ok(r.headers().map_err(|e| Error::internal(format!("summary header: {e}")))?.iter().map(String::from).collect())
}

/// The header of a sweep's summary.csv.
pub fn summary_header(keys: &[String]) -> Result<Vec<String>> {
    let mut h: Vec<String> = RUN_COLUMNS.iter().map(std::string::ToString::to_string).collect();
    h.extend(keys.iter().cloned());
    // The run's own `seed` is the sweep's `seed` column already: one column, not two.
    h.extend(single_run_header()?.into_iter().filter(|c| !is_run_seed(c)));
    Ok(h)
}

/// Whether a single-run column is the run seed, which a sweep's summary.csv gives once, among its
/// first columns ([`RUN_COLUMNS`]).
pub fn is_run_seed(column: &str) -> bool {
    column == "seed"
}

/// A file written beside its destination and renamed into place when complete.
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
}

impl AtomicFile {
    /// A file for `dest`, written at `.NAME.partial-PID` beside it until committed.
    pub fn new(dest: &Path) -> Self {
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        Self { dest: dest.to_path_buf(), tmp }
    }
    /// The temporary path to write.
    pub fn tmp(&self) -> &Path {
        &self.tmp
    }
    /// Move the temporary file into place; errs if the rename fails.
    pub fn commit(self) -> Result<()> {
        fs::rename(&self.tmp, &self.dest)
            .map_err(|e| Error::internal(format!("cannot move {} into place: {e}", self.dest.display())))
    }
    /// Remove the temporary file (best effort).
    pub fn abandon(self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Write `bytes` to `dest` atomically (temporary file, fsync, rename).
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let f = AtomicFile::new(dest);
    let res = (|| {
        let mut file = fs::File::create(f.tmp())?;
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok::<_, std::io::Error>(())
    })();
    match res {
        Ok(()) => f.commit(),
        Err(e) => {
            f.abandon();
            Err(Error::internal(format!("cannot write {}: {e}", dest.display())))
        }
    }
}

fn csv_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("cannot write {}: {e}", path.display()))
}

/// A CSV writer into a file that appears at `dest` only when [`CsvOut::finish`] succeeds.
pub struct CsvOut {
    file: AtomicFile,
    w: csv::Writer<std::io::BufWriter<fs::File>>,
}

impl CsvOut {
    /// Create the temporary file and write `header`.
    pub fn create(dest: &Path, header: &[String]) -> Result<Self> {
        let file = AtomicFile::new(dest);
        let f = fs::File::create(file.tmp()).map_err(|e| csv_err(dest, e))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
        w.write_record(header).map_err(|e| csv_err(dest, e))?;
        Ok(Self { file, w })
    }
    /// Write one record.
    pub fn row<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.w.write_record(fields).map_err(|e| csv_err(&self.file.dest, e))
    }
    /// Flush, fsync and move the file into place at `dest`.
    pub fn finish(self) -> Result<()> {
        let dest = self.file.dest.clone();
        let inner = self.w.into_inner().map_err(|e| csv_err(&dest, e))?;
        let f = inner.into_inner().map_err(|e| csv_err(&dest, e.error()))?;
        f.sync_all().map_err(|e| csv_err(&dest, e))?;
        self.file.commit()
    }
}

/// The one data row of a run's own summary.csv, checked against the expected header.
pub fn read_run_summary(path: &Path, expected: &[String]) -> Result<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
    let header: Vec<String> =
        r.headers().map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?.iter().map(String::from).collect();
    if header != expected {
        return Err(Error::input(format!(
            "{} has other columns than this ketasim writes (was it made by another version?); rerun the sweep with --force",
            path.display()
        )));
    }
    let mut rows = r.records();
    let row = rows
        .next()
        .ok_or_else(|| Error::internal(format!("{} has no data row", path.display())))?
        .map_err(|e| Error::internal(format!("cannot read {}: {e}", path.display())))?;
    Ok(row)
}

/// Format a statistic: shortest text that reads back to the same number.
fn num(x: f64) -> String {
    format!("{x:?}")
}

/// Write points.csv from a sweep's summary.csv: one row per point (rows of a point are
/// contiguous in run order) with `point`, the swept keys, `runs`, then `<column>_mean` and
/// `<column>_sd` for each numeric single-run column. A column is numeric when every value in
/// the sweep is empty or a number; `seed` is an identifier and left out. Empty values are
/// skipped; the standard deviation is the sample one (n - 1), empty for fewer than 2 values.
/// A yes/no column of the registry (`response_24h`; every value `true`, `false` or empty) gives
/// `<column>_rate`, the share of `true` among the runs with a value, and `<column>_n`, how many
/// runs have a value (for `response_24h`: the responder rate among depressed subjects, since it
/// is empty for the others).
pub fn write_points(summary: &Path, n_keys: usize, dest: &Path) -> Result<()> {
    let open = || csv::Reader::from_path(summary).map_err(|e| Error::internal(format!("cannot read {}: {e}", summary.display())));
    let read_err = |e: csv::Error| Error::internal(format!("cannot read {}: {e}", summary.display()));
    let first = RUN_COLUMNS.len() + n_keys;

    // Pass 1: which single-run columns are numeric.
    let mut r = open()?;
    let header: Vec<String> = r.headers().map_err(read_err)?.iter().map(String::from).collect();
    // Yes/no columns: those the registry reduces to a flag (e.g. `response_24h`).
    let yes_no = |name: &str| {
        crate::readout::SUMMARY.iter().any(|c| c.name == name && matches!(c.reduce, crate::readout::Reduce::ResponseAt { .. }))
    };
    let mut numeric: Vec<bool> = header.iter().enumerate().map(|(j, name)| j >= first && name != "seed" && !yes_no(name)).collect();
    let mut flags: Vec<bool> = header.iter().enumerate().map(|(j, name)| j >= first && yes_no(name)).collect();
    for rec in r.records() {
        let rec = rec.map_err(read_err)?;
        for (j, ok) in numeric.iter_mut().enumerate() {
            if *ok {
                let v = rec.get(j).unwrap_or("");
                *ok = v.is_empty() || v.parse::<f64>().is_ok();
            }
        }
        for (j, ok) in flags.iter_mut().enumerate() {
            if *ok {
                *ok = matches!(rec.get(j).unwrap_or(""), "" | "true" | "false");
            }
        }
    }
    let stats: Vec<usize> = (0..header.len()).filter(|&j| numeric[j]).collect();
    let rates: Vec<usize> = (0..header.len()).filter(|&j| flags[j]).collect();

    let mut out_header = vec!["point".to_string()];
    out_header.extend(header[RUN_COLUMNS.len()..first].iter().cloned());
    out_header.push("runs".into());
    for &j in &stats {
        out_header.push(format!("{}_mean", header[j]));
        out_header.push(format!("{}_sd", header[j]));
    }
    for &j in &rates {
        out_header.push(format!("{}_rate", header[j]));
        out_header.push(format!("{}_n", header[j]));
    }
    let mut out = CsvOut::create(dest, &out_header)?;

    // Pass 2: one point at a time (a point's rows are its replicates).
    let flush = |out: &mut CsvOut, group: &[csv::StringRecord]| -> Result<()> {
        let Some(head) = group.first() else { return Ok(()) };
        let mut row = vec![head.get(1).unwrap_or("").to_string()];
        row.extend((RUN_COLUMNS.len()..first).map(|j| head.get(j).unwrap_or("").to_string()));
        row.push(group.len().to_string());
        for &j in &stats {
            let xs: Vec<f64> = group.iter().filter_map(|r| r.get(j).filter(|v| !v.is_empty())).filter_map(|v| v.parse().ok()).collect();
            let n = xs.len();
            if n == 0 {
                row.push(String::new());
                row.push(String::new());
                continue;
            }
            // Equal values give exactly that mean and a zero deviation (no rounding noise).
            let all_equal = xs.iter().all(|&x| x == xs[0]);
            let mean = if all_equal { xs[0] } else { xs.iter().sum::<f64>() / n as f64 };
            row.push(num(mean));
            if n < 2 {
                row.push(String::new());
            } else if all_equal {
                row.push(num(0.0));
            } else {
                let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
                row.push(num(var.sqrt()));
            }
        }
        for &j in &rates {
            let values: Vec<&str> = group.iter().filter_map(|r| r.get(j)).filter(|v| !v.is_empty()).collect();
            let yes = values.iter().filter(|v| **v == "true").count();
            row.push(if values.is_empty() { String::new() } else { num(yes as f64 / values.len() as f64) });
            row.push(values.len().to_string());
        }
        out.row(&row)
    };
    let mut r = open()?;
    let mut group: Vec<csv::StringRecord> = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(read_err)?;
        if group.first().is_some_and(|g| g.get(1) != rec.get(1)) {
            flush(&mut out, &group)?;
            group.clear();
        }
        group.push(rec);
    }
    flush(&mut out, &group)?;
    out.finish()
}
