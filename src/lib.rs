//! ketasim — an agent-based simulator of how low-dose ketamine acts on the brain.
//!
//! Data flows one way: [`scenario`] → [`pk`] → [`pathway`] (ECS systems) → [`readout`] →
//! [`output`]. [`sim`] assembles one run; [`api`] is the library API that the command line, the Python
//! package and the browser build call. See `ARCHITECTURE.md`.

pub mod api;
// The doc comments of the clap argument structs are command-line help text (`<name>`, `[set]`),
// not rustdoc markup.
#[cfg(feature = "cli")]
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
pub mod batch;
pub mod cancel;
#[cfg(feature = "cli")]
#[allow(rustdoc::invalid_html_tags)]
pub mod cli;
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
pub mod cohort;
pub mod error;
pub mod explain;
pub mod guard;
#[cfg(feature = "cli")]
pub mod interrupt;
pub mod limits;
pub mod math;
pub mod output;
pub mod pain;
pub mod params;
pub mod pathway;
pub mod pk;
#[cfg(feature = "plot")]
pub mod plot;
pub mod readout;
pub mod rng;
pub mod scenario;
#[cfg(feature = "cli")]
#[allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
pub mod sensitivity;
pub mod sim;
pub mod units;

pub use error::{Error, Result};
