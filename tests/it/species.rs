//! Rodent findings in the species the papers used (issue 13, "Species"): the rodent ketamine
//! kinetics of `pk::species` (one compartment, first-order i.p. absorption) and the pathway
//! read-outs of `rat-li2010`, `mouse-autry2011` and `mouse-modasava2019` against the published
//! bands also used on the human curve in `tests/it/pathway.rs` (stated once, in `findings`).
//! Sources in docs/references.md, the measured numbers in docs/model.md's validation table. One
//! rodent parameter is calibrated, `rodent_nmda_ic50_factor`,
//! to one published rat dose-response (Moghaddam 1997; its test is
//! `rat_glutamate_dose_response_is_moghaddams`); every other rodent finding here is a prediction.

use ketasim::params::Params;
use ketasim::pk::species::{self, Species};
use ketasim::pk::{Administration, Drug, Pharmacokinetics, Route};
use ketasim::readout::TraceRow;

use crate::findings;
use crate::runs::{at, control, gain, run_sc, scenario};

fn run(name: &str, sets: &[&str]) -> Vec<TraceRow> {
    crate::runs::run(name, sets).trace
}

/// Plasma ketamine of one 10 mg/kg i.p. dose in `species`, sampled every 6 s for 3 h.
fn ip_curve(species: Species) -> Vec<(f64, f64)> {
    let p = species::apply(Params::default(), species);
    let w = species.default_weight_kg().unwrap();
    let dose = Administration { t_h: 0.0, drug: Drug::Ketamine, route: Route::Intraperitoneal, mg: 10.0 * w, duration_h: 0.0 };
    let mut pk = Pharmacokinetics::new(&p, w, &[dose]);
    (1..=1800)
        .map(|i| {
            let t = i as f64 / 600.0;
            pk.advance_to(t);
            (t, pk.concentrations().plasma_ketamine_ng_ml)
        })
        .collect()
}

/// Terminal half-life from the log-linear slope between 1.5 and 2.5 h, h.
fn terminal_half_life_h(c: &[(f64, f64)]) -> f64 {
    let (a, b) = (at_curve(c, 1.5), at_curve(c, 2.5));
    ketasim::math::ln(2.0) / (ketasim::math::ln(a / b) / 1.0)
}

fn at_curve(c: &[(f64, f64)], t: f64) -> f64 {
    c.iter().min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs())).unwrap().1
}

#[test]
fn mouse_ketamine_half_life_and_tmax() {
    // Maxwell et al. 2006 (J Pharmacol Exp Ther 316:315): mouse plasma ketamine t1/2 about 13 min;
    // band 10-17 min. Rodent i.p. Tmax 5-10 min (the band the i.p. absorption rate is chosen for;
    // assumption, docs/model.md).
    let c = ip_curve(Species::Mouse);
    let t_half_min = terminal_half_life_h(&c) * 60.0;
    assert!((10.0..=17.0).contains(&t_half_min), "mouse t1/2 {t_half_min} min");
    let (_, tmax_h) = c.iter().map(|&(t, v)| (v, t)).fold((f64::MIN, 0.0), |a, b| if b.0 > a.0 { b } else { a });
    assert!((5.0..=10.0).contains(&(tmax_h * 60.0)), "mouse Tmax {} min", tmax_h * 60.0);
}

#[test]
fn rat_ketamine_is_short_lived_and_peaks_early() {
    // Rat i.p. Tmax 5-10 min (assumption as above); the rat half-life (assumption 30 min, range
    // 20-90 min: the lower end from the test below) is far shorter than the human 2-3 h: less than
    // 5 % of the peak is left at 3 h (any half-life up to 40 min gives that). The rat clearance it
    // implies (69 mL/min/kg) stays below the rat liver blood flow (Gibson et al. 2021: 104.3 +/-
    // 17.1 mL/min/kg), as it must for a drug cleared by the liver.
    let c = ip_curve(Species::Rat);
    let (cmax, tmax_h) = c.iter().map(|&(t, v)| (v, t)).fold((f64::MIN, 0.0), |a, b| if b.0 > a.0 { b } else { a });
    assert!((5.0..=10.5).contains(&(tmax_h * 60.0)), "rat Tmax {} min", tmax_h * 60.0);
    let t_half_min = terminal_half_life_h(&c) * 60.0;
    assert!((20.0..=90.0).contains(&t_half_min), "rat t1/2 {t_half_min} min");
    assert!(at_curve(&c, 3.0) < 0.05 * cmax, "left at 3 h {} of {cmax}", at_curve(&c, 3.0));
    let p = Params::default();
    let cl_ml_min_kg = ketasim::math::ln(2.0) * p.rodent_ketamine_v_l_per_kg / p.rat_ketamine_half_life_h * 1000.0 / 60.0;
    assert!(cl_ml_min_kg < 104.3, "rat clearance {cl_ml_min_kg} mL/min/kg above the liver blood flow");
}

/// Plasma and effect-site ketamine of one dose of `mg_per_kg` by `route` to a default rat, sampled
/// every `dt_h` up to `t_end_h`: `(t, plasma, effect site)`.
fn rat_curve(route: Route, mg_per_kg: f64, dt_h: f64, t_end_h: f64) -> Vec<(f64, f64, f64)> {
    let p = species::apply(Params::default(), Species::Rat);
    let w = Species::Rat.default_weight_kg().unwrap();
    let dose = Administration { t_h: 0.0, drug: Drug::Ketamine, route, mg: mg_per_kg * w, duration_h: 0.0 };
    let mut pk = Pharmacokinetics::new(&p, w, &[dose]);
    let n = (t_end_h / dt_h).round() as usize;
    (1..=n)
        .map(|i| {
            let t = i as f64 * dt_h;
            pk.advance_to(t);
            let c = pk.concentrations();
            (t, c.plasma_ketamine_ng_ml, c.brain_ketamine_ng_ml)
        })
        .collect()
}

#[test]
fn rat_ketamine_stays_above_100_ng_ml_on_7_5_mg_per_kg_every_90_minutes() {
    // Drug Test Anal 2019;11:68 (F344 rats, 7.5 and 30 mg/kg intramuscular, plasma by LC-MS):
    // "repeated dosing at 7.5 mg/kg every 90 minutes allows for sustained plasma concentrations above
    // 100 ng/mL". A check of the assumed rat half-life and volume (docs/model.md 1.1): ketasim gives
    // a rat no intramuscular route, so the doses are IV boluses, which leave lower troughs than an
    // intramuscular dose absorbed over minutes (dogs: 90 % bioavailable, peak at about 20 min,
    // Jantzen 1985). Band: plasma ketamine above 100 ng/mL at every trough, just before the 2nd, 3rd
    // and 4th dose and 90 min after the 4th. Measured: 312 ng/mL at the first trough; a half-life of
    // 20 min gives 107, 18 min 78 (with the volume of 3 L/kg), so the test also bounds the assumed
    // half-life from below (rat_ketamine_half_life_h's uncertainty range starts at 0.33 h).
    let p = species::apply(Params::default(), Species::Rat);
    let w = Species::Rat.default_weight_kg().unwrap();
    let doses: Vec<Administration> =
        (0..4).map(|k| Administration { t_h: 1.5 * f64::from(k), drug: Drug::Ketamine, route: Route::IvBolus, mg: 7.5 * w, duration_h: 0.0 }).collect();
    let mut pk = Pharmacokinetics::new(&p, w, &doses);
    for k in 1..=4 {
        let trough_h = 1.5 * f64::from(k) - 1e-6;
        pk.advance_to(trough_h);
        let c = pk.concentrations().plasma_ketamine_ng_ml;
        assert!(c > 100.0, "rat plasma ketamine {c} ng/mL at {trough_h} h, before the next 7.5 mg/kg dose");
    }
}

#[test]
fn rat_brain_ketamine_peaks_within_a_minute_of_an_iv_dose() {
    // Cohen et al. 1973 (rat, IV; Anesthesiology 39:370, abstract): peak brain ketamine less than a
    // minute after the injection; brain/plasma ratio 6.5:1 at all times studied (from 30 s).
    // Bands: effect-site peak < 1 min; the effect-site/plasma ratio at 30 s within 10 % of its
    // value at 10 min (a constant ratio). Measured: peak 0.93 min; ratio 0.95 of the 10-min value.
    let c = rat_curve(Route::IvBolus, 10.0, 1.0 / 3600.0, 0.5);
    let (_, t_peak_h) = c.iter().map(|&(t, _, e)| (e, t)).fold((f64::MIN, 0.0), |a, b| if b.0 > a.0 { b } else { a });
    assert!(t_peak_h * 60.0 < 1.0, "rat effect-site peak {} min", t_peak_h * 60.0);
    let ratio = |t_h: f64| {
        let r = c.iter().min_by(|a, b| (a.0 - t_h).abs().total_cmp(&(b.0 - t_h).abs())).unwrap();
        r.2 / r.1
    };
    let (r30, r600) = (ratio(30.0 / 3600.0), ratio(600.0 / 3600.0));
    assert!((r30 / r600 - 1.0).abs() <= 0.10, "effect-site/plasma ratio {r30} at 30 s vs {r600} at 10 min");
}

#[test]
fn rat_intraperitoneal_exposure_is_the_portal_bioavailability() {
    // Lukas et al. 1971: compounds given i.p. are absorbed mainly through the portal circulation;
    // the rat's i.p. bioavailability is its hepatic first pass (src/pk/species.rs: 0.448 with
    // Gibson 2021's liver blood flow). Conservation check: the i.p./IV ratio of the plasma AUC over
    // 8 h (both practically complete) equals that bioavailability within 1 %.
    let auc = |route| rat_curve(route, 10.0, 1.0 / 600.0, 8.0).iter().map(|&(_, cp, _)| cp / 600.0).sum::<f64>();
    let f = species::apply(Params::default(), Species::Rat).bioavailability_intraperitoneal;
    let ratio = auc(Route::Intraperitoneal) / auc(Route::IvBolus);
    assert!((ratio / f - 1.0).abs() <= 0.01, "AUC ratio {ratio} vs F {f}");
    assert!((f - 0.448).abs() < 0.001, "rat F {f}");
}

#[test]
fn human_scenarios_ignore_the_rodent_parameters() {
    // Byte-identity of human runs: a human subject's parameters are the table's (the rodent
    // disposition only replaces them for species = rat or mouse).
    let sc = scenario("iv-infusion", &["duration_h=2"]);
    assert_eq!(sc.subject.species, Species::Human);
    let base = run_sc(&sc).trace;
    let changed = run("iv-infusion", &["duration_h=2", "parameters.rat_ketamine_half_life_h=5", "parameters.rodent_ketamine_v_l_per_kg=10", "parameters.ka_intraperitoneal_per_h=1", "parameters.rodent_ke0_per_h=5", "parameters.rat_hepatic_blood_flow_ml_min_per_kg=20", "parameters.human_hepatic_blood_flow_ml_min_per_kg=90", "parameters.rodent_nmda_ic50_factor=1"]);
    for (a, b) in base.iter().zip(&changed) {
        assert_eq!(a.plasma_ketamine_ng_ml.to_bits(), b.plasma_ketamine_ng_ml.to_bits());
        assert_eq!(a.spine_density_rel.to_bits(), b.spine_density_rel.to_bits());
    }
}

#[test]
fn rat_glutamate_surge_is_in_band() {
    // Moghaddam 1997 (rat, 10-30 mg/kg i.p.): prefrontal glutamate 1.5-3x baseline, back within
    // about 2 h; the band of tests/it/pathway.rs: peak 1.5-3x, within 10 % of baseline from 3 h.
    let t = run("rat-li2010", &["duration_h=12"]);
    findings::glutamate_peak_in_band(&t, "rat");
    findings::glutamate_back_by_3_hours(&t, "rat");
}

#[test]
fn rat_glutamate_peak_time_is_in_band() {
    // Moghaddam 1997: peak 20-60 min; band of tests/it/pathway.rs: 0.2-1.2 h. Measured: 2.18x at
    // 0.50 h, although plasma ketamine peaks at 10 min (the trapping block builds up over 30 min).
    // Before the rodent NMDA IC50s were calibrated (factor 1: a block of 0.83) the peak came at
    // 10 min (1.69x) and fell below baseline from 40 min.
    let t = run("rat-li2010", &["duration_h=12"]);
    findings::glutamate_peak_time_in_band(&t, "rat");
}

#[test]
fn rat_mtorc1_peaks_early_and_returns() {
    // Li 2010 (rat, 10 mg/kg i.p.): phospho-mTOR 1.5-3x at 30-60 min, back by 2 h. Band of
    // tests/it/pathway.rs: peak 1.5-3x at 0.3-1.5 h, within 15 % from 3 h. Measured: 2.48x at 1.0 h,
    // 1.055 at 3 h (1.37x with the human NMDA IC50s, whose deep block damped the cascade).
    let t = run("rat-li2010", &["duration_h=12"]);
    findings::mtorc1_peaks_early_and_returns(&t, "rat");
}

#[test]
fn rat_synaptic_protein_stays_up_from_2_to_72_hours() {
    // Li 2010: PSD-95, GluA1, synapsin I up from 2 h through at least 72 h; band > 1.1x pre-dose.
    // Measured: 1.14-1.27x (1.27 at 4 h, 1.22 at 24 h, 1.14 at 72 h; 1.05-1.09x with the human
    // NMDA IC50s).
    let t = run("rat-li2010", &["duration_h=72"]);
    let pre = t[0].synaptic_protein_rel;
    for r in t.iter().filter(|r| (2.0..=72.0).contains(&r.time_h)) {
        assert!(r.synaptic_protein_rel > 1.1 * pre, "protein {} at {} h (pre {pre})", r.synaptic_protein_rel, r.time_h);
    }
}

#[test]
fn rat_spine_density_is_up_at_24_hours() {
    // Li 2010 (rat, 10 mg/kg i.p.): spine density in layer V prefrontal neurons increased 24 h after
    // the dose. Band: above the drug-free control of the same seed at 24 h. Measured: 1.111 vs
    // 0.994.
    let t = run("rat-li2010", &["duration_h=24"]);
    let c = control("rat-li2010", &["duration_h=24"]);
    let g = at(&t, 24.0).spine_density_rel - at(&c, 24.0).spine_density_rel;
    assert!(g > 0.0, "rat 24-h spine gain {g}");
}

#[test]
fn mouse_bdnf_rises_within_30_minutes() {
    // Autry 2011 (mouse, 3 mg/kg i.p.): BDNF protein rises within 30 min of the dose (eEF2 route).
    // Band: BDNF at 30 min at least 1.2x baseline (a clear rise). Measured: 1.38x (peak 1.46x at
    // 40 min).
    let t = run("mouse-autry2011", &["duration_h=3"]);
    let b = at(&t, 0.5).bdnf_rel;
    assert!(b >= 1.2, "mouse BDNF at 30 min {b}");
}

#[test]
fn mouse_spine_formation_waits_hours_for_competence() {
    // Moda-Sava et al. 2019 (Science 364:eaat8078; two-photon imaging of the same prefrontal
    // dendrites in corticosterone-stressed mice, 10 mg/kg i.p.): spine formation unchanged 3-6 h
    // after ketamine, raised at 12-24 h. The band of the human-PK test (tests/it/pathway.rs,
    // spine_formation_waits_hours_for_competence): the density gained over the drug-free control by
    // 6 h is at most 15 % of the 24-h gain (by 3 h at most 5 %), and more is gained between 12 and
    // 24 h than in the first 6 h, five times over. Measured (`mouse-modasava2019`): gains 0.0017,
    // 0.0108, 0.0554, 0.1349 at 3, 6, 12, 24 h (1 % and 8 % of the 24-h gain by 3 and 6 h).
    let t = run("mouse-modasava2019", &["duration_h=30"]);
    let ctrl = control("mouse-modasava2019", &["duration_h=30"]);
    findings::spine_formation_waits_hours(|h| gain(&t, &ctrl, h), "mouse");
}

#[test]
fn healthy_mouse_spine_density_stays_up_for_two_weeks() {
    // Phoumthipphavong et al. 2016 (eNeuro 3:ENEURO.0133-15.2016; two-photon imaging of mouse
    // medial frontal cortex, one 10 mg/kg i.p. dose, healthy mice): "higher dendritic spine density
    // ... for up to 2 weeks" than saline-injected controls. Band: the spine density of a healthy
    // mouse (`mouse-modasava2019` with subject.state = healthy) is above the drug-free control of the
    // same seed at every daily read-out from day 1 to day 14. Measured: +0.092 at day 1, +0.096 at
    // day 2 (the largest), +0.045 at day 7, +0.006 at day 14.
    let sets = ["subject.state=\"healthy\"", "duration_h=340", "numerics.sample_every_min=60"];
    let t = run("mouse-modasava2019", &sets);
    let ctrl = control("mouse-modasava2019", &sets);
    for day in 1..=14 {
        let g = gain(&t, &ctrl, 24.0 * f64::from(day));
        assert!(g > 0.0, "healthy mouse spine gain {g} at day {day}");
    }
}

#[test]
fn mouse_24h_spine_gain_needs_hnk_when_the_hnk_mechanism_is_on() {
    // Zanos et al. 2016 (Nature 533:481): in mice the antidepressant actions of 10 mg/kg ketamine
    // at 24 h require its metabolism to (2R,6R)-HNK; 6,6-dideuteroketamine (less HNK, the same NMDA
    // block) lacked them. Contested (Yang 2018: the HNK route is disputed; src/pathway/ampa.rs), so
    // the `hnk` mechanism is off by default. With it on, no HNK (hnk_per_norketamine = 0) must leave
    // the NMDA block unchanged (bit for bit) and lose most of the 24-h spine gain over the drug-free
    // control. Band: more than half lost. Measured (stressed mouse, `mouse-modasava2019`): 0.307
    // with HNK, 0.135 without (56 % lost); a healthy mouse 0.166 vs 0.092 (44 %, not tested).
    let sets = ["duration_h=30", "mechanisms.hnk=true"];
    let with = run("mouse-modasava2019", &sets);
    let without = run("mouse-modasava2019", &["duration_h=30", "mechanisms.hnk=true", "parameters.hnk_per_norketamine=0"]);
    let ctrl = control("mouse-modasava2019", &sets);
    for (a, b) in with.iter().zip(&without) {
        assert_eq!(a.nmda_block_interneuron.to_bits(), b.nmda_block_interneuron.to_bits(), "NMDA block at {} h", a.time_h);
    }
    let (g_with, g_without) = (gain(&with, &ctrl, 24.0), gain(&without, &ctrl, 24.0));
    assert!(g_with > 0.0 && g_without < 0.5 * g_with, "24-h gain {g_without} without HNK vs {g_with} with");
}

#[test]
fn stressed_mouse_rescue_restores_half_the_deficit() {
    // Li 2011 (rat) and Moda-Sava 2019 (corticosterone-stressed mice, 10 mg/kg i.p.): one dose
    // reverses the stress deficit of spines within 24-72 h. The band of tests/it/pathway.rs
    // (stress_deficit_rescue_and_fade): at least half the deficit restored by 72 h. Measured
    // (`mouse-modasava2019`): 0.736 at the start, 0.934 at 72 h (75 % of the deficit of 0.264; 43 %
    // with the human NMDA IC50s).
    let t = run("mouse-modasava2019", &[]);
    findings::half_the_spine_deficit_restored_by_72_hours(&t, "stressed mouse");
}

#[test]
fn rat_glutamate_dose_response_is_moghaddams() {
    // Moghaddam et al. 1997 (J Neurosci 17:2921; microdialysis in the prefrontal cortex of awake
    // rats, i.p.): 10, 20 and 30 mg/kg raise glutamate outflow, 50 mg/kg does not change it and the
    // anaesthetic 200 mg/kg lowers it. `rodent_nmda_ic50_factor` is calibrated to this
    // (docs/model.md §1.1), so the test holds the calibration; with factor 1 (the human IC50s) every
    // dose from 15 mg/kg on lowers glutamate. Read-out: the mean of glutamate_rel over the 2 h after
    // the injection (the whole dialysate of those 2 h, whatever the paper's fraction length, which
    // was not retrieved). Bands: at least 1.2 for 10-30 mg/kg, 0.85-1.15 for 50 mg/kg, at most 0.85
    // for 200 mg/kg. Measured: 1.45, 1.44, 1.31, 1.01, 0.40.
    let mean_2h = |mg_per_kg: f64| {
        let dose = format!("dose.0.mg_per_kg={mg_per_kg}");
        let t = run("rat-li2010", &["duration_h=2", "numerics.sample_every_min=1", "allow_high_dose=true", &dose]);
        let w: Vec<f64> = t.iter().filter(|r| r.time_h > 0.0).map(|r| r.glutamate_rel).collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    for (mg_per_kg, lo, hi) in [(10.0, 1.2, f64::INFINITY), (20.0, 1.2, f64::INFINITY), (30.0, 1.2, f64::INFINITY), (50.0, 0.85, 1.15), (200.0, 0.0, 0.85)] {
        let m = mean_2h(mg_per_kg);
        assert!((lo..=hi).contains(&m), "rat {mg_per_kg} mg/kg i.p.: mean glutamate over 2 h {m}, band {lo}-{hi}");
    }
}
