//! The `xero` section of `/_sandbox/state`. Its top level is the first organisation (books, rate
//! limits, idempotency keys) with the app's client id, limits, grants, token fingerprints and
//! connections, as when a dataset had one organisation; `organisations` lists every organisation,
//! the first included, as the top level shows the first; `nextConsentTenantIds` is what the next
//! consent covers. Tokens appear only as hash fingerprints.

use std::sync::MutexGuard;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::super::books::Books;
use super::super::reference::{account_json, contact_json, tracking_json};
use super::super::tokens::{GrantKind, fingerprint};
use super::super::views::{BankTransactionView, JournalView, saved_bank_transaction, saved_journal};
use super::super::{Organisation, XeroState, service};
use crate::dataset::item::timestamp;
use crate::locks::lock;
use crate::xero::XeroShared;

/// What the dump shows of one organisation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrganisationDump<'a> {
    tenant_id: &'a str,
    tenant_name: &'a str,
    /// Whether the app's custom connection reaches this organisation.
    custom_connection: bool,
    base_currency: &'a str,
    lock_date: Option<String>,
    rate_limit: Value,
    accounts: Vec<Value>,
    contacts: Vec<Value>,
    tracking_categories: Vec<Value>,
    manual_journals: Vec<JournalView<'a>>,
    bank_transactions: Vec<BankTransactionView<'a>>,
    idempotency_keys: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dump<'a> {
    #[serde(flatten)]
    first: OrganisationDump<'a>,
    client_id: &'a str,
    limits: Value,
    grants: Vec<Value>,
    access_tokens: Vec<Value>,
    refresh_tokens: Vec<Value>,
    authorization_codes: usize,
    connections: Vec<Value>,
    organisations: Vec<OrganisationDump<'a>>,
    next_consent_tenant_ids: Vec<&'a str>,
}

/// The `xero` section of `/_sandbox/state`; `None` when the dataset has no Xero organisation.
pub fn dump(shared: &XeroShared) -> Option<Box<RawValue>> {
    let xero = service(shared)?;
    let now = shared.clock.now();
    let limits = xero.limits;
    // The limiters first, each released before the books are taken (the gate takes the app's
    // limiter, then a tenant's, and never a book with them).
    let rate_limits: Vec<Value> = xero
        .organisations
        .iter()
        .map(|organisation| {
            let mut app = lock(&xero.app_limiter);
            let (remaining, in_flight) = lock(&organisation.limiter).peek(&mut app, now, &limits);
            let (day, minute) = remaining.tenant.unwrap_or_default();
            json!({"dayRemaining": day, "minuteRemaining": minute,
                "appMinuteRemaining": remaining.app_minute, "inFlight": in_flight})
        })
        .collect();
    // Only the dump holds several organisations' books at once, always in dataset order.
    let books: Vec<MutexGuard<'_, Books>> = xero.organisations.iter().map(|o| lock(&o.books)).collect();
    let organisation = |index: usize| {
        let org = &xero.organisations[index];
        organisation_dump(xero, index, org, &books[index], rate_limits[index].clone(), now)
    };
    let identity = lock(&xero.identity);
    let mut access: Vec<_> = identity.access.iter().collect();
    access.sort_by_key(|(hash, t)| (t.issued_at, hash.as_str()));
    let mut refresh: Vec<_> = identity.refresh.iter().collect();
    refresh.sort_by_key(|(hash, t)| (t.issued_at, hash.as_str()));
    let dump = Dump {
        first: organisation(0),
        client_id: &xero.client_id,
        limits: json!({"callsPerMinute": limits.calls_per_minute, "callsPerDay": limits.calls_per_day,
            "concurrentCalls": limits.concurrent_calls, "appCallsPerMinute": limits.app_calls_per_minute,
            "accessTokenLifetimeSeconds": limits.access_token_lifetime_s, "refreshGraceSeconds": limits.refresh_grace_s,
            "idempotencyWindowSeconds": limits.idempotency_window_s}),
        grants: identity
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| json!({"grant": i, "kind": match g.kind { GrantKind::AuthorizationCode => "authorization_code", GrantKind::ClientCredentials => "client_credentials" },
                "clientId": g.client_id, "scope": g.scope, "authEventId": g.auth_event_id, "public": g.public,
                "createdAt": timestamp(g.created_at), "revoked": g.revoked}))
            .collect(),
        access_tokens: access
            .iter()
            .map(|(hash, t)| json!({"token": fingerprint(hash), "grant": t.grant, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at), "expired": now >= t.expires_at}))
            .collect(),
        refresh_tokens: refresh
            .iter()
            .map(|(hash, t)| json!({"token": fingerprint(hash), "grant": t.grant, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at), "usedAt": t.used_at.map(timestamp)}))
            .collect(),
        authorization_codes: identity.codes.len(),
        connections: identity
            .connections
            .iter()
            .map(|c| json!({"id": c.id, "authEventId": c.auth_event_id, "clientId": c.client_id,
                "tenantId": c.tenant_id, "createdAt": timestamp(c.created_at), "updatedAt": timestamp(c.updated_at)}))
            .collect(),
        organisations: (0..xero.organisations.len()).map(organisation).collect(),
        next_consent_tenant_ids: xero.next_consent().iter().map(|o| o.tenant_id.as_str()).collect(),
    };
    serde_json::to_string(&dump).ok().and_then(|text| RawValue::from_string(text).ok())
}

fn organisation_dump<'a>(
    xero: &XeroState,
    index: usize,
    organisation: &'a Organisation,
    books: &'a Books,
    rate_limit: Value,
    now: DateTime<Utc>,
) -> OrganisationDump<'a> {
    OrganisationDump {
        tenant_id: &organisation.tenant_id,
        tenant_name: &organisation.tenant_name,
        custom_connection: xero.custom_connection == Some(index),
        base_currency: &books.base_currency,
        lock_date: books.lock_date.map(|d| d.to_string()),
        rate_limit,
        accounts: books.accounts.iter().map(account_json).collect(),
        contacts: books.contacts.iter().map(contact_json).collect(),
        tracking_categories: books.tracking.iter().map(|t| tracking_json(t, true)).collect(),
        manual_journals: books.journals.iter().map(|j| saved_journal(j, true)).collect(),
        bank_transactions: books.bank_transactions.iter().map(|t| saved_bank_transaction(t, true)).collect(),
        idempotency_keys: lock(&organisation.idempotency)
            .describe(now)
            .into_iter()
            .map(|k| {
                json!({"key": k.key, "firstUsedAt": timestamp(k.first_at),
                "expiresAt": timestamp(k.expires_at), "status": k.status})
            })
            .collect(),
    }
}
