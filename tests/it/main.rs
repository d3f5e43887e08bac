//! The integration tests, one crate (one link of the library instead of one per file).
//!
//! Each module is one area of the acceptance list (input errors, clinical read-outs, determinism,
//! output safety, the pathway's published time courses, …); [`util`] holds what they share: the
//! binary's path, temporary directories, running the binary and reading its output; [`runs`] runs
//! bundled scenarios in-process and reads their traces; [`findings`] states the published pathway
//! bands checked on both the human and the rodent curves.
//! `cargo test --release --test it MODULE::` runs one area.

mod cli_input;
mod clinical;
mod compare;
mod determinism;
mod docs;
mod explain;
mod figures;
mod findings;
mod fuzz;
mod model_doc;
mod numerics;
mod output_safety;
mod pain;
mod params_table;
mod pathway;
mod pk;
mod plot;
mod plain_reference;
mod references;
mod robustness;
mod runs;
mod sensitivity;
mod species;
mod sweep;
mod trial;
mod util;
mod worksheets;
