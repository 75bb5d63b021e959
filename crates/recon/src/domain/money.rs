//! Money: an exact decimal amount in a known currency.
//!
//! Amounts are `rust_decimal::Decimal` from the wire to the wire. A `Money` always has at most two
//! decimal places (every amount that leaves the connector must), and is stored rescaled to exactly
//! two so that its text form is stable (`"1295.00"`).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Every amount the connector handles has at most this many decimal places.
pub const MONEY_SCALE: u32 = 2;

/// The largest amount one Entrata item may carry, in cents: a trillion in the item's currency.
/// Anything larger is surely bad data and is quarantined where items are converted. The bound also
/// keeps every sum a plan makes (of any number of items a state file can hold) far from the
/// largest amount a `Money` can hold, so sums cannot overflow.
pub const MAX_ITEM_CENTS: i128 = 100_000_000_000_000;
/// `MAX_ITEM_CENTS` as people read it.
pub const MAX_ITEM_TEXT: &str = "1,000,000,000,000.00";

/// Exponents beyond this are not amounts anyone writes; refusing them early keeps the exact parser
/// from building huge digit strings.
const MAX_EXPONENT: i64 = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a decimal number")]
    NotANumber(String),
    #[error("{0} has more than 2 decimal places")]
    TooManyDecimals(Decimal),
    #[error(
        "`{0}` cannot be held exactly: an exact decimal has at most 28 digits after the point and 79,228,162,514,264,337,593,543,950,335 before it"
    )]
    TooPrecise(String),
    #[error("{0} is too large for an amount in cents")]
    TooLarge(Decimal),
    #[error("`{0}` is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount overflow")]
    Overflow,
}

/// An ISO 4217 alphabetic currency code, checked against the list of active codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(&'static str);

impl Currency {
    pub const USD: Currency = Currency("USD");

    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        match ISO_4217.binary_search(&code) {
            Ok(idx) => Ok(Currency(ISO_4217[idx])),
            Err(_) => Err(MoneyError::UnknownCurrency(code.to_owned())),
        }
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

/// An exact amount of one currency with at most two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Rejects amounts that are not whole cents; never rounds.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        Ok(Money { amount: to_cents_exact(amount)?, currency })
    }

    /// From integer minor units (cents): `from_cents(129500, USD)` is 1295.00 USD.
    pub fn from_cents(cents: i128, currency: Currency) -> Result<Money, MoneyError> {
        let amount =
            Decimal::try_from_i128_with_scale(cents, MONEY_SCALE).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { amount, currency })
    }

    /// The amount in integer minor units (cents).
    pub fn cents(&self) -> i128 {
        // Invariant: `amount` always has exactly MONEY_SCALE decimals (`to_cents_exact` and
        // `checked_add` refuse anything that would not).
        self.amount.mantissa()
    }

    /// Whether the amount is within the per-item limit (`MAX_ITEM_CENTS`).
    pub fn within_item_limit(&self) -> bool {
        self.cents().abs() <= MAX_ITEM_CENTS
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount: Decimal::new(0, MONEY_SCALE), currency }
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    pub fn abs(&self) -> Money {
        Money { amount: self.amount.abs(), currency: self.currency }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        // rust_decimal keeps a sum representable by lowering its scale (rounding) when the
        // mantissa would overflow: a sum that is not exactly two places is an overflow to us.
        let amount = self
            .amount
            .checked_add(other.amount)
            .filter(|sum| sum.scale() == MONEY_SCALE)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { amount, currency: self.currency })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.checked_add(-other)
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money { amount: -self.amount, currency: self.currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_amount(self.amount), self.currency)
    }
}

/// `amount` as exactly two decimal places, rejecting sub-cent values (never rounds) and amounts
/// too large to carry two decimal places (`Decimal::rescale` would silently keep fewer).
pub fn to_cents_exact(amount: Decimal) -> Result<Decimal, MoneyError> {
    let normalized = amount.normalize();
    if normalized.scale() > MONEY_SCALE {
        return Err(MoneyError::TooManyDecimals(amount));
    }
    let mut cents = normalized;
    cents.rescale(MONEY_SCALE);
    if cents.scale() != MONEY_SCALE {
        return Err(MoneyError::TooLarge(amount));
    }
    Ok(cents)
}

/// Text with exactly two decimal places: `1295.00`, `-25.50`, `0.00`.
pub fn format_amount(amount: Decimal) -> String {
    let mut shown = amount.round_dp(MONEY_SCALE);
    if shown.is_zero() {
        shown = Decimal::ZERO; // never print "-0.00"
    }
    shown.rescale(MONEY_SCALE);
    shown.to_string()
}

/// Parses the text of a JSON number literal, or the content of a JSON string, exactly: the
/// value written, or an error, never a rounded neighbour.
///
/// Accepts JSON's number grammar (`1295`, `1295.00`, `-25.5`, `1.2e3`, `12E-1`); rejects what
/// `f64` parsing would accept loosely (`NaN`, `inf`, `0x10`, `.5`, `+1`, empty, spaces).
/// Plain and exponent forms share one exact path: the digits and the decimal exponent are read
/// as written, insignificant zeros dropped, and the result built from an integer mantissa and a
/// scale, which fails (`TooPrecise`) instead of rounding when the value needs more digits than a
/// `Decimal` has (`Decimal::from_scientific` rounds long mantissas; this never does).
pub fn parse_decimal_text(text: &str) -> Result<Decimal, MoneyError> {
    let bad = || MoneyError::NotANumber(text.to_owned());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (number, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match number.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (number, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // JSON: no leading zeros before other digits, at least one digit after a point.
    if !all_digits(int_part) || (int_part.len() > 1 && int_part.starts_with('0')) {
        return Err(bad());
    }
    let frac_part = frac_part.unwrap_or("");
    if number.contains('.') && !all_digits(frac_part) {
        return Err(bad());
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if !all_digits(digits) {
                return Err(bad());
            }
            // Too many exponent digits is out of range, not a different number.
            let magnitude: i64 = digits.parse().unwrap_or(i64::MAX);
            if magnitude > MAX_EXPONENT {
                // `0e999` is exactly zero; other digits with an exponent that large are out of range.
                let zero = int_part.bytes().chain(frac_part.bytes()).all(|b| b == b'0');
                return if zero { Ok(Decimal::ZERO) } else { Err(MoneyError::TooPrecise(text.to_owned())) };
            }
            if e.starts_with('-') { -magnitude } else { magnitude }
        }
    };
    // value = digits × 10^-(scale), digits without insignificant zeros.
    let mut digits = format!("{int_part}{frac_part}");
    let mut scale = i64::try_from(frac_part.len()).map_err(|_| bad())? - exponent;
    while scale > 0 && digits.ends_with('0') {
        digits.pop();
        scale -= 1;
    }
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let too_precise = || MoneyError::TooPrecise(text.to_owned());
    let mut digits = digits.to_owned();
    if scale < 0 {
        let zeros = usize::try_from(-scale).map_err(|_| too_precise())?;
        digits.extend(std::iter::repeat_n('0', zeros));
        scale = 0;
    }
    // 29 digits can exceed 96 bits; the conversion below says so.
    if digits.len() > 29 {
        return Err(too_precise());
    }
    let magnitude: i128 = digits.parse().map_err(|_| too_precise())?;
    let mantissa = if negative { -magnitude } else { magnitude };
    let scale = u32::try_from(scale).map_err(|_| too_precise())?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| too_precise())
}

/// Active ISO 4217 alphabetic codes, sorted for binary search.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD",
    "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY",
    "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG",
    "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn iso_list_is_sorted_for_binary_search() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn currency_parse() {
        assert_eq!(Currency::parse("USD").unwrap().as_str(), "USD");
        assert!(Currency::parse("usd").is_err());
        assert!(Currency::parse("XYZ").is_err());
        assert!(Currency::parse("US").is_err());
    }

    #[test]
    fn money_is_whole_cents_and_prints_two_places() {
        let m = Money::new(dec!(1295), Currency::USD).unwrap();
        assert_eq!(format_amount(m.amount()), "1295.00");
        assert_eq!(Money::new(dec!(12.340), Currency::USD).unwrap().amount().to_string(), "12.34");
        assert_eq!(Money::new(dec!(12.345), Currency::USD), Err(MoneyError::TooManyDecimals(dec!(12.345))));
        assert_eq!(format_amount(dec!(-0.00)), "0.00");
        assert_eq!(format_amount(dec!(-25.5)), "-25.50");
    }

    #[test]
    fn parse_decimal_text_is_exact() {
        for (text, want) in [
            ("1295.00", dec!(1295.00)),
            ("0.1", dec!(0.1)),
            ("-25.5", dec!(-25.5)),
            ("1.2e3", dec!(1200)),
            ("12E-1", dec!(1.2)),
            ("1.0e+2", dec!(100)),
            ("-0", dec!(0)),
            ("0e9999", dec!(0)),
            ("1.000000000000000000000000000000000", dec!(1)),
            ("1.0000000000000000000000000000000e2", dec!(100)),
            ("79228162514264337593543950335", Decimal::MAX),
            ("7.9228162514264337593543950335e28", Decimal::MAX),
            ("40000000000000000000000000000", dec!(40000000000000000000000000000)),
        ] {
            assert_eq!(parse_decimal_text(text).unwrap(), want, "{text}");
        }
        for text in
            ["", "NaN", "inf", "1,5", " 1", "0x10", "-", ".5", "+1", "1.", "01", "1e", "1e+", "--1", "1.5.2"]
        {
            assert_eq!(parse_decimal_text(text), Err(MoneyError::NotANumber(text.to_owned())), "{text:?}");
        }
    }

    #[test]
    fn long_mantissas_are_refused_not_rounded() {
        // `Decimal::from_scientific` reads this as 100; it is 100.000...0001.
        for text in [
            "1.0000000000000000000000000000001e2",
            "100.0000000000000000000000000000001",
            "79228162514264337593543950336",
            "1e29",
            "1e-29",
            "1e65",
            "123456789012345678901234567890",
        ] {
            assert_eq!(parse_decimal_text(text), Err(MoneyError::TooPrecise(text.to_owned())), "{text}");
        }
    }

    #[test]
    fn amounts_too_large_for_cents_are_refused_not_shrunk() {
        // `rescale(2)` keeps a lower scale for these: cents() would be off by a factor of 100.
        let huge = dec!(40000000000000000000000000000);
        assert_eq!(Money::new(huge, Currency::USD), Err(MoneyError::TooLarge(huge)));
        let largest = dec!(792281625142643375935439503.35);
        assert_eq!(Money::new(largest, Currency::USD).unwrap().cents(), 79228162514264337593543950335);
        assert_eq!(
            Money::new(dec!(792281625142643375935439503.4), Currency::USD),
            Err(MoneyError::TooLarge(dec!(792281625142643375935439503.4)))
        );
        let big = Money::new(largest, Currency::USD).unwrap();
        assert_eq!(big.checked_add(big), Err(MoneyError::Overflow));
        assert_eq!(
            big.checked_add(Money::new(dec!(0.01), Currency::USD).unwrap()),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn the_item_limit_is_a_trillion() {
        let at = Money::from_cents(MAX_ITEM_CENTS, Currency::USD).unwrap();
        assert_eq!(format_amount(at.amount()), MAX_ITEM_TEXT.replace(',', ""));
        assert!(at.within_item_limit() && (-at).within_item_limit());
        let over = Money::from_cents(MAX_ITEM_CENTS + 1, Currency::USD).unwrap();
        assert!(!over.within_item_limit() && !(-over).within_item_limit());
    }

    /// The exact value of a decimal text as (negative, significant digits, power of ten), computed
    /// without `Decimal`: the oracle the parser is checked against.
    fn exact(text: &str) -> (bool, String, i64) {
        let (negative, body) = text.strip_prefix('-').map_or((false, text), |b| (true, b));
        let (number, exponent) = body.split_once(['e', 'E']).unwrap_or((body, "0"));
        let exponent: i64 = exponent.trim_start_matches('+').parse().unwrap();
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let mut digits = format!("{int_part}{frac_part}").trim_start_matches('0').to_owned();
        let mut power = exponent - frac_part.len() as i64;
        while digits.ends_with('0') {
            digits.pop();
            power += 1;
        }
        if digits.is_empty() {
            return (false, String::new(), 0);
        }
        (negative, digits, power)
    }

    /// Whether a value fits a `Decimal` exactly: a 96-bit mantissa and a scale of at most 28.
    fn representable((_, digits, power): &(bool, String, i64)) -> bool {
        if digits.is_empty() {
            return true;
        }
        if *power < -28 {
            return false;
        }
        let zeros = usize::try_from((*power).max(0)).unwrap();
        if digits.len() + zeros > 29 {
            return false;
        }
        let mantissa: u128 = format!("{digits}{}", "0".repeat(zeros)).parse().unwrap();
        mantissa < (1u128 << 96)
    }

    fn decimal_exact(d: Decimal) -> (bool, String, i64) {
        let n = d.normalize();
        if n.is_zero() {
            return (false, String::new(), 0);
        }
        let mut digits = n.mantissa().unsigned_abs().to_string();
        let mut power = -i64::from(n.scale());
        while digits.ends_with('0') {
            digits.pop();
            power += 1;
        }
        (n.is_sign_negative(), digits, power)
    }

    proptest::proptest! {
        /// Any text in JSON's number grammar, up to 40 digits on either side of the point and
        /// exponents up to ±99: accepted with exactly its value, or refused because no `Decimal`
        /// holds it; never rounded.
        #[test]
        fn any_number_text_is_exact_or_refused(
            text in "-?(0|[1-9][0-9]{0,39})(\\.[0-9]{1,40})?([eE][+-]?[0-9]{1,2})?"
        ) {
            let want = exact(&text);
            match parse_decimal_text(&text) {
                Ok(d) => {
                    proptest::prop_assert!(representable(&want), "{} accepted as {}", text, d);
                    proptest::prop_assert_eq!(decimal_exact(d), want, "{}", text);
                }
                Err(e) => {
                    proptest::prop_assert_eq!(e, MoneyError::TooPrecise(text.clone()));
                    proptest::prop_assert!(!representable(&want), "{} refused", text);
                }
            }
        }

        /// Every `Decimal` (any 96-bit mantissa, any scale), written plainly or in exponent form
        /// with the point anywhere, reads back as itself; as money it is whole cents exactly, or
        /// refused with the reason.
        #[test]
        fn every_decimal_round_trips_in_every_form(
            low in proptest::num::u32::ANY, mid in proptest::num::u32::ANY, high in proptest::num::u32::ANY,
            negative in proptest::bool::ANY, scale in 0_u32..=28, shift in -40_i64..40, padding in 0_usize..5,
        ) {
            let d = Decimal::from_parts(low, mid, high, negative, scale);
            proptest::prop_assert_eq!(parse_decimal_text(&d.to_string()), Ok(d));
            let digits = format!("{}{}", d.mantissa().unsigned_abs(), "0".repeat(padding));
            let sign = if d.is_sign_negative() { "-" } else { "" };
            // digits × 10^(exponent - digits after the point) = d
            let point = digits.len().min(1 + shift.unsigned_abs() as usize % digits.len().max(1));
            let (int_part, frac_part) = digits.split_at(point);
            let exponent = i64::from(scale).checked_neg().unwrap() - padding as i64 + frac_part.len() as i64;
            let text = if frac_part.is_empty() {
                format!("{sign}{int_part}e{exponent}")
            } else {
                format!("{sign}{int_part}.{frac_part}E{exponent:+}")
            };
            // JSON forbids leading zeros; `0.0…` forms are covered by the plain text above.
            if !(int_part.starts_with('0') && int_part.len() > 1) {
                proptest::prop_assert_eq!(parse_decimal_text(&text), Ok(d), "{}", text);
            }
            match Money::new(d, Currency::USD) {
                Ok(m) => {
                    proptest::prop_assert_eq!(m.amount(), d);
                    proptest::prop_assert_eq!(m.amount().scale(), MONEY_SCALE);
                    proptest::prop_assert_eq!(Money::from_cents(m.cents(), Currency::USD), Ok(m));
                }
                Err(MoneyError::TooManyDecimals(_)) => proptest::prop_assert!(d.normalize().scale() > MONEY_SCALE),
                Err(MoneyError::TooLarge(_)) => {
                    proptest::prop_assert!(d.normalize().scale() <= MONEY_SCALE);
                    proptest::prop_assert!(d.abs() > dec!(792281625142643375935439503.35));
                }
                Err(other) => proptest::prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }

    #[test]
    fn mixed_currencies_do_not_add() {
        let usd = Money::new(dec!(1), Currency::USD).unwrap();
        let cad = Money::new(dec!(1), Currency::parse("CAD").unwrap()).unwrap();
        assert!(usd.checked_add(cad).is_err());
    }
}
