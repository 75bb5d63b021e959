//! From one raw Entrata list item to a domain item, or to the reason it is quarantined.
//!
//! Every problem names the field (`amount: 12.345 has more than 2 decimal places`), and all of an
//! item's problems are reported together. Money is read from the JSON text itself, never through
//! `f64`: a number literal `1295.00` and a string `"1295.00"` both give exactly 1295.00.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::domain::*;

/// A pulled item: always identified and stored; converted when it keeps the contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The item's id, or `?<hash>` when it has none (it is then quarantined).
    pub item_id: String,
    pub property_id: Option<String>,
    /// `updatedAt` as sent, when it is a string.
    pub updated_at_text: Option<String>,
    /// `updatedAt` when it parses: what paging and watermarks follow.
    pub updated_at: Option<DateTime<Utc>>,
    /// sha256 of the raw text, hex.
    pub content_hash: String,
    /// The domain item, or why it breaks the contract.
    pub item: Result<Item, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Property(Property),
    ArCode(ArCodeDef),
    Lease(Lease),
    Charge(Charge),
    Payment(Payment),
    Deposit(Deposit),
}

/// Classifies one raw list item of `kind`, listed under `listed_under` (the property in the path).
pub fn classify(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Classified {
    let content_hash = hex_sha256(raw.as_bytes());
    let read = read(kind, raw, listed_under);
    Classified {
        item_id: read.item_id.unwrap_or_else(|| format!("?{}", &content_hash[..16])),
        property_id: read.property_id.or_else(|| listed_under.map(str::to_owned)),
        updated_at_text: read.updated_at_text,
        updated_at: read.updated_at,
        content_hash,
        item: read.item,
    }
}

/// Converts a stored item again (planning): the same rules as `classify`, without hashing.
pub fn convert(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Result<Item, String> {
    read(kind, raw, listed_under).item
}

/// A stored item converted again (planning, rebuilding planning forms). The pull's verdict on a
/// quarantined version stands: a later conversion never releases an item the pull held; only
/// Entrata's next version of it can.
pub fn reconvert(
    kind: ItemKind,
    raw: &str,
    invalid_reason: Option<&str>,
    listed_under: Option<&str>,
) -> Result<Item, String> {
    match invalid_reason {
        Some(reason) => Err(reason.to_owned()),
        None => convert(kind, raw, listed_under),
    }
}

/// Why an item of a property's list is held when it converts to a company-wide kind. Cannot
/// happen: `classify` converts a list of one kind into items of that kind.
pub const NOT_A_LEDGER_ITEM: &str = "not an item of a property's ledger";

struct Read {
    item_id: Option<String>,
    property_id: Option<String>,
    updated_at_text: Option<String>,
    updated_at: Option<DateTime<Utc>>,
    item: Result<Item, String>,
}

fn read(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Read {
    // serde would also read a JSON array into a struct, field by position: refuse anything else.
    let is_object = raw.trim_start().starts_with('{');
    let parsed = if is_object {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    } else {
        Err("not an object".to_owned())
    };
    let fields: Fields<'_> = match parsed {
        Ok(fields) => fields,
        Err(e) => {
            return Read {
                item_id: None,
                property_id: None,
                updated_at_text: None,
                updated_at: None,
                item: Err(format!("not a JSON object of the expected shape: {e}")),
            };
        }
    };
    let mut r = Reader::default();
    let id_field = kind.id_field();
    let item_id = r.string(id_field, fields.get(id_field));
    let property_id = match kind {
        ItemKind::Property => item_id.clone(),
        ItemKind::ArCode => None,
        _ => r.string("propertyId", fields.property_id),
    };
    if let (Some(listed), Some(own)) = (listed_under, property_id.as_deref())
        && kind.is_per_property()
        && listed != own
    {
        r.problem(format!("propertyId `{own}` differs from the property it was listed under (`{listed}`)"));
    }
    let updated_at_text = fields.updated_at.and_then(|v| serde_json::from_str::<String>(v.get()).ok());
    let updated_at_fixed = r.timestamp("updatedAt", fields.updated_at);
    let updated_at = updated_at_fixed.map(|t| t.with_timezone(&Utc));

    let item = match (item_id.clone(), updated_at_fixed) {
        (Some(id), Some(updated_at)) => {
            let header = Header { id, property_id: property_id.clone(), updated_at };
            match kind {
                ItemKind::Property => property(&mut r, &fields, header).map(Item::Property),
                ItemKind::ArCode => ar_code(&mut r, &fields, header).map(Item::ArCode),
                ItemKind::Lease => lease(&mut r, &fields, header).map(Item::Lease),
                ItemKind::Charge => charge(&mut r, &fields, header).map(Item::Charge),
                ItemKind::Payment => payment(&mut r, &fields, header).map(Item::Payment),
                ItemKind::Deposit => deposit(&mut r, &fields, header).map(Item::Deposit),
            }
        }
        _ => None,
    };
    let item = match (item, r.problems.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(r.problems.join("; ")),
    };
    Read { item_id, property_id, updated_at_text, updated_at, item }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

/// Every field any kind may carry, as raw JSON; unknown fields are ignored (APIs grow).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Fields<'a> {
    #[serde(borrow)]
    property_id: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code_id: Option<&'a RawValue>,
    #[serde(borrow)]
    lease_id: Option<&'a RawValue>,
    #[serde(borrow)]
    charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    payment_id: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit_id: Option<&'a RawValue>,
    #[serde(borrow)]
    updated_at: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    timezone: Option<&'a RawValue>,
    #[serde(borrow)]
    currency: Option<&'a RawValue>,
    #[serde(borrow)]
    open_post_month: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    code_type: Option<&'a RawValue>,
    #[serde(borrow)]
    is_taxable: Option<&'a RawValue>,
    #[serde(borrow)]
    gl_debit_account: Option<&'a RawValue>,
    #[serde(borrow)]
    gl_credit_account: Option<&'a RawValue>,
    #[serde(borrow)]
    is_disabled: Option<&'a RawValue>,
    #[serde(borrow)]
    number: Option<&'a RawValue>,
    #[serde(borrow)]
    unit_id: Option<&'a RawValue>,
    #[serde(borrow)]
    primary_resident_id: Option<&'a RawValue>,
    #[serde(borrow)]
    resident_id: Option<&'a RawValue>,
    #[serde(borrow)]
    start_date: Option<&'a RawValue>,
    #[serde(borrow)]
    end_date: Option<&'a RawValue>,
    #[serde(borrow)]
    move_in_date: Option<&'a RawValue>,
    #[serde(borrow)]
    move_out_date: Option<&'a RawValue>,
    #[serde(borrow)]
    rent: Option<&'a RawValue>,
    #[serde(borrow)]
    fees: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code: Option<&'a RawValue>,
    #[serde(borrow)]
    description: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
    #[serde(borrow)]
    tax_amount: Option<&'a RawValue>,
    #[serde(borrow)]
    transaction_date: Option<&'a RawValue>,
    #[serde(borrow)]
    post_date: Option<&'a RawValue>,
    #[serde(borrow)]
    post_month: Option<&'a RawValue>,
    #[serde(borrow)]
    service_period_start: Option<&'a RawValue>,
    #[serde(borrow)]
    service_period_end: Option<&'a RawValue>,
    #[serde(borrow)]
    reverses_charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    scheduled_charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow)]
    received_at: Option<&'a RawValue>,
    #[serde(borrow)]
    returned_date: Option<&'a RawValue>,
    #[serde(borrow)]
    return_post_month: Option<&'a RawValue>,
    #[serde(borrow)]
    return_reason: Option<&'a RawValue>,
    #[serde(borrow)]
    allocations: Option<&'a RawValue>,
    #[serde(borrow)]
    bank_account_id: Option<&'a RawValue>,
    #[serde(borrow)]
    bank_account_name: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit_date: Option<&'a RawValue>,
    #[serde(borrow)]
    payment_ids: Option<&'a RawValue>,
}

impl<'a> Fields<'a> {
    fn get(&self, id_field: &str) -> Option<&'a RawValue> {
        match id_field {
            "propertyId" => self.property_id,
            "arCodeId" => self.ar_code_id,
            "leaseId" => self.lease_id,
            "chargeId" => self.charge_id,
            "paymentId" => self.payment_id,
            "depositId" => self.deposit_id,
            _ => None,
        }
    }
}

struct Header {
    id: String,
    property_id: Option<String>,
    updated_at: DateTime<FixedOffset>,
}

impl Header {
    fn property(&self) -> PropertyId {
        PropertyId::new(self.property_id.clone().unwrap_or_default())
    }
}

/// Reads fields, collecting every problem rather than stopping at the first.
#[derive(Default)]
struct Reader {
    problems: Vec<String>,
}

fn is_null(v: Option<&RawValue>) -> bool {
    v.is_none_or(|v| v.get() == "null")
}

/// A field's name in messages. Names of array elements (`allocations[2].amount`) are only
/// formatted when a message needs them: a deposit lists a hundred payments.
trait Name: fmt::Display {}
impl<T: fmt::Display + ?Sized> Name for T {}

/// `name[index]`
struct Elem<'n> {
    array: &'n str,
    index: usize,
}

impl fmt::Display for Elem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.array, self.index)
    }
}

/// `element.field`
struct Field<'n> {
    at: &'n Elem<'n>,
    field: &'n str,
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.at, self.field)
    }
}

impl Reader {
    fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    fn missing(&mut self, name: &(impl Name + ?Sized)) {
        self.problem(format!("missing field `{name}`"));
    }

    /// A required string (ids may also come as JSON integers, as Entrata's APIs sometimes send them).
    fn string(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<String> {
        self.str(name, v).map(Cow::into_owned)
    }

    fn opt_string(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<String> {
        self.opt_str(name, v).map(Cow::into_owned)
    }

    /// `string`, borrowed from the item's text when it holds no escapes.
    fn str<'v>(&mut self, name: &(impl Name + ?Sized), v: Option<&'v RawValue>) -> Option<Cow<'v, str>> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_str(name, v)
    }

    fn opt_str<'v>(&mut self, name: &(impl Name + ?Sized), v: Option<&'v RawValue>) -> Option<Cow<'v, str>> {
        let v = v.filter(|v| v.get() != "null")?;
        let text = v.get();
        if text.starts_with('"') {
            match json_string(text) {
                Ok(s) => return Some(s),
                Err(_) => {
                    self.problem(format!("{name}: not a valid JSON string"));
                    return None;
                }
            }
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Cow::Borrowed(text));
        }
        self.problem(format!("{name}: expected a string, found `{}`", shorten(text)));
        None
    }

    fn decimal(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<Decimal> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_decimal(name, v)
    }

    fn opt_decimal(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<Decimal> {
        let text = v.filter(|v| v.get() != "null")?.get();
        let literal: Cow<'_, str> = if text.starts_with('"') {
            match json_string(text) {
                Ok(s) => s,
                Err(_) => {
                    self.problem(format!("{name}: not a valid JSON string"));
                    return None;
                }
            }
        } else {
            Cow::Borrowed(text)
        };
        match parse_decimal_text(&literal) {
            Ok(d) => Some(d),
            // Refused because no exact decimal holds it: say so, never round.
            Err(e @ MoneyError::TooPrecise(_)) if literal.len() <= 80 => {
                self.problem(format!("{name}: {e}"));
                None
            }
            Err(_) => {
                self.problem(format!("{name}: `{}` is not a decimal amount", shorten(text)));
                None
            }
        }
    }

    fn money(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        currency: Option<Currency>,
    ) -> Option<Money> {
        let amount = self.decimal(name, v)?;
        self.money_of(name, amount, currency)
    }

    fn opt_money(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        currency: Option<Currency>,
    ) -> Option<Option<Money>> {
        if is_null(v) {
            return Some(None);
        }
        let amount = self.opt_decimal(name, v)?;
        self.money_of(name, amount, currency).map(Some)
    }

    fn money_of(
        &mut self,
        name: &(impl Name + ?Sized),
        amount: Decimal,
        currency: Option<Currency>,
    ) -> Option<Money> {
        match Money::new(amount, currency?) {
            Ok(m) if m.within_item_limit() => Some(m),
            Ok(m) => {
                self.problem(format!(
                    "{name}: {} is beyond the connector's limit of {MAX_ITEM_TEXT} for one item",
                    format_amount(m.amount()),
                ));
                None
            }
            Err(e) => {
                self.problem(format!("{name}: {e}"));
                None
            }
        }
    }

    fn currency(&mut self, v: Option<&RawValue>) -> Option<Currency> {
        let code = self.str("currency", v)?;
        match Currency::parse(&code) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(format!("currency: {e}"));
                None
            }
        }
    }

    fn date(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<NaiveDate> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_date(name, v).flatten()
    }

    /// `Some(None)` when absent or null, `None` when malformed.
    fn opt_date(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<Option<NaiveDate>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match fast_parse_date(&text) {
            Some(d) => Some(Some(d)),
            None => {
                self.problem(format!("{name}: `{}` is not a valid date (YYYY-MM-DD)", shorten(&text)));
                None
            }
        }
    }

    fn month(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<PostMonth> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_month(name, v).flatten()
    }

    fn opt_month(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>) -> Option<Option<PostMonth>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match text.parse::<PostMonth>() {
            Ok(m) => Some(Some(m)),
            Err(_) => {
                self.problem(format!("{name}: `{}` is not a month (YYYY-MM)", shorten(&text)));
                None
            }
        }
    }

    fn timestamp(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<DateTime<FixedOffset>> {
        if is_null(v) {
            self.missing(name);
            return None;
        }
        self.opt_timestamp(name, v).flatten()
    }

    fn opt_timestamp(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
    ) -> Option<Option<DateTime<FixedOffset>>> {
        if is_null(v) {
            return Some(None);
        }
        let text = self.opt_str(name, v)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(t) => Some(Some(t)),
            Err(_) => {
                self.problem(format!(
                    "{name}: `{}` is not an ISO 8601 timestamp with offset",
                    shorten(&text)
                ));
                None
            }
        }
    }

    fn bool_or(&mut self, name: &(impl Name + ?Sized), v: Option<&RawValue>, default: bool) -> Option<bool> {
        match v.map(RawValue::get) {
            None | Some("null") => Some(default),
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(other) => {
                self.problem(format!("{name}: expected true or false, found `{}`", shorten(other)));
                None
            }
        }
    }

    fn choice<T>(
        &mut self,
        name: &(impl Name + ?Sized),
        v: Option<&RawValue>,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let text = self.str(name, v)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.problem(format!("{name}: `{}` is not one of {expected}", shorten(&text)));
        }
        parsed
    }

    /// An array whose elements are read by `each`; `None` in, empty out.
    fn array<'a, T>(
        &mut self,
        name: &str,
        v: Option<&'a RawValue>,
        each: impl FnMut(&mut Reader, &Elem<'_>, &'a RawValue) -> Option<T>,
    ) -> Option<Vec<T>> {
        if is_null(v) {
            return Some(Vec::new());
        }
        let text = v?;
        let Ok(elements) = serde_json::from_str::<Vec<&'a RawValue>>(text.get()) else {
            self.problem(format!("{name}: expected an array"));
            return None;
        };
        self.elements(name, elements, each)
    }

    /// Reads every element of an array with `each`; `None` when any of them fails (all are read,
    /// so that every problem is reported).
    fn elements<E, T>(
        &mut self,
        name: &str,
        elements: Vec<E>,
        mut each: impl FnMut(&mut Reader, &Elem<'_>, E) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::with_capacity(elements.len());
        let mut ok = true;
        for (index, element) in elements.into_iter().enumerate() {
            match each(self, &Elem { array: name, index }, element) {
                Some(t) => out.push(t),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An array of objects, each read as `F` and then by `each`: what `array` does with a
    /// per-element parse, in one parse of the whole array when every element is an `F` (the usual
    /// case). Otherwise element by element, for the messages.
    fn objects<'a, F: Deserialize<'a>, T>(
        &mut self,
        name: &str,
        v: Option<&'a RawValue>,
        mut each: impl FnMut(&mut Reader, &Elem<'_>, F) -> Option<T>,
    ) -> Option<Vec<T>> {
        if let Some(text) = v.filter(|v| v.get() != "null")
            && let Ok(elements) = serde_json::from_str::<Vec<F>>(text.get())
        {
            return self.elements(name, elements, each);
        }
        self.array(name, v, |r, at, raw| match serde_json::from_str::<F>(raw.get()) {
            Ok(fields) => each(r, at, fields),
            Err(_) => {
                r.problem(format!("{at}: expected an object"));
                None
            }
        })
    }
}

/// The string a JSON string literal (`"..."`) stands for. Without escapes (or anything a
/// literal may not hold raw) that is the text between the quotes; serde's parser, a deserializer
/// per field, is only needed for the rest.
fn json_string(text: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.bytes().any(|b| b == b'\\' || b == b'"' || b < 0x20) => {
            Ok(Cow::Borrowed(inner))
        }
        _ => serde_json::from_str(text),
    }
}

/// [`parse_date`], without its general-purpose parser when the text is plainly `YYYY-MM-DD`
/// digits (a pull converts several dates per item). Anything else takes the general path.
fn fast_parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0_u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
    }
    parse_date(text)
}

/// Values quoted in messages are cut short: an item's JSON can be large.
fn shorten(text: &str) -> Cow<'_, str> {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{}…", text.chars().take(MAX).collect::<String>()))
    }
}

fn property(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Property> {
    let name = r.opt_string("name", f.name);
    let code = r.opt_string("code", f.code);
    let status = r.opt_string("status", f.status);
    let timezone = r.opt_string("timezone", f.timezone);
    let currency = r.currency(f.currency);
    let open_post_month = r.opt_month("openPostMonth", f.open_post_month);
    Some(Property {
        name: name.unwrap_or_else(|| h.id.clone()),
        code: code.unwrap_or_else(|| h.id.clone()),
        id: PropertyId::new(h.id),
        status: status.unwrap_or_else(|| "active".to_owned()),
        timezone,
        currency: currency?,
        open_post_month: open_post_month?,
        updated_at: h.updated_at,
    })
}

fn ar_code(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<ArCodeDef> {
    const TYPES: &str =
        "rent, fee, other_income, utility, deposit, concession, refund, write_off, tax, other_liability";
    let code = r.string("code", f.code);
    let name = r.opt_string("name", f.name);
    let code_type = r.choice("type", f.code_type, ArCodeType::parse, TYPES);
    let is_taxable = r.bool_or("isTaxable", f.is_taxable, false);
    let gl_debit_account = r.opt_string("glDebitAccount", f.gl_debit_account);
    let gl_credit_account = r.opt_string("glCreditAccount", f.gl_credit_account);
    let is_disabled = r.bool_or("isDisabled", f.is_disabled, false);
    let code = code?;
    Some(ArCodeDef {
        id: ArCodeId::new(h.id),
        name: name.unwrap_or_else(|| code.clone()),
        code: ArCode::new(code),
        code_type: code_type?,
        is_taxable: is_taxable?,
        gl_debit_account,
        gl_credit_account,
        is_disabled: is_disabled?,
        updated_at: h.updated_at,
    })
}

fn lease(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Lease> {
    const STATUSES: &str = "pending_signature, active, notice, past, cancelled, deleted";
    let currency = r.currency(f.currency);
    let status = r.choice("status", f.status, LeaseStatus::parse, STATUSES);
    let number = r.opt_string("number", f.number);
    let unit_id = r.opt_string("unitId", f.unit_id);
    let primary_resident_id = r.opt_string("primaryResidentId", f.primary_resident_id);
    let start_date = r.opt_date("startDate", f.start_date);
    let end_date = r.opt_date("endDate", f.end_date);
    let move_in_date = r.opt_date("moveInDate", f.move_in_date);
    let move_out_date = r.opt_date("moveOutDate", f.move_out_date);
    let rent = r.opt_money("rent", f.rent, currency);
    let deposit = r.opt_money("deposit", f.deposit, currency);
    let fees = r.objects("fees", f.fees, |r, at, fee| lease_fee(r, at, fee, currency));
    Some(Lease {
        id: LeaseId::new(h.id.clone()),
        property_id: h.property(),
        number,
        unit_id: unit_id.map(UnitId::new),
        primary_resident_id: primary_resident_id.map(ResidentId::new),
        status: status?,
        start_date: start_date?,
        end_date: end_date?,
        move_in_date: move_in_date?,
        move_out_date: move_out_date?,
        rent: rent?,
        fees: fees?,
        deposit: deposit?,
        currency: currency?,
        updated_at: h.updated_at,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeeFields<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    description: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
    #[serde(borrow)]
    frequency: Option<&'a RawValue>,
}

fn lease_fee(
    r: &mut Reader,
    at: &Elem<'_>,
    f: FeeFields<'_>,
    currency: Option<Currency>,
) -> Option<LeaseFee> {
    let code = r.string(&Field { at, field: "code" }, f.code);
    let description = r.opt_string(&Field { at, field: "description" }, f.description);
    let amount = r.money(&Field { at, field: "amount" }, f.amount, currency);
    let frequency = r.choice(
        &Field { at, field: "frequency" },
        f.frequency,
        |s| match s {
            "monthly" => Some(FeeFrequency::Monthly),
            "once" => Some(FeeFrequency::Once),
            _ => None,
        },
        "monthly, once",
    );
    Some(LeaseFee {
        code: ArCode::new(code?),
        description: description.unwrap_or_default(),
        amount: amount?,
        frequency: frequency?,
    })
}

fn charge(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Charge> {
    let currency = r.currency(f.currency);
    let ar_code = r.string("arCode", f.ar_code);
    let description = r.opt_string("description", f.description);
    let amount = r.money("amount", f.amount, currency);
    let tax = match is_null(f.tax_amount) {
        true => currency.map(Money::zero),
        false => r.money("taxAmount", f.tax_amount, currency),
    };
    let lease_id = r.opt_string("leaseId", f.lease_id);
    let resident_id = r.opt_string("residentId", f.resident_id);
    let unit_id = r.opt_string("unitId", f.unit_id);
    let transaction_date = r.opt_date("transactionDate", f.transaction_date);
    let post_date = r.date("postDate", f.post_date);
    let post_month = r.month("postMonth", f.post_month);
    let start = r.opt_date("servicePeriodStart", f.service_period_start);
    let end = r.opt_date("servicePeriodEnd", f.service_period_end);
    let reverses = r.opt_string("reversesChargeId", f.reverses_charge_id);
    let scheduled_charge_id = r.opt_string("scheduledChargeId", f.scheduled_charge_id);
    let status = r.choice(
        "status",
        f.status,
        |s| match s {
            "posted" => Some(ChargeStatus::Posted),
            "deleted" => Some(ChargeStatus::Deleted),
            _ => None,
        },
        "posted, deleted",
    );
    let service_period = match (start?, end?) {
        (None, None) => None,
        (Some(start), Some(end)) => match ServicePeriod::new(start, end) {
            Some(p) => Some(p),
            None => {
                r.problem(format!("servicePeriodEnd {end} is before servicePeriodStart {start}"));
                None
            }
        },
        (Some(_), None) | (None, Some(_)) => {
            r.problem("servicePeriodStart and servicePeriodEnd must both be set or both be null".to_owned());
            None
        }
    };
    let (amount, tax) = (amount?, tax?);
    let tax_fits = tax.is_zero()
        || (tax.is_negative() == amount.is_negative() && tax.amount().abs() <= amount.amount().abs());
    if !tax_fits {
        r.problem(format!(
            "taxAmount {} must be part of amount {} (same sign, not larger)",
            format_amount(tax.amount()),
            format_amount(amount.amount())
        ));
    }
    Some(Charge {
        id: ChargeId::new(h.id.clone()),
        property_id: h.property(),
        lease_id: lease_id.map(LeaseId::new),
        resident_id: resident_id.map(ResidentId::new),
        unit_id: unit_id.map(UnitId::new),
        ar_code: ArCode::new(ar_code?),
        description: description.unwrap_or_default(),
        amount,
        tax,
        transaction_date: transaction_date?,
        post_date: post_date?,
        post_month: post_month?,
        service_period,
        reverses: reverses.map(ChargeId::new),
        scheduled_charge_id,
        status: status?,
        updated_at: h.updated_at,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AllocationFields<'a> {
    #[serde(borrow)]
    charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
}

fn payment(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Payment> {
    const METHODS: &str = "ach, card, check, cash, money_order, other";
    let currency = r.currency(f.currency);
    let amount = r.money("amount", f.amount, currency);
    let method = r.choice("method", f.method, PaymentMethod::parse, METHODS);
    let status = r.choice(
        "status",
        f.status,
        |s| match s {
            "captured" => Some(PaymentStatus::Captured),
            "returned" => Some(PaymentStatus::Returned),
            "voided" => Some(PaymentStatus::Voided),
            "deleted" => Some(PaymentStatus::Deleted),
            _ => None,
        },
        "captured, returned, voided, deleted",
    );
    let lease_id = r.opt_string("leaseId", f.lease_id);
    let resident_id = r.opt_string("residentId", f.resident_id);
    let received_at = r.opt_timestamp("receivedAt", f.received_at);
    let post_date = r.date("postDate", f.post_date);
    let post_month = r.month("postMonth", f.post_month);
    let returned_date = r.opt_date("returnedDate", f.returned_date);
    let return_post_month = r.opt_month("returnPostMonth", f.return_post_month);
    let return_reason = r.opt_string("returnReason", f.return_reason);
    let deposit_id = r.opt_string("depositId", f.deposit_id);
    let allocations = r.objects("allocations", f.allocations, |r, at, a: AllocationFields<'_>| {
        let charge_id = r.string(&Field { at, field: "chargeId" }, a.charge_id);
        let ar_code = r.opt_string(&Field { at, field: "arCode" }, a.ar_code);
        let amount = r.money(&Field { at, field: "amount" }, a.amount, currency);
        Some(Allocation {
            charge_id: ChargeId::new(charge_id?),
            ar_code: ar_code.map(ArCode::new),
            amount: amount?,
        })
    });
    let (amount, status) = (amount?, status?);
    if amount.is_negative() || amount.is_zero() {
        r.problem(format!("amount {} must be positive", format_amount(amount.amount())));
    }
    let returned = match (status, returned_date?, return_post_month?) {
        (PaymentStatus::Returned | PaymentStatus::Voided, Some(date), Some(post_month)) => {
            Some(PaymentReturn { date, post_month, reason: return_reason })
        }
        (PaymentStatus::Returned | PaymentStatus::Voided, _, _) => {
            r.problem("a returned or voided payment needs returnedDate and returnPostMonth".to_owned());
            None
        }
        _ => None,
    };
    Some(Payment {
        id: PaymentId::new(h.id.clone()),
        property_id: h.property(),
        lease_id: lease_id.map(LeaseId::new),
        resident_id: resident_id.map(ResidentId::new),
        amount,
        method: method?,
        status,
        received_at: received_at?,
        post_date: post_date?,
        post_month: post_month?,
        returned,
        deposit_id: deposit_id.map(DepositId::new),
        allocations: allocations?,
        updated_at: h.updated_at,
    })
}

fn deposit(r: &mut Reader, f: &Fields<'_>, h: Header) -> Option<Deposit> {
    let currency = r.currency(f.currency);
    let bank_account_id = r.string("bankAccountId", f.bank_account_id);
    let bank_account_name = r.opt_string("bankAccountName", f.bank_account_name);
    let deposit_date = r.date("depositDate", f.deposit_date);
    let post_month = r.month("postMonth", f.post_month);
    let amount = r.money("amount", f.amount, currency);
    let payment_ids = r.array("paymentIds", f.payment_ids, |r, at, raw| r.string(at, Some(raw)));
    let status = match is_null(f.status) {
        true => Some(DepositStatus::Active),
        false => r.choice(
            "status",
            f.status,
            |s| match s {
                "deleted" => Some(DepositStatus::Deleted),
                "posted" | "active" => Some(DepositStatus::Active),
                _ => None,
            },
            "deleted (or absent)",
        ),
    };
    Some(Deposit {
        id: DepositId::new(h.id.clone()),
        property_id: h.property(),
        bank_account_id: BankAccountId::new(bank_account_id?),
        bank_account_name,
        deposit_date: deposit_date?,
        post_month: post_month?,
        amount: amount?,
        payment_ids: payment_ids?.into_iter().map(PaymentId::new).collect(),
        status: status?,
        updated_at: h.updated_at,
    })
}

#[cfg(test)]
mod tests;
