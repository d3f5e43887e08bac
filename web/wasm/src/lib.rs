//! ketasim in the browser: the library (`ketasim::api`) behind plain `extern "C"` exports, so that a
//! small hand-written JavaScript loader (`web/site/ketasim.js`) can call it without wasm-bindgen.
//!
//! Protocol (all strings UTF-8):
//! - `ks_alloc(len) -> ptr` / `ks_free(ptr, len)`: buffers the caller writes its input into.
//! - `ks_run(toml, sets, seed) -> handle` (0 on error): `sets` are `KEY=VALUE` lines as `--set` takes
//!   them; `seed < 0` keeps the scenario's seed. `ks_check(toml, sets, seed) -> 1/0` only resolves.
//! - Every call that returns data puts it into one output buffer: `ks_out_ptr()`, `ks_out_len()`
//!   (valid until the next call); on error the buffer holds the error message.
//! - `ks_info(handle)`: JSON with the columns, summary, events, warnings, scenario.
//! - `ks_trace(handle)`: the trace as f64 values, column after column (`rows × columns`).
//! - `ks_file(handle, name)`: the bytes of `trace.csv`, `events.csv`, `summary.csv`, `doses.csv`,
//!   `manifest.json` (and `pain.csv`, `pain_summary.csv` when `info.pain`), exactly as `ketasim
//!   run` writes them.
//! - `ks_edit(toml, ops_json)`: the scenario text after the page's edits (see [`edit`]).
//! - `ks_drop(handle)`: forget a run.
//!
//! The only import is `env.ks_now_ms() -> f64` (the page's `performance.now()`), for the wall time
//! written into `manifest.json`: there is no clock on wasm32-unknown-unknown.

use std::cell::RefCell;

use ketasim::api::{self, Run, RunControl};
use ketasim::readout::{SUMMARY_COLUMNS, TRACE_COLUMNS};
use ketasim::scenario::Scenario;
use serde_json::{Value, json};

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn ks_now_ms() -> f64;
}

#[cfg(not(target_arch = "wasm32"))]
unsafe fn ks_now_ms() -> f64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn now_ms() -> f64 {
    // SAFETY: a plain function of no arguments provided by the loader.
    unsafe { ks_now_ms() }
}

thread_local! {
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static RUNS: RefCell<Vec<Option<Run>>> = const { RefCell::new(Vec::new()) };
}

fn set_out(bytes: Vec<u8>) {
    OUT.with(|o| *o.borrow_mut() = bytes);
}

/// Record `r`'s value or error in the output buffer; 1 on success, 0 on error.
fn finish(r: Result<Vec<u8>, String>) -> u32 {
    match r {
        Ok(b) => {
            set_out(b);
            1
        }
        Err(e) => {
            set_out(e.into_bytes());
            0
        }
    }
}

/// # Safety
/// `ptr..ptr+len` must be a live buffer from [`ks_alloc`] (or `len == 0`).
unsafe fn text<'a>(ptr: *const u8, len: usize) -> Result<&'a str, String> {
    if len == 0 {
        return Ok("");
    }
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).map_err(|e| format!("input is not UTF-8: {e}"))
}

fn with_run<T>(handle: u32, f: impl FnOnce(&Run) -> Result<T, String>) -> Result<T, String> {
    RUNS.with(|r| {
        let runs = r.borrow();
        match handle
            .checked_sub(1)
            .and_then(|i| runs.get(i as usize))
            .and_then(|r| r.as_ref())
        {
            Some(run) => f(run),
            None => Err(format!("no run with handle {handle}")),
        }
    })
}

/// Install a panic hook that leaves the message in the output buffer before the trap.
fn hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            set_out(format!("internal error (panic): {info}").into_bytes())
        }));
    });
}

/// Resolve a scenario from its TOML text, `--set` lines and seed (`< 0`: the scenario's own).
pub fn resolve(toml: &str, sets: &str, seed: f64) -> Result<Scenario, String> {
    let sets: Vec<String> = sets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let seed = (seed >= 0.0).then_some(seed as u64);
    api::scenario_from_toml(toml, "scenario.toml", &sets, seed).map_err(|e| e.to_string())
}

/// The scenario as the page shows it: the resolved values, each dose's class, warnings, TOML.
pub fn scenario_json(sc: &Scenario) -> Value {
    let classes: Vec<Value> = sc
        .doses
        .iter()
        .map(|d| {
            let c = sc.classify(d);
            json!({ "low_dose": c.low_dose, "text": c.text, "mg": d.amount_mg(sc.subject.weight_kg),
                    "mg_per_kg": d.amount_mg_per_kg(sc.subject.weight_kg) })
        })
        .collect();
    json!({
        "scenario": sc,
        "dose_classes": classes,
        "warnings": sc.warnings(),
        "resolved_toml": sc.to_toml(),
    })
}

fn columns(c: &[(&str, &str, &str)]) -> Value {
    c.iter()
        .map(|(n, u, d)| json!({ "name": n, "unit": u, "description": d }))
        .collect()
}

/// Everything about a run except the trace values.
pub fn info_json(run: &Run) -> Value {
    let mut v = scenario_json(&run.scenario);
    let o = &run.output;
    v["rows"] = json!(o.trace.len());
    v["columns"] = columns(TRACE_COLUMNS);
    v["summary_columns"] = columns(SUMMARY_COLUMNS);
    v["summary"] = serde_json::to_value(&o.summary).unwrap_or(Value::Null);
    v["events"] = serde_json::to_value(&o.events).unwrap_or(Value::Null);
    v["run_warnings"] = json!(o.warnings);
    v["wall_time_s"] = json!(o.wall_time_s);
    v["steps"] = json!(o.steps);
    // With `[pain]` on, the run also has pain.csv and pain_summary.csv (`ks_file`).
    v["pain"] = json!(o.pain.is_some());
    v
}

/// Apply the page's edits to a scenario's TOML text and return the new text. `ops` is a JSON list of
/// `{"set": "dose.0.mg_per_kg", "value": 0.25}` (as `--set`), `{"remove": "dose.0.mg"}` (a key, or
/// an element of a list, e.g. `intervention.1`) and `{"push": "intervention", "value": {...}}` (append
/// a table to a list, created if missing). The result is checked by the caller with `ks_check`.
pub fn edit(toml_text: &str, ops: &str) -> Result<String, String> {
    let mut table: toml::Table = toml_text
        .parse()
        .map_err(|e| format!("not valid TOML: {e}"))?;
    let ops: Vec<Value> = serde_json::from_str(ops).map_err(|e| format!("bad edit list: {e}"))?;
    let to_toml = |v: &Value| toml::Value::try_from(v).map_err(|e| format!("bad value {v}: {e}"));
    for op in &ops {
        if let Some(path) = op["set"].as_str() {
            ketasim::scenario::set_path(&mut table, path, to_toml(&op["value"])?)
                .map_err(|e| e.to_string())?;
        } else if let Some(path) = op["remove"].as_str() {
            let (parent, last) = path.rsplit_once('.').unwrap_or(("", path));
            match (lookup(&mut table, parent)?, last.parse::<usize>()) {
                (Lookup::Table(t), _) => {
                    t.remove(last);
                }
                (Lookup::Array(a), Ok(i)) if i < a.len() => {
                    a.remove(i);
                }
                _ => return Err(format!("cannot remove `{path}`")),
            }
            // An empty list of tables cannot be written as [[...]]: drop it.
            if let Some(toml::Value::Array(a)) = table.get(parent)
                && a.is_empty()
            {
                table.remove(parent);
            }
        } else if let Some(path) = op["push"].as_str() {
            let v = to_toml(&op["value"])?;
            match table
                .entry(path.to_string())
                .or_insert_with(|| toml::Value::Array(Vec::new()))
            {
                toml::Value::Array(a) => a.push(v),
                _ => return Err(format!("`{path}` is not a list")),
            }
        } else {
            return Err(format!("unknown edit {op}"));
        }
    }
    toml::to_string(&table).map_err(|e| format!("cannot write TOML: {e}"))
}

enum Lookup<'a> {
    Table(&'a mut toml::Table),
    Array(&'a mut Vec<toml::Value>),
}

/// The table or list at a dotted path (`""` is the whole file).
fn lookup<'a>(table: &'a mut toml::Table, path: &str) -> Result<Lookup<'a>, String> {
    let mut cur = Lookup::Table(table);
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = match cur {
            Lookup::Table(t) => t.get_mut(part),
            Lookup::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        };
        cur = match next {
            Some(toml::Value::Table(t)) => Lookup::Table(t),
            Some(toml::Value::Array(a)) => Lookup::Array(a),
            _ => return Err(format!("no table or list at `{path}`")),
        };
    }
    Ok(cur)
}

/// Run a scenario; the wall time is measured with the page's clock.
pub fn run_scenario(toml: &str, sets: &str, seed: f64) -> Result<Run, String> {
    let sc = resolve(toml, sets, seed)?;
    let t0 = now_ms();
    let mut run = api::run(&sc, RunControl::default()).map_err(|e| e.to_string())?;
    run.output.wall_time_s = (now_ms() - t0) / 1e3;
    Ok(run)
}

/// The trace, column after column.
pub fn trace_values(run: &Run) -> Vec<f64> {
    run.trace_columns()
        .into_iter()
        .flat_map(|(_, v)| v)
        .collect()
}

#[unsafe(no_mangle)]
pub extern "C" fn ks_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// # Safety
/// `ptr` and `len` must come from one [`ks_alloc`] call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ks_free(ptr: *mut u8, len: usize) {
    // SAFETY: allocated by ks_alloc with capacity len.max(1).
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

#[unsafe(no_mangle)]
pub extern "C" fn ks_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn ks_out_len() -> usize {
    OUT.with(|o| o.borrow().len())
}

/// JSON list of the bundled scenarios: `[{name, toml}]`, in teaching order.
#[unsafe(no_mangle)]
pub extern "C" fn ks_bundled() -> u32 {
    hook();
    let list: Vec<Value> = api::scenarios()
        .into_iter()
        .map(|n| json!({ "name": n, "toml": ketasim::scenario::bundled::get(n).unwrap_or("") }))
        .collect();
    finish(Ok(Value::from(list).to_string().into_bytes()))
}

/// Resolve without running: JSON from [`scenario_json`], or the error message.
///
/// # Safety
/// The pointers must be live buffers from [`ks_alloc`] of the given lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ks_check(
    toml_ptr: *const u8,
    toml_len: usize,
    sets_ptr: *const u8,
    sets_len: usize,
    seed: f64,
) -> u32 {
    hook();
    // SAFETY: guaranteed by the caller.
    let r = unsafe { text(toml_ptr, toml_len) }
        .and_then(|t| Ok((t, unsafe { text(sets_ptr, sets_len) }?)))
        .and_then(|(t, s)| resolve(t, s, seed))
        .map(|sc| scenario_json(&sc).to_string().into_bytes());
    finish(r)
}

/// Run: a handle (≥ 1), or 0 with the error message in the output buffer.
///
/// # Safety
/// The pointers must be live buffers from [`ks_alloc`] of the given lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ks_run(
    toml_ptr: *const u8,
    toml_len: usize,
    sets_ptr: *const u8,
    sets_len: usize,
    seed: f64,
) -> u32 {
    hook();
    // SAFETY: guaranteed by the caller.
    let r = unsafe { text(toml_ptr, toml_len) }
        .and_then(|t| Ok((t, unsafe { text(sets_ptr, sets_len) }?)))
        .and_then(|(t, s)| run_scenario(t, s, seed));
    match r {
        Ok(run) => {
            set_out(Vec::new());
            RUNS.with(|r| {
                let mut runs = r.borrow_mut();
                runs.push(Some(run));
                runs.len() as u32
            })
        }
        Err(e) => {
            set_out(e.into_bytes());
            0
        }
    }
}

/// JSON about a run ([`info_json`]).
#[unsafe(no_mangle)]
pub extern "C" fn ks_info(handle: u32) -> u32 {
    finish(with_run(handle, |r| {
        Ok(info_json(r).to_string().into_bytes())
    }))
}

/// The trace values as little-endian f64, column after column.
#[unsafe(no_mangle)]
pub extern "C" fn ks_trace(handle: u32) -> u32 {
    finish(with_run(handle, |r| {
        Ok(trace_values(r)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect())
    }))
}

/// The bytes of one output file, as `ketasim run` writes it.
///
/// # Safety
/// `name_ptr..+name_len` must be a live buffer from [`ks_alloc`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ks_file(handle: u32, name_ptr: *const u8, name_len: usize) -> u32 {
    // SAFETY: guaranteed by the caller.
    let name = match unsafe { text(name_ptr, name_len) } {
        Ok(n) => n.to_string(),
        Err(e) => return finish(Err(e)),
    };
    finish(with_run(handle, |r| {
        r.file(&name).map_err(|e| e.to_string())
    }))
}

/// The scenario text after edits ([`edit`]).
///
/// # Safety
/// The pointers must be live buffers from [`ks_alloc`] of the given lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ks_edit(
    toml_ptr: *const u8,
    toml_len: usize,
    ops_ptr: *const u8,
    ops_len: usize,
) -> u32 {
    hook();
    // SAFETY: guaranteed by the caller.
    let r = unsafe { text(toml_ptr, toml_len) }
        .and_then(|t| Ok((t, unsafe { text(ops_ptr, ops_len) }?)))
        .and_then(|(t, o)| edit(t, o))
        .map(String::into_bytes);
    finish(r)
}

/// Forget a run.
#[unsafe(no_mangle)]
pub extern "C" fn ks_drop(handle: u32) {
    RUNS.with(|r| {
        if let Some(slot) = handle
            .checked_sub(1)
            .and_then(|i| r.borrow_mut().get_mut(i as usize).map(Option::take))
        {
            drop(slot);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_trace_match_the_library() {
        let toml = ketasim::scenario::bundled::get("iv-infusion").unwrap();
        let run = run_scenario(toml, "duration_h=2\ncircuit.pyramidal_neurons=20", -1.0).unwrap();
        let reference = api::run(
            &api::scenario(
                "iv-infusion",
                &["duration_h=2".into(), "circuit.pyramidal_neurons=20".into()],
                None,
            )
            .unwrap(),
            RunControl::default(),
        )
        .unwrap();
        assert_eq!(
            run.file("trace.csv").unwrap(),
            reference.file("trace.csv").unwrap()
        );
        let v = trace_values(&run);
        assert_eq!(v.len(), run.output.trace.len() * TRACE_COLUMNS.len());
        let info = info_json(&run);
        assert_eq!(info["rows"], json!(run.output.trace.len()));
        assert_eq!(info["scenario"]["dose"][0]["route"], json!("iv_infusion"));
    }

    #[test]
    fn edits_give_a_scenario_the_library_accepts() {
        let toml = ketasim::scenario::bundled::get("rapamycin-block").unwrap();
        let ops = r#"[{"set": "dose.0.mg", "value": 20}, {"remove": "dose.0.mg_per_kg"},
                      {"remove": "intervention.0"}, {"push": "intervention", "value": {"kind": "nbqx", "from_h": -0.5}},
                      {"set": "mechanisms.eef2k", "value": false}]"#;
        let sc = resolve(&edit(toml, ops).unwrap(), "", -1.0).unwrap();
        assert_eq!(sc.doses[0].mg, Some(20.0));
        assert_eq!(sc.doses[0].mg_per_kg, None);
        assert_eq!(sc.interventions.len(), 1);
        assert_eq!(sc.interventions[0].kind.name(), "nbqx");
        assert!(!sc.mechanisms.eef2k);
        let none = edit(toml, r#"[{"remove": "intervention.0"}]"#).unwrap();
        assert!(resolve(&none, "", -1.0).unwrap().interventions.is_empty());
        assert!(edit(toml, r#"[{"remove": "dose.3"}]"#).is_err());
    }

    #[test]
    fn errors_are_messages() {
        let e = resolve("name = 1", "", -1.0).unwrap_err();
        assert!(e.contains("scenario.toml"), "{e}");
    }
}
