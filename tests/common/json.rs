//! Reading and editing items' JSON text without ever turning a number into `f64`: fields are
//! handled as raw JSON, so `1295.00` stays `1295.00`.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// An item's top-level fields as raw JSON text.
pub fn fields(raw: &str) -> BTreeMap<String, Box<RawValue>> {
    serde_json::from_str(raw).unwrap_or_else(|e| panic!("not a JSON object ({e}): {raw}"))
}

/// A string field, when present and a string.
pub fn text(raw: &str, field: &str) -> Option<String> {
    fields(raw).get(field).and_then(|v| serde_json::from_str::<String>(v.get()).ok())
}

/// `raw` with each `(field, JSON text)` set; other fields keep their exact text.
pub fn with_fields(raw: &str, changes: &[(&str, &str)]) -> String {
    let mut object = fields(raw);
    for (name, value) in changes {
        let value = RawValue::from_string((*value).to_owned()).expect("a change is valid JSON");
        object.insert((*name).to_owned(), value);
    }
    serde_json::to_string(&object).expect("an object of raw values serializes")
}

/// A money field's text as written: a number literal as is, a string without its quotes.
pub fn money_text(value: &RawValue) -> String {
    let text = value.get().trim();
    serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_owned())
}
