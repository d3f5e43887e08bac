//! Robustness: extreme but valid input runs (or is refused with a clear message) and stays
//! physical; numerical guards stop a run that goes bad; faults (an unwritable or full output
//! directory, a failed write, Ctrl-C) end with a clear message, the right exit code and nothing
//! left that looks finished.
//!
//! Fault tests that need `mount` (a read-only or a tiny tmpfs) are skipped, with a note on stderr,
//! where mounting is not permitted. The test hook `KETASIM_FAULT_INJECT` is documented in
//! docs/errors.md.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ketasim::error::Error;
use ketasim::guard::{self, Bound};
use ketasim::pathway::{CircuitMeans, Exposure};
use ketasim::readout::{SUMMARY_COLUMNS, TRACE_COLUMNS, TraceRow};

use crate::util::{stderr};

use crate::util::BIN;

/// A small, fast scenario that every extreme case edits.
const BASE: &str = r#"name = "robustness"
duration_h = 24.0
seed = 1

[subject]
weight_kg = 70.0
state = "chronic_stress"

[circuit]
pyramidal_neurons = 10
interneurons = 4
spines_per_pyramidal = 50

[[dose]]
drug = "ketamine"
route = "iv_infusion"
mg_per_kg = 0.5
at_h = 0.0
over_min = 40.0
"#;

// ---------------------------------------------------------------------------------------------
// helpers

fn ketasim(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(dir).env_remove(guard::FAULT_ENV);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run the ketasim binary")
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: `{from}` not in the text");
    text.replacen(from, to, 1)
}

/// Names in `dir` that look like a staging (`.<name>.partial-<pid>`) or replaced (`.old`) directory.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".partial-") || n.contains(".old-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The run failed with `code`, its one message contains every needle, and nothing that looks like
/// a result was left: no `dest`, no staging directory beside it.
fn assert_failed_cleanly(o: &Output, code: i32, needles: &[&str], dest: &Path) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr:\n{err}");
    assert!(err.starts_with("error: ") || err.contains("\nerror: "), "an `error:` message:\n{err}");
    assert!(!err.contains("panicked") && !err.contains("stack backtrace"), "no panic:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should contain `{n}`:\n{err}");
    }
    assert!(!dest.exists(), "{} must not exist after a failure", dest.display());
    let parent = dest.parent().unwrap();
    assert!(leftovers(parent).is_empty(), "left behind: {:?}", leftovers(parent));
    assert!(o.stdout.is_empty(), "no file list on stdout after a failure");
    err
}

/// Parse a CSV file into (header, rows of cells).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// Every trace value is a finite number, at least 0, fractions at most 1 and percentages at most
/// 100; every numeric summary value is finite and at least 0. Returns the trace rows.
fn assert_physical(run: &Path) -> Vec<Vec<f64>> {
    let (header, rows) = read_csv(&run.join("trace.csv"));
    assert!(!rows.is_empty());
    let mut out = Vec::new();
    for row in &rows {
        let mut vals = Vec::new();
        for (name, cell) in header.iter().zip(row) {
            let v: f64 = cell.parse().unwrap_or_else(|_| panic!("trace.csv `{name}` = `{cell}` is not a number"));
            assert!(v.is_finite(), "trace.csv `{name}` = {cell} at t = {}", row[0]);
            assert!(v >= 0.0, "trace.csv `{name}` = {cell} is negative at t = {}", row[0]);
            let unit = TRACE_COLUMNS.iter().find(|c| c.0 == name).map_or("", |c| c.1);
            if unit.starts_with("fraction") {
                assert!(v <= 1.0, "trace.csv `{name}` = {cell} is above 1 at t = {}", row[0]);
            }
            if unit == "%" {
                assert!(v <= 100.0, "trace.csv `{name}` = {cell} is above 100 % at t = {}", row[0]);
            }
            vals.push(v);
        }
        out.push(vals);
    }
    let (header, rows) = read_csv(&run.join("summary.csv"));
    assert_eq!(rows.len(), 1);
    for (name, cell) in header.iter().zip(&rows[0]) {
        let unit = SUMMARY_COLUMNS.iter().find(|c| c.0 == name).map_or("", |c| c.1);
        if cell.is_empty() || name == "scenario" || unit == "true/false" {
            continue;
        }
        let v: f64 = cell.parse().unwrap_or_else(|_| panic!("summary.csv `{name}` = `{cell}` is not a number"));
        assert!(v.is_finite() && v >= 0.0, "summary.csv `{name}` = {cell}");
    }
    out
}

fn column(run: &Path, name: &str) -> Vec<f64> {
    let (header, rows) = read_csv(&run.join("trace.csv"));
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[i].parse().unwrap()).collect()
}

/// Write `text` as `s.toml` in a fresh directory and `ketasim run s.toml --out out --quiet [extra]`.
fn run_text(text: &str, extra: &[&str]) -> (tempfile::TempDir, Output, f64) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), text).unwrap();
    let mut args = vec!["run", "s.toml", "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    let t = Instant::now();
    let o = ketasim(dir.path(), &args, &[]);
    (dir, o, t.elapsed().as_secs_f64())
}

fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(o));
}

// ---------------------------------------------------------------------------------------------
// numerical guards: the pure functions on synthetic bad values

#[test]
fn guard_names_stage_variable_time_and_cause() {
    let good = TraceRow { time_h: 2.5, glutamate_rel: 1.0, ..Default::default() };
    assert!(guard::check_trace_row(&good, &[]).is_ok());

    let bad = TraceRow { glutamate_rel: f64::NAN, ..good };
    let e = guard::check_trace_row(&bad, &[]).unwrap_err();
    match &e {
        Error::Numerical { stage, variable, t_h, value, .. } => {
            assert_eq!((stage.as_str(), variable.as_str(), *t_h), ("trace", "glutamate_rel", 2.5));
            assert!(value.is_nan());
        }
        other => panic!("expected a numerical error, got {other:?}"),
    }
    assert_eq!(e.exit_code(), 1);
    let msg = e.to_string();
    for n in ["numerical guard", "`glutamate_rel`", "NaN", "t = 2.5000 h", "probable cause", "bug in ketasim"] {
        assert!(msg.contains(n), "`{n}` missing from: {msg}");
    }

    // A fraction above 1 and an infinity.
    let e = guard::check_trace_row(&TraceRow { nmda_block_pyramidal: 1.5, ..good }, &[]).unwrap_err().to_string();
    assert!(e.contains("`nmda_block_pyramidal` is above 1") && e.contains("0 to 1"), "{e}");
    let e = guard::check_trace_row(&TraceRow { plasma_ketamine_ng_ml: f64::INFINITY, ..good }, &[]).unwrap_err().to_string();
    assert!(e.contains("`plasma_ketamine_ng_ml` is infinite"), "{e}");
    // A negative count.
    let e = guard::check_trace_row(&TraceRow { spines_per_neuron: -1.0, ..good }, &[]).unwrap_err().to_string();
    assert!(e.contains("`spines_per_neuron` is negative"), "{e}");
}

#[test]
fn guard_checks_means_and_exposure_in_causal_order() {
    let ok = CircuitMeans { inhibition_rel: 1.0, glutamate_rel: 1.0, bdnf_rel: 1.0, mtorc1_rel: 1.0, ..Default::default() };
    assert!(guard::check_means(&ok, 1.0, &[]).is_ok());
    // Two bad values: the upstream one (AMPA, stage 4) is named, not the downstream (BDNF).
    let bad = CircuitMeans { ampa_activation: f64::NAN, bdnf_rel: f64::NAN, ..ok };
    let e = guard::check_means(&bad, 3.0, &["ampa_hill".to_string()]).unwrap_err().to_string();
    assert!(e.contains("stage `ampa`") && e.contains("`ampa_activation`") && e.contains("t = 3.0000 h"), "{e}");
    assert!(e.contains("overridden parameters of this stage: ampa_hill"), "the cause names the override: {e}");

    let mut ex = Exposure::default();
    assert!(guard::check_exposure(&ex, 0.0, &[]).is_ok());
    ex.conc.plasma_ketamine_ng_ml = -5.0;
    let e = guard::check_exposure(&ex, 0.5, &[]).unwrap_err().to_string();
    assert!(e.contains("stage `pk`") && e.contains("negative") && e.contains("numerics.dt_s"), "{e}");

    // Round-off is tolerated; real violations are not.
    assert!(Bound::FRACTION.violation(1.0 + 1e-13).is_none());
    assert!(Bound::NonNegative.violation(-1e-6).is_some());
}

#[test]
fn guard_stops_a_run_end_to_end_via_the_test_hook() {
    // The test hook puts a NaN into the glutamate state at 1 h; the systems carry it on, and the
    // guard must stop the run at the next sample, name the stage, and leave nothing behind.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), BASE).unwrap();
    let o = ketasim(dir.path(), &["run", "s.toml", "--out", "out"], &[(guard::FAULT_ENV, "nan_glutamate")]);
    let err = assert_failed_cleanly(
        &o,
        1,
        &["numerical guard", "stage `glutamate`", "NaN", "t = 1.0833 h", "probable cause", "nan_glutamate", "nothing was written to out"],
        &dir.path().join("out"),
    );
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1, "one message:\n{err}");
}

// ---------------------------------------------------------------------------------------------
// parameter overrides that push the stages hardest: they run and stay physical, or are refused

#[test]
fn extreme_parameter_overrides_run_and_stay_physical() {
    // Each set: the most extreme allowed values of the stages most likely to misbehave.
    let cases: &[&[&str]] = &[
        // Tiny half-block with the steepest Hill: E(b) underflows towards 0 without NaN.
        &["parameters.pyramidal_nmda_half_block=0.01", "parameters.pyramidal_nmda_hill=20"],
        // Fastest effect site and absorption, slowest unblock, tiniest IC50s.
        &["parameters.ke0_per_h=1000", "parameters.nmda_ic50_interneuron_um=0.001", "parameters.nmda_ic50_pyramidal_um=0.001", "parameters.nmda_unblock_tau_min=0.1"],
        // The stiffest PK: smallest volume, largest clearances, lightest subject, largest step.
        &[
            "parameters.ketamine_v1_l=0.1", "parameters.ketamine_cl_l_per_h=10000", "parameters.ketamine_q2_l_per_h=10000",
            "parameters.ketamine_q3_l_per_h=10000", "parameters.ke0_per_h=1000", "subject.weight_kg=2", "numerics.dt_s=60",
            "numerics.sample_every_min=5",
        ],
        // The amplification chain at its top: used to allocate billions of spines (out of memory).
        &["parameters.protein_induction_per_h=100", "parameters.spine_formation_protein_hill=10", "parameters.mtorc1_gain=100"],
        &["parameters.ampa_ec50_glutamate_rel=100", "parameters.ampa_hill=10", "parameters.bdnf_activity_gain=100", "parameters.disinhibition_gain=100"],
        // Shortest time constants at the largest step.
        &[
            "parameters.glutamate_tau_min=0.01", "parameters.bdnf_tau_min=0.01", "parameters.mtorc1_tau_min=0.01",
            "parameters.protein_half_life_h=0.1", "parameters.spine_step_min=0.1", "numerics.dt_s=60", "numerics.sample_every_min=5",
        ],
        // Slowest spine turnover allowed, every mechanism on.
        &["parameters.spine_thin_elimination_per_day=0.001", "parameters.spine_mushroom_elimination_per_day=0.001", "parameters.spine_maturation_per_day=0", "mechanisms.hnk=true"],
    ];
    for sets in cases {
        let mut extra = Vec::new();
        for s in *sets {
            extra.push("--set");
            extra.push(*s);
        }
        let (dir, o, secs) = run_text(BASE, &extra);
        assert_ok(&o);
        assert_physical(&dir.path().join("out"));
        assert!(secs < 60.0, "{sets:?} took {secs:.1} s");
    }
}

#[test]
fn degenerate_spine_rates_are_refused_at_check_time() {
    // Zero elimination used to turn the steady state into 0/0 = NaN, silently read as "no spines".
    for (set, allowed) in [
        ("parameters.spine_mushroom_elimination_per_day=0", "[0.001, 100]"),
        ("parameters.spine_thin_elimination_per_day=0", "[0.001, 100]"),
    ] {
        let (dir, o, _) = run_text(BASE, &["--set", set]);
        let err = assert_failed_cleanly(&o, 2, &[set.split('=').next().unwrap(), allowed], &dir.path().join("out"));
        assert!(err.contains("out of range"), "{err}");
    }
    // A circuit that could grow beyond memory is refused, with the largest safe value.
    let big = edit(BASE, "pyramidal_neurons = 10", "pyramidal_neurons = 250000");
    let big = edit(&big, "spines_per_pyramidal = 50", "spines_per_pyramidal = 200");
    let (dir, o, _) = run_text(&big, &["--set", "parameters.spine_capacity_rel=100"]);
    assert_failed_cleanly(&o, 2, &["parameters.spine_capacity_rel", "at most 2.000"], &dir.path().join("out"));
}

// ---------------------------------------------------------------------------------------------
// extreme but valid input

#[test]
fn huge_dose_runs_with_a_warning_and_stays_physical() {
    let text = edit(BASE, "route = \"iv_infusion\"\nmg_per_kg = 0.5\nat_h = 0.0\nover_min = 40.0", "route = \"iv_bolus\"\nmg_per_kg = 100.0\nat_h = 0.0");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), &text).unwrap();
    // Above the plausible ceiling (5 mg/kg IV): refused as a unit mix-up unless allowed.
    let o = ketasim(dir.path(), &["run", "s.toml", "--out", "out"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
    let o = ketasim(dir.path(), &["run", "s.toml", "--out", "out", "--allow-high-dose"], &[]);
    assert_ok(&o);
    assert!(stderr(&o).contains("warning: dose.0: not a low dose"), "{}", stderr(&o));
    assert!(stderr(&o).contains("above the plausible ceiling"), "{}", stderr(&o));
    let out = dir.path().join("out");
    assert_physical(&out);
    let block = column(&out, "nmda_block_interneuron");
    assert!(block.iter().copied().fold(0.0, f64::max) > 0.95, "100 mg/kg blocks nearly every receptor");
}

#[test]
fn weight_edges_two_kg_runs_one_kg_is_refused() {
    let (dir, o, _) = run_text(&edit(BASE, "weight_kg = 70.0", "weight_kg = 2.0"), &[]);
    assert_ok(&o);
    assert_physical(&dir.path().join("out"));

    let (dir, o, _) = run_text(&edit(BASE, "weight_kg = 70.0", "weight_kg = 1.0"), &[]);
    assert_failed_cleanly(&o, 2, &["s.toml:", "subject.weight_kg", "value 1 is out of range", "allowed: [2, 300] kg"], &dir.path().join("out"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn one_year_with_coarse_sampling() {
    let text = edit(BASE, "duration_h = 24.0", "duration_h = 8760.0");
    let text = format!("{text}\n[numerics]\ndt_s = 60\nsample_every_min = 1440\n");
    let (dir, o, secs) = run_text(&text, &["--set", "circuit.pyramidal_neurons=5", "--set", "circuit.interneurons=2"]);
    assert_ok(&o);
    eprintln!("one year, dt_s = 60, 525,600 steps, 5 pyramidal neurons: {secs:.2} s wall time");
    let out = dir.path().join("out");
    let rows = assert_physical(&out);
    assert_eq!(rows.len(), 366, "a sample per day plus t = 0");
    assert_eq!(rows.last().unwrap()[0], 8760.0);
    assert!(secs < 120.0, "{secs:.1} s");
}

#[test]
fn zero_dose_and_no_dose_run_flat() {
    for text in [edit(BASE, "mg_per_kg = 0.5", "mg_per_kg = 0.0"), BASE.split("[[dose]]").next().unwrap().to_string()] {
        let (dir, o, _) = run_text(&text, &[]);
        assert_ok(&o);
        let out = dir.path().join("out");
        assert_physical(&out);
        assert!(column(&out, "plasma_ketamine_ng_ml").iter().all(|&c| c == 0.0));
        assert!(column(&out, "nmda_block_interneuron").iter().all(|&b| b == 0.0));
    }
}

#[test]
fn two_hundred_boluses_one_minute_apart() {
    let text = edit(
        BASE,
        "route = \"iv_infusion\"\nmg_per_kg = 0.5\nat_h = 0.0\nover_min = 40.0",
        "route = \"iv_bolus\"\nmg_per_kg = 0.5\nat_h = 0.0\nevery_h = 0.016666666666666666\ntimes = 200",
    );
    let (dir, o, _) = run_text(&text, &[]);
    assert_ok(&o);
    let out = dir.path().join("out");
    assert_physical(&out);
    let events = fs::read_to_string(out.join("events.csv")).unwrap();
    let given = events.lines().filter(|l| l.contains(",dose_start,")).count();
    let withheld = events.lines().filter(|l| l.contains("withheld")).count();
    assert!(given >= 1 && given + withheld >= 200 - 1, "{given} given, {withheld} withheld");
}

#[test]
fn two_hundred_overlapping_infusions() {
    // Separate [[dose]] entries may overlap: 200 one-hour infusions starting a minute apart.
    let mut text = BASE.split("[[dose]]").next().unwrap().to_string();
    for i in 0..200 {
        text.push_str(&format!(
            "\n[[dose]]\ndrug = \"{}\"\nroute = \"iv_infusion\"\nmg_per_kg = 0.05\nat_h = {}\nover_min = 60.0\n",
            if i % 2 == 0 { "ketamine" } else { "esketamine" },
            i as f64 / 60.0
        ));
    }
    let (dir, o, _) = run_text(&text, &[]);
    assert_ok(&o);
    assert_physical(&dir.path().join("out"));
}

// ---------------------------------------------------------------------------------------------
// faults

/// `mount -t tmpfs -o OPTS tmpfs DIR`; false (with a note) where mounting is not permitted.
fn try_mount(dir: &Path, opts: &str) -> bool {
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("note: cannot mount a tmpfs ({opts}) here (needs root and CAP_SYS_ADMIN)");
    }
    ok
}

struct Mounted(PathBuf);
impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn unwritable_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    // As root, permissions do not stop writes: a read-only tmpfs does. Elsewhere chmod is enough.
    let _m;
    let why = if try_mount(&ro, "ro,size=64k") {
        _m = Mounted(ro.clone());
        "Read-only file system"
    } else if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        "Permission denied"
    } else {
        eprintln!("note: skipping unwritable_output_directory: no read-only mount, and permissions do not stop root");
        return;
    };
    let o = ketasim(dir.path(), &["run", "baseline", "--out", "ro/run", "--quiet"], &[]);
    assert_failed_cleanly(&o, 2, &["ro/run", "cannot write in", why], &ro.join("run"));
    // Directly in the read-only directory: the same.
    let o = ketasim(&ro, &["run", "baseline", "--out", "run", "--quiet"], &[]);
    assert_failed_cleanly(&o, 2, &["cannot write in"], &ro.join("run"));
}

#[test]
fn full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small");
    fs::create_dir(&small).unwrap();
    if !try_mount(&small, "size=64k") {
        eprintln!("note: skipping full_disk: no small tmpfs to fill");
        return;
    }
    let _m = Mounted(small.clone());
    // A week sampled every 5 min: trace.csv is far larger than 64 KiB.
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "small/run", "--quiet", "--set", "circuit.pyramidal_neurons=5"], &[]);
    let err = assert_failed_cleanly(&o, 1, &["No space left on device", "nothing was written to small/run"], &small.join("run"));
    assert!(err.contains("trace.csv") || err.contains("events.csv") || err.contains("manifest.json"), "{err}");
    assert_eq!(fs::read_dir(&small).unwrap().count(), 0, "the full disk is left empty");
}

#[test]
fn injected_write_failures_leave_nothing() {
    for (point, file) in [("write_trace", "trace.csv"), ("write_events", "events.csv"), ("write_summary", "summary.csv"), ("write_manifest", "manifest.json")] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("s.toml"), BASE).unwrap();
        let o = ketasim(dir.path(), &["run", "s.toml", "--out", "out", "--quiet"], &[(guard::FAULT_ENV, point)]);
        assert_failed_cleanly(&o, 1, &["cannot write", file, "injected failure", point, "nothing was written to out"], &dir.path().join("out"));
    }
}

#[test]
fn a_failed_replacement_keeps_the_previous_result() {
    // --force over an earlier result, and the new result cannot be written or moved into place:
    // the earlier result must survive untouched.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), BASE).unwrap();
    assert_ok(&ketasim(dir.path(), &["run", "s.toml", "--out", "out", "--quiet"], &[]));
    let before = fs::read(dir.path().join("out/trace.csv")).unwrap();
    for point in ["write_trace", "commit"] {
        let o = ketasim(dir.path(), &["run", "s.toml", "--out", "out", "--quiet", "--force", "--seed", "9"], &[(guard::FAULT_ENV, point)]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("injected failure"), "{}", stderr(&o));
        assert_eq!(fs::read(dir.path().join("out/trace.csv")).unwrap(), before, "{point}: the previous result is kept");
        assert!(leftovers(dir.path()).is_empty(), "{point}: {:?}", leftovers(dir.path()));
    }
}

/// Start a long run, wait until it is under way, send `signal`, and check the clean stop.
fn interrupt_run(signal: i32, code: i32, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["run", "iv-infusion", "--out", "out", "--quiet", "--set", "duration_h=8760"])
        .current_dir(dir.path())
        .env_remove(guard::FAULT_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The staging directory appears when the run starts.
    let t0 = Instant::now();
    while leftovers(dir.path()).is_empty() {
        assert!(t0.elapsed() < Duration::from_secs(30), "the run did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the run ended before the signal");
    let sent = Instant::now();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let o = child.wait_with_output().unwrap();
    let waited = sent.elapsed();
    assert!(waited < Duration::from_secs(5), "the run took {waited:?} to stop");
    let err = assert_failed_cleanly(&o, code, &[&format!("interrupted by {name}"), "at t = ", "nothing was written to out"], &dir.path().join("out"));
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn ctrl_c_stops_cleanly_with_130() {
    interrupt_run(libc::SIGINT, 130, "SIGINT (Ctrl-C)");
}

#[test]
fn sigterm_stops_cleanly_with_143() {
    interrupt_run(libc::SIGTERM, 143, "SIGTERM");
}

#[test]
fn closed_or_full_standard_output_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A reader that goes away at once (`ketasim params | head -0`): a quiet exit, as with SIGPIPE.
    let mut child = Command::new(BIN)
        .arg("params")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(matches!(o.status.code(), Some(0 | 141)), "exit {:?}: {err}", o.status.code());
    assert!(!err.contains("panicked"), "{err}");
    // A full disk behind standard output: one error line, exit code 1.
    if let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") {
        let o = Command::new(BIN).arg("params").current_dir(dir.path()).stdout(full).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: cannot write to stdout") && !err.contains("panicked"), "{err}");
    }
}
