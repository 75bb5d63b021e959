//! A generated month posted to the Xero sandbox through a custom connection and read back equal
//! to the plan: every journal and bank transaction, line, amount, account, tracking and contact;
//! the fewest calls (one write per 50 documents of a kind, four reads) and no 429 under Xero's
//! real limits; a rerun posts nothing.

use entrata_recon::http::Pause;
use entrata_recon::journal::{BalancedEntry, Side};
use entrata_recon::mapping::MappingSet;

use super::support::{Books, Posting, Tracking, ms_date, signed};

/// The entry is in Xero exactly once, as planned.
fn assert_posted_as_planned(books: &Books, mappings: &MappingSet, entry: &BalancedEntry) {
    let key = entry.key().as_str();
    let mapping = mappings.for_property(entry.property_id());
    let code = |line: &entrata_recon::journal::Line| {
        mapping.accounts[line.account()].xero.clone().expect("every example account has a Xero code")
    };
    let tracking: Vec<Tracking> = mapping
        .dimensions
        .xero_tracking
        .iter()
        .map(|t| Tracking { name: t.name.clone(), option: t.option.clone() })
        .collect();
    if entry.kind().touches_bank() {
        let found = books.bank_transactions_of(key);
        assert_eq!(found.len(), 1, "{key} in Xero {} times", found.len());
        let t = found[0];
        let bank_accounts: Vec<_> = mapping.posting.bank_accounts.values().collect();
        let (bank_lines, others): (Vec<_>, Vec<_>) =
            entry.lines().iter().partition(|l| bank_accounts.contains(&l.account()));
        assert_eq!(bank_lines.len(), 1, "{key}");
        let bank = bank_lines[0];
        let expected_kind = if bank.side() == Side::Debit { "RECEIVE" } else { "SPEND" };
        assert_eq!(t.kind, expected_kind, "{key}");
        assert_eq!(t.bank_account.code, code(bank), "{key}");
        assert_eq!(
            t.total.get(),
            entrata_recon::domain::format_amount(bank.amount()),
            "{key}: the bank line"
        );
        assert_eq!(t.reference.as_deref(), Some(entry.doc_number().as_str()));
        let contact = mapping.dimensions.xero_contact.as_deref().expect("a contact");
        assert_eq!((t.status.as_str(), t.contact.name.as_str()), ("AUTHORISED", contact), "{key}");
        assert_eq!(t.date, ms_date(entry.date()), "{key}");
        assert_eq!(t.line_items.len(), others.len(), "{key}");
        for (item, line) in t.line_items.iter().zip(others) {
            // Items are positive on the side opposite the bank line.
            let text =
                signed(if line.side() != bank.side() { Side::Debit } else { Side::Credit }, line.amount());
            assert_eq!(
                (item.account_code.clone(), item.line_amount.get().to_owned()),
                (code(line), text),
                "{key}"
            );
            assert_eq!(item.tracking, tracking, "{key}");
        }
    } else {
        let found = books.journals_of(key);
        assert_eq!(found.len(), 1, "{key} in Xero {} times", found.len());
        let j = found[0];
        assert!(j.narration.starts_with(entry.doc_number().as_str()), "{}", j.narration);
        assert_eq!((j.status.as_str(), j.date.clone()), ("POSTED", ms_date(entry.date())), "{key}");
        let got: Vec<(String, String, Vec<Tracking>)> = j
            .journal_lines
            .iter()
            .map(|l| (l.account_code.clone(), l.line_amount.get().to_owned(), l.tracking.clone()))
            .collect();
        let expected: Vec<(String, String, Vec<Tracking>)> =
            entry.lines().iter().map(|l| (code(l), signed(l.side(), l.amount()), tracking.clone())).collect();
        assert_eq!(got, expected, "{key}");
    }
}

#[tokio::test]
async fn a_generated_month_posts_as_planned_in_the_fewest_calls_and_only_once() {
    let p = Posting::start(|_| {}).await;
    let planned = p.planned().await;
    let bank_entries = planned.iter().filter(|e| e.kind().touches_bank()).count();
    let journal_entries = planned.len() - bank_entries;
    assert!(journal_entries > 0 && bank_entries > 50, "{journal_entries} journals, {bank_entries} bank");

    let pause = Pause::real();
    let mut xero = p.target(pause.clone()).await;
    let summary = p.post(&mut xero).await;
    assert_eq!(summary.stopped, None);
    assert!(
        summary.failed.is_empty() && summary.held.is_empty() && summary.uncertain.is_empty(),
        "{summary:#?}"
    );
    assert_eq!(summary.posted.len(), planned.len());

    let books = p.books().await;
    assert_eq!(books.len(), planned.len(), "nothing else is in Xero");
    for entry in &planned {
        assert_posted_as_planned(&books, &p.mappings, entry);
    }
    // Every write carried an Idempotency-Key: the batch key and the kind of document.
    let keys: Vec<&str> = books.idempotency_keys.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys.len(), journal_entries.div_ceil(50) + bank_entries.div_ceil(50), "{keys:?}");
    assert!(keys.iter().all(|k| k.len() == 35 && (k.ends_with("-mj") || k.ends_with("-bt"))), "{keys:?}");
    assert!(books.idempotency_keys.iter().all(|k| k.status == Some(200)));
    // Each entry was confirmed with its own document's id.
    for result in &summary.posted {
        let id = books.id_of(&result.key).expect("in Xero once");
        assert_eq!(result.detail, format!("xero id {id}"));
    }

    // The fewest calls: a write per 50 documents of a kind, the four reads of `open`, the two of
    // the history check (`posting::history`: what of ours the organisation changed since it was
    // last asked, here everything, as it never was), no lookup, and not one 429 under Xero's
    // real limits.
    let counts = xero.counts();
    let writes = journal_entries.div_ceil(50) + bank_entries.div_ceil(50);
    assert_eq!(counts.writes, writes as u64, "{counts:?}");
    assert_eq!(summary.write_calls, writes as u64);
    assert_eq!((counts.reads, counts.throttled, summary.lookup_calls), (6, 0, 0), "{counts:?}");
    assert_eq!(
        p.served_requests("PUT /xero/api.xro/2.0/ManualJournals").await,
        journal_entries.div_ceil(50) as u64
    );
    assert_eq!(
        p.served_requests("PUT /xero/api.xro/2.0/BankTransactions").await,
        bank_entries.div_ceil(50) as u64
    );
    assert!(pause.waits().is_empty());

    // A rerun finds everything confirmed: no write, no lookup.
    let mut again = p.target(Pause::real()).await;
    let rerun = p.post(&mut again).await;
    assert!(rerun.posted.is_empty() && rerun.uncertain.is_empty() && rerun.failed.is_empty(), "{rerun:#?}");
    assert_eq!(rerun.already_posted, planned.len() as u64);
    assert_eq!((again.counts().writes, rerun.lookup_calls), (0, 0));
    assert_eq!(p.books().await.len(), planned.len());
}
