//! `ketasim sensitivity`: byte-identical results at any --jobs and sharded + merged, resume, and
//! bad specs refused (exit 2) with file, key and line:column. The estimators themselves are tested
//! against analytic indices (Ishigami, linear and additive functions) in `src/sensitivity/indices.rs`.

use std::path::Path;
use std::process::{Command, Output};

const SPEC: &str = r#"base = "iv-infusion"
seed = 5
outputs = ["peak_glutamate_rel", "madrs_24h"]
bootstrap = 200

[set]
"circuit.pyramidal_neurons" = 8
"circuit.interneurons" = 4
duration_h = 25.0
"numerics.sample_every_min" = 60.0

[parameters]
disinhibition_gain = {}
mtorc1_gain = { min = 0.5, max = 2.0, scale = "log" }

[morris]
trajectories = 4

[sobol]
samples = 8
"#;

const FILES: &[&str] = &["design.csv", "runs.csv", "indices.csv", "sensitivity.json", "sensitivity.png", "sweep/summary.csv", "sweep/points.csv"];

fn ketasim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketasim")).current_dir(dir).args(args).output().unwrap()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

#[test]
fn same_spec_gives_identical_results_at_any_jobs_and_sharded_and_merged() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("s.toml"), SPEC).unwrap();
    ok(ketasim(d, &["sensitivity", "s.toml", "--out", "one", "--jobs", "1", "--quiet"]));
    ok(ketasim(d, &["sensitivity", "s.toml", "--out", "two", "--jobs", "2", "--quiet"]));
    ok(ketasim(d, &["sensitivity", "s.toml", "--out", "sh/0", "--shard", "0/2", "--jobs", "1", "--quiet"]));
    ok(ketasim(d, &["sensitivity", "s.toml", "--out", "sh/1", "--shard", "1/2", "--jobs", "1", "--quiet"]));
    assert!(!d.join("sh/0/indices.csv").exists(), "a shard has no indices until merged");
    ok(ketasim(d, &["merge", "--out", "merged", "sh/0", "sh/1", "--quiet"]));
    for f in FILES {
        let one = read(&d.join("one"), f);
        assert_eq!(one, read(&d.join("two"), f), "{f}: --jobs 1 vs --jobs 2");
        assert_eq!(one, read(&d.join("merged"), f), "{f}: unsharded vs sharded + merged");
    }
    // The design: 4 trajectories of 3 points, then A, B, AB_0, AB_1 of 8 rows; indices for every
    // (method, parameter, output, index).
    let design = String::from_utf8(read(&d.join("one"), "design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 4 * 3 + 8 * 4);
    let indices = String::from_utf8(read(&d.join("one"), "indices.csv")).unwrap();
    assert_eq!(indices.lines().next(), Some("method,parameter,output,index,estimate,ci_low,ci_high"));
    assert_eq!(indices.lines().count(), 1 + 2 * 2 * (3 + 2));
    // mTORC1 acts after the glutamate surge: it cannot change the peak glutamate (an exact zero).
    assert!(indices.lines().any(|l| l == "morris,mtorc1_gain,peak_glutamate_rel,mu_star,0.0,0.0,0.0"), "{indices}");

    // Resume: a run lost from the sweep is redone, and the results are the same bytes.
    let runs = d.join("one/sweep/runs");
    let lost = std::fs::read_dir(&runs).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    for f in std::fs::read_dir(&lost).unwrap().flatten() {
        std::fs::remove_file(f.path()).unwrap();
    }
    std::fs::remove_dir(&lost).unwrap();
    let o = ok(ketasim(d, &["sensitivity", "s.toml", "--out", "one", "--resume", "--jobs", "2"]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ran 1 runs"), "{}", String::from_utf8_lossy(&o.stderr));
    for f in FILES {
        assert_eq!(read(&d.join("one"), f), read(&d.join("two"), f), "{f} after --resume");
    }
    // Without --resume or --force an existing result is refused; --force refuses a directory
    // holding a file ketasim did not write.
    let o = ketasim(d, &["sensitivity", "s.toml", "--out", "one", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(d.join("two/notes.txt"), "mine").unwrap();
    let o = ketasim(d, &["sensitivity", "s.toml", "--out", "two", "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("notes.txt"));
    assert_eq!(std::fs::read_to_string(d.join("two/notes.txt")).unwrap(), "mine");
}

/// Run a spec with `from` replaced by `to`; expect exit 2 and every `want` in the message.
fn refused(from: &str, to: &str, want: &[&str]) {
    let t = tempfile::tempdir().unwrap();
    assert!(SPEC.contains(from));
    std::fs::write(t.path().join("bad.toml"), SPEC.replacen(from, to, 1)).unwrap();
    let o = ketasim(t.path(), &["sensitivity", "bad.toml", "--out", "res", "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for w in want {
        assert!(err.contains(w), "`{w}` not in: {err}");
    }
    assert!(!t.path().join("res").exists(), "nothing is written for a bad spec");
}

#[test]
fn bad_specs_name_file_key_and_place() {
    refused("disinhibition_gain = {}", "disinhibition_gian = {}", &["bad.toml:13:", "parameters.disinhibition_gian", "did you mean `disinhibition_gain`"]);
    refused("min = 0.5, max = 2.0", "min = 0.5, max = 200.0", &["bad.toml:14:", "parameters.mtorc1_gain.max", "outside the validity range", "0 to 100"]);
    refused("\"madrs_24h\"]", "\"madrs_42h\"]", &["bad.toml:3:", "outputs.1", "unknown output `madrs_42h`", "did you mean `madrs_24h`"]);
    refused("disinhibition_gain = {}", "spine_step_min = {}", &["parameters.spine_step_min", "min (15) must be less than max (15)", "numerical setting"]);
    refused("trajectories = 4", "trajectories = 4\nlevels = 5", &["morris.levels", "must be even"]);
}

#[test]
fn bundled_specs_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sensitivity");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "toml") {
            let s = ketasim::sensitivity::spec::Spec::load(&e.path()).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
            // Every sampled range is inside its parameter's validity range.
            for p in &s.analysis.parameters {
                let info = ketasim::params::info(&p.name).unwrap();
                assert!(info.min <= p.min && p.max <= info.max, "{}", p.name);
            }
            n += 1;
        }
    }
    assert!(n >= 1, "no bundled sensitivity spec");
}
