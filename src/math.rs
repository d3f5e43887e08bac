//! The transcendental functions of ketasim, the same bits on every target.
//!
//! `f64::exp`, `f64::ln`, `f64::powf` and their kin call the platform's maths library (glibc on
//! Linux, the `libm` port in Rust's standard library on `wasm32-unknown-unknown`, the system
//! library on macOS), and these differ in the last bit for some arguments. ketasim promises that
//! the same scenario and seed give byte-identical files, also between the command line and the
//! browser lab, so all of its maths goes through this module, which uses the pure-Rust
//! [`libm`](https://docs.rs/libm) crate (a port of musl's libm) on every target. `clippy.toml`
//! forbids the `f64` methods (`disallowed_methods`), so that no new call slips in. Square root,
//! `abs`, `floor`, `ceil`, `round`, `min`, `max` and `mul_add` are exact (correctly rounded) in
//! IEEE 754 and stay `f64` methods. Random draws that need these functions are in [`crate::rng`].

/// `e^x`.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// `e^x − 1`, accurate for small `x`.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `ln(1 + x)`, accurate for small `x`.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// Base-2 logarithm.
#[inline]
pub fn log2(x: f64) -> f64 {
    libm::log2(x)
}

/// Base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// `x^y` for a real exponent.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `x^n` for an integer exponent, by binary powering in this crate's own code (so the order of
/// the multiplications, and with it the rounding, is the same everywhere; `f64::powi` leaves it
/// to the compiler and the platform's runtime library).
#[inline]
pub fn powi(x: f64, n: i32) -> f64 {
    let mut base = x;
    let mut e = n.unsigned_abs();
    let mut acc = 1.0;
    while e > 0 {
        if e & 1 == 1 {
            acc *= base;
        }
        e >>= 1;
        if e > 0 {
            base *= base;
        }
    }
    if n < 0 { 1.0 / acc } else { acc }
}

/// Sine.
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// Cosine.
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// The error function (for the normal distribution's CDF in tests and statistics).
#[inline]
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// `ln Γ(x)` for `x > 0`.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Exact or correctly rounded reference values.
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(log2(1024.0), 10.0);
        assert_eq!(log10(1e-3), -3.0);
        assert_eq!(powf(2.0, 10.0), 1024.0);
        assert_eq!(powf(9.0, 0.5), 3.0);
        assert!((exp(1.0) - std::f64::consts::E).abs() <= f64::EPSILON * 3.0);
        assert!((ln(std::f64::consts::E) - 1.0).abs() <= f64::EPSILON);
        assert!((exp_m1(1e-10) - 1.000_000_000_05e-10).abs() < 1e-24);
        assert!((ln_1p(1e-10) - 9.999_999_999_5e-11).abs() < 1e-24);
        assert!((sin(std::f64::consts::FRAC_PI_6) - 0.5).abs() < 1e-15);
        assert!((cos(std::f64::consts::FRAC_PI_3) - 0.5).abs() < 1e-15);
        assert!((erf(1.0) - 0.842_700_792_949_714_9).abs() < 1e-15);
        // ln Γ(5) = ln 24.
        assert!((ln_gamma(5.0) - ln(24.0)).abs() < 1e-14);
    }

    #[test]
    fn powi_is_exact_where_exact_and_handles_signs() {
        assert_eq!(powi(0.5, 10), 1.0 / 1024.0);
        assert_eq!(powi(2.0, -3), 0.125);
        assert_eq!(powi(-3.0, 3), -27.0);
        assert_eq!(powi(7.0, 0), 1.0);
        assert_eq!(powi(1.1, 2), 1.1 * 1.1);
        for n in -20..=20 {
            let x = 1.037_f64;
            assert!((powi(x, n) / powf(x, f64::from(n)) - 1.0).abs() < 1e-14, "n = {n}");
        }
    }
}
