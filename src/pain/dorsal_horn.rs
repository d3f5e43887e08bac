//! The spinal dorsal horn: afferent spike trains, wind-up, central sensitization, inhibition.
//!
//! Each wide-dynamic-range (WDR) projection neuron `i` receives its own C-fibre and Aβ afferent
//! spike trains. Per step of `dt` seconds:
//!
//! ```text
//! λ_C,i(t) = f_i · (λ_bg + λ_ectopic + severity · λ_surg · s(t))       C-fibre rate, Hz
//! n_C ~ Poisson(λ_C,i · dt),  n_Aβ ~ Poisson(λ_Aβ · dt)                 (counter-based draws)
//! b      : trapping NMDA block at the spinal effect site (stage 1's equation, IC50_spinal)
//! b_w    : the same trapping block of the wind-up current, at the receptor's IC50_windup
//! dw/dt  = −w/τ_w + Δ·(1 − b_w)^h·Σ_k a_k δ(t − t_k)                     wind-up (each C input)
//!          a_k = 1 for a stimulation volley, f_bg for one asynchronous background spike
//! S*     = α·(1 − b)·n_C/dt + S_m·(1 − R(D)) + h_OIH·occ·(1 − b)         sensitization target
//! dS/dt  = (S* − S)/τ_S                                                  (hours)
//! dD/dt  = ln2/t½_D · (c_blocker − D),   R(D) = Emax_R · D/(D + C50_R)  (weeks; Dahan 2011)
//! r_i    = g_i · [ n_C/dt · (1 + γ·w̄) · (1 + S) + a·S·n_Aβ/dt ] · M
//! M      = (1 − k_inh · I) · (1 − d_desc) · (1 − A_opioid)
//! I      = Σ_j r_j / Σ_j r0_j,   r_j = r0_j · (1 − ℓ · S̄/(1 + S̄))      inhibitory interneurons
//! NRS    = 10 · P^n / (P^n + P50^n),   P = mean_i r_i                   (rest; evoked adds a test)
//! ```
//!
//! Background C spikes are spread uniformly over the step (their exact times do not matter for the
//! mean of `w`); the pulses of a stimulation protocol are placed at their exact times, and the
//! wind-up state is integrated exactly between them. Between events `w` decays exactly as
//! `exp(−Δt/τ_w)`, so the response to a train at `f` Hz builds towards
//! `w_∞ = Δ(1 − b)/(1 − exp(−1/(f τ_w)))` and vanishes at low frequencies.

use crate::params::Params;

/// Exact wind-up decay over `dt_s` seconds with time constant `tau_s`.
#[inline]
pub fn windup_decay(w: f64, dt_s: f64, tau_s: f64) -> f64 {
    w * crate::math::exp(-dt_s / tau_s)
}

/// Wind-up just before the `k`-th pulse (k = 0, 1, …) of a regular train at `hz`, starting from 0,
/// each pulse adding `incr`: `incr · e^{−T/τ} (1 − e^{−kT/τ}) / (1 − e^{−T/τ})`, `T = 1/hz`.
pub fn windup_before_pulse(k: u32, hz: f64, incr: f64, tau_s: f64) -> f64 {
    let q = crate::math::exp(-1.0 / (hz * tau_s));
    incr * q * (1.0 - crate::math::powi(q, k as i32)) / (1.0 - q)
}

/// One step of the wind-up state with a constant background input `k_per_s` (increments per
/// second) and pulses at `pulses_s` (seconds from the start of the step, sorted, each adding
/// `incr`). Writes `w` just before each pulse into `before` and returns (w at the end, mean w).
pub fn windup_step(w0: f64, k_per_s: f64, tau_s: f64, dt_s: f64, pulses_s: &[f64], incr: f64, before: &mut Vec<f64>) -> (f64, f64) {
    before.clear();
    if dt_s <= 0.0 {
        return (w0, w0);
    }
    let target = k_per_s * tau_s;
    let (mut w, mut t, mut integral) = (w0, 0.0, 0.0);
    let seg = |w: f64, h: f64| -> (f64, f64) {
        // Exact solution of dw/dt = −w/τ + k over h, and its integral.
        let e = crate::math::exp(-h / tau_s);
        let end = target + (w - target) * e;
        let area = target * h + (w - target) * tau_s * (1.0 - e);
        (end, area)
    };
    for &tp in pulses_s {
        let h = (tp - t).max(0.0);
        let (end, area) = seg(w, h);
        integral += area;
        before.push(end);
        w = end + incr;
        t = tp.max(t);
    }
    let (end, area) = seg(w, (dt_s - t).max(0.0));
    integral += area;
    (end, integral / dt_s)
}

/// A Poisson count with mean `mu` from two counter-based uniforms (inversion below 30, a rounded
/// normal approximation above).
pub fn poisson(mu: f64, u1: f64, u2: f64) -> u32 {
    if mu <= 0.0 {
        return 0;
    }
    if mu < 30.0 {
        let (mut n, mut p) = (0u32, crate::math::exp(-mu));
        let mut cdf = p;
        while u1 > cdf && n < 1000 {
            n += 1;
            p *= mu / n as f64;
            cdf += p;
        }
        n
    } else {
        let z = (-2.0 * crate::math::ln(1.0 - u1)).sqrt() * crate::math::cos(std::f64::consts::TAU * u2);
        (mu + mu.sqrt() * z).round().max(0.0) as u32
    }
}

/// Incisional input shape: 0 before surgery, 1 during it, then `exp(−(t − end)/τ_heal)`.
pub fn surgery_shape(t_h: f64, start_h: f64, duration_h: f64, heal_tau_h: f64) -> f64 {
    if t_h < start_h {
        0.0
    } else if t_h <= start_h + duration_h {
        1.0
    } else {
        crate::math::exp(-(t_h - start_h - duration_h) / heal_tau_h)
    }
}

/// Wind-up added by one C-fibre spike at NMDA block `b`: `Δ (1 − b)^h`. The exponent `h`
/// (cooperativity) stands for the regenerative, Mg²⁺-relieving depolarisation that wind-up needs:
/// a small block removes a larger share of it.
#[inline]
pub fn windup_increment(block: f64, p: &Params) -> f64 {
    p.windup_increment * crate::math::powf((1.0 - block).max(0.0), p.windup_nmda_cooperativity)
}

/// Interneuron rate given the mean sensitization `s_mean` (loss of inhibition).
#[inline]
pub fn interneuron_rate(baseline_hz: f64, s_mean: f64, p: &Params) -> f64 {
    let s = s_mean.max(0.0);
    baseline_hz * (1.0 - p.dh_interneuron_loss_per_s * s / (1.0 + s))
}

/// The multiplier on WDR output from inhibition `inhibition_rel`, descending control and opioid
/// analgesia `analgesia` (0-1).
#[inline]
pub fn output_factor(inhibition_rel: f64, analgesia: f64, p: &Params) -> f64 {
    (1.0 - p.dh_inhibition_strength * inhibition_rel).max(0.0) * (1.0 - p.descending_inhibition) * (1.0 - analgesia)
}

/// WDR output rate (Hz) for C-fibre input `c_hz`, Aβ input `ab_hz`, mean wind-up `w`,
/// sensitization `s`, gain `g` and output factor `m`.
#[inline]
pub fn wdr_rate(c_hz: f64, ab_hz: f64, w: f64, s: f64, g: f64, m: f64, p: &Params) -> f64 {
    g * (c_hz * (1.0 + p.windup_gain * w) * (1.0 + s) + p.allodynia_gain * s * ab_hz) * m
}

/// Sensitization target.
#[inline]
pub fn sensitization_target(c_hz: f64, block: f64, maintained: f64, reversal: f64, occupancy: f64, p: &Params) -> f64 {
    p.sensitization_per_c_hz * (1.0 - block) * c_hz + maintained * (1.0 - reversal) + p.opioid_hyperalgesia_gain * occupancy * (1.0 - block)
}

/// Reversal of maintained sensitization by the slow ketamine compartment `d_um` (Dahan 2011).
#[inline]
pub fn reversal(d_um: f64, p: &Params) -> f64 {
    p.reversal_emax * d_um.max(0.0) / (d_um.max(0.0) + p.reversal_c50_um)
}

/// Pain (NRS 0-10) from the mean WDR output.
#[inline]
pub fn nrs(p_hz: f64, p: &Params) -> f64 {
    10.0 * crate::pathway::hill(p_hz, p.pain_p50_hz, p.pain_hill)
}

/// Population-mean, drug-free steady-state WDR output for a total C-fibre rate `c_hz` and
/// maintained sensitization `maintained` (Poisson input: mean wind-up `f_bg Δ λ τ_w`).
pub fn steady_output(c_hz: f64, maintained: f64, p: &Params) -> f64 {
    let s = p.sensitization_per_c_hz * c_hz + maintained;
    let w = p.windup_background_fraction * p.windup_increment * c_hz * p.windup_tau_s;
    let i_rel = 1.0 - p.dh_interneuron_loss_per_s * s / (1.0 + s);
    wdr_rate(c_hz, p.abeta_background_hz, w, s, 1.0, output_factor(i_rel, 0.0, p), p)
}

/// The ongoing (ectopic) C-fibre rate that, on top of the background, gives drug-free pain at rest
/// `nrs_target` at steady state (bisection; 0 when the background alone is enough).
pub fn ectopic_rate_for(nrs_target: f64, maintained: f64, p: &Params) -> f64 {
    if nrs_target <= 0.0 || nrs(steady_output(p.c_fibre_background_hz, maintained, p), p) >= nrs_target {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0, 200.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if nrs(steady_output(p.c_fibre_background_hz + mid, maintained, p), p) < nrs_target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windup_decays_exponentially_with_its_time_constant() {
        let p = Params::default();
        let mut before = Vec::new();
        let (w, _) = windup_step(1.0, 0.0, p.windup_tau_s, p.windup_tau_s, &[], 0.0, &mut before);
        assert!((w - crate::math::exp(-1.0)).abs() < 1e-12);
        assert!((windup_decay(2.0, 3.0 * p.windup_tau_s, p.windup_tau_s) - 2.0 * crate::math::exp(-3.0)).abs() < 1e-12);
    }

    #[test]
    fn train_matches_the_geometric_sum() {
        let (hz, incr, tau) = (1.0, 0.3, 3.0);
        let pulses: Vec<f64> = (0..10).map(|k| k as f64 / hz).collect();
        let mut before = Vec::new();
        windup_step(0.0, 0.0, tau, 10.0, &pulses, incr, &mut before);
        for (k, &w) in before.iter().enumerate() {
            assert!((w - windup_before_pulse(k as u32, hz, incr, tau)).abs() < 1e-12, "pulse {k}: {w}");
        }
        // Frequency dependence: at 0.1 Hz almost nothing builds, at 1 Hz wind-up is strong.
        assert!(windup_before_pulse(9, 0.1, incr, tau) < 0.05 * windup_before_pulse(9, 1.0, incr, tau) / 0.3);
        assert!(windup_before_pulse(9, 1.0, incr, tau) > 2.0 * windup_before_pulse(9, 0.3, incr, tau));
    }

    #[test]
    fn background_input_mean_and_steady_state() {
        // Constant input k: w → kτ; starting there it stays, and its mean equals it.
        let mut before = Vec::new();
        let (w, mean) = windup_step(0.9, 0.3, 3.0, 10.0, &[], 0.0, &mut before);
        assert!((w - 0.9).abs() < 1e-12 && (mean - 0.9).abs() < 1e-12);
    }

    #[test]
    fn poisson_mean() {
        let key = crate::rng::mix64(99);
        for mu in [0.5, 5.0, 60.0] {
            let n = 20_000u64;
            let sum: u64 = (0..n).map(|i| poisson(mu, crate::rng::uniform(key, 2 * i), crate::rng::uniform(key, 2 * i + 1)) as u64).sum();
            let mean = sum as f64 / n as f64;
            assert!((mean - mu).abs() < 5.0 * (mu / n as f64).sqrt() + 0.02, "mu {mu}: mean {mean}");
        }
    }

    #[test]
    fn ectopic_rate_reproduces_the_baseline_pain() {
        let p = Params::default();
        for target in [3.0, 5.5, 7.0] {
            let r = ectopic_rate_for(target, p.crps_maintained_sensitization, &p);
            let got = nrs(steady_output(p.c_fibre_background_hz + r, p.crps_maintained_sensitization, &p), &p);
            assert!((got - target).abs() < 1e-6, "{target}: {got}");
        }
    }
}
