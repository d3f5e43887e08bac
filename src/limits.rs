//! Limits up front: before a run or a sweep allocates anything, its memory is estimated against the
//! machine's available memory (refused, exit 2, when over) and its time and disk use are estimated
//! (printed, with a warning, when large).
//!
//! The constants were measured with the release binary on the development machine (2 cores, one
//! thread per run) with `/usr/bin/time -f "%e s %M KB" target/release/ketasim run iv-infusion
//! --set subject.state=healthy --set circuit.pyramidal_neurons=N --set circuit.interneurons=N/4
//! --set duration_h=24 --out /tmp/m --force --quiet`:
//!
//! | circuit | spines | wall time | peak RSS | trace.csv + other files |
//! | --- | --- | --- | --- | --- |
//! | N = 500 | 100,000 | 0.44 s | 20,692 KB | 288 rows |
//! | N = 5000 | 1,000,000 | 3.50 s | 171,012 KB | 288 rows, 136 KB in all |
//! | default (`iv-infusion`, 168 h) | 20,000 | 0.68 s | 10,340 KB | 2,016 rows, 736 KB in all |
//!
//! Hence about 171 bytes per spine ((171,012 − 20,692) KB / 900,000 spines, neurons included) and
//! 1.5e-7 s per spine and simulated hour (3.50 s / (10^6 spines × 24 h); 1.8e-7 at 100,000 spines),
//! about 365 to 470 bytes per trace row, and a fixed 10 MB of memory for the process itself.
//! docs/performance.md has the same orders of magnitude (171 bytes per spine).

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::units::{MINUTES_PER_HOUR, SECONDS_PER_HOUR, SECONDS_PER_MINUTE};

/// Bytes of memory per spine (neurons included), measured (see the module docs).
pub const BYTES_PER_SPINE: f64 = 175.0;
/// Memory of the process besides the circuit, bytes.
pub const BASE_BYTES: f64 = 10e6;
/// Seconds per spine and simulated hour, one thread, measured (see the module docs).
pub const SECONDS_PER_SPINE_HOUR: f64 = 1.5e-7;
/// Seconds per simulation step besides the spines (PK, the clinic, sampling).
pub const SECONDS_PER_STEP: f64 = 5e-6;
/// Bytes per trace row, measured (see the module docs), and per run for the other files.
pub const BYTES_PER_ROW: f64 = 450.0;
/// Bytes per run for the files besides the trace (summary, events, doses, manifest).
pub const BYTES_PER_RUN: f64 = 30e3;

/// A warning is printed above this estimated time (s) …
pub const WARN_SECONDS: f64 = SECONDS_PER_HOUR;
/// … or this estimated disk use (bytes).
pub const WARN_BYTES: f64 = 2e9;
/// The estimate is printed (unless --quiet) from this estimated time (s) or disk use on.
const SHOW_SECONDS: f64 = 10.0;
const SHOW_BYTES: f64 = 100e6;

/// What one run will cost, estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Pathway steps.
    pub steps: f64,
    /// Trace rows written.
    pub rows: f64,
    /// Peak memory, bytes.
    pub memory_bytes: f64,
    /// Wall-clock time on one thread, s.
    pub seconds: f64,
    /// Disk space of the run directory, bytes.
    pub disk_bytes: f64,
}

/// The estimate of one run of `sc`.
pub fn estimate(sc: &Scenario) -> Estimate {
    let spines = f64::from(sc.circuit.pyramidal_neurons) * f64::from(sc.circuit.spines_per_pyramidal);
    let steps = (sc.duration_h * SECONDS_PER_HOUR / sc.numerics.dt_s).ceil();
    let rows = (sc.duration_h * MINUTES_PER_HOUR / sc.numerics.sample_every_min).floor() + 1.0;
    Estimate {
        steps,
        rows,
        memory_bytes: BASE_BYTES + spines * BYTES_PER_SPINE + rows * BYTES_PER_ROW,
        seconds: spines * sc.duration_h * SECONDS_PER_SPINE_HOUR + steps * SECONDS_PER_STEP,
        disk_bytes: rows * BYTES_PER_ROW + BYTES_PER_RUN,
    }
}

/// The machine's available memory (`MemAvailable` of /proc/meminfo), bytes; `None` if unknown.
pub fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

fn gb(b: f64) -> String {
    if b >= 1e9 { format!("{:.1} GB", b / 1e9) } else { format!("{:.0} MB", (b / 1e6).max(1.0)) }
}

fn duration(s: f64) -> String {
    if s >= SECONDS_PER_HOUR {
        format!("{:.1} h", s / SECONDS_PER_HOUR)
    } else if s >= SECONDS_PER_MINUTE {
        format!("{:.0} min", s / SECONDS_PER_MINUTE)
    } else {
        format!("{s:.0} s")
    }
}

/// Refuse (exit 2) when `memory` (bytes, for `what`) is more than the machine has available.
fn check_memory(memory: f64, what: &str) -> Result<()> {
    check_memory_against(memory, available_memory(), what)
}

fn check_memory_against(memory: f64, available: Option<f64>, what: &str) -> Result<()> {
    if let Some(avail) = available
        && memory > avail
    {
        return Err(Error::at_key(
            "circuit",
            format!(
                "{what} needs about {} of memory ({BYTES_PER_SPINE:.0} bytes per spine), more than the {} this machine has available; use a smaller circuit{}",
                gb(memory),
                gb(avail),
                if what.contains("sweep") { " or fewer --jobs" } else { "" }
            ),
        ));
    }
    Ok(())
}

/// Check a run of `sc` against the machine's memory (exit 2) and print its estimate when large
/// (unless `quiet`).
pub fn check_run(sc: &Scenario, quiet: bool) -> Result<()> {
    let e = estimate(sc);
    check_memory(e.memory_bytes, "the run")?;
    if !quiet && (e.seconds >= SHOW_SECONDS || e.disk_bytes >= SHOW_BYTES) {
        eprintln!(
            "estimate: {:.0} steps, {:.0} trace rows, about {} of disk, {} of memory, about {} on one thread",
            e.steps,
            e.rows,
            gb(e.disk_bytes),
            gb(e.memory_bytes),
            duration(e.seconds)
        );
        warn_if_large(e.seconds, e.disk_bytes, "run");
    }
    Ok(())
}

fn warn_if_large(seconds: f64, disk: f64, what: &str) {
    if seconds > WARN_SECONDS || disk > WARN_BYTES {
        eprintln!(
            "warning: this {what} would take about {} and write about {} (estimated); check the duration, the circuit and sample_every_min, or stop it with Ctrl-C",
            duration(seconds),
            gb(disk)
        );
    }
}

/// Check a sweep: `runs` gives each point's scenario and how many of its runs are run (replicates,
/// divided among the shards), `jobs` runs at a time.
pub fn check_sweep(runs: impl IntoIterator<Item = Result<(Scenario, f64)>>, jobs: usize, quiet: bool) -> Result<()> {
    let (mut seconds, mut disk, mut memory, mut n, mut rows) = (0.0, 0.0, BASE_BYTES, 0.0, 0.0);
    for r in runs {
        let (sc, k) = r?;
        let e = estimate(&sc);
        seconds += e.seconds * k;
        disk += e.disk_bytes * k;
        rows += e.rows * k;
        memory = memory.max(e.memory_bytes);
        n += k;
    }
    let parallel = (jobs as f64).clamp(1.0, n.ceil().max(1.0));
    check_memory(BASE_BYTES + (memory - BASE_BYTES) * parallel, &format!("the sweep ({parallel:.0} runs at a time)"))?;
    let wall = seconds / parallel;
    if !quiet && (wall >= SHOW_SECONDS || disk >= SHOW_BYTES) {
        eprintln!("estimate: {n:.0} runs, {rows:.0} trace rows, about {} of disk, about {} on {parallel:.0} workers", gb(disk), duration(wall));
        warn_if_large(wall, disk, "sweep");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_circuit_is_small() {
        let sc = crate::scenario::load("iv-infusion", &[], None).unwrap();
        let e = estimate(&sc);
        assert_eq!(e.steps, 168.0 * 360.0);
        assert!(e.memory_bytes < 20e6 && e.seconds < 5.0 && e.disk_bytes < 2e6, "{e:?}");
    }

    #[test]
    fn a_circuit_larger_than_the_available_memory_is_refused() {
        let sc = crate::scenario::load("iv-infusion", &["circuit.pyramidal_neurons=50000".into(), "circuit.spines_per_pyramidal=1000".into()], None)
            .unwrap();
        let need = estimate(&sc).memory_bytes;
        let e = check_memory_against(need, Some(4e9), "the run").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.contains("the run needs about 8.8 GB of memory") && m.contains("more than the 4.0 GB this machine has available"), "{m}");
        assert!(check_memory_against(need, Some(16e9), "the run").is_ok());
        assert!(check_memory_against(need, None, "the run").is_ok(), "unknown: not checked");
    }

    #[test]
    fn the_largest_circuit_needs_gigabytes() {
        let sc = crate::scenario::load("iv-infusion", &["circuit.pyramidal_neurons=50000".into(), "circuit.spines_per_pyramidal=1000".into()], None)
            .unwrap();
        assert!(estimate(&sc).memory_bytes > 8e9);
    }
}
