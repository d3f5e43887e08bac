//! Numerical guards: every state variable is checked at each sample for NaN, infinities and its
//! physical range, so that no number goes bad silently.
//!
//! The checks are pure functions over read-out values ([`check_exposure`], [`check_means`],
//! [`check_trace_row`], [`check_value`]); [`check_sample`] gathers the values of a running world
//! (every agent's state, the circuit means, the PK exposure) and checks them in the causal order of
//! the model, so the first violation names the stage where things went wrong. A violation is an
//! [`Error::Numerical`] (exit code 1) whose message names the stage, the variable, the time, the
//! value, what is allowed, and a probable cause; the command line then removes the run's temporary
//! directory, so nothing half-written is left.
//!
//! Ranges: fractions (NMDA block, AMPA activation, adaptation, suppression, lost inhibition) in
//! 0–1; concentrations, rates, relative levels and counts at least 0; trace columns whose unit
//! declares a range (e.g. `fraction 0-1`, `MADRS points 0-60`, `%`) within it. A tolerance of
//! [`TOLERANCE`] absorbs round-off.
//!
//! Test hook: `KETASIM_FAULT_INJECT` (a comma-separated list, read by [`fault_injected`]) makes
//! faults happen on purpose so that tests can follow the failure path end to end:
//! `nan_glutamate` sets the glutamate state to NaN at the first sample at or after 1 h (the guard
//! catches it at the next sample); the writer faults are listed in [`crate::output`]. It is a test
//! hook only: never set it in real use.

use bevy_ecs::prelude::*;

use crate::error::{Error, Result};
use crate::params::{PARAMETERS, Params};
use crate::pathway::glutamate::Glutamate;
use crate::pathway::{CircuitMeans, Exposure, Model};
use crate::readout::{TRACE, TraceRow};

/// Round-off allowed outside a range (absolute).
pub const TOLERANCE: f64 = 1e-9;

/// The environment variable of the fault-injection test hook.
pub const FAULT_ENV: &str = "KETASIM_FAULT_INJECT";

/// Whether the test hook asks for fault `point` (see the module docs).
pub fn fault_injected(point: &str) -> bool {
    std::env::var(FAULT_ENV).is_ok_and(|v| v.split(',').any(|p| p.trim() == point))
}

/// The physical range of a variable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Any finite number.
    Finite,
    /// Finite and at least 0 (concentrations, rates, relative levels, counts).
    NonNegative,
    /// Finite, in `[lo, hi]`.
    Within(f64, f64),
}

impl Bound {
    /// A fraction: finite and in `[0, 1]`.
    pub const FRACTION: Bound = Bound::Within(0.0, 1.0);

    fn describe(self) -> String {
        match self {
            Bound::Finite => "a finite number".into(),
            Bound::NonNegative => "a finite number >= 0".into(),
            Bound::Within(lo, hi) => format!("a finite number in {lo} to {hi}"),
        }
    }

    /// Whether `v` is within the bound: `violation(v).is_none()` without building a message (the
    /// guard's fast path, run for every agent and column at every sample).
    #[inline]
    pub fn holds(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Bound::Finite => true,
                Bound::NonNegative => v >= -TOLERANCE,
                Bound::Within(lo, hi) => v >= lo - TOLERANCE && v <= hi + TOLERANCE,
            }
    }

    /// What is wrong with `v`, if anything.
    pub fn violation(self, v: f64) -> Option<String> {
        if v.is_nan() {
            return Some("is NaN (not a number)".into());
        }
        if v.is_infinite() {
            return Some(format!("is {}infinite", if v < 0.0 { "negative " } else { "" }));
        }
        match self {
            Bound::Finite => None,
            Bound::NonNegative if v < -TOLERANCE => Some(format!("is negative ({v:e})")),
            Bound::NonNegative => None,
            Bound::Within(lo, _) if v < lo - TOLERANCE => Some(format!("is below {lo} ({v:e})")),
            Bound::Within(_, hi) if v > hi + TOLERANCE => Some(format!("is above {hi} ({v:e})")),
            Bound::Within(..) => None,
        }
    }
}

/// The probable cause of a bad value in `stage`, for the message.
pub fn probable_cause(stage: &str, overridden: &[String]) -> String {
    if stage == "glutamate" && fault_injected("nan_glutamate") {
        return format!("it was injected on purpose by the test hook {FAULT_ENV}=nan_glutamate; unset {FAULT_ENV}");
    }
    let mine: Vec<&str> = PARAMETERS
        .iter()
        .filter(|p| p.stage == stage && overridden.iter().any(|o| o == p.name))
        .map(|p| p.name)
        .collect();
    let general = match stage {
        "pk" => {
            "the pharmacokinetic system is too stiff or too extreme for its matrix exponential: tiny volumes with large \
             clearances or rate constants (ke0_per_h, ka_*), a very light subject, or a huge dose; a smaller numerics.dt_s \
             makes each PK step less stiff"
        }
        "spines" => "spine turnover rates or the formation Hill exponent are extreme for the spine step (spine_step_min)",
        "trace" | "clinical" => "a read-out was computed from an extreme parameter combination",
        _ => {
            "this stage is integrated with exact exponential steps, which are stable at any numerics.dt_s, so an \
             extreme parameter value (a tiny half-saturation or time constant, a huge gain or Hill exponent) is the \
             likely cause"
        }
    };
    if mine.is_empty() {
        let others: Vec<&str> = overridden.iter().map(String::as_str).collect();
        if others.is_empty() {
            format!(
                "{general}; no model parameter is overridden: check the doses and numerics for extreme values, and if they \
                 are ordinary, this is a bug in ketasim: please report it with the scenario"
            )
        } else {
            format!("{general}; the overridden parameters may be the cause: {}", others.join(", "))
        }
    } else {
        format!("{general}; overridden parameters of this stage: {}", mine.join(", "))
    }
}

/// Check one value; the error names the stage, the variable, the time, the range and the cause.
pub fn check_value(stage: &str, variable: &str, value: f64, bound: Bound, t_h: f64, overridden: &[String]) -> Result<()> {
    if bound.holds(value) {
        return Ok(());
    }
    match bound.violation(value) {
        None => Ok(()),
        Some(what) => Err(Error::Numerical {
            stage: stage.to_string(),
            variable: variable.to_string(),
            t_h,
            value,
            message: format!(
                "numerical guard: stage `{stage}`, variable `{variable}` {what} at t = {t_h:.4} h (allowed: {}); probable cause: {}",
                bound.describe(),
                probable_cause(stage, overridden)
            ),
        }),
    }
}

/// The effect-site exposure and plasma concentrations (stage `pk`).
pub fn check_exposure(e: &Exposure, t_h: f64, overridden: &[String]) -> Result<()> {
    let c = &e.conc;
    for (name, v) in [
        ("plasma_ketamine_ng_ml", c.plasma_ketamine_ng_ml),
        ("plasma_norketamine_ng_ml", c.plasma_norketamine_ng_ml),
        ("brain_ketamine_ng_ml", c.brain_ketamine_ng_ml),
        ("brain_norketamine_ng_ml", c.brain_norketamine_ng_ml),
        ("auc_ng_h_ml", c.auc_ng_h_ml),
        ("blocker_um", e.blocker_um),
        ("clinical_um", e.clinical_um),
        ("hnk_um", e.hnk_um),
    ] {
        check_value("pk", name, v, Bound::NonNegative, t_h, overridden)?;
    }
    for (d, &v) in crate::pk::Drug::ALL.iter().zip(&c.brain_parent_ng_ml) {
        // The variable's name is built only for a message.
        if !Bound::NonNegative.holds(v) {
            check_value("pk", &format!("brain_parent_ng_ml of {}", d.name()), v, Bound::NonNegative, t_h, overridden)?;
        }
    }
    Ok(())
}

/// The circuit means, stage by stage in causal order.
pub fn check_means(m: &CircuitMeans, t_h: f64, overridden: &[String]) -> Result<()> {
    use Bound::NonNegative as N;
    const F: Bound = Bound::FRACTION;
    for (stage, name, v, b) in [
        ("nmda", "nmda_block_interneuron", m.nmda_block_interneuron, F),
        ("nmda", "nmda_block_pyramidal", m.nmda_block_pyramidal, F),
        ("disinhibition", "interneuron_rate_hz", m.interneuron_rate_hz, N),
        ("disinhibition", "inhibition_rel", m.inhibition_rel, N),
        ("disinhibition", "pyramidal_rate_hz", m.pyramidal_rate_hz, N),
        ("glutamate", "glutamate_rel", m.glutamate_rel, N),
        ("ampa", "ampa_activation", m.ampa_activation, F),
        ("bdnf", "bdnf_rel", m.bdnf_rel, N),
        ("mtorc1", "mtorc1_rel", m.mtorc1_rel, N),
        ("protein", "synaptic_protein_rel", m.synaptic_protein_rel, N),
        ("spines", "spines_per_neuron", m.spines_per_neuron, N),
        ("spines", "thin_spines_per_neuron", m.thin_spines_per_neuron, N),
        ("spines", "mushroom_spines_per_neuron", m.mushroom_spines_per_neuron, N),
    ] {
        check_value(stage, name, v, b, t_h, overridden)?;
    }
    Ok(())
}

/// The range a trace column's unit declares: `fraction 0-1`, `MADRS points 0-60`, `%` (0–100);
/// otherwise at least 0 (every trace quantity is a time, a concentration, a rate, a level or a count).
pub fn column_bound(unit: &str) -> Bound {
    if unit.trim() == "%" {
        return Bound::Within(0.0, 100.0);
    }
    let declared = unit.split_whitespace().rev().find_map(|w| {
        let (lo, hi) = w.split_once('-')?;
        Some((lo.parse::<f64>().ok()?, hi.parse::<f64>().ok()?))
    });
    match declared {
        Some((lo, hi)) if lo <= hi => Bound::Within(lo, hi),
        _ => Bound::NonNegative,
    }
}

/// Every column of a trace row: finite and within its registry bound (stage `trace`).
pub fn check_trace_row(row: &TraceRow, overridden: &[String]) -> Result<()> {
    for (col, value) in TRACE.iter().zip(row.values()) {
        check_value("trace", col.name, value, col.bound, row.time_h, overridden)?;
    }
    Ok(())
}

/// Names of the parameters that differ from their defaults.
pub fn overridden(p: &Params) -> Vec<String> {
    let defaults = Params::default();
    PARAMETERS.iter().filter(|i| p.get(i.name) != defaults.get(i.name)).map(|i| i.name.to_string()).collect()
}

/// A check of one stage's state at a sample: (world, t_h, overridden parameters).
pub type Check = fn(&mut World, f64, &[String]) -> Result<()>;

/// The checks the stages registered, in registration (causal) order.
#[derive(Resource, Debug, Clone, Default)]
pub struct Checks(pub Vec<Check>);

/// Register a stage's check (called by the stage plugins, in causal order).
pub fn add_check(world: &mut World, check: Check) {
    world.get_resource_or_insert_with(Checks::default).0.push(check);
}

/// The query states of [`check_agents`], one per (id component, state component) pair, built once
/// per world: building a `QueryState` at every sample cost more than the check itself.
#[derive(Resource, Default)]
struct AgentQueries(std::collections::HashMap<std::any::TypeId, Box<dyn std::any::Any + Send + Sync>>);

/// Check every agent of one component type; the error names the first bad agent.
#[allow(clippy::too_many_arguments)]
pub fn check_agents<C: Component, M: Component>(
    world: &mut World,
    stage: &str,
    variable: &str,
    kind: &str,
    bound: Bound,
    t_h: f64,
    overridden: &[String],
    get: impl Fn(&C) -> f64,
    id: impl Fn(&M) -> u32,
) -> Result<()> {
    // The cache is taken out of its resource while the query runs (the query reads the world).
    let mut cache = match world.get_resource_mut::<AgentQueries>() {
        Some(mut c) => std::mem::take(&mut c.bypass_change_detection().0),
        None => {
            world.init_resource::<AgentQueries>();
            Default::default()
        }
    };
    let state = cache
        .entry(std::any::TypeId::of::<(M, C)>())
        .or_insert_with(|| Box::new(world.query::<(&M, &C)>()))
        .downcast_mut::<QueryState<(&'static M, &'static C)>>()
        .expect("the query state cached for this pair of component types");
    let bad = state.iter(world).find(|(_, c)| !bound.holds(get(c))).map(|(m, c)| (id(m), get(c)));
    world.resource_mut::<AgentQueries>().bypass_change_detection().0 = cache;
    match bad {
        Some((agent, value)) => check_value(stage, &format!("{variable} of {kind} {agent}"), value, bound, t_h, overridden),
        None => Ok(()),
    }
}

/// Check a running world at a sample, in the causal order of the model: the PK exposure, then
/// each stage's registered [`Checks`] (its agents' state and its output), then the trace row about
/// to be written (each column within its registry bound).
///
/// The list of overridden parameters is needed only for the message of a violation, and building
/// it compares every parameter by name: the checks run first without it (they only read the
/// world), and only if one fails do they run again with it, so the error is the same.
pub fn check_sample(world: &mut World, row: &TraceRow) -> Result<()> {
    if let Err(first) = run_checks(world, row, &[]) {
        let ov = world.get_resource::<Model>().map(|m| overridden(&m.0)).unwrap_or_default();
        return Err(run_checks(world, row, &ov).err().unwrap_or(first));
    }
    // Test hook: poison the glutamate state once, after the checks, so that the NaN goes through
    // the pathway systems and the guard has to catch it at the next sample.
    if row.time_h >= 1.0
        && fault_injected("nan_glutamate")
        && let Some(mut g) = world.get_resource_mut::<Glutamate>()
    {
        g.0 = f64::NAN;
    }
    Ok(())
}

/// Every check of [`check_sample`], with the overridden parameters `ov` for the messages.
fn run_checks(world: &mut World, row: &TraceRow, ov: &[String]) -> Result<()> {
    let t_h = row.time_h;
    if let Some(e) = world.get_resource::<Exposure>() {
        check_exposure(e, t_h, ov)?;
    }
    let n = world.get_resource::<Checks>().map_or(0, |c| c.0.len());
    for i in 0..n {
        let check = world.resource::<Checks>().0[i];
        check(world, t_h, ov)?;
    }
    check_trace_row(row, ov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(Bound::FRACTION.violation(0.5).is_none());
        assert!(Bound::FRACTION.violation(1.0 + 1e-12).is_none(), "round-off is tolerated");
        assert!(Bound::FRACTION.violation(1.01).unwrap().contains("above 1"));
        assert!(Bound::NonNegative.violation(-1e-3).unwrap().contains("negative"));
        assert!(Bound::NonNegative.violation(f64::NAN).unwrap().contains("NaN"));
        assert!(Bound::Finite.violation(f64::NEG_INFINITY).unwrap().contains("negative infinite"));
        // The fast path agrees with the messages.
        let values = [0.0, 0.5, 1.0, 1.0 + 1e-12, 1.01, -1e-12, -1e-3, 60.0, 100.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        for b in [Bound::Finite, Bound::NonNegative, Bound::FRACTION, Bound::Within(0.0, 60.0), Bound::Within(0.0, 100.0)] {
            for v in values {
                assert_eq!(b.holds(v), b.violation(v).is_none(), "{b:?} {v}");
            }
        }
    }

    #[test]
    fn column_units_declare_ranges() {
        assert_eq!(column_bound("fraction 0-1"), Bound::Within(0.0, 1.0));
        assert_eq!(column_bound("MADRS points 0-60"), Bound::Within(0.0, 60.0));
        assert_eq!(column_bound("%"), Bound::Within(0.0, 100.0));
        assert_eq!(column_bound("ng/mL"), Bound::NonNegative);
        assert_eq!(column_bound("x healthy drug-free"), Bound::NonNegative);
        // The registry's bounds are the ranges the units declare.
        for c in TRACE {
            assert_eq!(c.bound, column_bound(c.unit), "{}", c.name);
        }
    }
}
