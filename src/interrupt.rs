//! Ctrl-C (SIGINT) and SIGTERM: stop a run cleanly instead of dying half-way.
//!
//! [`install`] replaces the default "die at once" action of SIGINT and SIGTERM with one that only
//! records the signal. The run loop calls [`check`] every step; once a signal has arrived it returns
//! [`Error::Interrupted`] (exit code 128 + signal: 130 for Ctrl-C, 143 for SIGTERM), and the command
//! line removes the run's temporary directory before exiting, so nothing that looks finished is
//! left. A second Ctrl-C (or SIGTERM) while the first is being handled ends the process at once
//! with the same exit code; then the hidden `.<name>.partial-<pid>` directory may remain, which never
//! looks like a finished run.
//!
//! Only commands that write results (`ketasim run`, sweeps) call [`install`]; every other command
//! keeps the default behaviour.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The signal that asked us to stop (0: none yet).
static SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal; arms the immediate exit on the second one.
static ARMED: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

const SIGNALS: &[(i32, &str)] = &[(signal_hook::consts::SIGINT, "SIGINT (Ctrl-C)"), (signal_hook::consts::SIGTERM, "SIGTERM")];

/// Record SIGINT and SIGTERM instead of dying (idempotent). Errors only if the OS refuses.
pub fn install() -> Result<()> {
    INSTALLED
        .get_or_init(|| {
            for &(sig, _) in SIGNALS {
                // Order matters: the conditional exit must see the flag as it was *before* this signal.
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &ARMED).map_err(|e| e.to_string())?;
                signal_hook::flag::register_usize(sig, &SIGNAL, sig as usize).map_err(|e| e.to_string())?;
                signal_hook::flag::register(sig, &ARMED).map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(|e| Error::internal(format!("cannot install the Ctrl-C handler: {e}")))
}

/// The signal received so far, if any.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s as i32),
    }
}

/// Human name of a signal number.
pub fn signal_name(sig: i32) -> String {
    SIGNALS.iter().find(|(s, _)| *s == sig).map(|(_, n)| n.to_string()).unwrap_or_else(|| format!("signal {sig}"))
}

/// `Err(Error::Interrupted)` once a stop signal has arrived; `where_` says how far the work got
/// (e.g. `at t = 12.5 h`).
pub fn check_at(where_: impl FnOnce() -> String) -> Result<()> {
    match requested() {
        None => Ok(()),
        Some(signal) => Err(Error::Interrupted { signal, message: format!("interrupted by {} {}", signal_name(signal), where_()) }),
    }
}

/// The run loop's check, once per step: `t_h` is the simulated time reached.
#[inline]
pub fn check(t_h: f64) -> Result<()> {
    if SIGNAL.load(Ordering::Relaxed) == 0 {
        return Ok(());
    }
    check_at(|| format!("at t = {t_h:.3} h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_error_names_the_signal_and_maps_to_128_plus_signal() {
        // (Receiving a real signal is tested against the binary in tests/robustness.rs.)
        assert!(check(1.0).is_ok(), "no signal in unit tests");
        let e = Error::Interrupted { signal: 2, message: format!("interrupted by {} at t = 1.5 h", signal_name(2)) };
        assert_eq!(e.exit_code(), 130);
        assert!(e.to_string().contains("SIGINT (Ctrl-C)"), "{e}");
        assert_eq!(Error::Interrupted { signal: 15, message: String::new() }.exit_code(), 143);
        assert_eq!(signal_name(15), "SIGTERM");
    }
}
