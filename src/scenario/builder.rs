//! Building a scenario in code: [`Scenario::from_toml_str`] and [`ScenarioBuilder`].
//!
//! Both end in the same [`resolve`](super::resolve) a scenario file goes through, so a scenario
//! built in code is checked exactly as one read from disk (ranges, unknown keys, dose limits), and
//! an error names the key that is wrong.
//!
//! ```
//! use ketasim::scenario::{DoseSpec, Scenario};
//!
//! let sc = Scenario::builder("Half dose")
//!     .duration_h(24.0)
//!     .subject(70.0, "chronic_stress")
//!     .dose(DoseSpec::new("ketamine", "iv_infusion").mg_per_kg(0.25).over_min(40.0))
//!     .set("circuit.pyramidal_neurons", 50)
//!     .build()?;
//! assert_eq!(sc.doses[0].mg_per_kg, Some(0.25));
//! # Ok::<(), ketasim::Error>(())
//! ```

use std::path::PathBuf;

use toml::{Table, Value};

use super::{Scenario, ScenarioSource, from_source, set_path};
use crate::error::Result;

/// Where a scenario built in code "comes from" in error messages.
pub const BUILDER_ORIGIN: &str = "<builder>";

impl Scenario {
    /// Resolve a scenario from TOML text, with the same checks as a file; errors name the key and
    /// its line and column in `text` (the file is called `<string>`).
    pub fn from_toml_str(text: &str) -> Result<Scenario> {
        from_source(&ScenarioSource { text: text.to_string(), origin: PathBuf::from("<string>") }, &[], None)
    }

    /// Start building a scenario named `name` in code (see [`ScenarioBuilder`]).
    pub fn builder(name: impl Into<String>) -> ScenarioBuilder {
        let mut table = Table::new();
        table.insert("name".into(), Value::String(name.into()));
        ScenarioBuilder { table, error: None }
    }
}

/// A scenario under construction: each method sets one part of the scenario file's tables;
/// [`ScenarioBuilder::build`] checks and resolves it. Nothing is checked before `build`, so
/// the order of the calls does not matter.
#[derive(Debug)]
#[must_use = "a builder does nothing until build() is called"]
pub struct ScenarioBuilder {
    table: Table,
    /// The first `set` whose key path could not be placed (reported by `build`).
    error: Option<crate::Error>,
}

impl ScenarioBuilder {
    /// Simulated time, h (`duration_h`).
    pub fn duration_h(self, hours: f64) -> Self {
        self.set("duration_h", hours)
    }

    /// The run's seed (`seed`); seeds above 2^63 − 1 are accepted as in a file.
    pub fn seed(self, seed: u64) -> Self {
        match i64::try_from(seed) {
            Ok(s) => self.set("seed", s),
            Err(_) => self.set("seed", seed.to_string()),
        }
    }

    /// The subject's weight, kg, and state (`"healthy"`, `"chronic_stress"`, …: see `docs/scenario.md`).
    pub fn subject(self, weight_kg: f64, state: &str) -> Self {
        self.set("subject.weight_kg", weight_kg).set("subject.state", state)
    }

    /// Add one `[[dose]]` table.
    pub fn dose(mut self, dose: DoseSpec) -> Self {
        let doses = self.table.entry("dose").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = doses {
            a.push(Value::Table(dose.0));
        }
        self
    }

    /// Add one `[[intervention]]` table: `kind` (e.g. `"rapamycin"`) from `from_h` to `to_h`.
    pub fn intervention(mut self, kind: &str, from_h: f64, to_h: f64) -> Self {
        let mut t = Table::new();
        t.insert("kind".into(), kind.into());
        t.insert("from_h".into(), from_h.into());
        t.insert("to_h".into(), to_h.into());
        let list = self.table.entry("intervention").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(Value::Table(t));
        }
        self
    }

    /// Set any key by its dotted path, as `--set` does (`circuit.pyramidal_neurons`,
    /// `parameters.bdnf_tau_h`, `dose.0.at_h`).
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        if self.error.is_none()
            && let Err(e) = set_path(&mut self.table, key, value.into())
        {
            self.error = Some(e);
        }
        self
    }

    /// Check and resolve, exactly as a scenario file is; errors name the key (the file is
    /// called `<builder>`).
    pub fn build(self) -> Result<Scenario> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let text = toml::to_string(&self.table)
            .map_err(|e| crate::Error::internal(format!("cannot render the built scenario as TOML: {e}")))?;
        let mut sc = from_source(&ScenarioSource { text, origin: PathBuf::from(BUILDER_ORIGIN) }, &[], None)?;
        sc.source = BUILDER_ORIGIN.to_string();
        Ok(sc)
    }
}

/// One `[[dose]]` table under construction, for [`ScenarioBuilder::dose`].
#[derive(Debug, Clone)]
pub struct DoseSpec(Table);

impl DoseSpec {
    /// A dose of `drug` (`"ketamine"`, `"esketamine"`, …) by `route` (`"iv_bolus"`,
    /// `"iv_infusion"`, `"intranasal"`, `"oral"`, `"sublingual"`) at t = 0 h.
    pub fn new(drug: &str, route: &str) -> Self {
        let mut t = Table::new();
        t.insert("drug".into(), drug.into());
        t.insert("route".into(), route.into());
        DoseSpec(t)
    }

    /// The amount per kilogram of body weight, mg/kg.
    pub fn mg_per_kg(self, mg_per_kg: f64) -> Self {
        self.with("mg_per_kg", mg_per_kg)
    }

    /// The amount, mg.
    pub fn mg(self, mg: f64) -> Self {
        self.with("mg", mg)
    }

    /// When it is given, h after the start.
    pub fn at_h(self, at_h: f64) -> Self {
        self.with("at_h", at_h)
    }

    /// Infusion length, min (for `iv_infusion`).
    pub fn over_min(self, minutes: f64) -> Self {
        self.with("over_min", minutes)
    }

    /// Repeat it `times` times, every `every_h` hours.
    pub fn repeat(self, times: u32, every_h: f64) -> Self {
        self.with("times", i64::from(times)).with("every_h", every_h)
    }

    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
name = "Half dose"
duration_h = 24.0
seed = 7
[subject]
weight_kg = 70.0
state = "chronic_stress"
[[dose]]
drug = "ketamine"
route = "iv_infusion"
mg_per_kg = 0.25
over_min = 40.0
[circuit]
pyramidal_neurons = 50
"#;

    #[test]
    fn builder_equals_the_same_scenario_as_text() {
        let built = Scenario::builder("Half dose")
            .duration_h(24.0)
            .seed(7)
            .subject(70.0, "chronic_stress")
            .dose(DoseSpec::new("ketamine", "iv_infusion").mg_per_kg(0.25).over_min(40.0))
            .set("circuit.pyramidal_neurons", 50)
            .build()
            .unwrap();
        let text = Scenario::from_toml_str(TEXT).unwrap();
        assert_eq!(built.to_toml(), text.to_toml());
        assert_eq!(built.source, BUILDER_ORIGIN);
    }

    #[test]
    fn build_runs_the_file_checks_and_names_the_key() {
        let e = Scenario::builder("x")
            .duration_h(24.0)
            .subject(70.0, "chronic_stress")
            .dose(DoseSpec::new("ketamine", "iv_bolus").mg_per_kg(-1.0))
            .build()
            .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(msg.contains("<builder>") && msg.contains("dose.0.mg_per_kg"), "{msg}");

        let e = Scenario::builder("x").duration_h(24.0).build().unwrap_err().to_string();
        assert!(e.contains("[subject]"), "{e}");

        let e = Scenario::from_toml_str("name = \"x\"\nduration_h = 24.0\nsubjekt = 1\n").unwrap_err().to_string();
        assert!(e.contains("<string>:3:1") && e.contains("subject"), "{e}");
    }
}
