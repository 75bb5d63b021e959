//! A fault schedule: everything one seed decides. A small generated portfolio, how the targets
//! are connected, and one to three nights, each with what happens in Entrata before and during
//! the run, closed periods, a fault plan for the sandbox, and perhaps a SIGKILL of the run.
//!
//! Pure: the same seed and flags give the same schedule (the sandbox's own dice, for
//! `probability` rules, are seeded from the schedule too).

use serde_json::{Value, json};

use super::rng::Rng;

/// Parts of the generator that can be switched off, to tell which behaviour a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// Entrata items edited, deleted or moved after their entry was posted (adjustments).
    /// `FAULT_EDITS=0` turns them off.
    pub edits: bool,
    /// Closed periods may stay closed through the clean-up (re-dating to the first open day).
    /// `FAULT_REDATE=0` reopens them before the clean-up always.
    pub redate: bool,
    /// Sets of books for every schedule (`FAULT_BOOKS=1|2|3`), else drawn per seed.
    pub books: Option<usize>,
    /// Entrata's own API (`true`) or the provider's REST API for every schedule
    /// (`FAULT_SOURCE=entrata|rest`), else drawn per seed.
    pub api_source: Option<bool>,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags { edits: true, redate: true, books: None, api_source: None }
    }
}

impl Flags {
    pub fn from_env() -> Flags {
        let off = |name: &str| std::env::var(name).is_ok_and(|v| v == "0" || v == "false");
        let books =
            std::env::var("FAULT_BOOKS").ok().and_then(|v| v.parse().ok()).filter(|n| (1..=3).contains(n));
        let api_source = match std::env::var("FAULT_SOURCE").as_deref() {
            Ok("entrata") => Some(true),
            Ok("rest") => Some(false),
            _ => None,
        };
        Flags { edits: !off("FAULT_EDITS"), redate: !off("FAULT_REDATE"), books, api_source }
    }
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub seed: u64,
    pub flags: Flags,
    /// `properties=N,months=1,seed=S` for `sandbox::generate`.
    pub spec: String,
    /// One lease in this many is kept (`portfolio::trimmed`): smaller ledgers, the same shape.
    pub keep_one_in: usize,
    pub page_size: u32,
    pub max_attempts: u32,
    /// Xero through the authorization-code flow with PKCE (refresh tokens), else a custom
    /// connection (`client_credentials`).
    pub xero_pkce: bool,
    pub nights: Vec<Night>,
    /// Closed periods stay closed through the clean-up (what they refuse is re-dated).
    pub keep_closed: bool,
    /// One target's company keeps its books in another currency than the properties' (`"CAD"`):
    /// every entry for it is held (`currency_mismatch`, or `currency_unknown` while its currency
    /// cannot be read), never sent in a guessed currency.
    pub foreign: Option<&'static str>,
    /// Sets of books (issue 18): 1 is a config without `[books]`; 2 or 3 are owners, each with
    /// its own QuickBooks company and Xero organisation, the properties dealt among them.
    pub books: usize,
    /// Pulled through Entrata's own API (issue 19: `[source] kind = "entrata"`, served under
    /// `/entrata-api`); its Entrata faults are the REST ones moved onto that API (`for_api`).
    pub api_source: bool,
}

#[derive(Debug, Clone)]
pub struct Night {
    /// The sandbox clock moves this far before the night (a day between nights: every access
    /// token has expired, so each run refreshes).
    pub advance_s: u32,
    /// Entrata changes between the previous night and this one.
    pub before: Vec<Drift>,
    /// Entrata changes while this night's pull pages (page drift).
    pub during: Option<Drift>,
    /// QuickBooks' books closed through this day of the month.
    pub close_qbo: Option<u32>,
    /// Xero's lock date on this day of the month.
    pub lock_xero: Option<u32>,
    pub rules: Vec<Rule>,
    pub kill: Option<Kill>,
    /// The state file is lost before the night (deleted with its WAL): the night starts with a
    /// `pull` into a new one and `connect` again, and the first post must adopt what the
    /// companies hold.
    pub lose_state: bool,
    /// The state file is replaced before the night by the copy taken at the end of this earlier
    /// night (a backup restored over it): the companies hold what the newer file posted since, and
    /// nothing of it may be posted twice.
    pub restore_state: Option<usize>,
    /// The night's run may write this many bytes past the state file's size and no more (a disk
    /// filling up, `RLIMIT_FSIZE`): nothing half-written, the next run carries on.
    pub disk_full: Option<u64>,
}

/// A fault rule as `POST /_sandbox/faults` takes it, and the kind it is counted under.
#[derive(Debug, Clone)]
pub struct Rule {
    pub kind: &'static str,
    pub json: Value,
}

/// `Kill::OnRequest`'s method for "whichever request of the service comes `nth`" (a kill sweep).
pub const ANY_REQUEST: &str = "ANY";

#[derive(Debug, Clone)]
pub enum Kill {
    /// SIGKILL this long after the run started (if it is still running).
    AfterMs(u64),
    /// SIGKILL as soon as this request reaches the sandbox, which holds it `delay_ms` first, so
    /// the process dies with the request in flight ("sent, not recorded").
    OnRequest { service: &'static str, method: &'static str, path: &'static str, nth: u64, delay_ms: u64 },
}

#[derive(Debug, Clone, Copy)]
pub enum Drift {
    /// New charges (with a payment for each) on days that may already be posted.
    Late { count: u64, pick: u64 },
    /// Items saved again unchanged: a new `updatedAt`, a new version, the same money.
    Touch { count: u64, pick: u64 },
    /// Charges edited after posting (`Flags::edits`): a new amount, deleted, or moved to another
    /// day of the month or into the next month.
    Edit { count: u64, pick: u64 },
    /// A posted deposit deleted or moved to another day, or one of its payments returned
    /// (`Flags::edits`): the bank line is corrected (Xero: a bank transaction of the opposite
    /// type, issue 15 item 5).
    Deposit { pick: u64 },
    /// A mapping edit (`Flags::edits`): one charge code's income account changed in
    /// `portfolio.toml`. What is posted stays; what posts later follows the new mapping, and
    /// `post --reclass` (that night, under its faults, and in the clean-up) moves the rest.
    Mapping { pick: u64 },
    /// A deposit edited not to list one of its payments (its amount less that payment's, so it
    /// still adds up; the payment still names it), or a deleted deposit restored
    /// (`Flags::edits`): a return's money comes back from the bank or from clearing as the
    /// deposit says (seed 3579's bug, both ways).
    Unlist { pick: u64 },
}

/// An endpoint the connector calls, and which actions make sense there.
struct Endpoint {
    service: &'static str,
    method: &'static str,
    path: &'static str,
    /// A write: its answer can be lost after the work is done.
    write: bool,
    /// Carries a bearer token the sandbox can expire.
    bearer: bool,
}

const fn ep(
    service: &'static str,
    method: &'static str,
    path: &'static str,
    write: bool,
    bearer: bool,
) -> Endpoint {
    Endpoint { service, method, path, write, bearer }
}

const ENTRATA: &[Endpoint] = &[
    ep("entrata", "POST", "**/sessions", true, false),
    ep("entrata", "GET", "**/properties", false, true),
    ep("entrata", "GET", "**/ar-codes", false, true),
    ep("entrata", "GET", "**/properties/*/leases", false, true),
    ep("entrata", "GET", "**/properties/*/charges", false, true),
    ep("entrata", "GET", "**/properties/*/payments", false, true),
    ep("entrata", "GET", "**/properties/*/deposits", false, true),
];
const QBO: &[Endpoint] = &[
    ep("qbo", "POST", "**/batch", true, true),
    ep("qbo", "POST", "**/batch", true, true),
    ep("qbo", "GET", "**/query", false, true),
    ep("qbo", "GET", "/qbo/v3/company/*/*/*", false, true),
    // The home currency: unreadable, every entry is held (`currency_unknown`), never guessed.
    ep("qbo", "GET", "**/preferences", false, true),
];

/// A `commit_after_ms` hold: past the client's 2 s timeout (`world`), committed before the 3 s
/// settle interval ends.
pub const COMMIT_AFTER_MS: (u64, u64) = (2_100, 2_700);
/// The longest `visible_after_ms` lag: inside the settle interval.
const READ_LAG_MS_MAX: u64 = 2_500;
const XERO: &[Endpoint] = &[
    ep("xero", "PUT", "**/ManualJournals", true, true),
    ep("xero", "PUT", "**/BankTransactions", true, true),
    ep("xero", "PUT", "**/ManualJournals", true, true),
    ep("xero", "PUT", "**/BankTransactions", true, true),
    ep("xero", "GET", "**/Organisation", false, true),
    ep("xero", "GET", "**/Accounts", false, true),
    ep("xero", "GET", "**/TrackingCategories", false, true),
    ep("xero", "GET", "**/Contacts", false, true),
    ep("xero", "GET", "**/ManualJournals", false, true),
    ep("xero", "GET", "**/BankTransactions", false, true),
];
const OAUTH: &[Endpoint] = &[
    ep("oauth", "POST", "/qbo/oauth2/v1/tokens/bearer", true, false),
    ep("oauth", "POST", "/xero/identity/connect/token", true, false),
];

/// Where a kill can wait for a request: writes most often (a kill between "sent" and
/// "recorded" is the one exactly-once is about).
const KILL_POINTS: &[(&str, &str, &str)] = &[
    ("entrata", "POST", "**/sessions"),
    ("entrata", "GET", "**/properties/*/charges"),
    ("entrata", "GET", "**/properties/*/deposits"),
    ("qbo", "GET", "**/query"),
    ("qbo", "POST", "**/batch"),
    ("qbo", "POST", "**/batch"),
    ("qbo", "POST", "**/batch"),
    ("xero", "GET", "**/Accounts"),
    ("xero", "PUT", "**/ManualJournals"),
    ("xero", "PUT", "**/ManualJournals"),
    ("xero", "PUT", "**/BankTransactions"),
    ("xero", "PUT", "**/BankTransactions"),
];

const DAY_S: u32 = 86_400;

impl Schedule {
    pub fn generate(seed: u64, flags: Flags) -> Schedule {
        let mut rng = Rng::new(seed);
        // Drawn apart from the rest, so that every earlier seed draws the schedule it always did
        // but for its books; `FAULT_BOOKS=N` sets them.
        let books =
            flags.books.unwrap_or_else(|| *Rng::new(seed ^ 0xb00c_5b00_c5b0_0c5b).pick(&[1, 1, 2, 3]));
        // Drawn apart too: one schedule in three reads Entrata's own API.
        let api_source =
            flags.api_source.unwrap_or_else(|| Rng::new(seed ^ 0x5012_ce5a_0a91_e4c3).percent(33));
        let properties = if rng.percent(70) { 1 } else { 2 };
        // Two owners need two properties to own one each.
        let properties = if books > 1 { properties.max(2) } else { properties };
        let spec = format!("properties={properties},months=1,seed={}", rng.range(1, 1_000_000));
        let keep_one_in = *rng.pick(&[2, 3, 4]);
        let page_size = *rng.pick(&[50, 100, 1000, 1000]);
        let max_attempts = *rng.pick(&[3, 5, 8]);
        // One Xero consent covers every owner's organisation; a custom connection reaches one.
        let xero_pkce = rng.percent(25) || books > 1;
        let night_count = *rng.pick(&[1, 2, 2, 3]);
        // Three schedules in ten try to kill a run; some runs end first. CI checks that at least
        // one schedule in ten really killed one.
        let kill_night = rng.percent(30).then(|| rng.range(0, night_count - 1));
        let nights = (0..night_count)
            .map(|n| Night::generate(&mut rng.fork(), n, kill_night == Some(n), flags))
            .collect();
        let keep_closed = flags.redate && rng.percent(50);
        let foreign = rng.percent(6).then(|| *rng.pick(&["qbo", "xero"]));
        Schedule {
            seed,
            flags,
            spec,
            keep_one_in,
            page_size,
            max_attempts,
            xero_pkce,
            nights,
            keep_closed,
            foreign,
            books,
            api_source,
        }
    }

    /// One quiet night over `spec` (one lease in `keep_one_in`), both targets, nothing happening:
    /// the base of hand-made schedules.
    pub fn quiet(spec: &str, keep_one_in: usize) -> Schedule {
        let night = Night {
            advance_s: 0,
            before: Vec::new(),
            during: None,
            close_qbo: None,
            lock_xero: None,
            rules: Vec::new(),
            kill: None,
            lose_state: false,
            restore_state: None,
            disk_full: None,
        };
        Schedule {
            seed: 0,
            flags: Flags::default(),
            spec: spec.into(),
            keep_one_in,
            page_size: 1000,
            max_attempts: 3,
            xero_pkce: false,
            nights: vec![night],
            keep_closed: false,
            foreign: None,
            books: 1,
            api_source: false,
        }
    }

    /// The same schedule with every wall-time kill (`Kill::AfterMs`) replaced by a kill at the
    /// `nth` request `service` receives, held `delay_ms` in flight: a kill sweep walks `nth` over
    /// every request of the night, so a kill that landed at a moment wall time cannot replay is
    /// replayed at each request boundary in turn. `None` when the schedule has no wall-time kill.
    pub fn with_kill_at(&self, service: &'static str, nth: u64, delay_ms: u64) -> Option<Schedule> {
        let mut schedule = self.clone();
        let mut replaced = false;
        for night in &mut schedule.nights {
            if let Some(Kill::AfterMs(_)) = night.kill {
                night.kill =
                    Some(Kill::OnRequest { service, method: ANY_REQUEST, path: "**", nth, delay_ms });
                replaced = true;
            }
        }
        replaced.then_some(schedule)
    }

    /// The environment that replays this schedule with `fault_schedules`.
    pub fn replay_env(&self) -> String {
        let mut env = format!("FAULT_SEED={}", self.seed);
        if !self.flags.edits {
            env.push_str(" FAULT_EDITS=0");
        }
        if !self.flags.redate {
            env.push_str(" FAULT_REDATE=0");
        }
        if let Some(books) = self.flags.books {
            env.push_str(&format!(" FAULT_BOOKS={books}"));
        }
        if let Some(api) = self.flags.api_source {
            env.push_str(if api { " FAULT_SOURCE=entrata" } else { " FAULT_SOURCE=rest" });
        }
        let swept = self.nights.iter().find_map(|night| match &night.kill {
            Some(Kill::OnRequest { service, method, nth, delay_ms, .. }) if *method == ANY_REQUEST => {
                Some(format!(" FAULT_KILL_AT={service}:{nth}:{delay_ms}"))
            }
            _ => None,
        });
        env.push_str(&swept.unwrap_or_default());
        env
    }

    /// What a person replaying the seed reads first.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "seed {}: {} (one lease in {}), page_size {}, max_attempts {}, xero {}{}{}{}\n",
            self.seed,
            self.spec,
            self.keep_one_in,
            self.page_size,
            self.max_attempts,
            if self.xero_pkce { "PKCE" } else { "client_credentials" },
            if self.flags.edits { "" } else { ", FAULT_EDITS=0" },
            if self.flags.redate { "" } else { ", FAULT_REDATE=0" },
            if self.keep_closed { ", periods stay closed through the clean-up" } else { "" },
        );
        if let Some(target) = self.foreign {
            out.push_str(&format!("  {target}'s company keeps its books in CAD\n"));
        }
        if self.api_source {
            out.push_str("  Entrata read through its own API (/entrata-api), not the provider's REST API\n");
        }
        if self.books > 1 {
            out.push_str(&format!(
                "  {} sets of books, each its own QuickBooks company and Xero organisation\n",
                self.books
            ));
        }
        for (n, night) in self.nights.iter().enumerate() {
            out.push_str(&format!(
                "  night {n}: +{}s, before {:?}, during {:?}, close qbo {:?}, lock xero {:?}, kill {:?}{}{}{}\n",
                night.advance_s,
                night.before,
                night.during,
                night.close_qbo,
                night.lock_xero,
                night.kill,
                if night.lose_state { ", state file lost first" } else { "" },
                night.restore_state.map(|k| format!(", state file replaced by night {k}'s copy first")).unwrap_or_default(),
                night.disk_full.map(|b| format!(", disk full {b} bytes past the state file")).unwrap_or_default(),
            ));
            for rule in &night.rules {
                out.push_str(&format!("    {}: {}\n", rule.kind, rule.json));
            }
        }
        out
    }
}

impl Night {
    fn generate(rng: &mut Rng, n: u64, kill: bool, flags: Flags) -> Night {
        let mut before = Vec::new();
        if n > 0 {
            if rng.percent(60) {
                before.push(Drift::Late { count: rng.range(1, 3), pick: rng.next_u64() });
            }
            if rng.percent(30) {
                before.push(Drift::Touch { count: rng.range(1, 10), pick: rng.next_u64() });
            }
            if flags.edits && rng.percent(50) {
                before.push(Drift::Edit { count: rng.range(1, 3), pick: rng.next_u64() });
            }
            if flags.edits && rng.percent(30) {
                before.push(Drift::Deposit { pick: rng.next_u64() });
            }
        }
        let during = rng.percent(25).then(|| match rng.range(0, 2) {
            0 => Drift::Touch { count: rng.range(1, 20), pick: rng.next_u64() },
            1 if flags.edits && n > 0 => Drift::Edit { count: 1, pick: rng.next_u64() },
            _ => Drift::Late { count: rng.range(1, 2), pick: rng.next_u64() },
        });
        // Days past the month's end close into the next month (issue 15: what a closed period
        // refuses is re-dated into a month of its own).
        let close_qbo = rng.percent(12).then(|| rng.range(1, 40) as u32);
        let lock_xero = rng.percent(12).then(|| rng.range(1, 40) as u32);
        let mut rules = Vec::new();
        for _ in 0..*rng.pick(&[0, 1, 2, 2, 3, 3, 4, 5]) {
            rules.extend(rule(rng));
        }
        let kill = kill.then(|| match rng.percent(50) {
            true => Kill::AfterMs(rng.range(20, 600)),
            false => {
                let (service, method, path) = *rng.pick(KILL_POINTS);
                let delay_ms = *rng.pick(&[1, 50, 150, 150]);
                Kill::OnRequest { service, method, path, nth: *rng.pick(&[1, 1, 2]), delay_ms }
            }
        });
        let advance_s = if n == 0 { 0 } else { DAY_S };
        // Issue 15's mishaps, drawn last so that a seed's other draws stay as they were.
        if flags.edits && n > 0 && rng.percent(15) {
            before.push(Drift::Mapping { pick: rng.next_u64() });
        }
        let lose_state = n > 0 && rng.percent(8);
        let disk_full = rng.percent(8).then(|| *rng.pick(&[0, 4_096, 32_768, 262_144]));
        if flags.edits && n > 0 && rng.percent(15) {
            before.push(Drift::Unlist { pick: rng.next_u64() });
        }
        let restore_state = (n > 1 && !lose_state && rng.percent(6)).then(|| rng.range(0, n - 2) as usize);
        Night {
            advance_s,
            before,
            during,
            close_qbo,
            lock_xero,
            rules,
            kill,
            lose_state,
            restore_state,
            disk_full,
        }
    }

    /// The fault plan for `POST /_sandbox/faults`: the night's rules, then the kill's probe.
    pub fn plan(&self, seed: u64, night: usize) -> Value {
        let mut rules: Vec<Value> = self.rules.iter().map(|r| r.json.clone()).collect();
        if let Some(Kill::OnRequest { service, method, path, nth, delay_ms }) = &self.kill {
            let mut probe = json!({"service": service, "nth": nth, "action": {"delay_ms": delay_ms},
                "comment": "kill point"});
            // `ANY_REQUEST` (a kill sweep): the rule names no method and no path.
            if *method != ANY_REQUEST {
                probe["method"] = json!(method);
                probe["path"] = json!(path);
            }
            rules.push(probe);
        }
        json!({"seed": seed.wrapping_mul(31).wrapping_add(night as u64), "rules": rules})
    }

    /// Index of the kill's probe rule in `plan`.
    pub fn probe_index(&self) -> usize {
        self.rules.len()
    }
}

/// One random fault (two rules when a refresh must be forced for a lost refresh answer).
fn rule(rng: &mut Rng) -> Vec<Rule> {
    let group = match rng.range(0, 99) {
        0..=24 => ENTRATA,
        25..=54 => QBO,
        55..=84 => XERO,
        _ => OAUTH,
    };
    let endpoint = rng.pick(group);
    let mut kinds: Vec<&'static str> = vec!["429", "5xx", "5xx", "reset", "garbled", "delay"];
    if endpoint.write {
        kinds.extend([
            "drop_after_commit",
            "drop_after_commit",
            "status_after_commit",
            "status_after_commit",
            "status_after_commit",
        ]);
    }
    // Issue 15: the answers the model never gave. A write the client gave up on that the vendor
    // still commits, a read that lags the write, an item SystemFault after the commit.
    if endpoint.write && matches!(endpoint.service, "qbo" | "xero") {
        kinds.extend(["commit_after", "read_lag", "read_lag"]);
    }
    if endpoint.service == "qbo" && endpoint.path == "**/batch" {
        kinds.push("system_fault_after_commit");
    }
    if endpoint.path == "**/preferences" {
        kinds = vec!["5xx", "5xx", "garbled"];
    }
    if endpoint.bearer {
        kinds.push("expire_token");
    }
    let kind = *rng.pick(&kinds);
    let action = match kind {
        // Retry-After is waited out in real time by the binary: mostly 0 s, sometimes 1 s.
        "429" => json!({"status": 429, "retry_after_s": *rng.pick(&[0, 0, 1])}),
        "5xx" => match *rng.pick(&[500, 502, 503, 504]) {
            503 => json!({"status": 503, "retry_after_s": *rng.pick(&[0, 0, 1])}),
            status => json!({"status": status}),
        },
        // 4xx after the commit too: a gateway's 400, 408 or 409 says nothing of the documents.
        "status_after_commit" => json!({"status_after_commit": *rng.pick(&[400, 408, 409, 500, 502, 504])}),
        "commit_after" => json!({"commit_after_ms": rng.range(COMMIT_AFTER_MS.0, COMMIT_AFTER_MS.1)}),
        "read_lag" => json!({"visible_after_ms": rng.range(200, READ_LAG_MS_MAX)}),
        "delay" => json!({"delay_ms": rng.range(5, 150)}),
        other => json!(other),
    };
    let mut json = json!({"service": endpoint.service, "method": endpoint.method, "path": endpoint.path,
        "action": action});
    // Most endpoints are called once or twice a run: triggers that fire early.
    match rng.range(0, 2) {
        0 => json["nth"] = json!(*rng.pick(&[1, 1, 1, 2, 3])),
        1 => {
            json["every"] = json!(rng.range(1, 2));
            json["times"] = json!(rng.range(1, 3));
        }
        _ => {
            json["probability"] = json!(*rng.pick(&[0.3, 0.5, 0.7, 1.0]));
            json["times"] = json!(rng.range(1, 4));
        }
    }
    if endpoint.path == "**/preferences" && kind != "expire_token" {
        // Read with five tries: a night on which the preferences cannot be read at all (a cap,
        // not "always", so that a later rule on the endpoint is not shadowed).
        let rule = json.as_object_mut().expect("rule");
        rule.retain(|k, _| !matches!(k.as_str(), "nth" | "every" | "probability" | "times"));
        rule.insert("every".into(), json!(1));
        rule.insert("times".into(), json!(12));
    }
    let token_endpoint = endpoint.service == "oauth";
    let kind = if token_endpoint && kind == "drop_after_commit" { "refresh_loss" } else { kind };
    let mut rules = vec![Rule { kind, json }];
    if token_endpoint {
        // A token call happens only when a token must be renewed: expire the API's token first.
        let api =
            if endpoint.path.starts_with("/qbo") { ("qbo", "**/query") } else { ("xero", "**/Accounts") };
        rules.insert(
            0,
            Rule {
                kind: "expire_token",
                json: json!({"service": api.0, "method": "GET", "path": api.1, "nth": 1,
                    "action": "expire_token"}),
            },
        );
    }
    rules
}

/// A night's fault plan for a schedule that reads Entrata's own API: each rule on the REST API's
/// endpoints moves to the API's service that serves the same items (every call a `POST`), and what
/// the API has no counterpart for becomes a 5xx: it has no sessions to expire, and a read's answer
/// lost "after the commit" is a failed read.
pub fn for_api(mut plan: Value) -> Value {
    let Some(rules) = plan["rules"].as_array_mut() else { return plan };
    for rule in rules.iter_mut().filter(|r| r["service"] == "entrata") {
        rule["service"] = json!("entrata-api");
        if rule.get("method").is_some() {
            rule["method"] = json!("POST");
        }
        if let Some(path) = rule["path"].as_str() {
            let service = match path {
                "**/sessions" | "**/properties" => "properties",
                "**/ar-codes" => "arcodes",
                "**/properties/*/leases" => "leases",
                "**/properties/*/charges" => "artransactions",
                "**/properties/*/payments" => "arpayments",
                "**/properties/*/deposits" => "financial",
                _ => "*",
            };
            rule["path"] = json!(format!("**/{service}"));
        }
        let transient = match &rule["action"] {
            Value::String(kind) => matches!(kind.as_str(), "expire_token" | "drop_after_commit"),
            action => action.get("status_after_commit").is_some(),
        };
        if transient {
            rule["action"] = json!({"status": 503});
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_one_schedule_and_every_plan_is_one_the_sandbox_takes() {
        for seed in 0..300 {
            let a = Schedule::generate(seed, Flags::default());
            assert_eq!(a.describe(), Schedule::generate(seed, Flags::default()).describe());
            for (n, night) in a.nights.iter().enumerate() {
                let plan = night.plan(seed, n).to_string();
                if let Err(e) = entrata_recon_sandbox::parse_faults(plan.as_bytes()) {
                    panic!("seed {seed} night {n}: {e}\n{plan}");
                }
            }
        }
    }
}
