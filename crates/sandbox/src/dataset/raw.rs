//! JSON objects kept as raw text: each field's value is the exact slice of the input, so money
//! (`1295.00`, `12.345`, `"1295.00"`) is served byte for byte and never passes through `f64` or
//! `serde_json::Value` (which would turn `1295.00` into `1295.0`).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object as its fields in document order, each value still raw text borrowed from the input.
#[derive(Debug)]
pub(crate) struct RawObject<'a> {
    pub fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> RawObject<'a> {
    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// The object's text with `name` set to `value_json` (replaced in place, or appended), every
    /// other field's bytes unchanged. Keys are re-escaped by serde_json.
    pub fn with_field(&self, name: &str, value_json: &str) -> String {
        let mut out =
            String::with_capacity(self.fields.iter().map(|(k, v)| k.len() + v.get().len() + 4).sum());
        out.push('{');
        let mut replaced = false;
        for (key, value) in &self.fields {
            if out.len() > 1 {
                out.push(',');
            }
            push_key(&mut out, key);
            if key == name {
                out.push_str(value_json);
                replaced = true;
            } else {
                out.push_str(value.get());
            }
        }
        if !replaced {
            if out.len() > 1 {
                out.push(',');
            }
            push_key(&mut out, name);
            out.push_str(value_json);
        }
        out.push('}');
        out
    }
}

fn push_key(out: &mut String, key: &str) {
    // Serializing a &str cannot fail; the fallback keeps the output valid JSON regardless.
    out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| "\"\"".to_owned()));
    out.push(':');
}

/// Parses `text` as one JSON object. A duplicate key is an error: which of the two values a
/// client would see is undefined, so the dataset (or request) is refused instead.
pub(crate) fn parse_object(text: &str) -> Result<RawObject<'_>, String> {
    let object = parse_object_unchecked(text)?;
    for (i, (key, _)) in object.fields.iter().enumerate() {
        if object.fields[..i].iter().any(|(k, _)| k == key) {
            return Err(format!("field \"{key}\" appears twice"));
        }
    }
    Ok(object)
}

/// Parses `text` as one JSON object, leaving duplicate keys to the caller (the schema check
/// finds them in the same pass that matches keys to fields).
pub(crate) fn parse_object_unchecked(text: &str) -> Result<RawObject<'_>, String> {
    let kind = JsonKind::of(text);
    if kind != JsonKind::Object {
        return Err(format!("expected an object, found {}", kind.article()));
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Parses `text` as a JSON array of raw values.
pub(crate) fn parse_array(text: &str) -> Result<Vec<&RawValue>, String> {
    let kind = JsonKind::of(text);
    if kind != JsonKind::Array {
        return Err(format!("expected an array, found {}", kind.article()));
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// The string a raw value holds, unescaped; `None` when it is not a JSON string.
pub(crate) fn as_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get().trim();
    if JsonKind::of(text) != JsonKind::String {
        return None;
    }
    // Borrowed when the string has no escapes, which is the common case for ids. A valid JSON
    // string starts and ends with a quote, so the slice is in bounds.
    if !text.contains('\\') && text.len() >= 2 {
        return Some(Cow::Borrowed(&text[1..text.len() - 1]));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

/// The JSON type of a value, told from its first byte (the input is already valid JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl JsonKind {
    pub fn of(text: &str) -> JsonKind {
        match text.trim_start().as_bytes().first() {
            Some(b'{') => JsonKind::Object,
            Some(b'[') => JsonKind::Array,
            Some(b'"') => JsonKind::String,
            Some(b't' | b'f') => JsonKind::Bool,
            Some(b'n') => JsonKind::Null,
            _ => JsonKind::Number,
        }
    }

    /// "an object", "a string", ... for messages.
    pub fn article(self) -> &'static str {
        match self {
            JsonKind::Object => "an object",
            JsonKind::Array => "an array",
            JsonKind::String => "a string",
            JsonKind::Number => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::Null => "null",
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawObjectVisitor)
    }
}

struct RawObjectVisitor;

impl<'de> Visitor<'de> for RawObjectVisitor {
    type Value = RawObject<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            fields.push((key, value));
        }
        Ok(RawObject { fields })
    }
}

/// An object key, borrowed from the input unless it contains escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_value_bytes_and_order() {
        let text = r#"{"b": 1295.00, "a\u0041": "x", "c": [1, 2.50]}"#;
        let object = parse_object(text).expect("valid object");
        let got: Vec<(&str, &str)> = object.fields.iter().map(|(k, v)| (k.as_ref(), v.get())).collect();
        assert_eq!(got, vec![("b", "1295.00"), ("aA", "\"x\""), ("c", "[1, 2.50]")]);
    }

    #[test]
    fn with_field_replaces_or_appends() {
        let object = parse_object(r#"{"amount": 12.345, "updatedAt": "old"}"#).expect("valid object");
        assert_eq!(object.with_field("updatedAt", "\"new\""), r#"{"amount":12.345,"updatedAt":"new"}"#);
        assert_eq!(
            object.with_field("status", "\"deleted\""),
            r#"{"amount":12.345,"updatedAt":"old","status":"deleted"}"#
        );
    }

    #[test]
    fn refuses_duplicates_and_non_objects() {
        assert_eq!(parse_object(r#"{"a": 1, "a": 2}"#).unwrap_err(), "field \"a\" appears twice");
        assert_eq!(parse_object("[1]").unwrap_err(), "expected an object, found an array");
        assert_eq!(parse_array("{}").unwrap_err(), "expected an array, found an object");
    }

    #[test]
    fn reads_strings() {
        let object = parse_object(r#"{"a": "x\"y", "b": 3}"#).expect("valid object");
        assert_eq!(as_str(object.get("a").expect("a")).as_deref(), Some("x\"y"));
        assert_eq!(as_str(object.get("b").expect("b")), None);
    }
}
