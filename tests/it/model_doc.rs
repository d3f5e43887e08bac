//! docs/model.md states every model parameter with its default value and unit.

#[test]
fn every_parameter_is_documented_with_its_default_and_unit() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.md")).unwrap();
    for p in ketasim::params::PARAMETERS {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", p.name)))
            .unwrap_or_else(|| panic!("docs/model.md has no row for parameter `{}`", p.name));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[2].parse::<f64>().ok(), Some(p.default), "default of `{}` in docs/model.md: {row}", p.name);
        assert_eq!(cells[3], p.unit, "unit of `{}`", p.name);
        assert!(!p.source.trim().is_empty(), "`{}` has no source", p.name);
    }
}
