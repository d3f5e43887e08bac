//! Unit conversions, stated once. Model code keeps its units in its names (`_h`, `_min`, `_s`,
//! `_ng_ml`, `_mg_l`) and converts through these constants, never through a bare `3600.0`,
//! `60.0` or `1000.0`.

/// Seconds per hour: `numerics.dt_s` and the run length meet the model's hours here.
pub const SECONDS_PER_HOUR: f64 = 3600.0;

/// Seconds per minute: minute-valued settings (sampling interval, stimulation trains) meet the
/// step in seconds here.
pub const SECONDS_PER_MINUTE: f64 = 60.0;

/// Minutes per hour: time constants and durations given in minutes (`*_tau_min`, `over_min`,
/// `lockout_min`) meet the model's hours here.
pub const MINUTES_PER_HOUR: f64 = 60.0;

/// ng/mL per mg/L: a concentration of mg (amount) per L (volume) as the read-outs' ng/mL.
pub const NG_ML_PER_MG_L: f64 = 1000.0;

/// Hours per day: rates and half-lives given per day (`*_per_day`, `*_days`) meet the model's
/// hours here.
pub const HOURS_PER_DAY: f64 = 24.0;
