//! Cancellation: a token that a caller sets to stop a run cleanly between two steps.
//!
//! The library never looks at process signals itself. The command line links a token to SIGINT
//! and SIGTERM (`interrupt.rs` of the binary side); the Python package sets it on
//! `KeyboardInterrupt`; a browser page may set it from a button. A run checks its token once per
//! step and returns [`Error::Interrupted`] (exit code 128 + signal) when it is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The signal number recorded by [`CancelToken::cancel`] (SIGINT, as Ctrl-C).
pub const SIGINT: i32 = 2;
/// SIGTERM's number (a cluster's time limit, `kill`).
pub const SIGTERM: i32 = 15;

/// A shared cancellation flag: clones share it. Holds 0 while not cancelled, else the number of
/// the signal (or [`SIGINT`] for a plain [`CancelToken::cancel`]) that asked to stop.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicUsize>);

impl CancelToken {
    /// A new token, not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the run to stop (as Ctrl-C would).
    pub fn cancel(&self) {
        self.cancel_with(SIGINT);
    }

    /// Ask the run to stop, recording `signal` as the reason (exit code 128 + `signal`).
    pub fn cancel_with(&self, signal: i32) {
        self.0.store(signal.max(1) as usize, Ordering::SeqCst);
    }

    /// The signal that asked to stop, if any.
    pub fn reason(&self) -> Option<i32> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }

    /// The shared flag itself, for a signal handler to set (`signal_hook::flag::register_usize`).
    pub fn flag(&self) -> Arc<AtomicUsize> {
        self.0.clone()
    }

    /// `Err(Error::Interrupted)` once cancelled; `where_` says how far the work got.
    pub fn check_at(&self, where_: impl FnOnce() -> String) -> Result<()> {
        match self.reason() {
            None => Ok(()),
            Some(signal) => {
                Err(Error::Interrupted { signal, message: format!("interrupted by {} {}", signal_name(signal), where_()) })
            }
        }
    }

    /// The run loop's check, once per step: `t_h` is the simulated time reached.
    #[inline]
    pub fn check(&self, t_h: f64) -> Result<()> {
        if self.0.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        self.check_at(|| format!("at t = {t_h:.3} h"))
    }
}

/// Human name of a signal number.
pub fn signal_name(sig: i32) -> String {
    match sig {
        SIGINT => "SIGINT (Ctrl-C)".into(),
        SIGTERM => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_token_stops_with_128_plus_signal() {
        let t = CancelToken::new();
        assert!(t.check(1.0).is_ok());
        let shared = t.clone();
        shared.cancel();
        let e = t.check(1.5).unwrap_err();
        assert_eq!(e.exit_code(), 130);
        assert!(e.to_string().contains("SIGINT (Ctrl-C) at t = 1.500 h"), "{e}");
        t.cancel_with(SIGTERM);
        assert_eq!(t.check(2.0).unwrap_err().exit_code(), 143);
    }
}
