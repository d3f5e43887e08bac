//! Measured blood pressure in a trial: the model's pressure at the label's measurement times plus
//! reading noise, and the Spravato label's large rise counted on those readings.
//!
//! A run records the model's (noiseless) pressure before each administration given and
//! [`BP_CHECK_AFTER_H`] (40 min and 1.5 h) after its start ([`BpReading`]). A trial measures it:
//!
//! ```text
//! SBP_meas,j = SBP_model(t_j) + σ_S · ε_j      DBP_meas,j = DBP_model(t_j) + σ_D · η_j
//! ε_j, η_j ~ N(0, 1), independent for every reading j
//! rise_k  = max over the post-dose readings j of administration k of (meas_j − meas_pre,k)
//! large   = some k with SBP rise_k ≥ 40 mmHg or DBP rise_k ≥ 25 mmHg
//! ```
//!
//! `σ_S` and `σ_D` are `bp_reading_sd_sbp_mmhg` and `bp_reading_sd_dbp_mmhg`, the within-visit
//! (reading-to-reading) SDs of office blood pressure in adults (Muntner 2012; Papaioannou 2020).
//! The rise is counted from the pre-dose reading of the same administration, as the label counts
//! rises "in the first 1.5 hours after administration"; a rise of pure noise then has SD
//! `σ·√2`, and the two rises of one administration share the pre-dose reading (correlation ½).
//! Day-to-day (visit-to-visit) variability of the subject's level is not added: an offset shared
//! by the readings of one visit cancels in a rise from that visit's pre-dose reading.
//!
//! The noise of reading `j` (slot 0 pre-dose, 1 and 2 after) of administration `k` is drawn from
//! `rng::stream_at(key, 4k + j)`, `key` = [`noise_key`] of (trial seed, person, arm), so that it
//! does not depend on the order in which subjects run.
//!
//! [`BP_CHECK_AFTER_H`]: crate::readout::clinical::BP_CHECK_AFTER_H

use serde::{Deserialize, Serialize};

use crate::readout::clinical::{BP_CHECK_AFTER_H, BpReading};
use crate::rng::{self, Purpose};

use super::population::normal;
use super::trial::large_bp_rise;

/// The largest measured rises of one subject over every administration given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRise {
    /// Largest systolic rise over its administration's pre-dose reading, mmHg.
    pub sbp_mmhg: f64,
    /// Largest diastolic rise over its administration's pre-dose reading, mmHg.
    pub dbp_mmhg: f64,
    /// Some administration rose by at least 40 mmHg systolic and/or 25 mmHg diastolic
    /// ([`large_bp_rise`]).
    pub large: bool,
}

/// The key of a subject's reading-noise stream in one arm (as the MADRS rating noise keys its own).
pub fn noise_key(trial_seed: u64, person: u64, arm: u64) -> u64 {
    rng::stream_key(trial_seed, person.wrapping_mul(1 << 16).wrapping_add(arm), Purpose::TrialBpNoise)
}

/// The slot of a reading taken `after_h` after the start of its administration: 0 for the
/// pre-dose reading, `1 + i` for [`BP_CHECK_AFTER_H`]`[i]`.
fn slot(after_h: f64) -> u64 {
    BP_CHECK_AFTER_H.iter().position(|&a| (a - after_h).abs() < 1e-9).map_or(0, |i| i as u64 + 1)
}

/// A reading with its noise: (systolic, diastolic), mmHg.
pub fn measured(r: &BpReading, sd_sbp_mmhg: f64, sd_dbp_mmhg: f64, key: u64) -> (f64, f64) {
    let mut g = rng::stream_at(key, 4 * r.administration as u64 + slot(r.after_h));
    let (e, h) = (normal(&mut g), normal(&mut g));
    (r.sbp_mmhg + sd_sbp_mmhg * e, r.dbp_mmhg + sd_dbp_mmhg * h)
}

/// The largest measured rises over every administration with a pre-dose and at least one
/// post-dose reading (`None`: there is none, e.g. no dose given).
pub fn measured_rises(readings: &[BpReading], sd_sbp_mmhg: f64, sd_dbp_mmhg: f64, key: u64) -> Option<MeasuredRise> {
    let mut out: Option<MeasuredRise> = None;
    for pre in readings.iter().filter(|r| r.after_h == 0.0) {
        let (s0, d0) = measured(pre, sd_sbp_mmhg, sd_dbp_mmhg, key);
        for post in readings.iter().filter(|r| r.administration == pre.administration && r.after_h > 0.0) {
            let (s, d) = measured(post, sd_sbp_mmhg, sd_dbp_mmhg, key);
            let (ds, dd) = (s - s0, d - d0);
            let m = out.get_or_insert(MeasuredRise { sbp_mmhg: ds, dbp_mmhg: dd, large: false });
            m.sbp_mmhg = m.sbp_mmhg.max(ds);
            m.dbp_mmhg = m.dbp_mmhg.max(dd);
            m.large |= large_bp_rise(ds, dd);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(k: usize, pre: f64, at40: f64, at90: f64) -> [BpReading; 3] {
        let r = |after_h, sbp: f64| BpReading { administration: k, after_h, sbp_mmhg: sbp, dbp_mmhg: sbp - 40.0 };
        [r(0.0, pre), r(BP_CHECK_AFTER_H[0], at40), r(BP_CHECK_AFTER_H[1], at90)]
    }

    #[test]
    fn without_noise_the_rise_is_the_model_rise() {
        let mut rs = session(0, 120.0, 150.0, 130.0).to_vec();
        rs.extend(session(1, 120.0, 161.0, 125.0));
        let m = measured_rises(&rs, 0.0, 0.0, 7).unwrap();
        assert_eq!((m.sbp_mmhg, m.dbp_mmhg, m.large), (41.0, 41.0, true));
        let m = measured_rises(&session(0, 120.0, 150.0, 130.0), 0.0, 0.0, 7).unwrap();
        assert_eq!((m.sbp_mmhg, m.large), (30.0, true), "a diastolic rise of 30 >= 25 is large");
        assert!(measured_rises(&rs[..1], 0.0, 0.0, 7).is_none(), "no post-dose reading: no rise");
    }

    /// Drug-free readings: each rise is the difference of two readings, N(0, 2σ²), and the two
    /// rises of one administration share the pre-dose reading, so their correlation is ½. Checked
    /// on 200,000 administrations within 4 standard errors.
    #[test]
    fn a_drug_free_rise_has_sd_sigma_root_2_and_correlation_one_half() {
        let (sd, n) = (4.2, 200_000usize);
        let key = noise_key(11, 3, 1);
        let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for k in 0..n {
            let s = session(k, 120.0, 120.0, 120.0);
            let m = |r: &BpReading| measured(r, sd, sd, key).0;
            a.push(m(&s[1]) - m(&s[0]));
            b.push(m(&s[2]) - m(&s[0]));
        }
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        let (ma, mb) = (mean(&a), mean(&b));
        let var = |x: &[f64], m: f64| x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64;
        let (va, vb) = (var(&a, ma), var(&b, mb));
        let cov = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (n - 1) as f64;
        let target = 2.0 * sd * sd;
        let nf = n as f64;
        assert!(ma.abs() < 4.0 * (target / nf).sqrt(), "mean rise {ma}");
        assert!((va - target).abs() < 4.0 * target * (2.0 / nf).sqrt(), "variance {va}, expected {target}");
        assert!((vb - target).abs() < 4.0 * target * (2.0 / nf).sqrt(), "variance {vb}, expected {target}");
        let rho = cov / (va * vb).sqrt();
        // SE of a correlation coefficient: (1 − ρ²)/√n.
        assert!((rho - 0.5).abs() < 4.0 * 0.75 / nf.sqrt(), "correlation {rho}");
    }

    #[test]
    fn readings_are_keyed_not_ordered() {
        let s = session(2, 120.0, 150.0, 130.0);
        let key = noise_key(5, 9, 0);
        let fwd = measured_rises(&s, 4.2, 3.65, key);
        let rev: Vec<BpReading> = s.iter().rev().copied().collect();
        assert_eq!(fwd, measured_rises(&rev, 4.2, 3.65, key));
        assert_ne!(measured(&s[1], 4.2, 3.65, key), measured(&s[1], 4.2, 3.65, noise_key(5, 9, 1)), "arms differ");
    }
}
