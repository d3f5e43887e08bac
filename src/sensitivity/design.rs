//! The sampled points of a sensitivity analysis, in the unit hypercube `[0, 1)^k`, and their
//! mapping onto parameter ranges.
//!
//! - **Morris** (Morris 1991, with the trajectory design of Campolongo et al. 2007): `r`
//!   trajectories of `k + 1` points on a grid of `p` levels (`p` even); the step is
//!   `Δ = p / (2 (p − 1))`. Each trajectory starts from a random grid point, then changes one
//!   factor at a time by `±Δ` in a random order, so every factor moves exactly once.
//! - **Saltelli** (Saltelli et al. 2010): two `N × k` matrices `A` and `B` from a `2k`-dimensional
//!   low-discrepancy Sobol sequence (Owen-scrambled, seeded: crate `sobol_burley`; `A` takes
//!   dimensions `0..k`, `B` dimensions `k..2k`), and for each factor `j` the matrix `AB_j`, which is
//!   `A` with column `j` taken from `B`: `N (k + 2)` points in the order `A`, `B`, `AB_0`, …,
//!   `AB_{k-1}`.
//!
//! Every random choice is a counter-based draw keyed by (seed, purpose, trajectory, factor), so the
//! design depends on nothing but the seed and the sizes.

use crate::rng::{mix64, uniform};

/// Domain separation of the Morris draws ("ketamor").
const MORRIS_DOMAIN: u64 = 0x6B65_7461_6D6F_7231;

/// A factor's range: uniform on `[min, max]`, or log-uniform when `log`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The factor's name (for a model parameter, its name in the parameter table).
    pub name: String,
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// Log-uniform (`min > 0`) rather than uniform.
    pub log: bool,
}

impl Range {
    /// The value at `u` in `[0, 1]` (0 → min, 1 → max), clamped to the range.
    pub fn value(&self, u: f64) -> f64 {
        let x = if self.log {
            crate::math::exp(crate::math::ln(self.min) + u * (crate::math::ln(self.max) - crate::math::ln(self.min)))
        } else {
            self.min + u * (self.max - self.min)
        };
        x.clamp(self.min, self.max)
    }
}

/// One trajectory of a Morris design: `k + 1` points, and which factor moved (and by how much, in
/// unit-cube coordinates) between point `m − 1` and point `m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The `k + 1` points in `[0, 1]^k`.
    pub points: Vec<Vec<f64>>,
    /// For step `m` (from point `m` to point `m + 1`): the factor moved and the signed step.
    pub steps: Vec<(usize, f64)>,
}

/// The Morris step for `levels` grid levels: `p / (2 (p − 1))`.
pub fn morris_delta(levels: u32) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` Morris trajectories of `k` factors on `levels` levels (`levels` even, at least 2).
pub fn morris(k: usize, trajectories: usize, levels: u32, seed: u64) -> Vec<Trajectory> {
    assert!(levels >= 2 && levels.is_multiple_of(2), "Morris levels must be even and at least 2");
    let delta = morris_delta(levels);
    let lows = (levels / 2) as u64; // start levels 0..p/2 - 1 keep x and x + Δ inside [0, 1]
    let key = mix64(seed ^ MORRIS_DOMAIN);
    let draw = |t: usize, purpose: u64, j: usize| uniform(key, ((t as u64) << 24) | (purpose << 20) | j as u64);
    (0..trajectories)
        .map(|t| {
            let mut x: Vec<f64> = Vec::with_capacity(k);
            let mut dir: Vec<f64> = Vec::with_capacity(k);
            for j in 0..k {
                let level = ((draw(t, 0, j) * lows as f64) as u64).min(lows - 1);
                let up = draw(t, 1, j) < 0.5;
                let low = level as f64 / (levels as f64 - 1.0);
                x.push(if up { low } else { low + delta });
                dir.push(if up { delta } else { -delta });
            }
            // A random order of the factors (Fisher–Yates with counter-based draws).
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = ((draw(t, 2, i) * (i + 1) as f64) as usize).min(i);
                order.swap(i, j);
            }
            let mut points = vec![x.clone()];
            let mut steps = Vec::with_capacity(k);
            for &j in &order {
                x[j] += dir[j];
                // Exactly on the grid (no drift from repeated additions).
                x[j] = (x[j] * (levels as f64 - 1.0)).round() / (levels as f64 - 1.0);
                points.push(x.clone());
                steps.push((j, dir[j]));
            }
            Trajectory { points, steps }
        })
        .collect()
}

/// The Saltelli design in the unit cube: `A`, `B`, then `AB_j` for each factor, `N` rows each.
/// `k` may be at most 128 (the Sobol sequence has 256 dimensions).
pub fn saltelli(k: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(2 * k <= sobol_burley::NUM_DIMENSIONS as usize, "at most 128 factors");
    let scramble = (mix64(seed ^ 0x6B65_7461_736F_626C) >> 32) as u32;
    let row = |i: usize, offset: usize| -> Vec<f64> {
        (0..k).map(|j| f64::from(sobol_burley::sample(i as u32, (offset + j) as u32, scramble))).collect()
    };
    let a: Vec<Vec<f64>> = (0..n).map(|i| row(i, 0)).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|i| row(i, k)).collect();
    let mut out = Vec::with_capacity(n * (k + 2));
    out.extend(a.iter().cloned());
    out.extend(b.iter().cloned());
    for j in 0..k {
        for i in 0..n {
            let mut r = a[i].clone();
            r[j] = b[i][j];
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_moves_every_factor_once_by_delta_on_the_grid() {
        let (k, p) = (5, 4);
        let d = morris_delta(p);
        for t in morris(k, 20, p, 7) {
            assert_eq!(t.points.len(), k + 1);
            let mut moved: Vec<usize> = t.steps.iter().map(|s| s.0).collect();
            moved.sort();
            assert_eq!(moved, (0..k).collect::<Vec<_>>());
            for (m, &(j, step)) in t.steps.iter().enumerate() {
                assert!((t.points[m + 1][j] - t.points[m][j] - step).abs() < 1e-12);
                assert!((step.abs() - d).abs() < 1e-12);
                for (i, x) in t.points[m + 1].iter().enumerate() {
                    assert!((0.0..=1.0).contains(x));
                    assert!(((x * (p as f64 - 1.0)) - (x * (p as f64 - 1.0)).round()).abs() < 1e-12, "off the grid");
                    if i != j {
                        assert_eq!(*x, t.points[m][i]);
                    }
                }
            }
        }
        assert_eq!(morris(k, 3, p, 7), morris(k, 3, p, 7));
        assert_ne!(morris(k, 3, p, 7), morris(k, 3, p, 8));
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn saltelli_matrices_share_columns_as_designed() {
        let (k, n) = (3, 16);
        let d = saltelli(k, n, 1);
        assert_eq!(d.len(), n * (k + 2));
        for j in 0..k {
            for i in 0..n {
                let ab = &d[(2 + j) * n + i];
                for c in 0..k {
                    assert_eq!(ab[c], if c == j { d[n + i][c] } else { d[i][c] });
                }
            }
        }
        // Low discrepancy: each of the first 16 points of a dimension falls in its own 1/16 stratum.
        for c in 0..k {
            let mut s: Vec<usize> = (0..n).map(|i| (d[i][c] * n as f64) as usize).collect();
            s.sort();
            assert_eq!(s, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn log_range_maps_ends_and_midpoint() {
        let r = Range { name: "x".into(), min: 1.0, max: 100.0, log: true };
        assert_eq!(r.value(0.0), 1.0);
        assert!((r.value(0.5) - 10.0).abs() < 1e-12);
        assert_eq!(r.value(1.0), 100.0);
    }
}
