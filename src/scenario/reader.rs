//! Reading TOML documents (scenarios, sweeps, trials, sensitivity specs) into typed values, with
//! errors that name the file, the key path, its line and column, and say what is allowed.
//!
//! [`parse_toml`] parses a document (a syntax error names the line and column); [`TableReader`]
//! reads one table of it, refuses unknown keys with a "did you mean"; [`locate`] turns a key path
//! back into a line and column for [`Error::in_file`].

use std::collections::BTreeSet;
use std::path::Path;

use toml::{Table, Value};

use crate::error::{Error, Location, Result, did_you_mean};

/// 1-based (line, column) of byte `offset` in `text`; the column counts characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    (before.matches('\n').count() + 1, before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1)
}

/// Parse a TOML document; a syntax error is an [`Error::Input`] naming `file`, the line and column
/// and what the parser expected.
pub fn parse_toml(text: &str, file: &Path) -> Result<Table> {
    text.parse::<Table>().map_err(|e| Error::Input {
        location: Location { file: Some(file.to_path_buf()), key: None, line_col: e.span().map(|s| line_col(text, s.start)) },
        message: format!("not valid TOML: {}", e.message().trim()),
    })
}

/// A view of one TOML table at a key path, which remembers which keys were read so that the rest
/// can be reported as unknown.
pub struct TableReader<'a> {
    /// Dotted key path of the table (`""` at the top level), prefixed to every key in messages.
    pub path: String,
    table: &'a Table,
    allowed: BTreeSet<&'static str>,
}

/// The dotted key path of `key` inside `path`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// The type of a TOML value as messages spell it ("a string", "an integer", …).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl<'a> TableReader<'a> {
    /// A reader of `table` at `path` that accepts only the keys in `allowed`.
    pub fn new(path: impl Into<String>, table: &'a Table, allowed: &[&'static str]) -> Self {
        Self { path: path.into(), table, allowed: allowed.iter().copied().collect() }
    }

    /// Reject keys that are not in the allowed set, with a suggestion.
    pub fn deny_unknown(&self) -> Result<()> {
        for key in self.table.keys() {
            if !self.allowed.contains(key.as_str()) {
                let mut msg = format!("unknown key `{key}`");
                if let Some(s) = did_you_mean(key, self.allowed.iter().copied()) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                let allowed: Vec<_> = self.allowed.iter().map(|k| format!("`{k}`")).collect();
                msg.push_str(&format!("; allowed here: {}", allowed.join(", ")));
                return Err(Error::at_key(join(&self.path, key), msg));
            }
        }
        Ok(())
    }

    fn key(&self, key: &str) -> String {
        debug_assert!(self.allowed.contains(key), "reader asked for undeclared key {key}");
        join(&self.path, key)
    }

    /// The value at `key`, unchecked.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.table.get(key)
    }

    /// The number at `key` (an integer is accepted), `None` if absent; errs on another type.
    pub fn f64_opt(&self, key: &str) -> Result<Option<f64>> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Float(f)) => Ok(Some(*f)),
            Some(Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(v) => Err(Error::at_key(self.key(key), format!("expected a number, found {}", type_name(v)))),
        }
    }

    /// The number at `key`; errs if it is absent (naming `what`) or not a number.
    pub fn f64_req(&self, key: &str, what: &str) -> Result<f64> {
        self.f64_opt(key)?.ok_or_else(|| Error::at_key(self.key(key), format!("missing required key: {what}")))
    }

    /// The number at `key`, `default` if absent, checked to lie in `[lo, hi]` (`unit` names the
    /// range's unit in the message, as [`check_range`]).
    pub fn f64_in(&self, key: &str, default: f64, lo: f64, hi: f64, unit: &str) -> Result<f64> {
        let v = self.f64_opt(key)?.unwrap_or(default);
        check_range(&self.key(key), v, lo, hi, false, unit)?;
        Ok(v)
    }

    /// The integer at `key`, `default` if absent, checked to lie in `lo..=hi` ("value 0 is out of
    /// range; allowed: 1 to 1000").
    pub fn u64_in(&self, key: &str, default: u64, lo: u64, hi: u64) -> Result<u64> {
        match self.u64_opt(key)? {
            None => Ok(default),
            Some(v) if (lo..=hi).contains(&v) => Ok(v),
            Some(v) => Err(Error::at_key(self.key(key), format!("value {v} is out of range; allowed: {lo} to {hi}"))),
        }
    }

    /// The non-negative integer at `key`, `None` if absent; errs on a negative integer or another type.
    pub fn u64_opt(&self, key: &str) -> Result<Option<u64>> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Integer(i)) if *i >= 0 => Ok(Some(*i as u64)),
            Some(Value::Integer(i)) => {
                Err(Error::at_key(self.key(key), format!("must be a non-negative integer, found {i}")))
            }
            Some(v) => Err(Error::at_key(self.key(key), format!("expected an integer, found {}", type_name(v)))),
        }
    }

    /// The boolean at `key`, `None` if absent; errs on another type.
    pub fn bool_opt(&self, key: &str) -> Result<Option<bool>> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(Error::at_key(self.key(key), format!("expected true or false, found {}", type_name(v)))),
        }
    }

    /// The string at `key`, `None` if absent; errs on another type.
    pub fn str_opt(&self, key: &str) -> Result<Option<&'a str>> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(v) => Err(Error::at_key(self.key(key), format!("expected a string, found {}", type_name(v)))),
        }
    }

    /// The string at `key`; errs if it is absent (naming `what`) or not a string.
    pub fn str_req(&self, key: &str, what: &str) -> Result<&'a str> {
        self.str_opt(key)?.ok_or_else(|| Error::at_key(self.key(key), format!("missing required key: {what}")))
    }

    /// A string that must be one of `choices`, mapped to a value.
    pub fn choice<T: Copy>(&self, key: &str, choices: &[(&'static str, T)]) -> Result<Option<T>> {
        let Some(s) = self.str_opt(key)? else { return Ok(None) };
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s) {
            return Ok(Some(*v));
        }
        let names: Vec<_> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
        let mut msg = format!("unknown value \"{s}\"; allowed: {}", names.join(", "));
        if let Some(sug) = did_you_mean(s, choices.iter().map(|(n, _)| *n)) {
            msg.push_str(&format!(" (did you mean \"{sug}\"?)"));
        }
        Err(Error::at_key(self.key(key), msg))
    }

    /// The table at `key`, `None` if absent; errs on another type.
    pub fn table_opt(&self, key: &str) -> Result<Option<&'a Table>> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::Table(t)) => Ok(Some(t)),
            Some(v) => Err(Error::at_key(self.key(key), format!("expected a table, found {}", type_name(v)))),
        }
    }

    /// An array of tables (`[[key]]`), possibly absent.
    pub fn tables(&self, key: &str) -> Result<Vec<&'a Table>> {
        match self.table.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Table(t) => Ok(t),
                    other => Err(Error::at_key(
                        format!("{}.{i}", self.key(key)),
                        format!("expected a table ([[{}]]), found {}", self.key(key), type_name(other)),
                    )),
                })
                .collect(),
            Some(v) => Err(Error::at_key(self.key(key), format!("expected an array of tables ([[{}]]), found {}", self.key(key), type_name(v)))),
        }
    }
}

/// Check `lo <= v <= hi` (or the open bound when `lo_open`), with a message that states the range.
pub fn check_range(key: &str, v: f64, lo: f64, hi: f64, lo_open: bool, unit: &str) -> Result<()> {
    let below = if lo_open { v <= lo } else { v < lo };
    if !v.is_finite() || below || v > hi {
        let lb = if lo_open { "(" } else { "[" };
        return Err(Error::at_key(key, format!("value {} is out of range; allowed: {lb}{lo}, {hi}] {unit}", show(v))));
    }
    Ok(())
}

/// A number as a user would write it: `1e-300`, not three hundred zeros.
pub fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() < 1e-6 || v.abs() >= 1e16) { format!("{v:e}") } else { format!("{v}") }
}

/// Locate a dotted key path in TOML text: 1-based (line, column) of its value, or of the nearest
/// enclosing table that exists.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut span = None;
    let mut value = DeValue::Table(root.into_inner());
    for part in path.split('.') {
        let next = match part.parse::<usize>() {
            Ok(i) => value.get(i),
            Err(_) => value.get(part),
        };
        let Some(next) = next else { break };
        span = Some(next.span());
        let owned = next.get_ref().clone();
        value = owned;
    }
    Some(line_col(text, span?.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_values() {
        let text = "name = \"x\"\n[[dose]]\nmg = 3\n[[dose]]\nmg_per_kg = 0.5\n";
        assert_eq!(locate(text, "dose.1.mg_per_kg"), Some((5, 13)));
        assert_eq!(locate(text, "name"), Some((1, 8)));
    }
}
