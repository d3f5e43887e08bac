//! Patient-controlled analgesia: demands, lockout, 1-h and 4-h limits.
//!
//! The virtual patient presses the button while pain at rest is at least `demand_nrs`, at most once
//! every `retry_min`. A demand is granted when the lockout since the last dose given has passed
//! and neither the 1-h nor the 4-h limit (morphine given in the trailing window, this bolus
//! included) would be exceeded. Every demand and every dose given is an event.

use super::scenario::Pca;
use crate::units::MINUTES_PER_HOUR;

/// Why a demand was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The lockout since the last dose given has not passed.
    Lockout,
    /// The bolus would exceed the 1-h limit.
    Limit1h,
    /// The bolus would exceed the 4-h limit.
    Limit4h,
}

/// The outcome of one demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// A bolus of this many mg IV morphine is given.
    Given(f64),
    /// The demand is refused, for this reason.
    Refused(Refusal),
}

/// The pump's memory.
#[derive(Debug, Clone, Default)]
pub struct Pump {
    /// (time, mg) of every dose given.
    pub given: Vec<(f64, f64)>,
    /// Time of the last demand, h (`None` before the first).
    pub last_demand_h: Option<f64>,
    /// Demands so far (granted and refused).
    pub demands: u32,
}

impl Pump {
    /// Whether the patient, with pain `nrs` at `t_h`, presses now.
    pub fn wants(&self, cfg: &Pca, t_h: f64, nrs: f64) -> bool {
        t_h >= cfg.from_h
            && t_h < cfg.to_h
            && nrs >= cfg.demand_nrs
            && self.last_demand_h.is_none_or(|l| t_h - l >= cfg.retry_min / MINUTES_PER_HOUR - 1e-9)
    }

    fn given_since(&self, t_h: f64) -> f64 {
        self.given.iter().filter(|(t, _)| *t > t_h + 1e-12).map(|(_, mg)| mg).sum()
    }

    /// A demand at `t_h`: the pump's decision (and it records a dose given).
    pub fn demand(&mut self, cfg: &Pca, t_h: f64) -> Decision {
        self.demands += 1;
        self.last_demand_h = Some(t_h);
        if let Some(&(last, _)) = self.given.last()
            && t_h - last < cfg.lockout_min / MINUTES_PER_HOUR - 1e-9
        {
            return Decision::Refused(Refusal::Lockout);
        }
        if cfg.limit_1h_mg > 0.0 && self.given_since(t_h - 1.0) + cfg.bolus_mg > cfg.limit_1h_mg + 1e-9 {
            return Decision::Refused(Refusal::Limit1h);
        }
        if cfg.limit_4h_mg > 0.0 && self.given_since(t_h - 4.0) + cfg.bolus_mg > cfg.limit_4h_mg + 1e-9 {
            return Decision::Refused(Refusal::Limit4h);
        }
        self.given.push((t_h, cfg.bolus_mg));
        Decision::Given(cfg.bolus_mg)
    }

    /// All morphine the pump has given, mg.
    pub fn total_mg(&self) -> f64 {
        self.given.iter().map(|(_, mg)| mg).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Pca {
        Pca { bolus_mg: 1.0, lockout_min: 6.0, limit_1h_mg: 0.0, limit_4h_mg: 0.0, demand_nrs: 4.0, retry_min: 1.0, from_h: 0.0, to_h: f64::INFINITY }
    }

    #[test]
    fn lockout_is_respected() {
        let c = cfg();
        let mut p = Pump::default();
        // Demands every minute for 2 h: a dose at most every 6 min.
        for m in 0..120 {
            p.demand(&c, m as f64 / 60.0);
        }
        assert_eq!(p.given.len(), 20);
        for w in p.given.windows(2) {
            assert!(w[1].0 - w[0].0 >= 6.0 / 60.0 - 1e-9);
        }
        assert_eq!(p.demands, 120);
    }

    #[test]
    fn hourly_and_four_hour_limits() {
        let mut c = cfg();
        c.limit_1h_mg = 4.0;
        let mut p = Pump::default();
        for m in 0..240 {
            p.demand(&c, m as f64 / 60.0);
        }
        for &(t, _) in &p.given {
            assert!(p.given.iter().filter(|(s, _)| *s > t - 1.0 + 1e-9 && *s <= t).map(|x| x.1).sum::<f64>() <= 4.0 + 1e-9);
        }
        let mut c4 = cfg();
        c4.limit_4h_mg = 10.0;
        let mut p4 = Pump::default();
        for m in 0..480 {
            p4.demand(&c4, m as f64 / 60.0);
        }
        assert!(p4.given.iter().filter(|(s, _)| *s < 4.0).count() <= 10);
        let mut p5 = Pump::default();
        for m in 0..120 {
            p5.demand(&c4, m as f64 / 60.0);
        }
        assert_eq!(p5.given.len(), 10);
        assert_eq!(p5.demand(&c4, 2.0), Decision::Refused(Refusal::Limit4h));
    }

    #[test]
    fn cumulative_is_the_sum_of_doses_given() {
        let c = cfg();
        let mut p = Pump::default();
        let mut sum = 0.0;
        for m in (0..600).step_by(7) {
            if let Decision::Given(mg) = p.demand(&c, m as f64 / 60.0) {
                sum += mg;
            }
        }
        assert!((p.total_mg() - sum).abs() < 1e-12 && sum > 0.0);
    }

    #[test]
    fn patient_presses_only_in_pain_and_not_faster_than_retry() {
        let mut c = cfg();
        c.retry_min = 10.0;
        let mut p = Pump::default();
        assert!(!p.wants(&c, 0.0, 3.9));
        assert!(p.wants(&c, 0.0, 4.0));
        p.demand(&c, 0.0);
        assert!(!p.wants(&c, 5.0 / 60.0, 8.0));
        assert!(p.wants(&c, 10.0 / 60.0, 8.0));
    }
}
