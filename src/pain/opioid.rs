//! Morphine: a second drug class with its own linear pharmacokinetics and μ-opioid effects.
//!
//! # Pharmacokinetics (two compartments, oral depot, effect site)
//! Amounts in mg, volumes in L, time in h; volumes and clearances scale with `weight_kg / 70`:
//!
//! ```text
//! d depot/dt = −ka · depot                                          (oral)
//! dA1/dt     = F ka depot − (k10 + k12) A1 + k21 A2 + R_inf(t)       k10 = CL/V1, k12 = Q/V1, k21 = Q/V2
//! dA2/dt     = k12 A1 − k21 A2
//! dCe/dt     = ke0 (A1/V1 − Ce),   ke0 = ln 2 / t½,ke0               (slow: hours, Lötsch 2001)
//! ```
//! The system is linear with the infusion rate as a constant state, so one matrix exponential per
//! step length integrates it exactly (crate::pk::linear). Doses are applied at the start of the
//! step that contains them.
//!
//! # Pharmacodynamics at μ receptors
//! ```text
//! occ  = H(Ce; C50, n)                          receptor drive (tolerance-free)
//! A    = Emax · H(Ce; C50·(1 + T), n)           analgesia: fraction of WDR output removed
//! dT/dt = (T_floor + T_max · occ · (1 − b) − T) / τ_T       acute tolerance, NMDA-dependent
//! ΔSpO2 = ΔSpO2_max · H(Ce; C50_resp·(1 + T), n_resp)   respiratory depression (subtracted from SpO2)
//! ```
//! Opioid-induced hyperalgesia enters the sensitization target (`dorsal_horn`), gated by
//! `1 − b` like tolerance: the NMDA block that ketamine adds counters both.

use crate::params::Params;
use crate::pathway::hill;
use crate::pk::linear::Matrix;
use crate::units::NG_ML_PER_MG_L;

const DEPOT: usize = 0;
const A1: usize = 1;
const A2: usize = 2;
const CE: usize = 3;
const RATE: usize = 4;
const N: usize = 5;

/// The morphine PK state of one subject.
#[derive(Debug, Clone)]
pub struct MorphinePk {
    x: [f64; N],
    m: Matrix,
    v1_l: f64,
    f_oral: f64,
    /// Cached step propagator `exp(M h)` and its `h`.
    phi: Option<(f64, Matrix)>,
}

impl MorphinePk {
    /// The morphine model of a subject of `weight_kg` (volumes and clearances scaled from 70 kg), with no drug yet.
    pub fn new(p: &Params, weight_kg: f64) -> Self {
        let s = weight_kg / 70.0;
        let (v1, v2, cl, q) = (p.morphine_v1_l * s, p.morphine_v2_l * s, p.morphine_cl_l_per_h * s, p.morphine_q_l_per_h * s);
        let (k10, k12, k21) = (cl / v1, q / v1, q / v2);
        let ke0 = std::f64::consts::LN_2 / p.morphine_ke0_half_life_h;
        let ka = p.morphine_ka_oral_per_h;
        let f = p.morphine_bioavailability_oral;
        let mut m = Matrix::zeros(N);
        m.add_at(DEPOT, DEPOT, -ka);
        m.add_at(A1, DEPOT, f * ka);
        m.add_at(A1, A1, -(k10 + k12));
        m.add_at(A1, A2, k21);
        m.add_at(A1, RATE, 1.0);
        m.add_at(A2, A1, k12);
        m.add_at(A2, A2, -k21);
        m.add_at(CE, A1, ke0 / v1);
        m.add_at(CE, CE, -ke0);
        Self { x: [0.0; N], m, v1_l: v1, f_oral: f, phi: None }
    }

    /// Give an IV bolus of `mg` morphine (into the central compartment).
    pub fn bolus_iv(&mut self, mg: f64) {
        self.x[A1] += mg;
    }
    /// Give `mg` oral morphine (into the gut depot; the bioavailable fraction reaches plasma).
    pub fn oral(&mut self, mg: f64) {
        self.x[DEPOT] += mg;
    }
    /// Change the infusion rate by `mg_per_h` (negative at the end of an infusion).
    pub fn add_rate(&mut self, mg_per_h: f64) {
        self.x[RATE] = (self.x[RATE] + mg_per_h).max(0.0);
    }
    /// Current infusion rate, mg/h.
    pub fn rate_mg_per_h(&self) -> f64 {
        self.x[RATE]
    }
    /// Oral bioavailability (fraction).
    pub fn oral_bioavailability(&self) -> f64 {
        self.f_oral
    }

    /// Advance the state exactly by `h` hours (no change for `h ≤ 0`).
    pub fn advance(&mut self, h: f64) {
        if h <= 0.0 {
            return;
        }
        if self.phi.as_ref().is_none_or(|(ph, _)| *ph != h) {
            self.phi = Some((h, self.m.expm(h)));
        }
        let (_, phi) = self.phi.as_ref().expect("set above");
        let mut y = [0.0; N];
        phi.apply(&self.x, &mut y);
        self.x = y;
    }

    /// Plasma morphine, ng/mL.
    pub fn plasma_ng_ml(&self) -> f64 {
        self.x[A1] / self.v1_l * NG_ML_PER_MG_L
    }
    /// Effect-site morphine, ng/mL.
    pub fn effect_ng_ml(&self) -> f64 {
        self.x[CE] * NG_ML_PER_MG_L
    }
    /// Morphine in the central and peripheral compartments, mg (the gut depot excluded).
    pub fn amount_in_body_mg(&self) -> f64 {
        self.x[A1] + self.x[A2]
    }
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

    #[test]
    fn iv_bolus_mass_balance_and_terminal_half_life() {
        let p = Params::default();
        let mut pk = MorphinePk::new(&p, 70.0);
        pk.bolus_iv(10.0);
        // Initial plasma concentration = dose / V1.
        assert!((pk.plasma_ng_ml() - 10.0 / p.morphine_v1_l * 1000.0).abs() < 1e-9);
        for _ in 0..240 {
            pk.advance(0.1);
        }
        // Terminal phase: half-life between 2 and 4 h (Stanski 1978: about 3 h).
        let c1 = pk.plasma_ng_ml();
        pk.advance(1.0);
        let c2 = pk.plasma_ng_ml();
        let t_half = std::f64::consts::LN_2 / crate::math::ln(c1 / c2);
        assert!((2.0..4.0).contains(&t_half), "terminal half-life {t_half} h");
        assert!(pk.amount_in_body_mg() < 10.0 && pk.amount_in_body_mg() > 0.0);
    }

    #[test]
    fn effect_site_lags_by_hours() {
        let p = Params::default();
        let mut pk = MorphinePk::new(&p, 70.0);
        pk.bolus_iv(10.0);
        let (mut t_peak, mut peak, mut t) = (0.0, 0.0, 0.0);
        for _ in 0..600 {
            pk.advance(0.01);
            t += 0.01;
            if pk.effect_ng_ml() > peak {
                (peak, t_peak) = (pk.effect_ng_ml(), t);
            }
        }
        assert!(t_peak > 0.5, "effect-site peak at {t_peak} h: morphine equilibrates slowly");
    }

    #[test]
    fn infusion_reaches_css_of_rate_over_clearance() {
        let p = Params::default();
        let mut pk = MorphinePk::new(&p, 70.0);
        pk.add_rate(2.0);
        pk.advance(100.0);
        let css = 2.0 / p.morphine_cl_l_per_h * 1000.0;
        assert!((pk.plasma_ng_ml() - css).abs() < 1e-6 * css, "{} vs {css}", pk.plasma_ng_ml());
        assert!((pk.effect_ng_ml() - css).abs() < 1e-6 * css);
    }

    #[test]
    fn oral_bioavailability_is_f() {
        // AUC after oral = F × AUC after the same IV dose (linear kinetics): compare amounts
        // cleared by integrating the plasma concentration.
        let p = Params::default();
        let auc = |oral: bool| {
            let mut pk = MorphinePk::new(&p, 70.0);
            if oral { pk.oral(30.0) } else { pk.bolus_iv(30.0) }
            let mut a = 0.0;
            for _ in 0..20_000 {
                let c0 = pk.plasma_ng_ml();
                pk.advance(0.005);
                a += 0.5 * (c0 + pk.plasma_ng_ml()) * 0.005;
            }
            a
        };
        let ratio = auc(true) / auc(false);
        assert!((ratio - p.morphine_bioavailability_oral).abs() < 0.01, "{ratio}");
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
