//! The documentation lists every output column and event kind that the code declares.

use ketasim::readout::{EVENT_KINDS, SUMMARY_COLUMNS, TRACE_COLUMNS};

fn output_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/output.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The table row of docs/output.md that documents `name` (a line starting `| \`name\` |`).
fn table_row<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let start = format!("| `{name}` |");
    doc.lines().find(|l| l.trim_start().starts_with(&start))
}

fn check_columns(doc: &str, file: &str, columns: &[(&str, &str, &str)]) {
    let mut missing = Vec::new();
    for &(name, unit, _) in columns {
        match table_row(doc, name) {
            None => missing.push(format!("{file}: column `{name}` has no table row")),
            Some(row) => {
                if !unit.is_empty() && !row.contains(&format!("| {unit} |")) {
                    missing.push(format!("{file}: column `{name}`: the row does not give the unit `{unit}`: {row}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "docs/output.md is out of date:\n{}", missing.join("\n"));
}

#[test]
fn every_trace_column_is_documented_with_its_unit() {
    check_columns(&output_md(), "trace.csv", TRACE_COLUMNS);
}

#[test]
fn every_summary_column_is_documented_with_its_unit() {
    check_columns(&output_md(), "summary.csv", SUMMARY_COLUMNS);
}

#[test]
fn every_doses_column_is_documented_with_its_unit() {
    check_columns(&output_md(), "doses.csv", ketasim::readout::doses::DOSE_COLUMNS);
}

#[test]
fn every_event_kind_is_documented() {
    let doc = output_md();
    let missing: Vec<_> = EVENT_KINDS.iter().filter(|(kind, _)| table_row(&doc, kind).is_none()).map(|(k, _)| *k).collect();
    assert!(missing.is_empty(), "docs/output.md does not document the event kinds {missing:?}");
}

#[test]
fn the_documented_columns_are_in_the_code_order() {
    // The trace and summary tables list the columns in CSV order.
    let doc = output_md();
    for (file, columns) in [("trace.csv", TRACE_COLUMNS), ("summary.csv", SUMMARY_COLUMNS)] {
        let section = doc.split(&format!("## {file}")).nth(1).unwrap_or_else(|| panic!("no `## {file}` section"));
        let section = section.split("\n## ").next().unwrap();
        let positions: Vec<usize> = columns
            .iter()
            .map(|(name, _, _)| section.find(&format!("| `{name}` |")).unwrap_or_else(|| panic!("{file}: `{name}` not in its section")))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{file}: columns are not listed in CSV order");
    }
}
