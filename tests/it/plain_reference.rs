//! The plain struct-of-arrays reference of the benchmarks (`benches/reference/mod.rs`) computes the
//! same model as the ECS: bit-identical trace rows for the same scenario and seed, so that
//! `step_vs_reference` and `run_vs_reference` (docs/performance.md) compare equal work.

#[path = "../../benches/reference/mod.rs"]
mod reference;

use ketasim::pathway::CircuitMeans;
use ketasim::scenario;
use ketasim::sim::Simulation;
use reference::Reference;

/// Bits of every trace value, row by row.
fn bits(rows: &[ketasim::readout::TraceRow]) -> Vec<Vec<u64>> {
    rows.iter().map(|r| r.values().iter().map(|v| v.to_bits()).collect()).collect()
}

/// A whole run of a bundled scenario: the same trace, bit for bit.
fn same_trace(name: &str, sets: &[&str]) {
    let sets: Vec<String> = sets.iter().map(std::string::ToString::to_string).collect();
    let sc = scenario::load(name, &sets, None).unwrap();
    let ecs = Simulation::new(&sc).unwrap().run(|_, _| {}).unwrap();
    let (trace, _) = Reference::new(&sc).run();
    assert_eq!(trace.len(), ecs.trace.len(), "{name}");
    let (a, b) = (bits(&ecs.trace), bits(&trace));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "{name}: trace row {i} differs: {:?} vs {:?}", ecs.trace[i], trace[i]);
    }
}

#[test]
fn whole_default_run_is_bit_identical() {
    same_trace("iv-infusion", &[]);
}

#[test]
fn stress_and_interventions_are_bit_identical() {
    // Chronic stress, a rescue course and blockers (rapamycin, NBQX), 3 days each.
    same_trace("stress-rescue", &["duration_h=72"]);
    same_trace("rapamycin-block", &["duration_h=72"]);
    same_trace("nbqx-block", &["duration_h=72"]);
}

#[test]
fn every_step_with_turnover_is_bit_identical() {
    // The benchmark's setting: 10,000 spines, spine turnover on every 10-s step.
    let sets: Vec<String> = [
        "circuit.pyramidal_neurons=50",
        "circuit.interneurons=12",
        "circuit.spines_per_pyramidal=200",
        "parameters.spine_step_min=0.16666666666666666",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    let sc = scenario::load("iv-infusion", &sets, None).unwrap();
    let mut sim = Simulation::new(&sc).unwrap();
    let mut r = Reference::new(&sc);
    assert_eq!(sim.spine_count(), r.spine_count());
    for step in 0..2_000 {
        sim.advance(1);
        r.advance(1);
        let m = CircuitMeans::of(&sim.world);
        assert_eq!(m, r.means, "step {step}");
    }
    assert_eq!(sim.spine_count(), r.spine_count());
}
