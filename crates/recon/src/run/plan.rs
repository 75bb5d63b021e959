//! `plan`: the entries that would be posted now, and the exceptions, from the state file and the
//! mapping files. Reads only; posts nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::domain::{
    ArCode, ArCodeDef, Charge, Deposit, Exception, ExceptionKind, ItemKind, Lease, Payment, PostMonth,
    Property, PropertyId,
};
use crate::journal::{BalancedEntry, PlanError, PropertyLedger, default_doc_property, plan_property};
use crate::mapping::{MappingSet, unknown_property_files};
use crate::source::convert::{Item, NOT_A_LEDGER_ITEM, reconvert};
use crate::state::form::Form;
use crate::state::{CurrentForms, CurrentItem, ItemRef, StateError, StateFile};

#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Only these properties (all when empty).
    pub properties: Vec<PropertyId>,
    /// Only entries of this post month, and exceptions about items of it.
    pub period: Option<PostMonth>,
    /// Only the properties the mapping files route to these books (all when empty).
    pub books: Vec<crate::domain::BookName>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub entries: Vec<BalancedEntry>,
    pub exceptions: Vec<Exception>,
    /// Ledger items read from the state file.
    pub items_read: u64,
    pub properties: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanRunError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("unknown property {id}: the state file knows {known}")]
    UnknownProperty { id: String, known: String },
    #[error(
        "properties {first} and {second} would share document numbers `{head}…`; set a distinct `[journal] doc_property` (or `doc_prefix`) in mappings/properties/{second}.toml"
    )]
    DocPropertyClash { first: String, second: String, head: String },
    #[error("planning task failed: {0}")]
    Task(String),
    #[error("cannot write the plan: {0}")]
    Output(String),
}

/// Properties planned at once: reading the state file overlaps with converting and planning.
const PROPERTIES_IN_FLIGHT: usize = 3;

/// One property's part of a plan (or, first, the exceptions about AR codes and properties).
#[derive(Debug, Clone, Default)]
pub struct PropertyPlan {
    pub entries: Vec<BalancedEntry>,
    pub exceptions: Vec<Exception>,
    /// Ledger items read from the state file.
    pub items_read: u64,
}

/// The whole plan at once. See [`plan_each`].
pub async fn plan(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &PlanRequest,
) -> Result<Plan, PlanRunError> {
    let mut plan = Plan::default();
    plan.properties = plan_each(state, mappings, request, |part| {
        plan.entries.extend(part.entries);
        plan.exceptions.extend(part.exceptions);
        plan.items_read += part.items_read;
        Ok(())
    })
    .await?;
    Ok(plan)
}

/// Plans property by property and hands each part to `each`, in property order, as soon as it
/// is done, while the next properties are planned: a caller can write the plan out as it is
/// made. The first part holds only the exceptions about AR codes and properties. Returns how
/// many properties were planned; stops at the first error of `each`.
pub async fn plan_each(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &PlanRequest,
    mut each: impl FnMut(PropertyPlan) -> Result<(), PlanRunError>,
) -> Result<u64, PlanRunError> {
    let Prepared { exceptions, ar_codes, chosen, use_forms } = prepare(state, mappings, request).await?;
    let n_properties = chosen.len() as u64;
    each(PropertyPlan { exceptions, ..PropertyPlan::default() })?;
    let mut planned = stream::iter(chosen.into_iter().map(|(property, doc)| {
        let state = state.clone();
        let mappings = Arc::clone(mappings);
        let ar_codes = Arc::clone(&ar_codes);
        let period = request.period;
        async move {
            tokio::spawn(plan_one(state, mappings, ar_codes, property, doc, period, use_forms))
                .await
                .map_err(|e| PlanRunError::Task(e.to_string()))?
        }
    }))
    .buffered(PROPERTIES_IN_FLIGHT);
    while let Some((entries, exceptions, items_read)) = planned.try_next().await? {
        each(PropertyPlan { entries, exceptions, items_read })?;
    }
    Ok(n_properties)
}

/// What every property's planning shares: the AR codes, the properties chosen with their part
/// of document numbers, whether planning forms can be read, and the exceptions about AR codes and
/// properties themselves.
pub(crate) struct Prepared {
    pub exceptions: Vec<Exception>,
    pub ar_codes: Arc<BTreeMap<ArCode, ArCodeDef>>,
    pub chosen: Vec<(Property, String)>,
    pub use_forms: bool,
}

pub(crate) async fn prepare(
    state: &StateFile,
    mappings: &MappingSet,
    request: &PlanRequest,
) -> Result<Prepared, PlanRunError> {
    let mut exceptions = Vec::new();
    let mut ar_codes: BTreeMap<ArCode, ArCodeDef> = BTreeMap::new();
    // The pull's verdict on a quarantined version stands here too (`reconvert`).
    for stored in state.current_items(ItemKind::ArCode, None).await? {
        match reconvert(ItemKind::ArCode, &stored.raw, stored.invalid_reason.as_deref(), None) {
            Ok(Item::ArCode(code)) => {
                ar_codes.insert(code.code.clone(), code);
            }
            _ => exceptions.push(invalid_item(&stored, None)),
        }
    }

    let mut properties: Vec<Property> = Vec::new();
    let mut known: Vec<PropertyId> = Vec::new();
    for stored in state.current_items(ItemKind::Property, None).await? {
        known.push(PropertyId::new(&stored.item_id));
        match reconvert(ItemKind::Property, &stored.raw, stored.invalid_reason.as_deref(), None) {
            Ok(Item::Property(p)) => properties.push(p),
            _ => exceptions.push(invalid_item(&stored, Some(stored.item_id.clone()))),
        }
    }
    let doc_properties = doc_properties(&properties, mappings)?;
    // A misnamed property file silently drops that property's settings: say so on every plan.
    for file in unknown_property_files(mappings, &known) {
        tracing::warn!("{file}");
    }

    let chosen: Vec<(Property, String)> = if request.properties.is_empty() {
        properties.into_iter().zip(doc_properties).collect()
    } else {
        for id in &request.properties {
            if !properties.iter().any(|p| &p.id == id) {
                let known: Vec<&str> = properties.iter().map(|p| p.id.as_str()).collect();
                return Err(PlanRunError::UnknownProperty {
                    id: id.to_string(),
                    known: if known.is_empty() { "no properties".into() } else { known.join(", ") },
                });
            }
        }
        properties
            .into_iter()
            .zip(doc_properties)
            .filter(|(p, _)| request.properties.contains(&p.id))
            .collect()
    };
    let in_books =
        |p: &Property| request.books.is_empty() || request.books.contains(&mappings.for_property(&p.id).book);
    let chosen: Vec<(Property, String)> = chosen.into_iter().filter(|(p, _)| in_books(p)).collect();

    let use_forms = state.forms_current().await?;
    if !use_forms {
        tracing::warn!(
            "the state file's planning forms are missing or from another version: planning reads \
             the items' JSON instead (slower); the next `pull` rebuilds them"
        );
    }
    Ok(Prepared { exceptions, ar_codes: Arc::new(ar_codes), chosen, use_forms })
}

/// One property's ledger items, read from the state file and decoded (on the blocking pool).
pub(crate) async fn load_items(
    state: &StateFile,
    property: &str,
    use_forms: bool,
) -> Result<Items, PlanRunError> {
    let lists = read_lists(state, property, use_forms).await?;
    let property = property.to_owned();
    crate::blocking::run(move || {
        let mut items = Items::default();
        for list in lists {
            match list {
                Read::Forms(forms) => {
                    forms.decode(|form| items.push_form(form, &property))?;
                }
                Read::Converted(converted) => items.append(converted),
            }
        }
        Ok::<Items, PlanRunError>(items)
    })
    .await
    .map_err(|e| PlanRunError::Task(e.to_string()))?
}

/// Each property's part of document numbers, refusing two properties whose numbers could be
/// the same. A document number is `{doc_prefix}-{doc_property}-` then a part without dashes
/// before and after its last `-` (see `journal::identity`), so two properties share numbers
/// exactly when those heads are equal: `EN-A` with `B` and `EN` with `A-B` both give `EN-A-B-`.
/// Compared without case, as QuickBooks compares `DocNumber`s.
fn doc_properties(properties: &[Property], mappings: &MappingSet) -> Result<Vec<String>, PlanRunError> {
    let mut seen: HashMap<String, &PropertyId> = HashMap::new();
    let mut out = Vec::with_capacity(properties.len());
    for property in properties {
        let mapping = mappings.for_property(&property.id);
        let doc =
            mapping.journal.doc_property.clone().unwrap_or_else(|| default_doc_property(&property.code));
        let head = format!("{}-{doc}-", mapping.journal.doc_prefix).to_ascii_uppercase();
        if let Some(first) = seen.insert(head.clone(), &property.id) {
            return Err(PlanRunError::DocPropertyClash {
                first: first.to_string(),
                second: property.id.to_string(),
                head,
            });
        }
        out.push(doc);
    }
    Ok(out)
}

/// One property's ledger items as read from the state file.
#[derive(Default)]
pub(crate) struct Items {
    pub leases: Vec<Lease>,
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
    pub deposits: Vec<Deposit>,
    /// Quarantined items.
    pub invalid: Vec<Exception>,
}

impl Items {
    fn len(&self) -> u64 {
        (self.leases.len()
            + self.charges.len()
            + self.payments.len()
            + self.deposits.len()
            + self.invalid.len()) as u64
    }

    fn append(&mut self, mut other: Items) {
        self.leases.append(&mut other.leases);
        self.charges.append(&mut other.charges);
        self.payments.append(&mut other.payments);
        self.deposits.append(&mut other.deposits);
        self.invalid.append(&mut other.invalid);
    }

    fn push_form(&mut self, form: Form, property: &str) {
        match form {
            Form::Lease(l) => self.leases.push(l),
            Form::Charge(c) => self.charges.push(c),
            Form::Payment(p) => self.payments.push(p),
            Form::Deposit(d) => self.deposits.push(d),
            Form::Invalid { item_id, reason } => {
                self.invalid.push(invalid_exception(&item_id, Some(property.to_owned()), Some(&reason)))
            }
        }
    }

    /// A stored item converted again from its JSON ([`reconvert`]: the pull's verdict stands).
    fn push_raw(&mut self, kind: ItemKind, item: ItemRef<'_>, property: &str) {
        match reconvert(kind, item.raw, item.invalid_reason, Some(property)) {
            Ok(Item::Lease(l)) => self.leases.push(l),
            Ok(Item::Charge(c)) => self.charges.push(c),
            Ok(Item::Payment(p)) => self.payments.push(p),
            Ok(Item::Deposit(d)) => self.deposits.push(d),
            Ok(Item::Property(_) | Item::ArCode(_)) => self.invalid.push(invalid_exception(
                item.item_id,
                Some(property.to_owned()),
                Some(NOT_A_LEDGER_ITEM),
            )),
            Err(reason) => {
                self.invalid.push(invalid_exception(item.item_id, Some(property.to_owned()), Some(&reason)))
            }
        }
    }
}

/// One list's items as read: planning forms still to decode, or items already converted.
enum Read {
    Forms(CurrentForms),
    Converted(Items),
}

/// Reads one property's lists: their planning forms when they are current and complete (exactly
/// one per current item version), else the items' JSON, converted. Decoding is left to the caller.
async fn read_lists(state: &StateFile, property: &str, use_forms: bool) -> Result<Vec<Read>, StateError> {
    let mut lists = Vec::with_capacity(4);
    for kind in [ItemKind::Lease, ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit] {
        if use_forms {
            let forms = state.current_forms(kind, property).await?;
            if forms.is_complete() {
                lists.push(Read::Forms(forms));
                continue;
            }
            tracing::warn!(
                property,
                %kind,
                with_form = forms.with_form(),
                items = forms.current(),
                "planning forms do not match the stored items; reading the items' JSON instead"
            );
        }
        let mut items = Items::default();
        state.for_each_current_item(kind, property, |item| items.push_raw(kind, item, property)).await?;
        lists.push(Read::Converted(items));
    }
    Ok(lists)
}

/// Plans one property: reads its lists, then decodes and plans them on the blocking pool, so
/// that the items are built and dropped on one thread (allocator-friendly) and the runtime's
/// workers stay free for the reads of the next properties.
async fn plan_one(
    state: StateFile,
    mappings: Arc<MappingSet>,
    ar_codes: Arc<BTreeMap<ArCode, ArCodeDef>>,
    property: Property,
    doc_property: String,
    period: Option<PostMonth>,
    use_forms: bool,
) -> Result<(Vec<BalancedEntry>, Vec<Exception>, u64), PlanRunError> {
    let lists = read_lists(&state, property.id.as_str(), use_forms).await?;
    crate::blocking::run(move || {
        let id = property.id.as_str();
        let mut items = Items::default();
        let mut items_read = 0;
        for list in lists {
            match list {
                Read::Forms(forms) => items_read += forms.decode(|form| items.push_form(form, id))?,
                Read::Converted(converted) => {
                    items_read += converted.len();
                    items.append(converted);
                }
            }
        }
        plan_items(items, &property, &mappings, &ar_codes, &doc_property, period)
            .map(|(entries, exceptions)| (entries, exceptions, items_read))
    })
    .await
    .map_err(|e| PlanRunError::Task(e.to_string()))?
}

fn plan_items(
    items: Items,
    property: &Property,
    mappings: &MappingSet,
    ar_codes: &BTreeMap<ArCode, ArCodeDef>,
    doc_property: &str,
    period: Option<PostMonth>,
) -> Result<(Vec<BalancedEntry>, Vec<Exception>), PlanRunError> {
    let Items { leases, charges, payments, deposits, invalid: mut exceptions } = items;
    let ledger = PropertyLedger {
        property,
        ar_codes,
        leases: &leases,
        charges: &charges,
        payments: &payments,
        deposits: &deposits,
    };
    let plan = plan_property(&ledger, mappings.for_property(&property.id), doc_property)?;
    let mut entries = plan.entries;
    exceptions.extend(plan.exceptions);
    if let Some(month) = period {
        entries.retain(|e| e.post_month() == month);
        let months = item_months(&charges, &payments, &deposits);
        // Exceptions about items of other months go; those we cannot date (invalid items) stay.
        exceptions.retain(|x| months.get(x.source_id.as_str()).is_none_or(|ms| ms.contains(&month)));
    }
    Ok((entries, exceptions))
}

/// The post months each item touches (a returned payment touches two).
fn item_months<'a>(
    charges: &'a [Charge],
    payments: &'a [Payment],
    deposits: &'a [Deposit],
) -> HashMap<&'a str, Vec<PostMonth>> {
    let mut months: HashMap<&str, Vec<PostMonth>> = HashMap::new();
    for c in charges {
        months.entry(c.id.as_str()).or_default().push(c.post_month);
    }
    for p in payments {
        let entry = months.entry(p.id.as_str()).or_default();
        entry.push(p.post_month);
        if let Some(r) = &p.returned {
            entry.push(r.post_month);
        }
    }
    for d in deposits {
        months.entry(d.id.as_str()).or_default().push(d.post_month);
    }
    months
}

fn invalid_item(stored: &CurrentItem, property: Option<String>) -> Exception {
    let property = property.or_else(|| stored.property_id.clone());
    invalid_exception(&stored.item_id, property, stored.invalid_reason.as_deref())
}

fn invalid_exception(item_id: &str, property: Option<String>, invalid_reason: Option<&str>) -> Exception {
    Exception {
        kind: ExceptionKind::InvalidItem,
        property_id: property.map(PropertyId::new),
        source_id: item_id.to_owned(),
        amount: None,
        message: format!(
            "quarantined by the pull: {}; fix the item in Entrata and pull again",
            invalid_reason.unwrap_or("it no longer converts")
        ),
    }
}
