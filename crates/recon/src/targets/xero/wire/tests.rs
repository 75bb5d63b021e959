//! Dates, exact money, `where` strings and error bodies.

use super::*;

fn check_date(text: &str, expected: Option<&str>) {
    let got = parse_ms_date(text).map(|at| at.to_rfc3339());
    assert_eq!(got.as_deref(), expected, "{text}");
}

#[test]
fn microsoft_json_dates() {
    check_date("/Date(1552521600000+0000)/", Some("2019-03-14T00:00:00+00:00"));
    check_date("/Date(1573755038314)/", Some("2019-11-14T18:10:38.314+00:00"));
    check_date("/Date(1552521600000-0700)/", Some("2019-03-14T00:00:00+00:00"));
    check_date("/Date(-86400000+0000)/", Some("1969-12-31T00:00:00+00:00"));
    check_date("2019-03-14T10:20:30", Some("2019-03-14T10:20:30+00:00"));
    check_date("/Date()/", None);
    check_date("/Date(12x)/", None);
    check_date("/Date(1552521600000+00)/", None);
    check_date("Date(1552521600000)", None);
    check_date("yesterday", None);
    let day = NaiveDate::from_ymd_opt(2019, 3, 14);
    assert_eq!(parse_date("/Date(1552521600000+0000)/"), day);
    assert_eq!(parse_date("2019-03-14"), day);
    assert_eq!(parse_date("14/03/2019"), None);
    let at = parse_ms_date("/Date(1552521600000+0000)/").expect("date");
    assert_eq!(modified_since(at), "2019-03-14T00:00:00");
}

#[test]
fn money_is_exact_two_decimal_json() {
    let text = |d: Decimal| money(d).map(|raw| raw.get().to_owned());
    assert_eq!(text(Decimal::new(129_500, 2)).as_deref(), Ok("1295.00"));
    assert_eq!(text(Decimal::new(-1295, 0)).as_deref(), Ok("-1295.00"));
    assert_eq!(text(Decimal::new(-5, 2)).as_deref(), Ok("-0.05"));
    assert_eq!(text(Decimal::new(1_000, 3)).as_deref(), Ok("1.00"));
    assert!(money(Decimal::new(1_005, 3)).is_err(), "a sub-cent amount is refused, not rounded");
    let body = serde_json::to_string(&Tracking { name: "P".into(), option: "O".into() }).expect("json");
    assert_eq!(body, r#"{"Name":"P","Option":"O"}"#);
}

#[test]
fn where_strings_escape_quotes() {
    assert_eq!(where_string(r#"Smith "Jr" \ Co"#), r#""Smith \"Jr\" \\ Co""#);
}

#[test]
fn error_bodies() {
    let validation = br#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred",
        "Elements":[{"ValidationErrors":[{"Message":"The total debits (100.00) must equal total credits (-10.00)"}]}]}"#;
    assert_eq!(
        error_text(400, validation),
        "ValidationException: A validation exception occurred: The total debits (100.00) must equal total credits (-10.00)"
    );
    let problem = br#"{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful"}"#;
    assert_eq!(error_text(403, problem), "HTTP 403: AuthenticationUnsuccessful");
    assert_eq!(error_text(502, b"<html>bad gateway</html>"), "HTTP 502");
}
