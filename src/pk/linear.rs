//! Exact integration of linear compartment models, `dx/dt = A x`.
//!
//! Over a step `h` the solution is `x(t+h) = exp(A h) x(t)`. Constant inputs (an infusion rate)
//! are carried as a state with zero derivative, so the same matrix exponential integrates them
//! exactly. The exponential is computed by scaling and squaring with a Taylor series, which for the
//! small (≤ 16 × 16), well-scaled matrices here is accurate to about 1e-14 relative.

/// A dense square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows (and columns).
    pub n: usize,
    /// The n·n entries, row-major.
    pub a: Vec<f64>,
}

impl Matrix {
    /// The n × n zero matrix.
    pub fn zeros(n: usize) -> Self {
        Self { n, a: vec![0.0; n * n] }
    }

    /// The n × n identity matrix.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n);
        for i in 0..n {
            m.a[i * n + i] = 1.0;
        }
        m
    }

    /// Entry at row `i`, column `j`.
    #[inline]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    /// Add `v` to the entry at row `i`, column `j`.
    #[inline]
    pub fn add_at(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] += v;
    }

    fn mul(&self, other: &Matrix) -> Matrix {
        let n = self.n;
        let mut out = Matrix::zeros(n);
        for i in 0..n {
            for k in 0..n {
                let aik = self.a[i * n + k];
                if aik == 0.0 {
                    continue;
                }
                for j in 0..n {
                    out.a[i * n + j] += aik * other.a[k * n + j];
                }
            }
        }
        out
    }

    fn scaled(&self, s: f64) -> Matrix {
        Matrix { n: self.n, a: self.a.iter().map(|v| v * s).collect() }
    }

    fn norm_inf(&self) -> f64 {
        (0..self.n)
            .map(|i| (0..self.n).map(|j| self.at(i, j).abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }

    /// `y = self · x`.
    pub fn apply(&self, x: &[f64], y: &mut [f64]) {
        for (yi, row) in y.iter_mut().zip(self.a.chunks_exact(self.n)) {
            *yi = row.iter().zip(x).map(|(a, b)| a * b).sum();
        }
    }

    /// `exp(self · h)`.
    pub fn expm(&self, h: f64) -> Matrix {
        let a = self.scaled(h);
        let norm = a.norm_inf();
        let squarings = if norm > 0.5 { crate::math::log2(norm / 0.5).ceil() as i32 } else { 0 };
        let a = a.scaled(crate::math::powi(0.5, squarings));
        // Taylor series to convergence.
        let mut result = Matrix::identity(self.n);
        let mut term = Matrix::identity(self.n);
        for k in 1..40 {
            term = term.mul(&a).scaled(1.0 / k as f64);
            let tn = term.norm_inf();
            for (r, t) in result.a.iter_mut().zip(&term.a) {
                *r += t;
            }
            if tn < 1e-18 {
                break;
            }
        }
        for _ in 0..squarings {
            result = result.mul(&result);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_decay_is_exact() {
        // dx/dt = -k x  →  x(h) = exp(-k h)
        let mut m = Matrix::zeros(1);
        m.a[0] = -3.7;
        let e = m.expm(2.0);
        assert!((e.a[0] - crate::math::exp(-7.4)).abs() < 1e-15);
    }

    #[test]
    fn rotation_is_exact() {
        // x'' = -x as a first-order system: exp is a rotation by h radians.
        let mut m = Matrix::zeros(2);
        m.a = vec![0.0, 1.0, -1.0, 0.0];
        let e = m.expm(10.0);
        assert!((e.at(0, 0) - crate::math::cos(10.0)).abs() < 1e-12);
        assert!((e.at(0, 1) - crate::math::sin(10.0)).abs() < 1e-12);
    }
}
