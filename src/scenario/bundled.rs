//! Scenarios shipped inside the binary, so that `ketasim list` and `ketasim run NAME` work after
//! `cargo install`. The files live in `scenarios/`; a test checks that both sets agree.

/// (name, TOML text), in teaching order.
pub const BUNDLED: &[(&str, &str)] = &[
    ("baseline", include_str!("../../scenarios/baseline.toml")),
    ("iv-infusion", include_str!("../../scenarios/iv-infusion.toml")),
    ("iv-bolus-anesthetic", include_str!("../../scenarios/iv-bolus-anesthetic.toml")),
    ("esketamine-intranasal", include_str!("../../scenarios/esketamine-intranasal.toml")),
    ("oral-troche", include_str!("../../scenarios/oral-troche.toml")),
    ("rapamycin-block", include_str!("../../scenarios/rapamycin-block.toml")),
    ("oral-rapamycin", include_str!("../../scenarios/oral-rapamycin.toml")),
    ("stress-rescue", include_str!("../../scenarios/stress-rescue.toml")),
    ("nbqx-block", include_str!("../../scenarios/nbqx-block.toml")),
    ("val66met", include_str!("../../scenarios/val66met.toml")),
    ("anesthetic-vs-low-dose", include_str!("../../scenarios/anesthetic-vs-low-dose.toml")),
    ("eef2k-only", include_str!("../../scenarios/eef2k-only.toml")),
    ("rat-li2010", include_str!("../../scenarios/rat-li2010.toml")),
    ("mouse-autry2011", include_str!("../../scenarios/mouse-autry2011.toml")),
    ("mouse-modasava2019", include_str!("../../scenarios/mouse-modasava2019.toml")),
    ("clinic-session", include_str!("../../scenarios/clinic-session.toml")),
    ("spravato-induction", include_str!("../../scenarios/spravato-induction.toml")),
    ("six-infusions", include_str!("../../scenarios/six-infusions.toml")),
    ("windup", include_str!("../../scenarios/windup.toml")),
    ("postop-opioid-only", include_str!("../../scenarios/postop-opioid-only.toml")),
    ("postop-ketamine", include_str!("../../scenarios/postop-ketamine.toml")),
    ("opioid-tolerant-postop", include_str!("../../scenarios/opioid-tolerant-postop.toml")),
    ("crps-infusion", include_str!("../../scenarios/crps-infusion.toml")),
    ("neuropathic-infusion", include_str!("../../scenarios/neuropathic-infusion.toml")),
];

/// The TOML text of the bundled scenario `name`, or `None` if there is none.
pub fn get(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Names of the bundled scenarios, in listing order.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(n, _)| *n)
}
