//! The command line against the real binary: bad input is refused with exit code 2, a message
//! that says where and what is allowed, and nothing written; good input runs and writes the
//! documented files.
//!
//! Every test runs the binary in its own temporary directory (as the current directory), so the
//! default output `runs/<name>` lands there and "nothing was written" can be checked by listing it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use ketasim::scenario::bundled::BUNDLED;

use crate::util::{stderr, stdout, tree};


/// The trace columns every run must start with, in this order (later work may append columns).
const TRACE_HEADER: &[&str] = &[
    "time_h",
    "plasma_ketamine_ng_ml",
    "plasma_norketamine_ng_ml",
    "brain_ketamine_um",
    "nmda_block_interneuron",
    "nmda_block_pyramidal",
    "interneuron_rate_hz",
    "pyramidal_rate_hz",
    "glutamate_rel",
    "ampa_activation",
    "bdnf_rel",
    "mtorc1_rel",
    "synaptic_protein_rel",
    "spines_per_neuron",
    "spine_density_rel",
];

/// A valid scenario that every bad-input case is derived from by one edit.
const BASE: &str = r#"name = "test scenario"
description = "derived from by the bad-input tests"
duration_h = 24.0
seed = 1

[subject]
weight_kg = 70.0
state = "healthy"

[[dose]]
drug = "ketamine"
route = "iv_infusion"
mg_per_kg = 0.5
at_h = 0.0
over_min = 40.0

[[intervention]]
kind = "rapamycin"
from_h = 0.0
to_h = 12.0
strength = 1.0

[numerics]
dt_s = 10.0
sample_every_min = 5.0

[parameters]
"#;

const FILE: &str = "bad.toml";

// ---------------------------------------------------------------------------------------------
// helpers

use crate::util::tmp;

use crate::util::ketasim;

/// `text` with `from` replaced by `to`; panics if `from` is not there (so no case is a silent no-op).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test bug: `{from}` not in the scenario text");
    text.replacen(from, to, 1)
}

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("test bug: `{needle}` not found")) + 1
}

/// The `line:col` that follows `file:` in a message.
fn line_col(msg: &str, file: &str) -> Option<(usize, usize)> {
    let at = msg.find(&format!("{file}:"))? + file.len() + 1;
    let rest = &msg[at..];
    let mut it = rest.splitn(3, ':');
    let line = it.next()?.parse().ok()?;
    let col_text: String = it.next()?.chars().take_while(char::is_ascii_digit).collect();
    Some((line, col_text.parse().ok()?))
}

/// Names in `dir` that look like a staging (`.<name>.partial-<pid>`) or replaced (`.old`) directory.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && (n.contains(".partial-") || n.contains(".old")))
        .collect()
}

/// Assert the common facts of refused input: exit code 2, a one-message stderr starting with
/// `error:` and containing every `needle`, nothing on stdout, and `dir` holds exactly `expected`.
fn assert_refused(o: &Output, needles: &[&str], dir: &Path, expected: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{err}");
    assert!(err.starts_with("error:"), "stderr must start with `error:`:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr should contain `{n}`:\n{err}");
    }
    assert!(o.stdout.is_empty(), "nothing on stdout, got:\n{}", stdout(o));
    let want: BTreeSet<PathBuf> = expected.iter().map(PathBuf::from).collect();
    assert_eq!(tree(dir), want, "nothing may be written; stderr:\n{err}");
    assert!(!dir.join("runs").exists());
    assert!(leftovers(dir).is_empty());
    err
}

/// Write `text` to `bad.toml`, `ketasim run bad.toml [extra]` (default output `runs/bad`), and
/// check it is refused with every needle in the message and nothing written. Returns stderr.
fn refuse_run(text: &str, extra: &[&str], needles: &[&str]) -> String {
    let dir = tmp();
    fs::write(dir.path().join(FILE), text).unwrap();
    let mut args = vec!["run", FILE];
    args.extend_from_slice(extra);
    let o = ketasim(dir.path(), &args);
    let err = assert_refused(&o, needles, dir.path(), &[FILE]);
    assert!(!dir.path().join("runs/bad").exists());
    assert_eq!(fs::read_to_string(dir.path().join(FILE)).unwrap(), text, "the scenario file is not touched");
    err
}

/// Like [`refuse_run`] with an explicit `--out results/out`, and also `ketasim check` refuses it
/// with the same message. Also checks the message names the file and the line of `at` (if given).
fn refuse_file(text: &str, needles: &[&str], at: Option<&str>) -> String {
    let err = refuse_run(text, &[], needles);
    assert!(err.contains(FILE), "the message names the file:\n{err}");
    if let Some(at) = at {
        let (line, col) = line_col(&err, FILE).unwrap_or_else(|| panic!("no {FILE}:line:col in:\n{err}"));
        assert_eq!(line, line_of(text, at), "line of `{at}`:\n{err}");
        assert!(col >= 1);
    }

    // The same with an explicit --out: neither it nor its parent is created.
    let dir = tmp();
    fs::write(dir.path().join(FILE), text).unwrap();
    let o = ketasim(dir.path(), &["run", FILE, "--out", "results/out", "--quiet"]);
    let err2 = assert_refused(&o, needles, dir.path(), &[FILE]);
    assert_eq!(err, err2, "--out and --quiet do not change the message");

    // `check` validates the same way.
    let o = ketasim(dir.path(), &["check", FILE]);
    let err3 = assert_refused(&o, needles, dir.path(), &[FILE]);
    assert_eq!(err, err3, "check gives the same message as run");
    err
}

// ---------------------------------------------------------------------------------------------
// the base scenario is valid, so each refusal below is due to its one edit

#[test]
fn base_scenario_is_valid() {
    let dir = tmp();
    fs::write(dir.path().join("ok.toml"), BASE).unwrap();
    let o = ketasim(dir.path(), &["check", "ok.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("low dose"));
    assert_eq!(tree(dir.path()), BTreeSet::from([PathBuf::from("ok.toml")]), "check writes nothing");
}

// ---------------------------------------------------------------------------------------------
// unknown keys, wrong types, missing keys

#[test]
fn unknown_key_names_file_path_line_and_suggestion() {
    let text = edit(BASE, "mg_per_kg = 0.5", "mg_per_kgg = 0.5");
    let err = refuse_file(&text, &["`dose.0.mg_per_kgg`", "did you mean `mg_per_kg`", "allowed here"], Some("mg_per_kgg"));
    // `bad.toml:<line>:<col>` exactly, at the start of the message.
    let (line, _) = line_col(&err, FILE).unwrap();
    assert!(err.starts_with(&format!("error: {FILE}:{line}:")), "{err}");
}

#[test]
fn unknown_top_level_and_table_keys() {
    refuse_file(&edit(BASE, "seed = 1", "seeed = 1"), &["`seeed`", "did you mean `seed`"], Some("seeed"));
    refuse_file(&edit(BASE, "state = \"healthy\"", "state = \"healthy\"\nweight = 3"), &["`subject.weight`", "weight_kg"], Some("weight = 3"));
    refuse_file(&edit(BASE, "dt_s = 10.0", "dt = 10.0"), &["`numerics.dt`", "did you mean `dt_s`"], Some("dt = 10.0"));
}

#[test]
fn wrong_type() {
    let text = edit(BASE, "weight_kg = 70.0", "weight_kg = \"heavy\"");
    refuse_file(&text, &["`subject.weight_kg`", "expected a number", "string"], Some("weight_kg"));
    let text = edit(BASE, "seed = 1", "seed = 1.5");
    refuse_file(&text, &["`seed`", "expected an integer"], Some("seed = 1.5"));
}

#[test]
fn missing_duration() {
    let text = edit(BASE, "duration_h = 24.0\n", "");
    refuse_file(&text, &["`duration_h`", "missing required key"], None);
}

#[test]
fn missing_subject() {
    let text = edit(BASE, "[subject]\nweight_kg = 70.0\nstate = \"healthy\"\n", "");
    refuse_file(&text, &["`subject`", "missing required table [subject]", "weight_kg", "state"], None);
}

#[test]
fn missing_weight() {
    let text = edit(BASE, "weight_kg = 70.0\n", "");
    refuse_file(&text, &["`subject.weight_kg`", "missing required key"], None);
}

// ---------------------------------------------------------------------------------------------
// doses

#[test]
fn both_mg_per_kg_and_mg() {
    let text = edit(BASE, "mg_per_kg = 0.5", "mg_per_kg = 0.5\nmg = 35.0");
    refuse_file(&text, &["`dose.0.mg`", "exactly one of `mg_per_kg` and `mg`", "not both"], Some("mg = 35.0"));
}

#[test]
fn neither_mg_per_kg_nor_mg() {
    let text = edit(BASE, "mg_per_kg = 0.5\n", "");
    refuse_file(&text, &["`dose.0.mg_per_kg`", "exactly one of `mg_per_kg` and `mg`"], Some("[[dose]]"));
}

#[test]
fn over_min_on_iv_bolus() {
    let text = edit(BASE, "route = \"iv_infusion\"", "route = \"iv_bolus\"");
    refuse_file(&text, &["`dose.0.over_min`", "only to route \"iv_infusion\"", "\"iv_bolus\""], Some("over_min"));
}

#[test]
fn iv_infusion_without_over_min() {
    let text = edit(BASE, "over_min = 40.0\n", "");
    refuse_file(&text, &["`dose.0.over_min`", "iv_infusion", "needs `over_min`"], Some("[[dose]]"));
}

#[test]
fn negative_dose() {
    let text = edit(BASE, "mg_per_kg = 0.5", "mg_per_kg = -0.5");
    refuse_file(&text, &["`dose.0.mg_per_kg`", "negative", "-0.5", "allowed: 0 to"], Some("mg_per_kg"));
}

// ---------------------------------------------------------------------------------------------
// unknown choices list what is allowed

#[test]
fn unknown_drug() {
    let text = edit(BASE, "drug = \"ketamine\"", "drug = \"ketamin\"");
    refuse_file(&text, &["`dose.0.drug`", "\"ketamin\"", "allowed", "\"ketamine\"", "\"esketamine\"", "did you mean \"ketamine\""], Some("drug ="));
}

#[test]
fn unknown_route() {
    let text = edit(BASE, "route = \"iv_infusion\"", "route = \"iv_drip\"");
    refuse_file(
        &text,
        &["`dose.0.route`", "\"iv_drip\"", "allowed", "\"iv_bolus\"", "\"iv_infusion\"", "\"intranasal\"", "\"oral\"", "\"sublingual\""],
        Some("route ="),
    );
}

#[test]
fn unknown_state() {
    let text = edit(BASE, "state = \"healthy\"", "state = \"happy\"");
    refuse_file(&text, &["`subject.state`", "\"happy\"", "allowed", "\"healthy\"", "\"chronic_stress\""], Some("state ="));
}

#[test]
fn unknown_intervention_kind() {
    let text = edit(BASE, "kind = \"rapamycin\"", "kind = \"rapamycn\"");
    refuse_file(
        &text,
        &[
            "`intervention.0.kind`",
            "allowed",
            "\"rapamycin\"",
            "\"nbqx\"",
            "\"anisomycin\"",
            "\"trkb_antagonist\"",
            "\"bdnf_val66met\"",
            "did you mean \"rapamycin\"",
        ],
        Some("kind ="),
    );
}

// ---------------------------------------------------------------------------------------------
// out of range

#[test]
fn weight_out_of_range() {
    for w in ["1.0", "301"] {
        let text = edit(BASE, "weight_kg = 70.0", &format!("weight_kg = {w}"));
        refuse_file(&text, &["`subject.weight_kg`", "out of range", "allowed: [2, 300] kg"], Some("weight_kg"));
    }
}

#[test]
fn dt_out_of_range() {
    for dt in ["0", "0.001", "1e-300", "61"] {
        let text = edit(BASE, "dt_s = 10.0", &format!("dt_s = {dt}"));
        let err = refuse_file(&text, &["`numerics.dt_s`", "out of range", "allowed: [0.01, 60] s"], Some("dt_s"));
        assert!(err.contains(&format!("value {dt} ")), "{err}");
    }
}

#[test]
fn duration_out_of_range() {
    for d in ["0", "9000"] {
        let text = edit(BASE, "duration_h = 24.0", &format!("duration_h = {d}"));
        let err = refuse_file(&text, &["`duration_h`", "out of range", "allowed: (0, 8760] h"], Some("duration_h"));
        assert!(err.contains(&format!("value {d} ")), "{err}");
    }
}

#[test]
fn strength_out_of_range() {
    let text = edit(BASE, "strength = 1.0", "strength = 1.5");
    refuse_file(&text, &["`intervention.0.strength`", "value 1.5", "out of range", "allowed: [0, 1]"], Some("strength"));
}

// ---------------------------------------------------------------------------------------------
// model parameters

#[test]
fn unknown_parameter() {
    let text = edit(BASE, "[parameters]\n", "[parameters]\nno_such_parameter = 1.0\n");
    refuse_file(&text, &["`parameters.no_such_parameter`", "unknown model parameter", "ketasim params"], Some("no_such_parameter"));
}

#[test]
fn misspelt_parameter_gets_a_suggestion() {
    let real = ketasim::params::PARAMETERS[0].name;
    let typo = format!("{real}x");
    let text = edit(BASE, "[parameters]\n", &format!("[parameters]\n{typo} = 1.0\n"));
    refuse_file(&text, &[&format!("`parameters.{typo}`"), &format!("did you mean `{real}`")], Some(&typo));
}

// ---------------------------------------------------------------------------------------------
// TOML syntax

#[test]
fn invalid_toml_syntax_gives_line_and_column() {
    let text = edit(BASE, "weight_kg = 70.0", "weight_kg = = 70.0");
    let err = refuse_file(&text, &["not valid TOML"], Some("weight_kg = ="));
    assert!(err.starts_with(&format!("error: {FILE}:")), "{err}");
}

#[test]
fn unclosed_table_header() {
    let text = edit(BASE, "[numerics]", "[numerics");
    refuse_file(&text, &["not valid TOML"], Some("[numerics"));
}

// ---------------------------------------------------------------------------------------------
// --set

#[test]
fn set_unknown_key_path() {
    let err = refuse_run(BASE, &["--set", "dose.0.mg_per_kgg=0.25"], &[
        "--set `dose.0.mg_per_kgg=0.25`",
        "`dose.0.mg_per_kgg`",
        "did you mean `mg_per_kg`",
    ]);
    // The key came from the flag, not the file: no misleading file position.
    assert!(line_col(&err, FILE).is_none(), "{err}");
    refuse_run(BASE, &["--set", "subject.wieght_kg=70"], &["`subject.wieght_kg`", "did you mean `weight_kg`"]);
    refuse_run(BASE, &["--set", "nosuch=1"], &["`nosuch`", "unknown key", "allowed here", "`duration_h`"]);
}

#[test]
fn set_index_out_of_range() {
    refuse_run(BASE, &["--set", "dose.5.mg=1"], &["--set `dose.5.mg=1`", "`dose.5`", "index 5 is out of range", "1 entry", "allowed index: 0"]);
    refuse_run(BASE, &["--set", "intervention.1.strength=0.5"], &["`intervention.1`", "out of range"]);
}

#[test]
fn set_index_into_a_scenario_without_doses() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "baseline", "--set", "dose.0.mg=1"]);
    assert_refused(&o, &["--set `dose.0.mg=1`", "out of range", "no entries", "[[dose]]"], dir.path(), &[]);
}

#[test]
fn set_bad_values() {
    refuse_run(BASE, &["--set", "subject.weight_kg=heavy"], &["`subject.weight_kg`", "--set", "expected a number"]);
    refuse_run(BASE, &["--set", "subject.weight_kg=301"], &["`subject.weight_kg`", "--set", "allowed: [2, 300] kg"]);
    refuse_run(BASE, &["--set", "dose.0.route=iv_drip"], &["`dose.0.route`", "\"iv_bolus\"", "\"iv_infusion\""]);
    refuse_run(BASE, &["--set", "dose.0.mg=30"], &["`dose.0.mg`", "not both"]);
    refuse_run(BASE, &["--set", "duration_h"], &["--set `duration_h`", "KEY=VALUE"]);
    refuse_run(BASE, &["--set", "dose..mg=1"], &["empty part"]);
    refuse_run(BASE, &["--set", "subject.weight_kg.x=1"], &["`subject.weight_kg`", "not a table"]);
}

#[test]
fn set_that_fixes_the_file_is_applied() {
    // A bad file value overridden by a good --set is accepted (the override is applied first).
    let dir = tmp();
    let text = edit(BASE, "weight_kg = 70.0", "weight_kg = 1.0");
    fs::write(dir.path().join(FILE), &text).unwrap();
    let o = ketasim(dir.path(), &["check", FILE, "--set", "subject.weight_kg=80", "--set", "dose.0.mg_per_kg=0.25"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("weight_kg = 80.0"), "{out}");
    assert!(out.contains("mg_per_kg = 0.25"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// scenario names, flags

#[test]
fn unknown_bundled_scenario_suggests() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "iv-infusoin"]);
    let mut needles = vec!["`iv-infusoin`", "did you mean `iv-infusion`", "bundled scenarios:"];
    needles.extend(BUNDLED.iter().map(|(n, _)| *n));
    assert_refused(&o, &needles, dir.path(), &[]);
    assert!(!dir.path().join("runs/iv-infusoin").exists());
}

#[test]
fn missing_scenario_file() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "scenarios/nope.toml", "--out", "o"]);
    assert_refused(&o, &["no such scenario file `scenarios/nope.toml`"], dir.path(), &[]);
}

#[test]
fn a_directory_named_like_a_bundled_scenario_does_not_hide_it() {
    // e.g. after `ketasim run iv-infusion --out iv-infusion`.
    let dir = tmp();
    fs::create_dir(dir.path().join("iv-infusion")).unwrap();
    let o = ketasim(dir.path(), &["check", "iv-infusion"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("# bundled:iv-infusion"));
    // A directory that is not a bundled name is refused with a clear message.
    fs::create_dir(dir.path().join("mydir")).unwrap();
    let o = ketasim(dir.path(), &["run", "mydir"]);
    assert_refused(&o, &["mydir", "is a directory, not a scenario file"], dir.path(), &["iv-infusion", "mydir"]);
}

#[test]
fn bad_flags_exit_2_and_write_nothing() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--threads", "0"]);
    assert_refused(&o, &["--threads 0", "allowed 1 to 1024"], dir.path(), &[]);
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--threads", "two"]);
    assert_refused(&o, &["--threads"], dir.path(), &[]);
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--no-such-flag"]);
    assert_refused(&o, &["--no-such-flag"], dir.path(), &[]);
    let o = ketasim(dir.path(), &["run"]);
    assert_refused(&o, &["<SCENARIO>"], dir.path(), &[]);
    let o = ketasim(dir.path(), &["frobnicate"]);
    assert_refused(&o, &["frobnicate"], dir.path(), &[]);
}

// ---------------------------------------------------------------------------------------------
// the output directory

#[test]
fn existing_non_empty_output_needs_force() {
    let dir = tmp();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "precious").unwrap();

    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "out", "--set", "duration_h=2", "--quiet"]);
    let err = assert_refused(&o, &["out", "not empty", "--force"], dir.path(), &["out", "out/keep.txt"]);
    assert!(err.starts_with("error: out:"), "{err}");
    assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");

    // --force does not delete a directory ketasim did not write: refused, the file survives.
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "out", "--set", "duration_h=2", "--quiet", "--force"]);
    assert_refused(&o, &["out", "no manifest.json", "nothing was deleted"], dir.path(), &["out", "out/keep.txt"]);
    assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");

    // Over a run that ketasim wrote, --force replaces it.
    fs::remove_file(out.join("keep.txt")).unwrap();
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "out", "--set", "duration_h=1", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "out", "--set", "duration_h=2", "--quiet", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(out.join("manifest.json")).unwrap().contains("\"duration_h\": 2.0"), "the new result");
    for f in ["trace.csv", "events.csv", "summary.csv", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let names: BTreeSet<String> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, BTreeSet::from(["out".to_string()]), "no staging or old directory is left beside it");
}

#[test]
fn existing_empty_output_is_used_without_force() {
    let dir = tmp();
    fs::create_dir(dir.path().join("out")).unwrap();
    let o = ketasim(dir.path(), &["run", "baseline", "--out", "out", "--set", "duration_h=1", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("out/trace.csv").is_file());
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn output_path_that_is_a_file_is_refused() {
    let dir = tmp();
    fs::write(dir.path().join("out"), "a file").unwrap();
    let o = ketasim(dir.path(), &["run", "baseline", "--out", "out", "--force"]);
    assert_refused(&o, &["out", "not a directory"], dir.path(), &["out"]);
    assert_eq!(fs::read_to_string(dir.path().join("out")).unwrap(), "a file");
}

#[test]
fn force_never_replaces_the_current_directory() {
    let dir = tmp();
    let sub = dir.path().join("work");
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("notes.txt"), "mine").unwrap();
    for out in [".", ".."] {
        let o = ketasim(&sub, &["run", "baseline", "--out", out, "--force", "--set", "duration_h=1"]);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", stderr(&o));
        assert!(stderr(&o).contains("current directory"), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    assert_eq!(tree(dir.path()), BTreeSet::from([PathBuf::from("work"), PathBuf::from("work/notes.txt")]));
}

#[test]
fn default_output_is_runs_name() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "baseline", "--set", "duration_h=1", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "--quiet: nothing on stderr, got {}", stderr(&o));
    let listed: Vec<String> = stdout(&o).lines().map(String::from).collect();
    let want: Vec<String> =
        ["trace.csv", "events.csv", "summary.csv", "doses.csv", "manifest.json"].iter().map(|f| format!("runs/baseline/{f}")).collect();
    assert_eq!(listed, want);
    for f in &want {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    assert!(leftovers(&dir.path().join("runs")).is_empty());

    // A file scenario goes to runs/<file stem>.
    fs::write(dir.path().join("my-scenario.toml"), BASE).unwrap();
    let o = ketasim(dir.path(), &["run", "my-scenario.toml", "--set", "duration_h=1", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.path().join("runs/my-scenario/trace.csv").is_file());
}

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_iv_infusion_prints_resolved_scenario_and_low_dose() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["check", "iv-infusion"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("dt_s = 10.0"), "defaults are filled in:\n{out}");
    assert!(out.contains("sample_every_min = "), "{out}");
    assert!(out.contains("pyramidal_neurons = "), "{out}");
    assert!(out.contains("times = 1"), "{out}");
    let class = out.lines().find(|l| l.starts_with("# dose.0:")).unwrap_or_else(|| panic!("no classification line:\n{out}"));
    assert!(class.contains("low dose"), "{class}");
    assert!(!class.contains("not a low dose"), "{class}");
    assert!(class.contains("0.750 mg/kg/h"), "0.5 mg/kg over 40 min is 0.75 mg/kg/h: {class}");
    assert!(tree(dir.path()).is_empty(), "check writes nothing");

    // What check prints is itself a valid scenario that resolves to the same thing.
    fs::write(dir.path().join("resolved.toml"), &out).unwrap();
    let o2 = ketasim(dir.path(), &["check", "resolved.toml"]);
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    let strip = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&stdout(&o2)), strip(&out));
}

#[test]
fn check_anesthetic_bolus_is_not_a_low_dose() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["check", "iv-bolus-anesthetic"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let class = out.lines().find(|l| l.starts_with("# dose.0:")).unwrap();
    assert!(class.contains("not a low dose"), "{class}");
    assert!(class.contains("2.000 mg/kg"), "{class}");
    // Lowered to 0.5 mg/kg it is a low dose.
    let o = ketasim(dir.path(), &["check", "iv-bolus-anesthetic", "--set", "dose.0.mg_per_kg=0.5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let class = out.lines().find(|l| l.starts_with("# dose.0:")).unwrap();
    assert!(class.contains("low dose") && !class.contains("not a low dose"), "{class}");
    assert!(tree(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// warnings reach stderr, the manifest and events.csv

fn events(path: &Path) -> Vec<(f64, String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ["time_h", "kind", "detail"]);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].parse().unwrap(), rec[1].to_string(), rec[2].to_string())
        })
        .collect()
}

fn manifest(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).expect("manifest.json is JSON")
}

#[test]
fn anesthetic_bolus_runs_with_a_warning_everywhere() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "iv-bolus-anesthetic", "--out", "X", "--set", "duration_h=24"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let warning = err.lines().find(|l| l.starts_with("warning:")).unwrap_or_else(|| panic!("no warning:\n{err}"));
    assert!(warning.contains("dose.0") && warning.contains("not a low dose"), "{warning}");
    let text = warning.trim_start_matches("warning:").trim();

    let m = manifest(&dir.path().join("X/manifest.json"));
    let warnings: Vec<&str> = m["warnings"].as_array().expect("warnings array").iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.contains(&text), "manifest warnings {warnings:?} should contain `{text}`");

    let ev = events(&dir.path().join("X/events.csv"));
    assert!(
        ev.iter().any(|(_, kind, detail)| kind == "warning" && detail == text),
        "events.csv should have a warning row `{text}`: {ev:?}"
    );

    // --quiet silences stderr but not the record.
    let o = ketasim(dir.path(), &["run", "iv-bolus-anesthetic", "--out", "Y", "--set", "duration_h=1", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    assert!(!manifest(&dir.path().join("Y/manifest.json"))["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn low_dose_runs_without_warnings() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["run", "iv-infusion", "--out", "X", "--set", "duration_h=2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert_eq!(manifest(&dir.path().join("X/manifest.json"))["warnings"], serde_json::json!([]));
    assert!(events(&dir.path().join("X/events.csv")).iter().all(|(_, k, _)| k != "warning"));
}

// ---------------------------------------------------------------------------------------------
// list, bundled files, help

#[test]
fn list_shows_every_bundled_scenario_with_a_description() {
    let dir = tmp();
    let o = ketasim(dir.path(), &["list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<(&str, &str)> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let l = l.trim_start();
            let (name, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (name, rest.trim())
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let bundled: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, bundled, "list shows the bundled scenarios, in order:\n{out}");
    for (name, desc) in rows {
        assert!(!desc.is_empty(), "`{name}` has no description");
    }
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn scenario_files_and_bundled_scenarios_agree() {
    let scen = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = BTreeSet::new();
    for e in fs::read_dir(&scen).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&p).unwrap();
            let bundled = BUNDLED
                .iter()
                .find(|(n, _)| *n == stem)
                .unwrap_or_else(|| panic!("scenarios/{stem}.toml is not bundled in src/scenario/bundled.rs"));
            assert_eq!(bundled.1, text, "bundled `{stem}` differs from scenarios/{stem}.toml");
            files.insert(stem);
        }
    }
    for (name, _) in BUNDLED {
        assert!(files.contains(*name), "bundled `{name}` has no scenarios/{name}.toml");
    }
    let unique: BTreeSet<_> = BUNDLED.iter().map(|(n, _)| n).collect();
    assert_eq!(unique.len(), BUNDLED.len(), "bundled names are unique");
}

#[test]
fn help_on_every_subcommand_has_an_example() {
    let dir = tmp();
    for args in [&["--help"][..], &["run", "--help"], &["check", "--help"], &["list", "--help"], &["params", "--help"], &["help", "run"]] {
        let o = ketasim(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).contains("Example"), "{args:?}:\n{}", stdout(&o));
    }
    assert!(tree(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// every bundled scenario runs and writes the documented files

fn check_run_dir(out: &Path, duration_h: f64, label: &str) {
    for f in ["trace.csv", "events.csv", "summary.csv", "manifest.json"] {
        let p = out.join(f);
        assert!(p.is_file() && fs::metadata(&p).unwrap().len() > 0, "{label}: {f} missing or empty");
    }
    let mut r = csv::Reader::from_path(out.join("trace.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert!(header.len() >= TRACE_HEADER.len(), "{label}: header {header:?}");
    assert_eq!(&header[..TRACE_HEADER.len()], TRACE_HEADER, "{label}: trace.csv header starts with the documented columns");
    let mut times = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{label}: bad trace row: {e}"));
        assert_eq!(rec.len(), header.len());
        times.push(rec[0].parse::<f64>().unwrap());
    }
    assert!(times.len() >= 2, "{label}: {} rows", times.len());
    assert_eq!(times[0], 0.0, "{label}: trace starts at 0 h");
    let last = *times.last().unwrap();
    assert!((last - duration_h).abs() < 1e-9, "{label}: trace ends at {last}, not {duration_h} h");
    assert!(times.windows(2).all(|w| w[1] > w[0]), "{label}: time_h strictly increasing");

    // events.csv always has its header, even with no events (baseline), and only documented kinds.
    let ev = events(&out.join("events.csv"));
    let kinds: Vec<&str> = ketasim::readout::EVENT_KINDS.iter().map(|k| k.0).collect();
    for (t, kind, _) in &ev {
        assert!(kinds.contains(&kind.as_str()), "{label}: undocumented event kind `{kind}`");
        assert!((0.0..=duration_h + 1e-9).contains(t), "{label}: event at {t} h outside the run");
    }

    let m = manifest(&out.join("manifest.json"));
    assert_eq!(m["scenario"]["duration_h"].as_f64(), Some(duration_h), "{label}");
    let mut s = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    assert_eq!(s.records().count(), 1, "{label}: one summary row");
}

#[test]
fn every_bundled_scenario_runs() {
    let dir = tmp();
    std::thread::scope(|scope| {
        for (name, _) in BUNDLED {
            let dir = dir.path();
            scope.spawn(move || {
                let sc = ketasim::scenario::load(name, &[], None).unwrap();
                let duration = sc.duration_h.min(24.0);
                let set = format!("duration_h={duration}");
                let o = ketasim(dir, &["run", *name, "--out", *name, "--quiet", "--set", &set]);
                assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
                assert!(o.stderr.is_empty(), "{name}: --quiet, but stderr: {}", stderr(&o));
                check_run_dir(&dir.join(name), duration, name);
            });
        }
    });
    assert!(leftovers(dir.path()).is_empty());
    assert!(!dir.path().join("runs").exists(), "--out was used, not the default");
}

// ---------------------------------------------------------------------------------------------
// dose sanity: a dose above its route's plausible ceiling (or an mg amount below 0.01 mg/kg) is
// a unit mix-up until the user says otherwise

#[test]
fn implausible_doses_are_refused_suggesting_the_other_unit() {
    // 35 mg meant, 35 mg/kg written: 2,450 mg over 40 min = 52.5 mg/kg/h.
    let text = edit(BASE, "mg_per_kg = 0.5", "mg_per_kg = 35");
    refuse_file(
        &text,
        &["`dose.0.mg_per_kg`", "mg_per_kg = 35 gives 2,450 mg for 70 kg", "52.5 mg/kg/h", "5 mg/kg/h", "did you mean mg = 35?", "--allow-high-dose", "allow_high_dose = true"],
        Some("mg_per_kg = 35"),
    );
    // An IV bolus above the Ketalar label's induction range (1-4.5 mg/kg).
    let bolus = edit(&edit(BASE, "route = \"iv_infusion\"", "route = \"iv_bolus\""), "over_min = 40.0\n", "");
    refuse_file(&edit(&bolus, "mg_per_kg = 0.5", "mg_per_kg = 6"), &["`dose.0.mg_per_kg`", "iv_bolus of 5 mg/kg", "Ketalar", "did you mean mg = 6?"], Some("mg_per_kg = 6"));
    // Intranasal above 3 mg/kg: an mg amount, so no unit to swap, but both numbers are named.
    let spray = edit(&edit(&bolus, "route = \"iv_bolus\"", "route = \"intranasal\""), "mg_per_kg = 0.5", "mg = 280");
    refuse_file(&spray, &["`dose.0.mg`", "mg = 280 is 4 mg/kg for 70 kg", "intranasal of 3 mg/kg"], Some("mg = 280"));
    // 0.5 mg/kg meant, 0.5 mg written: 0.00714 mg/kg.
    refuse_file(&edit(BASE, "mg_per_kg = 0.5", "mg = 0.5"), &["`dose.0.mg`", "below the plausible floor of 0.01 mg/kg", "did you mean mg_per_kg = 0.5 (35 mg)?"], Some("mg = 0.5"));
    // From --set, the message names the flag.
    refuse_run(BASE, &["--set", "dose.0.mg_per_kg=35"], &["--set `dose.0.mg_per_kg=35`", "did you mean mg = 35?"]);
}

#[test]
fn allow_high_dose_runs_it_with_the_warning() {
    let text = edit(BASE, "mg_per_kg = 0.5", "mg_per_kg = 6");
    for (file, text, flag) in [
        ("flag.toml", text.clone(), Some("--allow-high-dose")),
        ("key.toml", edit(&text, "seed = 1", "seed = 1\n# 9 mg/kg/h on purpose\nallow_high_dose = true"), None),
    ] {
        let dir = tmp();
        fs::write(dir.path().join(file), &text).unwrap();
        let mut args = vec!["run", file, "--quiet", "--out", "out", "--set", "duration_h=0.5"];
        args.extend(flag);
        let o = ketasim(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let events = fs::read_to_string(dir.path().join("out/events.csv")).unwrap();
        assert!(events.contains("above the plausible ceiling") && events.contains("not a low dose"), "{file}: {events}");
    }
    // Every bundled scenario runs as it is (anaesthetic doses included: 2 mg/kg bolus, 3 mg/kg/h).
    for (name, _) in BUNDLED {
        let sc = ketasim::scenario::load(name, &[], None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!sc.allow_high_dose, "{name} needs no allow_high_dose");
    }
}

#[test]
fn a_sweep_refuses_a_high_dose_unless_allowed() {
    let dir = tmp();
    let sweep = "base = \"iv-infusion\"\nreplicates = 1\nseed = 1\n\n[set]\n\"duration_h\" = 0.5\n\n[grid]\n\"dose.0.mg_per_kg\" = [0.5, 35.0]\n";
    fs::write(dir.path().join("s.toml"), sweep).unwrap();
    let o = ketasim(dir.path(), &["sweep", "s.toml", "--out", "sw", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("did you mean mg = 35?"), "{}", stderr(&o));
    assert!(!dir.path().join("sw").exists(), "nothing written");
    let o = ketasim(dir.path(), &["sweep", "s.toml", "--out", "sw", "--quiet", "--allow-high-dose", "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// interventions given as a dose (`route`, `mg`, `at_h`; src/pk/inhibitors.rs)

/// The base scenario's rapamycin window as a dose: 6 mg oral 2 h before (Abdallah 2020).
fn dosed(text: &str) -> String {
    edit(text, "from_h = 0.0\nto_h = 12.0\nstrength = 1.0", "route = \"oral\"\nmg = 6.0\nat_h = -2.0")
}

#[test]
fn a_dosed_intervention_runs_and_reads_back() {
    let dir = tmp();
    fs::write(dir.path().join(FILE), dosed(BASE)).unwrap();
    let o = ketasim(dir.path(), &["check", FILE]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The resolved scenario states the dose, not a window, and reads back the same.
    let resolved = stdout(&o);
    assert!(resolved.contains("route = \"oral\"") && resolved.contains("mg = 6.0") && resolved.contains("at_h = -2.0"), "{resolved}");
    assert!(!resolved.contains("strength"), "{resolved}");
    fs::write(dir.path().join("again.toml"), &resolved).unwrap();
    let again = ketasim(dir.path(), &["check", "again.toml"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn only_a_kind_with_a_pk_model_can_be_dosed() {
    let text = edit(&dosed(BASE), "kind = \"rapamycin\"", "kind = \"nbqx\"");
    refuse_file(&text, &["`intervention.0.route`", "\"nbqx\" cannot be given as a dose", "allowed kinds with a dose: \"rapamycin\""], Some("route = \"oral\""));
}

#[test]
fn a_dose_takes_no_window_keys() {
    let text = edit(&dosed(BASE), "at_h = -2.0", "at_h = -2.0\nstrength = 0.5");
    refuse_file(&text, &["`intervention.0.strength`", "takes no `strength`", "either a dose or a window"], Some("strength ="));
}

#[test]
fn a_dose_needs_a_known_route_and_an_amount() {
    let text = edit(&dosed(BASE), "route = \"oral\"", "route = \"intracerebral\"");
    refuse_file(&text, &["`intervention.0.route`", "\"intracerebral\"", "allowed", "\"oral\""], Some("route = \"intracerebral\""));
    let text = edit(&dosed(BASE), "mg = 6.0\n", "");
    refuse_file(&text, &["`intervention.0.mg`", "missing required key for a dose"], None);
    let text = edit(&dosed(BASE), "mg = 6.0", "mg = -6.0");
    refuse_file(&text, &["`intervention.0.mg`", "cannot be negative"], Some("mg ="));
}

// ---------------------------------------------------------------------------------------------
// species and the intraperitoneal route

#[test]
fn unknown_species_is_refused_with_the_allowed_values() {
    let text = edit(BASE, "state = \"healthy\"", "state = \"healthy\"\nspecies = \"hamster\"");
    refuse_file(&text, &[FILE, "subject.species", "\"hamster\"", "\"human\"", "\"rat\"", "\"mouse\""], Some("species ="));
}

#[test]
fn intraperitoneal_is_refused_for_humans_and_human_routes_for_rodents() {
    // A human cannot be given ketamine i.p.
    let ip = edit(BASE, "route = \"iv_infusion\"", "route = \"intraperitoneal\"");
    let ip = edit(&ip, "over_min = 40.0\n", "");
    refuse_file(&ip, &[FILE, "dose.0.route", "\"intraperitoneal\" is a rodent route", "species"], None);
    // A rat cannot be given the human iv infusion (the rodent model has i.p. and IV bolus only).
    let rat = edit(BASE, "weight_kg = 70.0", "species = \"rat\"");
    refuse_file(&rat, &[FILE, "dose.0.route", "\"iv_infusion\"", "species = \"rat\"", "\"intraperitoneal\"", "\"iv_bolus\""], None);
    // Nor esketamine (no rodent disposition), nor a human weight.
    let rat_ip = edit(&edit(&ip, "weight_kg = 70.0", "species = \"rat\""), "drug = \"ketamine\"", "drug = \"esketamine\"");
    refuse_file(&rat_ip, &[FILE, "dose.0.drug", "\"esketamine\"", "\"ketamine\""], None);
    let heavy = edit(&ip, "weight_kg = 70.0", "weight_kg = 70.0\nspecies = \"mouse\"");
    refuse_file(&heavy, &[FILE, "subject.weight_kg", "0.01", "0.1"], None);
}
