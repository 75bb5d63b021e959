//! QuickBooks Online as a posting target: the company's references resolved once per run (accounts
//! by `AcctNum`, customers by `DisplayName`, classes and departments by `Name`, the home currency),
//! journal entries built from recorded entries, posted in batches of 30 under a `requestid`, and
//! found again by `DocNumber` and the key in `PrivateNote`.

pub mod client;
pub mod readback;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use self::client::{QboClient, WriteResult};
use self::wire::{BatchItem, BatchRequest, Entity, JournalEntry, Line, LineDetail, Ref, SavedEntry};
use crate::domain::format_amount;
use crate::journal::{BalancedEntry, Side};
use crate::mapping::MappingSet;
use crate::posting::engine::batch_key;
use crate::posting::{Found, FoundLine, Hold, LookupRequest, Outgoing, SendOutcome, Target, TargetError};
use crate::targets::TargetKind;

/// QuickBooks takes at most 30 items in a batch (reference A.5).
pub const BATCH_MAX: usize = 30;
/// Error code of a `TxnDate` on or before the books' close date.
const PERIOD_CLOSED: &str = "6210";

/// An account of the company's chart, as the mapping refers to it (by number).
#[derive(Debug, Clone)]
pub struct ChartAccount {
    pub id: String,
    pub name: String,
    pub account_type: String,
    pub active: bool,
}

/// The company's references, read once per run.
#[derive(Debug, Clone)]
pub struct Company {
    pub accounts_by_number: HashMap<String, ChartAccount>,
    pub customers: HashMap<String, (String, bool)>,
    pub classes: HashMap<String, (String, bool)>,
    pub departments: HashMap<String, (String, bool)>,
    /// The company's home currency (`Preferences.CurrencyPrefs.HomeCurrency`), or why it is not
    /// known. Unknown holds every entry (`currency_unknown`): money never goes out in a guessed
    /// currency.
    pub home_currency: Result<String, String>,
}

impl Default for Company {
    fn default() -> Company {
        Company {
            accounts_by_number: HashMap::new(),
            customers: HashMap::new(),
            classes: HashMap::new(),
            departments: HashMap::new(),
            home_currency: Err("not read".into()),
        }
    }
}

impl Company {
    pub async fn read(client: &QboClient) -> Result<Company, TargetError> {
        let mut company = Company::default();
        // Inactive rows are left out of a query unless its WHERE names `Active`.
        for row in client.query_all("Account", "WHERE Active IN (true, false)").await? {
            let (Some(id), Some(number)) = (text(&row, "Id"), text(&row, "AcctNum")) else { continue };
            company.accounts_by_number.insert(
                number,
                ChartAccount {
                    id,
                    name: text(&row, "Name").unwrap_or_default(),
                    account_type: text(&row, "AccountType").unwrap_or_default(),
                    active: row["Active"].as_bool().unwrap_or(true),
                },
            );
        }
        for (entity, field, into) in [
            ("Customer", "DisplayName", &mut company.customers),
            ("Class", "Name", &mut company.classes),
            ("Department", "Name", &mut company.departments),
        ] {
            for row in client.query_all(entity, "WHERE Active IN (true, false)").await? {
                if let (Some(id), Some(name)) = (text(&row, "Id"), text(&row, field)) {
                    into.insert(name, (id, row["Active"].as_bool().unwrap_or(true)));
                }
            }
        }
        company.home_currency = match client.preferences().await {
            Ok(preferences) => match preferences["CurrencyPrefs"]["HomeCurrency"]["value"].as_str() {
                Some(code) if !code.trim().is_empty() => Ok(code.trim().to_ascii_uppercase()),
                _ => Err("QuickBooks' preferences do not name a home currency".to_owned()),
            },
            Err(e) => Err(format!("QuickBooks' preferences could not be read ({e})")),
        };
        if let Err(reason) = &company.home_currency {
            tracing::warn!(%reason, "QuickBooks' home currency is not known; every entry is held until it is");
        }
        Ok(company)
    }
}

fn text(row: &Value, field: &str) -> Option<String> {
    match &row[field] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub struct QboTarget {
    client: QboClient,
    company: Company,
    mappings: Arc<MappingSet>,
    /// The company's clock in the latest batch answer.
    answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The marker of an entry's key in `PrivateNote`, which a lookup matches.
pub fn note_marker(key: &str) -> String {
    format!("[entrata-recon {key}]")
}

impl QboTarget {
    pub fn new(client: QboClient, company: Company, mappings: Arc<MappingSet>) -> QboTarget {
        QboTarget { client, company, mappings, answered_at: None }
    }

    /// A stored entry's lines by account number (an account the chart read does not know is
    /// named by its id, so that it compares unequal); `None` when an amount or side is unreadable.
    fn found_lines(&self, saved: &wire::SavedEntry) -> Option<Vec<FoundLine>> {
        let mut out = Vec::with_capacity(saved.line.len());
        for line in &saved.line {
            // Description-only lines carry no money.
            let Some(detail) = &line.journal_entry_line_detail else { continue };
            let amount = crate::domain::parse_decimal_text(line.amount.as_ref()?.get().trim()).ok()?;
            let side = match detail.posting_type.as_str() {
                "Debit" => Side::Debit,
                "Credit" => Side::Credit,
                _ => return None,
            };
            let id = &detail.account_ref.value;
            let account = self
                .company
                .accounts_by_number
                .iter()
                .find(|(_, a)| &a.id == id)
                .map_or_else(|| format!("id {id}"), |(number, _)| number.clone());
            out.push(FoundLine { account, side, amount });
        }
        Some(out)
    }

    /// The JournalEntry for `entry`, or why it cannot be built.
    fn journal_entry(&self, outgoing: &Outgoing) -> Result<JournalEntry, Hold> {
        let entry = &outgoing.entry;
        let mapping = self.mappings.for_property(entry.property_id());
        let dims = &mapping.dimensions;
        let named = |table: &HashMap<String, (String, bool)>,
                     name: &Option<String>,
                     what: &str|
         -> Result<Option<Ref>, Hold> {
            let Some(name) = name else { return Ok(None) };
            match table.get(name) {
                Some((id, true)) => Ok(Some(Ref { value: id.clone() })),
                Some((_, false)) => {
                    Err(hold("unknown_account", format!("QuickBooks {what} `{name}` is inactive")))
                }
                None => Err(hold("unknown_account", format!("QuickBooks has no {what} named `{name}`"))),
            }
        };
        let class = named(&self.company.classes, &dims.qbo_class, "class")?;
        let department = named(&self.company.departments, &dims.qbo_location, "location (department)")?;
        let mut lines = Vec::with_capacity(entry.lines().len());
        for line in entry.lines() {
            let logical = line.account();
            let number = mapping.accounts.get(logical).and_then(|a| a.qbo.clone()).ok_or_else(|| {
                hold(
                    "unknown_account",
                    format!("`{logical}` has no QuickBooks account number in the mapping"),
                )
            })?;
            let account = self.company.accounts_by_number.get(&number).ok_or_else(|| {
                hold("unknown_account", format!("QuickBooks has no account numbered {number} (`{logical}`)"))
            })?;
            if !account.active {
                return Err(hold(
                    "unknown_account",
                    format!("QuickBooks account {number} ({}) is inactive", account.name),
                ));
            }
            let entity = if account.account_type == "Accounts Receivable" {
                let customer =
                    named(&self.company.customers, &dims.qbo_customer, "customer")?.ok_or_else(|| {
                        hold(
                            "unknown_account",
                            format!("account {number} is receivable and needs `qbo_customer` in the mapping"),
                        )
                    })?;
                Some(Entity { kind: "Customer", entity_ref: customer })
            } else {
                None
            };
            let amount = wire::number(&format_amount(line.amount())).map_err(|e| hold("invalid_item", e))?;
            lines.push(Line {
                description: Some(line.description().to_owned()).filter(|d| !d.is_empty()),
                amount,
                detail_type: "JournalEntryLineDetail",
                journal_entry_line_detail: LineDetail {
                    posting_type: match line.side() {
                        Side::Debit => "Debit",
                        Side::Credit => "Credit",
                    },
                    account_ref: Ref { value: account.id.clone() },
                    entity,
                    class_ref: class.as_ref().map(|r| Ref { value: r.value.clone() }),
                    department_ref: department.as_ref().map(|r| Ref { value: r.value.clone() }),
                },
            });
        }
        let mut note = format!("{} {}", note_marker(entry.key().as_str()), entry.kind());
        let date = match outgoing.redate {
            Some(date) => {
                note.push_str(&format!(
                    "; dated {} in Entrata, moved to {date}: period closed",
                    entry.date()
                ));
                date
            }
            None => entry.date(),
        };
        Ok(JournalEntry {
            doc_number: entry.doc_number().to_string(),
            txn_date: date.to_string(),
            private_note: note,
            line: lines,
        })
    }
}

fn hold(kind: &'static str, message: String) -> Hold {
    Hold { kind, message }
}

/// Whether the company holds any journal entry: `SELECT COUNT(*) FROM JournalEntry`, one query
/// (`true` when the answer carries no count).
pub async fn holds_journal_entries(client: &QboClient) -> Result<bool, TargetError> {
    let answer = client.query("SELECT COUNT(*) FROM JournalEntry").await?;
    Ok(answer["QueryResponse"]["totalCount"].as_u64().is_none_or(|n| n > 0))
}

impl Target for QboTarget {
    fn kind(&self) -> TargetKind {
        TargetKind::Qbo
    }

    fn company_id(&self) -> &str {
        self.client.realm_id()
    }

    fn batch_size(&self) -> usize {
        BATCH_MAX
    }

    /// The day after the books' close date (`Preferences.AccountingInfoPrefs.BookCloseDate`), read
    /// afresh.
    async fn first_open_date(&mut self) -> Result<Option<chrono::NaiveDate>, TargetError> {
        let preferences = self.client.preferences().await?;
        let close = preferences["AccountingInfoPrefs"]["BookCloseDate"]
            .as_str()
            .and_then(|d| d.get(..10)?.parse::<chrono::NaiveDate>().ok());
        Ok(close.and_then(|d| d.succ_opt()))
    }

    fn hold_reason(&self, entry: &BalancedEntry) -> Option<Hold> {
        match &self.company.home_currency {
            Ok(home) if home != entry.currency().as_str() => {
                return Some(hold(
                    "currency_mismatch",
                    format!(
                        "the entry is in {} and the QuickBooks company keeps its books in {home}",
                        entry.currency()
                    ),
                ));
            }
            Ok(_) => {}
            Err(reason) => {
                return Some(hold(
                    "currency_unknown",
                    format!(
                        "{reason}; the entry ({}) is sent once the company's currency is known",
                        entry.currency()
                    ),
                ));
            }
        }
        let probe = Outgoing { entry: entry.clone(), token: String::new(), redate: None };
        self.journal_entry(&probe).err()
    }

    async fn send(&mut self, batch: &[Outgoing]) -> Result<Vec<SendOutcome>, TargetError> {
        let mut items = Vec::with_capacity(batch.len());
        let mut outcomes: Vec<Option<SendOutcome>> = vec![None; batch.len()];
        for (index, outgoing) in batch.iter().enumerate() {
            match self.journal_entry(outgoing) {
                Ok(journal_entry) => {
                    items.push(BatchItem { b_id: format!("b{index}"), operation: "create", journal_entry })
                }
                Err(hold) => {
                    outcomes[index] =
                        Some(SendOutcome::Refused { message: hold.message, closed_period: false });
                }
            }
        }
        if !items.is_empty() {
            let tokens: Vec<&str> = batch.iter().map(|o| o.token.as_str()).collect();
            let request_id = batch_key(&tokens);
            match self.client.batch(&request_id, &BatchRequest { items }).await? {
                WriteResult::Answered(response) => {
                    if let Some(at) = readback::instant(response.time.as_deref()) {
                        self.answered_at = self.answered_at.max(Some(at));
                    }
                    let mut answers: HashMap<String, wire::BatchItemResponse> =
                        response.items.into_iter().map(|item| (item.b_id.clone(), item)).collect();
                    for (index, slot) in outcomes.iter_mut().enumerate() {
                        if slot.is_some() {
                            continue;
                        }
                        *slot = Some(match answers.remove(&format!("b{index}")) {
                            Some(wire::BatchItemResponse { journal_entry: Some(saved), .. }) => {
                                SendOutcome::Confirmed { target_id: saved.id }
                            }
                            // Only a validation fault for this very item proves it was not
                            // created; a SystemFault (10000) can come after the commit.
                            Some(wire::BatchItemResponse { fault: Some(fault), .. })
                                if fault.is_validation() =>
                            {
                                SendOutcome::Refused {
                                    message: fault.describe(),
                                    closed_period: fault.has_code(PERIOD_CLOSED),
                                }
                            }
                            Some(wire::BatchItemResponse { fault: Some(fault), .. }) => {
                                SendOutcome::Unknown {
                                    reason: format!(
                                        "QuickBooks answered this entry with a {} ({}), which does not say it was not saved",
                                        fault.kind.as_deref().unwrap_or("fault"),
                                        fault.describe()
                                    ),
                                }
                            }
                            _ => SendOutcome::Unknown {
                                reason: "the batch answer did not mention this entry".into(),
                            },
                        });
                    }
                }
                WriteResult::Unknown(reason) => {
                    for slot in outcomes.iter_mut().filter(|s| s.is_none()) {
                        *slot = Some(SendOutcome::Unknown { reason: reason.clone() });
                    }
                }
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(SendOutcome::Unknown { reason: "no outcome".into() }))
            .collect())
    }

    /// `SELECT COUNT(*) FROM JournalEntry`: one query.
    /// A full read back (`readback`), the connector's live entries only.
    fn last_answer_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.answered_at
    }

    async fn documents_of_ours(
        &mut self,
        since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Option<crate::posting::HeldHistory>, TargetError> {
        // Our clock decides whether the company's 30 days reach back that far, as `drift` does.
        let since = since.filter(|s| chrono::Utc::now() - *s <= readback::CDC_LOOK_BACK);
        let read = readback::read_back(&self.client, since, &|_, key| key.is_some()).await?;
        let at = read.compared_at;
        Ok(Some(crate::posting::HeldHistory { documents: crate::drift::held::live_keys(read.documents), at }))
    }

    /// The entry's lines by the mapping's QuickBooks account numbers (`found_lines`' terms).
    fn held_form(&self, entry: &BalancedEntry) -> Option<Vec<FoundLine>> {
        let mapping = self.mappings.for_property(entry.property_id());
        entry
            .lines()
            .iter()
            .map(|line| {
                let number = mapping.accounts.get(line.account())?.qbo.clone()?;
                Some(FoundLine { account: number, side: line.side(), amount: line.amount() })
            })
            .collect()
    }

    fn accounts_for(&self, entry: &BalancedEntry, number: &str) -> Vec<crate::domain::AccountName> {
        let mapping = self.mappings.for_property(entry.property_id());
        mapping.accounts_where(|a| a.qbo.as_deref(), |n| n == number)
    }

    async fn holds_documents(&mut self) -> Result<bool, TargetError> {
        holds_journal_entries(&self.client).await
    }

    async fn lookup(&mut self, requests: &[LookupRequest]) -> Result<Vec<Option<Found>>, TargetError> {
        let numbers: Vec<String> =
            requests.iter().map(|r| format!("'{}'", r.doc_number.replace('\'', "\\'"))).collect();
        let rows = self
            .client
            .query_all("JournalEntry", &format!("WHERE DocNumber IN ({})", numbers.join(", ")))
            .await?;
        let saved: Vec<SavedEntry> =
            rows.into_iter().filter_map(|row| serde_json::from_value(row).ok()).collect();
        Ok(requests
            .iter()
            .map(|request| {
                let marker = note_marker(&request.key);
                saved
                    .iter()
                    .find(|e| {
                        e.doc_number.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(&request.doc_number))
                            && e.private_note.as_deref().is_some_and(|n| n.contains(&marker))
                    })
                    .map(|e| Found {
                        target_id: e.id.clone(),
                        date: e
                            .txn_date
                            .as_deref()
                            .and_then(|d| d.get(..10)?.parse::<chrono::NaiveDate>().ok()),
                        lines: self.found_lines(e),
                    })
            })
            .collect())
    }
}
