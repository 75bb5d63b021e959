//! The Entrata items the sandbox holds, indexed for paging.
//!
//! Each (kind, property) list is a `Vec` kept sorted by (`updatedAt` instant, id), with an id index
//! for upserts. A page is two binary searches (for `updatedFrom`/`updatedTo`) and a slice, so the
//! offset costs nothing: a `BTreeMap` would have to walk every skipped item, and the benchmark
//! pages through a million. An upsert moves one pointer in its list (a `memmove`), which is cheap
//! next to the request that carries it.

use std::collections::HashMap;
use std::sync::Arc;

use super::dataset::item::Item;
use super::dataset::schema::EntrataKind;

#[derive(Debug, Default)]
pub struct Store {
    /// Per kind: property id (empty for company-wide kinds) -> items in list order.
    lists: Vec<HashMap<Box<str>, Vec<Arc<Item>>>>,
    /// Per kind: id -> item.
    index: Vec<HashMap<Box<str>, Arc<Item>>>,
}

/// A list request, already validated.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Inclusive, nanoseconds since the epoch.
    pub updated_from: Option<i64>,
    /// Exclusive.
    pub updated_to: Option<i64>,
    pub status: Option<String>,
    pub post_month: Option<String>,
    pub offset: u64,
    pub limit: usize,
}

#[derive(Debug)]
pub struct Page {
    pub items: Vec<Arc<Item>>,
    pub total: usize,
}

impl Store {
    pub fn new(items: Vec<Vec<Item>>) -> Store {
        let mut store = Store {
            lists: (0..EntrataKind::COUNT).map(|_| HashMap::new()).collect(),
            index: (0..EntrataKind::COUNT).map(|_| HashMap::new()).collect(),
        };
        for item in items.into_iter().flatten() {
            let item = Arc::new(item);
            let kind = item.kind.index();
            store.index[kind].insert(item.id.clone(), Arc::clone(&item));
            store.lists[kind].entry(list_key(&item)).or_default().push(item);
        }
        for lists in &mut store.lists {
            for list in lists.values_mut() {
                list.sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
        }
        store
    }

    pub fn get(&self, kind: EntrataKind, id: &str) -> Option<&Arc<Item>> {
        self.index[kind.index()].get(id)
    }

    pub fn has_property(&self, id: &str) -> bool {
        self.get(EntrataKind::Properties, id).is_some()
    }

    /// The property an existing item is listed under, for reference checks.
    pub fn property_of(&self, kind: EntrataKind, id: &str) -> Option<String> {
        self.get(kind, id).map(|item| item.property_id.to_string())
    }

    pub fn count(&self, kind: EntrataKind) -> usize {
        self.index[kind.index()].len()
    }

    /// Every list of a kind, by property (empty key for company-wide kinds).
    pub fn lists(&self, kind: EntrataKind) -> impl Iterator<Item = (&str, &[Arc<Item>])> {
        self.lists[kind.index()].iter().map(|(property, items)| (property.as_ref(), items.as_slice()))
    }

    /// Every item of one list, in list order (`updatedAt`, then id). `property` is empty for
    /// company-wide kinds; an unknown one is empty.
    pub fn all(&self, kind: EntrataKind, property: &str) -> &[Arc<Item>] {
        self.lists[kind.index()].get(property).map_or(&[], Vec::as_slice)
    }

    /// One page of a list. `property` is empty for company-wide kinds; an unknown one is empty.
    pub fn list(&self, kind: EntrataKind, property: &str, query: &ListQuery) -> Page {
        let Some(list) = self.lists[kind.index()].get(property) else {
            return Page { items: Vec::new(), total: 0 };
        };
        let start = query.updated_from.map_or(0, |from| list.partition_point(|i| i.updated_ns < from));
        let end = query.updated_to.map_or(list.len(), |to| list.partition_point(|i| i.updated_ns < to));
        let range = list.get(start..end.max(start)).unwrap_or_default();
        let offset = usize::try_from(query.offset).unwrap_or(usize::MAX);
        if query.status.is_none() && query.post_month.is_none() {
            let items = range.iter().skip(offset).take(query.limit).cloned().collect();
            return Page { items, total: range.len() };
        }
        // Field filters are not indexed: one pass counts the matches and keeps the page's.
        let mut items = Vec::new();
        let mut total = 0usize;
        for item in range.iter().filter(|item| matches(item, query)) {
            if total >= offset && items.len() < query.limit {
                items.push(Arc::clone(item));
            }
            total += 1;
        }
        Page { items, total }
    }

    /// Inserts or replaces an item (moving it between properties if its property changed).
    pub fn upsert(&mut self, item: Item) -> Arc<Item> {
        let item = Arc::new(item);
        let kind = item.kind.index();
        if let Some(old) = self.index[kind].insert(item.id.clone(), Arc::clone(&item))
            && let Some(list) = self.lists[kind].get_mut(&list_key(&old))
            && let Ok(at) = list.binary_search_by(|i| i.sort_key().cmp(&old.sort_key()))
        {
            list.remove(at);
        }
        let list = self.lists[kind].entry(list_key(&item)).or_default();
        let at = list.partition_point(|i| i.sort_key() < item.sort_key());
        list.insert(at, Arc::clone(&item));
        item
    }
}

/// The list an item belongs to: its property's, or the one company-wide list (empty key).
fn list_key(item: &Item) -> Box<str> {
    if item.kind.is_per_property() { item.property_id.clone() } else { Box::from("") }
}

fn matches(item: &Item, query: &ListQuery) -> bool {
    let field_matches = |wanted: &Option<String>, value: &Option<Box<str>>| match wanted {
        None => true,
        Some(wanted) => value.as_deref() == Some(wanted.as_str()),
    };
    field_matches(&query.status, &item.status) && field_matches(&query.post_month, &item.post_month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(id: &str, updated_ns: i64, status: &str) -> Item {
        Item {
            kind: EntrataKind::Charges,
            id: id.into(),
            property_id: "p1".into(),
            updated_ns,
            raw: format!("{{\"chargeId\":\"{id}\"}}").into(),
            status: Some(status.into()),
            post_month: None,
        }
    }

    fn ids(page: &Page) -> Vec<&str> {
        page.items.iter().map(|i| i.id.as_ref()).collect()
    }

    fn store() -> Store {
        Store::new(vec![vec![
            charge("c3", 20, "posted"),
            charge("c1", 10, "posted"),
            charge("c2", 10, "deleted"),
            charge("c4", 30, "posted"),
        ]])
    }

    /// Lists charges of p1 with `query` and checks the page's ids and the total.
    fn check(query: ListQuery, expected: &[&str], total: usize) {
        let page = store().list(EntrataKind::Charges, "p1", &query);
        assert_eq!((ids(&page), page.total), (expected.to_vec(), total), "{query:?}");
    }

    #[test]
    fn pages_and_filters() {
        let q = |limit, offset| ListQuery { limit, offset, ..Default::default() };
        check(q(10, 0), &["c1", "c2", "c3", "c4"], 4);
        check(q(2, 0), &["c1", "c2"], 4);
        check(q(2, 2), &["c3", "c4"], 4);
        check(q(2, 4), &[], 4);
        check(q(2, u64::MAX), &[], 4);
        check(ListQuery { updated_from: Some(10), updated_to: Some(30), ..q(10, 0) }, &["c1", "c2", "c3"], 3);
        check(ListQuery { updated_from: Some(11), ..q(10, 0) }, &["c3", "c4"], 2);
        check(ListQuery { updated_from: Some(30), updated_to: Some(10), ..q(10, 0) }, &[], 0);
        check(ListQuery { status: Some("posted".into()), ..q(1, 1) }, &["c3"], 3);
        check(ListQuery { status: Some("deleted".into()), ..q(5, 0) }, &["c2"], 1);
        assert_eq!(store().list(EntrataKind::Charges, "p2", &q(10, 0)).total, 0);
    }

    #[test]
    fn company_wide_kinds_have_one_list() {
        let property = |id: &str, updated_ns| Item {
            kind: EntrataKind::Properties,
            id: id.into(),
            property_id: id.into(),
            updated_ns,
            raw: "{}".into(),
            status: None,
            post_month: None,
        };
        let mut store = Store::new(vec![vec![property("p2", 2), property("p1", 1)]]);
        store.upsert(property("p1", 3));
        let page = store.list(EntrataKind::Properties, "", &ListQuery { limit: 10, ..Default::default() });
        assert_eq!(ids(&page), ["p2", "p1"]);
    }

    #[test]
    fn upsert_moves_item_to_its_new_place() {
        let mut store = store();
        store.upsert(charge("c1", 40, "deleted"));
        store.upsert(charge("c5", 5, "posted"));
        let page = store.list(EntrataKind::Charges, "p1", &ListQuery { limit: 10, ..Default::default() });
        assert_eq!(ids(&page), ["c5", "c2", "c3", "c4", "c1"]);
        assert_eq!(store.count(EntrataKind::Charges), 5);
        assert_eq!(store.get(EntrataKind::Charges, "c1").map(|i| i.updated_ns), Some(40));
    }
}
