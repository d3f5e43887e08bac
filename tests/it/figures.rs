//! Figure options of `ketasim plot`: `--dose K` (the early view at a chosen dose of a multi-dose
//! run) and its errors.

use std::process::{Command, Output};

fn ketasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketasim")).args(args).output().expect("cannot start ketasim")
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn plot_dose_k_shows_the_hours_after_that_dose() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("six");
    // Six infusions over two weeks: dose 3 is the Monday of the second week, at 168 h.
    let o = ketasim(&["run", "six-infusions", "--quiet", "--out", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let doses = std::fs::read_to_string(run.join("doses.csv")).unwrap();
    let t3: f64 = doses.lines().nth(4).unwrap().split(',').nth(1).unwrap().parse().unwrap();
    assert_eq!(t3, 168.0, "doses.csv: {doses}");
    let svg = tmp.path().join("d3.svg");
    let o = ketasim(&["plot", run.to_str().unwrap(), "--dose", "3", "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("time, hours around the chosen dose (h)") && s.contains("time, whole run (days)"), "axis titles");
    assert!(s.contains("6 h from 168 h on the left"), "the note names the chosen dose's time");
    // The left axis runs from the dose: its first tick label is 168.
    assert!(s.contains(">\n168\n</text>"), "no tick at 168 h");

    // A dose the run does not have, or --dose on a sweep: exit 2, nothing written.
    let out = tmp.path().join("bad.png");
    let o = ketasim(&["plot", run.to_str().unwrap(), "--dose", "6", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("6 administrations, numbered 0 to 5"), "{}", text(&o));
    assert!(!out.exists());
    let sweep = tmp.path().join("sweep");
    std::fs::create_dir(&sweep).unwrap();
    std::fs::write(sweep.join("summary.csv"), "run_id,point,replicate,dose.0.mg_per_kg,scenario,cmax_ng_ml\np0-r0,0,0,0.5,x,1\n").unwrap();
    let o = ketasim(&["plot", sweep.to_str().unwrap(), "--dose", "0", "--y", "cmax_ng_ml", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!out.exists());
}
