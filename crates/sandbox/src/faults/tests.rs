use super::*;

fn plan(json: &str) -> FaultPlan {
    parse_faults(json.as_bytes()).expect("valid plan")
}

/// Runs `requests` (method, path) through `plan` and returns which rule fired for each.
fn check(plan_json: &str, requests: &[(&str, &str)], expected: &[Option<usize>]) {
    let mut engine = FaultEngine::new(plan(plan_json));
    let got: Vec<Option<usize>> = requests
        .iter()
        .map(|(method, path)| engine.decide(Service::Entrata, method, path).map(|f| f.rule))
        .collect();
    assert_eq!(got, expected, "{plan_json}");
}

const GET: (&str, &str) = ("GET", "/entrata/integrations/i/properties/p/charges");
const POST: (&str, &str) = ("POST", "/entrata/integrations/i/sessions");

#[test]
fn triggers() {
    let always = r#"[{"service": "entrata", "action": "reset"}]"#;
    check(always, &[GET, POST], &[Some(0), Some(0)]);
    let nth = r#"[{"service": "entrata", "nth": 2, "action": "reset"}]"#;
    check(nth, &[GET, GET, GET, GET], &[None, Some(0), None, None]);
    let every = r#"[{"service": "entrata", "every": 2, "action": "reset"}]"#;
    check(every, &[GET, GET, GET, GET], &[None, Some(0), None, Some(0)]);
    let times = r#"[{"service": "entrata", "every": 1, "times": 2, "action": "reset"}]"#;
    check(times, &[GET, GET, GET], &[Some(0), Some(0), None]);
    let method = r#"[{"service": "entrata", "method": "post", "action": "reset"}]"#;
    check(method, &[GET, POST], &[None, Some(0)]);
    let path = r#"[{"service": "entrata", "path": "**/charges", "action": "reset"}]"#;
    check(path, &[GET, POST], &[Some(0), None]);
    let other_service = r#"[{"service": "qbo", "action": "reset"}]"#;
    check(other_service, &[GET], &[None]);
}

#[test]
fn first_firing_rule_wins_and_every_matching_rule_counts() {
    let rules = r#"[{"service": "entrata", "nth": 3, "action": "reset"},
                    {"service": "entrata", "every": 2, "action": {"status": 503}}]"#;
    check(rules, &[GET, GET, GET, GET], &[None, Some(1), Some(0), Some(1)]);
}

#[test]
fn probability_is_reproducible_by_seed() {
    let run = |seed: u64| {
        let json = format!(
            r#"{{"seed": {seed}, "rules": [{{"service": "entrata", "probability": 0.3, "action": "reset"}}]}}"#
        );
        let mut engine = FaultEngine::new(plan(&json));
        (0..200).map(|_| engine.decide(Service::Entrata, "GET", "/x").is_some()).collect::<Vec<bool>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
    let fired = run(7).iter().filter(|f| **f).count();
    assert!((35..=85).contains(&fired), "fired {fired} of 200 at p=0.3");
}

#[test]
fn parses_actions() {
    let parsed = plan(
        r#"{"seed": 9, "rules": [
            {"service": "entrata", "nth": 2, "action": {"status": 429, "retry_after_s": 7}},
            {"service": "xero", "action": {"delay_ms": 250}},
            {"service": "oauth", "action": "drop_after_commit"},
            {"service": "qbo", "action": "expire_token", "comment": "why"},
            {"service": "entrata", "action": {"status": 503}}]}"#,
    );
    let actions: Vec<FaultAction> = parsed.rules.iter().map(|r| r.action).collect();
    assert_eq!(parsed.seed, 9);
    assert_eq!(
        actions,
        [
            FaultAction::Status { status: 429, retry_after_s: 7 },
            FaultAction::Delay { ms: 250 },
            FaultAction::DropAfterCommit,
            FaultAction::ExpireToken,
            FaultAction::Status { status: 503, retry_after_s: 1 },
        ]
    );
}

/// The actions that commit and then misbehave: parsed, and written back as the plan spells them.
#[test]
fn parses_and_describes_the_after_commit_actions() {
    let json = r#"[
        {"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {"commit_after_ms": 400}},
        {"service": "xero", "method": "PUT", "action": {"visible_after_ms": 1500}},
        {"service": "qbo", "method": "post", "path": "**/journalentry", "action": "system_fault_after_commit"},
        {"service": "xero", "action": {"status_after_commit": 409}},
        {"service": "entrata", "method": "POST", "action": {"commit_after_ms": 1}}]"#;
    let parsed = plan(json);
    let actions: Vec<FaultAction> = parsed.rules.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            FaultAction::CommitAfter { ms: 400 },
            FaultAction::VisibleAfter { ms: 1500 },
            FaultAction::SystemFaultAfterCommit,
            FaultAction::StatusAfterCommit { status: 409 },
            FaultAction::CommitAfter { ms: 1 },
        ]
    );
    let described = FaultEngine::new(parsed.clone()).describe();
    let written: Vec<Value> =
        described["rules"].as_array().expect("rules").iter().map(|r| r["action"].clone()).collect();
    assert_eq!(
        written,
        [
            json!({"commit_after_ms": 400}),
            json!({"visible_after_ms": 1500}),
            json!("system_fault_after_commit"),
            json!({"status_after_commit": 409}),
            json!({"commit_after_ms": 1}),
        ]
    );
    // What the dump writes reads back as the same actions.
    for (action, text) in actions.iter().zip(&written) {
        let again = format!(r#"[{{"service": "qbo", "method": "POST", "action": {text}}}]"#);
        assert_eq!(plan(&again).rules[0].action, *action, "{again}");
    }
}

#[test]
fn after_commit_actions_that_could_do_nothing_are_refused() {
    let refused = |json: &str| parse_faults(json.as_bytes()).expect_err("refused").to_string();
    let cases = [
        (
            r#"[{"service": "qbo", "action": {"commit_after_ms": 0}}]"#,
            "fault plan: rules[0].action: \"commit_after_ms\": 0 delays nothing; give at least 1",
        ),
        (
            r#"[{"service": "xero", "action": {"visible_after_ms": 0}}]"#,
            "fault plan: rules[0].action: \"visible_after_ms\": 0 hides nothing; give at least 1",
        ),
        (
            r#"[{"service": "qbo", "action": {"commit_after_ms": 600001}}]"#,
            "fault plan: rules[0].action: \"commit_after_ms\": expected an integer from 0 to 600000",
        ),
        (
            r#"[{"service": "xero", "action": {"visible_after_ms": "soon"}}]"#,
            "fault plan: rules[0].action: \"visible_after_ms\": expected an integer from 0 to 600000",
        ),
        (
            r#"[{"service": "entrata", "action": {"visible_after_ms": 100}}]"#,
            "fault plan: rules[0].action: \"visible_after_ms\": Entrata has no read lag in the sandbox; only qbo and xero writes can be hidden from reads",
        ),
        (
            r#"[{"service": "oauth", "action": {"visible_after_ms": 100}}]"#,
            "fault plan: rules[0].action: \"visible_after_ms\": OAuth has no read lag in the sandbox; only qbo and xero writes can be hidden from reads",
        ),
        (
            r#"[{"service": "xero", "action": "system_fault_after_commit"}]"#,
            "fault plan: rules[0].action: \"system_fault_after_commit\" is QuickBooks' SystemFault, and this rule is for Xero; use {\"status_after_commit\": 500}",
        ),
        (
            r#"[{"service": "entrata", "action": "system_fault_after_commit"}]"#,
            "fault plan: rules[0].action: \"system_fault_after_commit\" is QuickBooks' SystemFault, and this rule is for Entrata; use {\"status_after_commit\": 500}",
        ),
        (
            r#"[{"service": "qbo", "method": "get", "action": {"commit_after_ms": 10}}]"#,
            "fault plan: rules[0].action: \"commit_after_ms\" on GET requests does nothing: a GET commits nothing; use {\"delay_ms\": N}",
        ),
        (
            r#"[{"service": "xero", "method": "DELETE", "action": {"visible_after_ms": 10}}]"#,
            "fault plan: rules[0].action: \"visible_after_ms\" on DELETE requests does nothing: a DELETE creates nothing",
        ),
        (
            r#"[{"service": "qbo", "method": "HEAD", "action": "system_fault_after_commit"}]"#,
            "fault plan: rules[0].action: \"system_fault_after_commit\" on HEAD requests does nothing: a HEAD commits nothing",
        ),
        (
            r#"[{"service": "qbo", "action": {"commit_after_ms": 5, "delay_ms": 5}}]"#,
            "fault plan: rules[0].action: expected one of reset, drop_after_commit, system_fault_after_commit, expire_token, garbled, edit_first_listed, {\"status\": N}, {\"status_after_commit\": N}, {\"delay_ms\": N}, {\"commit_after_ms\": N}, {\"visible_after_ms\": N} (\"status\" optionally with \"retry_after_s\")",
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(refused(json), expected, "{json}");
    }
    // Without a method a rule may match writes, so it stands; a delay on reads is fine.
    for fine in [
        r#"[{"service": "qbo", "action": {"visible_after_ms": 10}}]"#,
        r#"[{"service": "xero", "method": "GET", "action": {"delay_ms": 10}}]"#,
        r#"[{"service": "oauth", "method": "POST", "action": {"commit_after_ms": 10}}]"#,
    ] {
        plan(fine);
    }
}

#[test]
fn refusals_name_the_rule_and_field() {
    let refused = |json: &str| parse_faults(json.as_bytes()).expect_err("refused").to_string();
    let cases = [
        (r#"[{"action": "reset"}]"#, "fault plan: rules[0]: missing \"service\""),
        (
            r#"[{"service": "sftp", "action": "reset"}]"#,
            "fault plan: rules[0]: field \"service\": unknown service \"sftp\" (entrata, entrata-api, qbo, xero, oauth)",
        ),
        (
            r#"[{"service": "qbo", "action": "explode"}]"#,
            "fault plan: rules[0].action: unknown action \"explode\" (reset, drop_after_commit, system_fault_after_commit, expire_token, garbled, edit_first_listed, {\"status\": N}, {\"status_after_commit\": N}, {\"delay_ms\": N}, {\"commit_after_ms\": N}, {\"visible_after_ms\": N})",
        ),
        (
            r#"[{"service": "qbo", "action": {"status": 200}}]"#,
            "fault plan: rules[0].action: \"status\": expected an HTTP error status, 400 to 599",
        ),
        (
            r#"[{"service": "qbo", "nth": 1, "every": 2, "action": "reset"}]"#,
            "fault plan: rules[0]: give at most one of \"nth\", \"every\", \"probability\"",
        ),
        (
            r#"[{"service": "qbo", "nth": 0, "action": "reset"}]"#,
            "fault plan: rules[0]: field \"nth\": expected an integer >= 1",
        ),
        (
            r#"[{"service": "qbo", "probability": 1.5, "action": "reset"}]"#,
            "fault plan: rules[0]: field \"probability\": expected a number from 0 to 1",
        ),
        (
            r#"[{"service": "qbo", "path": "sessions", "action": "reset"}]"#,
            "fault plan: rules[0]: field \"path\": a path glob starts with '/' or '*'",
        ),
        (
            r#"[{"service": "qbo", "action": "reset", "tiems": 2}]"#,
            "fault plan: rules[0]: unknown field \"tiems\"",
        ),
        (r#"{"seed": -1}"#, "fault plan: seed: expected a non-negative integer"),
        (
            r#"{"rules": [], "extra": 1}"#,
            "fault plan: plan: unknown field \"extra\" (expected \"seed\" and \"rules\")",
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(refused(json), expected, "{json}");
    }
    assert!(refused("{").starts_with("fault plan is not valid JSON"));
}

#[test]
fn rules_that_would_do_nothing_are_refused_by_name() {
    let refused = |json: &str| parse_faults(json.as_bytes()).expect_err("refused").to_string();
    let cases = [
        (
            r#"[{"service": "entrata", "method": "GETS", "action": "reset"}]"#,
            "fault plan: rules[0]: field \"method\": unknown HTTP method \"GETS\" (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)",
        ),
        (
            r#"[{"service": "entrata", "probability": 0, "action": "reset"}]"#,
            "fault plan: rules[0]: field \"probability\": 0 never fires; give a number above 0, up to 1",
        ),
        (
            r#"[{"service": "entrata", "times": 0, "action": "reset"}]"#,
            "fault plan: rules[0]: field \"times\": expected an integer >= 1",
        ),
        (
            r#"[{"service": "entrata", "action": {"delay_ms": 0}}]"#,
            "fault plan: rules[0].action: \"delay_ms\": 0 delays nothing; give at least 1",
        ),
        (
            r#"[{"service": "entrata", "nth": 1, "action": "reset"},
                {"service": "entrata", "path": "/qbo/v3/**", "action": "reset"}]"#,
            "fault plan: rules[1]: field \"path\": \"/qbo/v3/**\" matches no Entrata path (they start with /entrata/); this rule would never fire",
        ),
        (
            r#"[{"service": "entrata", "action": "reset"},
                {"service": "entrata", "path": "**/charges", "action": {"status": 503}}]"#,
            "fault plan: rules[1]: never fires: rules[0] fires on every request this rule matches, and the first rule that fires wins",
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(refused(json), expected, "{json}");
    }
    // A rule after one that always fires, but only a few times, or on another method, still can.
    for fine in [
        r#"[{"service": "entrata", "times": 2, "action": "reset"}, {"service": "entrata", "action": "reset"}]"#,
        r#"[{"service": "entrata", "method": "GET", "action": "reset"}, {"service": "entrata", "method": "POST", "action": "reset"}]"#,
        r#"[{"service": "entrata", "path": "**/charges", "action": "reset"}, {"service": "entrata", "action": "reset"}]"#,
    ] {
        plan(fine);
    }
}

#[test]
fn a_fault_file_without_rules_is_refused() {
    for empty in ["{}", "[]", r#"{"seed": 3, "rules": []}"#] {
        let error = parse_fault_file(empty.as_bytes()).expect_err("refused").to_string();
        assert_eq!(
            error,
            "fault plan: plan: no rules, so it would do nothing (the format and an example are in fixtures/README.md)"
        );
        // Over the control endpoint an empty plan clears the faults.
        assert!(parse_faults(empty.as_bytes()).is_ok());
    }
}

/// The example under `fixtures/` that `sandbox --help` and `fixtures/README.md` point at is a
/// valid plan whose every rule can fire.
#[test]
fn the_example_fault_file_is_valid() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/faults-example.json");
    let plan = parse_fault_file(&std::fs::read(path).expect("fixtures/faults-example.json")).expect("valid");
    assert!(plan.rules.len() >= 3);
}

#[test]
fn edit_first_listed_is_for_xero_reads_only() {
    let parsed = plan(
        r#"[{"service": "xero", "method": "get", "path": "**/ManualJournals", "nth": 1, "action": "edit_first_listed"}]"#,
    );
    assert_eq!(parsed.rules[0].action, FaultAction::EditFirstListed);
    let described = FaultEngine::new(parsed).describe();
    assert_eq!(described["rules"][0]["action"], json!("edit_first_listed"));
    let refused = |json: &str| parse_faults(json.as_bytes()).expect_err("refused").to_string();
    assert_eq!(
        refused(r#"[{"service": "qbo", "action": "edit_first_listed"}]"#),
        "fault plan: rules[0].action: \"edit_first_listed\" edits a Xero list's record; this rule is for QuickBooks"
    );
    assert_eq!(
        refused(r#"[{"service": "xero", "method": "PUT", "action": "edit_first_listed"}]"#),
        "fault plan: rules[0].action: \"edit_first_listed\" on PUT requests does nothing: only a GET lists records"
    );
}
