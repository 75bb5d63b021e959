//! Writing the connector's items (the provider REST API's shapes, docs/source-api.md) from
//! Entrata's values: each field either copied as Entrata wrote it (money, ids that are already
//! text) or converted (dates, post months, flags) when it reads, and copied as written when it
//! does not, so that the item's conversion quarantines it with the field and the reason.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde_json::value::RawValue;

use super::read;

/// A JSON object written field by field, in order.
pub struct Obj(String);

impl Obj {
    pub fn new() -> Obj {
        Obj(String::from("{"))
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push('"');
        self.0.push_str(key);
        self.0.push_str("\":");
    }

    /// A value already in JSON.
    pub fn json(&mut self, key: &str, json: &str) -> &mut Obj {
        self.key(key);
        self.0.push_str(json);
        self
    }

    pub fn raw(&mut self, key: &str, raw: Option<&RawValue>) -> &mut Obj {
        self.json(key, raw.map_or("null", |r| r.get()))
    }

    pub fn text(&mut self, key: &str, text: &str) -> &mut Obj {
        self.json(key, &quote(text))
    }

    pub fn opt_text(&mut self, key: &str, text: Option<&str>) -> &mut Obj {
        match text {
            Some(t) => self.text(key, t),
            None => self.json(key, "null"),
        }
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

pub fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The text of a JSON string, or the digits of a JSON number; `None` for null, absent, or any
/// other value.
pub fn plain(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    let text = raw.get().trim();
    if text == "null" {
        return None;
    }
    match serde_json::from_str::<String>(text) {
        Ok(s) => Some(s),
        Err(_) => text.bytes().all(|b| b.is_ascii_digit() || b == b'-').then(|| text.to_owned()),
    }
}

/// An id as the connector's items carry it: a string (Entrata sends ints and strings).
pub fn id(raw: Option<&RawValue>) -> String {
    match raw {
        None => "null".to_owned(),
        Some(r) => match read::id(r) {
            Ok(id) => quote(&id),
            Err(_) => r.get().to_owned(),
        },
    }
}

/// `MM/DD/YYYY` (also `YYYY/MM/DD`, and with a time after it) as `YYYY-MM-DD`; otherwise as written.
pub fn date(raw: Option<&RawValue>) -> String {
    let Some(r) = raw else { return "null".to_owned() };
    match plain(Some(r)).as_deref().and_then(parse_date) {
        Some(d) => quote(&d.format("%Y-%m-%d").to_string()),
        None => r.get().to_owned(),
    }
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let day = text.split_whitespace().next()?;
    read::date(day).ok().or_else(|| NaiveDate::parse_from_str(day, "%Y/%m/%d").ok())
}

/// `MM/YYYY`, `MM/01/YYYY` or `Mon,YYYY` as `YYYY-MM`; otherwise as written.
pub fn month(raw: Option<&RawValue>) -> String {
    let Some(r) = raw else { return "null".to_owned() };
    match plain(Some(r)).as_deref().and_then(parse_month) {
        Some(m) => quote(&m),
        None => r.get().to_owned(),
    }
}

pub fn parse_month(text: &str) -> Option<String> {
    if let Ok(m) = read::post_month(text) {
        return Some(m.to_string());
    }
    let (name, year) = text.split_once(',')?;
    let date = NaiveDate::parse_from_str(&format!("01 {} {}", name.trim(), year.trim()), "%d %b %Y").ok()?;
    Some(date.format("%Y-%m").to_string())
}

/// A flag (`0`/`1`, `"true"`, ...) as a JSON boolean; otherwise as written.
pub fn flag(raw: Option<&RawValue>) -> String {
    match raw {
        None => "null".to_owned(),
        Some(r) => match read::flag(r) {
            Ok(b) => b.to_string(),
            Err(_) => r.get().to_owned(),
        },
    }
}

/// A local time Entrata writes (`MM/DD/YYYY HH:MM`, seconds optional) in `zone`, as ISO 8601
/// with the offset; `None` when it does not read or names no single instant.
pub fn local_time(text: &str, zone: chrono_tz::Tz) -> Option<String> {
    let text = text.trim();
    let naive = ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| parse_date(text).and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    let at = zone.from_local_datetime(&naive).earliest()?;
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("JSON")
    }

    #[test]
    fn values_convert_when_they_read_and_stay_as_written_when_not() {
        assert_eq!(date(Some(&raw("\"02/01/2026\""))), "\"2026-02-01\"");
        assert_eq!(date(Some(&raw("\"2026/02/01\""))), "\"2026-02-01\"");
        assert_eq!(date(Some(&raw("\"02/30/2026\""))), "\"02/30/2026\"");
        assert_eq!(date(Some(&raw("null"))), "null");
        assert_eq!(month(Some(&raw("\"02/01/2026\""))), "\"2026-02\"");
        assert_eq!(month(Some(&raw("\"02/2026\""))), "\"2026-02\"");
        assert_eq!(month(Some(&raw("\"Oct,2013\""))), "\"2013-10\"");
        assert_eq!(month(Some(&raw("\"soon\""))), "\"soon\"");
        assert_eq!(id(Some(&raw("17489221"))), "\"17489221\"");
        assert_eq!(id(Some(&raw("\"lease_1\""))), "\"lease_1\"");
        assert_eq!(flag(Some(&raw("\"1\""))), "true");
        assert_eq!(flag(Some(&raw("0"))), "false");
        let mut o = Obj::new();
        o.raw("amount", Some(&raw("1295.10"))).text("code", "RE\"NT");
        assert_eq!(o.finish(), r#"{"amount":1295.10,"code":"RE\"NT"}"#);
    }

    #[test]
    fn mountain_times_carry_their_offset() {
        let denver: chrono_tz::Tz = "America/Denver".parse().expect("zone");
        assert_eq!(local_time("02/01/2026 14:03", denver).as_deref(), Some("2026-02-01T14:03:00-07:00"));
        assert_eq!(local_time("07/01/2026 09:30", denver).as_deref(), Some("2026-07-01T09:30:00-06:00"));
        assert_eq!(local_time("tomorrow", denver), None);
    }
}
