//! A stored dataset item read field by field, each value still its raw JSON text, and the AR code
//! table every rendering needs (charges name their code by `code`; Entrata names it by id).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::json::Node;
use crate::dataset::item::Item;
use crate::dataset::raw::{JsonKind, RawObject, as_str, parse_array, parse_object};
use crate::dataset::schema::EntrataKind;
use crate::store::Store;

/// One item's fields. Items are checked objects, so parsing cannot fail; an item that somehow
/// does not parse reads as having no fields.
pub struct Fields<'a>(RawObject<'a>);

impl<'a> Fields<'a> {
    pub fn of(item: &'a Item) -> Fields<'a> {
        Fields::of_text(&item.raw)
    }

    pub fn of_text(text: &'a str) -> Fields<'a> {
        Fields(parse_object(text).unwrap_or(RawObject { fields: Vec::new() }))
    }

    /// The value as written; `None` when absent or null.
    pub fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.0.get(name).filter(|v| JsonKind::of(v.get()) != JsonKind::Null)
    }

    /// The value as written, for the answer.
    pub fn node(&self, name: &str) -> Option<Node> {
        self.raw(name).map(Node::raw)
    }

    /// The value when it is a string.
    pub fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        self.raw(name).and_then(as_str)
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.text(name).as_deref() == Some(value)
    }

    /// A boolean as Entrata writes flags: `1` for `true`, `0` for `false`, else as written.
    pub fn flag(&self, name: &str) -> Option<Node> {
        self.raw(name).map(|v| match v.get().trim() {
            "true" => Node::Int(1),
            "false" => Node::Int(0),
            _ => Node::raw(v),
        })
    }

    /// The elements of an array field; none when absent or not an array.
    pub fn list(&self, name: &str) -> Vec<&'a RawValue> {
        self.raw(name).and_then(|v| parse_array(v.get()).ok()).unwrap_or_default()
    }

    /// Elements of an array field read as objects.
    pub fn objects(&self, name: &str) -> Vec<Fields<'a>> {
        self.list(name).into_iter().map(|v| Fields::of_text(v.get())).collect()
    }

    /// Whether the item is deleted (`"status": "deleted"`): the API lists no such thing.
    pub fn deleted(&self) -> bool {
        self.is("status", "deleted")
    }
}

/// The items of a kind listed under `property` (empty for company-wide kinds), ordered by id.
pub fn by_id<'s>(store: &'s Store, kind: EntrataKind, property: &str) -> Vec<&'s Arc<Item>> {
    let mut items: Vec<&Arc<Item>> = store.all(kind, property).iter().collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items
}

/// The AR code a charge, fee or allocation names by its `code`.
pub struct ArCode {
    pub id: Node,
    pub name: Option<Node>,
}

/// The AR codes by `code` (the first listed wins a duplicate), and the first of each `type`.
pub struct ArCodes {
    by_code: HashMap<String, ArCode>,
    by_type: HashMap<String, Node>,
}

impl ArCodes {
    pub fn of(store: &Store) -> ArCodes {
        let mut codes = ArCodes { by_code: HashMap::new(), by_type: HashMap::new() };
        for item in by_id(store, EntrataKind::ArCodes, "") {
            let fields = Fields::of(item);
            let Some(id) = fields.node("arCodeId") else { continue };
            if let Some(code) = fields.text("code") {
                let entry = ArCode { id: id.clone(), name: fields.node("name") };
                codes.by_code.entry(code.into_owned()).or_insert(entry);
            }
            if let Some(kind) = fields.text("type") {
                codes.by_type.entry(kind.into_owned()).or_insert(id);
            }
        }
        codes
    }

    pub fn get(&self, code: &str) -> Option<&ArCode> {
        self.by_code.get(code)
    }

    /// The AR code id for the `code` an item names, or the code as written when no AR code has it.
    pub fn id_for(&self, fields: &Fields<'_>, field: &str) -> Option<Node> {
        let code = fields.text(field)?;
        Some(
            self.get(&code)
                .map_or_else(|| fields.node(field).unwrap_or(Node::text(code.as_ref())), |c| c.id.clone()),
        )
    }

    /// The name of the AR code an item names, when an AR code has it.
    pub fn name_for(&self, fields: &Fields<'_>, field: &str) -> Option<Node> {
        self.get(&fields.text(field)?)?.name.clone()
    }

    /// The id of the first AR code of a `type` (`rent`, `deposit`).
    pub fn of_type(&self, kind: &str) -> Option<Node> {
        self.by_type.get(kind).cloned()
    }
}
