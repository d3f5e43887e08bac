//! `ketasim compare RUN_A RUN_B [...] --out FILE`: the overlaid cascade, its legend, and the rules
//! it shares with `plot --out` (run directories only, exit 2; never overwrite a user's file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ketasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketasim")).args(args).output().expect("cannot start ketasim")
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Two short runs: the infusion, and the infusion at half the dose (a `--set`).
fn two_runs(root: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (root.join("full"), root.join("half"));
    for (dir, extra) in [(&a, None), (&b, Some("dose.0.mg_per_kg=0.25"))] {
        let mut args = vec!["run", "iv-infusion", "--set", "duration_h=12", "--quiet", "--out", dir.to_str().unwrap()];
        if let Some(e) = extra {
            args.extend(["--set", e]);
        }
        let o = ketasim(&args);
        assert!(o.status.success(), "{}", text(&o));
    }
    (a, b)
}

#[test]
fn compare_overlays_runs_with_a_legend_from_their_scenarios_and_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(tmp.path());
    let svg = tmp.path().join("cmp.svg");
    let o = ketasim(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), svg.to_str().unwrap());
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("Comparing 2 runs"), "title");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    let name = manifest["scenario"]["name"].as_str().unwrap();
    // The legend names run A by its scenario, run B by its override (in its name or after it).
    let legend_a = format!("A  {name}");
    assert!(s.contains(&legend_a.replace('&', "&amp;")), "no legend entry {legend_a:?}");
    assert!(s.contains("B  ") && s.contains("dose.0.mg_per_kg=0.25"), "run B's legend does not name its --set");
    for panel in ["Ketamine in plasma", "NMDA block, GABA interneurons", "Dendritic spine density", "MADRS"] {
        assert!(s.contains(panel), "no panel {panel:?}");
    }
    // The override took effect: run B's peak plasma level is half of A's (linear PK), so the two
    // overlaid curves differ (the panels' shared axis ranges are checked in src/plot/compare_figure.rs).
    let cmax = |d: &Path| -> f64 {
        let mut r = csv::Reader::from_path(d.join("summary.csv")).unwrap();
        let i = r.headers().unwrap().iter().position(|c| c == "cmax_ng_ml").unwrap();
        r.records().next().unwrap().unwrap()[i].parse().unwrap()
    };
    let (ca, cb) = (cmax(&a), cmax(&b));
    assert!((cb / ca - 0.5).abs() < 0.02, "half the dose, half the Cmax: {ca} vs {cb}");
    // Both runs' colours (Okabe-Ito blue and vermilion) are drawn.
    assert!(s.contains("#0072B2") && s.contains("#D55E00"), "the two runs' colours are missing");

    // A PNG too.
    let png = tmp.path().join("cmp.png");
    let o = ketasim(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn compare_refuses_non_runs_and_never_overwrites_a_users_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(tmp.path());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let out = tmp.path().join("c.png");
    let o_s = out.to_str().unwrap();
    let refused = |args: &[&str], needle: &str| {
        let o = ketasim(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(String::from_utf8_lossy(&o.stderr).contains(needle), "{args:?}: expected {needle:?}: {}", text(&o));
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    };
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&["compare", a, empty.to_str().unwrap(), "--out", o_s], "has no trace.csv");
    refused(&["compare", a, tmp.path().join("missing").to_str().unwrap(), "--out", o_s], "not a directory");
    // A sweep directory (a summary.csv with a run_id column) is not a run.
    let sweep = tmp.path().join("sweep");
    std::fs::create_dir(&sweep).unwrap();
    std::fs::write(sweep.join("summary.csv"), "run_id,point,cmax_ng_ml\np0-r0,0,1\n").unwrap();
    refused(&["compare", a, sweep.to_str().unwrap(), "--out", o_s], "is a sweep directory");
    refused(&["compare", a, "--out", o_s], "2 values required");
    refused(&["compare", a, b, "--out", tmp.path().join("c.gif").to_str().unwrap()], ".png");

    // A file of the user's is not replaced without --force; with it, it is.
    let mine = tmp.path().join("mine.png");
    std::fs::write(&mine, b"my own picture").unwrap();
    let o = ketasim(&["compare", a, b, "--out", mine.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"), "{}", text(&o));
    assert_eq!(std::fs::read(&mine).unwrap(), b"my own picture");
    let o = ketasim(&["compare", a, b, "--out", mine.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(&std::fs::read(&mine).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}
