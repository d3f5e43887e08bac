//! Ctrl-C (SIGINT) and SIGTERM: stop a run cleanly instead of dying half-way (command line only).
//!
//! [`install`] replaces the default "die at once" action of SIGINT and SIGTERM with one that sets
//! the process's [`CancelToken`] ([`token`]), which the commands pass to the library. A run checks
//! it every step and returns [`Error::Interrupted`] (exit code 128 + signal: 130 for Ctrl-C, 143 for
//! SIGTERM), and the command line removes the run's temporary directory before exiting, so nothing
//! that looks finished is left. A second Ctrl-C (or SIGTERM) while the first is being handled ends
//! the process at once with the same exit code; then the hidden `.<name>.partial-<pid>` directory
//! may remain, which never looks like a finished run.
//!
//! Only commands that write results (`ketasim run`, sweeps) call [`install`]; every other command
//! keeps the default behaviour.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use crate::cancel::{CancelToken, SIGINT, SIGTERM};
use crate::error::{Error, Result};

/// The token of this process, set by SIGINT or SIGTERM once [`install`] ran.
static TOKEN: OnceLock<CancelToken> = OnceLock::new();
/// Set by the first signal; arms the immediate exit on the second one.
static ARMED: OnceLock<Arc<AtomicBool>> = OnceLock::new();
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// The process's cancellation token (set by SIGINT/SIGTERM after [`install`]).
pub fn token() -> CancelToken {
    TOKEN.get_or_init(CancelToken::new).clone()
}

/// Record SIGINT and SIGTERM instead of dying (idempotent). Errors only if the OS refuses.
pub fn install() -> Result<()> {
    INSTALLED
        .get_or_init(|| {
            let flag = token().flag();
            let armed = ARMED.get_or_init(|| Arc::new(AtomicBool::new(false))).clone();
            for sig in [SIGINT, SIGTERM] {
                // Order matters: the conditional exit must see the flag as it was *before* this signal.
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, armed.clone()).map_err(|e| e.to_string())?;
                signal_hook::flag::register_usize(sig, flag.clone(), sig as usize).map_err(|e| e.to_string())?;
                signal_hook::flag::register(sig, armed.clone()).map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(|e| Error::internal(format!("cannot install the Ctrl-C handler: {e}")))
}

/// `Err(Error::Interrupted)` once a stop signal has arrived; `where_` says how far the work got.
pub fn check_at(where_: impl FnOnce() -> String) -> Result<()> {
    token().check_at(where_)
}
