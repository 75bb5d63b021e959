//! Catch-ups: one company holds a recorded entry with other money than recorded, while another
//! target holds it as recorded (issue 15; soak seeds 5434 and 9743). A lost or replaced state file
//! posted the entry to that company on an earlier night, Entrata changed, and this state file
//! posted the new content to the other target before the company could be asked. The entry
//! cannot be rewritten to what the company holds (the other target holds the recorded lines), so
//! the company is brought to the recorded lines instead: one `adjustment` for that company alone,
//! booking exactly the recorded lines less what it holds. From then on every target holds the
//! recorded lines, and the slot's later adjustments apply to each alike.
//!
//! A catch-up stands outside every slot's chain (it books no item), takes the next key and
//! document number like any adjustment, and is recorded once per company: the posting that says
//! what the company holds names it from then on (`state::elsewhere`).

use rust_decimal::Decimal;

use super::correct::{Sums, add, correcting_entry};
use super::{Change, Ctx, NewContent, RecordError, RecordedEntry, Slot, content};

/// Records a catch-up for every company `recorded` says holds an entry with other money and no
/// catch-up yet.
pub(super) fn record(ctx: &mut Ctx<'_>, recorded: &[RecordedEntry]) -> Result<(), RecordError> {
    for entry in recorded.iter().filter(|e| !e.held_elsewhere.is_empty()) {
        let Some(lines) = &entry.lines else {
            return Err(RecordError::Corrupt {
                key: entry.key.clone(),
                message: "its lines were not loaded to catch a company up to them".into(),
            });
        };
        for held in &entry.held_elsewhere {
            let mut sums = Sums::new();
            add(&mut sums, lines.clone(), Decimal::ONE, entry)?;
            add(&mut sums, held.held.clone(), Decimal::NEGATIVE_ONE, entry)?;
            let name = held.target.name();
            let description = format!(
                "Brings {name}'s {} to what was recorded: it held other money (posted from another state file)",
                entry.doc_number
            );
            // It names the corrected entry's items, and books none of their versions.
            let mut ids: Vec<String> = entry.sources.iter().map(|s| s.id.clone()).collect();
            ids.sort();
            ids.dedup();
            let Some(catch_up) = correcting_entry(ctx, entry, held.currency, sums, &description, ids)? else {
                continue;
            };
            let slot = Slot::from_text(format!("catch-up/{}/{}/{}", held.target, held.company, entry.key));
            let content = NewContent {
                only: Some((held.target, held.company.clone())),
                ..content(catch_up, &slot, Vec::new(), Some(entry.key.clone()))
            };
            let identified = ctx.numbers.identify(ctx.property, content, ctx.numbering)?;
            ctx.out.changes.push(Change::Record(identified));
        }
    }
    Ok(())
}
