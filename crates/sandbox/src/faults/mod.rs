//! Fault injection: rules that make a service fail the way real services do, reproducibly.
//!
//! A fault plan is JSON, from `--faults FILE` or `POST /_sandbox/faults` (which replaces the plan;
//! `DELETE /_sandbox/faults` clears it):
//!
//! ```json
//! {
//!   "seed": 42,
//!   "rules": [
//!     {"service": "entrata", "method": "GET", "path": "/entrata/integrations/*/properties/*/charges",
//!      "nth": 3, "action": {"status": 503}},
//!     {"service": "entrata", "path": "**/sessions", "every": 2, "times": 1, "action": "reset"},
//!     {"service": "entrata", "method": "POST", "path": "**/leases", "action": "drop_after_commit"},
//!     {"service": "entrata", "path": "**/charges", "probability": 0.1, "action": {"delay_ms": 1500}},
//!     {"service": "entrata", "path": "**/payments", "nth": 1, "action": "expire_token"},
//!     {"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {"commit_after_ms": 400}},
//!     {"service": "xero", "method": "PUT", "path": "**/ManualJournals", "action": {"visible_after_ms": 5000}},
//!     {"service": "qbo", "action": {"status": 429, "retry_after_s": 5}}
//!   ]
//! }
//! ```
//! A bare array of rules is accepted too (seed 0).
//!
//! - `service` (required): `entrata`, `entrata-api` (Entrata's own RPC API under `/entrata-api`),
//!   `qbo`, `xero` or `oauth` (the vendors' token and authorize endpoints). Control endpoints (`/_sandbox/...`) are never faulted.
//! - `method` (optional, any if absent): an HTTP method, case-insensitive.
//! - `path` (optional, `**` if absent): a glob over the full request path without the query:
//!   `*` within one segment, `**` across segments, `?` one character.
//! - At most one trigger: `nth: N` fires on the Nth matching request only, `every: N` on every
//!   Nth, `probability: p` (0..=1) on each with chance p drawn from a PRNG seeded by `seed`; no
//!   trigger fires on every matching request. Counts are kept per rule.
//! - `times: N` (optional) caps how often the rule fires.
//! - `comment` (optional): free text, ignored.
//! - `action`: `{"status": S}` (400..=599: the real service's error body for S; for 429 and 503
//!   a `Retry-After` of `retry_after_s`, default 1), `{"delay_ms": N}` (then handle normally),
//!   `"reset"` (close the connection before handling: the client sees a connection error),
//!   `"drop_after_commit"` (handle the request, then close the connection without answering),
//!   `{"status_after_commit": S}` (handle the request, then answer the service's error body for
//!   S instead of its response: a 5xx from a proxy after the work was done),
//!   `"expire_token"` (expire the caller's token, then handle, so it gets `token_expired`),
//!   `"garbled"` (answer 200 with an HTML page instead of the API's JSON, as a misbehaving proxy
//!   does), `{"commit_after_ms": N}` (no answer for N ms of real time, then handle the request,
//!   committing it even if the client has given up meanwhile, and answer if it is still there),
//!   `{"visible_after_ms": N}` (QuickBooks and Xero writes: handle at once, but what the write
//!   creates is hidden from reads - QBO `query`, `GET journalentry/{id}`, CDC; Xero `GET
//!   ManualJournals`/`BankTransactions`, by id or list - until N ms of the sandbox clock after it
//!   was created), `"system_fault_after_commit"` (QuickBooks only: handle the request, then answer
//!   a `SystemFault` 10000 - on every item of a batch answer, or as a 500), `"edit_first_listed"`
//!   (Xero `GET ManualJournals`/`BankTransactions` only: answer the list, then edit the first
//!   record it listed as another user would, so that its `UpdatedDateUTC` moves to now before the
//!   client asks for its next page). After a commit,
//!   `status_after_commit` never answers a body that reads as a refused document: QuickBooks' 4xx
//!   are a `SystemFault` or the gateway's `fault`, Xero's are problem JSON (`crate::injected`).
//!   `commit_after_ms`, `visible_after_ms` and `system_fault_after_commit` are refused on rules
//!   that can only match reads (`GET`, `HEAD`, `OPTIONS`), and the last two on services that
//!   cannot honour them.
//!
//! Rules are tried in order: the first whose service, method and path match, whose trigger fires
//! and whose `times` is not used up wins. Every rule whose service, method and path match counts
//! the request, whether or not an earlier rule fired, so `nth`/`every` mean the same alone or
//! among other rules.
//!
//! A rule that could never do anything is refused, naming it (`check`): an unknown method, a path
//! glob that cannot reach its service's paths, `probability: 0`, a duration of 0, `times`/`nth`/
//! `every` of 0, a rule shadowed by an earlier one that always fires. A plan *file* with no rules
//! is refused too (`parse_fault_file`). The user-facing description is `fixtures/README.md`.

mod action;
mod check;
mod glob;

use serde_json::{Map, Value, json};

use super::paths::Service;
pub use action::{EditFirstListed, FaultAction, ReadLag};
pub use check::{METHODS, parse_fault_file};
pub use glob::glob_matches;

/// The longest delay a rule may ask for: past it a client's timeout is the thing under test,
/// and a `reset` says that more directly.
pub const MAX_DELAY_MS: u64 = 600_000;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    pub seed: u64,
    pub rules: Vec<FaultRule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub service: Service,
    /// Upper-case; `None` matches any method.
    pub method: Option<String>,
    /// A glob; `None` matches any path.
    pub path: Option<String>,
    pub trigger: Trigger,
    pub times: Option<u64>,
    pub action: FaultAction,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    Always,
    Nth(u64),
    Every(u64),
    Probability(f64),
}

#[derive(Debug, thiserror::Error)]
pub enum FaultsError {
    #[error("fault plan is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("fault plan: {location}: {message}")]
    Invalid { location: String, message: String },
}

fn invalid(location: impl Into<String>, message: impl Into<String>) -> FaultsError {
    FaultsError::Invalid { location: location.into(), message: message.into() }
}

/// Parses a fault plan (see the module documentation for the format).
pub fn parse_faults(json: &[u8]) -> Result<FaultPlan, FaultsError> {
    let value: Value = serde_json::from_slice(json)?;
    let (seed, rules) = match value {
        Value::Array(rules) => (0, rules),
        Value::Object(mut top) => {
            if let Some(key) = top.keys().find(|k| !["seed", "rules"].contains(&k.as_str())) {
                return Err(invalid(
                    "plan",
                    format!("unknown field \"{key}\" (expected \"seed\" and \"rules\")"),
                ));
            }
            let seed = match top.get("seed") {
                None => 0,
                Some(seed) => {
                    seed.as_u64().ok_or_else(|| invalid("seed", "expected a non-negative integer"))?
                }
            };
            match top.remove("rules") {
                Some(Value::Array(rules)) => (seed, rules),
                None => (seed, Vec::new()),
                Some(_) => return Err(invalid("rules", "expected an array of rules")),
            }
        }
        _ => {
            return Err(invalid(
                "plan",
                "expected an object {\"seed\": N, \"rules\": [...]} or an array of rules",
            ));
        }
    };
    let rules = rules.iter().enumerate().map(|(i, rule)| {
        let at = format!("rules[{i}]");
        let rule = parse_rule(rule, &at)?;
        check::check_rule(&rule, &at)?;
        Ok(rule)
    });
    let plan = FaultPlan { seed, rules: rules.collect::<Result<Vec<FaultRule>, FaultsError>>()? };
    check::check_plan(&plan)?;
    Ok(plan)
}

const RULE_FIELDS: [&str; 9] =
    ["service", "method", "path", "nth", "every", "probability", "times", "action", "comment"];

fn parse_rule(value: &Value, at: &str) -> Result<FaultRule, FaultsError> {
    let Value::Object(rule) = value else { return Err(invalid(at, "expected an object")) };
    if let Some(key) = rule.keys().find(|k| !RULE_FIELDS.contains(&k.as_str())) {
        return Err(invalid(at, format!("unknown field \"{key}\"")));
    }
    let text = |name: &str| -> Result<Option<&str>, FaultsError> {
        match rule.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(at, format!("field \"{name}\": expected a string"))),
        }
    };
    let service_name = text("service")?.ok_or_else(|| invalid(at, "missing \"service\""))?;
    let service = Service::parse(service_name).ok_or_else(|| {
        invalid(
            at,
            format!("field \"service\": unknown service \"{service_name}\" (entrata, entrata-api, qbo, xero, oauth)"),
        )
    })?;
    let method = text("method")?.map(|m| m.to_ascii_uppercase());
    let path = text("path")?.map(str::to_owned);
    if let Some(path) = &path
        && !(path.starts_with('/') || path.starts_with('*'))
    {
        return Err(invalid(at, "field \"path\": a path glob starts with '/' or '*'"));
    }
    let trigger = parse_trigger(rule, at)?;
    let times = positive(rule, "times", at)?;
    let action =
        action::parse_action(rule.get("action").ok_or_else(|| invalid(at, "missing \"action\""))?, at)?;
    Ok(FaultRule { service, method, path, trigger, times, action })
}

fn positive(rule: &Map<String, Value>, name: &str, at: &str) -> Result<Option<u64>, FaultsError> {
    match rule.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(invalid(at, format!("field \"{name}\": expected an integer >= 1"))),
        },
    }
}

fn parse_trigger(rule: &Map<String, Value>, at: &str) -> Result<Trigger, FaultsError> {
    let nth = positive(rule, "nth", at)?.map(Trigger::Nth);
    let every = positive(rule, "every", at)?.map(Trigger::Every);
    let probability = match rule.get("probability") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Some(Trigger::Probability(p)),
            _ => return Err(invalid(at, "field \"probability\": expected a number from 0 to 1")),
        },
    };
    let given: Vec<Trigger> = [nth, every, probability].into_iter().flatten().collect();
    match given.as_slice() {
        [] => Ok(Trigger::Always),
        [one] => Ok(*one),
        _ => Err(invalid(at, "give at most one of \"nth\", \"every\", \"probability\"")),
    }
}

/// A rule that fired on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub rule: usize,
    pub action: FaultAction,
}

/// The rules in force, with their counters and the PRNG.
#[derive(Debug)]
pub struct FaultEngine {
    plan: FaultPlan,
    rng: SplitMix64,
    matched: Vec<u64>,
    fired: Vec<u64>,
}

impl FaultEngine {
    pub fn new(plan: FaultPlan) -> FaultEngine {
        let n = plan.rules.len();
        FaultEngine { rng: SplitMix64(plan.seed), plan, matched: vec![0; n], fired: vec![0; n] }
    }

    /// Decides what happens to a request; `None` lets it through untouched.
    pub fn decide(&mut self, service: Service, method: &str, path: &str) -> Option<Fired> {
        let mut winner = None;
        for (index, rule) in self.plan.rules.iter().enumerate() {
            let applies = rule.service == service
                && rule.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.path.as_deref().is_none_or(|glob| glob_matches(glob, path));
            if !applies {
                continue;
            }
            // Every matching rule counts the request, so a rule's `nth`/`every` does not depend
            // on whether an earlier rule fired.
            self.matched[index] += 1;
            if winner.is_some() {
                continue;
            }
            let count = self.matched[index];
            let triggered = match rule.trigger {
                Trigger::Always => true,
                Trigger::Nth(n) => count == n,
                Trigger::Every(n) => count.is_multiple_of(n),
                Trigger::Probability(p) => self.rng.next_unit() < p,
            };
            if triggered && rule.times.is_none_or(|cap| self.fired[index] < cap) {
                self.fired[index] += 1;
                winner = Some(Fired { rule: index, action: rule.action });
            }
        }
        winner
    }

    pub fn rule_count(&self) -> usize {
        self.plan.rules.len()
    }

    /// The plan with each rule's counters, for `/_sandbox/state`.
    pub fn describe(&self) -> Value {
        let rules: Vec<Value> = self
            .plan
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                json!({
                    "service": rule.service,
                    "method": rule.method,
                    "path": rule.path,
                    "trigger": match rule.trigger {
                        Trigger::Always => json!("always"),
                        Trigger::Nth(n) => json!({"nth": n}),
                        Trigger::Every(n) => json!({"every": n}),
                        Trigger::Probability(p) => json!({"probability": p}),
                    },
                    "times": rule.times,
                    "action": rule.action.describe(),
                    "matched": self.matched[i],
                    "fired": self.fired[i],
                })
            })
            .collect();
        json!({"seed": self.plan.seed, "rules": rules})
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic PRNG, plenty for fault dice.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1): the top 53 bits as a fraction (exact in f64).
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests;
