//! Accounting months (`YYYY-MM`) and the date arithmetic around them.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// An accounting month, as Entrata's `postMonth` (`2026-02`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostMonth {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month (expected YYYY-MM)")]
pub struct BadPostMonth(pub String);

impl PostMonth {
    pub fn new(year: i32, month: u32) -> Option<PostMonth> {
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(PostMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> PostMonth {
        PostMonth { year: date.year(), month: date.month() }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn first_day(&self) -> NaiveDate {
        // Invariant: `new`/`of`/`parse` only build months whose first day exists.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(&self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn days(&self) -> u32 {
        self.last_day().day()
    }

    pub fn next(&self) -> PostMonth {
        if self.month == 12 {
            PostMonth { year: self.year + 1, month: 1 }
        } else {
            PostMonth { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(&self) -> PostMonth {
        if self.month == 1 {
            PostMonth { year: self.year - 1, month: 12 }
        } else {
            PostMonth { year: self.year, month: self.month - 1 }
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        date.year() == self.year && date.month() == self.month
    }

    /// The date an entry of this month carries for an item dated `date` (PRODUCT.md §5 "Dating"):
    /// the date itself inside the month, else the month's first day (earlier) or last day (later).
    pub fn date_within(&self, date: NaiveDate) -> NaiveDate {
        date.clamp(self.first_day(), self.last_day())
    }
}

impl FromStr for PostMonth {
    type Err = BadPostMonth;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadPostMonth(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4
            || month.len() != 2
            || !year.bytes().chain(month.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        PostMonth::new(year, month).ok_or_else(bad)
    }
}

impl fmt::Display for PostMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn months_parse_and_print() {
        let m: PostMonth = "2026-02".parse().unwrap();
        assert_eq!(m.to_string(), "2026-02");
        assert_eq!(m.last_day(), d("2026-02-28"));
        assert_eq!("2028-02".parse::<PostMonth>().unwrap().days(), 29);
        assert_eq!(m.prev().to_string(), "2026-01");
        assert_eq!("2026-12".parse::<PostMonth>().unwrap().next().to_string(), "2027-01");
        for bad in ["2026-13", "2026-2", "26-02", "2026/02", "2026-02-01", ""] {
            assert!(bad.parse::<PostMonth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn clamp_dates_into_the_month() {
        let m: PostMonth = "2026-02".parse().unwrap();
        assert_eq!(m.date_within(d("2026-02-14")), d("2026-02-14"));
        assert_eq!(m.date_within(d("2026-01-30")), d("2026-02-01"));
        assert_eq!(m.date_within(d("2026-03-02")), d("2026-02-28"));
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("02/03/2026").is_none());
        assert!(parse_date("2026-02-03").is_some());
    }
}
