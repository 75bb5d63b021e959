//! Deferral and recognition (PRODUCT.md §7.4).

use crate::journal_support::*;
use entrata_recon::mapping::{DayCount, GroupBy, Remainder, Rounding};

fn deferring(rounding: Rounding) -> entrata_recon::mapping::PropertyMapping {
    let mut m = mapping();
    m.proration.defer_to = Some(acct("prepaid_rent"));
    m.proration.rounding = rounding;
    m
}

#[test]
fn deferral_over_three_months_with_recognition_entries() {
    // Service Jan 15 – Mar 14, actual_days: Jan 17/31, Feb 28/28, Mar 14/31, i.e. weights 17:31:14
    // (over 62). 3000.00 × 17/62 = 822.580… = 822.58; × 31/62 = 1500.00; × 14/62 = 677.419… = 677.42.
    let mut c = charge("chg_1", "RENT", "3000.00", "2026-01-15", "2026-01");
    c.service_period = service("2026-01-15", "2026-03-14");
    check(
        &Items::charges(vec![c]),
        &deferring(Rounding::HalfEven),
        "2026-01-15 charges EN-LV001-C260115-1 | Dr receivables 3000.00 | Cr prepaid_rent 2177.42 | Cr rental_income 822.58 [chg_1]
         2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 1500.00 | Cr rental_income 1500.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 677.42 | Cr rental_income 677.42 [chg_1]",
    );
}

#[test]
fn deferral_leftover_cent_goes_to_the_remainder_month() {
    // 100.00 × 17/62 = 27.419…, × 31/62 = 50.00, × 14/62 = 22.580…; rounded down 27.41 + 50.00 +
    // 22.58 = 99.99: the cent goes to March (last) or January (first).
    for (remainder, jan, mar) in [(Remainder::Last, "27.41", "22.59"), (Remainder::First, "27.42", "22.58")] {
        let mut m = deferring(Rounding::Down);
        m.proration.remainder = remainder;
        let mut c = charge("chg_1", "RENT", "100.00", "2026-01-15", "2026-01");
        c.service_period = service("2026-01-15", "2026-03-14");
        let deferred = if remainder == Remainder::Last { "72.59" } else { "72.58" };
        check(
            &Items::charges(vec![c]),
            &m,
            &format!(
                "2026-01-15 charges EN-LV001-C260115-1 | Dr receivables 100.00 | Cr prepaid_rent {deferred} | Cr rental_income {jan} [chg_1]
                 2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 50.00 | Cr rental_income 50.00 [chg_1]
                 2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent {mar} | Cr rental_income {mar} [chg_1]"
            ),
        );
    }
}

#[test]
fn deferral_never_defers_tax_and_splits_each_part() {
    // UTIL 321.00 with 21.00 tax, service Feb 1 – Mar 31: Feb 28/28 and Mar 31/31 weigh 1:1, so
    // 300.00 becomes 150.00 + 150.00, each split 70/30 into 105.00 + 45.00.
    let mut c = charge("chg_1", "UTIL", "321.00", "2026-02-01", "2026-02");
    c.tax = usd("21.00");
    c.service_period = service("2026-02-01", "2026-03-31");
    check(
        &Items::charges(vec![c]),
        &deferring(Rounding::HalfEven),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 321.00 | Cr prepaid_rent 150.00 | Cr sewer_income 45.00 | Cr tax_payable 21.00 | Cr water_income 105.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 150.00 | Cr sewer_income 45.00 | Cr water_income 105.00 [chg_1]",
    );
}

#[test]
fn deferral_of_a_prepaid_month_and_of_a_credit() {
    // Posted in February for April only: all of it waits in prepaid_rent.
    let mut prepaid = charge("chg_1", "RENT", "1295.00", "2026-02-20", "2026-02");
    prepaid.service_period = service("2026-04-01", "2026-04-30");
    // A concession for Feb 15 – Mar 14 (thirty_day: Feb 16/30, Mar 14/30 → 16:14): −60.00 becomes
    // −32.00 and −28.00, the mirror of a charge.
    let mut credit = charge("chg_2", "CONC", "-60.00", "2026-02-15", "2026-02");
    credit.service_period = service("2026-02-15", "2026-03-14");
    let mut m = deferring(Rounding::HalfEven);
    m.proration.method = DayCount::ThirtyDay;
    check(
        &Items::charges(vec![prepaid, credit]),
        &m,
        "2026-02-15 charges EN-LV001-C260215-1 | Dr concessions 32.00 | Dr prepaid_rent 28.00 | Cr receivables 60.00 [chg_2]
         2026-02-20 charges EN-LV001-C260220-1 | Dr receivables 1295.00 | Cr prepaid_rent 1295.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr concessions 28.00 | Cr prepaid_rent 28.00 [chg_2]
         2026-04-01 recognition EN-LV001-E260401-1 | Dr prepaid_rent 1295.00 | Cr rental_income 1295.00 [chg_1]",
    );
}

#[test]
fn recognition_is_dated_the_first_day_of_its_month_under_every_grouping() {
    // §7.4 dates a recognition on the first day of its month; `post_month` grouping dates other
    // entries the month's last day (§5), but not recognitions. Same numbers as the three-month case.
    let mut c = charge("chg_1", "RENT", "3000.00", "2026-01-15", "2026-01");
    c.service_period = service("2026-01-15", "2026-03-14");
    let items = Items::charges(vec![c]);
    for (group_by, charge_line) in [
        (GroupBy::Day, "2026-01-15 charges EN-LV001-C260115-1"),
        (GroupBy::Item, "2026-01-15 charges EN-LV001-C260115-1"),
        (GroupBy::PostMonth, "2026-01-31 charges EN-LV001-C260131-1"),
    ] {
        let mut m = deferring(Rounding::HalfEven);
        m.journal.group_by = group_by;
        check(
            &items,
            &m,
            &format!(
                "{charge_line} | Dr receivables 3000.00 | Cr prepaid_rent 2177.42 | Cr rental_income 822.58 [chg_1]
                 2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 1500.00 | Cr rental_income 1500.00 [chg_1]
                 2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 677.42 | Cr rental_income 677.42 [chg_1]"
            ),
        );
    }
}

#[test]
fn deferral_over_too_many_months_is_held() {
    let mut c = charge("chg_1", "RENT", "100.00", "2026-02-01", "2026-02");
    c.service_period = service("2026-02-01", "2036-02-01");
    check(&Items::charges(vec![c]), &deferring(Rounding::HalfEven), "! invalid_item chg_1 100.00");
}
