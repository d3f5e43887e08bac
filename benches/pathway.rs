//! Criterion benchmarks (docs/performance.md): `step`, `ecs_vs_plain`, `scenario`.
//!
//! Run: `cargo bench --bench pathway`; one group: `cargo bench --bench pathway -- step`.

use std::hint::black_box;

use bevy_ecs::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ketasim::params::Params;
use ketasim::pathway::Spine;
use ketasim::pathway::synaptogenesis::{Fate, FateOdds, fate, rates, spine_key};
use ketasim::rng;
use ketasim::scenario::{self, Scenario};
use ketasim::sim::Simulation;

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

/// The same per-spine update (fate from the spine's counter-based stream, tally per neuron) over
/// the ECS query and over a plain `Vec`.
#[inline]
fn update(s: &mut Spine, odds: &FateOdds, counter: u64, tally: &mut [u32]) -> bool {
    match fate(s.mushroom, odds, rng::uniform(s.key, counter)) {
        Fate::Eliminated => return false,
        Fate::Matures => s.mushroom = true,
        Fate::Stays => {}
    }
    tally[s.neuron as usize] += 1;
    true
}

#[derive(Resource)]
struct Bench {
    odds: FateOdds,
    counter: u64,
    tally: Vec<u32>,
    eliminated: usize,
}

fn ecs_system(mut bench: ResMut<Bench>, mut spines: Query<&mut Spine>) {
    let b = &mut *bench;
    b.counter += 1;
    b.tally.iter_mut().for_each(|t| *t = 0);
    let (odds, counter) = (b.odds, b.counter);
    let mut eliminated = 0;
    spines.iter_mut().for_each(|mut s| {
        if !update(&mut s, &odds, counter, &mut b.tally) {
            eliminated += 1;
        }
    });
    b.eliminated = eliminated;
}

fn ecs_vs_plain(c: &mut Criterion) {
    let mut g = c.benchmark_group("ecs_vs_plain");
    let n_spines = 100_000usize;
    let neurons = 500u32;
    let p = Params::default();
    let odds = FateOdds::new(&rates(1.0, 200.0, false, 200.0, &p), 0.25);
    let spines: Vec<Spine> = (0..n_spines as u32)
        .map(|i| Spine { key: spine_key(1, i % neurons, i / neurons), neuron: i % neurons, mushroom: i % 3 != 0 })
        .collect();
    g.throughput(Throughput::Elements(n_spines as u64));

    let mut world = World::new();
    world.spawn_batch(spines.clone());
    world.insert_resource(Bench { odds, counter: 0, tally: vec![0; neurons as usize], eliminated: 0 });
    let mut schedule = Schedule::default();
    schedule.set_executor(bevy_ecs::schedule::SingleThreadedExecutor::new());
    schedule.add_systems(ecs_system);
    g.bench_function("ecs_query", |b| b.iter(|| schedule.run(&mut world)));

    let mut plain = spines.clone();
    let mut tally = vec![0u32; neurons as usize];
    let mut counter = 0u64;
    g.bench_function("plain_vec", |b| {
        b.iter(|| {
            counter += 1;
            tally.iter_mut().for_each(|t| *t = 0);
            let mut eliminated = 0;
            plain.iter_mut().for_each(|s| {
                if !update(s, &odds, counter, &mut tally) {
                    eliminated += 1;
                }
            });
            black_box(eliminated)
        });
    });
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
    targets = step, ecs_vs_plain, scenario_runs, step_two_threads
}
criterion_main!(benches);
