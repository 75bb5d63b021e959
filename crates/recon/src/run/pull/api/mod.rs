//! `pull` from Entrata's own API (`[source] kind = "entrata"`, docs/sources.md sections 4 and 7):
//! properties and AR codes, then each property's leases, its ledger over a window of recent post
//! months (the whole of it on the first pull or with `--full`), the payments its ledger names,
//! and its bank deposits from the GL. Entrata states no `updatedAt` and lists nothing it deleted,
//! so each item's `updatedAt` is when its current content was first seen, and a charge or deposit
//! missing from a window read to its end is written again as deleted.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use chrono::{Duration as ChronoDuration, NaiveDate, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{PullError, PullOptions, PullSummary, StateSink};
use crate::config::{ApiSource, Config, DepositSource};
use crate::domain::ItemKind;
use crate::report::progress::Progress;
use crate::source::client::SourceError;
use crate::source::entrata_api::client::{ApiClient, Page};
use crate::source::entrata_api::envelope::Call;
use crate::source::entrata_api::json;
use crate::source::entrata_api::read::OneOrMany;
use crate::source::entrata_api::shape::*;
use crate::source::entrata_api::translate::{self, Codes, Draft, PropertyInfo};
use crate::state::{PageOutcome, PageWriter, StateFile};

mod fetch;
mod store;
use store::{Stored, gone, listed_payments};

/// A property's leases, and the currency getLeases states for them.
type PropertyLeases = (Vec<Draft>, Option<String>);

/// Pages one paginated method may take for one property before we stop and say so.
const PAGES_MAX: u32 = 100_000;

pub async fn pull_api(
    config: &Config,
    client: &ApiClient,
    state: &StateFile,
    options: &PullOptions,
    progress: &Progress,
) -> Result<PullSummary, PullError> {
    let started = Instant::now();
    let api = config.source.api.as_ref().expect("kind = entrata");
    let zone: chrono_tz::Tz = api.timezone.parse().unwrap_or(chrono_tz::America::Denver);
    let now = Utc::now();
    let writer = tokio::sync::Mutex::new(state.page_writer().await?);
    let ctx = Ctx { config, api, client, state, writer: &writer, progress, options, zone, now };
    let mut summary = PullSummary::default();

    progress.set_message("pull: properties and AR codes");
    let properties_raw = client
        .call(&Call::new("properties", "getProperties", "r1").param("showAllStatus", "1"), None)
        .await?;
    let infos = match &properties_raw {
        Some(raw) => translate::properties(parse(raw, "properties.getProperties")?),
        None => Vec::new(),
    };
    let codes_raw = client.call(&Call::new("arcodes", "getArCodes", "r1"), None).await?;
    let (code_drafts, codes) = match &codes_raw {
        Some(raw) => translate::ar_codes(parse(raw, "arcodes.getArCodes")?, api),
        None => (Vec::new(), Codes::default()),
    };
    summary.lists += 2;

    let chosen: Vec<PropertyInfo> = if options.properties.is_empty() {
        infos.clone()
    } else {
        let mut chosen = Vec::new();
        for id in &options.properties {
            match infos.iter().find(|i| i.id == id.as_str()) {
                Some(info) => chosen.push(info.clone()),
                None => {
                    let known: Vec<&str> = infos.iter().map(|i| i.id.as_str()).collect();
                    return Err(PullError::UnknownProperty {
                        id: id.to_string(),
                        known: if known.is_empty() { "no properties".to_owned() } else { known.join(", ") },
                    });
                }
            }
        }
        chosen
    };

    // The leases first: getLeases states the currency the property item needs.
    progress.set_message("pull: leases");
    let (ctx_ref, codes_ref) = (&ctx, &codes);
    let leases: Vec<(String, PropertyLeases)> =
        stream::iter(chosen.clone().into_iter().map(|info| async move {
            Ok::<_, PullError>((info.id.clone(), ctx_ref.leases(&info, codes_ref).await?))
        }))
        .buffer_unordered(config.source.concurrency as usize)
        .try_collect()
        .await?;
    let leases: HashMap<String, PropertyLeases> = leases.into_iter().collect();

    let property_drafts: Vec<Draft> = infos
        .iter()
        .map(|info| translate::property(info, leases.get(&info.id).and_then(|(_, c)| c.as_deref()), api))
        .collect();
    let stored = ctx.stored(ItemKind::Property, None).await?;
    let outcome = ctx.write(ItemKind::Property, None, &stored, property_drafts, &[]).await?;
    summary.by_kind.entry(ItemKind::Property).or_default().add(outcome);
    let stored = ctx.stored(ItemKind::ArCode, None).await?;
    let outcome = ctx.write(ItemKind::ArCode, None, &stored, code_drafts, &[]).await?;
    summary.by_kind.entry(ItemKind::ArCode).or_default().add(outcome);

    summary.properties = chosen.len() as u64;
    progress.set_total(summary.properties, "properties");
    progress.set_message("pull: ledgers");
    let leases = &leases;
    let codes = &codes;
    let per_property = stream::iter(chosen.into_iter().map(|info| async move {
        let (lease_drafts, stated) = leases.get(&info.id).cloned().unwrap_or_default();
        let currency = info.currency(stated.as_deref(), api);
        let result = ctx_ref.property(&info, lease_drafts, currency, codes).await?;
        ctx_ref.progress.step();
        Ok::<_, PullError>(result)
    }))
    .buffer_unordered(config.source.concurrency as usize)
    .try_collect::<Vec<_>>()
    .await?;
    for results in per_property {
        for (kind, outcome, lists) in results {
            summary.by_kind.entry(kind).or_default().add(outcome);
            summary.lists += lists;
        }
    }
    summary.client = client.stats();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

fn parse<'a, T: Deserialize<'a>>(raw: &'a RawValue, what: &str) -> Result<T, SourceError> {
    serde_json::from_str(raw.get())
        .map_err(|e| SourceError::Malformed { path: what.to_owned(), message: e.to_string() })
}

/// Counts the lease nodes of a page without reading them.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LeaseCount {
    leases: CountList,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CountList {
    lease: OneOrMany<serde::de::IgnoredAny>,
}

struct Ctx<'a> {
    config: &'a Config,
    api: &'a ApiSource,
    client: &'a ApiClient,
    state: &'a StateFile,
    writer: &'a tokio::sync::Mutex<PageWriter>,
    progress: &'a Progress,
    options: &'a PullOptions,
    zone: chrono_tz::Tz,
    now: chrono::DateTime<Utc>,
}

/// `MM/DD/YYYY`, as Entrata takes dates.
fn us_date(date: NaiveDate) -> String {
    date.format("%m/%d/%Y").to_string()
}

impl Ctx<'_> {
    async fn paged(&self, call: Call) -> Result<(Vec<Box<RawValue>>, u64), PullError> {
        let per_page = self.config.source.page_size.clamp(5, 1000);
        let mut pages = Vec::new();
        for number in 1..=PAGES_MAX {
            // "No Records Found." after full pages: the last page was full.
            let Some(raw) = self.client.call(&call, Some(Page { number, per_page })).await? else {
                let n = pages.len() as u64 + 1;
                return Ok((pages, n));
            };
            let count: LeaseCount = parse(&raw, call.method)?;
            let nodes = count.leases.lease.into_vec().len() as u32;
            if nodes > per_page {
                return Err(SourceError::Malformed {
                    path: format!("{}.{} page {number}", call.service, call.method),
                    message: format!("{nodes} leases on a page of {per_page}"),
                }
                .into());
            }
            pages.push(raw);
            if nodes < per_page {
                let n = pages.len() as u64;
                return Ok((pages, n));
            }
        }
        Err(SourceError::Malformed {
            path: format!("{}.{}", call.service, call.method),
            message: format!("more than {PAGES_MAX} pages"),
        }
        .into())
    }

    async fn leases(&self, info: &PropertyInfo, codes: &Codes) -> Result<PropertyLeases, PullError> {
        let call = Call::new("leases", "getLeases", "r1")
            .param("propertyId", &info.id)
            .param("includeOtherIncomeLeases", "1");
        let (pages, _) = self.paged(call).await?;
        let mut drafts = Vec::new();
        let mut stated = None;
        for raw in &pages {
            let result: LeasesResult<'_> = parse(raw, "leases.getLeases")?;
            let (mut d, currency) = translate::leases(result, &info.id, None, codes);
            drafts.append(&mut d);
            stated = stated.or(currency);
        }
        Ok((drafts, stated))
    }

    /// The first day of the window this pull reads again, or `None` for the whole history.
    fn window_start(&self, info: &PropertyInfo, has_history: bool) -> Option<NaiveDate> {
        if self.options.full || !has_history {
            return None;
        }
        if let Some(since) = self.options.since {
            return Some(since.date_naive());
        }
        let month = info.ar_post_month.as_deref()?;
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
        let back = first.checked_sub_months(chrono::Months::new(self.api.ledger_reread_months))?;
        back.checked_sub_signed(ChronoDuration::days(i64::from(self.api.overlap_days)))
    }

    async fn stored(&self, kind: ItemKind, property: Option<&str>) -> Result<Stored, PullError> {
        Ok(self.state.current_items(kind, property).await?.into_iter().map(|i| (i.item_id, i.raw)).collect())
    }

    async fn property(
        &self,
        info: &PropertyInfo,
        lease_drafts: Vec<Draft>,
        currency: Option<&str>,
        codes: &Codes,
    ) -> Result<Vec<(ItemKind, PageOutcome, u64)>, PullError> {
        let id = info.id.as_str();
        let stored_charges = self.stored(ItemKind::Charge, Some(id)).await?;
        let stored_payments = self.stored(ItemKind::Payment, Some(id)).await?;
        let stored_deposits = self.stored(ItemKind::Deposit, Some(id)).await?;
        let stored_leases = self.stored(ItemKind::Lease, Some(id)).await?;
        let start = self.window_start(info, !stored_charges.is_empty() || !stored_payments.is_empty());

        let mut call = Call::new("artransactions", "getLeaseArTransactions", "r1")
            .param("propertyId", id)
            .param("showFullLedger", "1")
            .param("includeReversals", "1")
            .param("includeOtherIncomeLeases", "1");
        if let Some(start) = start {
            call = call.param("transactionFromDate", us_date(start));
        }
        let (pages, ledger_calls) = self.paged(call).await?;
        let mut ledger_leases = Vec::new();
        for raw in &pages {
            let result: LedgerResult<'_> = parse(raw, "artransactions.getLeaseArTransactions")?;
            ledger_leases.extend(result.leases.into_vec());
        }
        let mut ledger = translate::ledger(ledger_leases, id, currency, codes, false);
        if ledger.temporary > 0 {
            tracing::info!(
                property = id,
                temporary = ledger.temporary,
                "temporary Entrata transactions left out"
            );
        }

        let (deposit_drafts, of_payment, gl_calls) = match self.api.deposits {
            DepositSource::None => (Vec::new(), HashMap::new(), 0),
            DepositSource::Gl => {
                let floor =
                    ledger.charge_dates.values().chain(ledger.payments.values().map(|l| &l.post_date));
                let floor = floor
                    .filter_map(|d| NaiveDate::parse_from_str(d.trim_matches('"'), "%Y-%m-%d").ok())
                    .min();
                self.gl_deposits(id, start, floor, currency).await?
            }
        };

        let read_now = |id: &str| deposit_drafts.iter().any(|d| d.id == id);
        let deposit_gone = match self.api.deposits {
            DepositSource::Gl => gone(&stored_deposits, read_now, start, "depositDate", "depositDate"),
            DepositSource::None => Vec::new(),
        };
        let deposit_gone_ids: BTreeSet<&String> = deposit_gone.iter().map(|(id, _)| id).collect();
        // Which deposit lists each payment: those read now, else what the state file holds.
        let mut of_payment = {
            let mut all: HashMap<String, String> = HashMap::new();
            for (deposit, raw) in &stored_deposits {
                if read_now(deposit) || !raw.contains("\"status\":\"posted\"") {
                    continue;
                }
                for payment in listed_payments(raw) {
                    all.insert(payment, deposit.clone());
                }
            }
            all.extend(of_payment);
            all
        };
        of_payment.retain(|_, d| !deposit_gone_ids.contains(d));

        // Payments the ledger names, and those a deposit read now lists: placed by their
        // ledger line, or, when this window did not cover it, by what the state file holds.
        let mut wanted: BTreeSet<String> = ledger.payments.keys().cloned().collect();
        wanted.extend(of_payment.keys().cloned());
        for payment in &wanted {
            if ledger.payments.get(payment).is_some_and(|l| !l.post_date.is_empty()) {
                continue;
            }
            if let Some(raw) = stored_payments.get(payment) {
                let line = ledger.payments.entry(payment.clone()).or_default();
                let stored: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
                let quoted = |f: &str| stored[f].as_str().map_or_else(|| "null".to_owned(), json::quote);
                line.lease_id = quoted("leaseId");
                line.post_date = quoted("postDate");
                line.post_month = quoted("postMonth");
            }
        }
        let (payment_nodes_raw, payment_calls) = self.payments(&wanted).await?;
        let mut payment_nodes = Vec::new();
        for raw in &payment_nodes_raw {
            let result: PaymentsResult<'_> = parse(raw, "arpayments.getArPayments")?;
            payment_nodes.extend(result.ar_payments.into_vec());
        }
        let mut payment_drafts =
            translate::payments(payment_nodes, id, &ledger.payments, &of_payment, currency, codes, self.zone);
        // One version per payment even if two answers carried it: the last read wins.
        let mut seen = BTreeSet::new();
        payment_drafts.reverse();
        payment_drafts.retain(|d| seen.insert(d.id.clone()));
        payment_drafts.reverse();

        let listed = |id: &str| ledger.charge_dates.contains_key(id);
        let charge_gone = gone(&stored_charges, listed, start, "transactionDate", "postDate");

        let mut results = Vec::new();
        let o = self.write(ItemKind::Lease, Some(id), &stored_leases, lease_drafts, &[]).await?;
        results.push((ItemKind::Lease, o, 0));
        let charges = std::mem::take(&mut ledger.charges);
        let o = self.write(ItemKind::Charge, Some(id), &stored_charges, charges, &charge_gone).await?;
        results.push((ItemKind::Charge, o, ledger_calls));
        let o = self.write(ItemKind::Payment, Some(id), &stored_payments, payment_drafts, &[]).await?;
        results.push((ItemKind::Payment, o, payment_calls));
        let o =
            self.write(ItemKind::Deposit, Some(id), &stored_deposits, deposit_drafts, &deposit_gone).await?;
        results.push((ItemKind::Deposit, o, gl_calls));
        let new: u64 = results.iter().map(|(_, o, _)| o.new + o.changed).sum();
        tracing::info!(property = id, new_or_changed = new, "property pulled");
        Ok(results)
    }
}
