//! Random streams derived from (seed, agent, purpose), never from a shared generator.
//!
//! Every random draw in ketasim comes from a stream keyed by the run seed, a stable agent id (not
//! bevy's `Entity`, whose indices depend on spawn/despawn history), and a purpose constant. Draws
//! therefore do not depend on iteration order or thread count. Per-step draws of a spine use a
//! counter-based generator: a SplitMix64 hash of (stream key, step), which needs no stored state.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

/// Why a stream is drawn: part of its key, so that purposes never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    InterneuronTraits = 1,
    PyramidalTraits = 2,
    InitialSpines = 3,
    SpineFormation = 4,
    SpineFate = 5,
    SubjectVariability = 6,
    /// A virtual subject's covariates and parameters in a trial (`cohort::population`).
    TrialSubject = 7,
    /// A virtual subject's placebo / expectancy traits (`cohort::placebo`).
    TrialPlacebo = 8,
    /// Visit-level MADRS measurement noise in a trial.
    TrialVisitNoise = 9,
}

/// Lognormal distribution with mean 1 and coefficient of variation `cv` (per-agent and per-subject
/// heterogeneity); `None` when `cv ≤ 0` (every agent gets exactly 1, and no number is drawn).
pub fn mean_one_lognormal(cv: f64) -> Option<rand_distr::LogNormal<f64>> {
    if cv <= 0.0 {
        return None;
    }
    let sigma2 = (1.0 + cv * cv).ln();
    rand_distr::LogNormal::new(-sigma2 / 2.0, sigma2.sqrt()).ok()
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
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
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
}
