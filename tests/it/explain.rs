//! `ketasim explain`: the account follows the run's own numbers and names the reason for the
//! inverted U (pyramidal block) and for a blocked chain.

use crate::util;

use std::process::Command;

fn ketasim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ketasim"))
}

fn run_and_explain(dir: &std::path::Path, scenario: &str, sets: &[&str]) -> (String, String) {
    let out = dir.join(scenario);
    let mut c = ketasim();
    c.args(["run", scenario, "--quiet", "--out"]).arg(&out);
    for s in sets {
        c.args(["--set", s]);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", util::stderr(&o));
    let e = ketasim().arg("explain").arg(&out).output().unwrap();
    assert!(e.status.success(), "{}", util::stderr(&e));
    (util::stdout(&e), std::fs::read_to_string(out.join("summary.csv")).unwrap())
}

fn summary_value(summary: &str, column: &str) -> f64 {
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == column).unwrap();
    // The scenario name is quoted and may hold a comma: read the row with the csv crate's rules.
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(lines.next().unwrap().as_bytes());
    r.records().next().unwrap().unwrap()[i].parse().unwrap()
}

#[test]
fn the_account_quotes_the_runs_numbers_and_names_the_inverted_u() {
    let tmp = tempfile::tempdir().unwrap();
    let (low, summary) = run_and_explain(tmp.path(), "iv-infusion", &["duration_h=30"]);
    let cmax = summary_value(&summary, "cmax_ng_ml");
    assert!(low.contains(&format!("peaked at {cmax:.0} ng/mL")), "{low}");
    assert!(low.contains("a response (at least halved)"), "{low}");
    assert!(!low.contains("inverted U"), "{low}");
    let (high, _) = run_and_explain(tmp.path(), "iv-bolus-anesthetic", &["duration_h=30"]);
    assert!(high.contains("inverted U"), "an anaesthetic dose blocks pyramidal neurons too:\n{high}");
    assert!(high.contains("not a low dose"), "{high}");
    let (blocked, _) = run_and_explain(tmp.path(), "rapamycin-block", &["duration_h=30"]);
    assert!(blocked.contains("rapamycin") && blocked.contains("mTORC1 stayed at its floor"), "{blocked}");
}

#[test]
fn a_directory_without_a_run_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let e = ketasim().arg("explain").arg(tmp.path()).output().unwrap();
    assert_eq!(e.status.code(), Some(2));
    assert!(util::stderr(&e).contains("is not a run directory"), "{}", util::stderr(&e));
}
