//! Rules that can never do anything are refused with a message naming the rule: a fault plan that
//! silently does nothing makes a test (or a person trying the connector against faults) believe the
//! connector survived faults it never saw.

use super::glob::glob_matches;
use super::{FaultAction, FaultPlan, FaultRule, FaultsError, Trigger, invalid};
use crate::paths::{self, Service};

/// The HTTP methods a rule may name.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Checks one rule on its own (`at` names it: `rules[2]`).
pub(super) fn check_rule(rule: &FaultRule, at: &str) -> Result<(), FaultsError> {
    if let Some(method) = &rule.method
        && !METHODS.contains(&method.as_str())
    {
        return Err(invalid(
            at,
            format!("field \"method\": unknown HTTP method \"{method}\" ({})", METHODS.join(", ")),
        ));
    }
    if let Trigger::Probability(p) = rule.trigger
        && p <= 0.0
    {
        return Err(invalid(at, "field \"probability\": 0 never fires; give a number above 0, up to 1"));
    }
    check_action(rule, &format!("{at}.action"))?;
    if let Some(glob) = &rule.path
        && !glob_can_reach(glob, rule.service)
    {
        return Err(invalid(
            at,
            format!(
                "field \"path\": \"{glob}\" matches no {} path (they start with {}); this rule would never fire",
                service_name(rule.service),
                prefixes(rule.service).join(" or ")
            ),
        ));
    }
    Ok(())
}

/// The actions that only mean something on some services or on writes.
fn check_action(rule: &FaultRule, at: &str) -> Result<(), FaultsError> {
    if rule.action == FaultAction::EditFirstListed {
        return check_edit_listed(rule, at);
    }
    if rule.action == FaultAction::ExpireToken && rule.service == Service::EntrataApi {
        return Err(invalid(
            at,
            "\"expire_token\": entrata-api has no tokens to expire (an API key or HTTP Basic on every call); use {\"status\": 401}",
        ));
    }
    let (name, ms) = match rule.action {
        FaultAction::Delay { ms } => ("delay_ms", Some(ms)),
        FaultAction::CommitAfter { ms } => ("commit_after_ms", Some(ms)),
        FaultAction::VisibleAfter { ms } => ("visible_after_ms", Some(ms)),
        FaultAction::SystemFaultAfterCommit => ("system_fault_after_commit", None),
        _ => return Ok(()),
    };
    if ms == Some(0) {
        let what = if name == "visible_after_ms" { "hides nothing" } else { "delays nothing" };
        return Err(invalid(at, format!("\"{name}\": 0 {what}; give at least 1")));
    }
    let service = service_name(rule.service);
    match rule.action {
        FaultAction::VisibleAfter { .. } if !matches!(rule.service, Service::Qbo | Service::Xero) => {
            return Err(invalid(
                at,
                format!(
                    "\"{name}\": {service} has no read lag in the sandbox; only qbo and xero writes can be hidden from reads"
                ),
            ));
        }
        FaultAction::SystemFaultAfterCommit if rule.service != Service::Qbo => {
            return Err(invalid(
                at,
                format!(
                    "\"{name}\" is QuickBooks' SystemFault, and this rule is for {service}; use {{\"status_after_commit\": 500}}"
                ),
            ));
        }
        _ => {}
    }
    // A read commits nothing, and a delete creates nothing that could be hidden.
    let (idle, does): (&[&str], &str) = match name {
        "delay_ms" => (&[], ""),
        "visible_after_ms" => (&["GET", "HEAD", "OPTIONS", "DELETE"], "creates"),
        _ => (&["GET", "HEAD", "OPTIONS"], "commits"),
    };
    if let Some(method) = rule.method.as_deref().filter(|m| idle.contains(m)) {
        let instead = if name == "commit_after_ms" { "; use {\"delay_ms\": N}" } else { "" };
        return Err(invalid(
            at,
            format!("\"{name}\" on {method} requests does nothing: a {method} {does} nothing{instead}"),
        ));
    }
    Ok(())
}

/// `edit_first_listed` edits what a Xero list answered: only Xero `GET`s can carry it.
fn check_edit_listed(rule: &FaultRule, at: &str) -> Result<(), FaultsError> {
    if rule.service != Service::Xero {
        let service = service_name(rule.service);
        return Err(invalid(
            at,
            format!("\"edit_first_listed\" edits a Xero list's record; this rule is for {service}"),
        ));
    }
    if let Some(method) = rule.method.as_deref().filter(|m| *m != "GET") {
        return Err(invalid(
            at,
            format!("\"edit_first_listed\" on {method} requests does nothing: only a GET lists records"),
        ));
    }
    Ok(())
}

/// Checks the rules against each other: a rule after one that fires on every request it could
/// match never fires.
pub(super) fn check_plan(plan: &FaultPlan) -> Result<(), FaultsError> {
    for (later, rule) in plan.rules.iter().enumerate() {
        let shadow = plan.rules[..later].iter().position(|earlier| shadows(earlier, rule));
        if let Some(earlier) = shadow {
            return Err(invalid(
                format!("rules[{later}]"),
                format!(
                    "never fires: rules[{earlier}] fires on every request this rule matches, and the first rule that fires wins"
                ),
            ));
        }
    }
    Ok(())
}

/// A fault plan read from a file (`sandbox --faults FILE`): as [`super::parse_faults`], and a plan
/// without rules is refused (over `/_sandbox/faults`, an empty plan is how a test clears faults).
pub fn parse_fault_file(json: &[u8]) -> Result<FaultPlan, FaultsError> {
    let plan = super::parse_faults(json)?;
    if plan.rules.is_empty() {
        return Err(invalid(
            "plan",
            "no rules, so it would do nothing (the format and an example are in fixtures/README.md)",
        ));
    }
    Ok(plan)
}

fn shadows(earlier: &FaultRule, later: &FaultRule) -> bool {
    earlier.service == later.service
        && earlier.trigger == Trigger::Always
        && earlier.times.is_none()
        && earlier.method.as_ref().is_none_or(|m| Some(m) == later.method.as_ref())
        && earlier.path.as_deref().is_none_or(|p| p == "**" || Some(p) == later.path.as_deref())
}

fn service_name(service: Service) -> &'static str {
    match service {
        Service::Entrata => "Entrata",
        Service::EntrataApi => "Entrata API",
        Service::Qbo => "QuickBooks",
        Service::Xero => "Xero",
        Service::Oauth => "OAuth",
    }
}

/// Where a service's request paths start (`paths`).
fn prefixes(service: Service) -> Vec<String> {
    let under = |prefix: &str| format!("{prefix}/");
    match service {
        Service::Entrata => vec![under(paths::ENTRATA_MOUNT)],
        Service::EntrataApi => vec![under(paths::ENTRATA_API_MOUNT)],
        Service::Qbo => vec![under(paths::QBO_API_BASE)],
        Service::Xero => vec![under(paths::XERO_API_BASE)],
        Service::Oauth => paths::OAUTH_PREFIXES.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// Whether `glob` can match some path of `service`: its literal start (up to the first wildcard)
/// must agree with one of the service's prefixes; a glob without wildcards must be a path of the
/// service itself.
fn glob_can_reach(glob: &str, service: Service) -> bool {
    let literal_end = glob.find(['*', '?']).unwrap_or(glob.len());
    if literal_end == glob.len() {
        return Service::of_path(glob) == Some(service);
    }
    let literal = &glob[..literal_end];
    prefixes(service).iter().any(|prefix| {
        literal.starts_with(prefix.as_str())
            || prefix.starts_with(literal)
            // `/entrata` followed by a wildcard: the wildcard can supply the `/`.
            || glob_matches(glob, prefix.trim_end_matches('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_reach_their_service() {
        let check = |glob: &str, service: Service, expected: bool| {
            assert_eq!(glob_can_reach(glob, service), expected, "{glob} for {service:?}")
        };
        check("**/charges", Service::Entrata, true);
        check("/entrata/**", Service::Entrata, true);
        check("/entrata/integrations/*/sessions", Service::Entrata, true);
        check("/ent*", Service::Entrata, true);
        check("/qbo/**", Service::Entrata, false);
        check("/entrata-api/**", Service::EntrataApi, true);
        check("/entrata-api/ext/orgs/*/v1/artransactions", Service::EntrataApi, true);
        check("**/artransactions", Service::EntrataApi, true);
        check("/entrata/**", Service::EntrataApi, false);
        check("/entrata-api/**", Service::Entrata, false);
        check("/entrata/integrations/int_1/sessions", Service::Entrata, true);
        check("/entrata/integrations/int_1/sessions", Service::Qbo, false);
        check("/qbo/v3/company/*/journalentry", Service::Qbo, true);
        check("/xero/identity/connect/token", Service::Oauth, true);
        check("/xero/identity/**", Service::Oauth, true);
        check("/xero/api.xro/**", Service::Oauth, false);
        check("/*", Service::Xero, true);
    }
}
