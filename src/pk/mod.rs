//! Pharmacokinetics: dose schedule → plasma, effect-site (brain) and norketamine concentrations.
//!
//! # Model (per compound: racemic ketamine, esketamine)
//! Amounts in mg, volumes in L, time in h. `kij = Qj/Vi`, `k10 = CL/V1`, volumes and clearances
//! scaled by `weight_kg / 70` where the source model scales them (racemic ketamine, Kamp 2020; not
//! esketamine, whose source found no weight effect, Perez-Ruixo 2021). For each absorption depot
//! `r` (intranasal, oral, sublingual) with rate `ka_r` and bioavailability `F_r`:
//!
//! ```text
//! d depot_r/dt = -ka_r · depot_r
//! dA1/dt  = Σ_r F_r ka_r depot_r − (k10 + k12 + k13) A1 + k21 A2 + k31 A3 + R_inf(t)
//! dA2/dt  = k12 A1 − k21 A2
//! dA3/dt  = k13 A1 − k31 A3
//! dCe/dt  = ke0 (A1/V1 − Ce)                                (effect site, mg/L)
//! dNK/dt  = mw · [ fm k10 A1 + fm_fp Σ_r (1−F_r) ka_r depot_r ] − (CL_nk/V_nk) NK
//! dNKe/dt = ke0 (NK/V_nk − NKe)
//! ```
//! with `mw = 223.70/237.73` (norketamine/ketamine molar masses). `NK` is the drug's metabolite in the
//! catalogue (norketamine; morphine-6-glucuronide for morphine), with that metabolite's `fm`, `fm_fp`,
//! volume, clearance and effect-site rate; `ke0` is the drug's own (ketamine's 1/min; morphine's
//! hours). Eliminated parent drug, first-pass
//! loss and the plasma AUC are integrated as extra states, so mass balance and exposure are exact.
//! IV boluses add to `A1`; infusions add a constant `R_inf` between start and end; oral, sublingual and
//! intranasal doses add to their depot, after the route's absorption lag `t_lag_r` (oral doses and
//! intranasal racemic ketamine; 0 otherwise). An intranasal dose of a form of ketamine is split
//! ([`Drug::intranasal_deposition`], Perez-Ruixo 2021): its nasal part goes to the intranasal depot
//! (`F` = 1: absorbed through the mucosa without first pass), its swallowed part to the oral depot
//! after the oral lag (oral `ka`, `F` and first-pass norketamine), and the rest is expelled (counted
//! with the first-pass loss, forming no norketamine). The first-pass norketamine is thereby
//! route-specific, and the intranasal bioavailability falls with the dose. The whole system is linear, and each interval between dose
//! events is integrated exactly with a matrix exponential ([`linear`]).

pub mod covariates;
pub mod inhibitors;
pub mod drugs;
pub mod linear;
pub mod species;

pub use drugs::{CATALOGUE, Drug, DrugInfo, KETAMINE_G_PER_MOL, NORKETAMINE_G_PER_MOL};
use linear::Matrix;
use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::units::NG_ML_PER_MG_L;

/// A route of administration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Intravenous bolus.
    IvBolus,
    /// Intravenous infusion at a constant rate.
    IvInfusion,
    /// Intranasal spray.
    Intranasal,
    /// Swallowed.
    Oral,
    /// Held under the tongue.
    Sublingual,
    /// Intraperitoneal injection (rodents only: see [`species`]).
    Intraperitoneal,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 6] =
        [Route::IvBolus, Route::IvInfusion, Route::Intranasal, Route::Oral, Route::Sublingual, Route::Intraperitoneal];
    /// The route's name, as scenarios spell it.
    pub fn name(self) -> &'static str {
        match self {
            Route::IvBolus => "iv_bolus",
            Route::IvInfusion => "iv_infusion",
            Route::Intranasal => "intranasal",
            Route::Oral => "oral",
            Route::Sublingual => "sublingual",
            Route::Intraperitoneal => "intraperitoneal",
        }
    }
    /// Index of the absorption depot (the state layout follows [`DEPOT_ROUTES`]), for the
    /// extravascular routes.
    fn depot(self) -> Option<usize> {
        DEPOT_ROUTES.iter().position(|&r| r == self)
    }
}

/// The routes with an absorption depot, in state order.
pub const DEPOT_ROUTES: [Route; 4] = [Route::Intranasal, Route::Oral, Route::Sublingual, Route::Intraperitoneal];

/// Bioavailability of a dose of `mg` of `drug` by `route` (fraction of the dose reaching the
/// systemic circulation), from the drug catalogue. An intranasal dose of a form of ketamine is
/// split ([`Drug::intranasal_deposition`]): its nasal part is absorbed completely, its swallowed
/// part with the oral bioavailability, so its bioavailability falls with the dose.
pub fn bioavailability(p: &Params, drug: Drug, route: Route, mg: f64) -> f64 {
    match (route, drug.intranasal_deposition(p, mg)) {
        (Route::Intranasal, Some(d)) => d.nasal + d.swallowed * (drug.info().absorption)(p, Route::Oral).bioavailability,
        _ => (drug.info().absorption)(p, route).bioavailability,
    }
}

/// One administration, after schedules are expanded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Administration {
    /// Time of the dose from the start of the run, h.
    pub t_h: f64,
    /// Drug given.
    pub drug: Drug,
    /// Route of administration.
    pub route: Route,
    /// Amount given, mg (for an infusion, the total over `duration_h`).
    pub mg: f64,
    /// Infusion duration (0 for every other route).
    pub duration_h: f64,
}

// State layout of one compound: one depot per route of `DEPOT_ROUTES`, then the compartments.
const DEPOTS: usize = DEPOT_ROUTES.len();
const A1: usize = DEPOTS;
const A2: usize = DEPOTS + 1;
const A3: usize = DEPOTS + 2;
const CE: usize = DEPOTS + 3;
const NK: usize = DEPOTS + 4;
const NKE: usize = DEPOTS + 5;
const ELIMINATED: usize = DEPOTS + 6;
const FIRST_PASS: usize = DEPOTS + 7;
const AUC: usize = DEPOTS + 8;
const RATE: usize = DEPOTS + 9;
const N: usize = DEPOTS + 10;

/// Disposition parameters of one compound, already scaled to the subject's weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disposition {
    /// Central volume, L.
    pub v1_l: f64,
    /// Rapidly equilibrating peripheral volume, L.
    pub v2_l: f64,
    /// Slowly equilibrating peripheral volume, L.
    pub v3_l: f64,
    /// Systemic clearance, L/h.
    pub cl_l_per_h: f64,
    /// Inter-compartmental clearance between the central and the rapid peripheral compartment, L/h.
    pub q2_l_per_h: f64,
    /// Inter-compartmental clearance between the central and the slow peripheral compartment, L/h.
    pub q3_l_per_h: f64,
    /// Metabolite (norketamine, morphine-6-glucuronide) volume of distribution, L.
    pub nk_v_l: f64,
    /// Metabolite clearance, L/h.
    pub nk_cl_l_per_h: f64,
}

impl Disposition {
    /// Disposition of `drug` from the drug catalogue and the parameter table, scaled linearly from
    /// 70 kg to `weight_kg` where its source scales it (`DrugInfo::weight_scaled`; the metabolite
    /// always).
    pub fn new(p: &Params, drug: Drug, weight_kg: f64) -> Self {
        let s_metabolite = weight_kg / 70.0;
        let s = if drug.info().weight_scaled { s_metabolite } else { 1.0 };
        let d = (drug.info().disposition)(p);
        // The metabolite's disposition (norketamine's for a drug without one: nothing flows in).
        let (mv, mcl) = drug.info().metabolite.map_or((p.norketamine_v_l, p.norketamine_cl_l_per_h), |m| {
            let k = (m.kinetics)(p);
            (k.v_l, k.cl_l_per_h)
        });
        Self {
            v1_l: d.v1_l * s,
            v2_l: d.v2_l * s,
            v3_l: d.v3_l * s,
            cl_l_per_h: d.cl_l_per_h * s,
            q2_l_per_h: d.q2_l_per_h * s,
            q3_l_per_h: d.q3_l_per_h * s,
            nk_v_l: mv * s_metabolite,
            nk_cl_l_per_h: mcl * s_metabolite,
        }
    }
}

/// The linear system of one compound and its state.
#[derive(Debug, Clone)]
pub struct Compound {
    /// The parent drug.
    pub drug: Drug,
    /// Its disposition, scaled to the subject's weight.
    pub disp: Disposition,
    system: Matrix,
    x: [f64; N],
    /// exp(A·h) for the step lengths used recently, keyed by the exact bits of `h`. The simulator's
    /// step `(k+1)·dt − k·dt` takes a handful of values that differ in the last bits, so a
    /// single-entry cache would miss on most steps; exact keys keep results bit-identical.
    cache: Vec<(u64, Matrix)>,
    /// Next cache slot to replace once the cache is full.
    cache_next: usize,
}

/// Step lengths whose exponential is kept per compound.
const CACHE_SIZE: usize = 32;

impl Compound {
    /// The compartment model of `drug` for a subject of `weight_kg`, with empty depots and compartments.
    /// The intraperitoneal depot stays disconnected (see [`Compound::with_intraperitoneal`]).
    pub fn new(p: &Params, drug: Drug, weight_kg: f64) -> Self {
        Self::with_intraperitoneal(p, drug, weight_kg, false)
    }

    /// As [`Compound::new`], with the intraperitoneal depot connected when `intraperitoneal` is
    /// true. A run without intraperitoneal doses leaves it out of the system matrix entirely (a zero
    /// row and column), so its exponential — and every human result — is bit-identical to the
    /// model without that route.
    pub fn with_intraperitoneal(p: &Params, drug: Drug, weight_kg: f64, intraperitoneal: bool) -> Self {
        let d = Disposition::new(p, drug, weight_kg);
        let absorption = DEPOT_ROUTES.map(|r| {
            let a = (drug.info().absorption)(p, r);
            if r == Route::Intraperitoneal && !intraperitoneal { drugs::Absorption { ka_per_h: 0.0, ..a } } else { a }
        });
        let f = absorption.map(|a| a.bioavailability);
        let ka = absorption.map(|a| a.ka_per_h);
        let (k10, k12, k13) = (d.cl_l_per_h / d.v1_l, d.q2_l_per_h / d.v1_l, d.q3_l_per_h / d.v1_l);
        let (k21, k31) = (d.q2_l_per_h / d.v2_l, d.q3_l_per_h / d.v3_l);
        let k_nk = d.nk_cl_l_per_h / d.nk_v_l;
        let info = drug.info();
        // No metabolite followed: nothing flows into the norketamine pools.
        let (mw, fm, fm_fp, ke0_m) = match info.metabolite {
            Some(m) => {
                let k = (m.kinetics)(p);
                (m.molar_mass_g_per_mol / info.molar_mass_g_per_mol, k.fraction_of_clearance, k.fraction_of_first_pass, k.ke0_per_h)
            }
            None => (1.0, 0.0, 0.0, p.ke0_per_h),
        };
        let ke0 = (info.ke0_per_h)(p);

        let mut m = Matrix::zeros(N);
        for (depot, (&ka_r, &f_r)) in ka.iter().zip(&f).enumerate() {
            if ka_r == 0.0 {
                continue;
            }
            m.add_at(depot, depot, -ka_r);
            m.add_at(A1, depot, f_r * ka_r);
            m.add_at(NK, depot, mw * fm_fp * (1.0 - f_r) * ka_r);
            m.add_at(FIRST_PASS, depot, (1.0 - f_r) * ka_r);
        }
        m.add_at(A1, A1, -(k10 + k12 + k13));
        m.add_at(A1, A2, k21);
        m.add_at(A1, A3, k31);
        m.add_at(A1, RATE, 1.0);
        m.add_at(A2, A1, k12);
        m.add_at(A2, A2, -k21);
        m.add_at(A3, A1, k13);
        m.add_at(A3, A3, -k31);
        m.add_at(CE, A1, ke0 / d.v1_l);
        m.add_at(CE, CE, -ke0);
        m.add_at(NK, A1, mw * fm * k10);
        m.add_at(NK, NK, -k_nk);
        m.add_at(NKE, NK, ke0_m / d.nk_v_l);
        m.add_at(NKE, NKE, -ke0_m);
        m.add_at(ELIMINATED, A1, k10);
        m.add_at(AUC, A1, 1.0 / d.v1_l);
        Self { drug, disp: d, system: m, x: [0.0; N], cache: Vec::new(), cache_next: 0 }
    }

    /// Advance the state by `h` hours, exactly.
    pub fn advance(&mut self, h: f64) {
        if h <= 0.0 || self.is_empty() {
            return;
        }
        let key = h.to_bits();
        let slot = match self.cache.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let phi = self.system.expm(h);
                if self.cache.len() < CACHE_SIZE {
                    self.cache.push((key, phi));
                    self.cache.len() - 1
                } else {
                    let i = self.cache_next;
                    self.cache[i] = (key, phi);
                    self.cache_next = (i + 1) % CACHE_SIZE;
                    i
                }
            }
        };
        let mut y = [0.0; N];
        self.cache[slot].1.apply(&self.x, &mut y);
        self.x = y;
    }

    /// Nothing given yet and nothing left: skip the work.
    fn is_empty(&self) -> bool {
        self.x.iter().all(|&v| v == 0.0)
    }

    fn give(&mut self, route: Route, mg: f64) {
        match route.depot() {
            Some(d) => self.x[d] += mg,
            None => self.x[A1] += mg,
        }
    }

    /// Add `delta` (a state vector: a dose or a rate change made `h` hours ago) propagated over
    /// those `h` hours: exact, because the system is linear (`x(t) = Φ(h)·(x₀ + δ) = x + Φ(h)·δ`).
    fn add_propagated(&mut self, delta: [f64; N], h: f64) {
        let mut d = Self { x: delta, ..self.clone() };
        d.advance(h);
        for (x, dx) in self.x.iter_mut().zip(d.x) {
            *x += dx;
        }
        self.cache = d.cache;
        self.cache_next = d.cache_next;
    }

    /// A part of a dose that never reaches the body (expelled from the nose): counted with the
    /// first-pass loss, forming no norketamine.
    fn lose(&mut self, mg: f64) {
        self.x[FIRST_PASS] += mg;
    }

    fn add_rate(&mut self, mg_per_h: f64) {
        self.x[RATE] += mg_per_h;
        if self.x[RATE].abs() < 1e-12 {
            self.x[RATE] = 0.0;
        }
    }

    /// Plasma concentration of the parent drug, ng/mL.
    pub fn plasma_ng_ml(&self) -> f64 {
        self.x[A1] / self.disp.v1_l * NG_ML_PER_MG_L
    }
    /// Effect-site (brain) concentration of the parent drug, ng/mL.
    pub fn effect_ng_ml(&self) -> f64 {
        self.x[CE] * NG_ML_PER_MG_L
    }
    /// Plasma concentration of the metabolite formed from this drug (norketamine,
    /// morphine-6-glucuronide), ng/mL.
    pub fn metabolite_plasma_ng_ml(&self) -> f64 {
        self.norketamine_plasma_ng_ml()
    }
    /// Effect-site concentration of the metabolite formed from this drug, ng/mL.
    pub fn metabolite_effect_ng_ml(&self) -> f64 {
        self.norketamine_effect_ng_ml()
    }
    /// Metabolite in the body, mg (of the metabolite).
    pub fn metabolite_amount_mg(&self) -> f64 {
        self.x[NK]
    }
    /// Plasma norketamine formed from this drug, ng/mL.
    pub fn norketamine_plasma_ng_ml(&self) -> f64 {
        self.x[NK] / self.disp.nk_v_l * NG_ML_PER_MG_L
    }
    /// Effect-site (brain) norketamine formed from this drug, ng/mL.
    pub fn norketamine_effect_ng_ml(&self) -> f64 {
        self.x[NKE] * NG_ML_PER_MG_L
    }
    /// Area under the plasma curve of the parent drug so far, ng·h/mL.
    pub fn auc_ng_h_ml(&self) -> f64 {
        self.x[AUC] * NG_ML_PER_MG_L
    }
    /// Parent drug present in the body (depots and compartments), mg.
    pub fn amount_in_body_mg(&self) -> f64 {
        self.x[..DEPOTS].iter().sum::<f64>() + self.x[A1] + self.x[A2] + self.x[A3]
    }
    /// Parent drug cleared systemically, mg.
    pub fn eliminated_mg(&self) -> f64 {
        self.x[ELIMINATED]
    }
    /// Parent drug lost before the systemic circulation, mg: first-pass metabolism, and the part of
    /// an intranasal dose neither absorbed nor swallowed.
    pub fn first_pass_mg(&self) -> f64 {
        self.x[FIRST_PASS]
    }
}

/// A dose event on the PK timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    Give { drug: Drug, route: Route, mg: f64 },
    Lose { drug: Drug, mg: f64 },
    Rate { drug: Drug, mg_per_h: f64 },
}

/// Snapshot of the concentrations the pathway reads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Concentrations {
    /// Plasma parent drug, all drugs summed, ng/mL.
    pub plasma_ketamine_ng_ml: f64,
    /// Plasma norketamine, from all drugs, ng/mL.
    pub plasma_norketamine_ng_ml: f64,
    /// Effect-site (brain) parent drug, all drugs summed, ng/mL.
    pub brain_ketamine_ng_ml: f64,
    /// Effect-site parent drug by drug (index [`Drug::index`]), ng/mL.
    pub brain_parent_ng_ml: [f64; Drug::COUNT],
    /// Plasma parent drug by drug (index [`Drug::index`]), ng/mL: the only plasma level of a drug
    /// that is not a form of ketamine (midazolam).
    pub plasma_parent_ng_ml: [f64; Drug::COUNT],
    /// Effect-site norketamine, ng/mL.
    pub brain_norketamine_ng_ml: f64,
    /// Plasma metabolite by parent drug (index [`Drug::index`]; norketamine, morphine-6-glucuronide), ng/mL.
    pub plasma_metabolite_ng_ml: [f64; Drug::COUNT],
    /// Effect-site metabolite by parent drug (index [`Drug::index`]), ng/mL.
    pub brain_metabolite_ng_ml: [f64; Drug::COUNT],
    /// Area under the plasma curve of the parent drugs so far, all drugs summed, ng·h/mL.
    pub auc_ng_h_ml: f64,
}

impl Concentrations {
    /// Effect-site parent drug (all drugs summed), µM.
    pub fn brain_ketamine_um(&self) -> f64 {
        self.brain_ketamine_ng_ml / KETAMINE_G_PER_MOL
    }
}

/// The whole PK model of a subject: one compound per drug, and the dose timeline.
#[derive(Debug, Clone)]
pub struct Pharmacokinetics {
    /// One compound per drug, in [`Drug::ALL`] order.
    pub compounds: Vec<Compound>,
    /// (time, administration index, event), in time order.
    events: Vec<(f64, usize, Event)>,
    withheld: Vec<bool>,
    next_event: usize,
    t_h: f64,
}

impl Pharmacokinetics {
    /// The PK model of a subject of `weight_kg` who will receive `administrations`, at t = 0 with nothing given yet.
    pub fn new(p: &Params, weight_kg: f64, administrations: &[Administration]) -> Self {
        let ip = administrations.iter().any(|a| a.route == Route::Intraperitoneal);
        let compounds = Drug::ALL.iter().map(|&d| Compound::with_intraperitoneal(p, d, weight_kg, ip)).collect();
        let mut events = Vec::new();
        for (i, a) in administrations.iter().enumerate() {
            if a.route == Route::IvInfusion && a.duration_h > 0.0 {
                let r = a.mg / a.duration_h;
                events.push((a.t_h, i, Event::Rate { drug: a.drug, mg_per_h: r }));
                events.push((a.t_h + a.duration_h, i, Event::Rate { drug: a.drug, mg_per_h: -r }));
            } else {
                // An absorption lag delays the dose's arrival in its depot (oral doses, intranasal
                // racemic ketamine); the administration itself stays at its time.
                let lag = |route: Route| (a.drug.info().absorption)(p, route).lag_h;
                match (a.route, a.drug.intranasal_deposition(p, a.mg)) {
                    // A spray: its nasal part (and the part lost) after the nasal lag, its
                    // swallowed part through the oral route after the oral lag.
                    (Route::Intranasal, Some(d)) => {
                        let t_nasal = a.t_h + lag(Route::Intranasal);
                        let lost = (1.0 - d.nasal - d.swallowed).max(0.0) * a.mg;
                        events.push((t_nasal, i, Event::Give { drug: a.drug, route: Route::Intranasal, mg: d.nasal * a.mg }));
                        events.push((t_nasal, i, Event::Lose { drug: a.drug, mg: lost }));
                        events.push((a.t_h + lag(Route::Oral), i, Event::Give { drug: a.drug, route: Route::Oral, mg: d.swallowed * a.mg }));
                    }
                    _ => events.push((a.t_h + lag(a.route), i, Event::Give { drug: a.drug, route: a.route, mg: a.mg })),
                }
            }
        }
        // Stable sort: events at the same time keep the scenario's order.
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self { compounds, events, withheld: vec![false; administrations.len()], next_event: 0, t_h: 0.0 }
    }

    fn compound(&mut self, drug: Drug) -> &mut Compound {
        let i = Drug::ALL.iter().position(|&d| d == drug).expect("every drug has a compound");
        &mut self.compounds[i]
    }

    fn apply_due_events(&mut self) {
        while let Some(&(t, admin, ev)) = self.events.get(self.next_event) {
            if t > self.t_h + 1e-12 {
                break;
            }
            self.next_event += 1;
            if self.withheld[admin] {
                continue;
            }
            match ev {
                Event::Give { drug, route, mg } => self.compound(drug).give(route, mg),
                Event::Lose { drug, mg } => self.compound(drug).lose(mg),
                Event::Rate { drug, mg_per_h } => self.compound(drug).add_rate(mg_per_h),
            }
        }
    }

    /// Advance to `t_end_h`, applying dose events at their exact times.
    pub fn advance_to(&mut self, t_end_h: f64) {
        self.apply_due_events();
        while self.t_h < t_end_h {
            let next_t = self.events.get(self.next_event).map_or(f64::INFINITY, |e| e.0);
            let t_stop = if next_t < t_end_h - 1e-12 { next_t } else { t_end_h };
            let h = t_stop - self.t_h;
            for c in &mut self.compounds {
                c.advance(h);
            }
            self.t_h = t_stop;
            self.apply_due_events();
        }
    }

    /// Give `mg` of `drug` by `route` (an IV bolus, or an oral dose into its depot, after no lag)
    /// at `h_ago` hours before the model's current time, propagated exactly to now: how a dose
    /// decided during a step (a PCA bolus at the step's start) joins the timeline already
    /// advanced to the step's end.
    pub fn give_ago(&mut self, drug: Drug, route: Route, mg: f64, h_ago: f64) {
        let mut delta = [0.0; N];
        match route.depot() {
            Some(d) => delta[d] = mg,
            None => delta[A1] = mg,
        }
        self.compound(drug).add_propagated(delta, h_ago);
    }

    /// Change the infusion rate of `drug` by `mg_per_h`, `h_ago` hours before the model's current
    /// time, propagated exactly to now (see [`Pharmacokinetics::give_ago`]).
    pub fn add_rate_ago(&mut self, drug: Drug, mg_per_h: f64, h_ago: f64) {
        let mut delta = [0.0; N];
        delta[RATE] = mg_per_h;
        let c = self.compound(drug);
        c.add_propagated(delta, h_ago);
        if c.x[RATE].abs() < 1e-12 {
            c.x[RATE] = 0.0;
        }
    }

    /// The compound of `drug` (its state and concentrations).
    pub fn compound_of(&self, drug: Drug) -> &Compound {
        &self.compounds[drug.index()]
    }

    /// Withhold administration `admin` (index into the list given to [`Pharmacokinetics::new`]):
    /// its events are skipped. Only an administration that has not started can be withheld.
    pub fn withhold(&mut self, admin: usize) -> bool {
        let started = self.events[..self.next_event].iter().any(|e| e.1 == admin);
        if started || admin >= self.withheld.len() {
            return false;
        }
        self.withheld[admin] = true;
        true
    }

    /// The concentrations of every compound now, summed over drugs where the field says so.
    pub fn concentrations(&self) -> Concentrations {
        let mut c = Concentrations::default();
        for comp in &self.compounds {
            c.plasma_parent_ng_ml[comp.drug.index()] += comp.plasma_ng_ml();
            c.brain_parent_ng_ml[comp.drug.index()] += comp.effect_ng_ml();
            c.plasma_metabolite_ng_ml[comp.drug.index()] += comp.metabolite_plasma_ng_ml();
            c.brain_metabolite_ng_ml[comp.drug.index()] += comp.metabolite_effect_ng_ml();
            if !comp.drug.info().ketamine {
                continue;
            }
            c.plasma_ketamine_ng_ml += comp.plasma_ng_ml();
            c.plasma_norketamine_ng_ml += comp.norketamine_plasma_ng_ml();
            c.brain_ketamine_ng_ml += comp.effect_ng_ml();
            c.brain_norketamine_ng_ml += comp.norketamine_effect_ng_ml();
            c.auc_ng_h_ml += comp.auc_ng_h_ml();
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infusion(mg: f64, over_h: f64) -> Administration {
        Administration { t_h: 0.0, drug: Drug::Ketamine, route: Route::IvInfusion, mg, duration_h: over_h }
    }

    /// A one-compartment model: V2 and V3 switched off (Q = 0).
    fn one_compartment() -> Params {
        Params { ketamine_q2_l_per_h: 0.0, ketamine_q3_l_per_h: 0.0, ..Params::default() }
    }

    #[test]
    fn one_compartment_bolus_matches_analytic() {
        let p = one_compartment();
        let dose = Administration { t_h: 0.0, drug: Drug::Ketamine, route: Route::IvBolus, mg: 35.0, duration_h: 0.0 };
        let mut pk = Pharmacokinetics::new(&p, 70.0, &[dose]);
        let (v, k) = (p.ketamine_v1_l, p.ketamine_cl_l_per_h / p.ketamine_v1_l);
        for step in 1..=200 {
            let t = step as f64 * 0.05;
            pk.advance_to(t);
            let exact = 35.0 / v * crate::math::exp(-k * t) * 1000.0;
            let got = pk.concentrations().plasma_ketamine_ng_ml;
            assert!((got - exact).abs() <= 1e-3 * exact, "t={t}: {got} vs {exact}");
        }
    }

    #[test]
    fn one_compartment_infusion_matches_analytic() {
        let p = one_compartment();
        let (mg, tinf) = (35.0, 40.0 / 60.0);
        let mut pk = Pharmacokinetics::new(&p, 70.0, &[infusion(mg, tinf)]);
        let (v, cl) = (p.ketamine_v1_l, p.ketamine_cl_l_per_h);
        let k = cl / v;
        let r = mg / tinf;
        // Step of 10 s: the infusion end (40 min) falls on a step boundary; also try an odd step.
        for &dt in &[10.0 / 3600.0, 0.013] {
            let mut pk2 = pk.clone();
            let mut t = 0.0;
            while t < 6.0 {
                t += dt;
                pk2.advance_to(t);
                let exact = if t <= tinf {
                    r / cl * (1.0 - crate::math::exp(-k * t))
                } else {
                    r / cl * (1.0 - crate::math::exp(-k * tinf)) * crate::math::exp(-k * (t - tinf))
                } * 1000.0;
                let got = pk2.concentrations().plasma_ketamine_ng_ml;
                assert!((got - exact).abs() <= 1e-3 * exact, "t={t}: {got} vs {exact}");
            }
        }
        pk.advance_to(1.0);
    }

    #[test]
    fn cached_exponentials_give_bit_identical_results() {
        // The simulator's steps differ in their last bits; the cache must reuse exp(A·h) only for
        // exactly the same h, and survive running full.
        let p = Params::default();
        let mut cached = Compound::new(&p, Drug::Ketamine, 70.0);
        let mut fresh = cached.clone();
        cached.give(Route::Oral, 100.0);
        fresh.give(Route::Oral, 100.0);
        let dt = 10.0 / 3600.0;
        for step in 0..(3 * CACHE_SIZE as u64 + 500) {
            // Mostly the k·dt pattern, plus many distinct lengths to overflow the cache.
            let h = if step % 7 == 0 { dt * (1.0 + step as f64 * 1e-3) } else { (step + 1) as f64 * dt - step as f64 * dt };
            cached.advance(h);
            fresh.cache.clear();
            fresh.advance(h);
            assert_eq!(cached.x, fresh.x, "step {step}");
            assert!(cached.cache.len() <= CACHE_SIZE);
        }
    }

    #[test]
    fn mass_balance_holds_for_every_route() {
        let p = Params::default();
        let doses: Vec<Administration> = Route::ALL
            .iter()
            .enumerate()
            .map(|(i, &route)| Administration {
                t_h: i as f64 * 0.7,
                drug: if i % 2 == 0 { Drug::Ketamine } else { Drug::Esketamine },
                route,
                mg: 10.0 + i as f64,
                duration_h: if route == Route::IvInfusion { 0.5 } else { 0.0 },
            })
            .collect();
        let total: f64 = doses.iter().map(|d| d.mg).sum();
        let mut pk = Pharmacokinetics::new(&p, 83.0, &doses);
        // 1.5 h and 2.2 h fall in the absorption lags of the intranasal (1.4 h) and oral (2.1 h)
        // doses: a dose in its lag is not yet in the body (in transit), so it is not counted.
        for t in [0.3, 1.0, 1.5, 2.2, 2.9, 5.0, 24.0, 100.0] {
            pk.advance_to(t);
            let lag = |d: &Administration, route: Route| (d.drug.info().absorption)(&p, route).lag_h;
            let given: f64 = doses.iter().map(|d| {
                match (d.route, d.drug.intranasal_deposition(&p, d.mg)) {
                    // The swallowed part of a spray arrives after the oral lag, the rest after the nasal lag.
                    (Route::Intranasal, Some(dep)) => {
                        let nasal_and_lost = if d.t_h + lag(d, Route::Intranasal) < t { d.mg * (1.0 - dep.swallowed) } else { 0.0 };
                        let swallowed = if d.t_h + lag(d, Route::Oral) < t { d.mg * dep.swallowed } else { 0.0 };
                        nasal_and_lost + swallowed
                    }
                    _ if d.t_h + lag(d, d.route) >= t => 0.0,
                    (Route::IvInfusion, _) => d.mg * ((t - d.t_h) / d.duration_h).min(1.0),
                    _ => d.mg,
                }
            }).sum();
            let accounted: f64 = pk
                .compounds
                .iter()
                .map(|c| c.amount_in_body_mg() + c.eliminated_mg() + c.first_pass_mg())
                .sum();
            assert!((accounted - given).abs() < 1e-9 * total, "t={t}: {accounted} vs {given}");
        }
    }
}
