//! `properties`/`getProperties` and `arcodes`/`getArCodes` (docs/sources.md sections 2.9.1, 2.9.2
//! and 7.2): PascalCase properties and camelCase AR codes, made from the dataset's.

use super::answer::Answer;
use super::dates::{MonthForm, month};
use super::envelope::{Params, Refusal};
use super::fields::{Fields, by_id};
use super::json::{Node, Obj, one_or_many};
use crate::dataset::schema::EntrataKind;
use crate::store::Store;

/// `getProperties` r1: `PhysicalProperty.Property[]`; a property that is not `active` is disabled
/// and listed only with `showAllStatus=1`.
pub fn get_properties(store: &Store, params: &Params<'_>) -> Result<Answer, Refusal> {
    let wanted = params.list("propertyIds")?;
    let show_all = params.flag("showAllStatus")?;
    let mut properties = Vec::new();
    for item in by_id(store, EntrataKind::Properties, "") {
        if wanted.as_ref().is_some_and(|ids| !ids.iter().any(|id| **id == *item.id)) {
            continue;
        }
        let fields = Fields::of(item);
        let disabled = !fields.is("status", "active");
        if fields.deleted() || (disabled && !show_all) {
            continue;
        }
        let post_month = || fields.raw("openPostMonth").map(|m| month(m, MonthForm::MonthYear));
        let post_months = Obj::new()
            .maybe("ArPostMonth", post_month())
            .maybe("ApPostMonth", post_month())
            .maybe("GlPostMonth", post_month())
            .build();
        properties.push(
            Obj::new()
                .maybe("PropertyID", fields.node("propertyId"))
                .maybe("MarketingName", fields.node("name"))
                .maybe("LookupCode", fields.node("code"))
                .maybe("Address", address(&fields))
                .with("PostMonths", post_months)
                .with("IsDisabled", Node::Int(i64::from(disabled)))
                // Fields Entrata's public material has none of (section 7.3).
                .maybe("Timezone", fields.node("timezone"))
                .maybe("CurrencyCode", fields.node("currency"))
                .build(),
        );
    }
    let result = Obj::new().with("PhysicalProperty", one_or_many("Property", properties)).build();
    Ok(Answer::text_code(result))
}

/// The property's address as a real getProperties answer carries it.
fn address(fields: &Fields<'_>) -> Option<Node> {
    let address = Fields::of_text(fields.raw("address")?.get());
    let attributes = Obj::new().with("AddressType", Node::text("property")).build();
    Some(
        Obj::new()
            .with("@attributes", attributes)
            .maybe("Address", address.node("line1"))
            .maybe("City", address.node("city"))
            .maybe("State", address.node("region"))
            .maybe("PostalCode", address.node("postalCode"))
            .maybe("Country", address.node("country"))
            .build(),
    )
}

/// `getArCodes` r1: `arcodes.arcode[]`, the dataset's codes by id, then Entrata's payment code
/// (payments are on it; the dataset has none).
pub fn get_ar_codes(store: &Store, _params: &Params<'_>) -> Result<Answer, Refusal> {
    let mut codes = Vec::new();
    for item in by_id(store, EntrataKind::ArCodes, "") {
        let fields = Fields::of(item);
        let kind = fields.text("type");
        let (type_id, type_name) = code_type(kind.as_deref());
        let (usage, timing) = usage_and_timing(kind.as_deref());
        codes.push(
            Obj::new()
                .maybe("id", fields.node("arCodeId"))
                .with("code", Node::Int(type_id))
                .with("codeType", Node::text(type_name))
                .maybe("chargeUsage", usage.map(Node::text))
                .maybe("chargeTiming", timing.map(Node::text))
                .maybe("name", fields.node("name"))
                .maybe("isTaxable", fields.flag("isTaxable"))
                .maybe("isDisabled", fields.flag("isDisabled"))
                .maybe("debitGlAccountId", fields.node("glDebitAccount"))
                .maybe("creditGlAccountId", fields.node("glCreditAccount"))
                // Section 7.3: the dataset's code, which Entrata has no field for.
                .maybe("lookupCode", fields.node("code"))
                .build(),
        );
    }
    codes.push(payment_code());
    let result = Obj::new().with("arcodes", one_or_many("arcode", codes)).build();
    Ok(Answer::int_code(result))
}

/// The AR code every payment transaction names (`arCodeId: "payment"`).
pub const PAYMENT_CODE_ID: &str = "payment";

fn payment_code() -> Node {
    Obj::new()
        .with("id", Node::text(PAYMENT_CODE_ID))
        .with("code", Node::Int(1))
        .with("codeType", Node::text("Payment"))
        .with("name", Node::text("Payment"))
        .build()
}

/// Entrata's code type (its `code`, 1 to 9) and name for a dataset `type`.
fn code_type(kind: Option<&str>) -> (i64, &'static str) {
    match kind {
        Some("rent") => (2, "Rent"),
        Some("deposit") => (7, "Deposit"),
        Some("refund") => (8, "Refund"),
        Some("tax" | "other_liability") => (9, "Other Liability"),
        _ => (3, "Other Income"),
    }
}

/// `chargeUsage` and `chargeTiming`, which tell the dataset types an Entrata type lumps together.
fn usage_and_timing(kind: Option<&str>) -> (Option<&'static str>, Option<&'static str>) {
    match kind {
        Some("concession") => (Some("Special"), None),
        Some("write_off") => (None, Some("Bad Debt Write Off")),
        Some("tax") => (None, Some("Tax")),
        Some("fee") => (None, Some("Late Fee")),
        Some("utility") => (Some("Utility"), None),
        _ => (None, None),
    }
}
