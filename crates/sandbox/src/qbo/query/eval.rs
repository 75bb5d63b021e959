//! Runs a parsed query over the books: which properties each entity can be filtered and sorted
//! on (anything else is 4001 "property 'X' is not queryable"), how values compare (text without
//! regard to case, ids and amounts as numbers, dates and times as such), the implicit
//! `Active = true` of name lists, ordering (by `Id` unless asked) and paging.
//!
//! Invariant: evaluation reads the books and never changes them.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::parse::{Condition, Literal, Op, Query, Select};
use crate::qbo::books::Books;
use crate::qbo::company::{Account, EntityKind, Meta, Named, account_json, named_json};
use crate::qbo::entry::JournalEntry;
use crate::qbo::fault::{Fault, QboResult};
use crate::qbo::time::{parse_date, parse_instant};
use crate::qbo::wire::{Node, parse_decimal};

pub const DEFAULT_MAX_RESULTS: u64 = 100;
pub const MAX_RESULTS_CAP: u64 = 1000;

/// A property's value, typed for comparison.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Id(String),
    Bool(bool),
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    Amount(Decimal),
}

enum Row<'a> {
    Entry(&'a JournalEntry),
    Account(&'a Account),
    Named(EntityKind, &'a Named),
}

fn meta_field(meta: &Meta, field: &str) -> Option<Option<Value>> {
    match field {
        "metadata.createtime" => Some(Some(Value::Instant(meta.created))),
        "metadata.lastupdatedtime" => Some(Some(Value::Instant(meta.updated))),
        _ => None,
    }
}

impl Row<'_> {
    /// `None`: not a queryable property of this entity; `Some(None)`: a property without a value.
    fn field(&self, name: &str) -> Option<Option<Value>> {
        let name = name.to_ascii_lowercase();
        let text = |s: &str| Some(Some(Value::Text(s.to_owned())));
        let optional = |s: Option<&String>| Some(s.map(|s| Value::Text(s.clone())));
        match self {
            Row::Entry(e) => match name.as_str() {
                "id" => Some(Some(Value::Id(e.id.to_string()))),
                "docnumber" => optional(e.doc_number.as_ref()),
                "txndate" => Some(Some(Value::Date(e.txn_date))),
                "privatenote" => optional(e.private_note.as_ref()),
                "totalamt" => Some(Some(Value::Amount(e.total()))),
                _ => meta_field(&e.meta, &name),
            },
            Row::Account(a) => match name.as_str() {
                "id" => Some(Some(Value::Id(a.id.clone()))),
                "name" | "fullyqualifiedname" => text(&a.name),
                "acctnum" => optional(a.acct_num.as_ref()),
                "accounttype" => text(&a.account_type),
                "accountsubtype" => optional(a.sub_type.as_ref()),
                "classification" => text(&a.classification),
                "active" => Some(Some(Value::Bool(a.active))),
                _ => meta_field(&a.meta, &name),
            },
            Row::Named(kind, n) => match name.as_str() {
                "id" => Some(Some(Value::Id(n.id.clone()))),
                "displayname" if *kind == EntityKind::Customer => text(&n.name),
                "name" if *kind != EntityKind::Customer => text(&n.name),
                "fullyqualifiedname" => text(&n.name),
                "active" => Some(Some(Value::Bool(n.active))),
                _ => meta_field(&n.meta, &name),
            },
        }
    }

    fn json(&self, books: &Books) -> String {
        match self {
            Row::Entry(e) => e.to_json(),
            Row::Account(a) => account_json(a, &books.company),
            Row::Named(kind, n) => named_json(*kind, n),
        }
    }
}

/// The type of a queryable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Text,
    Id,
    Bool,
    Date,
    Instant,
    Amount,
}

/// A literal read as the type of the property it is compared with.
fn coerce(ty: Type, literal: &Literal, field: &str) -> QboResult<Value> {
    let raw = match literal {
        Literal::Str(s) | Literal::Number(s) => s.clone(),
        Literal::Bool(b) => b.to_string(),
    };
    let invalid = || Fault::query_invalid(format!("invalid value '{raw}' for property '{field}'"));
    Ok(match ty {
        Type::Text => Value::Text(raw),
        Type::Id => Value::Id(raw.trim().to_owned()),
        Type::Bool => Value::Bool(match raw.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(invalid()),
        }),
        Type::Date => Value::Date(parse_date(&raw).ok_or_else(invalid)?),
        Type::Instant => Value::Instant(parse_instant(&raw).ok_or_else(invalid)?),
        Type::Amount => Value::Amount(parse_decimal(&Node::Str(raw.clone())).ok_or_else(invalid)?),
    })
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
        (Value::Id(a), Value::Id(b)) => match (a.parse::<u128>(), b.parse::<u128>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => a.cmp(b),
        },
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Date(a), Value::Date(b)) => a.cmp(b),
        (Value::Instant(a), Value::Instant(b)) => a.cmp(b),
        (Value::Amount(a), Value::Amount(b)) => a.cmp(b),
        _ => Ordering::Equal,
    }
}

/// `LIKE` with `%` for any run of characters, without regard to case.
fn like(text: &str, pattern: &str) -> bool {
    let text = text.to_lowercase();
    let parts: Vec<String> = pattern.to_lowercase().split('%').map(str::to_owned).collect();
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return text.is_empty(),
    };
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else { return false };
    let Some((last, middle)) = rest.split_last() else { return remaining.is_empty() };
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

/// A condition with its values read as its property's type, checked before any row is looked at.
struct Test {
    field: String,
    op: Op,
    values: Vec<Value>,
    /// The pattern of a `LIKE`.
    pattern: Option<String>,
}

fn prepare(kind: EntityKind, condition: &Condition) -> QboResult<Test> {
    let field = &condition.field;
    let ty = property(kind, field)
        .ok_or_else(|| Fault::query_invalid(format!("property '{field}' is not queryable")))?;
    if condition.op == Op::Like {
        if ty != Type::Text {
            return Err(Fault::query_invalid(format!("LIKE is not supported for property '{field}'")));
        }
        let [Literal::Str(pattern)] = &condition.values[..] else {
            return Err(Fault::query_invalid("LIKE takes a quoted pattern"));
        };
        return Ok(Test {
            field: field.clone(),
            op: Op::Like,
            values: Vec::new(),
            pattern: Some(pattern.clone()),
        });
    }
    let values = condition
        .values
        .iter()
        .map(|literal| coerce(ty, literal, field))
        .collect::<QboResult<Vec<Value>>>()?;
    Ok(Test { field: field.clone(), op: condition.op, values, pattern: None })
}

fn matches(row: &Row<'_>, test: &Test) -> bool {
    let Some(Some(value)) = row.field(&test.field) else { return false };
    if let (Some(pattern), Value::Text(text)) = (&test.pattern, &value) {
        return like(text, pattern);
    }
    test.values.iter().any(|wanted| {
        let order = compare(&value, wanted);
        match test.op {
            Op::Eq | Op::In => order == Ordering::Equal,
            Op::Lt => order == Ordering::Less,
            Op::Gt => order == Ordering::Greater,
            Op::Le => order != Ordering::Greater,
            Op::Ge => order != Ordering::Less,
            Op::Like => false,
        }
    })
}

/// The `QueryResponse` object for a query over a modelled entity.
pub fn run(query: &Query, kind: EntityKind, books: &Books, now: DateTime<Utc>) -> QboResult<String> {
    let company = &books.company;
    let mut rows: Vec<Row<'_>> = match kind {
        EntityKind::JournalEntry => books.visible_entries(now).map(Row::Entry).collect(),
        EntityKind::Account => company.accounts.iter().map(Row::Account).collect(),
        other => company.named(other).iter().map(|n| Row::Named(other, n)).collect(),
    };
    // Every property named must be queryable and every value readable, even with no rows.
    let tests = query.conditions.iter().map(|c| prepare(kind, c)).collect::<QboResult<Vec<Test>>>()?;
    if let Some(order) = query.order.iter().find(|o| property(kind, &o.field).is_none()) {
        return Err(Fault::query_invalid(format!("property '{}' is not queryable", order.field)));
    }
    let names_active = query.conditions.iter().any(|c| c.field.eq_ignore_ascii_case("active"));
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows.drain(..) {
        if kind != EntityKind::JournalEntry
            && !names_active
            && row.field("active") == Some(Some(Value::Bool(false)))
        {
            continue;
        }
        if tests.iter().all(|test| matches(&row, test)) {
            kept.push(row);
        }
    }
    if query.select == Select::Count {
        return Ok(format!("{{\"totalCount\":{}}}", kept.len()));
    }
    kept.sort_by(|a, b| {
        for order in &query.order {
            let (x, y) = (a.field(&order.field).flatten(), b.field(&order.field).flatten());
            let found = match (x, y) {
                (Some(x), Some(y)) => compare(&x, &y),
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            let found = if order.descending { found.reverse() } else { found };
            if found != Ordering::Equal {
                return found;
            }
        }
        compare(
            &a.field("id").flatten().unwrap_or(Value::Id(String::new())),
            &b.field("id").flatten().unwrap_or(Value::Id(String::new())),
        )
    });
    let start = query.start_position.unwrap_or(1).max(1);
    let max = query.max_results.unwrap_or(DEFAULT_MAX_RESULTS).min(MAX_RESULTS_CAP);
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(max).unwrap_or(usize::MAX);
    let page: Vec<String> = kept.iter().skip(skip).take(take).map(|row| row.json(books)).collect();
    if page.is_empty() {
        return Ok("{}".to_owned());
    }
    Ok(format!(
        "{{\"{}\":[{}],\"startPosition\":{start},\"maxResults\":{}}}",
        kind.name(),
        page.join(","),
        page.len()
    ))
}

/// The type of a property that can be filtered and sorted on (the names `Row::field` knows).
fn property(kind: EntityKind, field: &str) -> Option<Type> {
    let field = field.to_ascii_lowercase();
    let ty = match (kind, field.as_str()) {
        (_, "id") => Type::Id,
        (_, "metadata.createtime" | "metadata.lastupdatedtime") => Type::Instant,
        (EntityKind::JournalEntry, "docnumber" | "privatenote") => Type::Text,
        (EntityKind::JournalEntry, "txndate") => Type::Date,
        (EntityKind::JournalEntry, "totalamt") => Type::Amount,
        (EntityKind::JournalEntry, _) => return None,
        (_, "active") => Type::Bool,
        (_, "fullyqualifiedname") => Type::Text,
        (EntityKind::Account, "name" | "acctnum" | "accounttype" | "accountsubtype" | "classification") => {
            Type::Text
        }
        (EntityKind::Customer, "displayname") => Type::Text,
        (EntityKind::Class | EntityKind::Department, "name") => Type::Text,
        _ => return None,
    };
    Some(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queryable_names_have_values() {
        let meta = Meta {
            sync_token: 0,
            created: DateTime::<Utc>::UNIX_EPOCH,
            updated: DateTime::<Utc>::UNIX_EPOCH,
        };
        let named = Named { id: "1".into(), name: "n".into(), active: true, meta: meta.clone() };
        for kind in [EntityKind::Customer, EntityKind::Class, EntityKind::Department] {
            for field in [
                "Id",
                "Name",
                "DisplayName",
                "FullyQualifiedName",
                "Active",
                "MetaData.CreateTime",
                "AcctNum",
            ] {
                assert_eq!(
                    property(kind, field).is_some(),
                    Row::Named(kind, &named).field(field).is_some(),
                    "{kind:?} {field}"
                );
            }
        }
    }

    #[test]
    fn like_patterns() {
        let check = |text: &str, pattern: &str, expected: bool| {
            assert_eq!(like(text, pattern), expected, "{text} LIKE {pattern}")
        };
        check("Operating Bank", "%bank%", true);
        check("Operating Bank", "Oper%", true);
        check("Operating Bank", "%Bank", true);
        check("Operating Bank", "Bank%", false);
        check("Operating Bank", "operating bank", true);
        check("Operating Bank", "O%t%g%k", true);
        check("Operating Bank", "O%x%k", false);
        check("ab", "a%%b", true);
        check("aba", "%ab%ba%", false);
    }
}
