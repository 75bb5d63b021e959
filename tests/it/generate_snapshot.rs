//! Freezes the generator's output: the same spec must give the same bytes in every future build
//! (the seed is how a user reproduces a dataset). A change here is either a bug or a deliberate
//! change to the portfolio, to be reviewed with `cargo insta review`.

use entrata_recon_sandbox::generate::{self, GenerateSpec};

/// FNV-1a, 64 bits: enough to notice any changed byte.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01B3))
}

/// The first `count` items of a list, one per line as the generator writes them.
fn first_items<'a>(text: &'a str, key: &str, count: usize) -> Vec<&'a str> {
    let start = text.find(&format!("\"{key}\":[")).unwrap_or_else(|| panic!("no {key}"));
    text[start..].lines().skip(1).take(count).map(|line| line.trim_end_matches(',')).collect()
}

#[test]
fn small_portfolio_is_frozen() {
    let spec: GenerateSpec = "properties=1,months=1,seed=1".parse().unwrap();
    let generated = generate::generate_with_summary(&spec);
    let text = String::from_utf8(generated.json.clone()).unwrap();
    let mut report = format!(
        "{:#?}\nbytes: {}\nfnv64: {:016x}\n",
        generated.summary,
        text.len(),
        fingerprint(&generated.json)
    );
    for (key, count) in
        [("properties", 1), ("units", 1), ("leases", 2), ("charges", 4), ("payments", 2), ("deposits", 1)]
    {
        report.push_str(&format!("\n{key}:\n"));
        for item in first_items(&text, key, count) {
            report.push_str(item);
            report.push('\n');
        }
    }
    insta::assert_snapshot!(report);
}
