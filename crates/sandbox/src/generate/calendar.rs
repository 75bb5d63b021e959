//! The generated period, US time zones, and the text forms of dates and times.
//!
//! Everything is anchored at a fixed point, never at today: the generated months end with
//! [`LAST_MONTH`], and the data is "as of" the end of [`CUTOFF`] in each property's time zone.

use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

use super::digits::push_digits;
use entrata_recon::domain::PostMonth;

/// The last generated month (`months=12` gives 2025-03..2026-02).
pub const LAST_MONTH: (i32, u32) = (2026, 2);

/// Nothing happens after this day: payments received on it stay undeposited, returns that would
/// come later have not happened yet. Every timestamp is earlier than 2026-03-02T00:00:00Z.
pub fn cutoff() -> NaiveDate {
    last_month().last_day()
}

pub fn last_month() -> PostMonth {
    // Invariant: a constant, valid month.
    PostMonth::new(LAST_MONTH.0, LAST_MONTH.1).unwrap_or_else(|| PostMonth::of(NaiveDate::MIN))
}

/// The months generated for `months` (at least one), oldest first.
pub fn window(months: u32) -> Vec<PostMonth> {
    let mut list = vec![last_month()];
    for _ in 1..months.max(1) {
        let earlier = list[list.len() - 1].prev();
        list.push(earlier);
    }
    list.reverse();
    list
}

/// The US time zones the catalog uses. Offsets follow the US daylight-saving rule in force since
/// 2007 (second Sunday of March to first Sunday of November, at 2:00 local); Arizona stays on
/// standard time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tz {
    Eastern,
    Central,
    Mountain,
    Arizona,
    Pacific,
}

impl Tz {
    pub fn name(self) -> &'static str {
        match self {
            Tz::Eastern => "America/New_York",
            Tz::Central => "America/Chicago",
            Tz::Mountain => "America/Denver",
            Tz::Arizona => "America/Phoenix",
            Tz::Pacific => "America/Los_Angeles",
        }
    }

    fn standard_offset_minutes(self) -> i32 {
        match self {
            Tz::Eastern => -5 * 60,
            Tz::Central => -6 * 60,
            Tz::Mountain | Tz::Arizona => -7 * 60,
            Tz::Pacific => -8 * 60,
        }
    }

    /// The UTC offset in minutes of a local wall-clock time.
    pub fn offset_minutes(self, local: NaiveDateTime) -> i32 {
        let standard = self.standard_offset_minutes();
        if self == Tz::Arizona || !in_daylight_time(local) { standard } else { standard + 60 }
    }

    pub fn to_utc(self, local: NaiveDateTime) -> NaiveDateTime {
        local - Duration::minutes(i64::from(self.offset_minutes(local)))
    }
}

fn nth_sunday(year: i32, month: u32, nth: u32) -> NaiveDate {
    // Invariant: March and November always have a first and a second Sunday.
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, nth as u8).unwrap_or(NaiveDate::MIN)
}

fn in_daylight_time(local: NaiveDateTime) -> bool {
    match local.date().month() {
        4..=10 => return true,
        1 | 2 | 12 => return false,
        _ => {} // March and November change on a Sunday
    }
    let year = local.date().year();
    let two_am = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default();
    let starts = nth_sunday(year, 3, 2).and_time(two_am);
    let ends = nth_sunday(year, 11, 1).and_time(two_am);
    local >= starts && local < ends
}

pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The next Monday-to-Friday day after `date` (bank holidays are not modelled).
pub fn next_business_day(date: NaiveDate) -> NaiveDate {
    let mut day = add_days(date, 1);
    while !is_business_day(day) {
        day = add_days(day, 1);
    }
    day
}

pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let step = Days::new(days.unsigned_abs());
    let moved = if days >= 0 { date.checked_add_days(step) } else { date.checked_sub_days(step) };
    // Invariant: the generator only moves dates by months inside 2000..2100.
    moved.unwrap_or(date)
}

/// `date` at `hour:minute:second` (values past the end of the day roll into the next day).
pub fn at(date: NaiveDate, hour: i64, minute: i64, second: i64) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::seconds(hour * 3600 + minute * 60 + second)
}

/// The last day of the month `months` after the month of `date`.
pub fn month_end_after(date: NaiveDate, months: u32) -> NaiveDate {
    let mut month = PostMonth::of(date);
    for _ in 0..months {
        month = month.next();
    }
    month.last_day()
}

pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn month_name(month: PostMonth) -> &'static str {
    MONTH_NAMES[(month.month() as usize).saturating_sub(1) % 12]
}

/// `2026-02-01` (years are 4 digits: the generator stays within 2000..2100).
pub fn write_date(out: &mut Vec<u8>, date: NaiveDate) {
    push_digits(out, u64::from(date.year().unsigned_abs()), 4);
    out.push(b'-');
    push_digits(out, u64::from(date.month()), 2);
    out.push(b'-');
    push_digits(out, u64::from(date.day()), 2);
}

pub fn write_month(out: &mut Vec<u8>, month: PostMonth) {
    push_digits(out, u64::from(month.year().unsigned_abs()), 4);
    out.push(b'-');
    push_digits(out, u64::from(month.month()), 2);
}

fn write_time(out: &mut Vec<u8>, time: NaiveTime) {
    out.push(b'T');
    push_digits(out, u64::from(time.hour()), 2);
    out.push(b':');
    push_digits(out, u64::from(time.minute()), 2);
    out.push(b':');
    push_digits(out, u64::from(time.second()), 2);
}

/// `2026-01-31T23:00:00Z`.
pub fn write_utc(out: &mut Vec<u8>, utc: NaiveDateTime) {
    write_date(out, utc.date());
    write_time(out, utc.time());
    out.push(b'Z');
}

/// `2026-02-01T14:03:00-06:00`: local wall-clock time with its offset.
pub fn write_local(out: &mut Vec<u8>, local: NaiveDateTime, offset_minutes: i32) {
    write_date(out, local.date());
    write_time(out, local.time());
    out.push(if offset_minutes < 0 { b'-' } else { b'+' });
    let abs = offset_minutes.unsigned_abs();
    push_digits(out, u64::from(abs / 60), 2);
    out.push(b':');
    push_digits(out, u64::from(abs % 60), 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrata_recon::domain::parse_date;

    fn d(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn window_ends_at_the_anchor() {
        let months: Vec<String> = window(12).iter().map(|m| m.to_string()).collect();
        assert_eq!(months.first().map(String::as_str), Some("2025-03"));
        assert_eq!(months.last().map(String::as_str), Some("2026-02"));
        assert_eq!(months.len(), 12);
        assert_eq!(window(1).len(), 1);
        assert_eq!(cutoff(), d("2026-02-28"));
    }

    #[test]
    fn us_daylight_saving() {
        let check = |tz: Tz, local: &str, want: i32| {
            let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
            assert_eq!(tz.offset_minutes(local), want, "{tz:?} {local}");
        };
        check(Tz::Central, "2026-02-01 14:03", -360);
        check(Tz::Central, "2025-07-04 09:00", -300);
        check(Tz::Eastern, "2025-03-09 01:59", -300);
        check(Tz::Eastern, "2025-03-09 03:00", -240);
        check(Tz::Eastern, "2025-11-02 00:30", -240);
        check(Tz::Eastern, "2025-11-02 02:30", -300);
        check(Tz::Arizona, "2025-07-04 09:00", -420);
        check(Tz::Pacific, "2025-07-04 09:00", -420);
    }

    #[test]
    fn formats() {
        let local = at(d("2026-02-01"), 14, 3, 0);
        assert_eq!(text(|o| write_local(o, local, -360)), "2026-02-01T14:03:00-06:00");
        assert_eq!(text(|o| write_utc(o, Tz::Central.to_utc(local))), "2026-02-01T20:03:00Z");
        assert_eq!(text(|o| write_month(o, last_month())), "2026-02");
        assert_eq!(at(d("2026-01-31"), 25, 0, 0), at(d("2026-02-01"), 1, 0, 0));
    }

    #[test]
    fn business_days_skip_weekends() {
        assert_eq!(next_business_day(d("2026-02-27")), d("2026-03-02")); // Friday -> Monday
        assert_eq!(next_business_day(d("2026-02-23")), d("2026-02-24"));
        assert_eq!(month_end_after(d("2025-03-15"), 12), d("2026-03-31"));
    }
}
