//! Criterion benchmarks (docs/performance.md): `step`, `step_vs_reference`, `run_vs_reference`,
//! `scenario`, `step_2_threads`.
//!
//! Run: `cargo bench --bench pathway`; one group: `cargo bench --bench pathway -- step`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use ketasim::scenario::{self, Scenario};
use ketasim::sim::Simulation;

mod reference;
use reference::Reference;

/// iv-infusion with `spines` spines (200 per pyramidal neuron) and spine turnover on every step,
/// so that one pathway step updates every spine.
fn sized_scenario(spines: usize) -> Scenario {
    let neurons = (spines / 200).max(1);
    let sets = vec![
        format!("circuit.pyramidal_neurons={neurons}"),
        format!("circuit.interneurons={}", (neurons / 4).max(1)),
        "circuit.spines_per_pyramidal=200".to_string(),
        "parameters.spine_step_min=0.16666666666666666".to_string(),
    ];
    scenario::load("iv-infusion", &sets, None).unwrap()
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    g.sample_size(10);
    for spines in [10_000usize, 100_000, 1_000_000] {
        let mut sim = Simulation::new(&sized_scenario(spines)).unwrap();
        let steps = 20u64;
        let n = sim.spine_count() as u64;
        g.throughput(Throughput::Elements(n * steps));
        g.bench_with_input(BenchmarkId::from_parameter(spines), &steps, |b, &steps| b.iter(|| sim.advance(steps)));
    }
    g.finish();
}

/// The `step` group again on two threads: above `PARALLEL_MIN_SPINES` the spine fates are drawn
/// with bevy's `par_iter` on the compute task pool (set to 2 threads here, as `--threads 2`).
fn step_two_threads(c: &mut Criterion) {
    bevy_tasks::ComputeTaskPool::get_or_init(|| bevy_tasks::TaskPoolBuilder::new().num_threads(2).build());
    let mut g = c.benchmark_group("step_2_threads");
    g.sample_size(10);
    let spines = 1_000_000usize;
    let mut sim = Simulation::new(&sized_scenario(spines)).unwrap();
    let steps = 20u64;
    g.throughput(Throughput::Elements(sim.spine_count() as u64 * steps));
    g.bench_with_input(BenchmarkId::from_parameter(spines), &steps, |b, &steps| b.iter(|| sim.advance(steps)));
    g.finish();
}

/// The whole pathway step of the ECS and of the plain struct-of-arrays reference
/// (`benches/reference/mod.rs`, bit-identical by `tests/it/plain_reference.rs`) in the same run, one thread,
/// spine turnover on every step.
fn step_vs_reference(c: &mut Criterion) {
    let mut g = c.benchmark_group("step_vs_reference");
    g.sample_size(10);
    for spines in [10_000usize, 100_000, 1_000_000] {
        let sc = sized_scenario(spines);
        let mut sim = Simulation::new(&sc).unwrap();
        let mut reference = Reference::new(&sc);
        let steps = 20u64;
        g.throughput(Throughput::Elements(sim.spine_count() as u64 * steps));
        g.bench_with_input(BenchmarkId::new("ecs", spines), &steps, |b, &steps| b.iter(|| sim.advance(steps)));
        g.bench_with_input(BenchmarkId::new("reference", spines), &steps, |b, &steps| b.iter(|| reference.advance(steps)));
    }
    g.finish();
}

/// A whole default 7-day `iv-infusion` run: the ECS (`Simulation::run`, with the clinic and the
/// numerical guard) and the plain reference (the same trace rows and summary tracker).
fn run_vs_reference(c: &mut Criterion) {
    let mut g = c.benchmark_group("run_vs_reference");
    g.sample_size(10);
    let sc = scenario::load("iv-infusion", &[], None).unwrap();
    g.bench_function("ecs", |b| b.iter(|| Simulation::new(&sc).unwrap().run(|_, _| {}).unwrap()));
    g.bench_function("reference", |b| b.iter(|| black_box(Reference::new(&sc).run())));
    g.finish();
}

fn scenario_runs(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario");
    g.sample_size(10);
    let sc = scenario::load("iv-infusion", &[], None).unwrap();
    g.bench_function("iv-infusion_7d_default", |b| b.iter(|| Simulation::new(&sc).unwrap().run(|_, _| {}).unwrap()));
    g.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's plotting backend would need system fonts.
    config = Criterion::default().without_plots();
    targets = step, step_vs_reference, run_vs_reference, scenario_runs, step_two_threads
}

/// CPU time of this thread, s (wall time means little on a shared machine).
fn thread_cpu_s() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Median of the thread CPU time of `reps` calls of `f`.
fn median_cpu_s(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = thread_cpu_s();
            f();
            thread_cpu_s() - t0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[reps / 2]
}

/// `KETASIM_CPU_RATIO=1 cargo bench --bench pathway`: instead of criterion, the ECS and the
/// reference interleaved, thread CPU time (median of 7), the ratio of throughputs printed.
fn cpu_ratio() {
    println!("group,size,ecs_cpu_s,reference_cpu_s,ecs_over_reference_throughput");
    for spines in [10_000usize, 100_000, 1_000_000] {
        let sc = sized_scenario(spines);
        let mut sim = Simulation::new(&sc).unwrap();
        let mut reference = Reference::new(&sc);
        let (mut e, mut r) = (Vec::new(), Vec::new());
        for _ in 0..7 {
            e.push(median_cpu_s(1, || sim.advance(20)));
            r.push(median_cpu_s(1, || reference.advance(20)));
        }
        e.sort_by(f64::total_cmp);
        r.sort_by(f64::total_cmp);
        println!("step_20,{spines},{:.6},{:.6},{:.3}", e[3], r[3], r[3] / e[3]);
    }
    let sc = scenario::load("iv-infusion", &[], None).unwrap();
    let (mut e, mut r) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        e.push(median_cpu_s(1, || {
            black_box(Simulation::new(&sc).unwrap().run(|_, _| {}).unwrap());
        }));
        r.push(median_cpu_s(1, || {
            black_box(Reference::new(&sc).run());
        }));
    }
    e.sort_by(f64::total_cmp);
    r.sort_by(f64::total_cmp);
    println!("run_iv-infusion_7d,default,{:.6},{:.6},{:.3}", e[3], r[3], r[3] / e[3]);
}

fn main() {
    if std::env::var_os("KETASIM_CPU_RATIO").is_some() {
        cpu_ratio();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
