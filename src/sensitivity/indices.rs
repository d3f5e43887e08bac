//! The estimators, with bootstrap confidence intervals.
//!
//! **Sobol** (Saltelli et al. 2010, Table 2): with `f_A`, `f_B`, `f_ABj` the outputs at the rows of
//! `A`, `B` and `AB_j` (see [`super::design::saltelli`]) and `V` the variance of all `2N` outputs of
//! `A` and `B`,
//!
//! - first order `S_j = (1/N) Σ (f_B − f̄) (f_ABj − f_A) / V` (Saltelli 2010, Table 2 (b)), with
//!   `f_B` centred on the mean `f̄` of the `2N` outputs: the same expectation, since
//!   `E[f_ABj − f_A] = 0`, and a much smaller variance when the mean is large against the spread;
//! - total `ST_j = (1/(2N)) Σ (f_A − f_ABj)² / V` (Jansen 1999; Saltelli 2010, eq. (f)).
//!
//! **Morris**: the elementary effect of factor `j` on a trajectory is
//! `EE_j = (f(x + Δ e_j) − f(x)) / Δ` in unit-cube coordinates (so an effect is the change of the
//! output per whole range of the factor); `mu* = mean |EE_j|` (Campolongo et al. 2007), `mu = mean
//! EE_j`, `sigma` = their standard deviation (n − 1) over the `r` trajectories.
//!
//! **Bootstrap**: `B` resamples with replacement of the `N` rows (Sobol) or the `r` trajectories
//! (Morris), drawn with counter-based random numbers keyed by (seed, output); the interval is the
//! percentile interval of the resampled estimates at the chosen confidence. The reported estimate
//! is the one on the full sample.

use crate::rng::{mix64, uniform};

use super::design::Trajectory;

/// Domain separation of the bootstrap draws ("ketaboo").
const BOOT_DOMAIN: u64 = 0x6B65_7461_626F_6F74;

/// An index with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// On the full sample.
    pub value: f64,
    /// Lower end of the bootstrap percentile interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// Sobol indices of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndices {
    /// First order.
    pub s1: Estimate,
    /// Total.
    pub st: Estimate,
}

/// Morris statistics of one factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndices {
    /// Mean absolute elementary effect.
    pub mu_star: Estimate,
    /// Mean elementary effect.
    pub mu: Estimate,
    /// Standard deviation of the elementary effects (n − 1).
    pub sigma: Estimate,
}

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Confidence level of the interval, e.g. 0.95.
    pub confidence: f64,
    /// Seed of the resampling draws.
    pub seed: u64,
}

/// The percentile interval of `xs` (sorted in place) at `confidence`; NaN values are left out.
fn percentile_interval(xs: &mut Vec<f64>, confidence: f64) -> (f64, f64) {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (xs.len() - 1) as f64;
        let (i, frac) = (pos.floor() as usize, pos - pos.floor());
        if i + 1 < xs.len() { xs[i] + frac * (xs[i + 1] - xs[i]) } else { xs[i] }
    };
    let alpha = 1.0 - confidence;
    (at(alpha / 2.0), at(1.0 - alpha / 2.0))
}

/// S1 and ST of every factor on the rows `rows` (indices into 0..N, with repetition).
fn sobol_on(y: &[f64], n: usize, k: usize, rows: &[usize]) -> Vec<(f64, f64)> {
    let m = rows.len() as f64;
    let (ya, yb) = (&y[..n], &y[n..2 * n]);
    let mean = rows.iter().map(|&i| ya[i] + yb[i]).sum::<f64>() / (2.0 * m);
    let var = rows.iter().map(|&i| (ya[i] - mean) * (ya[i] - mean) + (yb[i] - mean) * (yb[i] - mean)).sum::<f64>() / (2.0 * m);
    (0..k)
        .map(|j| {
            let yab = &y[(2 + j) * n..(3 + j) * n];
            // f_B centred on the sample mean: the same expectation (E[f_ABj - f_A] = 0), far less
            // variance when the mean is large against the spread.
            let s1 = rows.iter().map(|&i| (yb[i] - mean) * (yab[i] - ya[i])).sum::<f64>() / m / var;
            let st = rows.iter().map(|&i| (ya[i] - yab[i]) * (ya[i] - yab[i])).sum::<f64>() / (2.0 * m) / var;
            if var > 0.0 { (s1, st) } else { (f64::NAN, f64::NAN) }
        })
        .collect()
}

/// Sobol indices from the outputs `y` at the Saltelli design of `k` factors and `n` base rows
/// (`y.len() == n (k + 2)`, in design order). `stream` separates the bootstrap draws of different
/// outputs. Indices are NaN when the output does not vary.
pub fn sobol(y: &[f64], n: usize, k: usize, boot: Bootstrap, stream: u64) -> Vec<SobolIndices> {
    assert_eq!(y.len(), n * (k + 2), "outputs do not match the design");
    let all: Vec<usize> = (0..n).collect();
    let point = sobol_on(y, n, k, &all);
    let key = mix64(mix64(boot.seed ^ BOOT_DOMAIN) ^ stream);
    let mut s1s = vec![Vec::with_capacity(boot.resamples); k];
    let mut sts = vec![Vec::with_capacity(boot.resamples); k];
    let mut rows = vec![0usize; n];
    for b in 0..boot.resamples {
        for (i, r) in rows.iter_mut().enumerate() {
            *r = ((uniform(key, (b * n + i) as u64) * n as f64) as usize).min(n - 1);
        }
        for (j, (s1, st)) in sobol_on(y, n, k, &rows).into_iter().enumerate() {
            s1s[j].push(s1);
            sts[j].push(st);
        }
    }
    (0..k)
        .map(|j| {
            let (l1, h1) = percentile_interval(&mut s1s[j], boot.confidence);
            let (lt, ht) = percentile_interval(&mut sts[j], boot.confidence);
            SobolIndices {
                s1: Estimate { value: point[j].0, low: l1, high: h1 },
                st: Estimate { value: point[j].1, low: lt, high: ht },
            }
        })
        .collect()
}

/// The elementary effects `ee[t][j]` of every trajectory and factor, from the outputs `y` at the
/// trajectories' points (in design order: trajectory by trajectory, `k + 1` points each).
pub fn elementary_effects(trajectories: &[Trajectory], y: &[f64]) -> Vec<Vec<f64>> {
    let k = trajectories.first().map_or(0, |t| t.steps.len());
    assert_eq!(y.len(), trajectories.len() * (k + 1), "outputs do not match the design");
    trajectories
        .iter()
        .enumerate()
        .map(|(t, tr)| {
            let mut ee = vec![0.0; k];
            for (m, &(j, step)) in tr.steps.iter().enumerate() {
                let base = t * (k + 1) + m;
                ee[j] = (y[base + 1] - y[base]) / step;
            }
            ee
        })
        .collect()
}

/// (mu*, mu, sigma) of factor `j` over the trajectories `rows` (with repetition).
fn morris_on(ee: &[Vec<f64>], j: usize, rows: &[usize]) -> (f64, f64, f64) {
    let r = rows.len() as f64;
    let mu_star = rows.iter().map(|&t| ee[t][j].abs()).sum::<f64>() / r;
    let mu = rows.iter().map(|&t| ee[t][j]).sum::<f64>() / r;
    let sigma = if rows.len() < 2 {
        f64::NAN
    } else {
        (rows.iter().map(|&t| (ee[t][j] - mu) * (ee[t][j] - mu)).sum::<f64>() / (r - 1.0)).sqrt()
    };
    (mu_star, mu, sigma)
}

/// Morris statistics of every factor from the outputs `y` at the trajectories' points.
pub fn morris(trajectories: &[Trajectory], y: &[f64], boot: Bootstrap, stream: u64) -> Vec<MorrisIndices> {
    let ee = elementary_effects(trajectories, y);
    let r = ee.len();
    let k = trajectories.first().map_or(0, |t| t.steps.len());
    let all: Vec<usize> = (0..r).collect();
    let key = mix64(mix64(boot.seed ^ BOOT_DOMAIN ^ 1) ^ stream);
    let mut samples = vec![[Vec::new(), Vec::new(), Vec::new()]; k];
    let mut rows = vec![0usize; r];
    for b in 0..boot.resamples {
        for (i, t) in rows.iter_mut().enumerate() {
            *t = ((uniform(key, (b * r + i) as u64) * r as f64) as usize).min(r - 1);
        }
        for (j, s) in samples.iter_mut().enumerate() {
            let (a, m, sd) = morris_on(&ee, j, &rows);
            s[0].push(a);
            s[1].push(m);
            s[2].push(sd);
        }
    }
    (0..k)
        .map(|j| {
            let (a, m, sd) = morris_on(&ee, j, &all);
            let [sa, sm, ss] = &mut samples[j];
            let est = |value: f64, xs: &mut Vec<f64>| {
                let (low, high) = percentile_interval(xs, boot.confidence);
                Estimate { value, low, high }
            };
            MorrisIndices { mu_star: est(a, sa), mu: est(m, sm), sigma: est(sd, ss) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::design::{self, Range};
    use super::*;
    use std::f64::consts::PI;

    /// The Ishigami function (Ishigami & Homma 1990) with a = 7, b = 0.1 on [-π, π]³.
    fn ishigami(x: &[f64]) -> f64 {
        crate::math::sin(x[0]) + 7.0 * crate::math::powi(crate::math::sin(x[1]), 2) + 0.1 * crate::math::powi(x[2], 4) * crate::math::sin(x[0])
    }

    /// Analytic Sobol indices of the Ishigami function with a = 7, b = 0.1: V = a²/8 + bπ⁴/5 +
    /// b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0, V13 = b²π⁸ (1/18 − 1/50)
    /// (Sobol' & Levitan 1999; Saltelli et al. 2010, section 4).
    fn ishigami_analytic() -> ([f64; 3], [f64; 3]) {
        let (a, b) = (7.0f64, 0.1f64);
        let pi4 = crate::math::powi(PI, 4);
        let v = a * a / 8.0 + b * pi4 / 5.0 + b * b * pi4 * pi4 / 18.0 + 0.5;
        let v1 = crate::math::powi(1.0 + b * pi4 / 5.0, 2) / 2.0;
        let v2 = a * a / 8.0;
        let v13 = b * b * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    #[test]
    fn analytic_ishigami_indices_are_the_published_ones() {
        // Published values (Saltelli et al. 2010; the table): S1 = 0.3139, 0.4424, 0;
        // ST = 0.5576, 0.4424, 0.2437.
        let (s1, st) = ishigami_analytic();
        for (x, want) in s1.iter().chain(&st).zip([0.3139, 0.4424, 0.0, 0.5576, 0.4424, 0.2437]) {
            assert!((x - want).abs() < 5e-5, "{x} vs {want}");
        }
    }

    #[test]
    fn sobol_reproduces_the_ishigami_indices_within_their_bootstrap_intervals() {
        let ranges: Vec<Range> = (0..3).map(|i| Range { name: format!("x{i}"), min: -PI, max: PI, log: false }).collect();
        let n = 4096;
        let design = design::saltelli(3, n, 11);
        let y: Vec<f64> = design.iter().map(|u| ishigami(&u.iter().zip(&ranges).map(|(u, r)| r.value(*u)).collect::<Vec<_>>())).collect();
        let boot = Bootstrap { resamples: 500, confidence: 0.95, seed: 3 };
        let got = sobol(&y, n, 3, boot, 0);
        let (s1, st) = ishigami_analytic();
        for j in 0..3 {
            for (e, truth, what) in [(got[j].s1, s1[j], "S1"), (got[j].st, st[j], "ST")] {
                assert!(e.low <= e.value && e.value <= e.high, "{what} x{}: estimate {e:?} outside its interval", j + 1);
                assert!(e.low <= truth && truth <= e.high, "{what} x{}: analytic {truth} outside {e:?}", j + 1);
                assert!(e.high - e.low < 0.2, "{what} x{}: interval too wide to mean anything: {e:?}", j + 1);
            }
        }
        // Deterministic: same seed, same numbers.
        assert_eq!(got, sobol(&y, n, 3, boot, 0));
    }

    #[test]
    fn morris_of_a_linear_function_is_its_slope_times_the_range_without_spread() {
        // f = 3 x0 - 2 x1 + 0 x2 + 0.5 x3 over different ranges (one log-uniform): the elementary
        // effect of x_j is c_j (max_j - min_j) on the linear scale, everywhere.
        let c = [3.0, -2.0, 0.0, 0.5];
        let ranges = [
            Range { name: "a".into(), min: 0.0, max: 2.0, log: false },
            Range { name: "b".into(), min: -1.0, max: 4.0, log: false },
            Range { name: "c".into(), min: 1.0, max: 3.0, log: false },
            Range { name: "d".into(), min: 10.0, max: 30.0, log: false },
        ];
        let tr = design::morris(4, 12, 6, 5);
        let y: Vec<f64> = tr
            .iter()
            .flat_map(|t| t.points.iter().map(|u| u.iter().zip(&ranges).zip(&c).map(|((u, r), c)| c * r.value(*u)).sum::<f64>()))
            .collect();
        let got = morris(&tr, &y, Bootstrap { resamples: 200, confidence: 0.95, seed: 1 }, 0);
        for j in 0..4 {
            let want = c[j] * (ranges[j].max - ranges[j].min);
            assert!((got[j].mu.value - want).abs() < 1e-9, "mu of {j}: {:?} vs {want}", got[j].mu);
            assert!((got[j].mu_star.value - want.abs()).abs() < 1e-9);
            assert!(got[j].sigma.value.abs() < 1e-9, "a linear function has no spread of effects");
        }
    }

    #[test]
    fn morris_sigma_flags_the_nonlinear_factor_of_an_additive_function() {
        // f = x0 + x1² on [0, 1]²: x0's effects are all 1; x1's are (2 x1 + Δ), spread over the
        // grid (sigma > 0) with mean over the start levels.
        let tr = design::morris(2, 40, 4, 9);
        let y: Vec<f64> = tr.iter().flat_map(|t| t.points.iter().map(|u| u[0] + u[1] * u[1])).collect();
        let got = morris(&tr, &y, Bootstrap { resamples: 200, confidence: 0.95, seed: 1 }, 0);
        assert!((got[0].mu_star.value - 1.0).abs() < 1e-12 && got[0].sigma.value < 1e-12);
        assert!(got[1].sigma.value > 0.1, "{:?}", got[1]);
        // The effect of x1 from x to x + Δ is 2x + Δ, i.e. Δ + 2·(level)/(p-1) with level 0 or 1 and Δ = 2/3:
        // values 2/3 and 4/3, so mu* lies between them.
        assert!(got[1].mu_star.value > 2.0 / 3.0 - 1e-12 && got[1].mu_star.value < 4.0 / 3.0 + 1e-12);
    }
}
