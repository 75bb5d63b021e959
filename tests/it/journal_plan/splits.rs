//! Splits (PRODUCT.md §7.2).

use crate::journal_support::*;
use entrata_recon::mapping::{Remainder, Rounding};

#[test]
fn split_leftover_cent_per_rounding_and_remainder() {
    // 100.35 at 70/30: exact shares 70.245 and 30.105.
    //   half_even: 70.24 + 30.10 = 100.34, one cent short
    //   half_up:   70.25 + 30.11 = 100.36, one cent over
    //   down:      70.24 + 30.10 = 100.34, one cent short
    let cases = [
        (Rounding::HalfEven, Remainder::Last, "70.24", "30.11"),
        (Rounding::HalfEven, Remainder::First, "70.25", "30.10"),
        (Rounding::HalfUp, Remainder::Last, "70.25", "30.10"),
        (Rounding::HalfUp, Remainder::First, "70.24", "30.11"),
        (Rounding::Down, Remainder::Last, "70.24", "30.11"),
        (Rounding::Down, Remainder::First, "70.25", "30.10"),
    ];
    for (rounding, remainder, water, sewer) in cases {
        let mut m = mapping();
        m.proration.rounding = rounding;
        m.proration.remainder = remainder;
        let items = Items::charges(vec![charge("chg_1", "UTIL", "100.35", "2026-02-05", "2026-02")]);
        check(
            &items,
            &m,
            &format!(
                "2026-02-05 charges EN-LV001-C260205-1 | Dr receivables 100.35 | Cr sewer_income {sewer} | Cr water_income {water} [chg_1]"
            ),
        );
    }
}

#[test]
fn split_of_a_credit_mirrors_the_split_of_a_charge() {
    let mut m = mapping();
    m.proration.rounding = Rounding::HalfUp;
    let items = Items::charges(vec![charge("chg_1", "UTIL", "-100.35", "2026-02-05", "2026-02")]);
    check(
        &items,
        &m,
        "2026-02-05 charges EN-LV001-C260205-1 | Dr sewer_income 30.10 | Dr water_income 70.25 | Cr receivables 100.35 [chg_1]",
    );
}
