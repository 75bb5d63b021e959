//! Reading an item's fields: each problem collected with the field's name, money exactly from the
//! JSON text, dates, and the messages' quoting.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::domain::*;

/// Reads fields, collecting every problem rather than stopping at the first.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) problems: Vec<String>,
}

pub(super) fn is_null(v: Option<&RawValue>) -> bool {
    v.is_none_or(|v| v.get() == "null")
}

/// A field's name in messages. Names of array elements (`allocations[2].amount`) are only
/// formatted when a message needs them: a deposit lists a hundred payments.
pub(super) trait Name: fmt::Display {}
impl<T: fmt::Display + ?Sized> Name for T {}

/// `name[index]`
pub(super) struct Elem<'n> {
    pub(super) array: &'n str,
    pub(super) index: usize,
}

impl fmt::Display for Elem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.array, self.index)
    }
}

/// `element.field`
pub(super) struct Field<'n> {
    pub(super) at: &'n Elem<'n>,
    pub(super) field: &'n str,
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.at, self.field)
    }
}

impl Reader {
    pub(super) fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    pub(super) fn missing(&mut self, name: &(impl Name + ?Sized)) {
        self.problem(format!("missing field `{name}`"));
    }

    /// A required string (ids may also come as JSON integers, as Entrata's APIs sometimes send them).
    pub(super) fn string(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<String> {
        self.str(name, v).map(Cow::into_owned)
    }

    pub(super) fn opt_string(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<String> {
        self.opt_str(name, v).map(Cow::into_owned)
    }

    /// `string`, borrowed from the item's text when it holds no escapes.
    pub(super) fn str<'v>(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&'v RawValue>,
    ) -> Option<Cow<'v, str>> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_str(name, v)
    }

    pub(super) fn opt_str<'v>(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&'v RawValue>,
    ) -> Option<Cow<'v, str>> {
        let v = v.filter(|v| v.get() != "null")?;
        let text = v.get();
        if text.starts_with('"') {
            match json_string(text) {
                Ok(s) => return Some(s),
                Err(_) => {
                    self.problem(format!("{name}: not a valid JSON string"));
                    return None;
                }
            }
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Cow::Borrowed(text));
        }
        self.problem(format!("{name}: expected a string, found `{}`", shorten(text)));
        None
    }

    pub(super) fn decimal(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<Decimal> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_decimal(name, v)
    }

    pub(super) fn opt_decimal(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<Decimal> {
        let text = v.filter(|v| v.get() != "null")?.get();
        let literal: Cow<'_, str> = if text.starts_with('"') {
            match json_string(text) {
                Ok(s) => s,
                Err(_) => {
                    self.problem(format!("{name}: not a valid JSON string"));
                    return None;
                }
            }
        } else {
            Cow::Borrowed(text)
        };
        match parse_decimal_text(&literal) {
            Ok(d) => Some(d),
            // Refused because no exact decimal holds it: say so, never round.
            Err(e @ MoneyError::TooPrecise(_)) if literal.len() <= 80 => {
                self.problem(format!("{name}: {e}"));
                None
            }
            Err(_) => {
                self.problem(format!("{name}: `{}` is not a decimal amount", shorten(text)));
                None
            }
        }
    }

    pub(super) fn money(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        currency: Option<Currency>,
    ) -> Option<Money> {
        let amount = self.decimal(name, v)?;
        self.money_of(name, amount, currency)
    }

    pub(super) fn opt_money(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        currency: Option<Currency>,
    ) -> Option<Option<Money>> {
        if is_null(v) {
            return Some(None);
        }
        let amount = self.opt_decimal(name, v)?;
        self.money_of(name, amount, currency).map(Some)
    }

    pub(super) fn money_of(
        &mut self,
        name: &(impl Name + ?Sized),
        amount: Decimal,
        currency: Option<Currency>,
    ) -> Option<Money> {
        match Money::new(amount, currency?) {
            Ok(m) if m.within_item_limit() => Some(m),
            Ok(m) => {
                self.problem(format!(
                    "{name}: {} is beyond the connector's limit of {MAX_ITEM_TEXT} for one item",
                    format_amount(m.amount()),
                ));
                None
            }
            Err(e) => {
                self.problem(format!("{name}: {e}"));
                None
            }
        }
    }

    pub(super) fn currency(&mut self, v: Option<&RawValue>) -> Option<Currency> {
        let code = self.str("currency", v)?;
        match Currency::parse(&code) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(format!("currency: {e}"));
                None
            }
        }
    }

    pub(super) fn date(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<NaiveDate> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_date(name, v).flatten()
    }

    /// `Some(None)` when absent or null, `None` when malformed.
    pub(super) fn opt_date(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<Option<NaiveDate>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match fast_parse_date(&text) {
            Some(d) => Some(Some(d)),
            None => {
                self.problem(format!("{name}: `{}` is not a valid date (YYYY-MM-DD)", shorten(&text)));
                None
            }
        }
    }

    pub(super) fn month(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<PostMonth> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_month(name, v).flatten()
    }

    pub(super) fn opt_month(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<Option<PostMonth>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match text.parse::<PostMonth>() {
            Ok(m) => Some(Some(m)),
            Err(_) => {
                self.problem(format!("{name}: `{}` is not a month (YYYY-MM)", shorten(&text)));
                None
            }
        }
    }

    pub(super) fn timestamp(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<DateTime<FixedOffset>> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_timestamp(name, v).flatten()
    }

    pub(super) fn opt_timestamp(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<Option<DateTime<FixedOffset>>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(t) => Some(Some(t)),
            Err(_) => {
                self.problem(format!(
                    "{name}: `{}` is not an ISO 8601 timestamp with offset",
                    shorten(&text)
                ));
                None
            }
        }
    }

    pub(super) fn bool_or(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        default: bool,
    ) -> Option<bool> {
        match v.map(RawValue::get) {
            None | Some("null") => Some(default),
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                self.problem(format!("{name}: expected true or false, found `{}`", shorten(other)));
                None
            }
        }
    }

    pub(super) fn choice<T>(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let text = self.str(name, v)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.problem(format!("{name}: `{}` is not one of {expected}", shorten(&text)));
        }
        parsed
    }

    /// An array whose elements are read by `each`; `None` in, empty out.
    pub(super) fn array<'a, T>(
        &mut self,
        name: &str,
        v: Option<&'a RawValue>,
        each: impl FnMut(&mut Reader, &Elem<'_>, &'a RawValue) -> Option<T>,
    ) -> Option<Vec<T>> {
        if is_null(v) {
            return Some(Vec::new());
        }
        let text = v?;
        let Ok(elements) = serde_json::from_str::<Vec<&'a RawValue>>(text.get()) else {
            self.problem(format!("{name}: expected an array"));
            return None;
        };
        self.elements(name, elements, each)
    }

    /// Reads every element of an array with `each`; `None` when any of them fails (all are read,
    /// so that every problem is reported).
    pub(super) fn elements<E, T>(
        &mut self,
        name: &str,
        elements: Vec<E>,
        mut each: impl FnMut(&mut Reader, &Elem<'_>, E) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(elements.len());
        let mut ok = true;
        for (index, element) in elements.into_iter().enumerate() {
            match each(self, &Elem { array: name, index }, element) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An array of objects, each read as `F` and then by `each`: what `array` does with a
    /// per-element parse, in one parse of the whole array when every element is an `F` (the usual
    /// case). Otherwise element by element, for the messages.
    pub(super) fn objects<'a, F: Deserialize<'a>, T>(
        &mut self,
        name: &str,
        v: Option<&'a RawValue>,
        mut each: impl FnMut(&mut Reader, &Elem<'_>, F) -> Option<T>,
    ) -> Option<Vec<T>> {
        if let Some(text) = v.filter(|v| v.get() != "null")
            && let Ok(elements) = serde_json::from_str::<Vec<F>>(text.get())
        {
            return self.elements(name, elements, each);
        }
        self.array(name, v, |r, at, raw| match serde_json::from_str::<F>(raw.get()) {
            Ok(fields) => each(r, at, fields),
            Err(_) => {
                r.problem(format!("{at}: expected an object"));
                None
            }
        })
    }
}

/// The string a JSON string literal (`"..."`) stands for. Without escapes (or anything a
/// literal may not hold raw) that is the text between the quotes; serde's parser, a deserializer
/// per field, is only needed for the rest.
pub(super) fn json_string(text: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.bytes().any(|b| b == b'\\' || b == b'"' || b < 0x20) => {
            Ok(Cow::Borrowed(inner))
        }
        _ => serde_json::from_str(text),
    }
}

/// [`parse_date`], without its general-purpose parser when the text is plainly `YYYY-MM-DD`
/// digits (a pull converts several dates per item). Anything else takes the general path.
pub(super) fn fast_parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0_u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
    }
    parse_date(text)
}

/// Values quoted in messages are cut short: an item's JSON can be large.
pub(super) fn shorten(text: &str) -> Cow<'_, str> {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{}…", text.chars().take(MAX).collect::<String>()))
    }
}
