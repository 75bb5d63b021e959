//! The calls of the pull from Entrata's own API that read more than one answer for a property,
//! neither method having pages: payments by ids, checked complete, and the GL's bank deposits by
//! date window, a window whose answer may have been cut short read again in halves.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration as ChronoDuration, NaiveDate};

use serde_json::value::RawValue;

use super::{Ctx, PullError, parse, us_date};
use crate::source::client::SourceError;
use crate::source::entrata_api::envelope::Call;
use crate::source::entrata_api::json::plain;
use crate::source::entrata_api::shape::{GlResult, PaymentsResult};
use crate::source::entrata_api::translate::{self, Draft};

/// Deposits read from the GL, which deposit lists each payment, and the calls it took.
type GlDeposits = (Vec<Draft>, HashMap<String, String>, u64);

impl Ctx<'_> {
    /// getArPayments by ids, in batches of `payment_batch`. The method has no paging, so every id
    /// asked for must come back: the ids a batch left out are asked for again in batches a tenth
    /// the size (an answer cut at some cap), and those still missing one by one; one missing then
    /// stops the pull rather than leave a payment out.
    pub(super) async fn payments(
        &self,
        wanted: &BTreeSet<String>,
    ) -> Result<(Vec<Box<RawValue>>, u64), PullError> {
        let mut out = Vec::new();
        let mut calls = 0;
        let mut missing: Vec<&String> = wanted.iter().collect();
        let first = self.api.payment_batch as usize;
        for size in [first, (first / 10).max(1), 1] {
            if missing.is_empty() {
                break;
            }
            let mut answered = BTreeSet::new();
            for chunk in missing.chunks(size) {
                calls += 1;
                let call = Call::new("arpayments", "getArPayments", "r1")
                    .param("arPaymentIds", chunk.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","))
                    .param("isIncludeAllocations", "1");
                let Some(raw) = self.client.call(&call, None).await? else { continue };
                let result: PaymentsResult<'_> = parse(&raw, "arpayments.getArPayments")?;
                let ids: Vec<String> = result
                    .ar_payments
                    .into_vec()
                    .into_iter()
                    .filter_map(|n| plain(n.ar_payment_id))
                    .collect();
                // Kept only when it answers something asked for: a payment is translated once.
                if ids.iter().any(|id| chunk.iter().any(|c| c.as_str() == id)) {
                    answered.extend(ids);
                    out.push(raw);
                }
            }
            if size > 1 && answered.len() < missing.len() {
                tracing::info!(
                    asked = missing.len(),
                    answered = answered.len(),
                    "getArPayments left payments out of a batch: asking for them again in smaller batches"
                );
            }
            missing.retain(|id| !answered.contains(id.as_str()));
        }
        if let Some(id) = missing.first() {
            return Err(SourceError::Malformed {
                path: "arpayments.getArPayments".to_owned(),
                message: format!(
                    "payment {id} is in the ledger but getArPayments does not return it ({} such)",
                    missing.len()
                ),
            }
            .into());
        }
        Ok((out, calls))
    }

    /// The property's bank deposits from `getGlTransactions`, from `start` (every date when
    /// `None`) on. One call, unless its answer has `gl_split_at` lines or more: Entrata states no
    /// cap on this unpaginated method, and an answer cut at one would look like that, so the
    /// window is read again in halves (from `floor`, the earliest ledger date, when it has no
    /// start), down to one day; a day still that full stops the pull rather than lose lines.
    pub(super) async fn gl_deposits(
        &self,
        property: &str,
        start: Option<NaiveDate>,
        floor: Option<NaiveDate>,
        currency: Option<&str>,
    ) -> Result<GlDeposits, PullError> {
        let today = self.now.with_timezone(&self.zone).date_naive();
        let mut windows = vec![(start, None::<NaiveDate>)];
        let (mut drafts, mut of_payment, mut calls) = (Vec::new(), HashMap::new(), 0);
        while let Some((from, to)) = windows.pop() {
            let mut call = Call::new("financial", "getGlTransactions", "r1").param("propertyIds", property);
            if let Some(from) = from {
                call = call.param("postDateFrom", us_date(from));
            }
            if let Some(to) = to {
                call = call.param("postDateTo", us_date(to));
            }
            calls += 1;
            let Some(raw) = self.client.call(&call, None).await? else { continue };
            let result: GlResult<'_> = parse(&raw, "financial.getGlTransactions")?;
            let lines: usize = result
                .properties
                .items
                .as_slice()
                .iter()
                .flat_map(|p| p.transactions.items.as_slice())
                .map(|a| a.gl_details.items.as_slice().len())
                .sum();
            if lines >= self.api.gl_split_at as usize {
                let lo = from.or(floor).unwrap_or(today).min(today);
                let hi = to.unwrap_or(today).max(lo);
                if lo >= hi {
                    return Err(SourceError::Malformed {
                        path: "financial.getGlTransactions".to_owned(),
                        message: format!(
                            "{lines} GL lines for property {property} in one day's window from {lo}, at least source.gl_split_at ({}): the answer may be cut short, so the pull stops rather than miss deposits",
                            self.api.gl_split_at
                        ),
                    }
                    .into());
                }
                let mid = lo + ChronoDuration::days((hi - lo).num_days() / 2);
                tracing::info!(property, lines, %lo, %hi, "a GL answer as large as source.gl_split_at: reading its window in halves");
                windows.push((from, Some(mid)));
                windows.push((Some(mid + ChronoDuration::days(1)), to));
                continue;
            }
            let (d, of) = translate::deposits(result, property, currency);
            drafts.extend(d);
            of_payment.extend(of);
        }
        Ok((drafts, of_payment, calls))
    }
}
