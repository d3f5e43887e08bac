//! Results depend on the scenario and the seed only: not on the number of threads.
//!
//! Runs the real binary (`iv-infusion`, 48 h) in a temporary directory.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::util::BIN;

/// `ketasim run iv-infusion --out <out> --set duration_h=48 --quiet [extra]` in `dir`.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec!["run", "iv-infusion", "--out", out, "--set", "duration_h=48", "--quiet"];
    args.extend_from_slice(extra);
    let o = Command::new(BIN).args(&args).current_dir(dir).output().expect("run the ketasim binary");
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// One column of trace.csv, by name.
fn column(path: &Path, name: &str) -> Vec<f64> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let idx = r.headers().unwrap().iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    r.records().map(|rec| rec.unwrap()[idx].parse().unwrap()).collect()
}

#[test]
fn threads_do_not_change_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::thread::scope(|s| {
        s.spawn(|| run(d, "t1", &["--threads", "1"]));
        s.spawn(|| run(d, "t2", &["--threads", "2"]));
    });
    for f in ["trace.csv", "events.csv", "summary.csv"] {
        let a = fs::read(d.join("t1").join(f)).unwrap();
        let b = fs::read(d.join("t2").join(f)).unwrap();
        assert!(!a.is_empty(), "{f} is empty");
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    // The manifest records the thread count it ran with.
    let m: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.join("t2/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["threads"], 2);
    assert_eq!(m["seed"], 1);
}

#[test]
fn the_same_seed_repeats_and_another_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::thread::scope(|s| {
        s.spawn(|| run(d, "a", &["--seed", "11"]));
        s.spawn(|| run(d, "b", &["--seed", "11"]));
        s.spawn(|| run(d, "c", &["--seed", "12"]));
    });
    assert!(fs::read(d.join("a/trace.csv")).unwrap() == fs::read(d.join("b/trace.csv")).unwrap(), "same seed, same trace");
    let a = column(&d.join("a/trace.csv"), "spines_per_neuron");
    let c = column(&d.join("c/trace.csv"), "spines_per_neuron");
    assert_eq!(a.len(), c.len());
    assert!(a.len() > 100);
    assert_ne!(a, c, "different seeds give different spines_per_neuron");
    let m: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.join("c/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["seed"], 12, "--seed is recorded");
}

#[test]
fn parallel_spine_fates_match_the_single_threaded_path() {
    // Above PARALLEL_MIN_SPINES spines and with --threads 2, spine fates are drawn in parallel
    // (bevy par_iter); the files must still equal the single-threaded run byte for byte.
    const { assert!(1_250 * 200 >= ketasim::pathway::synaptogenesis::PARALLEL_MIN_SPINES) };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = ["--set", "subject.state=healthy", "--set", "circuit.pyramidal_neurons=1250", "--set", "circuit.interneurons=300"];
    for (out, threads) in [("p1", "1"), ("p2", "2")] {
        let mut extra = big.to_vec();
        extra.extend_from_slice(&["--threads", threads, "--set", "numerics.sample_every_min=60"]);
        run(d, out, &extra);
    }
    for f in ["trace.csv", "events.csv", "summary.csv"] {
        let a = fs::read(d.join("p1").join(f)).unwrap();
        let b = fs::read(d.join("p2").join(f)).unwrap();
        assert!(a == b, "{f} differs between the single-threaded and the parallel spine path");
    }
    // Spines do turn over in this run (the comparison is not vacuous).
    let spines = column(&d.join("p1").join("trace.csv"), "spines_per_neuron");
    assert!(spines.windows(2).any(|w| w[0] != w[1]));
}
