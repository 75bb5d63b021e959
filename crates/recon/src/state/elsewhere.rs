//! Companies holding an entry with other money than recorded, and the catch-ups that bring them
//! to it (migration 0007, `posting::record::catch_up`).

use std::collections::BTreeMap;

use sqlx::Row;

use super::{StateError, StateFile};
use crate::domain::Currency;
use crate::posting::HeldElsewhere;
use crate::targets::TargetKind;

impl StateFile {
    /// Per entry of `property`: the companies that confirmed it holding other money than recorded
    /// (`held_body`) and that no catch-up brings to the recorded lines yet.
    pub(super) async fn held_elsewhere(
        &self,
        property: &str,
    ) -> Result<BTreeMap<String, Vec<HeldElsewhere>>, StateError> {
        let rows = sqlx::query(
            "SELECT p.entry_key, p.target, p.company_id, p.held_body, e.currency \
             FROM postings p JOIN entries e ON e.entry_key = p.entry_key \
             WHERE e.property_id = ?1 AND p.held_body IS NOT NULL AND p.state = 'confirmed' \
               AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.corrects = p.entry_key \
                                AND c.only_target = p.target AND c.only_company = p.company_id) \
             ORDER BY p.entry_key, p.target, p.company_id",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut out: BTreeMap<String, Vec<HeldElsewhere>> = BTreeMap::new();
        for row in rows {
            let key: String = row.get(0);
            let target: String = row.get(1);
            let target =
                TargetKind::parse(&target).ok_or_else(|| self.corrupt(format!("posting {key}: target")))?;
            let currency: String = row.get(4);
            let currency = Currency::parse(&currency)
                .map_err(|_| self.corrupt(format!("entry {key}: currency {currency}")))?;
            let body: String = row.get(3);
            let held = self.signed_lines(&key, &body)?;
            out.entry(key).or_default().push(HeldElsewhere { target, company: row.get(2), currency, held });
        }
        Ok(out)
    }
}
