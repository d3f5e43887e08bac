//! Random streams derived from (seed, agent, purpose), never from a shared generator.
//!
//! Every random draw in ketasim comes from a stream keyed by the run seed, a stable agent id (not
//! bevy's `Entity`, whose indices depend on spawn/despawn history), and a purpose constant. Draws
//! therefore do not depend on iteration order or thread count. Per-step draws of a spine use a
//! counter-based generator: a SplitMix64 hash of (stream key, step), which needs no stored state.
//!
//! The non-uniform draws ([`StandardNormal`], [`LogNormal`], [`poisson`]) are ketasim's own, built
//! on [`crate::math`], so that they give the same bits on every target (`rand_distr`'s use the
//! platform's `exp`/`ln` when a crate in the build turns on `num-traits/std`).

use crate::math;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;

/// Why a stream is drawn: part of its key, so that purposes never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Per-interneuron traits (baseline rate, channel opening).
    InterneuronTraits = 1,
    /// Per-pyramidal-neuron traits (baseline rate, channel opening, AMPA gain).
    PyramidalTraits = 2,
    /// The initial spines of each neuron.
    InitialSpines = 3,
    /// New spines formed per neuron and spine step.
    SpineFormation = 4,
    /// Each spine's fate per spine step.
    SpineFate = 5,
    /// The subject's response sensitivities (`readout::clinical::Sensitivity`).
    SubjectVariability = 6,
    /// A virtual subject's covariates and parameters in a trial (`cohort::population`).
    TrialSubject = 7,
    /// A virtual subject's placebo / expectancy traits (`cohort::placebo`).
    TrialPlacebo = 8,
    /// Visit-level MADRS measurement noise in a trial.
    TrialVisitNoise = 9,
    /// Blood-pressure reading noise in a trial (`cohort::bp`).
    TrialBpNoise = 10,
}

/// Lognormal distribution with mean 1 and coefficient of variation `cv` (per-agent and per-subject
/// heterogeneity); `None` when `cv ≤ 0` (every agent gets exactly 1, and no number is drawn).
pub fn mean_one_lognormal(cv: f64) -> Option<LogNormal> {
    if cv <= 0.0 {
        return None;
    }
    let sigma2 = math::ln(1.0 + cv * cv);
    LogNormal::new(-sigma2 / 2.0, sigma2.sqrt())
}

/// A uniform number in [0, 1) from a generator: the top 53 bits of one `u64`.
#[inline]
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The standard normal distribution N(0, 1), by the Box–Muller transform: each draw uses two
/// uniforms `u1`, `u2` and returns `√(−2 ln(1 − u1)) · cos(2π u2)` (Box & Muller 1958).
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardNormal;

impl Distribution<f64> for StandardNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u1 = unit(rng);
        let u2 = unit(rng);
        (-2.0 * math::ln(1.0 - u1)).sqrt() * math::cos(std::f64::consts::TAU * u2)
    }
}

/// The log-normal distribution: `exp(mu + sigma · Z)` with `Z` standard normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// `None` unless `mu` is finite and `sigma` finite and ≥ 0.
    pub fn new(mu: f64, sigma: f64) -> Option<LogNormal> {
        (mu.is_finite() && sigma.is_finite() && sigma >= 0.0).then_some(LogNormal { mu, sigma })
    }
}

impl Distribution<f64> for LogNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        math::exp(self.mu + self.sigma * StandardNormal.sample(rng))
    }
}

/// A Poisson count with mean `mean` (0 for a mean that is not finite and positive): inversion
/// (sequential search from 0) below a mean of 12, above it the transformed rejection with
/// squeeze "PTRS" of Hörmann (1993).
pub fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    // `mean > 0` is false for NaN too.
    if !(mean.is_finite() && mean > 0.0) {
        return 0;
    }
    if mean < 12.0 {
        let u = unit(rng);
        let (mut k, mut p) = (0u64, math::exp(-mean));
        let mut cdf = p;
        // The sum of the rounded terms may stay just below a `u` close to 1: stop when the terms
        // vanish.
        while u > cdf && p > 0.0 {
            k += 1;
            p *= mean / k as f64;
            cdf += p;
        }
        return k;
    }
    let slam = mean.sqrt();
    let loglam = math::ln(mean);
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let v_r = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = unit(rng) - 0.5;
        let v = unit(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= v_r {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if math::ln(v) + math::ln(inv_alpha) - math::ln(a / (us * us) + b) <= -mean + k * loglam - math::ln_gamma(k + 1.0) {
            return k as u64;
        }
    }
}

/// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of the stream (seed, agent, purpose).
#[inline]
pub fn stream_key(seed: u64, agent: u64, purpose: Purpose) -> u64 {
    mix64(mix64(mix64(seed) ^ agent) ^ (purpose as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// A seeded generator for one (seed, agent, purpose) stream, for use with `rand_distr`.
pub fn stream(seed: u64, agent: u64, purpose: Purpose) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_key(seed, agent, purpose))
}

/// A generator for one (stream, counter) pair: e.g. one neuron's spine formation at one step.
pub fn stream_at(key: u64, counter: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix64(key ^ mix64(counter)))
}

/// 2^53: [`uniform`] is [`bits53`] divided by it.
pub const TWO_POW_53: f64 = (1u64 << 53) as f64;

/// A uniform number in [0, 1) from (stream key, counter), without stored state.
#[inline]
pub fn uniform(key: u64, counter: u64) -> f64 {
    bits53(key, mix64(counter)) as f64 * (1.0 / TWO_POW_53)
}

/// The 53-bit integer behind [`uniform`]: `uniform(key, counter) == bits53(key, mix64(counter)) as
/// f64 / 2^53`. Taking the mixed counter lets a loop over many keys at one counter mix it once.
#[inline]
pub fn bits53(key: u64, mixed_counter: u64) -> u64 {
    mix64(key ^ mixed_counter) >> 11
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_is_uniform() {
        // Mean 1/2 and variance 1/12 of U(0,1) within 4 standard errors for 10^5 draws.
        let key = stream_key(7, 3, Purpose::SpineFate);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|i| uniform(key, i)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 4.0 * (1.0 / 12.0f64 / n as f64).sqrt());
        assert!((var - 1.0 / 12.0).abs() < 0.002);
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
    }

    #[test]
    fn streams_differ_by_each_part_of_the_key() {
        let a = stream_key(1, 2, Purpose::SpineFate);
        assert_ne!(a, stream_key(2, 2, Purpose::SpineFate));
        assert_ne!(a, stream_key(1, 3, Purpose::SpineFate));
        assert_ne!(a, stream_key(1, 2, Purpose::SpineFormation));
    }

    /// Mean and (n − 1) variance.
    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        (mean, xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0))
    }

    /// Kolmogorov–Smirnov distance between the sample and a continuous CDF.
    fn ks(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
            let f = cdf(x);
            d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n)
        })
    }

    fn phi(x: f64) -> f64 {
        0.5 * (1.0 + math::erf(x / std::f64::consts::SQRT_2))
    }

    // The critical value of the KS distance is 1.628/√n at α = 0.01 and 1.949/√n at α = 0.001
    // (Smirnov's asymptotic distribution); moments are checked within 4 standard errors. The seeds
    // are fixed, so each test is one draw of a test that a correct sampler passes with probability
    // ≥ 0.99 (0.999 for the normal, whose draws every other sampler uses; a bias of the sampler
    // would grow with √n, which is large here).

    #[test]
    fn standard_normal_has_mean_0_variance_1_and_the_normal_cdf() {
        let n = 1_000_000;
        let mut r = stream(11, 0, Purpose::TrialSubject);
        let mut xs: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut r)).collect();
        let (mean, var) = moments(&xs);
        let n = n as f64;
        assert!(mean.abs() < 4.0 / n.sqrt(), "mean {mean}");
        // The variance of the sample variance of N(0, 1) is 2/(n − 1).
        assert!((var - 1.0).abs() < 4.0 * (2.0 / n).sqrt(), "variance {var}");
        let d = ks(&mut xs, phi);
        assert!(d < 1.949 / n.sqrt(), "KS distance {d}");
        // The tails are there: P(|Z| > 3) = 0.0027, P(|Z| > 4) = 6.3e-5.
        let beyond3 = xs.iter().filter(|x| x.abs() > 3.0).count() as f64 / n;
        assert!((beyond3 - 0.0027).abs() < 4.0 * (0.0027 / n).sqrt(), "P(|Z| > 3) = {beyond3}");
    }

    #[test]
    fn mean_one_lognormal_has_mean_1_the_cv_and_a_normal_log() {
        for cv in [0.1, 0.5, 1.5] {
            let d = mean_one_lognormal(cv).unwrap();
            let n = 200_000;
            let mut r = stream(5, 1, Purpose::PyramidalTraits);
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut r)).collect();
            let (mean, _) = moments(&xs);
            let n = n as f64;
            assert!((mean - 1.0).abs() < 4.0 * cv / n.sqrt(), "cv {cv}: mean {mean}");
            let s2 = math::ln(1.0 + cv * cv);
            let mut logs: Vec<f64> = xs.iter().map(|&x| math::ln(x)).collect();
            let (lmean, lvar) = moments(&logs);
            assert!((lmean + s2 / 2.0).abs() < 4.0 * (s2 / n).sqrt(), "cv {cv}: mean of ln {lmean}");
            assert!((lvar - s2).abs() < 4.0 * s2 * (2.0 / n).sqrt(), "cv {cv}: variance of ln {lvar}");
            let dist = ks(&mut logs, |x| phi((x + s2 / 2.0) / s2.sqrt()));
            assert!(dist < 1.628 / n.sqrt(), "cv {cv}: KS distance {dist}");
        }
        assert!(mean_one_lognormal(0.0).is_none());
    }

    #[test]
    fn poisson_has_the_poisson_mean_variance_and_cdf() {
        // Both branches (inversion below 12, PTRS from 12) and the switch between them.
        for mean in [0.05, 1.0, 4.5, 11.9, 12.0, 30.0, 250.0] {
            let n = 100_000;
            let mut r = stream(3, 2, Purpose::InitialSpines);
            let ks_: Vec<u64> = (0..n).map(|_| poisson(mean, &mut r)).collect();
            let xs: Vec<f64> = ks_.iter().map(|&k| k as f64).collect();
            let (m, var) = moments(&xs);
            let nf = n as f64;
            assert!((m - mean).abs() < 4.0 * (mean / nf).sqrt(), "mean {mean}: sample mean {m}");
            // Var(sample variance) ≈ (μ + 2μ²)/n for the Poisson distribution (fourth cumulant μ).
            assert!((var - mean).abs() < 4.0 * ((mean + 2.0 * mean * mean) / nf).sqrt(), "mean {mean}: variance {var}");
            // The discrete KS distance over the support (conservative against 1.628/√n).
            let kmax = *ks_.iter().max().unwrap();
            let mut counts = vec![0u64; kmax as usize + 1];
            for &k in &ks_ {
                counts[k as usize] += 1;
            }
            let (mut emp, mut cdf, mut d) = (0.0, 0.0, 0.0f64);
            for (k, c) in counts.iter().enumerate() {
                emp += *c as f64 / nf;
                let kf = k as f64;
                cdf += math::exp(kf * math::ln(mean) - mean - math::ln_gamma(kf + 1.0));
                d = d.max((emp - cdf).abs());
            }
            assert!(d < 1.628 / nf.sqrt(), "mean {mean}: KS distance {d}");
        }
        let mut r = stream(3, 2, Purpose::InitialSpines);
        assert_eq!(poisson(0.0, &mut r), 0);
        assert_eq!(poisson(f64::NAN, &mut r), 0);
        assert_eq!(poisson(-1.0, &mut r), 0);
    }
}
