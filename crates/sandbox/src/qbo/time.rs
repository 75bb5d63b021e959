//! Intuit's clock faces. QuickBooks Online writes every time in the company's zone, which for the
//! sandbox's company is US Pacific (`America/Los_Angeles`, the zone Intuit's own servers answer in):
//! `-08:00` in winter and `-07:00` from the second Sunday of March to the first Sunday of November.
//! Response envelopes carry milliseconds (`2026-02-01T02:03:04.567-08:00`); `MetaData` times do not
//! (`2026-02-01T02:03:04-08:00`).
//!
//! Invariant: every time the QBO sandbox writes goes through this module, so they all agree, and
//! every time it reads (query values, `changedSince`) is turned into a UTC instant here.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, Utc, Weekday,
};

const HOUR_S: i32 = 3600;

/// The Pacific offset in force at a UTC instant (US rules since 2007).
pub fn pacific_offset(at: DateTime<Utc>) -> FixedOffset {
    let year = at.year();
    // 2:00 local standard time (10:00 UTC) on the second Sunday of March; 2:00 local daylight time
    // (09:00 UTC) on the first Sunday of November.
    let change = |month: u32, n: u8, utc_hour: u32| {
        NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n)
            .and_then(|d| d.and_hms_opt(utc_hour, 0, 0))
            .map(|t| t.and_utc())
    };
    let daylight = match (change(3, 2, 10), change(11, 1, 9)) {
        (Some(start), Some(end)) => at >= start && at < end,
        _ => false,
    };
    let hours = if daylight { -7 } else { -8 };
    // Offsets of -7 and -8 hours are always in range, so the fallback is never taken.
    FixedOffset::east_opt(hours * HOUR_S).unwrap_or_else(|| Utc.fix())
}

/// `2026-02-01T02:03:04.567-08:00`: the `time` of every response envelope.
pub fn response_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&pacific_offset(at)).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// `2026-02-01T02:03:04-08:00`: `MetaData.CreateTime` and `LastUpdatedTime`.
pub fn meta_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&pacific_offset(at)).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Drops sub-second precision: `MetaData` times are stored as they are shown, so that a client
/// comparing with a time it read back sees exactly what the server compares.
pub fn to_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// The company's calendar date at an instant (a `TxnDate` left out is "today" there).
pub fn company_today(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&pacific_offset(at)).date_naive()
}

/// A local Pacific wall-clock time as a UTC instant.
fn from_pacific(local: NaiveDateTime) -> DateTime<Utc> {
    // Guess with standard time, then correct with the offset in force at the guess.
    let guess = local.and_utc() + TimeDelta::hours(8);
    let offset = pacific_offset(guess);
    local.and_utc() - TimeDelta::seconds(i64::from(offset.local_minus_utc()))
}

/// An `xs:date` (`2026-01-31`), also accepting a trailing time or zone as Intuit's parser does
/// (`2026-01-31-08:00`, `2026-01-31T00:00:00`). `None` when the first ten characters are no date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let head = text.get(..10)?;
    let date = NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()?;
    let rest = &text[10..];
    let tail_ok = rest.is_empty() || rest.starts_with(['T', '-', '+', 'Z', ' ']);
    tail_ok.then_some(date)
}

/// An ISO 8601 instant as Intuit accepts it in queries and `changedSince`: with `Z`, `±HH:MM` or
/// `±HHMM`, optional fractions; without a zone it is Pacific time; a bare date is its start in
/// Pacific time. A space where the offset's `+` belongs (an unencoded `+` in a query string) is
/// read as `+`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.len() == 10 {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        return Some(from_pacific(date.and_time(NaiveTime::MIN)));
    }
    let fixed = match text.char_indices().nth(19) {
        Some((i, ' ')) => format!("{}+{}", &text[..i], &text[i + 1..]),
        _ => text.to_owned(),
    };
    let fixed = fixed.replace(' ', "+");
    for format in ["%Y-%m-%dT%H:%M:%S%.f%:z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.fZ"] {
        if let Ok(at) = DateTime::parse_from_str(&fixed, format) {
            return Some(at.to_utc());
        }
    }
    if let Some(utc) = fixed.strip_suffix('Z')
        && let Ok(local) = NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M:%S%.f")
    {
        return Some(local.and_utc());
    }
    NaiveDateTime::parse_from_str(&fixed, "%Y-%m-%dT%H:%M:%S%.f").ok().map(from_pacific)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").to_utc()
    }

    #[test]
    fn pacific_time_follows_daylight_saving() {
        assert_eq!(response_time(utc("2026-02-01T10:03:04.567Z")), "2026-02-01T02:03:04.567-08:00");
        assert_eq!(meta_time(utc("2026-07-01T10:00:00Z")), "2026-07-01T03:00:00-07:00");
        // 2026: daylight time from 8 March 10:00 UTC to 1 November 09:00 UTC.
        assert_eq!(meta_time(utc("2026-03-08T09:59:59Z")), "2026-03-08T01:59:59-08:00");
        assert_eq!(meta_time(utc("2026-03-08T10:00:00Z")), "2026-03-08T03:00:00-07:00");
        assert_eq!(meta_time(utc("2026-11-01T08:59:59Z")), "2026-11-01T01:59:59-07:00");
        assert_eq!(meta_time(utc("2026-11-01T09:00:00Z")), "2026-11-01T01:00:00-08:00");
        assert_eq!(
            company_today(utc("2026-02-01T07:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 1, 31).expect("date")
        );
    }

    #[test]
    fn reads_the_instants_clients_send() {
        let check =
            |text: &str, expected: &str| assert_eq!(parse_instant(text), Some(utc(expected)), "{text}");
        check("2026-02-01T02:03:04-08:00", "2026-02-01T10:03:04Z");
        check("2026-02-01T02:03:04.5-0800", "2026-02-01T10:03:04.5Z");
        check("2026-02-01T10:03:04Z", "2026-02-01T10:03:04Z");
        check("2026-02-01T10:03:04 00:00", "2026-02-01T10:03:04Z");
        check("2026-02-01T02:03:04", "2026-02-01T10:03:04Z");
        check("2026-07-01", "2026-07-01T07:00:00Z");
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_date("2026-01-31"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(parse_date("2026-01-31-08:00"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-01-3"), None);
    }
}
