//! Errors a user can meet, each mapped to the process exit code.
//!
//! - [`Error::Input`]: the scenario, a flag or the output directory is wrong → exit 2.
//! - [`Error::Numerical`]: a numerical guard tripped (a value left its physical range) → exit 1; it
//!   carries the stage, the variable, the time and the value, for programs that want to react.
//! - [`Error::Io`]: reading or writing a file failed (disk full, permissions) → exit 1.
//! - [`Error::Internal`]: any other failure of ketasim itself → exit 1.
//! - [`Error::Interrupted`]: stopped by SIGINT (Ctrl-C), SIGTERM or a [`crate::cancel::CancelToken`]
//!   → exit 128 + signal (130, 143).
//!
//! Every message a user can meet is listed, with what to do, in `docs/errors.md`.

use std::fmt;
use std::path::PathBuf;

/// Where a bad value sits: file, key path, and line/column when known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The input file, when the value came from one.
    pub file: Option<PathBuf>,
    /// Dotted key path, e.g. `dose.0.mg_per_kg`.
    pub key: Option<String>,
    /// 1-based line and column in the file.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            match self.line_col {
                Some((l, c)) => parts.push(format!("{}:{l}:{c}", file.display())),
                None => parts.push(file.display().to_string()),
            }
        }
        if let Some(key) = &self.key {
            parts.push(format!("key `{key}`"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

/// Everything that can go wrong, typed by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: exit code 2.
    #[error("{}{message}", location_prefix(.location))]
    Input {
        /// Where the bad value is (file, key, line and column, as far as known).
        location: Location,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A numerical guard tripped (see [`crate::guard`]): exit code 1.
    #[error("{message}")]
    Numerical {
        /// The model stage the variable belongs to (`pk`, `nmda`, …, `trace`).
        stage: String,
        /// The variable, as named in the trace or the stage's state (e.g. `glutamate_rel`).
        variable: String,
        /// Simulated time of the failure, h.
        t_h: f64,
        /// The offending value (NaN, infinite or out of range).
        value: f64,
        /// The whole message: stage, variable, time, allowed range and probable cause, and any
        /// context added on the way up (which run of a sweep, what was kept).
        message: String,
    },
    /// Reading or writing a file failed: exit code 1.
    #[error("{message}")]
    Io {
        /// The operating system's error kind.
        kind: std::io::ErrorKind,
        /// The message, with the file and any context added on the way up.
        message: String,
    },
    /// Any other failure of ketasim itself: exit code 1.
    #[error("{0}")]
    Internal(String),
    /// Stopped by a signal or a cancelled token (see [`crate::cancel`]): exit code 128 + `signal`
    /// (130 for Ctrl-C).
    #[error("{message}")]
    Interrupted {
        /// The signal number (2 for SIGINT, 15 for SIGTERM).
        signal: i32,
        /// How far the work got and what was kept.
        message: String,
    },
}

fn location_prefix(loc: &Location) -> String {
    let s = loc.to_string();
    if s.is_empty() { String::new() } else { format!("{s}: ") }
}

impl Error {
    /// Bad input without a known location (exit code 2).
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input { location: Location::default(), message: message.into() }
    }

    /// Bad input at a dotted key path such as `dose.0.mg_per_kg` (exit code 2); [`Error::in_file`]
    /// later adds the file and the line and column.
    pub fn at_key(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            location: Location { key: Some(key.into()), ..Default::default() },
            message: message.into(),
        }
    }

    /// An internal failure (exit code 1).
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// The same error with its message rewritten by `f` (to add context: which run, what was
    /// kept); the variant, location and typed fields stay.
    #[must_use]
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> Self {
        match self {
            Error::Input { location, message } => Error::Input { location, message: f(message) },
            Error::Numerical { stage, variable, t_h, value, message } => {
                Error::Numerical { stage, variable, t_h, value, message: f(message) }
            }
            Error::Io { kind, message } => Error::Io { kind, message: f(message) },
            Error::Internal(message) => Error::Internal(f(message)),
            Error::Interrupted { signal, message } => Error::Interrupted { signal, message: f(message) },
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } => 2,
            Error::Numerical { .. } | Error::Io { .. } | Error::Internal(_) => 1,
            Error::Interrupted { signal, .. } => 128 + signal,
        }
    }

    /// Attach the file name (and resolve the key to a line/column with `locate`).
    pub fn in_file(
        self,
        file: &std::path::Path,
        locate: impl Fn(&str) -> Option<(usize, usize)>,
    ) -> Self {
        match self {
            Error::Input { mut location, message } => {
                if location.file.is_none() {
                    location.file = Some(file.to_path_buf());
                }
                if location.line_col.is_none()
                    && let Some(key) = &location.key
                {
                    location.line_col = locate(key);
                }
                Error::Input { location, message }
            }
            other => other,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io { kind: e.kind(), message: format!("I/O error: {e}") }
    }
}

/// ketasim's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Make the binary's panics user-facing: printing to a closed pipe (`ketasim list | head -1`) ends
/// quietly with exit code 141, as if killed by SIGPIPE; printing to a full or failing standard output
/// or error ends with one `error:` line and exit code 1; any other panic (a bug in ketasim) prints
/// one `error:` line asking for a report (the Rust details only with `RUST_BACKTRACE` set) and
/// keeps Rust's exit code 101. Call once, at the start of `main`.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        use std::io::Write;
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if let Some(what) = msg.strip_prefix("failed printing to ") {
            if what.contains("Broken pipe") || what.contains("os error 32") {
                std::process::exit(141);
            }
            let _ = writeln!(std::io::stderr(), "error: cannot write to {what}");
            std::process::exit(1);
        }
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error (a bug in ketasim): {msg}{place}; please report it with the scenario and the command line{}",
            if std::env::var_os("RUST_BACKTRACE").is_some() { "" } else { " (set RUST_BACKTRACE=1 for details)" }
        );
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default(info);
        }
    }));
}

/// The closest of `candidates` to `word` by edit distance, if close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(word, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2)).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_for_typo() {
        assert_eq!(did_you_mean("mg_per_kgg", ["mg", "mg_per_kg", "at_h"]), Some("mg_per_kg"));
        assert_eq!(did_you_mean("zzzzzz", ["mg", "at_h"]), None);
    }
}
