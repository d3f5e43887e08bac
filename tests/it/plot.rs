//! `ketasim plot` and `ketasim run --plot`: figure files, their size and text, sweeps, and errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn ketasim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketasim")).args(args).output().expect("cannot start ketasim")
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Width and height of a PNG, from its IHDR chunk (bytes 16..24).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is not a PNG", path.display());
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// One short iv-infusion run with --plot, shared by the tests (it lives as long as the process).
fn run_dir() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("iv");
        let o = ketasim(&["run", "iv-infusion", "--set", "duration_h=24", "--plot", "--quiet", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("figure.png"), "run --plot prints the figure path: {}", text(&o));
        (tmp, out)
    });
    path
}

#[test]
fn run_plot_writes_a_large_png_beside_the_csvs() {
    let dir = run_dir();
    let (w, h) = png_size(&dir.join("figure.png"));
    assert!(w >= 1200 && h >= 800, "figure.png is {w}x{h}");
    // No staging leftovers beside the run directory.
    let parent = dir.parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(parent).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["iv".to_string()], "{names:?}");
}

#[test]
fn plot_writes_png_and_svg_with_units_and_title() {
    let dir = run_dir();
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("cascade.png");
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), png.to_str().unwrap());
    let (w, h) = png_size(&png);
    assert!(w >= 1200 && h >= 800, "{w}x{h}");

    let svg = tmp.path().join("cascade.svg");
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg"), "not an SVG");
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let title = manifest["scenario"]["name"].as_str().unwrap();
    assert!(s.contains(title), "the SVG has no title {title:?}");
    for unit in ["plasma (ng/mL)", "brain (µM)", "fraction blocked (0–1)", "firing rate (Hz)", "× healthy drug-free", "time, first hours (h)"] {
        assert!(s.contains(unit), "the SVG has no axis label {unit:?}");
    }
    for panel in ["NMDA receptor block", "Glutamate surge", "BDNF and mTORC1", "dendritic spines"] {
        assert!(s.contains(panel), "the SVG has no panel {panel:?}");
    }
    // The clinical panels are there when the run has their columns.
    let header = std::fs::read_to_string(dir.join("trace.csv")).unwrap().lines().next().unwrap().to_string();
    if header.split(',').any(|c| c == "sbp_mmhg") {
        assert!(s.contains("BP (mmHg), heart rate (bpm)"), "no vital-sign panel");
        assert!(s.contains("alarm thresholds"), "no alarm thresholds");
    }
    // PDF, chosen by the extension: one page, the figure's pixels (checked in src/plot/mod.rs).
    let pdf = tmp.path().join("cascade.pdf");
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--out", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4") && bytes.ends_with(b"%%EOF\n"), "not a PDF");
    assert!(bytes.windows(12).any(|x| x == b"/Width 2400 "), "the PDF does not hold the 2400-px figure");

    // The default output is RUN_DIR/figure.png (here it replaces the one from run --plot).
    let o = ketasim(&["plot", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()), dir.join("figure.png"));
}

#[test]
fn panels_without_columns_are_left_out() {
    // An older run directory: only some columns, no events, no manifest.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old-run");
    std::fs::create_dir(&dir).unwrap();
    let mut csv = String::from("time_h,plasma_ketamine_ng_ml,glutamate_rel\n");
    for i in 0..=200 {
        let t = i as f64 * 0.25;
        csv.push_str(&format!("{t},{},{}\n", 200.0 * ketasim::math::exp(-t), 1.0 + ketasim::math::exp(-(t - 1.0) * (t - 1.0))));
    }
    std::fs::write(dir.join("trace.csv"), csv).unwrap();
    let svg = tmp.path().join("old.svg");
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("old-run"), "the directory name is the title without a manifest");
    assert!(s.contains("Drug: plasma and brain") && s.contains("Glutamate surge"));
    assert!(!s.contains("NMDA receptor block") && !s.contains("Blood pressure"), "panels without columns are drawn");
}

/// A hand-written sweep directory: 3 doses × 3 replicates.
fn sweep_dir(root: &Path) -> PathBuf {
    let dir = root.join("sweep");
    std::fs::create_dir(&dir).unwrap();
    let mut csv = String::from("run_id,point,replicate,seed,dose.0.mg_per_kg,scenario,seed,cmax_ng_ml,peak_glutamate_rel\n");
    for (p, dose) in [0.1, 0.5, 1.0].iter().enumerate() {
        for r in 0..3 {
            let glu = 1.0 + 2.0 * dose + 0.05 * r as f64;
            csv.push_str(&format!("p{p:03}-r{r:02},{p},{r},{},{dose},\"iv, sweep\",{},{},{glu}\n", 10 + r, 10 + r, 500.0 * dose));
        }
    }
    std::fs::write(dir.join("summary.csv"), csv).unwrap();
    dir
}

#[test]
fn sweep_plot_writes_a_dose_response_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = sweep_dir(tmp.path());
    let svg = tmp.path().join("dr.svg");
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--x", "dose.0.mg_per_kg", "--y", "peak_glutamate_rel", "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("dose.0.mg_per_kg (mg/kg)"), "x axis label with unit");
    assert!(s.contains("peak_glutamate_rel (× healthy drug-free)"), "y axis label with unit");
    assert!(s.contains("replicate"), "legend");

    // --x may be left out when one key was swept; the default output is DIR/<y>-vs-<x>.png.
    let o = ketasim(&["plot", dir.to_str().unwrap(), "--y", "cmax_ng_ml"]);
    assert!(o.status.success(), "{}", text(&o));
    let png = dir.join("cmax_ng_ml-vs-dose.0.mg_per_kg.png");
    assert_eq!(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()), png);
    let (w, h) = png_size(&png);
    assert!(w >= 1200 && h >= 800, "{w}x{h}");
}

/// Exit code 2, a message that contains `needle`, and no file at `out`.
fn assert_input_error(args: &[&str], needle: &str, out: Option<&Path>) {
    let o = ketasim(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in the message: {err}");
    if let Some(out) = out {
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
        let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = tmp.path().join("f.png");
    let o = out.to_str().unwrap();
    // A directory without trace.csv.
    assert_input_error(&["plot", empty.to_str().unwrap(), "--out", o], "no trace.csv", Some(&out));
    assert_input_error(&["plot", tmp.path().join("missing").to_str().unwrap(), "--out", o], "not a directory", Some(&out));
    // An unsupported extension.
    let run = run_dir().to_str().unwrap();
    let gif = tmp.path().join("f.gif");
    assert_input_error(&["plot", run, "--out", gif.to_str().unwrap()], ".png, .svg or .pdf", Some(&gif));
    // --x/--y on a run directory.
    assert_input_error(&["plot", run, "--y", "cmax_ng_ml", "--out", o], "sweep directories", Some(&out));
    // An unknown --y column lists the available ones; an unknown --x lists the swept keys.
    let sweep = sweep_dir(tmp.path());
    let s = sweep.to_str().unwrap();
    assert_input_error(&["plot", s, "--y", "peak_nonsense", "--out", o], "cmax_ng_ml, peak_glutamate_rel", Some(&out));
    assert_input_error(&["plot", s, "--x", "dose.9.mg", "--y", "cmax_ng_ml", "--out", o], "dose.0.mg_per_kg", Some(&out));
    assert_input_error(&["plot", s, "--out", o], "needs --y", Some(&out));
    let before: Vec<_> = std::fs::read_dir(&sweep).unwrap().collect();
    assert_eq!(before.len(), 1, "the sweep directory gained files");
}

#[test]
fn the_figures_the_docs_show_exist() {
    // README.md and docs/teaching.md embed PNGs from docs/figures/ (regenerated by docs/figures/make.sh).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    for (doc, base) in [("README.md", root.to_path_buf()), ("docs/teaching.md", root.join("docs"))] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for part in text.split("](").skip(1) {
            let target = part.split(')').next().unwrap();
            if target.ends_with(".png") && !target.contains("://") && !base.join(target).is_file() {
                missing.push(format!("{doc}: {target}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing figures (run `bash docs/figures/make.sh`): {missing:?}");
    assert!(root.join("docs/figures/iv-infusion.png").is_file());
}

/// The text of every `<text>` element of an SVG, in order, trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split("</text>").next())).map(|t| t.trim().to_string()).collect()
}

#[test]
fn several_y_columns_stack_one_panel_each_on_a_shared_x_axis() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = sweep_dir(tmp.path());
    let d = dir.to_str().unwrap();
    let svg = tmp.path().join("two.svg");
    let o = ketasim(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_glutamate_rel", "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&svg).unwrap();
    let texts = svg_texts(&s);
    // One panel per column, each titled with the column and its unit; the key's name once (bottom panel).
    assert!(texts.iter().any(|t| t == "cmax_ng_ml (ng/mL)"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "peak_glutamate_rel (× healthy drug-free)"), "{texts:?}");
    assert_eq!(texts.iter().filter(|t| t.as_str() == "dose.0.mg_per_kg (mg/kg)").count(), 1, "{texts:?}");
    assert!(texts.iter().any(|t| t == "cmax_ng_ml, peak_glutamate_rel vs dose.0.mg_per_kg"), "title: {texts:?}");
    // Taller than the one-panel figure, same width.
    let height = |s: &str| s.split("height=\"").nth(1).and_then(|h| h.split('"').next()).unwrap().parse::<u32>().unwrap();
    assert!(height(&s) > 1000, "{}", height(&s));

    // The default file name joins the columns with '+'; the same input gives the same bytes.
    let o = ketasim(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_glutamate_rel"]);
    assert!(o.status.success(), "{}", text(&o));
    let png = dir.join("cmax_ng_ml+peak_glutamate_rel-vs-dose.0.mg_per_kg.png");
    assert_eq!(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()), png);
    let first = std::fs::read(&png).unwrap();
    let o = ketasim(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_glutamate_rel"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read(&png).unwrap(), first, "not deterministic");

    // One --y is the one-panel figure, unchanged: no panel title, the column on the y axis.
    let one = tmp.path().join("one.svg");
    let o = ketasim(&["plot", d, "--y", "cmax_ng_ml", "--out", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let s = std::fs::read_to_string(&one).unwrap();
    assert_eq!(height(&s), 1000);
    assert!(svg_texts(&s).iter().any(|t| t == "cmax_ng_ml vs dose.0.mg_per_kg"));

    // An unknown or repeated column: exit 2, the file named, the numeric columns listed, nothing written.
    let out = tmp.path().join("bad.png");
    let o_ = out.to_str().unwrap();
    assert_input_error(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_nonsense", "--out", o_], "--y peak_nonsense: no such column", Some(&out));
    assert_input_error(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_nonsense", "--out", o_], "summary.csv", Some(&out));
    assert_input_error(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_nonsense", "--out", o_], "cmax_ng_ml, peak_glutamate_rel", Some(&out));
    assert_input_error(&["plot", d, "--y", "cmax_ng_ml", "--y", "cmax_ng_ml", "--out", o_], "given twice", Some(&out));
}

#[test]
fn logx_draws_decade_ticks_and_refuses_what_has_no_logarithm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = sweep_dir(tmp.path()); // doses 0.1, 0.5 and 1 mg/kg
    let d = dir.to_str().unwrap();
    let svg = tmp.path().join("log.svg");
    let o = ketasim(&["plot", d, "--y", "peak_glutamate_rel", "--logx", "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    // One decade: the decades and the 1-2-5 steps between them are labelled, nothing else.
    for tick in ["0.1", "0.2", "0.5", "1"] {
        assert!(texts.iter().any(|t| t == tick), "no tick {tick:?}: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t == "0.3" || t == "0.4" || t == "0.6"), "linear ticks on a log axis: {texts:?}");
    assert!(texts.iter().any(|t| t == "dose.0.mg_per_kg (mg/kg, log scale)"), "{texts:?}");
    // Several panels on a log axis; the default name says -logx.
    let o = ketasim(&["plot", d, "--y", "cmax_ng_ml", "--y", "peak_glutamate_rel", "--logx"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()), dir.join("cmax_ng_ml+peak_glutamate_rel-vs-dose.0.mg_per_kg-logx.png"));

    // A swept value of 0: exit 2, naming the flag, the key and the value.
    let zero = tmp.path().join("zero");
    std::fs::create_dir(&zero).unwrap();
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap().replace(",0.1,", ",0,");
    std::fs::write(zero.join("summary.csv"), csv).unwrap();
    let out = tmp.path().join("f.png");
    let o_ = out.to_str().unwrap();
    let z = zero.to_str().unwrap();
    assert_input_error(&["plot", z, "--y", "cmax_ng_ml", "--logx", "--out", o_], "--logx: the swept key dose.0.mg_per_kg has values ≤ 0 (0)", Some(&out));
    // Categories have no logarithm.
    let cat = tmp.path().join("cat");
    std::fs::create_dir(&cat).unwrap();
    std::fs::write(
        cat.join("summary.csv"),
        "run_id,point,replicate,seed,intervention,scenario,seed,peak_mtorc1_rel\np000-r00,0,0,1,\"[]\",x,1,1.5\np001-r00,1,0,1,\"[{ kind = \"\"rapamycin\"\" }]\",x,1,1.1\n",
    )
    .unwrap();
    assert_input_error(&["plot", cat.to_str().unwrap(), "--y", "peak_mtorc1_rel", "--logx", "--out", o_], "--logx: the swept key intervention is not a number", Some(&out));
    // --logx on a run directory names the flag.
    assert_input_error(&["plot", run_dir().to_str().unwrap(), "--logx", "--out", o_], "--logx is for sweep directories", Some(&out));
}

#[test]
fn several_y_columns_and_logx_on_a_real_sweep() {
    // A tiny sweep: three doses, one replicate, 2-h runs of a small circuit.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("tiny.toml");
    std::fs::write(
        &file,
        "base = \"iv-infusion\"\nreplicates = 1\nseed = 3\n\n[set]\n\"circuit.pyramidal_neurons\" = 10\n\"circuit.interneurons\" = 5\n\"duration_h\" = 2.0\n\n[grid]\n\"dose.0.mg_per_kg\" = [0.1, 1.0, 3.0]\n",
    )
    .unwrap();
    let out = tmp.path().join("tiny");
    let o = ketasim(&["sweep", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let svg = tmp.path().join("tiny.svg");
    let o = ketasim(&["plot", out.to_str().unwrap(), "--y", "cmax_ng_ml", "--y", "peak_glutamate_rel", "--logx", "--out", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
    for t in ["cmax_ng_ml (ng/mL)", "peak_glutamate_rel (× healthy drug-free)", "0.1", "1", "dose.0.mg_per_kg (mg/kg, log scale)"] {
        assert!(texts.iter().any(|x| x == t), "no {t:?} in {texts:?}");
    }
}
