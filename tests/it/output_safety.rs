//! Output safety against the real binary: ketasim never deletes what it did not write, and two
//! writers never clobber each other (issue 11).
//!
//! Every test works in its own temporary directory: the "home" directories, the foreign files and
//! the output directories are all throwaway copies inside it. `HOME` is set for the child process
//! only, and always to a temporary directory.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ketasim::guard;

use crate::util::{stderr, stdout, tree};

use crate::util::BIN;

// ---------------------------------------------------------------------------------------------
// helpers

use crate::util::tmp;

/// The binary in `dir`, with `HOME` set to `dir/home` (never a real home) and `env`.
fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(dir).env_remove(guard::FAULT_ENV).env("HOME", dir.join("home"));
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn ketasim(dir: &Path, args: &[&str]) -> Output {
    command(dir, args, &[]).output().expect("run the ketasim binary")
}

fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    command(dir, args, env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the ketasim binary")
}

/// A short run (1 h, default circuit) into `out`, with `extra` flags.
fn run(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", out];
    args.extend_from_slice(extra);
    ketasim(dir, &args)
}

fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(o));
}

/// Exit code 2, one `error:` line naming every needle, nothing on stdout. Returns stderr.
fn assert_refused(o: &Output, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{err}");
    assert!(err.starts_with("error:"), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should contain `{n}`:\n{err}");
    }
    assert!(o.stdout.is_empty(), "nothing on stdout, got:\n{}", stdout(o));
    err
}

/// Files a user cares about: `dir` gets `files` with their contents.
fn decoy(dir: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn assert_survived(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        assert_eq!(fs::read_to_string(dir.join(name)).unwrap_or_default(), *text, "{} must survive", dir.join(name).display());
    }
}

/// Staging, replaced or lock files left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.') && (n.contains(".partial-") || n.contains(".old-") || n.ends_with(".lock")))
                .collect()
        })
        .unwrap_or_default()
}

fn is_complete_run(dir: &Path) -> bool {
    ["trace.csv", "events.csv", "summary.csv", "manifest.json"].iter().all(|f| dir.join(f).is_file())
        && serde_json::from_slice::<serde_json::Value>(&fs::read(dir.join("manifest.json")).unwrap()).is_ok_and(|m| m["format"] == "ketasim-run/1")
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < Duration::from_secs(120), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether a staging directory of a run into `name` in `parent` holds its manifest (the run is
/// written and waits for the commit).
fn staged_and_written(parent: &Path, name: &str) -> bool {
    fs::read_dir(parent).is_ok_and(|d| {
        d.flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&format!(".{name}.partial-")) && e.path().join("manifest.json").is_file()
        })
    })
}

const PRECIOUS: &[(&str, &str)] = &[("thesis.tex", "chapter 1"), ("data/raw.csv", "1,2,3"), (".bashrc", "alias k=ketasim")];

// ---------------------------------------------------------------------------------------------
// ownership and protected directories

#[test]
fn force_never_replaces_a_home_directory() {
    let dir = tmp();
    let d = dir.path();
    let home = d.join("home");
    decoy(&home, PRECIOUS);
    // $HOME itself, $HOME by another spelling, and an ancestor of $HOME.
    for out in ["home", "./home/", "missing/../home", d.to_str().unwrap()] {
        let o = run(d, out, &["--force"]);
        assert_refused(&o, &[out]);
        assert_survived(&home, PRECIOUS);
    }
    let o = run(d, "home", &["--force"]);
    assert_refused(&o, &["home directory ($HOME)"]);
    // Even a home that looks like a run directory is never replaced.
    assert_ok(&run(d, "r", &[]));
    for f in ["trace.csv", "events.csv", "summary.csv", "manifest.json"] {
        fs::copy(d.join("r").join(f), home.join(f)).unwrap();
    }
    assert_refused(&run(d, "home", &["--force"]), &["home directory"]);
    assert_survived(&home, PRECIOUS);
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn force_refuses_a_directory_without_the_marker_and_names_the_reason() {
    let dir = tmp();
    let d = dir.path();
    decoy(&d.join("thesis"), PRECIOUS);
    let err = assert_refused(&run(d, "thesis", &["--force"]), &["thesis", "no manifest.json", "nothing was deleted"]);
    assert!(!err.contains('\n') || err.lines().count() == 1, "{err}");
    assert_survived(&d.join("thesis"), PRECIOUS);
    // A manifest.json that is not ketasim's is no marker.
    fs::write(d.join("thesis/manifest.json"), "{\"name\": \"my package\"}").unwrap();
    assert_refused(&run(d, "thesis", &["--force"]), &["manifest.json is not one ketasim wrote"]);
    assert_survived(&d.join("thesis"), PRECIOUS);
}

#[test]
fn a_foreign_file_in_an_old_run_refuses_the_replacement_and_names_the_file() {
    let dir = tmp();
    let d = dir.path();
    assert_ok(&run(d, "res", &[]));
    let trace = fs::read(d.join("res/trace.csv")).unwrap();
    fs::write(d.join("res/notes.txt"), "my notes").unwrap();
    fs::create_dir(d.join("res/analysis")).unwrap();
    fs::write(d.join("res/analysis/fit.py"), "print(1)").unwrap();
    let err = assert_refused(&run(d, "res", &["--force", "--seed", "5"]), &["res", "did not write", "notes.txt", "analysis", "nothing was deleted"]);
    assert!(!err.contains("trace.csv"), "only the foreign files are named: {err}");
    assert_eq!(fs::read_to_string(d.join("res/notes.txt")).unwrap(), "my notes");
    assert_eq!(fs::read_to_string(d.join("res/analysis/fit.py")).unwrap(), "print(1)");
    assert_eq!(fs::read(d.join("res/trace.csv")).unwrap(), trace, "the old run is untouched");
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn legitimate_force_over_an_own_run_replaces_it() {
    let dir = tmp();
    let d = dir.path();
    assert_ok(&run(d, "res", &["--plot"]));
    assert!(d.join("res/figure.png").is_file());
    let o = run(d, "res", &["--force", "--set", "duration_h=2"]);
    assert_ok(&o);
    assert_eq!(stdout(&o).lines().next(), Some("res/trace.csv"));
    let m: serde_json::Value = serde_json::from_slice(&fs::read(d.join("res/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario"]["duration_h"], 2.0, "the new result");
    assert_eq!(m["format"], "ketasim-run/1");
    assert!(!d.join("res/figure.png").exists(), "the old run's figure went with it");
    assert!(is_complete_run(&d.join("res")));
    assert_eq!(fs::read_dir(d).unwrap().count(), 1, "no staging, old or lock file beside it: {:?}", tree(d));
    // A manifest of an older ketasim (no `format` key, but `ketasim_version`) is also ketasim's.
    let mut m = m;
    m.as_object_mut().unwrap().remove("format");
    fs::write(d.join("res/manifest.json"), serde_json::to_string(&m).unwrap()).unwrap();
    assert_ok(&run(d, "res", &["--force"]));
}

#[test]
fn an_input_inside_the_output_directory_is_refused() {
    let dir = tmp();
    let d = dir.path();
    assert_ok(&run(d, "res", &[]));
    let scenario = stdout(&ketasim(d, &["check", "baseline"])).lines().skip(1).take_while(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    fs::write(d.join("res/s.toml"), &scenario).unwrap();
    let o = ketasim(d, &["run", "res/s.toml", "--out", "res", "--force", "--quiet", "--set", "duration_h=1"]);
    assert_refused(&o, &["res", "s.toml", "an input of this command"]);
    assert!(d.join("res/s.toml").is_file() && d.join("res/trace.csv").is_file());
    // Also when the directory is given by another spelling, and for an ancestor.
    let o = ketasim(d, &["run", "res/s.toml", "--out", "missing/../res/.", "--force", "--quiet", "--set", "duration_h=1"]);
    assert_refused(&o, &["an input of this command"]);
    fs::create_dir(d.join("work")).unwrap();
    let o = ketasim(&d.join("work"), &["run", "../res/s.toml", "--out", "..", "--force", "--quiet", "--set", "duration_h=1"]);
    assert_refused(&o, &["current directory"]);
    assert!(d.join("res/s.toml").is_file());
}

#[test]
fn dot_dot_through_a_missing_directory_is_resolved_before_checking() {
    let dir = tmp();
    let d = dir.path();
    decoy(&d.join("dir"), PRECIOUS);
    // Without --force: not empty. With --force: not ketasim's. `missing` is never created.
    assert_refused(&run(d, "missing/../dir", &[]), &["missing/../dir", "not empty"]);
    assert_refused(&run(d, "missing/../dir", &["--force"]), &["missing/../dir", "no manifest.json"]);
    assert_refused(&run(d, "a/b/../../dir", &["--force"]), &["no manifest.json"]);
    assert_survived(&d.join("dir"), PRECIOUS);
    assert!(!d.join("missing").exists() && !d.join("a").exists(), "nothing is created before the checks: {:?}", tree(d));

    // The current directory by a path through a missing directory.
    let work = d.join("work");
    decoy(&work, PRECIOUS);
    for out in ["missing/..", "missing/../.", "missing/../../work", "x/y/../../"] {
        let o = run(&work, out, &["--force"]);
        assert_refused(&o, &["current directory"]);
        assert_survived(&work, PRECIOUS);
        assert!(!work.join("missing").exists() && !work.join("x").exists());
    }
}

#[test]
fn out_with_a_trailing_dot_is_the_directory_itself() {
    let dir = tmp();
    let d = dir.path();
    // A foreign directory: exit 2 (not 1, "Device or resource busy"), nothing deleted.
    decoy(&d.join("res"), PRECIOUS);
    assert_refused(&run(d, "res/.", &["--force"]), &["res/.", "no manifest.json"]);
    assert_survived(&d.join("res"), PRECIOUS);
    // An own run: replaced like `res`.
    assert_ok(&run(d, "own", &[]));
    assert_ok(&run(d, "own/.", &["--force", "--set", "duration_h=2"]));
    let m: serde_json::Value = serde_json::from_slice(&fs::read(d.join("own/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario"]["duration_h"], 2.0);
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn root_and_symlinked_destinations() {
    let dir = tmp();
    let d = dir.path();
    assert_refused(&run(d, "/", &["--force"]), &["root directory"]);
    // A symlink to a foreign directory is checked as that directory.
    decoy(&d.join("real"), PRECIOUS);
    std::os::unix::fs::symlink(d.join("real"), d.join("link")).unwrap();
    assert_refused(&run(d, "link", &["--force"]), &["no manifest.json"]);
    assert_survived(&d.join("real"), PRECIOUS);
    // A symlink loop is refused with its reason.
    std::os::unix::fs::symlink(d.join("loop"), d.join("loop")).unwrap();
    assert_refused(&run(d, "loop/out", &[]), &["symbolic link"]);
}

#[test]
fn stale_staging_directories_of_dead_processes_are_removed() {
    let dir = tmp();
    let d = dir.path();
    // A pid that existed and is gone.
    let mut c = Command::new("true").spawn().unwrap();
    let dead = c.id();
    c.wait().unwrap();
    decoy(&d.join(format!(".res.partial-{dead}")), &[("trace.csv", "t"), ("manifest.json", "{}")]);
    // A replaced result whose replacement is in place ...
    decoy(&d.join(format!(".other.old-{dead}")), &[("summary.csv", "s")]);
    decoy(&d.join("other"), &[("summary.csv", "new")]);
    // ... and one whose process died between the two renames: the only copy, kept.
    decoy(&d.join(format!(".only.old-{dead}")), &[("summary.csv", "s")]);
    // Not ketasim's files only: kept. A live pid (ours): kept.
    decoy(&d.join(format!(".mixed.partial-{dead}")), &[("trace.csv", "t"), ("mine.txt", "keep")]);
    let live = std::process::id();
    decoy(&d.join(format!(".busy.partial-{live}")), &[("trace.csv", "t")]);
    assert_ok(&run(d, "res", &[]));
    let mut left = leftovers(d);
    left.sort();
    assert_eq!(left, vec![format!(".busy.partial-{live}"), format!(".mixed.partial-{dead}"), format!(".only.old-{dead}")]);
    assert_eq!(fs::read_to_string(d.join(format!(".mixed.partial-{dead}/mine.txt"))).unwrap(), "keep");
}

// ---------------------------------------------------------------------------------------------
// one writer at a time; the check at commit

#[test]
fn a_held_lock_refuses_a_second_writer_with_its_pid() {
    let dir = tmp();
    let d = dir.path();
    let mut lock = fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(d.join(".res.lock")).unwrap();
    writeln!(lock, "4242").unwrap();
    lock.try_lock().expect("the test takes the lock");
    let o = run(d, "res", &[]);
    let err = assert_refused(&o, &["res is being written by another ketasim process (pid 4242)"]);
    assert!(err.starts_with("error: res is being written"), "{err}");
    assert!(!d.join("res").exists());
    // The same for a sweep and a merge into it, and a figure.
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    assert_refused(&ketasim(d, &["sweep", "s.toml", "--out", "res", "--quiet"]), &["being written by another ketasim process (pid 4242)"]);
    assert_refused(&ketasim(d, &["sweep", "s.toml", "--out", "res", "--resume", "--quiet"]), &["pid 4242"]);
    drop(lock);
    assert_ok(&run(d, "res", &[]));
    assert!(is_complete_run(&d.join("res")));
    let mut fig = fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(d.join(".fig.svg.lock")).unwrap();
    writeln!(fig, "77").unwrap();
    fig.try_lock().unwrap();
    assert_refused(&ketasim(d, &["plot", "res", "--out", "fig.svg"]), &["fig.svg is being written by another ketasim process (pid 77)"]);
    drop(fig);
    assert_ok(&ketasim(d, &["plot", "res", "--out", "fig.svg"]));
    assert!(d.join("fig.svg").is_file());
}

#[test]
fn plot_never_overwrites_a_users_file_without_force() {
    let dir = tmp();
    let d = dir.path();
    assert_ok(&run(d, "res", &[]));
    fs::write(d.join("thesis.png"), "my figure").unwrap();
    assert_refused(&ketasim(d, &["plot", "res", "--out", "thesis.png"]), &["thesis.png", "will not overwrite it", "--force"]);
    assert_eq!(fs::read_to_string(d.join("thesis.png")).unwrap(), "my figure");
    // A figure inside a ketasim result is redrawn in place; --force replaces the named file.
    assert_ok(&ketasim(d, &["plot", "res"]));
    assert_ok(&ketasim(d, &["plot", "res"]));
    assert!(fs::read(d.join("res/figure.png")).unwrap().starts_with(b"\x89PNG"));
    assert_ok(&ketasim(d, &["plot", "res", "--out", "thesis.png", "--force"]));
    assert!(fs::read(d.join("thesis.png")).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn two_concurrent_runs_into_one_directory_exactly_one_wins() {
    let dir = tmp();
    let d = dir.path();
    let args = ["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "res"];
    // Each waits 2 s before its commit (test hook), so the two certainly overlap.
    let a = spawn(d, &args, &[(guard::FAULT_ENV, "delay_commit")]);
    let b = spawn(d, &args, &[(guard::FAULT_ENV, "delay_commit")]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)], "a: {}\nb: {}", stderr(&a), stderr(&b));
    let loser = if a.status.code() == Some(2) { &a } else { &b };
    assert!(stderr(loser).contains("res is being written by another ketasim process (pid "), "{}", stderr(loser));
    assert!(is_complete_run(&d.join("res")));
    assert_eq!(tree(&d.join("res")).len(), 5, "one complete run (trace, events, summary, doses, manifest): {:?}", tree(&d.join("res")));
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));

    // Also with --force on both, over an existing run.
    let forced = [&args[..], &["--force"]].concat();
    let a = spawn(d, &forced, &[(guard::FAULT_ENV, "delay_commit")]);
    let b = spawn(d, &forced, &[(guard::FAULT_ENV, "delay_commit")]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)], "a: {}\nb: {}", stderr(&a), stderr(&b));
    assert!(is_complete_run(&d.join("res")));
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn a_directory_appearing_mid_run_is_not_replaced() {
    let dir = tmp();
    let d = dir.path();
    let child = spawn(d, &["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "res"], &[(guard::FAULT_ENV, "delay_commit")]);
    wait_for("the run to be written", || staged_and_written(d, "res"));
    decoy(&d.join("res"), PRECIOUS);
    let o = child.wait_with_output().unwrap();
    assert_refused(&o, &["res", "appeared while ketasim was writing", "new results were removed"]);
    assert_survived(&d.join("res"), PRECIOUS);
    assert_eq!(tree(&d.join("res")).len(), 4, "nothing added: {:?}", tree(&d.join("res")));
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));

    // An empty directory that gains files meanwhile, and an own run replaced by another directory.
    fs::create_dir(d.join("empty")).unwrap();
    let child = spawn(d, &["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "empty"], &[(guard::FAULT_ENV, "delay_commit")]);
    wait_for("the run to be written", || staged_and_written(d, "empty"));
    fs::write(d.join("empty/mine.txt"), "mine").unwrap();
    assert_refused(&child.wait_with_output().unwrap(), &["files appeared"]);
    assert_eq!(fs::read_to_string(d.join("empty/mine.txt")).unwrap(), "mine");

    assert_ok(&run(d, "own", &[]));
    let child = spawn(d, &["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "own", "--force"], &[(guard::FAULT_ENV, "delay_commit")]);
    wait_for("the run to be written", || staged_and_written(d, "own"));
    fs::rename(d.join("own"), d.join("moved")).unwrap();
    decoy(&d.join("own"), PRECIOUS);
    assert_refused(&child.wait_with_output().unwrap(), &["own", "replaced by another one"]);
    assert_survived(&d.join("own"), PRECIOUS);
    assert!(is_complete_run(&d.join("moved")));
    // A foreign file dropped into the own run meanwhile.
    assert_ok(&run(d, "own2", &[]));
    let child = spawn(d, &["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "own2", "--force"], &[(guard::FAULT_ENV, "delay_commit")]);
    wait_for("the run to be written", || staged_and_written(d, "own2"));
    fs::write(d.join("own2/late.txt"), "late").unwrap();
    assert_refused(&child.wait_with_output().unwrap(), &["own2", "changed while ketasim was writing", "late.txt"]);
    assert_eq!(fs::read_to_string(d.join("own2/late.txt")).unwrap(), "late");
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

// ---------------------------------------------------------------------------------------------
// sweeps and merges

/// 15 points × 2 replicates of 96 h on a small circuit: several seconds, long enough to be stopped.
const LONGER: &str = r#"base = "iv-infusion"
replicates = 2
seed = 3

[set]
"duration_h" = 96.0
"circuit.pyramidal_neurons" = 10
"circuit.interneurons" = 5

[grid]
"dose.0.mg_per_kg" = [0.1, 0.2, 0.3, 0.4, 0.5]
"dose.0.over_min" = [20.0, 40.0, 60.0]
"#;

/// 8 points × 2 replicates of 48 h on a small circuit: a second or two.
const SWEEP: &str = r#"base = "iv-infusion"
replicates = 2
seed = 3

[set]
"duration_h" = 48.0
"circuit.pyramidal_neurons" = 10
"circuit.interneurons" = 5

[grid]
"dose.0.mg_per_kg" = [0.1, 0.2, 0.3, 0.4]
"dose.0.over_min" = [20.0, 40.0]
"#;

fn runs_done(runs: &Path) -> usize {
    fs::read_dir(runs).map_or(0, |d| d.flatten().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count())
}

#[test]
fn two_concurrent_resumes_the_second_is_refused_the_first_completes() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("s.toml"), LONGER).unwrap();
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--out", "whole", "--quiet", "--jobs", "1"]));

    // Start a sweep, stop it after a few runs (SIGKILL), then two --resume at once.
    let mut first = spawn(d, &["sweep", "s.toml", "--out", "sw", "--quiet", "--jobs", "1"], &[]);
    wait_for("a few runs", || runs_done(&d.join("sw/runs")) >= 2);
    first.kill().unwrap();
    first.wait().unwrap();
    let a = spawn(d, &["sweep", "s.toml", "--out", "sw", "--quiet", "--jobs", "1", "--resume"], &[]);
    // The first holds the lock once it has cleaned the staging directories and runs again.
    wait_for("the first resume to run", || fs::read_to_string(d.join(".sw.lock")).is_ok_and(|t| t.trim() == a.id().to_string()));
    let b = ketasim(d, &["sweep", "s.toml", "--out", "sw", "--quiet", "--jobs", "1", "--resume"]);
    let a = a.wait_with_output().unwrap();
    assert_refused(&b, &["sw is being written by another ketasim process (pid "]);
    assert_ok(&a);
    for f in ["summary.csv", "points.csv"] {
        assert!(fs::read(d.join("whole").join(f)).unwrap() == fs::read(d.join("sw").join(f)).unwrap(), "{f} equals the uninterrupted sweep's");
    }
    assert!(runs_done(&d.join("sw/runs")) == 30 && leftovers(&d.join("sw/runs")).is_empty());
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn a_failing_forced_sweep_keeps_the_previous_sweep() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--out", "sw", "--quiet"]));
    let before = tree(&d.join("sw"));
    let summary = fs::read(d.join("sw/summary.csv")).unwrap();

    // A run fails (its summary.csv cannot be written, as on a full disk): exit 1, old sweep kept.
    let o = command(d, &["sweep", "s.toml", "--out", "sw", "--quiet", "--force"], &[(guard::FAULT_ENV, "write_summary")]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the previous sweep in sw is kept"), "{}", stderr(&o));
    assert_eq!(tree(&d.join("sw")), before);
    assert_eq!(fs::read(d.join("sw/summary.csv")).unwrap(), summary);
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));

    // Interrupted by Ctrl-C: exit 130, old sweep kept.
    fs::write(d.join("long.toml"), LONGER).unwrap();
    let child = spawn(d, &["sweep", "long.toml", "--out", "sw", "--quiet", "--force", "--jobs", "1"], &[]);
    wait_for("the new sweep to run", || {
        fs::read_dir(d).unwrap().flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(".sw.partial-") && runs_done(&e.path().join("runs")) >= 1
        })
    });
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(tree(&d.join("sw")), before);
    assert_eq!(fs::read(d.join("sw/summary.csv")).unwrap(), summary);
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));

    // A foreign file in the old sweep: --force refused, naming it.
    fs::write(d.join("sw/runs/notes.txt"), "mine").unwrap();
    assert_refused(&ketasim(d, &["sweep", "s.toml", "--out", "sw", "--quiet", "--force"]), &["sw", "runs/notes.txt"]);
    fs::remove_file(d.join("sw/runs/notes.txt")).unwrap();

    // And a forced sweep that succeeds replaces it, with a figure `plot` drew in it.
    assert_ok(&ketasim(d, &["plot", "sw", "--x", "dose.0.mg_per_kg", "--y", "peak_glutamate_rel"]));
    fs::write(d.join("s2.toml"), SWEEP.replace("seed = 3", "seed = 4")).unwrap();
    assert_ok(&ketasim(d, &["sweep", "s2.toml", "--out", "sw", "--quiet", "--force"]));
    assert_ne!(fs::read(d.join("sw/summary.csv")).unwrap(), summary);
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}

#[test]
fn merge_never_writes_into_or_over_a_shard() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    for k in 0..2 {
        assert_ok(&ketasim(d, &["sweep", "s.toml", "--shard", &format!("{k}/2"), "--out", &format!("sh/{k}"), "--quiet"]));
    }
    let before = tree(d);
    assert_refused(&ketasim(d, &["merge", "--out", "sh/0/merged", "sh/0", "sh/1"]), &["inside", "an input of this command"]);
    assert_refused(&ketasim(d, &["merge", "--out", "sh", "--force", "sh/0", "sh/1"]), &["contains", "an input of this command"]);
    assert_refused(&ketasim(d, &["merge", "--out", "x/../sh/1", "--force", "sh/0", "sh/1"]), &["an input of this command"]);
    assert_eq!(tree(d), before);
    // The current directory through a missing one.
    decoy(&d.join("work"), PRECIOUS);
    let o = ketasim(&d.join("work"), &["merge", "--out", "missing/..", "--force", "../sh/0", "../sh/1"]);
    assert_refused(&o, &["current directory"]);
    assert_survived(&d.join("work"), PRECIOUS);
    assert!(!d.join("work/missing").exists());
    assert_ok(&ketasim(d, &["merge", "--out", "merged", "sh/0", "sh/1"]));
    // The merged directory is ketasim's: --force may replace it.
    assert_ok(&ketasim(d, &["merge", "--out", "merged", "--force", "sh/0", "sh/1"]));
}

// ---------------------------------------------------------------------------------------------
// the small ones

#[test]
fn a_fifo_or_a_device_as_the_scenario_is_not_a_regular_file() {
    let dir = tmp();
    let d = dir.path();
    let fifo = d.join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a C string that lives through the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink(d.join("loop.toml"), d.join("loop.toml")).unwrap();
    for spec in ["fifo.toml", "/dev/null", "/dev/stdin"] {
        let o = command(d, &["check", spec], &[]).stdin(Stdio::piped()).output().unwrap();
        assert_refused(&o, &[spec, "not a regular file"]);
    }
    assert_refused(&ketasim(d, &["run", "loop.toml"]), &["loop.toml", "symbolic link", "loop"]);
    assert!(!d.join("runs").exists());
}

#[test]
fn one_seed_range_everywhere() {
    let dir = tmp();
    let d = dir.path();
    let max = u64::MAX.to_string();
    let o = ketasim(d, &["check", "baseline", "--seed", &max]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains(&format!("seed = \"{max}\"")), "{text}");
    fs::write(d.join("big.toml"), &text).unwrap();
    let o = ketasim(d, &["check", "big.toml"]);
    assert_ok(&o);
    assert_eq!(stdout(&o).lines().skip(1).collect::<Vec<_>>(), text.lines().skip(1).collect::<Vec<_>>(), "check accepts what it prints");
    // The file and the flag give the same run.
    assert_ok(&ketasim(d, &["run", "big.toml", "--set", "duration_h=1", "--quiet", "--out", "a"]));
    assert_ok(&ketasim(d, &["run", "baseline", "--set", "duration_h=1", "--quiet", "--out", "b", "--seed", &max]));
    assert_eq!(fs::read(d.join("a/trace.csv")).unwrap(), fs::read(d.join("b/trace.csv")).unwrap());
    // Beyond the range: refused by both.
    assert_eq!(ketasim(d, &["check", "baseline", "--seed", "18446744073709551616"]).status.code(), Some(2));
    fs::write(d.join("bigger.toml"), text.replace(&max, "18446744073709551616")).unwrap();
    assert_refused(&ketasim(d, &["check", "bigger.toml"]), &["seed"]);
}

#[test]
fn too_many_administrations_are_refused_before_anything_is_allocated() {
    let dir = tmp();
    let d = dir.path();
    let mut text = stdout(&ketasim(d, &["check", "baseline"])).lines().skip(1).take_while(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    text = text.replace("dose = []\n", "");
    for _ in 0..11 {
        text.push_str("\n[[dose]]\ndrug = \"ketamine\"\nroute = \"iv_bolus\"\nmg_per_kg = 0.1\nat_h = 0.0\nevery_h = 0.01\ntimes = 10000\n");
    }
    fs::write(d.join("many.toml"), &text).unwrap();
    let t0 = Instant::now();
    let o = ketasim(d, &["run", "many.toml", "--quiet"]);
    assert_refused(&o, &["110000 administrations", "100000"]);
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(!d.join("runs").exists());
}

#[test]
fn a_large_run_prints_its_estimate_and_a_warning() {
    let dir = tmp();
    let d = dir.path();
    let mut child = command(
        d,
        &["run", "iv-infusion", "--set", "duration_h=8760", "--set", "numerics.dt_s=0.01", "--out", "big"],
        &[],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    let t0 = Instant::now();
    while !text.contains("warning: this run would take") && t0.elapsed() < Duration::from_secs(60) {
        let n = std::io::Read::read(&mut err, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(text.contains("estimate: 3153600000 steps, 105121 trace rows"), "{text}");
    assert!(text.contains("warning: this run would take about"), "{text}");
    assert!(!status.success());
    assert!(!d.join("big").exists());
}

#[test]
fn help_and_readme_name_the_default_output_directory_truthfully() {
    let dir = tmp();
    let help = stdout(&ketasim(dir.path(), &["run", "--help"]));
    assert!(help.contains("runs/<NAME>") && help.contains("without .toml"), "{help}");
    // What it says is what happens: a file's name without .toml, a bundled name as is.
    let d = dir.path();
    assert_ok(&ketasim(d, &["run", "baseline", "--set", "duration_h=1", "--quiet"]));
    assert!(d.join("runs/baseline/trace.csv").is_file());
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(!readme.contains("runs/<scenario name>"), "README: the default is not the scenario's `name`");
}

/// `mount -t tmpfs -o OPTS tmpfs DIR`; false (with a note) where mounting is not permitted.
fn try_mount(dir: &Path, opts: &str) -> bool {
    let ok = Command::new("mount").args(["-t", "tmpfs", "-o", opts, "tmpfs"]).arg(dir).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("note: cannot mount a tmpfs ({opts}) here (needs root and CAP_SYS_ADMIN)");
    }
    ok
}

struct Mounted(std::path::PathBuf);
impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_sweep_stopped_by_a_full_disk_can_be_resumed() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    let disk = d.join("disk");
    fs::create_dir(&disk).unwrap();
    // Room for about two runs (a 48 h trace is about 250 KB).
    if !try_mount(&disk, "size=640k") {
        eprintln!("note: skipping a_sweep_stopped_by_a_full_disk_can_be_resumed: no small tmpfs to fill");
        return;
    }
    let _m = Mounted(disk.clone());
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--out", "whole", "--quiet", "--jobs", "1"]));
    let o = ketasim(d, &["sweep", "s.toml", "--out", "disk/sw", "--quiet", "--jobs", "1"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device") && err.contains("--resume"), "{err}");
    let done = runs_done(&disk.join("sw/runs"));
    assert!((1..16).contains(&done), "stopped midway: {done} runs");
    assert!(disk.join("sw/sweep.json").is_file(), "the directory stays resumable");
    assert!(leftovers(&disk.join("sw/runs")).is_empty() && leftovers(&disk).is_empty());
    // More room, then --resume: the same result as the uninterrupted sweep.
    assert!(Command::new("mount").args(["-o", "remount,size=32m"]).arg(&disk).status().unwrap().success());
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--out", "disk/sw", "--quiet", "--jobs", "1", "--resume"]));
    for f in ["summary.csv", "points.csv"] {
        assert!(fs::read(d.join("whole").join(f)).unwrap() == fs::read(disk.join("sw").join(f)).unwrap(), "{f}");
    }
}

#[test]
fn slurm_script_never_overwrites_a_file_ketasim_did_not_write() {
    let dir = tmp();
    let d = dir.path();
    fs::write(d.join("s.toml"), SWEEP).unwrap();
    fs::write(d.join("thesis.tex"), "chapter 1").unwrap();
    let o = ketasim(d, &["sweep", "s.toml", "--slurm", "2", "--slurm-script", "thesis.tex"]);
    assert_refused(&o, &["thesis.tex", "not a SLURM script that ketasim generated"]);
    assert_eq!(fs::read_to_string(d.join("thesis.tex")).unwrap(), "chapter 1");
    fs::create_dir(d.join("adir")).unwrap();
    assert_refused(&ketasim(d, &["sweep", "s.toml", "--slurm", "2", "--slurm-script", "adir"]), &["not a regular file"]);
    // A script it generated is replaced.
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--slurm", "2", "--slurm-script", "job.sh", "--quiet"]));
    assert_ok(&ketasim(d, &["sweep", "s.toml", "--slurm", "3", "--slurm-script", "job.sh", "--quiet"]));
    assert!(fs::read_to_string(d.join("job.sh")).unwrap().contains("--slurm 3"));
    assert!(leftovers(d).is_empty(), "{:?}", leftovers(d));
}
