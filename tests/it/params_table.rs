//! `ketasim params --format text|csv|json` prints the parameter table (name, value, uncertainty
//! range, validity range, unit, stage, source) exactly as `src/params.rs` states it.

use std::process::Command;

use ketasim::params::{PARAMETERS, TABLE_COLUMNS};

fn params(format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ketasim")).args(["params", "--format", format]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn csv_lists_every_parameter_with_both_ranges() {
    let text = params("csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, TABLE_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), PARAMETERS.len());
    for (row, p) in rows.iter().zip(PARAMETERS) {
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        assert_eq!(&row[0], p.name);
        // Numbers read back to the very same f64.
        assert_eq!([num(1), num(2), num(3), num(4), num(5)], [p.default, p.uncertainty_low, p.uncertainty_high, p.min, p.max], "{}", p.name);
        assert_eq!([&row[6], &row[7], &row[8], &row[9]], [p.unit, p.stage, p.source, p.uncertainty_basis]);
        assert!(num(4) <= num(2) && num(2) <= num(1) && num(1) <= num(3) && num(3) <= num(5), "{}: min <= low <= value <= high <= max", p.name);
    }
}

#[test]
fn json_is_the_same_table() {
    let v: serde_json::Value = serde_json::from_str(&params("json")).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), PARAMETERS.len());
    for (o, p) in a.iter().zip(PARAMETERS) {
        assert_eq!(o["name"], p.name);
        assert_eq!(o["value"].as_f64(), Some(p.default));
        assert_eq!(o["uncertainty_low"].as_f64(), Some(p.uncertainty_low));
        assert_eq!(o["uncertainty_high"].as_f64(), Some(p.uncertainty_high));
        assert_eq!(o["min"].as_f64(), Some(p.min));
        assert_eq!(o["max"].as_f64(), Some(p.max));
        assert_eq!(o["unit"], p.unit);
        assert_eq!(o["stage"], p.stage);
        assert_eq!(o["source"], p.source);
        let mut keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let mut want = TABLE_COLUMNS.to_vec();
        want.sort();
        assert_eq!(keys, want);
    }
}

#[test]
fn text_has_a_line_per_parameter_with_its_uncertainty_range() {
    let text = params("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PARAMETERS.len() + 1);
    assert!(lines[0].contains("uncertainty") && lines[0].contains("validity"));
    for (l, p) in lines[1..].iter().zip(PARAMETERS) {
        assert!(l.starts_with(p.name), "{l}");
        assert!(l.contains(&format!("{} to {}", p.uncertainty_low, p.uncertainty_high)), "{l}");
        assert!(l.contains(&format!("{} to {}", p.min, p.max)), "{l}");
    }
}
