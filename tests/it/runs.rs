//! In-process runs of bundled scenarios and what the science tests read from their traces, shared
//! by the modules that check published time courses (`pathway`, `species`, `clinical`, `pain`).

use ketasim::readout::TraceRow;
use ketasim::scenario::{self, Scenario};
use ketasim::sim::{RunOutput, Simulation};

/// A bundled scenario with `--set`-style overrides.
pub fn scenario(name: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(std::string::ToString::to_string).collect();
    scenario::load(name, &sets, None).expect("bundled scenario loads")
}

/// Run a scenario in this process.
pub fn run_sc(sc: &Scenario) -> RunOutput {
    Simulation::new(sc).unwrap().run(|_, _| {}).unwrap()
}

/// Run a bundled scenario with overrides.
pub fn run(name: &str, sets: &[&str]) -> RunOutput {
    run_sc(&scenario(name, sets))
}

/// The same scenario without any dose: the control with the same random streams.
pub fn control(name: &str, sets: &[&str]) -> Vec<TraceRow> {
    let mut sc = scenario(name, sets);
    sc.doses.clear();
    run_sc(&sc).trace
}

/// The trace row nearest to `t_h`.
pub fn at(trace: &[TraceRow], t_h: f64) -> TraceRow {
    *trace.iter().min_by(|a, b| (a.time_h - t_h).abs().total_cmp(&(b.time_h - t_h).abs())).unwrap()
}

/// The largest value of `f` and its time, h.
pub fn peak(trace: &[TraceRow], f: impl Fn(&TraceRow) -> f64) -> (f64, f64) {
    trace.iter().map(|r| (f(r), r.time_h)).fold((f64::MIN, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

/// Spine density gained over the drug-free control at `t_h` (same seed, same streams).
pub fn gain(trace: &[TraceRow], ctrl: &[TraceRow], t_h: f64) -> f64 {
    at(trace, t_h).spine_density_rel - at(ctrl, t_h).spine_density_rel
}
