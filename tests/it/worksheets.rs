//! The answer keys of docs/worksheets/ against the binary: every row of a key that this test can
//! compute from the files the worksheet's commands write matches the key within its tolerance, so
//! the keys follow the model (the notebooks only check worksheet 3 themselves).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::util::{ketasim, stderr, tmp};

/// The answer key of `docs/worksheets/NAME`: id → (answer, tolerance), from the rows
/// `| \`id\` | question | answer | ± tolerance |` under "## Answer key" (as notebooks/ketasim_nb.py).
fn key(name: &str) -> BTreeMap<String, (f64, f64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/worksheets").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text.split("## Answer key").nth(1).unwrap_or_else(|| panic!("{name}: no answer key"));
    let mut out = BTreeMap::new();
    for line in body.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6 || !cells[1].starts_with('`') {
            continue;
        }
        let id = cells[1].trim_matches('`').to_string();
        let answer: f64 = cells[3].parse().unwrap_or_else(|_| panic!("{name}: {id}: the answer {:?} is not a number", cells[3]));
        let tol: f64 = cells[4].trim_start_matches('±').trim().parse().unwrap_or_else(|_| panic!("{name}: {id}: bad tolerance"));
        out.insert(id, (answer, tol));
    }
    assert!(!out.is_empty(), "{name}: no answer rows");
    out
}

/// Assert that each computed value matches the key's row of the same id.
fn check(name: &str, computed: &[(&str, f64)]) {
    let key = key(name);
    let mut wrong = Vec::new();
    for (id, value) in computed {
        let (answer, tol) = *key.get(*id).unwrap_or_else(|| panic!("{name}: no row `{id}` in the answer key"));
        if (value - answer).abs() > tol + 1e-9 {
            wrong.push(format!("{id}: the binary gives {value:.6}, the key says {answer} ± {tol}"));
        }
    }
    assert!(wrong.is_empty(), "{name}: the answer key no longer matches the model:\n{}", wrong.join("\n"));
}

/// Run the binary in `dir`; it must succeed.
fn ok(dir: &Path, args: &[&str]) {
    let o = ketasim(dir, args);
    assert!(o.status.success(), "ketasim {args:?}: {}", stderr(&o));
}

/// A CSV file as rows of column → text.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records().map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row.get(col).unwrap_or_else(|| panic!("no column {col}")).parse().unwrap_or_else(|_| panic!("{col}: {:?} is not a number", row[col]))
}

/// The one summary row of a run directory (or `file` in it).
fn summary(dir: &Path, file: &str) -> BTreeMap<String, String> {
    rows(&dir.join(file)).remove(0)
}

/// A column of trace.csv (or another per-sample file) as numbers.
fn column(rows: &[BTreeMap<String, String>], col: &str) -> Vec<f64> {
    rows.iter().map(|r| num(r, col)).collect()
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[test]
fn worksheet_1_one_infusion() {
    let tmp = tmp();
    ok(tmp.path(), &["run", "iv-infusion", "--out", "nb01", "--quiet"]);
    let dir = tmp.path().join("nb01");
    let s = summary(&dir, "summary.csv");
    let trace = rows(&dir.join("trace.csv"));
    let (ib, pb) = (column(&trace, "nmda_block_interneuron"), column(&trace, "nmda_block_pyramidal"));
    let i = argmax(&ib);
    let (sbp, dbp) = (column(&trace, "sbp_mmhg"), column(&trace, "dbp_mmhg"));
    let spines = column(&trace, "spine_density_rel");
    let time = column(&trace, "time_h");
    let start = num(&s, "spine_density_rel_start");
    check(
        "01-one-infusion-cascade.md",
        &[
            ("cmax_ng_ml", num(&s, "cmax_ng_ml")),
            ("tmax_min", 60.0 * num(&s, "tmax_h")),
            ("block_interneuron", ib[i]),
            ("block_pyramidal", pb[i]),
            ("block_ratio", ib[i] / pb[i]),
            ("interneuron_rate_min_hz", column(&trace, "interneuron_rate_hz").into_iter().fold(f64::INFINITY, f64::min)),
            ("pyramidal_rate_max_hz", column(&trace, "pyramidal_rate_hz").into_iter().fold(f64::NEG_INFINITY, f64::max)),
            ("peak_glutamate_rel", num(&s, "peak_glutamate_rel")),
            ("t_peak_glutamate_min", 60.0 * num(&s, "t_peak_glutamate_h")),
            ("peak_bdnf_rel", num(&s, "peak_bdnf_rel")),
            ("peak_mtorc1_rel", num(&s, "peak_mtorc1_rel")),
            ("t_peak_mtorc1_min", 60.0 * num(&s, "t_peak_mtorc1_h")),
            ("spines_start", start),
            ("spines_24h", num(&s, "spine_density_rel_24h")),
            ("spines_72h", num(&s, "spine_density_rel_72h")),
            ("spine_gain_24h_pct", 100.0 * (num(&s, "spine_density_rel_24h") / start - 1.0)),
            ("spines_peak_h", time[argmax(&spines)]),
            ("sbp_rise_mmhg", sbp.iter().copied().fold(f64::NEG_INFINITY, f64::max) - sbp[0]),
            ("dbp_rise_mmhg", dbp.iter().copied().fold(f64::NEG_INFINITY, f64::max) - dbp[0]),
            ("peak_cadss", num(&s, "peak_dissociation_cadss")),
            ("madrs_24h", num(&s, "madrs_24h")),
            ("discharge_h", num(&s, "discharge_ready_h")),
            ("no_driving_until_h", num(&s, "no_driving_until_h")),
        ],
    );
}

#[test]
fn worksheet_2_which_step_matters() {
    let tmp = tmp();
    let runs: &[(&str, &str, &[&str])] = &[
        ("iv", "iv-infusion", &[]),
        ("nbqx", "nbqx-block", &[]),
        ("rapamycin", "rapamycin-block", &[]),
        ("val66met", "val66met", &[]),
        ("eef2k", "eef2k-only", &[]),
        ("no-drug", "iv-infusion", &["dose.0.mg_per_kg=0"]),
        ("rapa-2h", "rapamycin-block", &["intervention.0.from_h=2"]),
        ("nbqx-half", "nbqx-block", &["intervention.0.strength=0.5"]),
        ("nothing", "eef2k-only", &["mechanisms.eef2k=false"]),
    ];
    let mut s = BTreeMap::new();
    for (label, scenario, sets) in runs {
        let mut args = vec!["run", scenario, "--out", label, "--quiet", "--set", "duration_h=72"];
        for set in *sets {
            args.extend(["--set", set]);
        }
        ok(tmp.path(), &args);
        s.insert(*label, summary(&tmp.path().join(label), "summary.csv"));
    }
    let gain = |l: &str| num(&s[l], "spine_density_rel_24h") - num(&s[l], "spine_density_rel_start");
    let pct = |l: &str| 100.0 * gain(l) / gain("iv");
    for l in ["iv", "nbqx", "rapamycin", "val66met", "eef2k"] {
        check("02-which-step-matters.md", &[("block_all", num(&s[l], "peak_nmda_block_interneuron"))]);
    }
    check(
        "02-which-step-matters.md",
        &[
            ("glutamate_nbqx", num(&s["nbqx"], "peak_glutamate_rel")),
            ("glutamate_eef2k_only", num(&s["eef2k"], "peak_glutamate_rel")),
            ("bdnf_nbqx", num(&s["nbqx"], "peak_bdnf_rel")),
            ("mtorc1_nbqx", num(&s["nbqx"], "peak_mtorc1_rel")),
            ("bdnf_rapamycin", num(&s["rapamycin"], "peak_bdnf_rel")),
            ("mtorc1_rapamycin", num(&s["rapamycin"], "peak_mtorc1_rel")),
            ("bdnf_val66met", num(&s["val66met"], "peak_bdnf_rel")),
            ("mtorc1_val66met", num(&s["val66met"], "peak_mtorc1_rel")),
            ("gain_iv", gain("iv")),
            ("gain_pct_nbqx", pct("nbqx")),
            ("gain_pct_rapamycin", pct("rapamycin")),
            ("gain_pct_val66met", pct("val66met")),
            ("gain_pct_eef2k_only", pct("eef2k")),
            ("gain_pct_no_drug", pct("no-drug")),
            ("gain_pct_rapamycin_2h", pct("rapa-2h")),
            ("gain_pct_nbqx_half", pct("nbqx-half")),
            ("gain_pct_nothing", pct("nothing")),
        ],
    );
}

#[test]
fn worksheet_3_dose_and_route() {
    // Notebook 3's sweep (its first cell writes the same file).
    let tmp = tmp();
    fs::write(
        tmp.path().join("dose-sweep.toml"),
        "base = \"iv-infusion\"\nreplicates = 2\nseed = 1\nseeds = \"by_replicate\"\n\n[set]\n\"duration_h\" = 48.0\n\n\
         [grid]\n\"dose.0.mg_per_kg\" = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]\n",
    )
    .unwrap();
    ok(tmp.path(), &["sweep", "dose-sweep.toml", "--out", "dose-sweep", "--quiet"]);
    let all = rows(&tmp.path().join("dose-sweep/summary.csv"));
    let doses = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0];
    let mean = |dose: f64, col: &str| {
        let v: Vec<f64> = all.iter().filter(|r| (num(r, "dose.0.mg_per_kg") - dose).abs() < 1e-9).map(|r| num(r, col)).collect();
        assert_eq!(v.len(), 2, "two replicates at {dose} mg/kg");
        v.iter().sum::<f64>() / v.len() as f64
    };
    let best = |col: &str| doses.iter().copied().fold(doses[0], |b, d| if mean(d, col) > mean(b, col) { d } else { b });
    let cadss: Vec<f64> = doses.iter().map(|&d| mean(d, "peak_dissociation_cadss")).collect();
    check(
        "03-dose-and-route.md",
        &[
            ("cmax_ratio_3_vs_0_5", mean(3.0, "cmax_ng_ml") / mean(0.5, "cmax_ng_ml")),
            ("glutamate_peak_dose", best("peak_glutamate_rel")),
            ("glutamate_peak_rel", mean(best("peak_glutamate_rel"), "peak_glutamate_rel")),
            ("spines_peak_dose", best("spine_density_rel_24h")),
            ("spines_peak_rel", mean(best("spine_density_rel_24h"), "spine_density_rel_24h")),
            ("cadss_0_5", mean(0.5, "peak_dissociation_cadss")),
            ("cadss_3_0", mean(3.0, "peak_dissociation_cadss")),
            ("cadss_rises", if cadss.windows(2).all(|w| w[1] >= w[0]) { 1.0 } else { 0.0 }),
        ],
    );
}

#[test]
fn worksheet_4_pain() {
    let tmp = tmp();
    ok(tmp.path(), &["run", "postop-opioid-only", "--out", "ctl", "--quiet"]);
    ok(tmp.path(), &["run", "postop-ketamine", "--out", "ket", "--quiet"]);
    ok(tmp.path(), &["run", "crps-infusion", "--out", "crps", "--quiet"]);
    ok(tmp.path(), &["run", "crps-infusion", "--set", "dose.0.mg_per_kg=0", "--out", "crps-no-drug", "--quiet"]);
    let (c, k) = (summary(&tmp.path().join("ctl"), "pain_summary.csv"), summary(&tmp.path().join("ket"), "pain_summary.csv"));
    // The notebook's weekly means: week = max(0, floor((t - 24) / 168) + 1).
    let weekly = |run: &str| -> BTreeMap<i64, f64> {
        let mut sums: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
        for r in rows(&tmp.path().join(run).join("pain.csv")) {
            let week = (((num(&r, "time_h") - 24.0) / 168.0).floor() as i64 + 1).max(0);
            let e = sums.entry(week).or_default();
            *e = (e.0 + num(&r, "nrs_rest"), e.1 + 1.0);
        }
        sums.into_iter().map(|(w, (s, n))| (w, s / n)).collect()
    };
    let (drug, none) = (weekly("crps"), weekly("crps-no-drug"));
    for week in 1..=12 {
        check("04-pain.md", &[("crps_no_drug", none[&week])]);
    }
    check(
        "04-pain.md",
        &[
            ("opioid_24h_control", num(&c, "opioid_24h_mg")),
            ("opioid_24h_ketamine", num(&k, "opioid_24h_mg")),
            ("sparing_24h_pct", 100.0 * (1.0 - num(&k, "opioid_24h_mg") / num(&c, "opioid_24h_mg"))),
            ("difference_48h_mg", num(&c, "opioid_48h_mg") - num(&k, "opioid_48h_mg")),
            ("pca_demands_control", num(&c, "pca_demands")),
            ("pca_demands_ketamine", num(&k, "pca_demands")),
            ("nrs_rest_24h_control", num(&c, "nrs_rest_24h")),
            ("nrs_rest_24h_ketamine", num(&k, "nrs_rest_24h")),
            ("nrs_rest_48h_control", num(&c, "nrs_rest_48h")),
            ("nrs_rest_48h_ketamine", num(&k, "nrs_rest_48h")),
            ("min_spo2_control", num(&c, "min_spo2_under_opioid_pct")),
            ("min_spo2_ketamine", num(&k, "min_spo2_under_opioid_pct")),
            ("crps_week1", drug[&1]),
            ("crps_week2", drug[&2]),
            ("crps_week4", drug[&4]),
            ("crps_week8", drug[&8]),
            ("crps_week12", drug[&12]),
            ("relief_week1", drug[&1] - none[&1]),
            ("relief_week8", drug[&8] - none[&8]),
        ],
    );
}

#[test]
fn worksheet_5_trial() {
    // The bundled trial with 40 subjects per arm, as the notebook runs it.
    let tmp = tmp();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(root.join("trials/single-infusion-vs-midazolam.toml")).unwrap();
    let text: String = text.lines().map(|l| if l.starts_with("subjects = ") { "subjects = 40" } else { l }).collect::<Vec<_>>().join("\n");
    fs::write(tmp.path().join("nb05.toml"), text + "\n").unwrap();
    ok(tmp.path(), &["trial", "nb05.toml", "--out", "nb05", "--jobs", "2", "--quiet"]);
    let dir = tmp.path().join("nb05");
    let arms = rows(&dir.join("arms.csv"));
    let arm = |name: &str, visit: &str| arms.iter().find(|r| r["arm"] == name && r["visit"] == visit).unwrap().clone();
    let (k24, m24, k7, m7) = (arm("ketamine", "24h"), arm("midazolam", "24h"), arm("ketamine", "7d"), arm("midazolam", "7d"));
    let subjects = rows(&dir.join("subjects.csv"));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
    };
    let gains = |responder: bool| {
        median(
            subjects
                .iter()
                .filter(|r| r["arm"] == "ketamine" && (r["response_24h"].eq_ignore_ascii_case("true") == responder))
                .map(|r| num(r, "madrs_protein_weight_factor"))
                .collect(),
        )
    };
    let tc = rows(&dir.join("timecourse.csv"));
    let p50 = |name: &str, t: f64| {
        num(tc.iter().find(|r| r["arm"] == name && r["column"] == "madrs" && (num(r, "time_h") - t).abs() < 1e-9).unwrap(), "p50")
    };
    check(
        "05-trial.md",
        &[
            ("responders_24h_ketamine", num(&k24, "responders")),
            ("responders_24h_midazolam", num(&m24, "responders")),
            ("response_24h_ketamine", num(&k24, "response_rate")),
            ("response_24h_ketamine_lo95", num(&k24, "response_lo95")),
            ("response_24h_ketamine_hi95", num(&k24, "response_hi95")),
            ("response_24h_midazolam", num(&m24, "response_rate")),
            ("response_24h_midazolam_lo95", num(&m24, "response_lo95")),
            ("response_24h_midazolam_hi95", num(&m24, "response_hi95")),
            ("response_diff_24h", num(&k24, "response_diff")),
            ("response_diff_24h_lo95", num(&k24, "response_diff_lo95")),
            ("response_diff_24h_hi95", num(&k24, "response_diff_hi95")),
            ("nnt_24h", num(&k24, "nnt")),
            ("remitters_24h_ketamine", num(&k24, "remitters")),
            ("remitters_24h_midazolam", num(&m24, "remitters")),
            ("response_7d_ketamine", num(&k7, "response_rate")),
            ("response_7d_midazolam", num(&m7, "response_rate")),
            ("response_diff_7d", num(&k7, "response_diff")),
            ("response_diff_7d_lo95", num(&k7, "response_diff_lo95")),
            ("response_diff_7d_hi95", num(&k7, "response_diff_hi95")),
            ("madrs_p50_midazolam_0h", p50("midazolam", 0.0)),
            ("madrs_p50_midazolam_24h", p50("midazolam", 24.0)),
            ("gain_median_responders", gains(true)),
            ("gain_median_nonresponders", gains(false)),
            ("cmax_mean", num(&k24, "cmax_ng_ml_mean")),
            ("cmax_cv", num(&k24, "cmax_ng_ml_cv")),
        ],
    );
}
