//! `ketasim sweep` and `ketasim merge` against the real binary: results that do not depend on the
//! number of workers, on sharding or on interruptions; bad sweep files refused with exit code 2
//! and nothing written; the SLURM script.
//!
//! Every test runs in its own temporary directory with short runs and small circuits.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ketasim::batch::run_seed;

use crate::util::{stderr, tree};

use crate::util::BIN;

/// 2 doses × 2 infusion times × 2 sampled ke0 = 8 points, 2 replicates: 16 runs of 2 h.
const SMALL: &str = r#"base = "iv-infusion"
replicates = 2
seed = 7

[set]
"circuit.pyramidal_neurons" = 10
"circuit.interneurons" = 5

[grid]
"duration_h" = [2.0]
"dose.0.mg_per_kg" = [0.1, 0.5]
"dose.0.over_min" = [20.0, 40.0]

[sample]
method = "latin_hypercube"
points = 2
"parameters.ke0_per_h" = { min = 5.0, max = 40.0, scale = "log" }
"#;

const SMALL_KEYS: &[&str] = &["duration_h", "dose.0.mg_per_kg", "dose.0.over_min", "parameters.ke0_per_h"];

// ---------------------------------------------------------------------------------------------
// helpers

use crate::util::tmp;

use crate::util::ketasim;

fn ok(dir: &Path, args: &[&str]) -> Output {
    let o = ketasim(dir, args);
    assert_eq!(o.status.code(), Some(0), "ketasim {args:?} failed:\n{}", stderr(&o));
    o
}

fn read(p: impl AsRef<Path>) -> Vec<u8> {
    let p = p.as_ref();
    fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

/// The header of a single run's summary.csv, from a real `ketasim run`.
fn single_run_header(dir: &Path) -> Vec<String> {
    ok(dir, &["run", "iv-infusion", "--out", "single", "--quiet", "--set", "duration_h=1", "--set", "circuit.pyramidal_neurons=5"]);
    let h = csv_rows(&dir.join("single/summary.csv")).0;
    fs::remove_dir_all(dir.join("single")).unwrap();
    h
}

// ---------------------------------------------------------------------------------------------
// determinism: workers, shards

#[test]
fn summary_is_byte_identical_with_one_or_two_workers() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("small.toml"), SMALL).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| ok(d, &["sweep", "small.toml", "--out", "j1", "--jobs", "1", "--quiet"]));
        s.spawn(|| ok(d, &["sweep", "small.toml", "--out", "j2", "--jobs", "2", "--quiet"]));
    });
    for f in ["summary.csv", "points.csv"] {
        let (a, b) = (read(d.join("j1").join(f)), read(d.join("j2").join(f)));
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }

    // summary.csv: run_id, point, replicate, seed, the swept keys, then every single-run column.
    let (header, rows) = csv_rows(&d.join("j1/summary.csv"));
    let mut want: Vec<String> = ["run_id", "point", "replicate", "seed"].iter().map(std::string::ToString::to_string).collect();
    want.extend(SMALL_KEYS.iter().map(std::string::ToString::to_string));
    // The run's own `seed` is not repeated: one `seed` column (pandas would rename a second `seed.1`).
    want.extend(single_run_header(d).into_iter().filter(|c| c != "seed"));
    assert_eq!(header, want);
    assert_eq!(header.iter().filter(|h| *h == "seed").count(), 1);
    assert_eq!(rows.len(), 16, "8 points × 2 replicates");
    let mut seeds = BTreeSet::new();
    for (i, row) in rows.iter().enumerate() {
        let (p, r) = (i as u64 / 2, i as u64 % 2);
        assert_eq!(row[0], format!("p{p:03}-r{r:02}"), "run order");
        assert_eq!((row[1].as_str(), row[2].as_str()), (p.to_string().as_str(), r.to_string().as_str()));
        assert_eq!(row[3], run_seed(7, p, r).to_string(), "documented seed derivation");
        assert!(seeds.insert(row[3].clone()), "seeds are distinct");
        // The run directory holds the single-run files, with that seed in its manifest.
        let run = d.join("j1/runs").join(&row[0]);
        for f in ["trace.csv", "events.csv", "summary.csv", "manifest.json"] {
            assert!(run.join(f).is_file(), "{} missing", run.join(f).display());
        }
        let m: serde_json::Value = serde_json::from_slice(&read(run.join("manifest.json"))).unwrap();
        assert_eq!(m["seed"].as_u64(), Some(run_seed(7, p, r)));
    }
    // The grid: last key fastest, the sample innermost.
    assert_eq!(rows[0][5..7], ["0.1".to_string(), "20.0".to_string()]);
    assert_eq!(rows[2][5..7], ["0.1".to_string(), "20.0".to_string()]);
    assert_eq!(rows[4][5..7], ["0.1".to_string(), "40.0".to_string()]);
    assert_eq!(rows[8][5..7], ["0.5".to_string(), "20.0".to_string()]);
    assert_ne!(rows[0][7], rows[2][7], "two sampled ke0 values");

    // points.csv: one row per point with the mean and SD of the numeric columns.
    let (ph, prow) = csv_rows(&d.join("j1/points.csv"));
    assert_eq!(ph[..6], ["point", "duration_h", "dose.0.mg_per_kg", "dose.0.over_min", "parameters.ke0_per_h", "runs"]);
    assert!(ph.contains(&"cmax_ng_ml_mean".to_string()) && ph.contains(&"cmax_ng_ml_sd".to_string()));
    assert!(!ph.iter().any(|h| h.starts_with("seed_") || h.starts_with("scenario_")));
    assert_eq!(prow.len(), 8);
    let mean_col = ph.iter().position(|h| h == "peak_glutamate_rel_mean").unwrap();
    let glu = header.iter().position(|h| h == "peak_glutamate_rel").unwrap();
    let x0: f64 = rows[0][glu].parse().unwrap();
    let x1: f64 = rows[1][glu].parse().unwrap();
    let m: f64 = prow[0][mean_col].parse().unwrap();
    assert!((m - (x0 + x1) / 2.0).abs() < 1e-12);
    // The responder rate: the share of replicates with response_24h = true among those with a
    // value (a depressed subject in a run of 24 h or more); the short runs here have none.
    let rate = ph.iter().position(|h| h == "response_24h_rate").expect("response_24h_rate in points.csv");
    let n = ph.iter().position(|h| h == "response_24h_n").unwrap();
    let resp = header.iter().position(|h| h == "response_24h").unwrap();
    for (k, prow) in prow.iter().enumerate() {
        let vals: Vec<&str> = rows[2 * k..2 * k + 2].iter().map(|r| r[resp].as_str()).filter(|v| !v.is_empty()).collect();
        assert_eq!(prow[n], vals.len().to_string());
        let want = if vals.is_empty() { String::new() } else { format!("{:?}", vals.iter().filter(|v| **v == "true").count() as f64 / vals.len() as f64) };
        assert_eq!(prow[rate], want);
    }

    // sweep.json: the resolved sweep, complete, with timings.
    let j: serde_json::Value = serde_json::from_slice(&read(d.join("j2/sweep.json"))).unwrap();
    assert_eq!(j["complete"], true);
    assert_eq!(j["ketasim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(j["sweep"]["runs_total"], 16);
    assert_eq!(j["sweep"]["replicates"], 2);
    assert_eq!(j["timings"]["jobs"], 2);
    assert!(j["timings"]["wall_time_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn merged_shards_equal_the_unsharded_sweep() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("small.toml"), SMALL).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| ok(d, &["sweep", "small.toml", "--out", "whole", "--jobs", "1", "--quiet"]));
        for k in 0..3 {
            s.spawn(move || {
                ok(d, &["sweep", "small.toml", "--shard", &format!("{k}/3"), "--out", &format!("shards/{k}"), "--jobs", "1", "--quiet"])
            });
        }
    });
    // A shard holds its slice only: runs i with i % 3 == k.
    let (_, rows1) = csv_rows(&d.join("shards/1/summary.csv"));
    assert_eq!(rows1.iter().map(|r| r[0].clone()).collect::<Vec<_>>(), ["p000-r01", "p002-r00", "p003-r01", "p005-r00", "p006-r01"]);

    // Missing a shard: refused, nothing written.
    let o = ketasim(d, &["merge", "--out", "merged", "shards/0", "shards/2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("1/3"), "{}", stderr(&o));
    assert!(!d.join("merged").exists());

    let o = ok(d, &["merge", "--out", "merged", "shards/2", "shards/0", "shards/1", "--quiet"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("summary.csv"));
    for f in ["summary.csv", "points.csv"] {
        assert!(read(d.join("whole").join(f)) == read(d.join("merged").join(f)), "merged {f} differs from the unsharded sweep's");
    }
    assert_eq!(names(&d.join("whole/runs")), names(&d.join("merged/runs")));
    assert_eq!(tree(&d.join("whole/runs")), tree(&d.join("merged/runs")));
    let j: serde_json::Value = serde_json::from_slice(&read(d.join("merged/sweep.json"))).unwrap();
    assert_eq!(j["complete"], true);
    assert!(j["shard"].is_null());
    assert_eq!(j["timings"]["shards"].as_array().unwrap().len(), 3);

    // Merging again into the same directory is refused; a shard of another sweep too.
    let o = ketasim(d, &["merge", "--out", "merged", "shards/0", "shards/1", "shards/2"]);
    assert_eq!(o.status.code(), Some(2));
    fs::write(d.join("other.toml"), SMALL.replace("seed = 7", "seed = 8")).unwrap();
    ok(d, &["sweep", "other.toml", "--shard", "1/3", "--out", "other1", "--quiet"]);
    let o = ketasim(d, &["merge", "--out", "mixed", "shards/0", "other1", "shards/2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another sweep"), "{}", stderr(&o));
    assert!(!d.join("mixed").exists());
}

// ---------------------------------------------------------------------------------------------
// interruption and resume

/// 15 points × 2 replicates of 48 h with a small circuit: long enough to be killed midway.
const LONGER: &str = r#"base = "iv-infusion"
replicates = 2
seed = 3

[set]
"duration_h" = 48.0
"circuit.pyramidal_neurons" = 10
"circuit.interneurons" = 5

[grid]
"dose.0.mg_per_kg" = [0.1, 0.2, 0.3, 0.4, 0.5]
"dose.0.over_min" = [20.0, 40.0, 60.0]
"#;

fn finished_runs(runs: &Path) -> usize {
    fs::read_dir(runs).map_or(0, |d| d.flatten().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count())
}

#[test]
fn kill_9_then_resume_gives_the_uninterrupted_summary() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("longer.toml"), LONGER).unwrap();

    let mut child = Command::new(BIN)
        .args(["sweep", "longer.toml", "--out", "killed", "--jobs", "1", "--quiet"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while finished_runs(&d.join("killed/runs")) < 4 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep finished before it could be killed: make the runs longer");
        assert!(t0.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = finished_runs(&d.join("killed/runs"));
    assert!((4..30).contains(&done), "killed midway: {done} of 30 runs finished");
    assert!(!d.join("killed/summary.csv").exists(), "no summary before all runs are done");
    let j: serde_json::Value = serde_json::from_slice(&read(d.join("killed/sweep.json"))).unwrap();
    assert_eq!(j["complete"], false);

    // Without --resume or --force the directory is refused.
    let o = ketasim(d, &["sweep", "longer.toml", "--out", "killed"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));

    // The uninterrupted sweep, meanwhile.
    std::thread::scope(|s| {
        s.spawn(|| ok(d, &["sweep", "longer.toml", "--out", "whole", "--jobs", "1", "--quiet"]));
        s.spawn(|| ok(d, &["sweep", "longer.toml", "--out", "killed", "--jobs", "1", "--resume", "--quiet"]));
    });
    for f in ["summary.csv", "points.csv"] {
        assert!(read(d.join("whole").join(f)) == read(d.join("killed").join(f)), "resumed {f} differs from the uninterrupted one");
    }
    let j: serde_json::Value = serde_json::from_slice(&read(d.join("killed/sweep.json"))).unwrap();
    assert_eq!(j["complete"], true);
    assert!(j["timings"]["runs_resumed"].as_u64().unwrap() >= done as u64, "finished runs are kept, not redone");
    assert_eq!(finished_runs(&d.join("killed/runs")), 30);
    assert!(names(&d.join("killed/runs")).iter().all(|n| !n.starts_with('.')), "no staging leftovers");

    // Ctrl-C (SIGINT): the runs in flight stop cleanly (exit 130, no staging leftovers), the
    // finished ones stay, and --resume completes the same summary.
    let mut child = Command::new(BIN)
        .args(["sweep", "longer.toml", "--out", "ctrl-c", "--jobs", "2", "--quiet"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while finished_runs(&d.join("ctrl-c/runs")) < 2 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep finished before it could be interrupted");
        assert!(t0.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The shell's built-in kill (no procps needed).
    let status = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    assert!(status.success());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert!(names(&d.join("ctrl-c/runs")).iter().all(|n| !n.starts_with('.')), "no staging leftovers");
    assert!(!d.join("ctrl-c/summary.csv").exists());
    ok(d, &["sweep", "longer.toml", "--out", "ctrl-c", "--resume", "--quiet"]);
    assert!(read(d.join("whole/summary.csv")) == read(d.join("ctrl-c/summary.csv")), "summary after Ctrl-C and --resume");

    // --resume of another sweep's directory is refused.
    fs::write(d.join("other.toml"), LONGER.replace("seed = 3", "seed = 4")).unwrap();
    let o = ketasim(d, &["sweep", "other.toml", "--out", "killed", "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another sweep"), "{}", stderr(&o));
}

#[test]
fn existing_output_is_refused_without_resume_or_force() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("small.toml"), SMALL.replace("points = 2", "points = 1").replace("[0.1, 0.5]", "[0.1]")).unwrap();
    fs::create_dir_all(d.join("runs/small")).unwrap();
    fs::write(d.join("runs/small/keep.txt"), "mine").unwrap();
    let o = ketasim(d, &["sweep", "small.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("runs/small") && stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert_eq!(read(d.join("runs/small/keep.txt")), b"mine");
    // --resume of a directory that is not a sweep's is refused too.
    let o = ketasim(d, &["sweep", "small.toml", "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // --force does not delete a directory that ketasim did not write.
    let o = ketasim(d, &["sweep", "small.toml", "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no sweep.json") && stderr(&o).contains("nothing was deleted"), "{}", stderr(&o));
    assert_eq!(read(d.join("runs/small/keep.txt")), b"mine");
    // Once the user's file is gone, a sweep is written there, and --force replaces it.
    fs::remove_file(d.join("runs/small/keep.txt")).unwrap();
    ok(d, &["sweep", "small.toml", "--quiet"]);
    let o = ok(d, &["sweep", "small.toml", "--force", "--quiet"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "runs/small/summary.csv\nruns/small/points.csv\nruns/small/sweep.json\n");
    assert!(names(&d.join("runs")).iter().all(|n| !n.starts_with('.')), "no staging, old or lock leftovers: {:?}", names(&d.join("runs")));
    // --resume of a complete sweep changes nothing in summary.csv.
    let before = read(d.join("runs/small/summary.csv"));
    ok(d, &["sweep", "small.toml", "--resume", "--quiet"]);
    assert!(before == read(d.join("runs/small/summary.csv")));
}

// ---------------------------------------------------------------------------------------------
// bad input: exit 2, a message naming the file and key, nothing run, nothing written

fn refuse(text: &str, extra: &[&str], needles: &[&str]) -> String {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("bad.toml"), text).unwrap();
    let mut args = vec!["sweep", "bad.toml"];
    args.extend_from_slice(extra);
    let o = ketasim(d, &args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: exit code; stderr:\n{err}");
    assert!(err.starts_with("error:"), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should contain `{n}`:\n{err}");
    }
    assert!(o.stdout.is_empty());
    assert_eq!(tree(d), BTreeSet::from([PathBuf::from("bad.toml")]), "nothing may be written; stderr:\n{err}");
    err
}

const OK_HEAD: &str = "base = \"iv-infusion\"\nreplicates = 2\nseed = 1\n";

#[test]
fn bad_sweep_files_are_refused_before_anything_runs() {
    // Unknown key path.
    refuse(&format!("{OK_HEAD}[grid]\n\"dose.0.mg_per_kgg\" = [0.1, 0.2]\n"), &[], &["bad.toml:5:", "dose.0.mg_per_kgg", "did you mean `mg_per_kg`"]);
    refuse(&format!("{OK_HEAD}[grid]\n\"parameters.ke0\" = [1.0]\n"), &[], &["bad.toml", "parameters.ke0", "unknown model parameter"]);
    refuse(&format!("{OK_HEAD}[grid]\n\"dose.4.mg\" = [1.0]\n"), &[], &["bad.toml", "dose.4", "out of range"]);
    // Empty list.
    refuse(&format!("{OK_HEAD}[grid]\n\"dose.0.mg_per_kg\" = []\n"), &[], &["bad.toml:5:", "dose.0.mg_per_kg", "empty"]);
    // Not a list.
    refuse(&format!("{OK_HEAD}[grid]\n\"dose.0.mg_per_kg\" = 0.5\n"), &[], &["bad.toml", "dose.0.mg_per_kg", "list"]);
    // min > max, and log with min <= 0.
    refuse(
        &format!("{OK_HEAD}[sample]\npoints = 4\n\"parameters.ke0_per_h\" = {{ min = 40.0, max = 5.0 }}\n"),
        &[],
        &["bad.toml:6:", "parameters.ke0_per_h", "min (40) must be less than max (5)"],
    );
    refuse(
        &format!("{OK_HEAD}[sample]\npoints = 4\n\"parameters.ke0_per_h\" = {{ min = 0.0, max = 5.0, scale = \"log\" }}\n"),
        &[],
        &["bad.toml", "parameters.ke0_per_h", "min > 0"],
    );
    refuse(&format!("{OK_HEAD}[sample]\n\"parameters.ke0_per_h\" = {{ min = 1.0, max = 5.0 }}\n"), &[], &["bad.toml", "points"]);
    // A base that does not exist.
    refuse("base = \"no-such-scenario\"\n", &[], &["bad.toml:1:", "key `base`", "no-such-scenario"]);
    refuse("base = \"scenarios/missing.toml\"\n", &[], &["bad.toml", "key `base`", "missing.toml"]);
    refuse("replicates = 2\n", &[], &["bad.toml", "base"]);
    // A point that makes the scenario invalid: named with its key, before anything runs.
    let err = refuse(
        &format!("{OK_HEAD}[grid]\n\"dose.0.mg_per_kg\" = [0.1, 0.5]\n\"dose.0.route\" = [\"iv_infusion\", \"oral\"]\n"),
        &[],
        &["bad.toml:6:", "point 1", "dose.0.route = \"oral\"", "over_min", "swept together"],
    );
    assert!(err.contains("grid.\"dose.0.route\""), "{err}");
    // Unknown top-level key, bad replicates, seed as a swept key, a key given twice.
    refuse(&format!("{OK_HEAD}replicate = 3\n"), &[], &["bad.toml:4:", "unknown key `replicate`"]);
    refuse("base = \"iv-infusion\"\nreplicates = 0\n", &[], &["bad.toml:2:", "replicates", "out of range"]);
    refuse(&format!("{OK_HEAD}[grid]\nseed = [1, 2]\n"), &[], &["bad.toml", "seed", "replicates"]);
    refuse(
        &format!("{OK_HEAD}[set]\n\"duration_h\" = 2.0\n[grid]\n\"duration_h\" = [1.0, 2.0]\n"),
        &[],
        &["bad.toml", "duration_h", "more than once"],
    );
    refuse(&format!("{OK_HEAD}[grid\n"), &[], &["bad.toml:", "not valid TOML"]);
    // Flags: shard K >= N, bad shard text, --jobs 0.
    let ok_file = format!("{OK_HEAD}[grid]\n\"dose.0.mg_per_kg\" = [0.1]\n");
    refuse(&ok_file, &["--shard", "3/3"], &["--shard 3/3", "less than N"]);
    refuse(&ok_file, &["--shard", "1-3"], &["--shard 1-3", "K/N"]);
    refuse(&ok_file, &["--jobs", "0"], &["--jobs"]);
    refuse(&ok_file, &["--slurm", "0"], &["--slurm"]);
}

#[test]
fn missing_sweep_file_is_refused() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["sweep", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml"), "{}", stderr(&o));
    assert!(tree(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// SLURM script and the bundled example sweeps

#[test]
fn slurm_script_is_an_array_plus_a_dependent_merge() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("small.toml"), SMALL).unwrap();
    let o = ok(d, &["sweep", "small.toml", "--slurm", "3", "--out", "res"]);
    let script = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(script.starts_with("#!/usr/bin/env bash"), "{script}");
    for needle in ["--array=0-2", "--dependency=afterok:", "--shard \"${SLURM_ARRAY_TASK_ID}/3\"", " merge --out ", "--resume", "res.shards"] {
        assert!(script.contains(needle), "script lacks `{needle}`:\n{script}");
    }
    assert!(script.contains(&format!("{}/res", fs::canonicalize(d).unwrap().display())), "absolute output path:\n{script}");
    assert_eq!(tree(d), BTreeSet::from([PathBuf::from("small.toml")]), "--slurm runs and writes nothing");
    // bash can parse it.
    let check = Command::new("bash").arg("-n").stdin(Stdio::piped()).stdout(Stdio::null()).spawn().and_then(|mut c| {
        use std::io::Write;
        c.stdin.take().unwrap().write_all(script.as_bytes())?;
        c.wait()
    });
    if let Ok(status) = check {
        assert!(status.success(), "bash -n rejects the script");
    }
    // --slurm-script FILE writes it there.
    ok(d, &["sweep", "small.toml", "--slurm", "3", "--out", "res", "--slurm-script", "submit.sh", "--quiet"]);
    assert_eq!(fs::read_to_string(d.join("submit.sh")).unwrap(), script);
}

#[test]
fn bundled_example_sweeps_are_valid() {
    let sweeps = Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
    let mut found = BTreeSet::new();
    for e in fs::read_dir(&sweeps).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let dir = tmp();
            // --slurm validates every point and runs nothing.
            let o = ok(dir.path(), &["sweep", p.to_str().unwrap(), "--slurm", "2"]);
            assert!(String::from_utf8_lossy(&o.stdout).contains("--array=0-1"));
            found.insert(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    for name in ["dose-response.toml", "routes.toml", "blockers.toml"] {
        assert!(found.contains(name), "sweeps/{name} is missing");
    }
}
