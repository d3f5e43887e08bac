//! Read-outs: what a run reports. The trace (one row per sample), the summary (one row per run)
//! and the events.
//!
//! # The column registry
//! Every trace and summary column is declared **once**, in the `trace_columns!` and
//! `summary_columns!` tables below: its name (with its unit), unit, description, guard bound (trace) and
//! how it is computed — a getter over the step's [`Sample`] (trace), or a [`Reduce`]r over every
//! step (summary: peak, time of peak, minimum, value at a time, …). The CSV header and values
//! ([`TraceRow`], [`SummaryRow`]), the manifest's column lists ([`TRACE_COLUMNS`],
//! [`SUMMARY_COLUMNS`]), the numerical guard ([`TRACE`] bounds), the plot lookups ([`col`]) and the
//! `docs/output.md` table test all derive from it. Adding a column is one row here plus its line in
//! `docs/output.md`.

use bevy_ecs::world::World;
use serde::Serialize;

use crate::guard::Bound;
use crate::pathway::{CircuitMeans, Exposure};

pub mod clinical;
pub mod doses;

/// The read-out modules, each a plugin into the [`Readout`](crate::pathway::Readout) set.
pub const READOUTS: &[crate::pathway::Plugin] = &[clinical::plugin];

/// Everything a column may read at one step: the time, the drug exposure, the circuit means of
/// every stage and the clinical read-outs (computed once per step), and the world itself for any
/// other stage's output resource (`s.world.resource::<R>()`).
#[derive(Debug, Clone, Copy)]
pub struct Sample<'w> {
    /// The world after the step (every stage's and read-out's output resource).
    pub world: &'w World,
    /// Time at the end of the step, h.
    pub t_h: f64,
    /// Drug at the effect site and in plasma (the PK stage's output).
    pub exposure: Exposure,
    /// Circuit-level means published by the pathway stages.
    pub means: CircuitMeans,
    /// Spines per neuron relative to the healthy drug-free density.
    pub spine_density_rel: f64,
    /// Vital signs and dissociation.
    pub vitals: clinical::Vitals,
    /// Depressive symptoms, MADRS points.
    pub madrs: f64,
}

/// A getter over one step's sample.
pub type Get = for<'w> fn(&Sample<'w>) -> f64;

/// One trace column: name (with its unit), unit, description, the range the guard enforces, and
/// the getter that computes it.
#[derive(Clone, Copy)]
pub struct TraceColumn {
    /// Column name (also the CSV header).
    pub name: &'static str,
    /// Unit, as documented.
    pub unit: &'static str,
    /// What it means.
    pub description: &'static str,
    /// The physical range the numerical guard checks at every sample.
    pub bound: Bound,
    /// How the value is computed from the step's sample.
    pub get: Get,
}

const F01: Bound = Bound::FRACTION;
const NN: Bound = Bound::NonNegative;

/// Declares the trace columns once: the row struct, its values, the column table and the getters.
macro_rules! trace_columns {
    ($( $name:ident, $unit:literal, $bound:expr, $desc:literal, |$s:ident| $get:expr; )*) => {
        /// One sample of the trace. Field order is the CSV column order (a public contract).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
        pub struct TraceRow { $( #[doc = $desc] pub $name: f64, )* }

        /// Number of trace columns.
        pub const TRACE_WIDTH: usize = [$( stringify!($name) ),*].len();

        /// The trace column registry, in CSV order.
        pub const TRACE: &[TraceColumn] = &[ $( TraceColumn {
            name: stringify!($name), unit: $unit, description: $desc, bound: $bound, get: |$s: &Sample| $get,
        }, )* ];

        /// (column, unit, meaning) of every trace column, in order (from [`TRACE`]).
        pub const TRACE_COLUMNS: &[(&str, &str, &str)] = &[ $( (stringify!($name), $unit, $desc), )* ];

        /// Column names as constants, for lookups by name (plots): a misspelt name does not compile.
        #[allow(non_upper_case_globals)]
        pub mod col { $( #[doc = $desc] pub const $name: &str = stringify!($name); )* }

        impl TraceRow {
            /// The values in column order (the order of [`TRACE_COLUMNS`] and of trace.csv).
            pub fn values(&self) -> [f64; TRACE_WIDTH] { [ $( self.$name, )* ] }

            /// The row of one sample, each value from its column's getter ([`tidy`]: values below
            /// 1e-12 in size are written as 0).
            pub fn of(sample: &Sample) -> Self { Self { $( $name: tidy({ let $s = sample; $get }), )* } }
        }
    };
}

trace_columns! {
    time_h, "h", NN, "time since the start of the run", |s| s.t_h;
    plasma_ketamine_ng_ml, "ng/mL", NN, "parent drug in plasma (racemic ketamine, S-ketamine and R-ketamine together)", |s| s.exposure.conc.plasma_ketamine_ng_ml;
    plasma_norketamine_ng_ml, "ng/mL", NN, "norketamine in plasma", |s| s.exposure.conc.plasma_norketamine_ng_ml;
    brain_ketamine_um, "uM", NN, "parent drug at the effect site (brain)", |s| s.exposure.conc.brain_ketamine_um();
    nmda_block_interneuron, "fraction 0-1", F01, "mean fraction of interneuron NMDA receptors blocked", |s| s.means.nmda_block_interneuron;
    nmda_block_pyramidal, "fraction 0-1", F01, "mean fraction of pyramidal NMDA receptors blocked", |s| s.means.nmda_block_pyramidal;
    interneuron_rate_hz, "Hz", NN, "mean interneuron firing rate", |s| s.means.interneuron_rate_hz;
    pyramidal_rate_hz, "Hz", NN, "mean pyramidal firing rate", |s| s.means.pyramidal_rate_hz;
    glutamate_rel, "x healthy drug-free", NN, "extracellular glutamate", |s| s.means.glutamate_rel;
    ampa_activation, "fraction 0-1", F01, "mean AMPA receptor activation", |s| s.means.ampa_activation;
    bdnf_rel, "x healthy drug-free", NN, "mean BDNF", |s| s.means.bdnf_rel;
    mtorc1_rel, "x healthy drug-free", NN, "mean mTORC1 activity", |s| s.means.mtorc1_rel;
    synaptic_protein_rel, "x healthy drug-free", NN, "mean synaptic protein (PSD-95, GluA1, synapsin I)", |s| s.means.synaptic_protein_rel;
    spines_per_neuron, "spines", NN, "mean spines per pyramidal neuron", |s| s.means.spines_per_neuron;
    spine_density_rel, "x healthy drug-free", NN, "spines_per_neuron / circuit.spines_per_pyramidal", |s| s.spine_density_rel;
    sbp_mmhg, "mmHg", NN, "systolic blood pressure", |s| s.vitals.sbp_mmhg;
    dbp_mmhg, "mmHg", NN, "diastolic blood pressure", |s| s.vitals.dbp_mmhg;
    hr_bpm, "beats/min", NN, "heart rate", |s| s.vitals.hr_bpm;
    spo2_pct, "%", Bound::Within(0.0, 100.0), "oxygen saturation", |s| s.vitals.spo2_pct;
    dissociation_cadss, "CADSS points 0-92", Bound::Within(0.0, 92.0), "dissociation (Clinician-Administered Dissociative States Scale)", |s| s.vitals.dissociation_cadss;
    madrs, "MADRS points 0-60", Bound::Within(0.0, 60.0), "depressive symptoms (phenomenological read-out of the synaptic changes)", |s| s.madrs;
    brain_norketamine_ng_ml, "ng/mL", NN, "norketamine at the effect site (brain); a quarter as potent an NMDA blocker as racemic ketamine", |s| s.exposure.conc.brain_norketamine_ng_ml;
}

/// Values smaller than this in size are reported as 0 in the trace and the summary. Every
/// quantity is relative (of order 1) or a concentration in ng/mL, µM, Hz, mmHg or points, so
/// nothing below 1e-12 is measurable: such values are the tail of an exponential decay (e.g.
/// mTORC1 under a full rapamycin block falls as exp(−t/τ) towards 1e-42), not information.
pub const TINY: f64 = 1e-12;

/// `x`, or 0 when it is smaller than [`TINY`] in size.
#[inline]
pub fn tidy(x: f64) -> f64 {
    if x.abs() < TINY { 0.0 } else { x }
}

/// The window after the first dose in which the response columns (pathway stages, firing) look
/// for their peak, h: the acute cascade (block, glutamate, BDNF, mTORC1) peaks within hours
/// of a dose and is back near its start within a day (docs/output.md).
pub const PEAK_WINDOW_H: f64 = 24.0;

/// How a summary column reduces the run to one value.
#[derive(Clone, Copy)]
pub enum Reduce {
    /// A fact of the whole run, known at its end (scenario name, seed, alarm count, …).
    Run(fn(&RunFacts) -> Cell),
    /// The value at t = 0.
    Start(Get),
    /// The value at the end of the run.
    End(Get),
    /// The highest value over every step.
    Peak(Get),
    /// The time of the first step with the highest value.
    TimeOfPeak(Get),
    /// The lowest value over every step.
    Min(Get),
    /// The value at the first step at or after `h` hours (empty if the run is shorter).
    At {
        /// Time, h.
        h: f64,
        /// The value.
        get: Get,
    },
    /// Whether the value at the first step at or after `h` hours is at most `fraction` of its
    /// start value (empty if the run is shorter, or if `applies` is false at the start).
    ResponseAt {
        /// Time, h.
        h: f64,
        /// Largest fraction of the start value that counts as a response.
        fraction: f64,
        /// The value.
        get: Get,
        /// Whether a response means anything for this run (read at t = 0).
        applies: fn(&Sample) -> bool,
    },
    /// A response column: the peak (or, with `lowest`, the lowest value) over the steps from the
    /// first dose to [`PEAK_WINDOW_H`] after it; `time` reports when instead of the value. If an
    /// intervention in `blocked_by` acts on the stage in the window, the column reports the
    /// response before the block: the extreme over the steps before the blocker first acts (a
    /// blocker started after the dose leaves the early surge in view), or, when it acts from the
    /// first step of the window, the stage's floor while blocked (the lowest value over the
    /// blocked steps, and its time) — never the rebound after the block.
    Window {
        /// The value.
        get: Get,
        /// The interventions that block this stage directly.
        blocked_by: &'static [crate::scenario::InterventionKind],
        /// Report the lowest value instead of the highest.
        lowest: bool,
        /// Report the time instead of the value.
        time: bool,
    },
}

/// Facts of a whole run that summary columns may report.
#[derive(Debug, Clone, Copy)]
pub struct RunFacts<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Run seed.
    pub seed: u64,
    /// Number of alarms during observation.
    pub alarms: u32,
    /// When the patient could go home after the last session.
    pub discharge_ready_h: Option<f64>,
    /// No driving until then after the last session's discharge.
    pub no_driving_until_h: Option<f64>,
}

/// One reduced summary value, before it takes its column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number, or empty.
    Num(Option<f64>),
    /// A yes/no, or empty.
    Flag(Option<bool>),
    /// A count.
    Count(u64),
    /// Text.
    Text(String),
}

/// Conversion of a [`Cell`] into a summary field's type.
pub trait FromCell {
    /// The field value of `c`.
    fn from_cell(c: Cell) -> Self;
}

impl FromCell for f64 {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Num(Some(x)) = c { x } else { 0.0 }
    }
}
impl FromCell for Option<f64> {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Num(x) = c { x } else { None }
    }
}
impl FromCell for Option<bool> {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Flag(x) = c { x } else { None }
    }
}
impl FromCell for u64 {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Count(x) = c { x } else { 0 }
    }
}
impl FromCell for u32 {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Count(x) = c { u32::try_from(x).unwrap_or(u32::MAX) } else { 0 }
    }
}
impl FromCell for String {
    fn from_cell(c: Cell) -> Self {
        if let Cell::Text(x) = c { x } else { String::new() }
    }
}

/// One summary column: name (with its unit), unit, description, and its reducer.
#[derive(Clone, Copy)]
pub struct SummaryColumn {
    /// Column name (also the CSV header).
    pub name: &'static str,
    /// Unit, as documented.
    pub unit: &'static str,
    /// What it means.
    pub description: &'static str,
    /// How the run is reduced to this value.
    pub reduce: Reduce,
}

/// Declares the summary columns once: the row struct, the column table and the reducers.
macro_rules! summary_columns {
    ($( $name:ident : $ty:ty, $unit:literal, $desc:literal, $how:expr; )*) => {
        /// The one-row summary of a run. Optional fields are empty where the run is shorter.
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct SummaryRow { $( #[doc = $desc] pub $name: $ty, )* }

        /// The summary column registry, in CSV order.
        pub const SUMMARY: &[SummaryColumn] = &[ $( SummaryColumn {
            name: stringify!($name), unit: $unit, description: $desc, reduce: $how,
        }, )* ];

        /// (column, unit, meaning) of every summary column, in order (from [`SUMMARY`]).
        pub const SUMMARY_COLUMNS: &[(&str, &str, &str)] = &[ $( (stringify!($name), $unit, $desc), )* ];

        impl SummaryRow {
            /// The row from one cell per column, in column order.
            fn from_cells(cells: Vec<Cell>) -> Self {
                let mut it = cells.into_iter();
                Self { $( $name: FromCell::from_cell(it.next().unwrap_or(Cell::Num(None))), )* }
            }
        }
    };
}

use Reduce::{End, Min, Peak, Start, TimeOfPeak};
use crate::scenario::InterventionKind::{Rapamycin, TrkbAntagonist};

/// Nothing blocks this stage directly.
const UNBLOCKED: &[crate::scenario::InterventionKind] = &[];
/// mTORC1 is blocked by rapamycin and loses its drive under a TrkB antagonist.
const MTORC1_BLOCKERS: &[crate::scenario::InterventionKind] = &[Rapamycin, TrkbAntagonist];

/// The peak of a response in the window after the first dose.
const fn peak(get: Get) -> Reduce {
    Reduce::Window { get, blocked_by: UNBLOCKED, lowest: false, time: false }
}

/// A subject with depression (`subject.state = "chronic_stress"`): MADRS response applies.
fn depressed(s: &Sample) -> bool {
    s.world.get_resource::<clinical::Patient>().is_some_and(|p| p.subject.state == crate::scenario::SubjectState::ChronicStress)
}

summary_columns! {
    scenario: String, "", "scenario name", Reduce::Run(|r| Cell::Text(r.scenario.to_string()));
    seed: u64, "", "run seed", Reduce::Run(|r| Cell::Count(r.seed));
    cmax_ng_ml: f64, "ng/mL", "peak plasma parent drug (evaluated every step)", Peak(|s| s.exposure.conc.plasma_ketamine_ng_ml);
    tmax_h: f64, "h", "time of cmax", TimeOfPeak(|s| s.exposure.conc.plasma_ketamine_ng_ml);
    auc_ng_h_ml: f64, "ng*h/mL", "area under the plasma parent-drug curve over the run", End(|s| s.exposure.conc.auc_ng_h_ml);
    peak_nmda_block_interneuron: f64, "fraction 0-1", "peak mean interneuron NMDA block (within 24 h of the first dose)", peak(|s| s.means.nmda_block_interneuron);
    peak_glutamate_rel: f64, "x healthy drug-free", "peak glutamate (within 24 h of the first dose)", peak(|s| s.means.glutamate_rel);
    t_peak_glutamate_h: f64, "h", "time of peak glutamate", Reduce::Window { get: |s| s.means.glutamate_rel, blocked_by: UNBLOCKED, lowest: false, time: true };
    peak_bdnf_rel: f64, "x healthy drug-free", "peak mean BDNF (within 24 h of the first dose)", peak(|s| s.means.bdnf_rel);
    peak_mtorc1_rel: f64, "x healthy drug-free", "peak mean mTORC1 (within 24 h of the first dose); under rapamycin or a TrkB antagonist the peak before the blocker acts, or its floor while blocked when it acts from the dose", Reduce::Window { get: |s| s.means.mtorc1_rel, blocked_by: MTORC1_BLOCKERS, lowest: false, time: false };
    t_peak_mtorc1_h: f64, "h", "time of peak mTORC1 (before a blocker acts, or of its floor while blocked)", Reduce::Window { get: |s| s.means.mtorc1_rel, blocked_by: MTORC1_BLOCKERS, lowest: false, time: true };
    spine_density_rel_start: f64, "x healthy drug-free", "spine density at t = 0", Start(|s| s.spine_density_rel);
    spine_density_rel_24h: Option<f64>, "x healthy drug-free", "spine density at 24 h (empty if the run is shorter)", Reduce::At { h: 24.0, get: |s| s.spine_density_rel };
    spine_density_rel_72h: Option<f64>, "x healthy drug-free", "spine density at 72 h (empty if the run is shorter)", Reduce::At { h: 72.0, get: |s| s.spine_density_rel };
    spine_density_rel_end: f64, "x healthy drug-free", "spine density at the end", End(|s| s.spine_density_rel);
    peak_sbp_mmhg: f64, "mmHg", "highest systolic pressure", Peak(|s| s.vitals.sbp_mmhg);
    peak_dbp_mmhg: f64, "mmHg", "highest diastolic pressure", Peak(|s| s.vitals.dbp_mmhg);
    peak_hr_bpm: f64, "beats/min", "highest heart rate", Peak(|s| s.vitals.hr_bpm);
    min_spo2_pct: f64, "%", "lowest oxygen saturation", Min(|s| s.vitals.spo2_pct);
    peak_dissociation_cadss: f64, "CADSS points", "highest dissociation", Peak(|s| s.vitals.dissociation_cadss);
    t_peak_dissociation_h: f64, "h", "time of the highest dissociation", TimeOfPeak(|s| s.vitals.dissociation_cadss);
    alarms: u32, "count", "number of alarm_start events during observation", Reduce::Run(|r| Cell::Count(u64::from(r.alarms)));
    discharge_ready_h: Option<f64>, "h", "when the patient could go home after the last session (empty if not within the run)", Reduce::Run(|r| Cell::Num(r.discharge_ready_h));
    madrs_start: f64, "MADRS points", "MADRS at t = 0", Start(|s| s.madrs);
    madrs_24h: Option<f64>, "MADRS points", "MADRS at 24 h (empty if the run is shorter)", Reduce::At { h: 24.0, get: |s| s.madrs };
    madrs_7d: Option<f64>, "MADRS points", "MADRS at 7 days (empty if the run is shorter)", Reduce::At { h: 168.0, get: |s| s.madrs };
    response_24h: Option<bool>, "true/false", "MADRS at 24 h at most half its start (empty if the run is shorter or the subject is not depressed)", Reduce::ResponseAt { h: 24.0, fraction: 0.5, get: |s| s.madrs, applies: depressed };
    no_driving_until_h: Option<f64>, "h", "no driving until then after the last session (the later of the drug's fit-to-drive time and the end of that day; empty if not discharged within the run)", Reduce::Run(|r| Cell::Num(r.no_driving_until_h));
    peak_nmda_block_pyramidal: f64, "fraction 0-1", "peak mean pyramidal NMDA block (within 24 h of the first dose)", peak(|s| s.means.nmda_block_pyramidal);
    min_interneuron_rate_hz: f64, "Hz", "lowest mean interneuron firing rate (within 24 h of the first dose)", Reduce::Window { get: |s| s.means.interneuron_rate_hz, blocked_by: UNBLOCKED, lowest: true, time: false };
    peak_pyramidal_rate_hz: f64, "Hz", "peak mean pyramidal firing rate (within 24 h of the first dose)", peak(|s| s.means.pyramidal_rate_hz);
}


/// A timed event of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Time of the event, h.
    pub time_h: f64,
    /// Event kind, one of [`EVENT_KINDS`].
    pub kind: String,
    /// Human-readable detail (drug, route, amount; kind and strength; the alarm's variable).
    pub detail: String,
}

/// (kind, meaning) of every event kind in events.csv.
pub const EVENT_KINDS: &[(&str, &str)] = &[
    ("dose_start", "an administration begins (detail: drug, route, amount)"),
    ("dose_end", "an administration ends (the end of an infusion; same time as dose_start otherwise)"),
    ("intervention_start", "a blocker starts acting (detail: kind, strength)"),
    ("intervention_end", "a blocker stops acting"),
    ("intervention_dose", "a blocker is given as a dose; its strength follows its kinetics (detail: kind, mg, route)"),
    ("warning", "something the user should know, e.g. a dose above the low-dose limits"),
    ("predose_check", "vital signs checked before an administration (detail: values; proceed or dose withheld)"),
    ("alarm_start", "a vital sign crossed its alarm threshold during observation (detail: the vital)"),
    ("alarm_end", "that vital is back within its limit"),
    ("observation_end", "the observation window after the last administration of a visit is over"),
    ("discharge_ready", "vitals near baseline, dissociation low, observation over: the patient may go home"),
    ("no_driving_until", "recorded at discharge: no driving or operating machinery until the later of the drug's fit-to-drive time and the end of that day (detail: `t = UNTIL h (clock time)`, then both rules)"),
    ("surgery_start", "start of surgery (pain condition postoperative)"),
    ("surgery_end", "end of surgery"),
    ("morphine_dose", "a scheduled morphine dose ([[pain.morphine]]; detail: route, mg)"),
    ("pca_demand", "the virtual patient pressed the PCA button (detail: pain at rest)"),
    ("pca_dose", "a PCA bolus was given (detail: mg)"),
    ("pca_denied", "a PCA demand was refused (detail: lockout, 1-h limit or 4-h limit)"),
];

/// One column's running state.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    value: f64,
    t_h: f64,
    start: f64,
    done: Option<f64>,
    /// Steps seen in the window (Window).
    seen: u32,
    /// The floor while blocked: (lowest value, its time, steps) (Window).
    floor: (f64, f64, u32),
    /// The extreme before a blocker first acted: (value, its time, steps) (Window).
    pre: (f64, f64, u32),
    /// Whether the column applies to this run (ResponseAt).
    applies: bool,
}

/// Reduces every step of a run to the summary row, column by column with each column's reducer
/// (updated every step, finer than the trace sampling).
#[derive(Debug, Clone, Default)]
pub struct SummaryTracker {
    acc: Vec<Acc>,
    started: bool,
    /// Start of the response window (the first dose), h.
    window_from_h: f64,
}

/// Slack for "at or after `h`" (round-off of `step · dt`).
const AT_SLACK_H: f64 = 1e-9;

/// A response column treats a stage as blocked while one of its blockers inhibits at least this
/// fraction of its target: a weak partial inhibition (a dosed blocker with little brain exposure,
/// `pk::inhibitors`) leaves the stage's response in view.
pub const BLOCKING_STRENGTH: f64 = 0.5;

impl SummaryTracker {
    /// A tracker with nothing observed yet; the response window starts at `window_from_h` (the
    /// first dose).
    pub fn new(window_from_h: f64) -> Self {
        Self { acc: vec![Acc::default(); SUMMARY.len()], started: false, window_from_h }
    }

    /// Take one step's sample into every column.
    pub fn observe(&mut self, s: &Sample) {
        let first = !self.started;
        self.started = true;
        let mut blockers: Option<Option<&crate::pathway::Blockers>> = None;
        for (col, a) in SUMMARY.iter().zip(&mut self.acc) {
            match col.reduce {
                Reduce::Run(_) => {}
                Start(get) => {
                    if first {
                        a.value = get(s);
                    }
                }
                End(get) => a.value = get(s),
                Peak(get) | TimeOfPeak(get) => {
                    let v = get(s);
                    if first || v > a.value {
                        (a.value, a.t_h) = (v, s.t_h);
                    }
                }
                Min(get) => {
                    let v = get(s);
                    a.value = if first { v } else { a.value.min(v) };
                }
                Reduce::At { h, get } => {
                    if a.done.is_none() && s.t_h >= h - AT_SLACK_H {
                        a.done = Some(get(s));
                    }
                }
                Reduce::ResponseAt { h, get, applies, .. } => {
                    if first {
                        a.start = get(s);
                        a.applies = applies(s);
                    }
                    if a.done.is_none() && s.t_h >= h - AT_SLACK_H {
                        a.done = Some(get(s));
                    }
                }
                Reduce::Window { get, blocked_by, lowest, .. } => {
                    let (from, to) = (self.window_from_h - AT_SLACK_H, self.window_from_h + PEAK_WINDOW_H + AT_SLACK_H);
                    if s.t_h < from || s.t_h > to {
                        continue;
                    }
                    let v = tidy(get(s));
                    let better = if lowest { v < a.value } else { v > a.value };
                    if a.seen == 0 || better {
                        (a.value, a.t_h) = (v, s.t_h);
                    }
                    a.seen += 1;
                    // One look-up of the blockers a step, not one a column.
                    let blockers = *blockers.get_or_insert_with(|| s.world.get_resource::<crate::pathway::Blockers>());
                    if blockers.is_some_and(|b| blocked_by.iter().any(|&k| b.of(k) >= BLOCKING_STRENGTH)) {
                        if a.floor.2 == 0 || v < a.floor.0 {
                            (a.floor.0, a.floor.1) = (v, s.t_h);
                        }
                        a.floor.2 += 1;
                    } else if a.floor.2 == 0 {
                        let better = if lowest { v < a.pre.0 } else { v > a.pre.0 };
                        if a.pre.2 == 0 || better {
                            (a.pre.0, a.pre.1) = (v, s.t_h);
                        }
                        a.pre.2 += 1;
                    }
                }
            }
        }
    }

    /// The summary row, with the facts known at the end of the run.
    pub fn finish(&self, facts: &RunFacts) -> SummaryRow {
        let cells = SUMMARY
            .iter()
            .zip(&self.acc)
            .map(|(col, a)| match col.reduce {
                Reduce::Run(f) => f(facts),
                Start(_) | End(_) | Peak(_) | Min(_) => Cell::Num(Some(tidy(a.value))),
                TimeOfPeak(_) => Cell::Num(Some(a.t_h)),
                Reduce::At { .. } => Cell::Num(a.done),
                Reduce::ResponseAt { fraction, .. } => Cell::Flag(a.done.filter(|_| a.applies).map(|v| v <= fraction * a.start)),
                Reduce::Window { time, .. } => {
                    let (v, t) = match (a.floor.2, a.pre.2) {
                        (0, _) => (a.value, a.t_h),
                        (_, 0) => (a.floor.0, a.floor.1),
                        _ => (a.pre.0, a.pre.1),
                    };
                    Cell::Num((a.seen > 0).then_some(if time { t } else { v }))
                }
            })
            .collect();
        SummaryRow::from_cells(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_tables_match_the_rows() {
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(TraceRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let names: Vec<&str> = TRACE_COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(header, names);
        // `values()` is in the same order as the serialized record.
        let row = TraceRow { time_h: 1.0, madrs: 21.0, sbp_mmhg: 16.0, plasma_norketamine_ng_ml: 3.0, ..Default::default() };
        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let record: Vec<f64> = text.lines().nth(1).unwrap().split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(record, row.values().to_vec());

        let mut w = csv::Writer::from_writer(vec![]);
        w.serialize(SummaryRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let names: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.0).collect();
        assert_eq!(header, names);
    }
}
