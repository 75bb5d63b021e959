//! Reads one mapping file's TOML into a `Layer`, checking everything that one file alone can
//! show: syntax, known keys, types, enum values, name shapes, splits. Whether a logical account
//! exists depends on the merge, and is checked in `resolve`.
//!
//! A file with syntax errors reports only those: TOML's recovery can misplace every key after a
//! broken line, and the mistakes that would follow from it are not the user's.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use crate::domain::{AccountName, ArCode, BankAccountId, BookName, PaymentMethod};
use crate::mapping::diagnostic::{nearest, one_of};
use crate::mapping::layer::{
    AccountLayer, At, DimensionsLayer, FileId, JournalLayer, Layer, Origin, PostingLayer, Problem,
    ProrationLayer, RuleLayer,
};
use crate::mapping::model::{DayCount, GroupBy, Remainder, Rounding, XeroTracking};

mod values;

use values::{ACCOUNT_NAME_EXPECTED, Reader, Value, key_text, kind};

/// portfolio.toml must say which format it is written in; a property file or a book's file may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Portfolio,
    /// `books/<name>.toml`: laid between portfolio.toml and a property file for that book's
    /// properties (issue 18); it cannot route to a book itself.
    Book,
    Property,
}

const ROOT_KEYS: &[&str] =
    &["version", "book", "journal", "accounts", "posting", "codes", "proration", "dimensions"];
const JOURNAL_KEYS: &[&str] = &["group_by", "doc_prefix", "doc_property"];
const ACCOUNT_KEYS: &[&str] = &["qbo", "xero", "entrata"];
const POSTING_KEYS: &[&str] =
    &["receivables", "tax_payable", "clearing", "clearing_by_method", "bank_accounts"];
const CODE_KEYS: &[&str] = &["account", "split"];
const SHARE_KEYS: &[&str] = &["account", "percent"];
const PRORATION_KEYS: &[&str] = &["method", "rounding", "remainder", "defer_to", "check_tolerance"];
const DIMENSION_KEYS: &[&str] =
    &["qbo_class", "qbo_location", "xero_tracking", "qbo_customer", "xero_contact"];
const TRACKING_KEYS: &[&str] = &["name", "option"];

const GROUP_BY: &[(&str, GroupBy)] =
    &[("day", GroupBy::Day), ("post_month", GroupBy::PostMonth), ("item", GroupBy::Item)];
const METHODS: &[(&str, DayCount)] = &[
    ("actual_days", DayCount::ActualDays),
    ("thirty_day", DayCount::ThirtyDay),
    ("days_365", DayCount::Days365),
];
const ROUNDINGS: &[(&str, Rounding)] =
    &[("half_even", Rounding::HalfEven), ("half_up", Rounding::HalfUp), ("down", Rounding::Down)];
const REMAINDERS: &[(&str, Remainder)] = &[("first", Remainder::First), ("last", Remainder::Last)];

/// Xero accepts at most two tracking categories on a journal line.
const XERO_TRACKING_MAX: usize = 2;
/// Xero's limit on tracking category and option names.
const XERO_TRACKING_NAME_MAX_CHARS: usize = 100;
/// Document numbers must fit QuickBooks' 21 characters; these leave room for kind, date and
/// sequence.
const DOC_PREFIX_MAX_CHARS: usize = 3;
const DOC_PROPERTY_MAX_CHARS: usize = 5;

/// Reads `text` as a mapping file. `None` when it has syntax errors (reported in `problems`).
pub(crate) fn parse_layer(
    file: FileId,
    text: &str,
    role: Role,
    problems: &mut Vec<Problem>,
) -> Option<Layer> {
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        problems.extend(syntax_errors.iter().map(|error| syntax_problem(file, text, error)));
        return None;
    }
    let mut reader = Reader::new(file, problems);
    Some(reader.layer(root.get_ref(), role))
}

fn syntax_problem(file: FileId, text: &str, error: &toml::de::Error) -> Problem {
    let origin = error.span().map(|span| Origin { file, start: span.start, end: span.end });
    let (message, expected) = match error.message().split_once(", expected ") {
        Some((message, expected)) => (message.to_owned(), Some(expected.to_owned())),
        None => (error.message().to_owned(), None),
    };
    // The parser says "duplicate key" without naming it; the span holds the key.
    let written = error.span().and_then(|span| text.get(span)).filter(|s| !s.is_empty() && !s.contains('\n'));
    let message = match written {
        Some(key) if message == "duplicate key" => format!("duplicate key `{key}`"),
        _ => message,
    };
    Problem { origin, message: format!("invalid TOML: {message}"), expected, suggestion: None }
}

impl Reader<'_> {
    fn layer(&mut self, root: &DeTable<'_>, role: Role) -> Layer {
        self.known_keys(root, "at the top level", ROOT_KEYS);
        self.version(root, role);
        let mut layer = Layer { book: self.book(root, role), ..Layer::default() };
        if let Some(table) = self.section(root, "journal") {
            layer.journal = self.journal(table);
        }
        if let Some(table) = self.section(root, "accounts") {
            layer.accounts = self.accounts(table);
        }
        if let Some(value) = root.get("posting")
            && let Some(table) = self.table(value, "posting", "at the top level")
        {
            layer.posting = self.posting(table);
            layer.posting.table = Some(self.origin(value));
        }
        if let Some(table) = self.section(root, "codes") {
            layer.codes = self.codes(table);
        }
        if let Some(table) = self.section(root, "proration") {
            layer.proration = self.proration(table);
        }
        if let Some(table) = self.section(root, "dimensions") {
            layer.dimensions = self.dimensions(table);
        }
        layer
    }

    fn version(&mut self, root: &DeTable<'_>, role: Role) {
        let Some(value) = root.get("version") else {
            if role == Role::Portfolio {
                self.report(
                    Problem::at(Origin::file_start(self.file), "missing `version`")
                        .expected("`version = 1` at the top of portfolio.toml"),
                );
            }
            return;
        };
        match value.get_ref() {
            DeValue::Integer(integer)
                if integer.radix() == 10 && integer.as_str().trim_start_matches('+') == "1" => {}
            DeValue::Integer(integer) => self.report(
                Problem::at(self.origin(value), format!("unsupported mapping file version `{integer}`"))
                    .expected("`version = 1`"),
            ),
            other => self.wrong_type(value, other, "version", "at the top level", "the integer `1`"),
        }
    }

    /// `book = "<name>"`: the set of books a property posts to (portfolio.toml: the default).
    fn book(&mut self, root: &DeTable<'_>, role: Role) -> Option<At<BookName>> {
        let value = root.get("book")?;
        if role == Role::Book {
            self.report(
                Problem::at(self.origin(value), "`book` in a book's own file")
                    .expected("`book = \"...\"` in portfolio.toml or in a property's file"),
            );
            return None;
        }
        let text = self.text(root, "book", "at the top level", BookName::EXPECTED)?;
        let Some(name) = BookName::parse(&text.value) else {
            self.report(
                Problem::at(text.origin, format!("`book` at the top level is `{}`", text.value))
                    .expected(BookName::EXPECTED),
            );
            return None;
        };
        Some(At { value: name, origin: text.origin })
    }

    fn journal(&mut self, table: &DeTable<'_>) -> JournalLayer {
        let within = "in `[journal]`";
        self.known_keys(table, within, JOURNAL_KEYS);
        JournalLayer {
            group_by: self.choice(table, "group_by", within, GROUP_BY),
            doc_prefix: self.short_code(table, "doc_prefix", within, DOC_PREFIX_MAX_CHARS),
            doc_property: self.short_code(table, "doc_property", within, DOC_PROPERTY_MAX_CHARS),
        }
    }

    fn accounts(&mut self, table: &DeTable<'_>) -> BTreeMap<AccountName, AccountLayer> {
        let mut accounts = BTreeMap::new();
        for (key, value) in table.iter() {
            let Some(name) = self.key_name(key, "in `[accounts]`") else { continue };
            let within = format!("in `[accounts.{}]`", key_text(key.get_ref()));
            let Some(entry) = self.table(value, key.get_ref(), "in `[accounts]`") else { continue };
            let all_known = self.known_keys(entry, &within, ACCOUNT_KEYS);
            let account = AccountLayer {
                qbo: self.text(entry, "qbo", &within, "a QuickBooks account number, such as `\"4000\"`"),
                xero: self.text(entry, "xero", &within, "a Xero account code, such as `\"4000\"`"),
                entrata: self.text(entry, "entrata", &within, "Entrata's GL account, such as `\"235693\"`"),
            };
            let names_none = !entry.contains_key("qbo") && !entry.contains_key("xero");
            if names_none && all_known {
                self.report(
                    Problem::at(
                        self.origin(value),
                        format!("account `{name}` names no account in any target"),
                    )
                    .expected("`qbo = \"...\"`, `xero = \"...\"` or both"),
                );
            }
            // Kept even when wrong, so that its uses are not reported as unknown accounts too.
            accounts.insert(AccountName::new(name), account);
        }
        accounts
    }

    fn posting(&mut self, table: &DeTable<'_>) -> PostingLayer {
        let within = "in `[posting]`";
        self.known_keys(table, within, POSTING_KEYS);
        let mut posting = PostingLayer {
            table: None,
            receivables: self.account_name(table, "receivables", within),
            tax_payable: self.account_name(table, "tax_payable", within),
            clearing: self.account_name(table, "clearing", within),
            ..PostingLayer::default()
        };
        if let Some(methods) = self.section_within(table, "clearing_by_method", within) {
            posting.clearing_by_method = self.clearing_by_method(methods);
        }
        if let Some(banks) = self.section_within(table, "bank_accounts", within) {
            let within = "in `[posting.bank_accounts]`";
            for (key, _) in banks.iter() {
                let Some(bank_id) = self.key_name(key, within) else { continue };
                if let Some(account) = self.account_name(banks, key.get_ref(), within) {
                    posting.bank_accounts.insert(BankAccountId::new(bank_id), account);
                }
            }
        }
        posting
    }

    fn clearing_by_method(&mut self, table: &DeTable<'_>) -> BTreeMap<PaymentMethod, At<AccountName>> {
        let within = "in `[posting.clearing_by_method]`";
        let method_names: Vec<&str> = PaymentMethod::ALL.iter().map(PaymentMethod::as_str).collect();
        let mut by_method = BTreeMap::new();
        for (key, _) in table.iter() {
            let Some(method) = PaymentMethod::parse(key.get_ref()) else {
                self.report(
                    Problem::at(
                        self.origin(key),
                        format!("unknown payment method `{}` {within}", key.get_ref()),
                    )
                    .expected(one_of(&method_names))
                    .suggestion(nearest(key.get_ref(), method_names.iter().copied())),
                );
                continue;
            };
            if let Some(account) = self.account_name(table, key.get_ref(), within) {
                by_method.insert(method, account);
            }
        }
        by_method
    }

    fn codes(&mut self, table: &DeTable<'_>) -> BTreeMap<ArCode, At<RuleLayer>> {
        let mut codes = BTreeMap::new();
        for (key, value) in table.iter() {
            let Some(code) = self.key_name(key, "in `[codes]`") else { continue };
            let path = format!("codes.{}", key_text(key.get_ref()));
            let within = format!("in `[{path}]`");
            let Some(entry) = self.table(value, key.get_ref(), "in `[codes]`") else { continue };
            let all_known = self.known_keys(entry, &within, CODE_KEYS);
            let rule = match (entry.get("account"), entry.get("split")) {
                (Some(_), None) => self.account_name(entry, "account", &within).map(RuleLayer::Account),
                (None, Some(split)) => self.split(split, &path).map(RuleLayer::Split),
                (Some(_), Some(_)) => {
                    self.report(
                        Problem::at(self.origin(value), format!("`[{path}]` has both `account` and `split`"))
                            .expected("one of them: a code's charges go to one account or are split"),
                    );
                    None
                }
                (None, None) => {
                    if all_known {
                        self.report(
                            Problem::at(self.origin(value), format!("`[{path}]` has no rule"))
                                .expected("`account = \"...\"` or `split = [...]`"),
                        );
                    }
                    None
                }
            };
            if let Some(rule) = rule {
                codes.insert(ArCode::new(code), At { value: rule, origin: self.origin(value) });
            }
        }
        codes
    }

    /// Shares that are each in (0, 100] and sum to exactly 100; `None` after reporting otherwise.
    fn split(&mut self, value: &Value<'_>, code_path: &str) -> Option<Vec<(At<AccountName>, Decimal)>> {
        let split_path = format!("{code_path}.split");
        let example = "shares such as `{ account = \"water_income\", percent = \"70\" }`";
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            other => {
                let within = format!("in `[{code_path}]`");
                self.wrong_type(value, other, "split", &within, &format!("an array of {example}"));
                return None;
            }
        };
        if items.is_empty() {
            self.report(
                Problem::at(self.origin(value), format!("`{split_path}` is empty"))
                    .expected(format!("at least one of {example}")),
            );
            return None;
        }
        let mut shares = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let within = format!("in share {} of `{split_path}`", index + 1);
            match self.share(item, &within) {
                Some(share) => shares.push(share),
                None => continue,
            }
        }
        if shares.len() != items.len() {
            return None; // a sum over the shares that could be read would only mislead
        }
        let sum: Decimal = shares.iter().map(|(_, percent)| *percent).sum();
        if sum != Decimal::ONE_HUNDRED {
            self.report(
                Problem::at(self.origin(value), format!("`{split_path}` shares sum to {sum}, not 100"))
                    .expected("shares that sum to exactly 100"),
            );
            return None;
        }
        Some(shares)
    }

    fn share(&mut self, item: &Value<'_>, within: &str) -> Option<(At<AccountName>, Decimal)> {
        let DeValue::Table(table) = item.get_ref() else {
            let expected = "a table such as `{ account = \"water_income\", percent = \"70\" }`";
            self.report(
                Problem::at(
                    self.origin(item),
                    format!("wrong type {within}: found {}", kind(item.get_ref())),
                )
                .expected(expected),
            );
            return None;
        };
        self.known_keys(table, within, SHARE_KEYS);
        let account = self.required(item, table, "account", within, ACCOUNT_NAME_EXPECTED);
        let percent = self.required(item, table, "percent", within, "a percent such as `\"70\"`");
        let account = account.and_then(|_| self.account_name(table, "account", within));
        let percent = percent.and_then(|value| self.decimal(value, "percent", within));
        let percent = percent.and_then(|percent| {
            let in_range = percent.value > Decimal::ZERO && percent.value <= Decimal::ONE_HUNDRED;
            if !in_range {
                self.report(
                    Problem::at(
                        percent.origin,
                        format!("share percent {} {within} is out of range", percent.value),
                    )
                    .expected("more than 0 and at most 100"),
                );
            }
            in_range.then_some(percent.value)
        });
        Some((account?, percent?))
    }

    fn proration(&mut self, table: &DeTable<'_>) -> ProrationLayer {
        let within = "in `[proration]`";
        self.known_keys(table, within, PRORATION_KEYS);
        let check_tolerance = table.get("check_tolerance").and_then(|value| {
            let tolerance = self.decimal(value, "check_tolerance", within)?;
            if tolerance.value.is_sign_negative() && !tolerance.value.is_zero() {
                self.report(
                    Problem::at(tolerance.origin, format!("`check_tolerance` {within} is negative"))
                        .expected("an amount of 0 or more, such as `\"0.01\"`"),
                );
                return None;
            }
            Some(tolerance)
        });
        ProrationLayer {
            method: self.choice(table, "method", within, METHODS),
            rounding: self.choice(table, "rounding", within, ROUNDINGS),
            remainder: self.choice(table, "remainder", within, REMAINDERS),
            defer_to: self.account_name(table, "defer_to", within),
            check_tolerance,
        }
    }

    fn dimensions(&mut self, table: &DeTable<'_>) -> DimensionsLayer {
        let within = "in `[dimensions]`";
        self.known_keys(table, within, DIMENSION_KEYS);
        DimensionsLayer {
            qbo_class: self.text(table, "qbo_class", within, "a QuickBooks class name"),
            qbo_location: self.text(table, "qbo_location", within, "a QuickBooks location name"),
            xero_tracking: table.get("xero_tracking").and_then(|value| self.xero_tracking(value)),
            qbo_customer: self.text(table, "qbo_customer", within, "a QuickBooks customer name"),
            xero_contact: self.text(table, "xero_contact", within, "a Xero contact name"),
        }
    }

    fn xero_tracking(&mut self, value: &Value<'_>) -> Option<At<Vec<XeroTracking>>> {
        let example = "`{ name = \"Property\", option = \"Lakeview\" }`";
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            other => {
                let expected = format!("an array of tracking such as {example}");
                self.wrong_type(value, other, "xero_tracking", "in `[dimensions]`", &expected);
                return None;
            }
        };
        let mut tracking = Vec::with_capacity(items.len());
        let mut names = BTreeSet::new();
        for (index, item) in items.iter().enumerate() {
            let within = format!("in tracking {} of `dimensions.xero_tracking`", index + 1);
            let DeValue::Table(table) = item.get_ref() else {
                self.report(
                    Problem::at(
                        self.origin(item),
                        format!("wrong type {within}: found {}", kind(item.get_ref())),
                    )
                    .expected(format!("a table such as {example}")),
                );
                continue;
            };
            self.known_keys(table, &within, TRACKING_KEYS);
            let name = self.required(item, table, "name", &within, "a Xero tracking category name");
            let option = self.required(item, table, "option", &within, "a Xero tracking option name");
            let name = name.and_then(|_| self.tracking_text(table, "name", &within));
            let option = option.and_then(|_| self.tracking_text(table, "option", &within));
            if let Some(name) = &name
                && !names.insert(name.value.clone())
            {
                self.report(
                    Problem::at(name.origin, format!("tracking category `{}` is named twice", name.value))
                        .expected("each tracking category at most once"),
                );
            }
            if let (Some(name), Some(option)) = (name, option) {
                tracking.push(XeroTracking { name: name.value, option: option.value });
            }
        }
        if items.len() > XERO_TRACKING_MAX {
            self.report(
                Problem::at(
                    self.origin(value),
                    format!("`dimensions.xero_tracking` has {} entries", items.len()),
                )
                .expected(format!(
                    "at most {XERO_TRACKING_MAX}: Xero allows two tracking categories per line"
                )),
            );
            return None;
        }
        (tracking.len() == items.len()).then(|| At { value: tracking, origin: self.origin(value) })
    }

    fn tracking_text(&mut self, table: &DeTable<'_>, key: &str, within: &str) -> Option<At<String>> {
        let text = self.text(table, key, within, "a Xero tracking name")?;
        if text.value.chars().count() > XERO_TRACKING_NAME_MAX_CHARS {
            self.report(
                Problem::at(text.origin, format!("`{key}` {within} is longer than Xero allows"))
                    .expected(format!("at most {XERO_TRACKING_NAME_MAX_CHARS} characters")),
            );
            return None;
        }
        Some(text)
    }
}
