//! Checks one JSON object against a field list: unknown fields, missing required fields and JSON
//! types, recursively. References are collected here and resolved by the caller, who knows which
//! items exist.

use std::fmt;

use serde_json::value::RawValue;

use super::raw::{JsonKind, RawObject, as_str, parse_array, parse_object_unchecked};
use super::schema::{EntrataKind, Field, Ty};

/// At most this many problems are reported; a dataset with more is counted, not listed.
pub const MAX_PROBLEMS: usize = 50;

/// One thing wrong with a dataset or a request body, located by item and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The item: `charges[3] (chargeId "chg_9")`, `qbo`, `dataset`, `body[0]`.
    pub location: String,
    /// The field path inside the item (`amount`, `fees[1].amount`), when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: field \"{}\": {}", self.location, field, self.message),
            None => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

/// Problems found so far, capped at `MAX_PROBLEMS` (the rest are only counted).
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub list: Vec<Problem>,
    pub omitted: usize,
}

impl Problems {
    pub fn push(&mut self, location: &str, field: Option<String>, message: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(Problem { location: location.to_owned(), field, message: message.into() });
        } else {
            self.omitted += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.omitted == 0
    }
}

/// A field-level problem before the item's location is known.
#[derive(Debug, Clone)]
pub(crate) struct FieldProblem {
    pub field: Option<String>,
    pub message: String,
}

/// A reference from one item to another, to be resolved once every item is known.
#[derive(Debug, Clone)]
pub(crate) struct RefUse {
    pub field: String,
    pub kind: EntrataKind,
    pub id: String,
}

/// An object that has been checked; `problems` is empty when it is well-formed.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub object: RawObject<'a>,
    /// The value of the `Id` field, when it is a non-empty string.
    pub id: Option<String>,
    pub refs: Vec<RefUse>,
    pub problems: Vec<FieldProblem>,
}

impl Checked<'_> {
    /// The string value of a top-level field.
    pub fn text(&self, name: &str) -> Option<String> {
        self.object.get(name).and_then(as_str).map(|s| s.into_owned())
    }
}

/// Checks `text` (one JSON value) against `fields`. `Err` when it is not an object at all.
pub(crate) fn check_object<'a>(text: &'a str, fields: &[Field]) -> Result<Checked<'a>, String> {
    let object = parse_object_unchecked(text)?;
    let mut id = None;
    let mut refs = Vec::new();
    let mut problems = Vec::new();
    check_fields(&object, fields, "", &mut id, &mut refs, &mut problems);
    Ok(Checked { object, id, refs, problems })
}

/// A field's path, built only when a problem or a reference needs it: datasets run to millions
/// of items, and one allocation per field per item would dominate loading.
#[derive(Clone, Copy)]
struct FieldPath<'p> {
    prefix: &'p str,
    name: &'p str,
}

impl FieldPath<'_> {
    fn full(self) -> String {
        format!("{}{}", self.prefix, self.name)
    }

    fn problem(self, message: impl Into<String>) -> FieldProblem {
        FieldProblem { field: Some(self.full()), message: message.into() }
    }
}

fn check_fields<'a>(
    object: &RawObject<'a>,
    fields: &[Field],
    prefix: &str,
    id: &mut Option<String>,
    refs: &mut Vec<RefUse>,
    problems: &mut Vec<FieldProblem>,
) {
    // One pass over the object's keys finds each known field's value (and duplicates).
    let mut values: Vec<Option<&'a RawValue>> = vec![None; fields.len()];
    let mut next = 0;
    for (key, value) in &object.fields {
        let path = FieldPath { prefix, name: key };
        // Items usually list their fields in schema order: try the next field first.
        let position = match fields.get(next) {
            Some(field) if field.name == key => Some(next),
            _ => fields.iter().position(|f| f.name == key),
        };
        next = position.map_or(next, |p| p + 1);
        match position {
            Some(index) if values[index].is_some() => problems.push(path.problem("appears twice")),
            Some(index) => values[index] = Some(*value),
            None => {
                let mut message = "unknown field".to_owned();
                if let Some(near) = nearest(key, fields) {
                    message.push_str(&format!(" (did you mean \"{near}\"?)"));
                }
                problems.push(path.problem(message));
            }
        }
    }
    for (field, value) in fields.iter().zip(values) {
        let path = FieldPath { prefix, name: field.name };
        let Some(value) = value else {
            if field.required {
                problems.push(path.problem("missing required field"));
            }
            continue;
        };
        match JsonKind::of(value.get()) {
            JsonKind::Null if field.required => problems.push(path.problem("must not be null")),
            JsonKind::Null => {}
            kind => check_value(value.get(), kind, field.ty, path, id, refs, problems),
        }
    }
}

fn check_value(
    text: &str,
    kind: JsonKind,
    ty: Ty,
    path: FieldPath<'_>,
    id: &mut Option<String>,
    refs: &mut Vec<RefUse>,
    problems: &mut Vec<FieldProblem>,
) {
    let mut wrong =
        || problems.push(path.problem(format!("expected {}, found {}", ty.expected(), kind.article())));
    match ty {
        Ty::Id | Ty::Ref(_) => {
            let Some(value) = string_value(text, kind) else { return wrong() };
            if value.is_empty() {
                problems.push(path.problem("id must not be empty"));
            } else if let Ty::Ref(target) = ty {
                refs.push(RefUse { field: path.full(), kind: target, id: value });
            } else {
                *id = Some(value);
            }
        }
        Ty::Text if kind != JsonKind::String => wrong(),
        Ty::Money if !matches!(kind, JsonKind::Number | JsonKind::String) => wrong(),
        Ty::Number if kind != JsonKind::Number => wrong(),
        Ty::Bool if kind != JsonKind::Bool => wrong(),
        Ty::Text | Ty::Money | Ty::Number | Ty::Bool => {}
        Ty::TextList | Ty::RefList(_) => {
            let Ok(elements) = parse_array(text) else { return wrong() };
            for (i, element) in elements.iter().enumerate() {
                let element_path = || format!("{}[{i}]", path.full());
                match (ty, string_value(element.get(), JsonKind::of(element.get()))) {
                    (Ty::RefList(target), Some(value)) if !value.is_empty() => {
                        refs.push(RefUse { field: element_path(), kind: target, id: value })
                    }
                    (Ty::TextList, Some(_)) => {}
                    _ => problems.push(FieldProblem {
                        field: Some(element_path()),
                        message: format!(
                            "expected {}, found {}",
                            if matches!(ty, Ty::RefList(_)) { "a non-empty string id" } else { "a string" },
                            JsonKind::of(element.get()).article()
                        ),
                    }),
                }
            }
        }
        Ty::Object(fields) => match parse_object_unchecked(text) {
            Ok(inner) => {
                check_fields(&inner, fields, &format!("{}.", path.full()), &mut None, refs, problems)
            }
            Err(_) => wrong(),
        },
        Ty::ObjectList(fields) => {
            let Ok(elements) = parse_array(text) else { return wrong() };
            for (i, element) in elements.iter().enumerate() {
                let element_path = format!("{}[{i}]", path.full());
                match parse_object_unchecked(element.get()) {
                    Ok(inner) => {
                        check_fields(&inner, fields, &format!("{element_path}."), &mut None, refs, problems)
                    }
                    Err(message) => problems.push(FieldProblem { field: Some(element_path), message }),
                }
            }
        }
    }
}

fn string_value(text: &str, kind: JsonKind) -> Option<String> {
    if kind != JsonKind::String {
        return None;
    }
    serde_json::from_str::<String>(text).ok()
}

/// The known field closest to a misspelt one, when it is close enough to be a likely typo.
fn nearest<'f>(key: &str, fields: &'f [Field]) -> Option<&'f str> {
    fields
        .iter()
        .map(|f| (f.name, strsim::levenshtein(&key.to_ascii_lowercase(), &f.name.to_ascii_lowercase())))
        .filter(|(_, distance)| *distance <= 2)
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::super::schema::{CHARGE, DEPOSIT, LEASE};
    use super::*;

    /// Checks `text` against `fields` and renders its problems and references, one per line.
    fn check(fields: &[Field], text: &str, expected: &[&str]) {
        let rendered: Vec<String> = match check_object(text, fields) {
            Err(message) => vec![message],
            Ok(checked) => {
                let mut lines: Vec<String> = checked
                    .problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field.as_deref().unwrap_or("-"), p.message))
                    .collect();
                lines.extend(checked.refs.iter().map(|r| format!("ref {} -> {} {}", r.field, r.kind, r.id)));
                if let Some(id) = checked.id {
                    lines.push(format!("id {id}"));
                }
                lines
            }
        };
        assert_eq!(rendered, expected, "input: {text}");
    }

    #[test]
    fn charges() {
        check(
            CHARGE,
            r#"{"chargeId": "c1", "propertyId": "p1"}"#,
            &["ref propertyId -> properties p1", "id c1"],
        );
        check(
            CHARGE,
            r#"{"chargeId": "c1", "propertyId": "p1", "amount": 12.345, "postDate": "2026-02-30", "leaseId": null}"#,
            &["ref propertyId -> properties p1", "id c1"],
        );
        check(
            CHARGE,
            r#"{"chargeId": "c1", "propertyId": "p1", "amount": "1295.00"}"#,
            &["ref propertyId -> properties p1", "id c1"],
        );
        check(
            CHARGE,
            r#"{"chargeId": "c1", "propertyId": "p1", "amount": {"v": 1}}"#,
            &[
                "amount: expected a number or a decimal string, found an object",
                "ref propertyId -> properties p1",
                "id c1",
            ],
        );
        check(
            CHARGE,
            r#"{"chargeId": 7, "propertyId": "p1", "leaseId": "l1"}"#,
            &[
                "chargeId: expected a string id, found a number",
                "ref propertyId -> properties p1",
                "ref leaseId -> leases l1",
            ],
        );
        check(
            CHARGE,
            r#"{"propertyId": "", "amont": 1}"#,
            &[
                "amont: unknown field (did you mean \"amount\"?)",
                "chargeId: missing required field",
                "propertyId: id must not be empty",
            ],
        );
        check(
            CHARGE,
            r#"{"chargeId": "c1", "propertyId": null, "zzz": true}"#,
            &["zzz: unknown field", "propertyId: must not be null", "id c1"],
        );
        check(CHARGE, "[1]", &["expected an object, found an array"]);
    }

    #[test]
    fn nested_fields() {
        check(
            LEASE,
            r#"{"leaseId": "l1", "propertyId": "p1", "fees": [{"code": "PET", "amount": true}, 3], "coResidentIds": ["r1", 2]}"#,
            &[
                "coResidentIds[1]: expected a string, found a number",
                "fees[0].amount: expected a number or a decimal string, found a boolean",
                "fees[1]: expected an object, found a number",
                "ref propertyId -> properties p1",
                "id l1",
            ],
        );
        check(
            DEPOSIT,
            r#"{"depositId": "d1", "propertyId": "p1", "paymentIds": ["pay_1", 5]}"#,
            &[
                "paymentIds[1]: expected a non-empty string id, found a number",
                "ref propertyId -> properties p1",
                "ref paymentIds[0] -> payments pay_1",
                "id d1",
            ],
        );
    }
}
