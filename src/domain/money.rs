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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not a decimal number")]
    NotANumber(String),
    #[error("{0} has more than 2 decimal places")]
    TooManyDecimals(Decimal),
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
        // Invariant: `amount` always has exactly MONEY_SCALE decimals.
        self.amount.mantissa()
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
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
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

/// `amount` as exactly two decimal places, rejecting sub-cent values (never rounds).
pub fn to_cents_exact(amount: Decimal) -> Result<Decimal, MoneyError> {
    let normalized = amount.normalize();
    if normalized.scale() > MONEY_SCALE {
        return Err(MoneyError::TooManyDecimals(amount));
    }
    let mut cents = normalized;
    cents.rescale(MONEY_SCALE);
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

/// Parses the text of a JSON number literal, or the content of a JSON string, exactly.
///
/// Accepts `1295`, `1295.00`, `-25.5`, `1.2e3`; rejects anything `f64` parsing would accept
/// loosely (`NaN`, `inf`, `0x10`, empty, surrounding spaces).
pub fn parse_decimal_text(text: &str) -> Result<Decimal, MoneyError> {
    let bad = || MoneyError::NotANumber(text.to_owned());
    let body = text.strip_prefix('-').unwrap_or(text);
    let mut chars = body.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if !body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
        return Err(bad());
    }
    if body.contains(['e', 'E']) {
        return Decimal::from_scientific(text).map_err(|_| bad());
    }
    Decimal::from_str_exact(text).map_err(|_| bad())
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
            ("79228162514264337593543950335", Decimal::MAX),
        ] {
            assert_eq!(parse_decimal_text(text).unwrap(), want, "{text}");
        }
        for text in ["", "NaN", "inf", "1,5", " 1", "0x10", "-", ".5", "+1"] {
            assert!(parse_decimal_text(text).is_err(), "{text:?} should be rejected");
        }
    }

    #[test]
    fn mixed_currencies_do_not_add() {
        let usd = Money::new(dec!(1), Currency::USD).unwrap();
        let cad = Money::new(dec!(1), Currency::parse("CAD").unwrap()).unwrap();
        assert!(usd.checked_add(cad).is_err());
    }
}
