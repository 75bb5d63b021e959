//! Readers for one kind of TOML value each (a table, a string, a choice, an exact decimal), and
//! the messages they give when the value is not what the schema wants.

use std::borrow::Cow;

use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::domain::{AccountName, MoneyError, parse_decimal_text};
use crate::mapping::diagnostic::{nearest, one_of};
use crate::mapping::layer::{At, FileId, Origin, Problem};

pub(super) type Value<'i> = Spanned<DeValue<'i>>;

pub(super) const ACCOUNT_NAME_EXPECTED: &str = "the name of a logical account defined in `[accounts]`";

/// Reads one file, collecting every problem it finds into `problems`.
pub(super) struct Reader<'p> {
    pub(super) file: FileId,
    problems: &'p mut Vec<Problem>,
}

impl<'p> Reader<'p> {
    pub(super) fn new(file: FileId, problems: &'p mut Vec<Problem>) -> Reader<'p> {
        Reader { file, problems }
    }

    pub(super) fn origin<T>(&self, spanned: &Spanned<T>) -> Origin {
        let span = spanned.span();
        Origin { file: self.file, start: span.start, end: span.end }
    }

    pub(super) fn report(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Reports keys that are not in `known`; true when every key is known.
    pub(super) fn known_keys(&mut self, table: &DeTable<'_>, within: &str, known: &[&str]) -> bool {
        let mut all_known = true;
        for (key, _) in table.iter() {
            let key_str: &str = key.get_ref();
            if known.contains(&key_str) {
                continue;
            }
            all_known = false;
            self.report(
                Problem::at(self.origin(key), format!("unknown key `{key_str}` {within}"))
                    .expected(one_of(known))
                    .suggestion(nearest(key_str, known.iter().copied())),
            );
        }
        all_known
    }

    /// A top-level table such as `[journal]`.
    pub(super) fn section<'t, 'i>(&mut self, root: &'t DeTable<'i>, key: &str) -> Option<&'t DeTable<'i>> {
        self.section_within(root, key, "at the top level")
    }

    pub(super) fn section_within<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        within: &str,
    ) -> Option<&'t DeTable<'i>> {
        let value = table.get(key)?;
        self.table(value, key, within)
    }

    pub(super) fn table<'t, 'i>(
        &mut self,
        value: &'t Value<'i>,
        key: &str,
        within: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.wrong_type(value, other, key, within, "a table");
                None
            }
        }
    }

    /// A key that must be present in a table that is itself present (a split share, a tracking).
    pub(super) fn required<'t, 'i>(
        &mut self,
        item: &Value<'i>,
        table: &'t DeTable<'i>,
        key: &str,
        within: &str,
        expected: &str,
    ) -> Option<&'t Value<'i>> {
        let value = table.get(key);
        if value.is_none() {
            self.report(
                Problem::at(self.origin(item), format!("missing `{key}` {within}")).expected(expected),
            );
        }
        value
    }

    /// A non-empty string without surrounding spaces (which would never match a name in a target).
    pub(super) fn text(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        within: &str,
        expected: &str,
    ) -> Option<At<String>> {
        let value = table.get(key)?;
        let DeValue::String(text) = value.get_ref() else {
            self.wrong_type(value, value.get_ref(), key, within, &format!("a string: {expected}"));
            return None;
        };
        let origin = self.origin(value);
        if text.trim().is_empty() {
            self.report(Problem::at(origin, format!("`{key}` {within} is empty")).expected(expected));
            return None;
        }
        if text.trim() != text.as_ref() {
            self.report(
                Problem::at(origin, format!("`{key}` {within} starts or ends with spaces"))
                    .expected(format!("{expected}, without surrounding spaces")),
            );
            return None;
        }
        Some(At { value: text.to_string(), origin })
    }

    pub(super) fn account_name(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        within: &str,
    ) -> Option<At<AccountName>> {
        let text = self.text(table, key, within, ACCOUNT_NAME_EXPECTED)?;
        Some(At { value: AccountName::new(text.value), origin: text.origin })
    }

    /// A key that names something (an account, a code, a bank account): not empty, no surrounding
    /// spaces.
    pub(super) fn key_name(&mut self, key: &Spanned<Cow<'_, str>>, within: &str) -> Option<String> {
        let name: &str = key.get_ref();
        if name.trim().is_empty() || name.trim() != name {
            self.report(
                Problem::at(
                    self.origin(key),
                    format!("key `\"{name}\"` {within} is empty or has surrounding spaces"),
                )
                .expected("a name such as `rental_income` or `RENT`"),
            );
            return None;
        }
        Some(name.to_owned())
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        within: &str,
        options: &[(&str, T)],
    ) -> Option<At<T>> {
        let value = table.get(key)?;
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let DeValue::String(text) = value.get_ref() else {
            let expected = format!("a string, {}", one_of(&names));
            self.wrong_type(value, value.get_ref(), key, within, &expected);
            return None;
        };
        let origin = self.origin(value);
        match options.iter().find(|(name, _)| *name == text.as_ref()) {
            Some((_, choice)) => Some(At { value: *choice, origin }),
            None => {
                self.report(
                    Problem::at(origin, format!("unknown value `{text}` for `{key}` {within}"))
                        .expected(one_of(&names))
                        .suggestion(nearest(text, names.iter().copied())),
                );
                None
            }
        }
    }

    /// 1 to `max_chars` ASCII letters or digits: a part of document numbers.
    pub(super) fn short_code(
        &mut self,
        table: &DeTable<'_>,
        key: &str,
        within: &str,
        max_chars: usize,
    ) -> Option<At<String>> {
        let expected = format!(
            "1 to {max_chars} letters or digits, so that document numbers fit QuickBooks' 21 characters"
        );
        let text = self.text(table, key, within, &expected)?;
        let fits = text.value.len() <= max_chars && text.value.chars().all(|c| c.is_ascii_alphanumeric());
        if !fits {
            self.report(
                Problem::at(text.origin, format!("`{key}` {within} is `{}`", text.value)).expected(expected),
            );
            return None;
        }
        Some(text)
    }

    /// An exact decimal from a string (`"70.5"`) or an integer (`70`). TOML floats are refused:
    /// `70.5` would pass through binary floating point on its way to a number.
    pub(super) fn decimal(&mut self, value: &Value<'_>, key: &str, within: &str) -> Option<At<Decimal>> {
        let origin = self.origin(value);
        let expected = "a decimal string such as `\"70.5\"`, or a whole number";
        let (written, parsed) = match value.get_ref() {
            DeValue::String(text) => (text.to_string(), parse_decimal_text(text)),
            // `0x46` is an integer too, but nobody means a percent in hexadecimal.
            DeValue::Integer(integer) => {
                let digits = integer.as_str().trim_start_matches('+');
                let parsed = match integer.radix() {
                    10 => parse_decimal_text(digits),
                    _ => Err(MoneyError::NotANumber(integer.to_string())),
                };
                (integer.to_string(), parsed)
            }
            DeValue::Float(float) => {
                // The text as written, read exactly: `29.5` -> `"29.5"`, `7e1` -> `"70"`.
                let quoted = parse_decimal_text(float.as_str()).ok().map(|decimal| format!("\"{decimal}\""));
                self.report(
                    Problem::at(
                        origin,
                        format!("`{key}` {within} is the TOML float `{float}`, which is not exact"),
                    )
                    .expected(expected)
                    .suggestion(quoted),
                );
                return None;
            }
            other => {
                self.wrong_type(value, other, key, within, expected);
                return None;
            }
        };
        match parsed {
            Ok(decimal) => Some(At { value: decimal, origin }),
            Err(_) => {
                self.report(
                    Problem::at(origin, format!("`{key}` {within} is `{written}`, not a decimal number"))
                        .expected(expected),
                );
                None
            }
        }
    }

    pub(super) fn wrong_type(
        &mut self,
        value: &Value<'_>,
        found: &DeValue<'_>,
        key: &str,
        within: &str,
        expected: &str,
    ) {
        let message = format!("wrong type for `{}` {within}: found {}", key_text(key), kind(found));
        self.report(Problem::at(self.origin(value), message).expected(expected));
    }
}

/// A key as TOML would need it written: bare when it can be, quoted otherwise.
pub(crate) fn key_text(key: &str) -> String {
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { key.to_owned() } else { format!("{key:?}") }
}

pub(super) fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
