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
use crate::sandbox::qbo::books::Books;
use crate::sandbox::qbo::company::{Account, EntityKind, Meta, Named, account_json, named_json};
use crate::sandbox::qbo::entry::JournalEntry;
use crate::sandbox::qbo::fault::{Fault, QboResult};
use crate::sandbox::qbo::time::{parse_date, parse_instant};
use crate::sandbox::qbo::wire::{Node, parse_decimal};

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

/// A literal read as the type of the property it is compared with.
fn coerce(like: &Value, literal: &Literal, field: &str) -> QboResult<Value> {
    let raw = match literal {
        Literal::Str(s) | Literal::Number(s) => s.clone(),
        Literal::Bool(b) => b.to_string(),
    };
    let invalid = || Fault::query_invalid(format!("invalid value '{raw}' for property '{field}'"));
    Ok(match like {
        Value::Text(_) => Value::Text(raw),
        Value::Id(_) => Value::Id(raw.trim().to_owned()),
        Value::Bool(_) => Value::Bool(match raw.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(invalid()),
        }),
        Value::Date(_) => Value::Date(parse_date(&raw).ok_or_else(invalid)?),
        Value::Instant(_) => Value::Instant(parse_instant(&raw).ok_or_else(invalid)?),
        Value::Amount(_) => Value::Amount(parse_decimal(&Node::Str(raw.clone())).ok_or_else(invalid)?),
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

fn matches(row: &Row<'_>, condition: &Condition) -> QboResult<bool> {
    let not_queryable = || Fault::query_invalid(format!("property '{}' is not queryable", condition.field));
    let Some(value) = row.field(&condition.field).ok_or_else(not_queryable)? else { return Ok(false) };
    if condition.op == Op::Like {
        let Value::Text(text) = &value else {
            return Err(Fault::query_invalid(format!(
                "LIKE is not supported for property '{}'",
                condition.field
            )));
        };
        let pattern = match &condition.values[..] {
            [Literal::Str(p)] => p,
            _ => return Err(Fault::query_invalid("LIKE takes a quoted pattern")),
        };
        return Ok(like(text, pattern));
    }
    let mut any = false;
    for literal in &condition.values {
        let wanted = coerce(&value, literal, &condition.field)?;
        let order = compare(&value, &wanted);
        any |= match condition.op {
            Op::Eq | Op::In => order == Ordering::Equal,
            Op::Lt => order == Ordering::Less,
            Op::Gt => order == Ordering::Greater,
            Op::Le => order != Ordering::Greater,
            Op::Ge => order != Ordering::Less,
            Op::Like => false,
        };
    }
    Ok(any)
}

/// The `QueryResponse` object for a query over a modelled entity.
pub fn run(query: &Query, kind: EntityKind, books: &Books) -> QboResult<String> {
    let company = &books.company;
    let mut rows: Vec<Row<'_>> = match kind {
        EntityKind::JournalEntry => books.entries().map(Row::Entry).collect(),
        EntityKind::Account => company.accounts.iter().map(Row::Account).collect(),
        other => company.named(other).iter().map(|n| Row::Named(other, n)).collect(),
    };
    // Every field named must be queryable, even when no row is there to test it on.
    let named = query.conditions.iter().map(|c| &c.field).chain(query.order.iter().map(|o| &o.field));
    for field in named {
        if !queryable(kind, field) {
            return Err(Fault::query_invalid(format!("property '{field}' is not queryable")));
        }
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
        let mut keep = true;
        for condition in &query.conditions {
            if !matches(&row, condition)? {
                keep = false;
                break;
            }
        }
        if keep {
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

/// Whether a property can be filtered and sorted on (the same names `Row::field` knows).
fn queryable(kind: EntityKind, field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    let own: &[&str] = match kind {
        EntityKind::JournalEntry => &["id", "docnumber", "txndate", "privatenote", "totalamt"],
        EntityKind::Account => &[
            "id",
            "name",
            "fullyqualifiedname",
            "acctnum",
            "accounttype",
            "accountsubtype",
            "classification",
            "active",
        ],
        EntityKind::Customer => &["id", "displayname", "fullyqualifiedname", "active"],
        EntityKind::Class | EntityKind::Department => &["id", "name", "fullyqualifiedname", "active"],
    };
    own.contains(&field.as_str())
        || matches!(field.as_str(), "metadata.createtime" | "metadata.lastupdatedtime")
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
                    queryable(kind, field),
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
