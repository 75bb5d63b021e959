//! Answers built as a small tree and written as JSON text, so that a dataset value (money, ids)
//! goes out byte for byte as the dataset wrote it (`Node::Raw`): it never passes through `f64` or
//! `serde_json::Value`, which would turn `1295.10` into `1295.1`.

use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// JSON text from the dataset (or an upsert), written as it is.
    Raw(String),
    /// A string the sandbox makes (a converted date, a code's name); escaped when written.
    Text(String),
    Int(i64),
    Obj(Vec<(&'static str, Node)>),
    Arr(Vec<Node>),
}

impl Node {
    pub fn raw(value: &RawValue) -> Node {
        Node::Raw(value.get().trim().to_owned())
    }

    pub fn text(text: impl Into<String>) -> Node {
        Node::Text(text.into())
    }

    /// The same tree without any object field named in `keys`, at any depth.
    pub fn without(self, keys: &[&str]) -> Node {
        match self {
            Node::Obj(fields) => Node::Obj(
                fields
                    .into_iter()
                    .filter(|(k, _)| !keys.contains(k))
                    .map(|(k, v)| (k, v.without(keys)))
                    .collect(),
            ),
            Node::Arr(items) => Node::Arr(items.into_iter().map(|n| n.without(keys)).collect()),
            other => other,
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Node::Raw(text) => out.push_str(text),
            Node::Text(text) => push_string(out, text),
            Node::Int(n) => out.push_str(&n.to_string()),
            Node::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_string(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
            Node::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
        }
    }
}

fn push_string(out: &mut String, text: &str) {
    // Serializing a &str cannot fail; the fallback keeps the output valid JSON regardless.
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// An object built field by field; absent values leave their field out.
#[derive(Debug, Default)]
pub struct Obj(Vec<(&'static str, Node)>);

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    pub fn with(mut self, key: &'static str, value: Node) -> Obj {
        self.0.push((key, value));
        self
    }

    pub fn maybe(mut self, key: &'static str, value: Option<Node>) -> Obj {
        if let Some(value) = value {
            self.0.push((key, value));
        }
        self
    }

    pub fn build(self) -> Node {
        Node::Obj(self.0)
    }
}

/// Entrata's list level `{"lease": [...]}`: exactly one child is the object itself, not an array
/// of one (docs/sources.md section 2.3 "One or many"); none is an empty array.
pub fn one_or_many(child: &'static str, mut items: Vec<Node>) -> Node {
    let value = if items.len() == 1 { items.remove(0) } else { Node::Arr(items) };
    Node::Obj(vec![(child, value)])
}

/// The number a raw money value holds with its sign flipped, in the same JSON type and digits
/// (`1316.06` -> `-1316.06`, `"-0.10"` -> `"0.10"`, zero stays as written). `None` when the value
/// is not a plain decimal (an unreadable amount is served as written).
pub fn negated(value: &RawValue) -> Option<Node> {
    let text = value.get().trim();
    let (quoted, number) = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => (true, inner),
        None => (false, text),
    };
    if !is_plain_decimal(number) {
        return None;
    }
    let flipped = match number.strip_prefix('-') {
        Some(positive) => positive.to_owned(),
        None if number.bytes().all(|b| matches!(b, b'0' | b'.')) => number.to_owned(),
        None => format!("-{number}"),
    };
    Some(Node::Raw(if quoted { format!("\"{flipped}\"") } else { flipped }))
}

/// `-?digits(.digits)?` with an optional exponent: a number as JSON writes one.
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    digits(whole) && digits(fraction) && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("json")
    }

    #[test]
    fn writes_raw_text_as_given() {
        let node = Obj::new()
            .with("amount", Node::raw(&raw("1295.10")))
            .with("name", Node::text("a \"b\""))
            .maybe("none", None)
            .with("list", one_or_many("item", vec![Node::Int(1)]))
            .with("many", one_or_many("item", vec![Node::Int(1), Node::raw(&raw("\"2.50\""))]))
            .with("empty", one_or_many("item", vec![]))
            .build();
        assert_eq!(
            node.to_json(),
            r#"{"amount":1295.10,"name":"a \"b\"","list":{"item":1},"many":{"item":[1,"2.50"]},"empty":{"item":[]}}"#
        );
    }

    #[test]
    fn negates_as_written() {
        let check = |text: &str, expected: Option<&str>| {
            assert_eq!(negated(&raw(text)).map(|n| n.to_json()).as_deref(), expected, "{text}")
        };
        check("1316.06", Some("-1316.06"));
        check("\"1316.06\"", Some("\"-1316.06\""));
        check("-0.10", Some("0.10"));
        check("\"-12\"", Some("\"12\""));
        check("0.00", Some("0.00"));
        check("1e2", Some("-1e2"));
        check("\"twelve dollars\"", None);
        check("\"1,200.00\"", None);
        check("null", None);
        check("\".5\"", None);
    }
}
