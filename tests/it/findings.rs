//! Published pathway findings that are checked on more than one curve — the human one
//! (`tests/it/pathway.rs`) and the species the papers used (`tests/it/species.rs`) — each band
//! stated once, with its source. Sources in docs/references.md.

use ketasim::readout::TraceRow;

use crate::runs::peak;

/// Moghaddam 1997: prefrontal glutamate peaks at 1.5–3× baseline.
pub fn glutamate_peak_in_band(t: &[TraceRow], who: &str) {
    let (g, _) = peak(t, |r| r.glutamate_rel);
    assert!((1.5..=3.0).contains(&g), "{who}: peak glutamate {g}");
}

/// Moghaddam 1997: the glutamate peak comes 20–60 min after the dose; band 0.2–1.2 h.
pub fn glutamate_peak_time_in_band(t: &[TraceRow], who: &str) {
    let (_, tg) = peak(t, |r| r.glutamate_rel);
    assert!((0.2..=1.2).contains(&tg), "{who}: t peak glutamate {tg}");
}

/// Moghaddam 1997: glutamate is back within about 2 h; band: within 10 % of baseline from 3 h.
pub fn glutamate_back_by_3_hours(t: &[TraceRow], who: &str) {
    for r in t.iter().filter(|r| r.time_h >= 3.0) {
        assert!((r.glutamate_rel - 1.0).abs() <= 0.10, "{who}: glutamate {} at {} h", r.glutamate_rel, r.time_h);
    }
}

/// Li 2010: phospho-mTOR up about 1.5–3× at 30–60 min, back by 2 h. Band: peak 1.5–3× between
/// 0.3 and 1.5 h, within 15 % of baseline from 3 h.
pub fn mtorc1_peaks_early_and_returns(t: &[TraceRow], who: &str) {
    let (m, tm) = peak(t, |r| r.mtorc1_rel);
    assert!((1.5..=3.0).contains(&m), "{who}: peak mTORC1 {m}");
    assert!((0.3..=1.5).contains(&tm), "{who}: t peak mTORC1 {tm}");
    for r in t.iter().filter(|r| r.time_h >= 3.0) {
        assert!((r.mtorc1_rel - 1.0).abs() <= 0.15, "{who}: mTORC1 {} at {} h", r.mtorc1_rel, r.time_h);
    }
}

/// Moda-Sava 2019 (Science 364:eaat8078, two-photon imaging of the same dendrites in mice): spine
/// formation is unchanged 3–6 h after ketamine and raised at 12–24 h. `gain(t_h)` is the spine
/// density gained over the drug-free control. Band: a 24-h gain above 0.05; the gain by 6 h at most
/// 15 % of the 24-h gain (by 3 h at most 5 %), and more gained between 12 and 24 h than in the
/// first 6 h, five times over.
pub fn spine_formation_waits_hours(gain: impl Fn(f64) -> f64, who: &str) {
    let g24 = gain(24.0);
    assert!(g24 > 0.05, "{who}: 24-h gain {g24}");
    assert!(gain(3.0) <= 0.05 * g24, "{who}: gain at 3 h {} of {g24}", gain(3.0));
    assert!(gain(6.0) <= 0.15 * g24, "{who}: gain at 6 h {} of {g24}", gain(6.0));
    assert!(g24 - gain(12.0) > 5.0 * gain(6.0), "{who}: 12-24 h {} vs 0-6 h {}", g24 - gain(12.0), gain(6.0));
}

/// Li 2011; Moda-Sava 2019: one low dose restores at least half of the stress deficit of spines
/// by 72 h.
pub fn half_the_spine_deficit_restored_by_72_hours(t: &[TraceRow], who: &str) {
    let d0 = t[0].spine_density_rel;
    let d72 = crate::runs::at(t, 72.0).spine_density_rel;
    assert!(d72 - d0 >= 0.5 * (1.0 - d0), "{who}: restored {} of deficit {}", d72 - d0, 1.0 - d0);
}
