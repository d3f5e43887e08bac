//! What a trial observes beyond the drug: an expectancy (placebo) response with its own time
//! course, an optional slow background improvement (e.g. a newly started oral antidepressant in
//! both arms of an esketamine trial), and visit-level measurement noise of the MADRS rating.
//!
//! ```text
//! E_i(t)   = e_i · a · max over visits v ≤ t of (1 − exp(−(t − t_v)/τ_on)) · exp(−(t − t_v)/τ_off)
//! B_i(t)   = b_i · (1 − exp(−t/τ_bg))
//! MADRS_obs = clamp(MADRS_drug(t) · (1 − E_i(t)) · (1 − B_i(t)) + ε,  0, 60),   ε ~ N(0, σ²)
//! ```
//!
//! `e_i` (expectancy fraction) and `b_i` (background fraction) are the subject's traits, normal
//! draws truncated to [0, 0.9] from `rng::stream(trial_seed, subject, Purpose::TrialPlacebo)`;
//! `a` is the arm's `expectancy` (1 for an active drug or an active placebo that keeps the blind,
//! less for saline, whose lack of effects unblinds most patients). `ε` is drawn per (subject, arm,
//! visit time) from `Purpose::TrialVisitNoise`. The baseline rating is the inclusion score itself
//! (no noise). Values are in `docs/trial.md` with their sources.

use serde::Serialize;

use crate::error::Result;
use crate::rng::{self, Purpose};
use crate::scenario::reader::{TableReader, check_range};
use crate::units::MINUTES_PER_HOUR;

use super::population::normal;

/// The trial's placebo and rating model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Placebo {
    /// Mean and SD of the expectancy fraction e_i (fraction of the MADRS removed at its peak).
    pub expectancy_mean: f64,
    /// SD of the expectancy fraction e_i between subjects.
    pub expectancy_sd: f64,
    /// Onset and offset time constants of the expectancy response after each visit, h.
    pub onset_h: f64,
    /// Offset time constant of the expectancy response after each visit, h.
    pub offset_h: f64,
    /// Mean and SD of the background fraction b_i, and its time constant, h.
    pub background_mean: f64,
    /// SD of the background fraction b_i between subjects.
    pub background_sd: f64,
    /// Time constant of the background response, h.
    pub background_tau_h: f64,
    /// SD of the MADRS rating error at each visit, points.
    pub noise_sd: f64,
}

impl Default for Placebo {
    fn default() -> Self {
        Self {
            expectancy_mean: 0.4,
            expectancy_sd: 0.25,
            onset_h: 2.0,
            offset_h: 336.0,
            background_mean: 0.0,
            background_sd: 0.0,
            background_tau_h: 336.0,
            noise_sd: 2.0,
        }
    }
}

/// (key, lower, upper, unit) of every `[placebo]` key.
pub const KEYS: &[(&str, f64, f64, &str)] = &[
    ("expectancy_mean", 0.0, 0.9, "fraction of baseline MADRS"),
    ("expectancy_sd", 0.0, 0.5, "fraction"),
    ("onset_h", 0.01, 1000.0, "h"),
    ("offset_h", 0.1, 1e5, "h"),
    ("background_mean", 0.0, 0.9, "fraction of baseline MADRS"),
    ("background_sd", 0.0, 0.5, "fraction"),
    ("background_tau_h", 0.1, 1e5, "h"),
    ("noise_sd", 0.0, 20.0, "MADRS points"),
];

impl Placebo {
    fn slot(&mut self, key: &str) -> &mut f64 {
        match key {
            "expectancy_mean" => &mut self.expectancy_mean,
            "expectancy_sd" => &mut self.expectancy_sd,
            "onset_h" => &mut self.onset_h,
            "offset_h" => &mut self.offset_h,
            "background_mean" => &mut self.background_mean,
            "background_sd" => &mut self.background_sd,
            "background_tau_h" => &mut self.background_tau_h,
            "noise_sd" => &mut self.noise_sd,
            _ => unreachable!("every placebo key has a slot"),
        }
    }

    /// Read a `[placebo]` table over the defaults.
    pub fn read(t: &toml::Table) -> Result<Self> {
        let names: Vec<&'static str> = KEYS.iter().map(|k| k.0).collect();
        let r = TableReader::new("placebo", t, &names);
        r.deny_unknown()?;
        let mut p = Self::default();
        for &(k, lo, hi, unit) in KEYS {
            if let Some(v) = r.f64_opt(k)? {
                check_range(&format!("placebo.{k}"), v, lo, hi, false, unit)?;
                *p.slot(k) = v;
            }
        }
        Ok(p)
    }

    /// The subject's (expectancy, background) traits.
    pub fn traits(&self, seed: u64, subject: u64) -> (f64, f64) {
        let mut r = rng::stream(seed, subject, Purpose::TrialPlacebo);
        let mut trunc = |mean: f64, sd: f64| {
            let z = normal(&mut r);
            (mean + sd * z).clamp(0.0, 0.9)
        };
        let e = trunc(self.expectancy_mean, self.expectancy_sd);
        let b = trunc(self.background_mean, self.background_sd);
        (e, b)
    }

    /// The fraction of the MADRS removed by expectancy at `t_h`, given the visit times.
    pub fn expectancy(&self, e: f64, arm_scale: f64, visits: &[f64], t_h: f64) -> f64 {
        let mut best: f64 = 0.0;
        for &v in visits.iter().filter(|&&v| v <= t_h + 1e-9) {
            let d = (t_h - v).max(0.0);
            best = best.max((1.0 - crate::math::exp(-d / self.onset_h)) * crate::math::exp(-d / self.offset_h));
        }
        (e * arm_scale * best).clamp(0.0, 0.95)
    }

    /// The fraction removed by the background improvement at `t_h`.
    pub fn background(&self, b: f64, t_h: f64) -> f64 {
        b * (1.0 - crate::math::exp(-t_h.max(0.0) / self.background_tau_h))
    }

    /// The observed rating at `t_h` (noise keyed by subject, arm and time in minutes).
    #[allow(clippy::too_many_arguments)]
    pub fn observed(&self, madrs_drug: f64, traits: (f64, f64), arm_scale: f64, visits: &[f64], t_h: f64, seed: u64, subject: u64, arm: u64) -> f64 {
        let e = self.expectancy(traits.0, arm_scale, visits, t_h);
        let b = self.background(traits.1, t_h);
        let key = rng::stream_key(seed, subject.wrapping_mul(1 << 16).wrapping_add(arm), Purpose::TrialVisitNoise);
        let minute = (t_h * MINUTES_PER_HOUR).round() as u64;
        let mut r = rng::stream_at(key, minute);
        let eps = if self.noise_sd > 0.0 { self.noise_sd * normal(&mut r) } else { 0.0 };
        (madrs_drug * (1.0 - e) * (1.0 - b) + eps).clamp(0.0, 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectancy_rises_then_fades() {
        let p = Placebo::default();
        assert_eq!(p.expectancy(0.3, 1.0, &[10.0], 5.0), 0.0);
        let at24 = p.expectancy(0.3, 1.0, &[0.0], 24.0);
        let at168 = p.expectancy(0.3, 1.0, &[0.0], 168.0);
        let expect = |t: f64| 0.3 * (1.0 - crate::math::exp(-t / p.onset_h)) * crate::math::exp(-t / p.offset_h);
        assert!((at24 - expect(24.0)).abs() < 1e-12 && (at168 - expect(168.0)).abs() < 1e-12, "{at24} {at168}");
        assert!(at168 < at24, "{at168}");
        // A second visit restarts the response; the arm's factor scales it.
        assert!(p.expectancy(0.3, 1.0, &[0.0, 160.0], 168.0) > at168);
        assert!((p.expectancy(0.3, 0.5, &[0.0], 24.0) - at24 / 2.0).abs() < 1e-12);
    }
}
