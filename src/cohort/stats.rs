//! Trial statistics: Wilson score intervals, the Newcombe hybrid-score interval of a difference of
//! two proportions, number needed to treat, Kaplan–Meier, mean/SD and quantiles.

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval of `k` successes in `n` trials (Wilson 1927; Newcombe 1998 method 3).
/// `(0, 1)` when `n = 0`.
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z2 / n;
    // Exact bounds at the edges (0 successes: lower 0; all: upper 1), not rounding noise.
    let lo = if k == 0 { 0.0 } else { ((centre - half) / denom).max(0.0) };
    let hi = if k as f64 == n { 1.0 } else { ((centre + half) / denom).min(1.0) };
    (lo, hi)
}

/// Difference p1 − p2 of two independent proportions with the Newcombe (1998, method 10)
/// hybrid-score 95 % interval built from the two Wilson intervals.
pub fn difference(k1: u64, n1: u64, k2: u64, n2: u64, z: f64) -> (f64, f64, f64) {
    let p1 = if n1 > 0 { k1 as f64 / n1 as f64 } else { 0.0 };
    let p2 = if n2 > 0 { k2 as f64 / n2 as f64 } else { 0.0 };
    let (l1, u1) = wilson(k1, n1, z);
    let (l2, u2) = wilson(k2, n2, z);
    let d = p1 - p2;
    let lo = d - (crate::math::powi(p1 - l1, 2) + crate::math::powi(u2 - p2, 2)).sqrt();
    let hi = d + (crate::math::powi(u1 - p1, 2) + crate::math::powi(p2 - l2, 2)).sqrt();
    (d, lo, hi)
}

/// Number needed to treat for a difference of proportions `d` with interval `(lo, hi)`: `1/d`,
/// and the interval `(1/hi, 1/lo)` when the difference's interval excludes 0 (Altman 1998);
/// `None` when `d ≤ 0`; bounds `None` when the interval includes 0.
pub fn nnt(d: f64, lo: f64, hi: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
    if d <= 0.0 {
        return (None, None, None);
    }
    if lo > 0.0 { (Some(1.0 / d), Some(1.0 / hi), Some(1.0 / lo)) } else { (Some(1.0 / d), None, None) }
}

/// Mean and sample SD (n − 1); SD `None` below two values.
pub fn mean_sd(xs: &[f64]) -> (f64, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, Some(var.sqrt()))
}

/// Quantile `q` of sorted values, linear interpolation between order statistics (R type 7).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// One step of a Kaplan–Meier curve: at `time`, `at_risk` subjects, `events` relapses,
/// `censored` subjects leaving, and the survival just after.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmStep {
    /// Time of the step (the unit of the input times).
    pub time: f64,
    /// Subjects at risk just before `time`.
    pub at_risk: u64,
    /// Events (relapses) at `time`.
    pub events: u64,
    /// Subjects censored at `time`.
    pub censored: u64,
    /// Kaplan–Meier survival just after `time` (0–1).
    pub survival: f64,
}

/// Kaplan–Meier estimate from (time, event) pairs (`event = false`: censored at that time).
/// Events come before censorings at the same time (the usual convention).
pub fn kaplan_meier(data: &[(f64, bool)]) -> Vec<KmStep> {
    let mut d: Vec<(f64, bool)> = data.to_vec();
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = d.len() as u64;
    let mut s = 1.0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let t = d[i].0;
        let (mut ev, mut ce) = (0u64, 0u64);
        while i < d.len() && d[i].0 == t {
            if d[i].1 { ev += 1 } else { ce += 1 }
            i += 1;
        }
        if ev > 0 {
            s *= 1.0 - ev as f64 / at_risk as f64;
        }
        out.push(KmStep { time: t, at_risk, events: ev, censored: ce, survival: s });
        at_risk -= ev + ce;
    }
    out
}

/// Median survival time: the first time the curve is at or below 0.5 (`None` if never).
pub fn km_median(steps: &[KmStep]) -> Option<f64> {
    steps.iter().find(|s| s.survival <= 0.5 + 1e-12).map(|s| s.time)
}
