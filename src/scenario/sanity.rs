//! Dose sanity: a dose far beyond what any protocol gives by its route is much more likely a unit
//! mix-up (`mg_per_kg = 35` when 35 mg was meant) than an intention, so it is refused (exit 2) with
//! the other unit suggested, unless the scenario says `allow_high_dose = true` (the command line's
//! `--allow-high-dose`). Doses between the low-dose limits and these ceilings run with a warning,
//! as before (`Scenario::warnings`).
//!
//! Ceilings, per administration (mg/kg) and for infusions also per hour (mg/kg/h):
//!
//! | route | ceiling | why |
//! |---|---|---|
//! | iv_bolus | 5 mg/kg | the label's anaesthetic induction range is 1–4.5 mg/kg IV (Ketalar label) |
//! | iv_infusion | 5 mg/kg/h | anaesthetic maintenance runs at a fraction of this (Ketalar label); antidepressant and analgesic infusions at ≤ 1 mg/kg/h (Sanacora 2017; Schwenk 2018; Cohen 2018) |
//! | intranasal | 3 mg/kg | the largest esketamine session, 84 mg, is about 1.2 mg/kg (Spravato label) |
//! | oral, sublingual | 10 mg/kg | oral and sublingual doses in studies stay below about 5 mg/kg (Grant 1981; Rolan 2014) |
//!
//! And a floor: an amount in `mg` below 0.01 mg/kg of body weight has no measurable effect, and is
//! most likely a mg/kg number written as `mg`.

use crate::error::{Error, Result};
use crate::pk::Route;

use super::{Dose, Scenario};

/// The ceiling of one administration by `route`: (mg/kg per administration, mg/kg/h for an
/// infusion's rate), and the reason shown in the message.
pub fn ceiling(route: Route) -> (f64, Option<f64>, &'static str) {
    match route {
        Route::IvBolus => (5.0, None, "the anaesthetic induction range is 1-4.5 mg/kg IV (Ketalar label)"),
        Route::IvInfusion => (f64::INFINITY, Some(5.0), "antidepressant and analgesic infusions run at <= 1 mg/kg/h (Sanacora 2017; Schwenk 2018)"),
        Route::Intranasal => (3.0, None, "the largest esketamine session, 84 mg, is about 1.2 mg/kg (Spravato label)"),
        Route::Oral | Route::Sublingual => (10.0, None, "oral and sublingual doses in studies stay below about 5 mg/kg (Grant 1981; Rolan 2014)"),
    }
}

/// The smallest plausible amount, mg/kg (below it a mg/kg number was probably written as `mg`).
pub const FLOOR_MG_PER_KG: f64 = 0.01;

fn describe(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Check one dose; `i` is its index in `[[dose]]`.
fn check_dose(i: usize, d: &Dose, weight_kg: f64) -> Result<()> {
    let (max_mg_per_kg, max_rate, why) = ceiling(d.route);
    let mg_per_kg = d.amount_mg(weight_kg) / weight_kg;
    let rate = d.over_min.map(|m| mg_per_kg / (m / 60.0));
    let route = d.route.name();
    let escape = "to run it anyway, pass --allow-high-dose (or set allow_high_dose = true in the scenario)";
    let over = mg_per_kg > max_mg_per_kg || rate.zip(max_rate).is_some_and(|(r, m)| r > m);
    if over {
        let what = match (rate, max_rate) {
            (Some(r), Some(m)) => format!("{} mg/kg/h by {route} is above the {} mg/kg/h ceiling for this route", describe(r), describe(m)),
            _ => format!("{} mg/kg by {route} is above the {} mg/kg ceiling for this route", describe(mg_per_kg), describe(max_mg_per_kg)),
        };
        return Err(match (d.mg_per_kg, d.mg) {
            (Some(v), _) => Error::at_key(
                format!("dose.{i}.mg_per_kg"),
                format!(
                    "{what} ({why}): {} mg for a {} kg subject. Did you mean `mg = {}` ({} mg/kg)? Otherwise {escape}",
                    describe(v * weight_kg),
                    describe(weight_kg),
                    describe(v),
                    describe(v / weight_kg)
                ),
            ),
            (None, Some(v)) => Error::at_key(
                format!("dose.{i}.mg"),
                format!("{what} ({why}): {} mg for a {} kg subject; {escape}", describe(v), describe(weight_kg)),
            ),
            (None, None) => Error::at_key(format!("dose.{i}"), what),
        });
    }
    if let (None, Some(v)) = (d.mg_per_kg, d.mg)
        && v > 0.0
        && mg_per_kg < FLOOR_MG_PER_KG
    {
        return Err(Error::at_key(
            format!("dose.{i}.mg"),
            format!(
                "{} mg is only {} mg/kg for a {} kg subject, below any effect ({FLOOR_MG_PER_KG} mg/kg). Did you mean `mg_per_kg = {}` ({} mg)? Otherwise {escape}",
                describe(v),
                describe(mg_per_kg),
                describe(weight_kg),
                describe(v),
                describe(v * weight_kg)
            ),
        ));
    }
    Ok(())
}

/// Refuse implausible doses unless `sc.allow_high_dose`.
pub fn check(sc: &Scenario) -> Result<()> {
    if sc.allow_high_dose {
        return Ok(());
    }
    for (i, d) in sc.doses.iter().enumerate() {
        check_dose(i, d, sc.subject.weight_kg)?;
    }
    Ok(())
}
