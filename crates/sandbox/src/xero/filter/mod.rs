//! Xero's `where` and `order` query parameters, the subset of its Dynamic LINQ syntax that clients
//! use: comparisons (`Status=="POSTED"`, `Date>=DateTime(2026,01,01)`, `Type=="BANK"`), string
//! methods (`Narration.Contains("x")`, `.StartsWith`, `.EndsWith`, `.ToLower()`, `.ToUpper()`),
//! `Guid("...")`, `AND`/`OR`/`NOT` (and `&&`, `||`, `!`) with parentheses; `order` is
//! `Field [ASC|DESC][, ...]`.
//!
//! String comparisons ignore case (Xero's optimised filters do). A field the record does not have
//! is an error, as in Xero (`No property or field 'X' exists in type 'Y'`).

use std::cmp::Ordering;

mod parse;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use self::parse::Operand;
pub use self::parse::{Expr, parse_order, parse_where};

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Str(String),
    Num(Decimal),
    Bool(bool),
    Date(NaiveDateTime),
}

impl FieldValue {
    pub fn date(date: Option<NaiveDate>) -> FieldValue {
        date.map_or(FieldValue::Null, |d| FieldValue::Date(d.and_time(NaiveTime::MIN)))
    }

    pub fn text(text: Option<&str>) -> FieldValue {
        text.map_or(FieldValue::Null, |t| FieldValue::Str(t.to_owned()))
    }

    fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Null => "Object",
            FieldValue::Str(_) => "String",
            FieldValue::Num(_) => "Decimal",
            FieldValue::Bool(_) => "Boolean",
            FieldValue::Date(_) => "DateTime",
        }
    }
}

/// Something a query can filter and sort: it names its fields (dotted paths, any case).
pub trait Record {
    const TYPE_NAME: &'static str;
    fn field(&self, path: &str) -> Option<FieldValue>;
}

fn field_of<R: Record>(record: &R, path: &str) -> Result<FieldValue, String> {
    record
        .field(path)
        .ok_or_else(|| format!("No property or field '{path}' exists in type '{}'", R::TYPE_NAME))
}

fn eval<R: Record>(operand: &Operand, record: &R) -> Result<FieldValue, String> {
    let (path, calls) = match operand {
        Operand::Lit(value) => return Ok(value.clone()),
        Operand::Path(path, calls) => (path, calls),
    };
    let mut value = field_of(record, path)?;
    for call in calls {
        let text = match &value {
            FieldValue::Str(s) => s.clone(),
            FieldValue::Null => String::new(),
            other => {
                return Err(format!(
                    "No applicable method '{}' exists in type '{}'",
                    call.name,
                    other.type_name()
                ));
            }
        };
        let arg = match call.args.as_slice() {
            [FieldValue::Str(s)] => Some(s.to_lowercase()),
            _ => None,
        };
        value = match (call.name.to_ascii_lowercase().as_str(), arg) {
            ("tolower", None) => FieldValue::Str(text.to_lowercase()),
            ("toupper", None) => FieldValue::Str(text.to_uppercase()),
            ("trim", None) => FieldValue::Str(text.trim().to_owned()),
            ("contains", Some(arg)) => FieldValue::Bool(text.to_lowercase().contains(&arg)),
            ("startswith", Some(arg)) => FieldValue::Bool(text.to_lowercase().starts_with(&arg)),
            ("endswith", Some(arg)) => FieldValue::Bool(text.to_lowercase().ends_with(&arg)),
            _ => return Err(format!("No applicable method '{}' exists in type 'String'", call.name)),
        };
    }
    Ok(value)
}

/// Orders two values of one field; `None` when the types do not compare.
fn compare(a: &FieldValue, b: &FieldValue) -> Option<Ordering> {
    use FieldValue::*;
    match (a, b) {
        (Null, Null) => Some(Ordering::Equal),
        (Null, _) => Some(Ordering::Less),
        (_, Null) => Some(Ordering::Greater),
        (Str(x), Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Num(x), Num(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Date(x), Str(s)) => super::wire::parse_date_time(s)
            .map(|(t, _)| t)
            .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN)))
            .map(|y| x.cmp(&y)),
        (Str(_), Date(_)) => compare(b, a).map(Ordering::reverse),
        _ => None,
    }
}

pub fn matches<R: Record>(expr: &Expr, record: &R) -> Result<bool, String> {
    Ok(match expr {
        Expr::Or(a, b) => matches(a, record)? || matches(b, record)?,
        Expr::And(a, b) => matches(a, record)? && matches(b, record)?,
        Expr::Not(a) => !matches(a, record)?,
        Expr::Truthy(operand) => match eval(operand, record)? {
            FieldValue::Bool(b) => b,
            other => {
                return Err(format!("Expression of type 'Boolean' expected, found '{}'", other.type_name()));
            }
        },
        Expr::Cmp(left, op, right) => {
            let (a, b) = (eval(left, record)?, eval(right, record)?);
            let null = matches!(a, FieldValue::Null) || matches!(b, FieldValue::Null);
            let Some(ordering) = compare(&a, &b) else {
                return Err(format!(
                    "Operator '{op}' incompatible with operand types '{}' and '{}'",
                    a.type_name(),
                    b.type_name()
                ));
            };
            match *op {
                "==" => ordering == Ordering::Equal,
                "!=" => ordering != Ordering::Equal,
                _ if null => false,
                ">=" => ordering != Ordering::Less,
                "<=" => ordering != Ordering::Greater,
                ">" => ordering == Ordering::Greater,
                _ => ordering == Ordering::Less,
            }
        }
    })
}

/// Keeps the records `where` selects, sorted by `order` (stable: ties keep their order).
pub fn select<'a, R: Record + 'a>(
    records: impl Iterator<Item = &'a R>,
    filter: Option<&Expr>,
    order: &[(String, bool)],
) -> Result<Vec<&'a R>, String> {
    let mut selected = Vec::new();
    for record in records {
        if filter.map_or(Ok(true), |f| matches(f, record))? {
            selected.push(record);
        }
    }
    if let Some(first) = selected.first() {
        for (field, _) in order {
            field_of(*first, field)?;
        }
    }
    selected.sort_by(|a, b| {
        for (field, ascending) in order {
            let (x, y) =
                (a.field(field).unwrap_or(FieldValue::Null), b.field(field).unwrap_or(FieldValue::Null));
            let ordering = compare(&x, &y).unwrap_or(Ordering::Equal);
            let ordering = if *ascending { ordering } else { ordering.reverse() };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str, NaiveDate, i64);

    impl Record for Row {
        const TYPE_NAME: &'static str = "Row";
        fn field(&self, path: &str) -> Option<FieldValue> {
            Some(match path.to_ascii_lowercase().as_str() {
                "status" => FieldValue::Str(self.0.to_owned()),
                "narration" => FieldValue::Str(self.1.to_owned()),
                "date" => FieldValue::date(Some(self.2)),
                "amount" => FieldValue::Num(Decimal::new(self.3, 2)),
                "contact.name" => FieldValue::Null,
                _ => return None,
            })
        }
    }

    fn check(filter: &str, expected: Result<bool, &str>) {
        let row = Row(
            "POSTED",
            "Entrata P001 [ent:9f2c]",
            NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
            12500,
        );
        let got = parse_where(filter).and_then(|e| matches(&e, &row));
        assert_eq!(got, expected.map_err(str::to_owned), "{filter}");
    }

    #[test]
    fn where_clauses() {
        check(r#"Status=="POSTED""#, Ok(true));
        check(r#"Status == "posted""#, Ok(true));
        check(r#"Status="DRAFT""#, Ok(false));
        check(r#"Status!="DRAFT" AND Narration.Contains("[ent:9F2C]")"#, Ok(true));
        check(r#"Narration.StartsWith("Entrata") && Date>=DateTime(2026,01,01)"#, Ok(true));
        check(r#"Date < DateTime(2026, 01, 31) OR (Amount >= 125 AND NOT Status=="DRAFT")"#, Ok(true));
        check(r#"Date >= DateTime(2026,02,01,00,00,00)"#, Ok(false));
        check(r#"Narration.ToLower().EndsWith("]")"#, Ok(true));
        check(r#"Contact.Name == null"#, Ok(true));
        check(r#"Colour=="red""#, Err("No property or field 'Colour' exists in type 'Row'"));
        check(r#"Status=="POSTED" AND"#, Err("Expression expected"));
        check(r#"Date=="x""#, Err("Operator '==' incompatible with operand types 'DateTime' and 'String'"));
        check(r#"Narration"#, Err("Expression of type 'Boolean' expected, found 'String'"));
    }

    #[test]
    fn order_clauses() {
        assert_eq!(
            parse_order("Date ASC, Narration DESC"),
            Ok(vec![("Date".into(), true), ("Narration".into(), false)])
        );
        assert!(parse_order("Date SIDEWAYS").is_err());
        let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).expect("date");
        let rows = [Row("A", "b", d(2), 1), Row("A", "a", d(1), 2), Row("B", "c", d(1), 3)];
        let order = parse_order("Date, Narration DESC").expect("order");
        let sorted: Vec<&str> =
            select(rows.iter(), None, &order).expect("sorts").iter().map(|r| r.1).collect();
        assert_eq!(sorted, ["c", "a", "b"]);
        assert!(select(rows.iter(), None, &parse_order("Nope").expect("order")).is_err());
    }
}
