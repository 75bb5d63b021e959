//! The field lists of every item the Entrata sandbox serves, exactly as spec/source-api.md §3-4 and
//! the seed print them, and of the dataset's other sections. A field not listed here is refused.
//!
//! Only types, ids and references are enforced: values that break the API contract (a money
//! amount with 3 decimals, `"2026-02-30"`, an unknown currency) are served as written so that the
//! connector's quarantine can be tested. Every non-id field may be missing or null.

/// The kinds of item the Entrata sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntrataKind {
    Properties,
    Units,
    Leases,
    ArCodes,
    Charges,
    Payments,
    Deposits,
    WorkOrders,
}

impl EntrataKind {
    pub const ALL: [EntrataKind; 8] = [
        EntrataKind::Properties,
        EntrataKind::Units,
        EntrataKind::Leases,
        EntrataKind::ArCodes,
        EntrataKind::Charges,
        EntrataKind::Payments,
        EntrataKind::Deposits,
        EntrataKind::WorkOrders,
    ];
    pub const COUNT: usize = 8;

    /// Position in `ALL`, for per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The dataset's (and `/_sandbox/entrata/...`'s) name for the collection.
    pub fn dataset_key(self) -> &'static str {
        match self {
            EntrataKind::Properties => "properties",
            EntrataKind::Units => "units",
            EntrataKind::Leases => "leases",
            EntrataKind::ArCodes => "arCodes",
            EntrataKind::Charges => "charges",
            EntrataKind::Payments => "payments",
            EntrataKind::Deposits => "deposits",
            EntrataKind::WorkOrders => "workOrders",
        }
    }

    pub fn from_dataset_key(key: &str) -> Option<EntrataKind> {
        EntrataKind::ALL.into_iter().find(|k| k.dataset_key() == key)
    }

    pub fn id_field(self) -> &'static str {
        match self {
            EntrataKind::Properties => "propertyId",
            EntrataKind::Units => "unitId",
            EntrataKind::Leases => "leaseId",
            EntrataKind::ArCodes => "arCodeId",
            EntrataKind::Charges => "chargeId",
            EntrataKind::Payments => "paymentId",
            EntrataKind::Deposits => "depositId",
            EntrataKind::WorkOrders => "workOrderId",
        }
    }

    /// Listed per property (`/properties/{id}/...`) rather than company-wide.
    pub fn is_per_property(self) -> bool {
        !matches!(self, EntrataKind::Properties | EntrataKind::ArCodes)
    }

    /// One item, for messages ("lease", "payment").
    pub fn singular(self) -> &'static str {
        match self {
            EntrataKind::Properties => "property",
            EntrataKind::Units => "unit",
            EntrataKind::Leases => "lease",
            EntrataKind::ArCodes => "AR code",
            EntrataKind::Charges => "charge",
            EntrataKind::Payments => "payment",
            EntrataKind::Deposits => "deposit",
            EntrataKind::WorkOrders => "work order",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            EntrataKind::Properties => PROPERTY,
            EntrataKind::Units => UNIT,
            EntrataKind::Leases => LEASE,
            EntrataKind::ArCodes => AR_CODE,
            EntrataKind::Charges => CHARGE,
            EntrataKind::Payments => PAYMENT,
            EntrataKind::Deposits => DEPOSIT,
            EntrataKind::WorkOrders => WORK_ORDER,
        }
    }
}

impl std::fmt::Display for EntrataKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dataset_key())
    }
}

/// What a field's value must be.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// The item's own id: a non-empty string, unique within its kind.
    Id,
    /// A string (dates, timestamps, codes and enums are strings; their values are not checked).
    Text,
    /// A JSON number or a string, served as written.
    Money,
    Number,
    Bool,
    TextList,
    /// A string id of an item of that kind, in the same property, that must exist.
    Ref(EntrataKind),
    /// A list of `Ref`s.
    RefList(EntrataKind),
    Object(&'static [Field]),
    ObjectList(&'static [Field]),
}

impl Ty {
    /// "a string", "a number or a decimal string", ... for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Ty::Id | Ty::Ref(_) => "a string id",
            Ty::Text => "a string",
            Ty::Money => "a number or a decimal string",
            Ty::Number => "a number",
            Ty::Bool => "a boolean",
            Ty::TextList => "an array of strings",
            Ty::RefList(_) => "an array of string ids",
            Ty::Object(_) => "an object",
            Ty::ObjectList(_) => "an array of objects",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Must be present and not null. Ids always are.
    pub required: bool,
}

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}

use EntrataKind as K;
use Ty::*;

const PROPERTY_REF: Field = req("propertyId", Ref(K::Properties));

const ADDRESS: &[Field] = &[
    opt("line1", Text),
    opt("city", Text),
    opt("region", Text),
    opt("postalCode", Text),
    opt("country", Text),
];

pub const PROPERTY: &[Field] = &[
    req("propertyId", Id),
    opt("name", Text),
    opt("code", Text),
    opt("status", Text),
    opt("address", Object(ADDRESS)),
    opt("timezone", Text),
    opt("unitCount", Number),
    opt("occupancyRate", Number),
    opt("averageMarketRent", Money),
    opt("currency", Text),
    opt("openPostMonth", Text),
    opt("updatedAt", Text),
];

pub const UNIT: &[Field] = &[
    req("unitId", Id),
    PROPERTY_REF,
    opt("unitNumber", Text),
    opt("floorplanCode", Text),
    opt("bedrooms", Number),
    opt("bathrooms", Number),
    opt("squareFeet", Number),
    opt("status", Text),
    opt("marketRent", Money),
    opt("concession", Money),
    opt("effectiveRent", Money),
    opt("availabilityDate", Text),
    opt("amenities", TextList),
    opt("buildingId", Text),
    opt("floor", Number),
    opt("updatedAt", Text),
];

pub const LEASE_FEE: &[Field] =
    &[opt("code", Text), opt("description", Text), opt("amount", Money), opt("frequency", Text)];

pub const LEASE: &[Field] = &[
    req("leaseId", Id),
    PROPERTY_REF,
    opt("number", Text),
    opt("unitId", Text),
    opt("primaryResidentId", Text),
    opt("coResidentIds", TextList),
    opt("status", Text),
    opt("startDate", Text),
    opt("endDate", Text),
    opt("moveInDate", Text),
    opt("moveOutDate", Text),
    opt("rent", Money),
    opt("fees", ObjectList(LEASE_FEE)),
    opt("deposit", Money),
    opt("currency", Text),
    opt("updatedAt", Text),
];

pub const AR_CODE: &[Field] = &[
    req("arCodeId", Id),
    opt("code", Text),
    opt("name", Text),
    opt("type", Text),
    opt("isTaxable", Bool),
    opt("glDebitAccount", Text),
    opt("glCreditAccount", Text),
    opt("isDisabled", Bool),
    opt("updatedAt", Text),
];

pub const CHARGE: &[Field] = &[
    req("chargeId", Id),
    PROPERTY_REF,
    opt("leaseId", Ref(K::Leases)),
    opt("residentId", Text),
    opt("unitId", Text),
    opt("arCode", Text),
    opt("description", Text),
    opt("amount", Money),
    opt("taxAmount", Money),
    opt("currency", Text),
    opt("transactionDate", Text),
    opt("postDate", Text),
    opt("postMonth", Text),
    opt("servicePeriodStart", Text),
    opt("servicePeriodEnd", Text),
    opt("reversesChargeId", Text),
    opt("scheduledChargeId", Text),
    opt("status", Text),
    opt("createdAt", Text),
    opt("updatedAt", Text),
];

const ALLOCATION: &[Field] = &[opt("chargeId", Text), opt("arCode", Text), opt("amount", Money)];

pub const PAYMENT: &[Field] = &[
    req("paymentId", Id),
    PROPERTY_REF,
    opt("leaseId", Ref(K::Leases)),
    opt("residentId", Text),
    opt("amount", Money),
    opt("currency", Text),
    opt("method", Text),
    opt("status", Text),
    opt("receivedAt", Text),
    opt("postDate", Text),
    opt("postMonth", Text),
    opt("returnedDate", Text),
    opt("returnPostMonth", Text),
    opt("returnReason", Text),
    opt("depositId", Text),
    opt("allocations", ObjectList(ALLOCATION)),
    opt("createdAt", Text),
    opt("updatedAt", Text),
];

pub const DEPOSIT: &[Field] = &[
    req("depositId", Id),
    PROPERTY_REF,
    opt("bankAccountId", Text),
    opt("bankAccountName", Text),
    opt("depositDate", Text),
    opt("postMonth", Text),
    opt("amount", Money),
    opt("currency", Text),
    opt("paymentIds", RefList(K::Payments)),
    // A deleted deposit stays in its list with `"status": "deleted"`, as every item does.
    opt("status", Text),
    opt("updatedAt", Text),
];

pub const ATTACHMENT: &[Field] = &[opt("fileName", Text), opt("uploadToken", Text)];

pub const WORK_ORDER: &[Field] = &[
    req("workOrderId", Id),
    PROPERTY_REF,
    opt("number", Text),
    opt("status", Text),
    opt("unitId", Text),
    opt("residentId", Text),
    opt("category", Text),
    opt("subcategory", Text),
    opt("description", Text),
    opt("priority", Text),
    opt("accessPermission", Text),
    opt("scheduleWindowStart", Text),
    opt("scheduleWindowEnd", Text),
    opt("attachments", ObjectList(ATTACHMENT)),
    opt("notifyResident", Bool),
    opt("assignedVendorId", Text),
    opt("createdAt", Text),
    opt("updatedAt", Text),
];

/// `users[]`: not served, but checked the same way. No `totpSecret` means no MFA.
pub const USER: &[Field] = &[
    req("id", Id),
    opt("name", Text),
    req("username", Text),
    req("password", Text),
    opt("totpSecret", Text),
    opt("entitlements", TextList),
];
