//! Reading request bodies without losing a digit: a JSON tree whose numbers stay as the client
//! wrote them (through `serde_json::value::RawValue`), money read from that text into
//! `rust_decimal::Decimal` and written back as JSON numbers, and `application/x-www-form-urlencoded`
//! bodies for the OAuth endpoints.
//!
//! Invariant: no `f64` ever holds an amount; a `Money` is written exactly as its decimal value.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::value::RawValue;

/// Deepest JSON nesting read; a JournalEntry needs five levels.
const MAX_DEPTH: usize = 32;

/// A JSON value with numbers kept as their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    Str(String),
    Array(Vec<Node<'a>>),
    Object(BTreeMap<String, Node<'a>>),
}

impl<'a> Node<'a> {
    pub fn parse(text: &'a str) -> Result<Node<'a>, String> {
        let raw: &RawValue = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Node::from_raw(raw, 0)
    }

    fn from_raw(raw: &'a RawValue, depth: usize) -> Result<Node<'a>, String> {
        if depth > MAX_DEPTH {
            return Err("the JSON is nested too deeply".into());
        }
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'{') => {
                let members: BTreeMap<String, &'a RawValue> =
                    serde_json::from_str(text).map_err(|e| e.to_string())?;
                let mut object = BTreeMap::new();
                for (key, value) in members {
                    object.insert(key, Node::from_raw(value, depth + 1)?);
                }
                Ok(Node::Object(object))
            }
            Some(b'[') => {
                let elements: Vec<&'a RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
                elements
                    .into_iter()
                    .map(|e| Node::from_raw(e, depth + 1))
                    .collect::<Result<_, _>>()
                    .map(Node::Array)
            }
            Some(b'"') => serde_json::from_str::<String>(text).map(Node::Str).map_err(|e| e.to_string()),
            Some(b't') => Ok(Node::Bool(true)),
            Some(b'f') => Ok(Node::Bool(false)),
            Some(b'n') => Ok(Node::Null),
            _ => Ok(Node::Number(text)),
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Node<'a>>> {
        match self {
            Node::Object(object) => Some(object),
            _ => None,
        }
    }

    /// A string, or a number or boolean read as its text (Intuit's parser coerces scalars to
    /// strings where a string is expected: `"SyncToken": 0` is `"0"`).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Number(n) => Some((*n).to_owned()),
            Node::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A boolean, also from `"true"`/`"false"`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            Node::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Node::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    /// A human word for the JSON type, for error details.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }
}

/// Reads an amount from a JSON number's text or a numeric string, exactly. Exponents are
/// accepted (`1.25E3`); more digits than a `Decimal` holds are refused, never rounded.
pub fn parse_decimal(node: &Node<'_>) -> Option<Decimal> {
    let text = match node {
        Node::Number(n) => (*n).to_owned(),
        Node::Str(s) => s.trim().to_owned(),
        _ => return None,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text).ok()
    } else {
        Decimal::from_str_exact(&text).ok()
    }
}

/// Money as QuickBooks writes it: the shortest decimal with at least one fraction digit
/// (`12500.0`, `12.5`, `0.01`), as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub Decimal);

impl Money {
    pub fn text(self) -> String {
        let text = self.0.normalize().to_string();
        if text.contains('.') { text } else { format!("{text}.0") }
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.text()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded (`+` is a space, `%XX` a byte).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut halves = part.splitn(2, |b| *b == b'=');
            let key = halves.next().unwrap_or_default();
            let value = halves.next().unwrap_or_default();
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

pub fn percent_decode(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < text.len() => match (hex(text[i + 1]), hex(text[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn numbers_keep_their_text() {
        let node = Node::parse(r#"{"a": 12500.00, "b": [0.1, "x"], "c": null, "d": 1.25E3}"#).expect("JSON");
        let object = node.as_object().expect("object");
        assert_eq!(object["a"], Node::Number("12500.00"));
        assert_eq!(parse_decimal(&object["a"]), Some(dec!(12500.00)));
        assert_eq!(parse_decimal(&object["d"]), Some(dec!(1250)));
        assert_eq!(parse_decimal(&Node::Str("12.345".into())), Some(dec!(12.345)));
        assert_eq!(parse_decimal(&Node::Str("12,5".into())), None);
        assert_eq!(parse_decimal(&Node::Number("1e400")), None);
        assert!(object["c"].is_null());
    }

    #[test]
    fn money_is_written_like_intuit() {
        let check =
            |d: Decimal, text: &str| assert_eq!(serde_json::to_string(&Money(d)).expect("JSON"), text);
        check(dec!(12500.00), "12500.0");
        check(dec!(12.50), "12.5");
        check(dec!(0.01), "0.01");
        check(dec!(0), "0.0");
    }

    #[test]
    fn form_bodies_decode() {
        let pairs =
            form_pairs(b"grant_type=authorization_code&code=a%2Bb&redirect_uri=http%3A%2F%2Fx%2Fcb+1&x=%zz");
        assert_eq!(pairs[1], ("code".into(), "a+b".into()));
        assert_eq!(pairs[2], ("redirect_uri".into(), "http://x/cb 1".into()));
        assert_eq!(pairs[3], ("x".into(), "%zz".into()));
        assert_eq!(percent_decode(b"%4"), "%4");
    }
}
