//! `plan --format csv`: one row per entry (with its sources, once), one per line of it, then one
//! per exception; the `record` column says which. The columns never change with the options (the
//! target columns are empty without `--target`), so a spreadsheet or a script can rely on them:
//!
//! | column | `entry` | `line` | `exception` |
//! |---|---|---|---|
//! | `record` | `entry` | `line` | `exception` |
//! | `key`, `docNumber`, `date`, `postMonth` | the entry's | the entry's | |
//! | `propertyId`, `currency` | the entry's | the entry's | the item's |
//! | `kind` | journal kind | journal kind | exception kind |
//! | `account`, `debit`, `credit`, `description` | | the line's | |
//! | `target`, `targetAccount` | | with `--target`: `qbo`/`xero`, the account there | |
//! | `targetClass`, `targetLocation`, `targetCustomer` | | with `--target qbo` | |
//! | `targetTracking`, `targetContact` | | with `--target xero` (`Name=Option; ...`) | |
//! | `sources` | the source items' ids, space-separated | | the item's id |
//! | `amount`, `message` | | | the money waiting, why |

use super::{PlanView, TargetView};
use crate::domain::{PropertyId, format_amount};

/// The header, in order. Documented above and in README.md; change neither alone.
pub const COLUMNS: [&str; 22] = [
    "record",
    "key",
    "docNumber",
    "propertyId",
    "kind",
    "date",
    "postMonth",
    "currency",
    "account",
    "debit",
    "credit",
    "description",
    "target",
    "targetAccount",
    "targetClass",
    "targetLocation",
    "targetCustomer",
    "targetTracking",
    "targetContact",
    "sources",
    "amount",
    "message",
];

impl PlanView<'_> {
    pub fn to_csv(&self) -> Result<String, ::csv::Error> {
        let mut out = ::csv::Writer::from_writer(Vec::new());
        out.write_record(COLUMNS)?;
        let mut row: Vec<String> = vec![String::new(); COLUMNS.len()];
        for entry in self.entries {
            let mapping = (self.mapping_for)(entry.property_id());
            row.iter_mut().for_each(String::clear);
            let shared = [
                entry.key().as_str().to_owned(),
                entry.doc_number().as_str().to_owned(),
                entry.property_id().as_str().to_owned(),
                entry.kind().as_str().to_owned(),
                entry.date().to_string(),
                entry.post_month().to_string(),
                entry.currency().as_str().to_owned(),
            ];
            row[0] = "entry".to_owned();
            row[1..8].clone_from_slice(&shared);
            row[19] = entry.sources().join(" ");
            out.write_record(&row)?;
            for line in entry.lines() {
                row.iter_mut().for_each(String::clear);
                row[0] = "line".to_owned();
                row[1..8].clone_from_slice(&shared);
                row[8] = line.account().as_str().to_owned();
                row[9] = format_amount(line.debit());
                row[10] = format_amount(line.credit());
                row[11] = line.description().to_owned();
                if let Some(target) = self.target {
                    let view = TargetView::of(mapping, line.account(), target);
                    row[12] = target.as_str().to_owned();
                    row[13] = view.account.unwrap_or_default().to_owned();
                    for (name, value) in view.dimension_pairs() {
                        let column = match name {
                            "class" => 14,
                            "location" => 15,
                            "customer" => 16,
                            "tracking" => 17,
                            _ => 18,
                        };
                        row[column] = value;
                    }
                }
                out.write_record(&row)?;
            }
        }
        for x in self.exceptions {
            row.iter_mut().for_each(String::clear);
            row[0] = "exception".to_owned();
            row[3] = x.property_id.as_ref().map_or("", PropertyId::as_str).to_owned();
            row[4] = x.kind.as_str().to_owned();
            row[7] = x.amount.map_or("", |m| m.currency().as_str()).to_owned();
            row[19] = x.source_id.clone();
            row[20] = x.amount.map(|m| format_amount(m.amount())).unwrap_or_default();
            row[21] = x.message.clone();
            out.write_record(&row)?;
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
