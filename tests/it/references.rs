//! Provenance: every published source that a parameter cites (`Author Year` in its source text or
//! the basis of its uncertainty range) is listed in docs/references.md, so a reader can find the paper behind every number.

use ketasim::params::PARAMETERS;

/// `Author Year` keys in a source text ("Kamp 2020", "Simons et al. 2022" → "Simons 2022",
/// "Murrough 2013b", "van de Loo 2017").
fn keys(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split(|c: char| c.is_whitespace() || ",;():".contains(c)).filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let year = w.trim_end_matches(|c: char| c.is_ascii_lowercase());
        if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) || !(year.starts_with("19") || year.starts_with("20")) {
            continue;
        }
        // The author is the nearest capitalised word before the year, skipping "et al.".
        let mut j = i;
        while j > 0 {
            j -= 1;
            let a = words[j];
            if a == "al." || a == "et" {
                continue;
            }
            if a.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                // Name particles belong to the surname ("van de Loo 2017").
                let mut k = j;
                while k > 0 && ["van", "de", "der", "den", "von", "la"].contains(&words[k - 1]) {
                    k -= 1;
                }
                out.push(format!("{} {w}", words[k..=j].join(" ")));
            }
            break;
        }
    }
    out
}

#[test]
fn every_cited_source_is_in_the_bibliography() {
    let refs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/references.md")).unwrap();
    let listed: Vec<&str> =
        refs.lines().filter_map(|l| l.strip_prefix("| ")).filter_map(|l| l.split(" |").next()).collect();
    let mut missing = Vec::new();
    let mut cited = 0;
    for p in PARAMETERS {
        for k in keys(p.source).into_iter().chain(keys(p.uncertainty_basis)) {
            cited += 1;
            if !listed.iter().any(|l| *l == k || l.starts_with(&format!("{k} "))) {
                missing.push(format!("{} cites `{k}`", p.name));
            }
        }
    }
    assert!(cited > 50, "the parser found only {cited} citations");
    assert!(missing.is_empty(), "not in docs/references.md: {missing:#?}");
}

#[test]
fn the_key_parser_reads_author_year() {
    assert_eq!(keys("Simons et al. 2022: 1.48 L/min (label: CL about 89 L/h)"), ["Simons 2022"]);
    assert_eq!(keys("calibrated (Yale review 2024; Fang 2019)"), ["Fang 2019"]);
    assert_eq!(keys("Murrough 2013b; 18 days"), ["Murrough 2013b"]);
}
