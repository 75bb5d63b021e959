//! Reading Entrata's values as they come (docs/sources.md §1.9 of the reference, §2.7): a child
//! that is one object or an array of them, ids as strings or ints, money as a number or a string
//! (read from its text, never through a float), dates `MM/DD/YYYY` and post months `MM/YYYY` or
//! `MM/01/YYYY`, booleans as `true`, `"1"`, `"t"` and their opposites. Each reader says what it
//! expected, so an item it cannot read is quarantined with the reason, never guessed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::domain::{PostMonth, parse_decimal_text};

/// A child Entrata sends as one object or as an array of them (`leases.lease`).
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }

    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

/// By hand, not `#[serde(untagged)]`: an untagged enum buffers its input, and a buffered value
/// can no longer lend out `&RawValue`s, which every field of Entrata's shapes is. A `null` or an
/// empty string stands for no children.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or an array of them")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut many = Vec::new();
                while let Some(one) = seq.next_element()? {
                    many.push(one);
                }
                Ok(OneOrMany::Many(many))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::Many(Vec::new()))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::Many(Vec::new()))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                if s.trim().is_empty() {
                    Ok(OneOrMany::Many(Vec::new()))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(s), &self))
                }
            }
        }
        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// An id: `"13245143"` or `13245143`, as text.
pub fn id(raw: &RawValue) -> Result<String, String> {
    let text = raw.get().trim();
    let plain = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => (!quoted.is_empty()
            && quoted.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then_some(quoted),
        // Unquoted: a whole number (not `null`, `true` or a fraction).
        None => (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit())).then_some(text),
    };
    plain.map(str::to_owned).ok_or_else(|| format!("an id, got {text}"))
}

/// Money from its JSON text: `1295.10`, `"1295.10"`, `-12`, exactly (more than two decimals is
/// the caller's to refuse, as for the other source).
pub fn money(raw: &RawValue) -> Result<Decimal, String> {
    let text = raw.get().trim();
    let unquoted = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    parse_decimal_text(unquoted.trim()).map_err(|_| format!("an amount, got {text}"))
}

/// A date, `MM/DD/YYYY` (Mountain Time, as Entrata's dates are unless stated).
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%m/%d/%Y").map_err(|_| format!("a date MM/DD/YYYY, got {text:?}"))
}

/// A post month, `MM/YYYY` (getProperties) or the month's first day `MM/01/YYYY`
/// (getLeaseArTransactions).
pub fn post_month(text: &str) -> Result<PostMonth, String> {
    let bad = || format!("a post month MM/YYYY or MM/01/YYYY, got {text:?}");
    let parts: Vec<&str> = text.trim().split('/').collect();
    let (month, year) = match parts[..] {
        [month, year] => (month, year),
        [month, "01" | "1", year] => (month, year),
        _ => return Err(bad()),
    };
    let month: u32 = month.parse().map_err(|_| bad())?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    format!("{year:04}-{month:02}").parse().map_err(|_| bad())
}

/// A boolean: `true`, `1`, `"1"`, `"t"`, `"true"` and their opposites.
pub fn flag(raw: &RawValue) -> Result<bool, String> {
    let text = raw.get().trim().trim_matches('"').to_ascii_lowercase();
    match text.as_str() {
        "true" | "1" | "t" | "yes" => Ok(true),
        "false" | "0" | "f" | "no" | "" => Ok(false),
        _ => Err(format!("a boolean, got {}", raw.get())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("JSON")
    }

    #[test]
    fn one_or_many_children_read_alike() {
        #[derive(Deserialize)]
        struct Leases {
            lease: OneOrMany<serde_json::Value>,
        }
        let one: Leases = serde_json::from_str(r#"{"lease": {"id": 1}}"#).expect("one");
        let many: Leases = serde_json::from_str(r#"{"lease": [{"id": 1}, {"id": 2}]}"#).expect("many");
        assert_eq!(one.lease.into_vec().len(), 1);
        assert_eq!(many.lease.into_vec().len(), 2);
    }

    #[test]
    fn ids_money_dates_and_flags_read_exactly_or_say_why_not() {
        assert_eq!(id(&raw("13245143")).as_deref(), Ok("13245143"));
        assert_eq!(id(&raw("\"13245143\"")).as_deref(), Ok("13245143"));
        assert!(id(&raw("null")).is_err() && id(&raw("\"a b\"")).is_err());
        assert_eq!(money(&raw("1295.10")), Ok(Decimal::new(129_510, 2)));
        assert_eq!(money(&raw("\"1325.00\"")), Ok(Decimal::new(132_500, 2)));
        assert_eq!(money(&raw("-12")), Ok(Decimal::from(-12)));
        // Past f64's exact range: still exact.
        assert_eq!(money(&raw("90071992547409.93")), Ok(Decimal::new(9_007_199_254_740_993, 2)));
        assert!(money(&raw("\"$1,325.00\"")).is_err(), "never guessed");
        assert_eq!(date("08/28/2020"), Ok(NaiveDate::from_ymd_opt(2020, 8, 28).expect("date")));
        assert!(date("2020-08-28").is_err() && date("02/30/2026").is_err());
        assert_eq!(post_month("09/01/2020").map(|m| m.to_string()).as_deref(), Ok("2020-09"));
        assert_eq!(post_month("03/2025").map(|m| m.to_string()).as_deref(), Ok("2025-03"));
        assert!(post_month("09/15/2020").is_err() && post_month("Oct,2013").is_err());
        for (text, value) in
            [("true", true), ("\"1\"", true), ("\"t\"", true), ("0", false), ("\"false\"", false)]
        {
            assert_eq!(flag(&raw(text)), Ok(value), "{text}");
        }
        assert!(flag(&raw("\"maybe\"")).is_err());
    }
}
