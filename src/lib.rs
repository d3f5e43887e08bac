//! ketasim — an agent-based simulator of how low-dose ketamine acts on the brain.
//!
//! Data flows one way: [`scenario`] → [`pk`] → [`pathway`] (ECS systems) → [`readout`] →
//! [`output`]. [`sim`] assembles one run; [`cli`] is the command line. See `ARCHITECTURE.md`.

pub mod batch;
pub mod cli;
pub mod error;
pub mod guard;
pub mod interrupt;
pub mod limits;
pub mod output;
pub mod params;
pub mod pathway;
pub mod pk;
pub mod plot;
pub mod readout;
pub mod rng;
pub mod scenario;
pub mod sim;

pub use error::{Error, Result};
