//! Day counts and the proration check (PRODUCT.md §7.3, §7.5).

use crate::journal_support::*;
use entrata_recon::domain::ChargeId;
use entrata_recon::mapping::DayCount;
use rust_decimal::dec;

#[test]
fn february_move_in_proration_check_per_day_count_method() {
    // Lease rent 1295.00; move-in on Feb 15.
    //   2026 (28 days, Feb 15–28 = 14 days):
    //     actual_days 14/28 = 647.50; thirty_day 16/30 = 690.666… = 690.67;
    //     days_365 14×12/365 = 168/365 = 596.0547… = 596.05
    //   2028 (29 days, Feb 15–29 = 15 days):
    //     actual_days 15/29 = 669.827… = 669.83; thirty_day 16/30 = 690.67;
    //     days_365 15×12/365 = 180/365 = 638.630… = 638.63
    let cases = [
        (DayCount::ActualDays, "2026", "28", "647.50"),
        (DayCount::ThirtyDay, "2026", "28", "690.67"),
        (DayCount::Days365, "2026", "28", "596.05"),
        (DayCount::ActualDays, "2028", "29", "669.83"),
        (DayCount::ThirtyDay, "2028", "29", "690.67"),
        (DayCount::Days365, "2028", "29", "638.63"),
    ];
    for (method, year, last_day, expected) in cases {
        let mut m = mapping();
        m.proration.method = method;
        m.proration.check_tolerance = Some(dec!(0.01));
        let expected: rust_decimal::Decimal = expected.parse().unwrap();
        // Exactly right, one cent off (within tolerance), two cents off (reported, still posted).
        for (id, charged, flagged) in [
            ("chg_1", expected, false),
            ("chg_2", expected + dec!(0.01), false),
            ("chg_3", expected - dec!(0.02), true),
        ] {
            let mut c =
                charge(id, "RENT", &charged.to_string(), &format!("{year}-02-15"), &format!("{year}-02"));
            c.service_period = service(&format!("{year}-02-15"), &format!("{year}-02-{last_day}"));
            let items = Items {
                charges: vec![c],
                leases: vec![lease("lease_1", "1295.00", &[])],
                ..Items::default()
            };
            let yy = &year[2..];
            let mut want = format!(
                "{year}-02-15 charges EN-LV001-C{yy}0215-1 | Dr receivables {charged} | Cr rental_income {charged} [{id}]"
            );
            if flagged {
                want.push_str(&format!("\n! proration_mismatch {id} {charged}"));
            }
            check(&items, &m, &want);
        }
    }
}

#[test]
fn proration_check_uses_monthly_fees_for_other_codes_and_skips_what_it_cannot_judge() {
    let mut m = mapping();
    m.proration.check_tolerance = Some(dec!(0.00));
    let with = |id: &str, code: &str, amount: &str, first: &str, last: &str| {
        let mut c = charge(id, code, amount, "2026-02-15", "2026-02");
        c.service_period = service(first, last);
        c
    };
    let mut reversal = with("chg_4", "RENT", "-1.00", "2026-02-15", "2026-02-28");
    reversal.reverses = Some(ChargeId::new("chg_0"));
    let mut no_lease = with("chg_5", "RENT", "1.00", "2026-02-15", "2026-02-28");
    no_lease.lease_id = None;
    let items = Items {
        charges: vec![
            // PET is a fee code: the lease's monthly PET fee 30.00 × 14/28 = 15.00.
            with("chg_1", "PET", "15.00", "2026-02-15", "2026-02-28"),
            with("chg_2", "PET", "16.00", "2026-02-15", "2026-02-28"),
            // A whole month, two months, a reversal, no lease: not checked.
            with("chg_3", "RENT", "1.00", "2026-02-01", "2026-02-28"),
            with("chg_6", "RENT", "1.00", "2026-02-15", "2026-03-14"),
            reversal,
            no_lease,
        ],
        leases: vec![lease("lease_1", "1295.00", &[("PET", "30.00")])],
        ..Items::default()
    };
    let plan = plan(&items, &m);
    let exceptions: Vec<String> = plan.exceptions.iter().map(exception_line).collect();
    assert_eq!(exceptions, ["! proration_mismatch chg_2 16.00"]);
    let message = &plan.exceptions[0].message;
    assert!(message.contains("monthly fee 30.00 × 14/28 (actual_days) is 15.00"), "{message}");
    assert!(message.contains("a difference of 1.00"), "{message}");
}
