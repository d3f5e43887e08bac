//! Run a bundled scenario through the library API only and print its summary.
//!
//! `cargo run --release --example api [SCENARIO]` (default: `iv-infusion`).

use ketasim::api::{self, DoseSpec, RunControl, Scenario};

fn main() -> Result<(), ketasim::Error> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "iv-infusion".to_string());
    println!("bundled scenarios: {}", api::scenarios().join(", "));
    let scenario = api::scenario(&name, &[], None)?;
    let mut last = 0;
    let control = RunControl::default().with_progress(|done, total| {
        let pct = done * 100 / total.max(1);
        if pct >= last + 25 {
            last = pct;
            eprintln!("{name}: {pct} %");
        }
    });
    let run = api::run(&scenario, control)?;
    // The summary as ketasim writes it (summary.csv: a header and one row).
    let bytes = run.file("summary.csv")?;
    let mut csv = csv::Reader::from_reader(bytes.as_slice());
    let header = csv.headers().expect("summary.csv has a header").clone();
    let row = csv.records().next().expect("summary.csv has a row").expect("summary.csv parses");
    println!("\n{name}: {} trace rows, {} events", run.output.trace.len(), run.output.events.len());
    for (column, value) in header.iter().zip(row.iter()) {
        println!("  {column:<30} {value}");
    }

    // The same kind of scenario built in code: the builder goes through the checks a file does.
    let half = Scenario::builder("Half dose, built in code")
        .duration_h(24.0)
        .subject(70.0, "chronic_stress")
        .dose(DoseSpec::new("ketamine", "iv_infusion").mg_per_kg(0.25).over_min(40.0))
        .build()?;
    let run = api::run(&half, RunControl::default())?;
    println!("\n{}: Cmax {:.0} ng/mL", half.name, run.output.summary.cmax_ng_ml);
    Ok(())
}
