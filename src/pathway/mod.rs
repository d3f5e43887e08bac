//! The pathway from NMDA block to new spines, as ECS components, resources and systems.
//!
//! One file per stage, in causal order. Each stage module is a plugin: it declares a system set
//! (`Set`), registers its output resource, its systems (in its set) and its guard checks
//! (`plugin`), and publishes its output in its own resource; no stage reads another stage's value
//! through a shared read-out resource. [`build`] orders the sets once and runs the plugins:
//!
//! ```text
//! drug at the effect site (Exposure, written by the PK system)
//!   → nmda            trapping block on interneurons and pyramidal neurons
//!   → disinhibition   interneurons slow down, pyramidal neurons speed up
//!   → glutamate       the extracellular glutamate surge
//!   → ampa            AMPA receptor activation           (nbqx)
//!   → bdnf            BDNF: activity-dependent release    (bdnf_val66met) and the eEF2K route
//!   → mtorc1          TrkB → mTORC1                       (trkb_antagonist, rapamycin)
//!   → protein         synaptic protein synthesis          (anisomycin)
//!   → synaptogenesis  spine formation, maturation, elimination
//! ```
//!
//! Each stage has a pure per-agent update function (unit-tested on its own) that its system calls.
//! Continuous stages relax towards a target with an exact exponential step,
//! `x ← x* + (x − x*)·exp(−dt/τ)`, so results depend only weakly on `dt_s`.

pub mod ampa;
pub mod bdnf;
pub mod disinhibition;
pub mod glutamate;
pub mod mtorc1;
pub mod nmda;
pub mod protein;
pub mod synaptogenesis;

use bevy_ecs::prelude::*;

use crate::params::Params;
use crate::pk::Concentrations;
use crate::scenario::{InterventionKind, Mechanisms};
use crate::units::{SECONDS_PER_HOUR, SECONDS_PER_MINUTE};

/// Exact relaxation of `x` towards `target` over `dt` with time constant `tau` (same units).
#[inline]
pub fn relax(x: f64, target: f64, dt: f64, tau: f64) -> f64 {
    relax_by(x, target, crate::math::exp(-dt / tau))
}

/// Relaxation with a precomputed decay factor `exp(−dt/τ)` (computed once per step, not per agent).
#[inline]
pub fn relax_by(x: f64, target: f64, decay: f64) -> f64 {
    target + (x - target) * decay
}

/// Hill function `x^n / (x^n + ec50^n)` (0 for `x ≤ 0`): AMPA activation and the clinical Emax models.
#[inline]
pub fn hill(x: f64, ec50: f64, n: f64) -> f64 {
    let xn = pow_n(x.max(0.0), n);
    xn / (xn + pow_n(ec50, n))
}

/// `x^n`, with multiplications for the small integer exponents of the Hill functions (1, 2, 3, 4
/// and 8: the spine consolidation and crowding are Hill functions of power 8, whose libm `pow`
/// was about half of a default run's CPU time, docs/performance.md).
#[inline]
pub fn pow_n(x: f64, n: f64) -> f64 {
    match n {
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        4.0 => {
            let y = x * x;
            y * y
        }
        8.0 => {
            let y = x * x;
            let z = y * y;
            z * z
        }
        _ => crate::math::powf(x, n),
    }
}

/// Why the stage queries iterate table by table (`contiguous_iter`, slices of each component, as
/// plain arrays) and may expect to: every stage component is stored in tables (bevy's default).
/// Per-entity `for_each` called the loop body out of line for each neuron, which cost more than
/// the body itself at this size (docs/performance.md).
pub(crate) const DENSE: &str = "stage components are table-stored, so every stage query is dense";

// ---------------------------------------------------------------- resources

/// Simulation time. `t_h` is the start of the current step; the step is `dt_h` long.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Clock {
    /// Step number, counting from 0.
    pub step: u64,
    /// Time at the start of the current step, h.
    pub t_h: f64,
    /// Length of the current step, h.
    pub dt_h: f64,
}

/// The run's steps, derived once from the scenario ([`StepGrid::of`]) and inserted by `sim.rs`
/// before the stages register: the step length, the number of steps and which step ends are
/// sample times. Everything that samples on the trace's times (the trace itself, pain.csv) reads
/// this one rule.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct StepGrid {
    /// Length of a full step, h (`numerics.dt_s`).
    pub dt_h: f64,
    /// Number of steps; the last may be shorter, ending exactly at `total_h`.
    pub total_steps: u64,
    /// A sample every this many steps (`numerics.sample_every_min`, at least 1).
    pub sample_every_steps: u64,
    /// Length of the run, h (`duration_h`).
    pub total_h: f64,
}

impl StepGrid {
    /// The step grid of `sc`.
    pub fn of(sc: &crate::scenario::Scenario) -> Self {
        let dt_s = sc.numerics.dt_s;
        let total_s = sc.duration_h * SECONDS_PER_HOUR;
        Self {
            dt_h: dt_s / SECONDS_PER_HOUR,
            total_steps: (total_s / dt_s - 1e-9).ceil().max(1.0) as u64,
            sample_every_steps: (sc.numerics.sample_every_min * SECONDS_PER_MINUTE / dt_s).round().max(1.0) as u64,
            total_h: sc.duration_h,
        }
    }

    /// Whether `step` is the last step.
    pub fn is_last(&self, step: u64) -> bool {
        step + 1 == self.total_steps
    }

    /// Whether the end of `step` is a sample time: every `sample_every_steps`-th step, and the last.
    pub fn is_sample(&self, step: u64) -> bool {
        (step + 1).is_multiple_of(self.sample_every_steps) || self.is_last(step)
    }

    /// The time at the end of `step`, h (`total_h` exactly for the last).
    pub fn end_h(&self, step: u64) -> f64 {
        if self.is_last(step) { self.total_h } else { (step + 1) as f64 * self.dt_h }
    }
}

/// Drug at the effect site during this step (written by the PK system).
#[derive(Resource, Debug, Clone, Copy, Default)]
pub struct Exposure {
    /// Plasma and effect-site concentrations of every compound this step.
    pub conc: Concentrations,
    /// Racemic-ketamine-equivalent NMDA blocker at the effect site, µM: each drug weighted by
    /// its NMDA potency from the drug catalogue, plus `potency_NK·norketamine`.
    pub blocker_um: f64,
    /// Racemic-ketamine-equivalent drive of the acute clinical effects, µM: each drug weighted by
    /// its clinical potency, plus `potency_NK·norketamine`.
    pub clinical_um: f64,
    /// (2R,6R)-HNK at the effect site, µM (used only when the `hnk` mechanism is on).
    pub hnk_um: f64,
}

/// The model parameters, as a resource.
#[derive(Resource, Debug, Clone)]
pub struct Model(pub Params);

/// Which hypotheses are switched on.
#[derive(Resource, Debug, Clone)]
pub struct Switches(pub Mechanisms);

/// Whether the subject is chronically stressed.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Stress(pub bool);

/// Run seed, for per-agent random streams.
#[derive(Resource, Debug, Clone, Copy)]
pub struct Seed(pub u64);

/// Fraction of each target inhibited right now (0 = untouched, 1 = fully blocked), indexed by
/// [`InterventionKind::index`].
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct Blockers(pub [f64; InterventionKind::COUNT]);

impl Blockers {
    /// Strength of intervention `kind` now.
    #[inline]
    pub fn of(&self, kind: InterventionKind) -> f64 {
        self.0[kind.index()]
    }
}

/// The scenario's interventions: (kind, from_h, to_h, strength).
#[derive(Resource, Debug, Clone, Default)]
pub struct InterventionPlan(pub Vec<(InterventionKind, f64, f64, f64)>);

/// The interventions given as a dose (their strength follows their kinetics,
/// [`crate::pk::inhibitors`]) and the subject's weight, kg.
#[derive(Resource, Debug, Clone, Default)]
pub struct DosedInterventions(pub Vec<crate::pk::inhibitors::InhibitorDose>, pub f64);

/// Circuit-level means of every stage, gathered for the read-outs from each stage's own output
/// resource ([`CircuitMeans::of`]); no stage reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CircuitMeans {
    /// Mean fraction of interneuron NMDA receptors blocked (0–1).
    pub nmda_block_interneuron: f64,
    /// Mean fraction of pyramidal-neuron NMDA receptors blocked (0–1).
    pub nmda_block_pyramidal: f64,
    /// Mean interneuron firing rate, Hz.
    pub interneuron_rate_hz: f64,
    /// Mean pyramidal-neuron firing rate, Hz.
    pub pyramidal_rate_hz: f64,
    /// Total interneuron output relative to its drug-free value (the inhibition pyramidal cells get).
    pub inhibition_rel: f64,
    /// Extracellular glutamate relative to the drug-free steady state.
    pub glutamate_rel: f64,
    /// Mean AMPA receptor activation (0–1).
    pub ampa_activation: f64,
    /// Mean BDNF relative to the healthy drug-free steady state.
    pub bdnf_rel: f64,
    /// Mean mTORC1 activity relative to the healthy drug-free steady state.
    pub mtorc1_rel: f64,
    /// Mean synaptic protein relative to the healthy steady state.
    pub synaptic_protein_rel: f64,
    /// Spines per pyramidal neuron (thin and mushroom).
    pub spines_per_neuron: f64,
    /// Thin spines per pyramidal neuron.
    pub thin_spines_per_neuron: f64,
    /// Mushroom spines per pyramidal neuron.
    pub mushroom_spines_per_neuron: f64,
}

impl CircuitMeans {
    /// Gather the means from the stages' output resources.
    pub fn of(world: &World) -> Self {
        let nmda = world.resource::<nmda::NmdaMeans>();
        let firing = world.resource::<disinhibition::Firing>();
        let spines = world.resource::<synaptogenesis::SpineMeans>();
        Self {
            nmda_block_interneuron: nmda.interneuron,
            nmda_block_pyramidal: nmda.pyramidal,
            interneuron_rate_hz: firing.interneuron_rate_hz,
            pyramidal_rate_hz: firing.pyramidal_rate_hz,
            inhibition_rel: firing.inhibition_rel,
            glutamate_rel: world.resource::<glutamate::Glutamate>().0,
            ampa_activation: world.resource::<ampa::AmpaMean>().0,
            bdnf_rel: world.resource::<bdnf::BdnfMean>().0,
            mtorc1_rel: world.resource::<mtorc1::Mtorc1Mean>().0,
            synaptic_protein_rel: world.resource::<protein::ProteinMean>().0,
            spines_per_neuron: spines.spines_per_neuron,
            thin_spines_per_neuron: spines.thin_spines_per_neuron,
            mushroom_spines_per_neuron: spines.mushroom_spines_per_neuron,
        }
    }
}

// ---------------------------------------------------------------- components

/// A tonically firing GABAergic interneuron (rich in GluN2C/2D). Spawning one brings its stage
/// state (required components).
#[derive(Component, Debug, Clone, Copy)]
#[require(NmdaBlock, FiringRate)]
pub struct Interneuron {
    /// Agent id, for guard messages.
    pub id: u32,
    /// Drug-free tonic firing rate, Hz.
    pub baseline_rate_hz: f64,
    /// Relative tonic channel opening (mean 1): scales the rate at which block builds up.
    pub open_factor: f64,
}

/// A layer V pyramidal neuron. Spawning one brings the state of every stage it goes through
/// (required components, at their drug-free values; the spawn sets the cell-specific ones).
#[derive(Component, Debug, Clone, Copy)]
#[require(
    NmdaBlock,
    FiringRate,
    Adaptation,
    Suppression,
    Excitability = Excitability(1.0),
    Ampa,
    Bdnf = Bdnf(1.0),
    Mtorc1 = Mtorc1(1.0),
    SynapticProtein = SynapticProtein(1.0),
    synaptogenesis::SpineDrive,
    synaptogenesis::Spines
)]
pub struct Pyramidal {
    /// Index 0..n, also the index of its spine tallies.
    pub index: u32,
    /// Drug-free firing rate, Hz.
    pub baseline_rate_hz: f64,
    /// Relative tonic channel opening (mean 1): scales the rate at which block builds up.
    pub open_factor: f64,
    /// Relative AMPA receptor gain (mean 1).
    pub ampa_gain: f64,
}

/// Fraction of the cell's NMDA receptors blocked (0–1).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct NmdaBlock(pub f64);

/// Firing rate, Hz.
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct FiringRate(pub f64);

/// Slow homeostatic adaptation of a pyramidal neuron to lost inhibition (0–1).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Adaptation(pub f64);

/// Memory of deep (anaesthetic) NMDA block of a pyramidal neuron, 0–1: rises at once with
/// `1 − E(b_pyr)` and decays slowly; it gates BDNF release and translation (stage 5).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Suppression(pub f64);

/// Excitability left by the pyramidal neuron's own NMDA block, E(b) in 0–1 (stage 2; read by stage 5).
#[derive(Component, Debug, Clone, Copy)]
pub struct Excitability(pub f64);

/// AMPA receptor activation (0–1).
#[derive(Component, Debug, Clone, Copy, Default)]
pub struct Ampa(pub f64);

/// BDNF relative to the healthy drug-free steady state.
#[derive(Component, Debug, Clone, Copy)]
pub struct Bdnf(pub f64);

/// mTORC1 activity relative to the healthy drug-free steady state.
#[derive(Component, Debug, Clone, Copy)]
pub struct Mtorc1(pub f64);

/// Synaptic protein (PSD-95, GluA1, synapsin I; one pool) relative to the healthy steady state.
#[derive(Component, Debug, Clone, Copy)]
pub struct SynapticProtein(pub f64);

// ---------------------------------------------------------------- interventions

/// The PK stage's set (the first; its system lives in `sim.rs`).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PkSet;

/// The interventions' set: blocker strengths for this step.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InterventionsSet;

/// The read-out modules' set, after every stage (clinical read-outs today).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Readout;

/// The run's scenario, for stage plugins configured by more than the parameters (the pain stage
/// reads `[pain]` and `[pca]`). Inserted by the simulation before [`build`].
#[derive(Resource, Debug, Clone)]
pub struct RunScenario(pub crate::scenario::Scenario);

/// A stage plugin: registers the stage's resources, systems (in its set) and guard checks.
pub type Plugin = fn(&mut World, &mut Schedule);

/// The pathway stages, in causal order (the order of their sets in [`build`]).
pub const STAGES: &[Plugin] = &[
    interventions,
    nmda::plugin,
    disinhibition::plugin,
    glutamate::plugin,
    ampa::plugin,
    bdnf::plugin,
    mtorc1::plugin,
    protein::plugin,
    synaptogenesis::plugin,
    crate::pain::plugin,
];

/// Order the sets once — the cascade's order, from the drug down to the spines — and register every stage.
pub fn build(world: &mut World, schedule: &mut Schedule) {
    schedule.configure_sets(
        (
            PkSet,
            InterventionsSet,
            nmda::Set,
            disinhibition::Set,
            glutamate::Set,
            ampa::Set,
            bdnf::Set,
            mtorc1::Set,
            protein::Set,
            synaptogenesis::Set,
            crate::pain::Set,
            Readout,
        )
            .chain(),
    );
    for plugin in STAGES {
        plugin(world, schedule);
    }
}

/// The interventions plugin: the [`Blockers`] resource and [`update_blockers`]. Without a planned
/// intervention (an empty [`InterventionPlan`], inserted before [`build`]) the blockers stay at
/// zero for the whole run and the system is not added (a system run every step costs bevy's
/// fixed per-system price: docs/performance.md, fourth pass).
fn interventions(world: &mut World, schedule: &mut Schedule) {
    world.init_resource::<Blockers>();
    if world.get_resource::<InterventionPlan>().is_none_or(|plan| !plan.0.is_empty()) {
        schedule.add_systems(update_blockers.in_set(InterventionsSet));
    }
}

/// Set each blocker's strength for this step from the intervention plan (windows) and the dosed
/// interventions (their kinetics). Reads `Clock`, `InterventionPlan`, `DosedInterventions`,
/// `Model`; writes `Blockers`.
pub fn update_blockers(
    clock: Res<Clock>,
    plan: Res<InterventionPlan>,
    dosed: Option<Res<DosedInterventions>>,
    model: Res<Model>,
    mut blockers: ResMut<Blockers>,
) {
    let t = clock.t_h + clock.dt_h;
    let mut b = Blockers::default();
    for &(kind, from, to, strength) in &plan.0 {
        if t > from && t <= to {
            let slot = &mut b.0[kind.index()];
            *slot = slot.max(strength);
        }
    }
    if let Some(d) = dosed.filter(|d| !d.0.is_empty()) {
        let s = crate::pk::inhibitors::strengths(&model.0, d.1, &d.0, t);
        for (slot, v) in b.0.iter_mut().zip(s) {
            *slot = slot.max(v);
        }
    }
    if *blockers != b {
        *blockers = b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The multiplied powers agree with libm's `pow` to a few units in the last place (three
    /// roundings for x⁸) over 13 decades of x, and are exact where `pow` is (powers of two).
    #[test]
    fn pow_n_matches_pow_within_rounding() {
        for n in [1.0, 2.0, 3.0, 4.0, 8.0] {
            for i in 0..=13_000 {
                let x = crate::math::powf(10.0, -6.0 + i as f64 * 1e-3);
                let (a, b) = (pow_n(x, n), crate::math::powf(x, n));
                assert!(((a - b) / b).abs() <= 4.0 * f64::EPSILON, "{x}^{n}: {a} vs {b}");
            }
            assert_eq!(pow_n(2.0, n), crate::math::powf(2.0, n));
            assert_eq!(pow_n(0.0, n), 0.0);
        }
    }
}
