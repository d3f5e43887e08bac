//! Reading the CSV files of a run or sweep directory by column name.

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// A CSV file held as text, addressed by column name.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The file it was read from (named in messages).
    pub path: PathBuf,
    /// Column names of the header row, trimmed.
    pub headers: Vec<String>,
    /// The records, as text, one `Vec` per row.
    pub rows: Vec<Vec<String>>,
}

fn bad_file(path: &Path, message: String) -> Error {
    Error::Input { location: Location { file: Some(path.to_path_buf()), ..Default::default() }, message }
}

impl Table {
    /// Read a CSV file with a header row. A missing or malformed file is bad input (exit 2).
    pub fn read(path: &Path) -> Result<Table> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| bad_file(path, format!("cannot read: {e}")))?;
        let headers = r
            .headers()
            .map_err(|e| bad_file(path, format!("cannot read the header row: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| bad_file(path, format!("malformed CSV: {e}")))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(Table { path: path.to_path_buf(), headers, rows })
    }

    /// Position of the column called `name`, if any.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Whether there is a column called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    /// The text of column `name`, one entry per row.
    pub fn text(&self, name: &str) -> Option<Vec<&str>> {
        let i = self.index(name)?;
        Some(self.rows.iter().map(|r| r.get(i).map_or("", String::as_str)).collect())
    }

    /// Column `name` as numbers; empty or non-numeric cells are NaN.
    pub fn numbers(&self, name: &str) -> Option<Vec<f64>> {
        Some(self.text(name)?.into_iter().map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN)).collect())
    }
}

/// One row of events.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub time_h: f64,
    pub kind: String,
    pub detail: String,
}

/// A shaded period of the run: a dose, a blocker, an alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub kind: PeriodKind,
    /// Short label for the legend, e.g. "rapamycin".
    pub label: String,
    pub from_h: f64,
    pub to_h: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeriodKind {
    Dose,
    Intervention,
    Alarm,
}

/// Read events.csv (absent → no events). Rows without a numeric time are skipped.
pub fn read_events(path: &Path) -> Result<Vec<EventRow>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let t = Table::read(path)?;
    let (Some(time), Some(kind)) = (t.numbers("time_h"), t.text("kind")) else {
        return Err(bad_file(path, "events.csv needs the columns time_h and kind".into()));
    };
    let detail = t.text("detail").unwrap_or_else(|| vec![""; t.rows.len()]);
    Ok(time
        .into_iter()
        .zip(kind)
        .zip(detail)
        .filter(|((t, _), _)| t.is_finite())
        .map(|((time_h, kind), detail)| EventRow { time_h, kind: kind.to_string(), detail: detail.to_string() })
        .collect())
}

/// Pair `<prefix>_start` with `<prefix>_end` events (same detail, first in first out). A start
/// without an end lasts until `end_h`.
pub fn periods(events: &[EventRow], end_h: f64) -> Vec<Period> {
    let mut out = Vec::new();
    for (prefix, kind) in [("dose", PeriodKind::Dose), ("intervention", PeriodKind::Intervention), ("alarm", PeriodKind::Alarm)] {
        let start = format!("{prefix}_start");
        let end = format!("{prefix}_end");
        let mut open: Vec<&EventRow> = Vec::new();
        for e in events {
            if e.kind == start {
                open.push(e);
            } else if e.kind == end {
                let i = open.iter().position(|s| s.detail == e.detail).or(if open.is_empty() { None } else { Some(0) });
                if let Some(i) = i {
                    let s = open.remove(i);
                    out.push(Period { kind, label: short_label(kind, &s.detail), from_h: s.time_h, to_h: e.time_h.max(s.time_h) });
                }
            }
        }
        for s in open {
            out.push(Period { kind, label: short_label(kind, &s.detail), from_h: s.time_h, to_h: end_h.max(s.time_h) });
        }
    }
    out
}

/// "rapamycin strength 1" → "rapamycin"; doses are all called "dose"; alarms "alarm".
fn short_label(kind: PeriodKind, detail: &str) -> String {
    match kind {
        PeriodKind::Dose => "dose".into(),
        PeriodKind::Alarm => "alarm".into(),
        PeriodKind::Intervention => detail.split_whitespace().next().unwrap_or("blocker").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: f64, kind: &str, detail: &str) -> EventRow {
        EventRow { time_h: t, kind: kind.into(), detail: detail.into() }
    }

    #[test]
    fn periods_pair_starts_and_ends() {
        let events = vec![
            ev(0.0, "dose_start", "bolus"),
            ev(0.0, "dose_end", "bolus"),
            ev(0.0, "dose_start", "inf"),
            ev(0.0, "intervention_start", "rapamycin strength 1"),
            ev(1.0, "dose_end", "inf"),
            ev(0.5, "alarm_start", "sbp 185"),
        ];
        let p = periods(&events, 72.0);
        assert_eq!(p.len(), 4);
        assert!(p.contains(&Period { kind: PeriodKind::Dose, label: "dose".into(), from_h: 0.0, to_h: 0.0 }));
        assert!(p.contains(&Period { kind: PeriodKind::Dose, label: "dose".into(), from_h: 0.0, to_h: 1.0 }));
        assert!(p.contains(&Period { kind: PeriodKind::Intervention, label: "rapamycin".into(), from_h: 0.0, to_h: 72.0 }));
        assert!(p.contains(&Period { kind: PeriodKind::Alarm, label: "alarm".into(), from_h: 0.5, to_h: 72.0 }));
    }
}
