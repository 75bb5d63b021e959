//! Writes JSON straight into the output buffer, money included (from exact cents).
//!
//! A million items do not go through a `serde_json::Value` tree: each item is written field by
//! field, in the wire order of spec/source-api.md, and money is formatted from integer cents so
//! that no floating point can touch it (`1295.00`, never `1295.0000000001`).

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime};

use super::calendar;
use super::cents::Cents;
use super::digits::push_digits;
use entrata_recon::domain::PostMonth;

/// `-12.34`, `0.07`, `1295.00`: exactly two decimals.
pub fn write_cents(out: &mut Vec<u8>, amount: Cents) {
    if amount.0 < 0 {
        out.push(b'-');
    }
    let abs = amount.0.unsigned_abs();
    push_digits(out, abs / 100, 1);
    out.push(b'.');
    push_digits(out, abs % 100, 2);
}

pub fn write_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&text.as_bytes()[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
    out.push(b'"');
}

/// One JSON object being written; fields come out in call order.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub fn begin(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    pub fn end(self) {
        self.out.push(b'}');
    }

    /// Keys are field names from this module's callers: plain ASCII that needs no escaping.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()), "{key}");
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        write_str(out, value);
        self
    }

    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.str(key, value),
            None => self.null(key),
        }
    }

    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key).extend_from_slice(b"null");
        self
    }

    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.key(key).extend_from_slice(text);
        self
    }

    pub fn int(&mut self, key: &str, value: i64) -> &mut Self {
        let out = self.key(key);
        if value < 0 {
            out.push(b'-');
        }
        push_digits(out, value.unsigned_abs(), 1);
        self
    }

    /// A JSON number literal given as text (`0.96`), for non-money decimals.
    pub fn number_text(&mut self, key: &str, literal: &str) -> &mut Self {
        self.key(key).extend_from_slice(literal.as_bytes());
        self
    }

    pub fn money(&mut self, key: &str, value: Cents) -> &mut Self {
        let out = self.key(key);
        write_cents(out, value);
        self
    }

    pub fn date(&mut self, key: &str, value: NaiveDate) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        calendar::write_date(out, value);
        out.push(b'"');
        self
    }

    pub fn opt_date(&mut self, key: &str, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(value) => self.date(key, value),
            None => self.null(key),
        }
    }

    pub fn month(&mut self, key: &str, value: PostMonth) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        calendar::write_month(out, value);
        out.push(b'"');
        self
    }

    pub fn opt_month(&mut self, key: &str, value: Option<PostMonth>) -> &mut Self {
        match value {
            Some(value) => self.month(key, value),
            None => self.null(key),
        }
    }

    /// A UTC timestamp, `2026-01-31T23:00:00Z`.
    pub fn utc(&mut self, key: &str, value: NaiveDateTime) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        calendar::write_utc(out, value);
        out.push(b'"');
        self
    }

    /// A local timestamp with its offset, `2026-02-01T14:03:00-06:00`.
    pub fn local(&mut self, key: &str, value: NaiveDateTime, offset_minutes: i32) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        calendar::write_local(out, value, offset_minutes);
        out.push(b'"');
        self
    }

    pub fn str_array<'s>(&mut self, key: &str, values: impl IntoIterator<Item = &'s str>) -> &mut Self {
        let out = self.key(key);
        out.push(b'[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, value);
        }
        out.push(b']');
        self
    }

    /// A nested object.
    pub fn object(&mut self, key: &str, fill: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        let out = self.key(key);
        let mut inner = Obj::begin(out);
        fill(&mut inner);
        inner.end();
        self
    }

    /// An array of objects, one per item.
    pub fn objects<T>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
        mut fill: impl FnMut(&mut Obj<'_>, T),
    ) -> &mut Self {
        let out = self.key(key);
        out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let mut inner = Obj::begin(out);
            fill(&mut inner, item);
            inner.end();
        }
        out.push(b']');
        self
    }

    /// Writes the key, then lets `fill` write any JSON value into the buffer.
    pub fn raw(&mut self, key: &str, fill: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        fill(self.key(key));
        self
    }
}

/// Writes `[item,item,...]` where each item is written by `fill` as an object.
pub struct List<'a> {
    out: &'a mut Vec<u8>,
    count: u64,
}

impl<'a> List<'a> {
    pub fn begin(out: &'a mut Vec<u8>) -> List<'a> {
        out.push(b'[');
        List { out, count: 0 }
    }

    pub fn object(&mut self, fill: impl FnOnce(&mut Obj<'_>)) {
        if self.count > 0 {
            self.out.push(b',');
        }
        self.out.push(b'\n');
        self.count += 1;
        let mut inner = Obj::begin(self.out);
        fill(&mut inner);
        inner.end();
    }

    /// Closes the list and returns how many items it holds. Items sit one per line, so that
    /// the document can be read, grepped and diffed.
    pub fn end(self) -> u64 {
        if self.count > 0 {
            self.out.push(b'\n');
        }
        self.out.push(b']');
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrata_recon::domain::format_amount;
    use rust_decimal::Decimal;

    fn written(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cents_print_like_the_domain_formatter() {
        for cents in [0, 7, 10, -7, 129_500, -2_550, 123_456_789, 1_999, -100, i64::from(i32::MAX)] {
            let ours = written(|o| write_cents(o, Cents(cents)));
            assert_eq!(ours, format_amount(Decimal::new(cents, 2)), "{cents}");
        }
    }

    #[test]
    fn digits() {
        for (value, width, want) in [
            (0, 1, "0"),
            (7, 2, "07"),
            (2026, 4, "2026"),
            (123, 2, "123"),
            (u64::MAX, 1, "18446744073709551615"),
            (5, 6, "000005"),
        ] {
            assert_eq!(written(|o| push_digits(o, value, width)), want);
        }
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(written(|o| write_str(o, "a\"b\\c\nd\u{1}é")), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    #[test]
    fn objects_and_lists() {
        let text = written(|o| {
            let mut list = List::begin(o);
            list.object(|obj| {
                obj.str("id", "x").money("amount", Cents(129_500)).null("n").str_array("ids", ["a", "b"]);
            });
            list.object(|obj| {
                obj.objects("allocations", [1, 2], |item, n| {
                    item.int("n", n);
                });
            });
            assert_eq!(list.end(), 2);
        });
        assert_eq!(
            text,
            "[\n{\"id\":\"x\",\"amount\":1295.00,\"n\":null,\"ids\":[\"a\",\"b\"]},\n\
             {\"allocations\":[{\"n\":1},{\"n\":2}]}\n]"
        );
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }
}
