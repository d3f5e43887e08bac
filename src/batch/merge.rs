//! `ketasim merge`: combine the directories of the shards of one sweep into the directory an
//! unsharded sweep would have written (runs/, summary.csv, points.csv, sweep.json).
//!
//! Every shard must be complete and carry the same sweep fingerprint, and the shards must be
//! exactly 0..N of one N. Run directories are hard-linked (copied when linking fails, e.g.
//! across file systems), so the shard directories stay as they were. summary.csv is merged in
//! run order by streaming the shards' tables a block at a time (bounded memory and open files);
//! points.csv is computed from it exactly as a sweep computes it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Location, Result};
use crate::output;

use super::exec::{read_json, unix_time, write_json};
use super::table::{CsvOut, RUN_COLUMNS, write_points};

fn shard_error(dir: &Path, message: impl Into<String>) -> Error {
    Error::Input { location: Location { file: Some(dir.to_path_buf()), ..Default::default() }, message: message.into() }
}

/// What merge did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Runs in the merged sweep.
    pub runs: u64,
    /// Shard directories merged.
    pub shards: u64,
    /// The merged directory.
    pub dest: PathBuf,
}

struct ShardDir {
    dir: PathBuf,
    json: serde_json::Value,
    index: u64,
}

/// Hard-link (or copy) a directory tree.
fn link_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    for e in fs::read_dir(src)? {
        let e = e?;
        let (from, to) = (e.path(), dst.join(e.file_name()));
        if e.file_type()?.is_dir() {
            link_tree(&from, &to)?;
        } else if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

/// Check the shard directories: complete, one sweep, shards 0..N each once.
fn check_shards(dirs: &[PathBuf]) -> Result<Vec<ShardDir>> {
    if dirs.is_empty() {
        return Err(Error::input("merge needs at least one shard directory"));
    }
    let mut shards = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(shard_error(d, "no such shard directory"));
        }
        let Some(json) = read_json(&d.join("sweep.json")) else {
            return Err(shard_error(d, "not a sweep directory: no readable sweep.json (was the shard run with `ketasim sweep --shard K/N`?)"));
        };
        if json["complete"].as_bool() != Some(true) {
            return Err(shard_error(
                d,
                "this shard is not complete (interrupted or failed); finish it with `ketasim sweep SWEEP --shard K/N --out DIR --resume`",
            ));
        }
        let (Some(index), Some(count)) = (json["shard"]["index"].as_u64(), json["shard"]["count"].as_u64()) else {
            return Err(shard_error(d, "sweep.json names no shard (is this already a merged directory?)"));
        };
        shards.push((ShardDir { dir: d.clone(), json, index }, count));
    }
    let first_fp = shards[0].0.json["fingerprint"].as_str().unwrap_or("").to_string();
    let count = shards[0].1;
    for (s, n) in &shards {
        if s.json["fingerprint"].as_str() != Some(first_fp.as_str()) {
            return Err(shard_error(
                &s.dir,
                format!(
                    "comes from another sweep than {} (the sweep file, its base scenario or the ketasim version differ)",
                    shards[0].0.dir.display()
                ),
            ));
        }
        if *n != count {
            return Err(shard_error(&s.dir, format!("is shard {}/{n}, but {} is one of {count} shards", s.index, shards[0].0.dir.display())));
        }
    }
    let mut by_index: Vec<Option<ShardDir>> = (0..count).map(|_| None).collect();
    for (s, _) in shards {
        let k = s.index as usize;
        if k >= by_index.len() {
            return Err(shard_error(&s.dir, format!("shard index {} is out of range for {count} shards", s.index)));
        }
        if let Some(prev) = &by_index[k] {
            return Err(shard_error(&s.dir, format!("shard {}/{count} is given twice (also {})", s.index, prev.dir.display())));
        }
        by_index[k] = Some(s);
    }
    let missing: Vec<String> = by_index.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{k}/{count}")).collect();
    if !missing.is_empty() {
        return Err(Error::input(format!("shard{} {} missing: give the directories of all {count} shards", if missing.len() == 1 { " is" } else { "s are" }, missing.join(", "))));
    }
    Ok(by_index.into_iter().flatten().collect())
}

/// A shard's summary.csv, read a block of rows at a time, reopening the file at the saved
/// position, so that merging N shards never holds N files open.
struct Cursor {
    path: PathBuf,
    pos: Option<csv::Position>,
    buf: std::collections::VecDeque<csv::StringRecord>,
}

impl Cursor {
    fn header(&mut self) -> Result<csv::StringRecord> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&self.path)
            .map_err(|e| shard_error(&self.path, format!("cannot read: {e}")))?;
        let mut rec = csv::StringRecord::new();
        if !r.read_record(&mut rec).map_err(|e| shard_error(&self.path, format!("cannot read: {e}")))? {
            return Err(shard_error(&self.path, "is empty"));
        }
        self.pos = Some(r.position().clone());
        Ok(rec)
    }

    fn next(&mut self, block: usize) -> Result<Option<csv::StringRecord>> {
        if self.buf.is_empty() {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(&self.path)
                .map_err(|e| shard_error(&self.path, format!("cannot read: {e}")))?;
            if let Some(p) = &self.pos {
                r.seek(p.clone()).map_err(|e| shard_error(&self.path, format!("cannot read: {e}")))?;
            }
            for _ in 0..block {
                let mut rec = csv::StringRecord::new();
                if !r.read_record(&mut rec).map_err(|e| shard_error(&self.path, format!("cannot read: {e}")))? {
                    break;
                }
                self.buf.push_back(rec);
            }
            self.pos = Some(r.position().clone());
        }
        Ok(self.buf.pop_front())
    }
}

/// Merge the shard directories `dirs` into `dest`.
pub fn merge(dest: &Path, dirs: &[PathBuf], force: bool) -> Result<Report> {
    let started = Instant::now();
    let shards = check_shards(dirs)?;
    let n = shards.len() as u64;
    let sweep = shards[0].json["sweep"].clone();
    let total = sweep["runs_total"].as_u64().ok_or_else(|| shard_error(&shards[0].dir, "sweep.json has no runs_total"))?;
    let n_keys = sweep["keys"].as_array().map_or(0, std::vec::Vec::len);

    let inputs: Vec<output::Input> = shards.iter().map(|s| output::Input::Dir(s.dir.clone())).collect();
    let staging = output::stage(dest, output::Kind::Sweep, force, &inputs)?;
    let result = (|| {
        fs::create_dir(staging.tmp.join("runs"))?;
        let mut cursors: Vec<Cursor> = shards
            .iter()
            .map(|s| Cursor { path: s.dir.join("summary.csv"), pos: None, buf: Default::default() })
            .collect();
        let mut header = None;
        for c in &mut cursors {
            let h = c.header()?;
            match &header {
                None => header = Some(h),
                Some(h0) if *h0 != h => {
                    return Err(shard_error(&c.path, "has other columns than the first shard's summary.csv (made by another ketasim?)"));
                }
                Some(_) => {}
            }
        }
        let header = header.expect("at least one shard");
        if header.get(0) != Some(RUN_COLUMNS[0]) {
            return Err(shard_error(&cursors[0].path, "is not a sweep's summary.csv (no run_id column)"));
        }
        let summary = staging.tmp.join("summary.csv");
        let mut out = CsvOut::create(&summary, &header.iter().map(String::from).collect::<Vec<_>>())?;
        let block = (8192 / n as usize).max(1);
        let replicates = sweep["replicates"].as_u64().unwrap_or(1).max(1);
        for i in 0..total {
            let k = (i % n) as usize;
            let rec = cursors[k].next(block)?.ok_or_else(|| {
                shard_error(&shards[k].dir, format!("summary.csv ends before run {i} of the sweep: the shard is incomplete"))
            })?;
            let (p, r) = (i / replicates, i % replicates);
            if rec.get(1) != Some(p.to_string().as_str()) || rec.get(2) != Some(r.to_string().as_str()) {
                return Err(shard_error(
                    &shards[k].dir,
                    format!("summary.csv row `{}` is not run {i} (point {p}, replicate {r}) of the sweep", rec.get(0).unwrap_or("")),
                ));
            }
            let id = rec.get(0).unwrap_or("");
            if id.is_empty() || id.contains('/') || id.contains('\\') || id.starts_with('.') {
                return Err(shard_error(&shards[k].dir, format!("summary.csv has a bad run id `{id}`")));
            }
            let src = shards[k].dir.join("runs").join(id);
            if !src.is_dir() {
                return Err(shard_error(&shards[k].dir, format!("run directory runs/{id} is missing")));
            }
            link_tree(&src, &staging.tmp.join("runs").join(id))
                .map_err(|e| Error::internal(format!("cannot copy {}: {e}", src.display())))?;
            out.row(&rec)?;
        }
        for (k, c) in cursors.iter_mut().enumerate() {
            if c.next(1)?.is_some() {
                return Err(shard_error(&shards[k].dir, "summary.csv has more rows than the shard should hold"));
            }
        }
        out.finish()?;
        write_points(&summary, n_keys, &staging.tmp.join("points.csv"))?;
        let json = serde_json::json!({
            "ketasim_version": env!("CARGO_PKG_VERSION"),
            "complete": true,
            "shard": serde_json::Value::Null,
            "sweep": sweep,
            "timings": {
                "merged_unix_s": unix_time(),
                "merge_wall_time_s": started.elapsed().as_secs_f64(),
                "shards": shards.iter().map(|s| serde_json::json!({
                    "index": s.index,
                    "dir": s.dir.display().to_string(),
                    "timings": s.json["timings"].clone(),
                })).collect::<Vec<_>>(),
            },
            "merged_from": shards.iter().map(|s| s.dir.display().to_string()).collect::<Vec<_>>(),
            "fingerprint": shards[0].json["fingerprint"].clone(),
        });
        write_json(&staging.tmp.join("sweep.json"), &json)?;
        Ok::<_, Error>(())
    })();
    match result {
        Ok(()) => {
            let dest = staging.commit()?;
            Ok(Report { runs: total, shards: n, dest })
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}
