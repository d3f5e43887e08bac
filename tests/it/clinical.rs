//! The clinical session against published figures (issue: clinical session). Bands and sources
//! beside each assertion; the papers in docs/references.md.

use ketasim::readout::{Event, SummaryRow, TraceRow};
use ketasim::sim::RunOutput;

use crate::runs::{at, peak, run, run_sc, scenario};

/// The typical subject: no between-subject (or session-to-session) variability of the acute responses.
const TYPICAL: [&str; 4] = [
    "parameters.response_cv_blood_pressure=0",
    "parameters.response_cv_heart_rate=0",
    "parameters.response_cv_dissociation=0",
    "parameters.response_cv_blood_pressure_session=0",
];

fn run_typical(name: &str, more: &[&str]) -> RunOutput {
    let sets: Vec<&str> = TYPICAL.iter().chain(more).copied().collect();
    run_sc(&scenario(name, &sets))
}

fn events_of<'a>(events: &'a [Event], kind: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn blood_pressure_rise_and_spo2_during_the_infusion() {
    // Yale review 2024 / Fang 2019: 0.5 mg/kg over 40 min, systolic +16 ± 11 mmHg peaking at
    // about 40 min, back by 90–100 min. Issue band: +8 to +30 mmHg, peak between 0.5 and 0.9 h,
    // within 5 mmHg of baseline by 2 h; SpO2 stays at or above 94 % (no desaturation).
    let out = run_typical("clinic-session", &[]);
    let t = &out.trace;
    let base = t[0].sbp_mmhg;
    let (sbp, t_sbp) = peak(t, |r| r.sbp_mmhg);
    assert!((8.0..=30.0).contains(&(sbp - base)), "systolic rise {}", sbp - base);
    assert!((0.5..=0.9).contains(&t_sbp), "systolic peak at {t_sbp} h");
    for r in t.iter().filter(|r| r.time_h >= 2.0) {
        assert!((r.sbp_mmhg - base).abs() <= 5.0, "SBP {} at {} h", r.sbp_mmhg, r.time_h);
    }
    let (dbp, _) = peak(t, |r| r.dbp_mmhg);
    assert!((4.0..=20.0).contains(&(dbp - t[0].dbp_mmhg)), "diastolic rise {} (Yale: +11 ± 8)", dbp - t[0].dbp_mmhg);
    assert!(out.summary.min_spo2_pct >= 94.0, "lowest SpO2 {}", out.summary.min_spo2_pct);
}

#[test]
fn dissociation_peaks_at_the_end_of_the_infusion_and_fades() {
    // CADSS peaks around the end of the infusion and fades within 1–2 h (literature §7).
    // Issue band: peak between 0.5 and 0.9 h, below a quarter of the peak by 2 h.
    let out = run_typical("clinic-session", &[]);
    let (c, tc) = peak(&out.trace, |r| r.dissociation_cadss);
    assert!((0.5..=0.9).contains(&tc), "CADSS peak at {tc} h");
    assert!(c > 5.0 && c <= 92.0, "CADSS peak {c}");
    assert!(at(&out.trace, 2.0).dissociation_cadss < 0.25 * c);
    assert_eq!(out.summary.peak_dissociation_cadss, c.max(out.summary.peak_dissociation_cadss));
}

#[test]
fn discharge_waits_for_the_observation_window() {
    // The clinic's rule (the scenario's monitoring settings): observation for up to 2 h after administration, discharge only when stable.
    let low = run_typical("clinic-session", &[]);
    let end_of_infusion = 40.0 / 60.0;
    let d = low.summary.discharge_ready_h.expect("discharged within the session");
    assert!(d >= end_of_infusion + 2.0 - 1e-9, "discharge at {d} h");
    assert_eq!(events_of(&low.events, "observation_end").len(), 1);
    let no_drive = events_of(&low.events, "no_driving_until");
    assert_eq!(no_drive.len(), 1);
    // Recorded at discharge; the session starts at 09:00 by default, so midnight is t = 15 h.
    assert_eq!(no_drive[0].time_h, d);
    assert!(no_drive[0].detail.starts_with("t = 15.0000 h (00:00 the next day)"), "{}", no_drive[0].detail);
    assert_eq!(low.summary.no_driving_until_h, Some(15.0));
    assert_eq!(ketasim::readout::clinical::end_of_day_h(2.7, 9.0), 15.0);
    assert_eq!(ketasim::readout::clinical::end_of_day_h(16.0, 9.0), 39.0);

    // A 2 mg/kg bolus: more dissociation and a higher heart rate; still the full window.
    let bolus = run_sc(&{
        let mut sc = scenario("clinic-session", &TYPICAL);
        sc.doses[0].route = ketasim::pk::Route::IvBolus;
        sc.doses[0].mg_per_kg = Some(2.0);
        sc.doses[0].over_min = None;
        sc.duration_h = 12.0;
        sc
    });
    assert!(bolus.summary.peak_dissociation_cadss > low.summary.peak_dissociation_cadss);
    assert!(bolus.summary.peak_hr_bpm > low.summary.peak_hr_bpm);
    let d = bolus.summary.discharge_ready_h.expect("discharged within the session");
    assert!(d >= 2.0 - 1e-9, "bolus patient discharged at {d} h, before the 2-h window");
}

#[test]
fn madrs_course_after_one_and_after_six_infusions() {
    // Murrough 2013: MADRS −16.5 at 24 h from about 32. Kishimoto 2016: largest at about 24 h,
    // mostly gone 7–12 days after one infusion. Issue bands: 8–24 points lower at 24 h; less than
    // half of the day-1 effect left at day 10; six infusions keep the day-14 score lower.
    let one = run("stress-rescue", &[]);
    let s: &SummaryRow = &one.summary;
    assert_eq!(s.madrs_start, 32.0);
    let drop24 = s.madrs_start - s.madrs_24h.unwrap();
    assert!((8.0..=24.0).contains(&drop24), "24-h drop {drop24}");
    let drop10 = s.madrs_start - at(&one.trace, 240.0).madrs;
    assert!(drop10 < 0.5 * drop24, "day-10 effect {drop10} vs day-1 {drop24}");
    // Separation within hours: already a few points lower at 4 h.
    assert!(s.madrs_start - at(&one.trace, 4.0).madrs > 4.0);
    let six = run("six-infusions", &[]);
    assert!(at(&six.trace, 336.0).madrs < at(&one.trace, 336.0).madrs - 5.0);
}

#[test]
fn high_predose_pressure_withholds_the_dose() {
    // Monitoring protocol: withhold above SBP 140 / DBP 90, recorded as an event.
    let out = run("clinic-session", &["subject.sbp_mmhg=150"]);
    let checks = events_of(&out.events, "predose_check");
    assert_eq!(checks.len(), 1);
    assert!(checks[0].detail.contains("withheld") && checks[0].detail.contains("150"), "{}", checks[0].detail);
    assert!(events_of(&out.events, "dose_start").is_empty());
    assert!(out.trace.iter().all(|r| r.plasma_ketamine_ng_ml == 0.0));
    assert_eq!(out.summary.discharge_ready_h, None);
    // At 135 mmHg the dose goes ahead.
    let ok = run("clinic-session", &["subject.sbp_mmhg=135"]);
    assert_eq!(events_of(&ok.events, "dose_start").len(), 1);
}

#[test]
fn between_subject_variability_over_50_sessions() {
    // Yale review 2024: systolic rise 16 ± 11 mmHg; hypertensive alarms in about 1 % of sessions.
    // Issue bands: SD of the peak systolic rise 5–15 mmHg; alarm share at most 5 %.
    let mut rises = Vec::new();
    let mut alarmed = 0;
    for seed in 0..50u64 {
        let mut sc = scenario("clinic-session", &["circuit.pyramidal_neurons=10", "circuit.spines_per_pyramidal=20"]);
        sc.seed = seed;
        let out = run_sc(&sc);
        rises.push(out.summary.peak_sbp_mmhg - sc.subject.sbp_mmhg);
        if events_of(&out.events, "alarm_start").iter().any(|e| e.detail.starts_with("sbp") || e.detail.starts_with("dbp")) {
            alarmed += 1;
        }
    }
    let n = rises.len() as f64;
    let mean = rises.iter().sum::<f64>() / n;
    let sd = (rises.iter().map(|x| ketasim::math::powi(x - mean, 2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((5.0..=15.0).contains(&sd), "SD of the systolic rise {sd} (mean {mean})");
    assert!((8.0..=30.0).contains(&mean), "mean systolic rise {mean}");
    assert!(alarmed as f64 / n <= 0.05, "{alarmed} of 50 sessions alarmed");
}

#[test]
fn alarm_fires_and_clears_for_a_hypertensive_response() {
    // A subject already at 138/88 with a strong pressor response crosses 180 mmHg: alarm_start
    // names the vital and alarm_end follows; the summary counts it.
    let out = run_typical("clinic-session", &["subject.sbp_mmhg=138", "parameters.sbp_emax_mmhg=150"]);
    let starts = events_of(&out.events, "alarm_start");
    assert!(starts.iter().any(|e| e.detail.starts_with("sbp")), "{starts:?}");
    assert!(!events_of(&out.events, "alarm_end").is_empty());
    assert_eq!(out.summary.alarms as usize, starts.len());
}

#[test]
fn arketamine_dissociates_less_than_esketamine_at_equal_mg() {
    // (R)-ketamine binds the NMDA receptor's PCP site 4.7x less avidly than (S)-ketamine (Ebert et al.
    // 1997, Eur J Pharmacol 333:99: Ki 1.4 vs 0.30 uM). With the same 56 mg intranasal dose and the same
    // disposition, its peak dissociation and NMDA block are lower.
    let esk = run_typical("esketamine-intranasal", &["duration_h=6"]);
    let ark = run_typical("esketamine-intranasal", &["duration_h=6", "dose.0.drug=arketamine"]);
    let (e, a) = (&esk.summary, &ark.summary);
    assert!(a.peak_dissociation_cadss < 0.5 * e.peak_dissociation_cadss, "CADSS {} vs {}", a.peak_dissociation_cadss, e.peak_dissociation_cadss);
    assert!(a.peak_nmda_block_interneuron < e.peak_nmda_block_interneuron);
    // Same disposition: plasma exposure is the same; only the potency differs.
    assert!((a.cmax_ng_ml - e.cmax_ng_ml).abs() < 1e-9 * e.cmax_ng_ml);
}

/// Midazolam, the active placebo of Murrough 2013 (0.045 mg/kg over 40 min): a drug of the
/// catalogue with no NMDA action and none of ketamine's acute effects; no ketamine read-out moves.
#[test]
fn midazolam_active_placebo_blocks_no_nmda_receptor() {
    let out = run_typical("iv-infusion", &["duration_h=48", "dose.0.drug=midazolam", "dose.0.mg_per_kg=0.045"]);
    let s = &out.summary;
    assert_eq!(s.peak_nmda_block_interneuron, 0.0, "no NMDA block");
    assert_eq!(s.peak_dissociation_cadss, 0.0, "no dissociation");
    assert_eq!(s.cmax_ng_ml, 0.0, "no ketamine in plasma");
    // Every pathway read-out is the drug-free run's, bit for bit (the drug-free course itself drifts
    // a little with the stochastic spine turnover, so "unchanged" means "as without the drug").
    let none = run_typical("iv-infusion", &["duration_h=48", "dose.0.mg_per_kg=0"]);
    assert_eq!(s.madrs_24h, none.summary.madrs_24h, "MADRS at 24 h as without the drug");
    assert_eq!(s.spine_density_rel_24h, none.summary.spine_density_rel_24h, "spines as without the drug");
}

/// Midazolam's plasma levels against a published study: 2.5 mg IV in healthy adults gives an
/// AUC(0-inf) of 93.9 ng·h/mL (geometric mean, CV 33.8 %; Nazolam 2017, Br J Clin Pharmacol 83:721, doi
/// 10.1111/bcp.13163, Table 1). The typical subject of the Zomorodi 1998 model must lie within one
/// CV of that mean (70-126 ng·h/mL), and the AUC must equal dose / CL (mass balance).
#[test]
fn midazolam_plasma_auc_matches_published_iv_dose() {
    use ketasim::params::Params;
    use ketasim::pk::{Administration, Drug, Pharmacokinetics, Route};
    let p = Params::default();
    let dose = Administration { t_h: 0.0, drug: Drug::Midazolam, route: Route::IvBolus, mg: 2.5, duration_h: 0.0 };
    let mut pk = Pharmacokinetics::new(&p, 70.0, &[dose]);
    pk.advance_to(2000.0);
    let c = pk.concentrations();
    let mid = &pk.compounds[Drug::Midazolam.index()];
    let auc = mid.auc_ng_h_ml();
    assert!((70.0..=126.0).contains(&auc), "midazolam AUC {auc} ng·h/mL, published 93.9 (CV 33.8 %)");
    assert!((auc - 2500.0 / p.midazolam_cl_l_per_h).abs() < 1e-3 * auc, "AUC = dose / CL: {auc}");
    assert_eq!((c.plasma_ketamine_ng_ml, c.auc_ng_h_ml, c.plasma_norketamine_ng_ml), (0.0, 0.0, 0.0), "not counted as ketamine, no norketamine");
}

/// No driving after a clinic session (issue 18): never before the end of the day of the
/// discharge (the clinic's rule), and never before the drug's fit-to-drive time, at least 6 h
/// after the end of the last administration: on-road driving was not impaired 6 h (Dijkstra
/// 2022) and 8 h (van de Loo 2017) after 84 mg intranasal esketamine. A session at 12:00
/// ends its no-driving period at midnight; one at 21:00 (infusion over by 21:40) not before 03:40.
#[test]
fn no_driving_follows_the_drug_and_the_clock() {
    let noon = run("clinic-session", &["monitoring.start_clock_h=12"]).summary;
    let late = run("clinic-session", &["monitoring.start_clock_h=21"]).summary;
    let infusion_end_h = 40.0 / 60.0;
    for (s, clock) in [(&noon, 12.0), (&late, 21.0)] {
        let discharge = s.discharge_ready_h.expect("discharged within the run");
        let until = s.no_driving_until_h.expect("a no-driving time");
        assert!(until > discharge, "{clock}:00: no driving until {until} h, discharge {discharge} h");
        // Never before the end of the day of the discharge, nor before 6 h after the infusion.
        assert!(until >= 24.0 - clock - 1e-9, "{clock}:00: {until} h");
        assert!(until >= infusion_end_h + 6.0 - 1e-9, "{clock}:00: {until} h");
    }
    assert!((noon.no_driving_until_h.unwrap() - 12.0).abs() < 1e-9, "12:00 session: midnight is 12 h later");
    let late_until = late.no_driving_until_h.unwrap();
    assert!((late_until - (infusion_end_h + 6.0)).abs() < 1e-6, "21:00 session: fit to drive at 03:40, t = {late_until} h");
}

/// The fit-to-drive limit is the model's effect-site concentration 6 h after 84 mg intranasal
/// esketamine (Dijkstra 2022): after exactly that dose the drug's rule gives 6 h (the effect is
/// below the limit by then, and not sooner), whatever the session's clock.
#[test]
fn the_reference_dose_is_fit_to_drive_after_six_hours() {
    let sc = scenario("esketamine-intranasal", &["dose.0.mg=84", "duration_h=12", "monitoring.start_clock_h=0"]);
    let out = run_sc(&sc);
    let nd = out.events.iter().find(|e| e.kind == "no_driving_until").expect("discharged");
    let fit: f64 = nd.detail.split("fit to drive at t = ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|x| x.parse().ok()).expect(&nd.detail);
    assert!((fit - 6.0).abs() < 2.0 / 60.0, "fit to drive at {fit} h: {}", nd.detail);
    // The limit is the concentration 6 h after the reference dose in this subject.
    let limit = ketasim::sim::driving_limit_ng_ml(&sc.params(), sc.subject.weight_kg);
    assert!(limit > 1.0 && limit < 600.0, "limit {limit} ng/mL (below the CADSS EC50 of 600 ng/mL)");
}

/// `response_24h` means a depressive response (MADRS at most half its start at 24 h): empty for a
/// healthy subject (MADRS 5 → 2.5 is no response), set for a depressed one.
#[test]
fn response_only_for_a_depressed_subject() {
    let healthy = run("iv-infusion", &["subject.state=\"healthy\"", "duration_h=25"]).summary;
    assert_eq!(healthy.response_24h, None, "{healthy:?}");
    assert!(healthy.madrs_24h.is_some());
    let depressed = run("iv-infusion", &["duration_h=25"]).summary;
    assert!(depressed.response_24h.is_some(), "{depressed:?}");
}

/// The rise of `f` over its value at t = 0 at the sample nearest `t_h`.
fn rise(trace: &[TraceRow], t_h: f64, f: impl Fn(&TraceRow) -> f64) -> f64 {
    f(&at(trace, t_h)) - f(&trace[0])
}

/// Acute effects resolve on their published time scale after intranasal esketamine (issue 13,
/// "acute effects with memory"). Spravato label (section 5 and 6.1) and J&J medical information
/// (2024): dissociation peaks at about 40 min after the dose and generally resolves by 1.5 h; blood
/// pressure peaks at about 40 min, the mean placebo-adjusted systolic rise is about 7-9 mmHg at 40 min
/// and 2-5 mmHg at 1.5 h (diastolic 4-6 and 1-3 mmHg), across the 56 and 84 mg doses. Plasma
/// esketamine at 1.5 h is still about 80 % of its peak, so the fast resolution needs the acute
/// tolerance (a memoryless Emax model kept 82 % of the CADSS peak at 1.5 h).
/// Bands: CADSS peak within 0.25-0.9 h and the 40-min value at least 80 % of it, below a quarter of
/// its peak at 1.5 h; systolic rise at 40 min,
/// averaged over 56 and 84 mg, within 7-9 mmHg; at 1.5 h within 2-5 mmHg (same average) and at most
/// 70 % of the 40-min rise; diastolic at 40 min within 4-6 mmHg (same average).
#[test]
fn esketamine_acute_effects_resolve_by_ninety_minutes() {
    let (mut s40, mut s90, mut d40) = (0.0, 0.0, 0.0);
    for mg in ["56", "84"] {
        let dose = format!("dose.0.mg={mg}");
        let out = run_typical("esketamine-intranasal", &["duration_h=4", "numerics.sample_every_min=1", &dose]);
        let t = &out.trace;
        // The label's "peak at 40 min" comes from ratings before, at 40 min and at 1.5 h after the
        // dose: the 40-min rating is near the continuous peak, which falls inside the first hour.
        let (c, tc) = peak(t, |r| r.dissociation_cadss);
        assert!((0.25..=0.9).contains(&tc), "{mg} mg: CADSS peak at {tc} h");
        assert!(at(t, 2.0 / 3.0).dissociation_cadss >= 0.8 * c, "{mg} mg: CADSS {} at 40 min vs peak {c}", at(t, 2.0 / 3.0).dissociation_cadss);
        let c90 = at(t, 1.5).dissociation_cadss;
        assert!(c90 < 0.25 * c, "{mg} mg: CADSS {c90} at 1.5 h vs peak {c}");
        let (r40, r90) = (rise(t, 2.0 / 3.0, |r| r.sbp_mmhg), rise(t, 1.5, |r| r.sbp_mmhg));
        assert!(r90 <= 0.7 * r40, "{mg} mg: systolic +{r90} at 1.5 h vs +{r40} at 40 min");
        s40 += r40 / 2.0;
        s90 += r90 / 2.0;
        d40 += rise(t, 2.0 / 3.0, |r| r.dbp_mmhg) / 2.0;
    }
    assert!((7.0..=9.0).contains(&s40), "systolic rise at 40 min {s40} (label 7-9)");
    assert!((2.0..=5.0).contains(&s90), "systolic rise at 1.5 h {s90} (label 2-5)");
    assert!((4.0..=6.0).contains(&d40), "diastolic rise at 40 min {d40} (label 4-6)");
}

/// After a 0.5 mg/kg infusion over 40 min, dissociation returns to baseline 80-120 min after the
/// start: Murrough 2013 and Zarate 2006 measured CADSS/BPRS at 40 min (the peak) and found it back to
/// baseline at the next ratings (80-120 min). Band: below 10 % of the peak at 80 min and below one
/// CADSS point from 2 h.
#[test]
fn infusion_dissociation_back_to_baseline_by_two_hours() {
    let out = run_typical("clinic-session", &[]);
    let (c, _) = peak(&out.trace, |r| r.dissociation_cadss);
    assert!(at(&out.trace, 80.0 / 60.0).dissociation_cadss < 0.1 * c, "80 min: {} of {c}", at(&out.trace, 80.0 / 60.0).dissociation_cadss);
    for r in out.trace.iter().filter(|r| r.time_h >= 2.0) {
        assert!(r.dissociation_cadss < 1.0, "CADSS {} at {} h", r.dissociation_cadss, r.time_h);
    }
}

/// Acute tolerance (clockwise hysteresis): at the same concentration, dissociation and the pressor
/// response are lower on the falling limb than on the rising limb. A slow triangle of brain
/// concentration (0 to 200 ng/mL over 12 h and back over 12 h) passes 100 ng/mL twice; at the
/// later passage the tolerance compartments are fuller. Without tolerance (rate 0) the loop turns
/// the other way (counterclockwise: only the effect-compartment lag, which lifts the falling limb).
#[test]
fn acute_tolerance_gives_clockwise_hysteresis() {
    use ketasim::params::Params;
    use ketasim::readout::clinical::{AcuteState, Sensitivity};
    let sc = scenario("clinic-session", &[]);
    let passages = |p: &Params| {
        let (mut a, dt) = (AcuteState::default(), 1.0 / 60.0);
        let mut out = Vec::new();
        for i in 1..=1440 {
            let t = i as f64 * dt;
            let c = if t <= 12.0 { 200.0 * t / 12.0 } else { 200.0 * (24.0 - t) / 12.0 };
            a.advance(c, dt, p);
            if i == 360 || i == 1080 {
                out.push((c, a.vitals(c, &sc.subject, &Sensitivity::TYPICAL, 1.0, p)));
            }
        }
        out
    };
    let with = passages(&Params::default());
    assert!((with[0].0 - 100.0).abs() < 1e-9 && (with[1].0 - 100.0).abs() < 1e-9);
    assert!(with[1].1.dissociation_cadss < 0.7 * with[0].1.dissociation_cadss, "CADSS {} rising vs {} falling", with[0].1.dissociation_cadss, with[1].1.dissociation_cadss);
    assert!(with[1].1.sbp_mmhg < with[0].1.sbp_mmhg, "SBP {} rising vs {} falling", with[0].1.sbp_mmhg, with[1].1.sbp_mmhg);
    let none = passages(&Params { dissociation_tolerance_per_h: 0.0, pressor_tolerance_per_h: 0.0, dissociation_attenuation_per_h: 0.0, ..Params::default() });
    let (up, down) = (none[0].1.dissociation_cadss, none[1].1.dissociation_cadss);
    assert!(down > up, "no tolerance: CADSS {up} rising vs {down} falling (only the effect-site lag)");
}

/// Between-session attenuation over the induction phase (Spravato label; Chen 2022, TRANSFORM-2
/// post hoc: mean peak CADSS decreased significantly across consecutive doses, fewer patients had
/// CADSS > 4 after the last dose, day 25, than after the first). Dissociation persists under
/// maintenance (Spravato label: dissociation reported throughout SUSTAIN-1), so it is attenuated, not
/// abolished. Band: the last session's peak below 85 % and above 30 % of the first 84-mg session's
/// (day 4), falling from session to session; blood pressure does not attenuate (label: a large rise
/// can come at any session).
#[test]
fn dissociation_attenuates_over_the_induction_phase() {
    let sc = scenario("spravato-induction", &TYPICAL.iter().copied().chain(["circuit.pyramidal_neurons=10", "circuit.interneurons=3"]).collect::<Vec<_>>());
    let out = run_sc(&sc);
    let doses = ketasim::readout::doses::dose_rows(&sc, &out.trace, &out.events);
    assert_eq!(doses.len(), 8, "eight induction sessions");
    let peaks: Vec<f64> = doses.iter().map(|d| d.peak_dissociation_cadss).collect();
    let (first84, last) = (peaks[1], peaks[7]);
    assert!(last < 0.85 * first84 && last > 0.3 * first84, "CADSS peaks per session {peaks:?}");
    for w in peaks[1..].windows(2) {
        assert!(w[1] <= w[0] + 1e-9, "CADSS peaks per session {peaks:?}");
    }
    let sbp: Vec<f64> = doses.iter().map(|d| d.peak_sbp_mmhg).collect();
    assert!((sbp[7] - sbp[1]).abs() < 0.05 * (sbp[1] - sc.subject.sbp_mmhg), "systolic peaks per session {sbp:?}");
}

/// Analytic: with the brain concentration held constant, every effect compartment relaxes
/// exponentially to it (exact step), the tolerance compartment follows, and the steady state is
/// the memoryless Emax with the EC50 shifted by (1 + C / K).
#[test]
fn acute_state_relaxes_to_the_shifted_steady_state() {
    use ketasim::params::Params;
    use ketasim::readout::clinical::{AcuteState, Sensitivity};
    let p = Params { dissociation_attenuation_per_h: 0.0, ..Params::default() };
    let sc = scenario("clinic-session", &[]);
    let c = 150.0;
    let mut a = AcuteState::default();
    a.advance(c, 0.5, &p);
    let expect = c * (1.0 - ketasim::math::exp(-p.dissociation_ke0_per_h * 0.5));
    assert!((a.ce_dissociation_ng_ml - expect).abs() < 1e-9 * c, "{} vs {expect}", a.ce_dissociation_ng_ml);
    // Two half steps equal one whole step (the update is exact).
    let mut b = AcuteState::default();
    b.advance(c, 0.25, &p);
    b.advance(c, 0.25, &p);
    assert!((a.ce_pressor_ng_ml - b.ce_pressor_ng_ml).abs() < 1e-9 * c);
    for _ in 0..200 {
        a.advance(c, 1.0, &p);
    }
    let v = a.vitals(c, &sc.subject, &Sensitivity::TYPICAL, 1.0, &p);
    let shifted = p.cadss_ec50_ng_ml * (1.0 + c / p.dissociation_tolerance_ng_ml);
    let h = ketasim::math::powf(c, p.cadss_hill) / (ketasim::math::powf(c, p.cadss_hill) + ketasim::math::powf(shifted, p.cadss_hill));
    assert!((v.dissociation_cadss - 92.0 * h).abs() < 1e-6, "{} vs {}", v.dissociation_cadss, 92.0 * h);
}

/// Spines, not protein, carry the sustained effect. Moda-Sava 2019 (Science 364:eaat8078): the
/// antidepressant effect is induced before new spines form (deleting them does not undo it) but its
/// maintenance needs the spines formed after the dose. Band: of the antidepressant drive of one
/// infusion in a stressed subject (`stress-rescue`), the spine part is more than half at 72 h, and
/// the protein part more than 90 % at 4 h (induction without new spines).
#[test]
fn spines_carry_the_sustained_effect_by_72_hours() {
    let out = run("stress-rescue", &["duration_h=80"]);
    let p = ketasim::params::Params::default();
    let first = out.trace[0];
    let parts = |h: f64| {
        let r = at(&out.trace, h);
        ketasim::readout::clinical::madrs_drive_parts(r.synaptic_protein_rel, first.synaptic_protein_rel, r.spine_density_rel, first.spine_density_rel, &p)
    };
    let (p72, s72) = parts(72.0);
    assert!(s72 / (p72 + s72) > 0.5, "spine share at 72 h {} (protein {p72}, spines {s72})", s72 / (p72 + s72));
    let (p4, s4) = parts(4.0);
    assert!(p4 / (p4 + s4) > 0.9, "protein share at 4 h {} (protein {p4}, spines {s4})", p4 / (p4 + s4));
}

/// The blood-pressure readings a trial measures (`RunOutput::bp_readings`) are the model's pressure
/// at the label's times: before every administration given (the subject's baseline when no drug
/// is on board) and 40 min and 1.5 h after its start (Spravato label: reassess at about 40 min;
/// large rises counted in the first 1.5 h). Checked against the trace sampled every 5 min, which
/// has rows at exactly those times, for the first two sessions of the induction.
#[test]
fn bp_readings_are_the_model_pressure_at_the_label_times() {
    let out = run("spravato-induction", &["duration_h=86", "numerics.dt_s=60", "numerics.sample_every_min=5"]);
    let r = &out.bp_readings;
    assert_eq!(r.len(), 6, "{r:?}");
    for (k, t0) in [(0usize, 0.0), (1, 84.0)] {
        let of = |after: f64| r.iter().find(|x| x.administration == k && (x.after_h - after).abs() < 1e-9).unwrap();
        let pre = of(0.0);
        let row0 = at(&out.trace, t0);
        assert!((row0.time_h - t0).abs() < 1e-9);
        assert!((pre.sbp_mmhg - row0.sbp_mmhg).abs() < 0.01, "pre-dose {} vs trace {}", pre.sbp_mmhg, row0.sbp_mmhg);
        for after in ketasim::readout::clinical::BP_CHECK_AFTER_H {
            let row = at(&out.trace, t0 + after);
            assert!((row.time_h - (t0 + after)).abs() < 1e-9, "no trace row at {}", t0 + after);
            let x = of(after);
            assert_eq!((x.sbp_mmhg, x.dbp_mmhg), (row.sbp_mmhg, row.dbp_mmhg), "session {k}, {after} h");
        }
        // The 40-min reading is near the peak: well above the pre-dose reading.
        assert!(of(BP_40).sbp_mmhg > pre.sbp_mmhg + 3.0, "{:?}", of(BP_40));
    }
}

const BP_40: f64 = 40.0 / 60.0;
