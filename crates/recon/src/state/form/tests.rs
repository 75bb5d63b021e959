use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn usd(cents: i128) -> Money {
    Money::from_cents(cents, Currency::USD).unwrap()
}

fn month(y: i32, m: u32) -> PostMonth {
    PostMonth::new(y, m).unwrap()
}

fn instant() -> DateTime<FixedOffset> {
    FixedOffset::west_opt(6 * 3600).unwrap().with_ymd_and_hms(2025, 3, 1, 4, 0, 0).unwrap()
        + chrono::Duration::nanoseconds(123_456_789)
}

fn charge() -> Charge {
    Charge {
        id: ChargeId::new("chg_1"),
        property_id: PropertyId::new("prop_1"),
        lease_id: Some(LeaseId::new("lease_1")),
        resident_id: None,
        unit_id: Some(UnitId::new("unit_ü_1")),
        ar_code: ArCode::new("RENT"),
        description: "Rent — March".into(),
        amount: usd(-130_501),
        tax: usd(0),
        transaction_date: None,
        post_date: date("2024-02-29"),
        post_month: month(2024, 2),
        service_period: ServicePeriod::new(date("2024-02-01"), date("2024-02-29")),
        reverses: Some(ChargeId::new("chg_0")),
        scheduled_charge_id: None,
        status: ChargeStatus::Deleted,
        updated_at: instant(),
    }
}

fn lease() -> Lease {
    Lease {
        id: LeaseId::new("lease_1"),
        property_id: PropertyId::new("prop_1"),
        number: Some(String::new()),
        unit_id: None,
        primary_resident_id: Some(ResidentId::new("res_1")),
        status: LeaseStatus::Notice,
        start_date: Some(date("0001-01-01")),
        end_date: None,
        move_in_date: Some(date("9999-12-31")),
        move_out_date: None,
        rent: Some(usd(i128::from(i64::MAX) * 1_000)),
        fees: vec![
            LeaseFee {
                code: ArCode::new("PET"),
                description: "Pet rent".into(),
                amount: usd(5_000),
                frequency: FeeFrequency::Monthly,
            },
            LeaseFee {
                code: ArCode::new("ADMIN"),
                description: String::new(),
                amount: Money::from_cents(1, Currency::parse("EUR").unwrap()).unwrap(),
                frequency: FeeFrequency::Once,
            },
        ],
        deposit: None,
        currency: Currency::parse("CAD").unwrap(),
        updated_at: instant(),
    }
}

fn payment() -> Payment {
    Payment {
        id: PaymentId::new("pay_1"),
        property_id: PropertyId::new("prop_1"),
        lease_id: None,
        resident_id: Some(ResidentId::new("res_1")),
        amount: usd(146_500),
        method: PaymentMethod::MoneyOrder,
        status: PaymentStatus::Returned,
        received_at: Some(instant()),
        post_date: date("2025-03-01"),
        post_month: month(2025, 3),
        returned: Some(PaymentReturn {
            date: date("2025-04-02"),
            post_month: month(2025, 4),
            reason: Some("NSF".into()),
        }),
        deposit_id: Some(DepositId::new("dep_1")),
        allocations: vec![
            Allocation { charge_id: ChargeId::new("chg_1"), ar_code: None, amount: usd(130_500) },
            Allocation {
                charge_id: ChargeId::new("chg_2"),
                ar_code: Some(ArCode::new("UTIL")),
                amount: usd(16_000),
            },
        ],
        updated_at: instant(),
    }
}

fn deposit() -> Deposit {
    Deposit {
        id: DepositId::new("dep_1"),
        property_id: PropertyId::new("prop_1"),
        bank_account_id: BankAccountId::new("bank_001"),
        bank_account_name: None,
        deposit_date: date("2025-03-03"),
        post_month: month(2025, 3),
        amount: usd(146_500),
        payment_ids: vec![PaymentId::new("pay_1"), PaymentId::new("pay_2")],
        status: DepositStatus::Active,
        updated_at: instant(),
    }
}

/// Decodes one form, as the single entry of a page.
fn decode(form: &[u8]) -> Result<Form, FormError> {
    let mut page = Vec::new();
    push_entry(&mut page, 1, form);
    let mut forms = Vec::new();
    decode_entries(&page, |_| true, |_, f| forms.push(f))?;
    match (forms.pop(), forms.is_empty()) {
        (Some(form), true) => Ok(form),
        _ => Err(FormError { at: 0, what: "not one form".to_owned() }),
    }
}

fn all_forms() -> Vec<Vec<u8>> {
    vec![
        encode(FormSource::Charge(&charge())),
        encode(FormSource::Lease(&lease())),
        encode(FormSource::Payment(&payment())),
        encode(FormSource::Deposit(&deposit())),
        encode(FormSource::Invalid {
            item_id: "?abc",
            reason: "amount: 12.345 has more than 2 decimal places",
        }),
    ]
}

#[test]
fn every_kind_round_trips_exactly() {
    assert_eq!(decode(&encode(FormSource::Charge(&charge()))), Ok(Form::Charge(charge())));
    assert_eq!(decode(&encode(FormSource::Lease(&lease()))), Ok(Form::Lease(lease())));
    assert_eq!(decode(&encode(FormSource::Payment(&payment()))), Ok(Form::Payment(payment())));
    assert_eq!(decode(&encode(FormSource::Deposit(&deposit()))), Ok(Form::Deposit(deposit())));
    let invalid = encode(FormSource::Invalid { item_id: "chg_9", reason: "postDate: missing" });
    assert_eq!(
        decode(&invalid),
        Ok(Form::Invalid { item_id: "chg_9".into(), reason: "postDate: missing".into() })
    );
    // The offset survives, not only the instant (DateTime's == compares instants only).
    let Ok(Form::Payment(p)) = decode(&encode(FormSource::Payment(&payment()))) else { panic!() };
    assert_eq!(p.received_at.unwrap().to_rfc3339(), instant().to_rfc3339());
    assert_eq!(p.amount.to_string(), "1465.00 USD");
}

#[test]
fn forms_concatenate() {
    let mut page = Vec::new();
    for (seq, form) in all_forms().iter().enumerate() {
        push_entry(&mut page, seq as i64, form);
    }
    let mut decoded = Vec::new();
    decode_entries(&page, |_| true, |_, form| decoded.push(form)).unwrap();
    assert_eq!(decoded.len(), 5);
    assert_eq!(decoded[0], Form::Charge(charge()));
    assert_eq!(decoded[3], Form::Deposit(deposit()));
    assert_eq!(decoded[4].item_id(), "?abc");
}

#[test]
fn a_cut_form_is_an_error_at_every_length() {
    for form in all_forms() {
        let mut page = Vec::new();
        push_entry(&mut page, 1, &form);
        for len in 1..page.len() {
            let cut = decode_entries(&page[..len], |_| true, |_, _| {});
            assert!(cut.is_err(), "{len} of {} bytes decoded", page.len());
        }
    }
}

#[test]
fn page_entries_keep_only_the_chosen_versions() {
    let mut page = Vec::new();
    let mut boundaries = Vec::new();
    for (seq, form) in [7_i64, 9, 1_000_000_000_000].into_iter().zip(all_forms()) {
        push_entry(&mut page, seq, &form);
        boundaries.push(page.len());
    }
    let mut kept = Vec::new();
    decode_entries(&page, |seq| seq != 9, |seq, form| kept.push((seq, form))).unwrap();
    assert_eq!(kept, vec![(7, Form::Charge(charge())), (1_000_000_000_000, Form::Payment(payment()))]);
    // Cut anywhere but between entries, a page is an error, whether or not entries are kept.
    for len in (1..page.len()).filter(|len| !boundaries.contains(len)) {
        assert!(decode_entries(&page[..len], |_| true, |_, _| {}).is_err(), "{len} bytes decoded");
        assert!(decode_entries(&page[..len], |_| false, |_, _| {}).is_err(), "{len} bytes skipped");
    }
}

#[test]
fn another_version_is_refused() {
    let mut form = encode(FormSource::Deposit(&deposit()));
    // Byte 0 is the length (under 128 here); byte 1 the version.
    form[1] = FORM_VERSION + 1;
    let err = decode(&form).unwrap_err();
    assert!(err.what.contains("version"), "{err}");
}

proptest! {
    /// Whatever the bytes, decoding answers (a form or an error) and never panics.
    #[test]
    fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_entries(&bytes, |_| true, |_, _| {});
    }

    /// Flipping any byte of a valid form gives an error or some form, never a panic.
    #[test]
    fn corrupted_forms_fail_cleanly(index in 0_usize..4, at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut form = all_forms().swap_remove(index);
        let at = at.index(form.len());
        form[at] = byte;
        let _ = decode(&form);
    }

    /// Any amount text the parser accepts and `Money` holds (up to the largest 96-bit
    /// mantissa, plain or exponent form) comes back from its form exactly: the planning-form
    /// round trip once printed 4e28 a hundred times smaller.
    #[test]
    fn any_accepted_amount_text_round_trips(
        digits in "[1-9][0-9]{0,28}", point in 0_usize..30, exponent in -3_i32..30, negative in any::<bool>(),
    ) {
        let point = point.min(digits.len());
        let text = format!(
            "{}{}.{}0e{exponent}",
            if negative { "-" } else { "" },
            &digits[..point.max(1)],
            &digits[point.max(1)..]
        );
        let Ok(amount) = crate::domain::parse_decimal_text(&text) else { return Ok(()) };
        let Ok(money) = Money::new(amount, Currency::USD) else { return Ok(()) };
        prop_assert_eq!(money.amount(), amount, "{}", text);
        let mut c = charge();
        c.amount = money;
        c.tax = -money;
        prop_assert_eq!(decode(&encode(FormSource::Charge(&c))), Ok(Form::Charge(c)));
    }

    #[test]
    fn any_amount_round_trips(cents in any::<i64>(), scale in 0_u32..3) {
        let cents = i128::from(cents) * 10_i128.pow(scale);
        let mut c = charge();
        c.amount = usd(cents);
        c.tax = usd(-cents);
        prop_assert_eq!(decode(&encode(FormSource::Charge(&c))), Ok(Form::Charge(c)));
    }
}
