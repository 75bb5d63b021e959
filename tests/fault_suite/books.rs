//! What each target sandbox holds, read from `GET /_sandbox/state` into one shape: a document
//! with its id, document number, the keys its memo marks (`[entrata-recon KEY]`), its date and
//! its lines as (account code, debit?, cents). Amounts are read from the JSON text exactly.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// A journal entry (QBO), manual journal or bank transaction (Xero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// The company holding it: QuickBooks realm id, Xero tenant id.
    pub company: String,
    pub id: String,
    pub doc_number: String,
    /// Every entry key a marker in the document names (one, when all is well).
    pub keys: Vec<String>,
    pub date: NaiveDate,
    /// (account code, debit, cents); the bank side of a bank transaction is a line too.
    pub lines: Vec<(String, bool, i64)>,
    /// Set when the document cannot balance as read (a bank transaction whose items do not
    /// add up to its total).
    pub unbalanced_total: bool,
}

impl Doc {
    pub fn debits(&self) -> i64 {
        self.lines.iter().filter(|l| l.1).map(|l| l.2).sum()
    }

    pub fn credits(&self) -> i64 {
        self.lines.iter().filter(|l| !l.1).map(|l| l.2).sum()
    }

    /// Per (code, debit) sums: how two documents are compared (a target may split or merge lines
    /// of one account; the money per account and side may not move).
    pub fn sides(&self) -> BTreeMap<(String, bool), i64> {
        let mut sums = BTreeMap::new();
        for (code, debit, cents) in &self.lines {
            *sums.entry((code.clone(), *debit)).or_insert(0) += cents;
        }
        sums
    }
}

/// Both targets' documents.
#[derive(Debug, Clone, Default)]
pub struct Books {
    pub qbo: Vec<Doc>,
    pub xero: Vec<Doc>,
}

impl Books {
    pub fn of(&self, target: &str) -> &[Doc] {
        if target == "qbo" { &self.qbo } else { &self.xero }
    }

    /// Every company's documents (`qbo.companies`, `xero.organisations`: several sets of books).
    pub fn parse(text: &str) -> Result<Books, String> {
        let dump: Dump = serde_json::from_str(text).map_err(|e| format!("sandbox state: {e}"))?;
        let mut qbo = Vec::new();
        for company in dump.qbo.companies {
            qbo_docs(company, &mut qbo)?;
        }
        let mut xero = Vec::new();
        for organisation in dump.xero.organisations {
            xero_docs(organisation, &mut xero)?;
        }
        Ok(Books { qbo, xero })
    }
}

fn qbo_docs(company: QboDump, qbo: &mut Vec<Doc>) -> Result<(), String> {
    {
        let numbers: BTreeMap<String, String> =
            company.accounts.into_iter().map(|a| (a.id, a.acct_num.unwrap_or_default())).collect();
        for e in company.journal_entries {
            let mut lines = Vec::new();
            for line in &e.line {
                let detail = &line.detail;
                let code = numbers.get(&detail.account_ref.value).cloned().unwrap_or_default();
                lines.push((code, detail.posting_type == "Debit", raw_cents(&line.amount)?));
            }
            qbo.push(Doc {
                company: company.realm_id.clone(),
                id: e.id,
                doc_number: e.doc_number.unwrap_or_default(),
                keys: markers(e.private_note.as_deref().unwrap_or_default()),
                date: NaiveDate::parse_from_str(&e.txn_date, "%Y-%m-%d").map_err(|e| e.to_string())?,
                lines,
                unbalanced_total: false,
            });
        }
    }
    Ok(())
}

fn xero_docs(organisation: XeroDump, xero: &mut Vec<Doc>) -> Result<(), String> {
    {
        for j in organisation.manual_journals.into_iter().filter(|j| live(&j.status)) {
            let mut lines = Vec::new();
            for line in &j.journal_lines {
                let cents = raw_cents(&line.line_amount)?;
                lines.push((line.account_code.clone(), cents > 0, cents.abs()));
            }
            xero.push(Doc {
                company: organisation.tenant_id.clone(),
                id: j.id,
                doc_number: j.narration.split(": ").next().unwrap_or_default().to_owned(),
                keys: markers(&j.narration),
                date: ms_date(&j.date)?,
                lines,
                unbalanced_total: false,
            });
        }
        for t in organisation.bank_transactions.into_iter().filter(|t| live(&t.status)) {
            // RECEIVE: the bank account takes the total, the items are credited; SPEND: reversed.
            let receive = t.kind == "RECEIVE";
            let total = raw_cents(&t.total)?;
            let mut lines = vec![(t.bank_account.code.clone(), receive, total)];
            let mut items = 0;
            let mut keys = Vec::new();
            for item in &t.line_items {
                let cents = raw_cents(&item.line_amount)?;
                items += cents;
                lines.push((item.account_code.clone(), !receive, cents));
                keys.extend(markers(item.description.as_deref().unwrap_or_default()));
            }
            xero.push(Doc {
                company: organisation.tenant_id.clone(),
                id: t.id,
                // A correction's `Reference` is `<its number> corrects <the original's>`.
                doc_number: t
                    .reference
                    .as_deref()
                    .and_then(|r| r.split_whitespace().next())
                    .unwrap_or_default()
                    .to_owned(),
                keys,
                date: ms_date(&t.date)?,
                lines,
                unbalanced_total: items != total,
            });
        }
    }
    Ok(())
}

fn live(status: &str) -> bool {
    !matches!(status, "DELETED" | "VOIDED")
}

/// Every `[entrata-recon KEY]` in a text.
pub fn markers(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("[entrata-recon ") {
        let after = &rest[at + "[entrata-recon ".len()..];
        let Some(end) = after.find(']') else { break };
        keys.push(after[..end].to_owned());
        rest = &after[end..];
    }
    keys
}

/// `/Date(1769904000000+0000)/` as a day.
fn ms_date(text: &str) -> Result<NaiveDate, String> {
    let ms: i64 = text
        .trim_start_matches("/Date(")
        .split(['+', ')'])
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("not a Xero date: {text}"))?;
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.date_naive()).ok_or_else(|| format!("date {text}"))
}

/// Whole cents of a decimal written as JSON text (a number or a string), exactly.
pub fn text_cents(text: &str) -> Result<i64, String> {
    let decimal: Decimal = text.trim_matches('"').parse().map_err(|_| format!("not a decimal: {text}"))?;
    let cents = decimal * Decimal::ONE_HUNDRED;
    if cents.fract() != Decimal::ZERO {
        return Err(format!("{text} has more than two decimals"));
    }
    i64::try_from(cents).map_err(|_| format!("{text} is out of range"))
}

fn raw_cents(raw: &RawValue) -> Result<i64, String> {
    text_cents(raw.get())
}

/// Cents as decimal text with two decimals (`-0.50`, `12.34`).
pub fn fmt_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Cents of a dataset value the suite wrote or read itself (string or number).
pub fn cents(value: &Value) -> i64 {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text_cents(&text).unwrap_or(0)
}

#[derive(Deserialize)]
struct Dump {
    qbo: QboDumps,
    xero: XeroDumps,
}

#[derive(Deserialize)]
struct QboDumps {
    companies: Vec<QboDump>,
}

#[derive(Deserialize)]
struct XeroDumps {
    organisations: Vec<XeroDump>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QboDump {
    realm_id: String,
    accounts: Vec<QboAccount>,
    journal_entries: Vec<QboEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QboAccount {
    id: String,
    acct_num: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QboEntry {
    id: String,
    doc_number: Option<String>,
    txn_date: String,
    private_note: Option<String>,
    line: Vec<QboLine>,
}

#[derive(Deserialize)]
struct QboLine {
    #[serde(rename = "Amount")]
    amount: Box<RawValue>,
    #[serde(rename = "JournalEntryLineDetail")]
    detail: QboDetail,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QboDetail {
    posting_type: String,
    account_ref: QboRef,
}

#[derive(Deserialize)]
struct QboRef {
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct XeroDump {
    tenant_id: String,
    manual_journals: Vec<XeroJournal>,
    bank_transactions: Vec<XeroBank>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XeroJournal {
    #[serde(rename = "ManualJournalID")]
    id: String,
    narration: String,
    date: String,
    status: String,
    journal_lines: Vec<XeroLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XeroLine {
    line_amount: Box<RawValue>,
    account_code: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XeroBank {
    #[serde(rename = "BankTransactionID")]
    id: String,
    #[serde(rename = "Type")]
    kind: String,
    reference: Option<String>,
    date: String,
    status: String,
    bank_account: XeroBankAccount,
    line_items: Vec<XeroLine>,
    total: Box<RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XeroBankAccount {
    code: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_amounts_are_read_exactly() {
        assert_eq!(
            markers("EN-1: x [entrata-recon p/charges/2026-02-01/1] y"),
            vec!["p/charges/2026-02-01/1"]
        );
        assert_eq!(markers("[entrata-recon a] [entrata-recon b]"), vec!["a", "b"]);
        assert_eq!(text_cents("146558.23"), Ok(14_655_823));
        assert_eq!(text_cents("\"-0.10\""), Ok(-10));
        assert_eq!(text_cents("2819.0"), Ok(281_900));
        assert!(text_cents("1.005").is_err());
        assert_eq!(
            ms_date("/Date(1769904000000+0000)/"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 1).expect("date"))
        );
    }
}
