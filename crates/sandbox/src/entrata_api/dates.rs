//! Entrata's date forms from the dataset's: dates `MM/DD/YYYY`, post months `MM/YYYY` or
//! `MM/01/YYYY`, payment times `MM/DD/YYYY HH:MM` in Mountain Time (docs/sources.md section 2.7).
//! A dataset value that does not convert (`2026-02-30`, a month of `Feb`) is served as written,
//! so that the adapter's quarantine can be tested through this view too.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::value::RawValue;

use super::json::Node;
use crate::dataset::raw::as_str;

/// A dataset date (`YYYY-MM-DD`, exactly), when it is a real date.
pub fn ymd(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape.then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()).flatten()
}

/// A request's date parameter (`MM/DD/YYYY`, exactly), when it is a real date.
pub fn mdy(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[2] == b'/'
        && b[5] == b'/'
        && b.iter().enumerate().all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    shape.then(|| NaiveDate::parse_from_str(text, "%m/%d/%Y").ok()).flatten()
}

/// A dataset date as `MM/DD/YYYY`.
pub fn date(value: &RawValue) -> Node {
    match as_str(value).as_deref().and_then(ymd) {
        Some(day) => Node::text(day.format("%m/%d/%Y").to_string()),
        None => Node::raw(value),
    }
}

/// How a post month is written.
#[derive(Debug, Clone, Copy)]
pub enum MonthForm {
    /// `MM/YYYY`: getProperties' `PostMonths`, getGlTransactions' `postMonth`.
    MonthYear,
    /// `MM/01/YYYY`: a ledger transaction's `postMonth`.
    FirstDay,
}

/// A dataset post month (`YYYY-MM`) in Entrata's form.
pub fn month(value: &RawValue, form: MonthForm) -> Node {
    let text = as_str(value);
    let parsed = text.as_deref().and_then(|t| {
        let (year, month) = t.split_once('-')?;
        let ok = year.len() == 4
            && month.len() == 2
            && (year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit());
        let number: u32 = month.parse().ok()?;
        (ok && (1..=12).contains(&number)).then_some((year, month))
    });
    match (parsed, form) {
        (Some((year, month)), MonthForm::MonthYear) => Node::text(format!("{month}/{year}")),
        (Some((year, month)), MonthForm::FirstDay) => Node::text(format!("{month}/01/{year}")),
        (None, _) => Node::raw(value),
    }
}

/// A dataset timestamp (ISO 8601 with an offset) at Mountain Time, as getArPayments writes its
/// times: `MM/DD/YYYY HH:MM` ("truncated to 16 characters").
pub fn mountain_minute(value: &RawValue) -> Node {
    match as_str(value).as_deref().and_then(instant) {
        Some(at) => Node::text(mountain(at).format("%m/%d/%Y %H:%M").to_string()),
        None => Node::raw(value),
    }
}

/// The Mountain Time day of a dataset timestamp, for date filters.
pub fn mountain_day(text: &str) -> Option<NaiveDate> {
    instant(text).map(|at| mountain(at).date_naive())
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

/// `at` in America/Denver (MST, or MDT in summer), Entrata's zone for every time it states.
pub fn mountain(at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&chrono_tz::America::Denver)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("json")
    }

    #[test]
    fn dates_and_months() {
        assert_eq!(date(&raw(r#""2026-02-01""#)), Node::text("02/01/2026"));
        assert_eq!(date(&raw(r#""2026-02-30""#)), Node::Raw(r#""2026-02-30""#.into()));
        assert_eq!(date(&raw(r#""2026-2-1""#)), Node::Raw(r#""2026-2-1""#.into()));
        assert_eq!(month(&raw(r#""2026-02""#), MonthForm::MonthYear), Node::text("02/2026"));
        assert_eq!(month(&raw(r#""2026-02""#), MonthForm::FirstDay), Node::text("02/01/2026"));
        assert_eq!(month(&raw(r#""2026-13""#), MonthForm::FirstDay), Node::Raw(r#""2026-13""#.into()));
        assert_eq!(mdy("01/31/2026"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(mdy("2026-01-31"), None);
        assert_eq!(mdy("02/30/2026"), None);
        assert_eq!(mdy("1/31/2026"), None);
    }

    #[test]
    fn mountain_time_follows_daylight_saving() {
        let check = |utc: &str, expected: &str| {
            assert_eq!(mountain_minute(&raw(&format!("\"{utc}\""))), Node::text(expected), "{utc}");
        };
        // 14:03 in Chicago (CST, -06:00) is 13:03 MST.
        check("2026-02-01T14:03:00-06:00", "02/01/2026 13:03");
        // 2026: MDT from 8 March 09:00 UTC to 1 November 08:00 UTC.
        check("2026-03-08T08:59:00Z", "03/08/2026 01:59");
        check("2026-03-08T09:00:00Z", "03/08/2026 03:00");
        check("2026-11-01T07:59:00Z", "11/01/2026 01:59");
        check("2026-11-01T08:00:00Z", "11/01/2026 01:00");
        // Just after midnight UTC is the day before in Denver.
        assert_eq!(mountain_day("2026-02-02T03:00:00Z"), NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(mountain_minute(&raw(r#""yesterday""#)), Node::Raw(r#""yesterday""#.into()));
    }
}
