//! The adjustments `record` would hold (`adjustment_held`), for `plan` and `status`, which record
//! nothing: a property is decided only when a held entry books an item version that is no longer
//! current (or reverses one), since only then is an adjustment computed.

use std::sync::Arc;

use super::{Context, RecordRunError, earlier_versions, record_property, recorded_entries};
use crate::domain::{Exception, ExceptionKind};
use crate::mapping::MappingSet;
use crate::run::plan::{PlanRequest, Prepared, load_items, prepare};
use crate::state::StateFile;

/// The `adjustment_held` exceptions of the properties `request` names (all when none).
pub async fn held_adjustments(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    request: &PlanRequest,
) -> Result<Vec<Exception>, RecordRunError> {
    let request =
        PlanRequest { properties: request.properties.clone(), period: None, books: request.books.clone() };
    let Prepared { ar_codes, chosen, use_forms, .. } = prepare(state, mappings, &request).await?;
    let mut held = Vec::new();
    for (property, doc_property) in chosen {
        let id = property.id.as_str().to_owned();
        let recorded = recorded_entries(state, &id, None).await?;
        let versions = state.current_versions(&id).await?;
        let adjusted = recorded
            .iter()
            .filter(|e| e.frozen && !e.withdrawn)
            .flat_map(|e| &e.sources)
            .any(|s| s.version < 0 || versions.get(&(s.kind, s.id.clone())) != Some(&s.version));
        if !adjusted {
            continue;
        }
        let items = load_items(state, &id, use_forms).await?;
        let earlier = earlier_versions(state, &id, &recorded, &versions).await?;
        let (mappings, ar_codes) = (Arc::clone(mappings), Arc::clone(&ar_codes));
        let exceptions = crate::blocking::run(move || {
            let context = Context { items: &items, earlier: &earlier, versions: &versions };
            record_property(context, &property, &mappings, &ar_codes, &doc_property, &recorded, None, false)
                .map(|outcome| outcome.exceptions)
        })
        .await
        .map_err(|e| RecordRunError::Task(e.to_string()))??;
        held.extend(exceptions.into_iter().filter(|x| x.kind == ExceptionKind::AdjustmentHeld));
    }
    Ok(held)
}
