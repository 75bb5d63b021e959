//! One schedule's world: a sandbox with the generated portfolio, a folder with `recon.toml`, the
//! example mappings and the state file, both targets connected, and the real binary run in it,
//! killed with SIGKILL when the schedule says so.

use std::collections::BTreeMap;
use std::time::Duration;

use entrata_recon_sandbox::{QboLimits, XeroLimits};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::owners::Owner;
use super::rng::Rng;
use super::schedule::{Drift, Kill, Schedule};
use crate::common::{Harness, json_dataset};

/// What one invocation of the binary came to.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub label: String,
    /// `None` when it was killed.
    pub code: Option<i32>,
    pub killed: bool,
    pub output: String,
}

pub struct World {
    pub h: Harness,
    /// Pulling through Entrata's own API (`Schedule::api_source`).
    pub api_source: bool,
    pub month: chrono::NaiveDate,
    /// The current JSON of every charge and payment, as last written to the sandbox.
    charges: BTreeMap<String, Value>,
    payments: BTreeMap<String, Value>,
    deposits: BTreeMap<String, Value>,
    mapped_codes: Vec<String>,
    late_made: u64,
    pub runs: Vec<RunRecord>,
    xero_pkce: bool,
    /// The next `run` may write this many bytes past the state file's size (`Night::disk_full`).
    pub disk_slack: Option<u64>,
    /// The target whose company keeps its books in CAD (`Schedule::foreign`).
    pub foreign: Option<&'static str>,
    /// A mapping edit was made (`Drift::Mapping`).
    remapped: bool,
    /// (target, document id) of every document the targets held when the state file was lost.
    pub held_before_loss: std::collections::BTreeSet<(String, String)>,
    /// The owners' books when the schedule has several (`owners`); empty for one.
    pub owners: Vec<Owner>,
    /// Property → its owner (an index into `owners`).
    pub routes: BTreeMap<String, usize>,
}

impl World {
    pub async fn start(schedule: &Schedule) -> Result<World, String> {
        let spec: entrata_recon_sandbox::generate::GenerateSpec = schedule.spec.parse().expect("spec");
        let bytes = super::portfolio::trimmed(
            &entrata_recon_sandbox::generate::generate(&spec),
            schedule.keep_one_in,
        );
        let bytes = match schedule.foreign {
            Some(target) => in_cad(&bytes, target),
            None => bytes,
        };
        let (bytes, owners) = match schedule.books {
            1 => (bytes, Vec::new()),
            n => super::owners::split(&bytes, n),
        };
        // Entrata's own API: its limits are the REST API's (only the injected faults throttle).
        let bytes = match schedule.api_source {
            true => {
                let limits =
                    br#"{"entrataApi": {"limits": {"day": 10000000, "hour": 1000000, "minute": 100000}},"#;
                [&limits[..], &bytes[1..]].concat()
            }
            false => bytes,
        };
        let mut options = json_dataset(&bytes);
        // Only the injected faults may throttle: the real limits would make a run wait out a
        // minute of real time once several runs share one sandbox minute.
        options.qbo_limits = QboLimits {
            requests_per_minute: 100_000,
            batch_requests_per_minute: 10_000,
            max_concurrent: 100,
            ..QboLimits::default()
        };
        options.xero_limits = XeroLimits {
            calls_per_minute: 10_000,
            calls_per_day: 1_000_000,
            concurrent_calls: 100,
            app_calls_per_minute: 100_000,
            ..XeroLimits::default()
        };
        options.entrata_limits.requests_per_window = 100_000;
        let h = Harness::start(options).await;
        if schedule.api_source {
            h.sandbox.write_config_entrata_api(&h.config_path()).expect("config for Entrata's own API");
        }
        h.write_mappings();
        h.set_source("page_size", Some(i64::from(schedule.page_size).into()));
        h.set_source("max_attempts", Some(i64::from(schedule.max_attempts).into()));
        // Short enough that the suite's real waits stay small, long enough for a loaded machine:
        // `commit_after_ms` rules hold a write past the timeout and commit it before the settle
        // interval ends; `visible_after_ms` lags stay inside it too (`schedule::COMMIT_AFTER_MS`).
        h.set_posting("request_timeout_seconds", Some(2.into()));
        h.set_posting("settle_seconds", Some(3.into()));
        if !schedule.xero_pkce {
            h.set_target("xero", "auth", Some("client_credentials".into()));
        }
        let dataset: Value = serde_json::from_slice(&bytes).expect("generated JSON");
        let by_id = |list: &str, id: &str| -> BTreeMap<String, Value> {
            dataset[list]
                .as_array()
                .expect("list")
                .iter()
                .map(|item| (item[id].as_str().expect("id").to_owned(), item.clone()))
                .collect()
        };
        let properties: Vec<String> = by_id("properties", "propertyId").into_keys().collect();
        let routes = match owners.is_empty() {
            true => BTreeMap::new(),
            false => super::owners::configure(&h, &owners, &properties),
        };
        let charges = by_id("charges", "chargeId");
        let month = charges
            .values()
            .filter_map(|c| c["postMonth"].as_str())
            .min()
            .and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
            .expect("a post month");
        let portfolio: toml::Table = std::fs::read_to_string(h.dir.path().join("mappings/portfolio.toml"))
            .expect("portfolio.toml")
            .parse()
            .expect("TOML");
        let mapped_codes = portfolio["codes"].as_table().expect("[codes]").keys().cloned().collect();
        let mut world = World {
            h,
            api_source: schedule.api_source,
            month,
            charges,
            payments: by_id("payments", "paymentId"),
            deposits: by_id("deposits", "depositId"),
            mapped_codes,
            late_made: 0,
            runs: Vec::new(),
            xero_pkce: schedule.xero_pkce,
            disk_slack: None,
            foreign: schedule.foreign,
            remapped: false,
            held_before_loss: Default::default(),
            owners,
            routes,
        };
        world.connect("qbo").await?;
        if schedule.xero_pkce {
            world.connect("xero").await?;
        }
        Ok(world)
    }

    /// `connect qbo|xero` as a person does it: the printed URL opened by a browser that follows
    /// the redirect to the binary's loopback listener. Faults are cleared first (a person
    /// reconnects when the services answer).
    pub async fn connect(&mut self, target: &str) -> Result<(), String> {
        self.h.control(Method::DELETE, "/_sandbox/faults", None).await;
        if self.owners.is_empty() {
            return self.connect_book(target, None, None).await;
        }
        for owner in self.owners.clone() {
            // Intuit's page: the person picks the owner's company (on every try of the page).
            // Xero's: one consent covers every organisation; the book's `tenant_id` picks its own.
            let realm = (target == "qbo").then_some(owner.realm.as_str());
            self.connect_book(target, Some(&owner.name), realm).await?;
        }
        Ok(())
    }

    /// `connect` of one book (`None`: the config has no `[books]`).
    async fn connect_book(
        &mut self,
        target: &str,
        book: Option<&str>,
        realm: Option<&str>,
    ) -> Result<(), String> {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        self.h.set_target(target, "redirect_uri", Some(format!("http://127.0.0.1:{port}/callback").into()));
        let mut args = vec!["connect", target];
        args.extend(book.iter().flat_map(|b| ["--books", *b]));
        let mut child = self.h.command(&args).spawn().expect("connect starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut printed = Vec::new();
        let url = loop {
            match stdout.next_line().await {
                Ok(Some(line)) if line.starts_with("http") => break line,
                Ok(Some(line)) => printed.push(line),
                _ => return Err(format!("connect {target} printed no URL: {printed:?}")),
            }
        };
        let browser = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("client");
        // The listener binds just after the URL is printed; a refused redirect is tried again.
        let mut consented = false;
        for _ in 0..2_000 {
            // A choice of company is spent by the consent that made it, answered or not.
            if let Some(realm) = realm {
                let body = json!({ "realmId": realm }).to_string();
                self.h.control(Method::POST, "/_sandbox/qbo/consent", Some(body)).await;
            }
            match browser.get(&url).send().await {
                Ok(answer) if answer.status().is_success() => {
                    consented = true;
                    break;
                }
                Ok(answer) => return Err(format!("connect {target}: consent answered {}", answer.status())),
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        let output = child.wait_with_output().await.expect("connect ends");
        let code = output.status.code();
        if !consented || code != Some(0) {
            return Err(format!(
                "connect {target} exited {code:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        self.runs.push(RunRecord {
            label: format!("connect {target}{}", book.map(|b| format!(" --books {b}")).unwrap_or_default()),
            code,
            killed: false,
            output: String::new(),
        });
        Ok(())
    }

    /// Reconnects what a run said needs `connect` again; true when it did.
    pub async fn reconnect_if_asked(&mut self, run: &RunRecord) -> Result<bool, String> {
        let mut did = false;
        for target in ["qbo", "xero"] {
            let asks = run.output.contains(&format!("connect {target}`"))
                || run.output.contains(&format!("connect {target} "));
            if run.code == Some(2) && asks && (target == "qbo" || self.xero_pkce) {
                self.connect(target).await?;
                did = true;
            }
        }
        Ok(did)
    }

    /// `entrata-recon run`, SIGKILLed at `kill` (if it is still running then). `during`: Entrata
    /// changes made once the pull has asked for a ledger (page drift).
    pub async fn run(
        &mut self,
        label: String,
        kill: Option<(&Kill, usize)>,
        during: Option<Drift>,
    ) -> RunRecord {
        let mut command = self.h.command(&["run"]);
        if let Some(slack) = self.disk_slack.take() {
            let size = std::fs::metadata(self.h.state_path()).map_or(0, |m| m.len());
            limit_file_size(&mut command, size + slack);
        }
        let mut child = command.spawn().expect("the binary runs");
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let read_out = tokio::spawn(async move {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text).await;
            text
        });
        let read_err = tokio::spawn(async move {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text).await;
            text
        });
        let trigger = async {
            if let Some(drift) = during {
                self.wait_for_requests(if self.api_source { "/artransactions" } else { "/charges" }, 1).await;
                self.apply(drift).await;
            }
            match kill {
                None => std::future::pending::<()>().await,
                Some((Kill::AfterMs(ms), _)) => tokio::time::sleep(Duration::from_millis(*ms)).await,
                Some((Kill::OnRequest { .. }, probe)) => self.wait_until_fired(probe).await,
            }
        };
        let mut killed = false;
        tokio::select! {
            _ = child.wait() => {}
            _ = trigger => {
                killed = child.start_kill().is_ok();
            }
        }
        let status = child.wait().await.expect("the run ends");
        let (stdout, stderr) = (read_out.await.unwrap_or_default(), read_err.await.unwrap_or_default());
        // Killed before it ended by itself: no exit code, a signal.
        let killed = killed && status.code().is_none();
        let record = RunRecord { label, code: status.code(), killed, output: format!("{stdout}\n{stderr}") };
        self.runs.push(record.clone());
        record
    }

    /// The state file is lost (deleted with its WAL and shared memory): a person makes a new one
    /// with `pull` and connects both targets again, as the README says.
    pub async fn lose_state(&mut self) -> Result<(), String> {
        let books = super::books::Books::parse(&self.dump(false).await?)?;
        for target in super::check::TARGETS {
            for doc in books.of(target) {
                self.held_before_loss.insert((target.to_owned(), doc.id.clone()));
            }
        }
        let path = self.h.state_path();
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            if let Err(e) = std::fs::remove_file(&file)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(format!("removing {file}: {e}"));
            }
        }
        self.h.control(Method::DELETE, "/_sandbox/faults", None).await;
        let pull = self.h.run(&["pull"]).await;
        self.runs.push(RunRecord {
            label: "pull into a new state file".into(),
            code: pull.code,
            killed: false,
            output: format!("{}\n{}", pull.stdout, pull.stderr),
        });
        if !matches!(pull.code, Some(0 | 1)) {
            return Err(format!("pull into a new state file exited {:?}: {}", pull.code, pull.stderr));
        }
        self.connect("qbo").await?;
        if self.xero_pkce {
            self.connect("xero").await?;
        }
        Ok(())
    }

    /// A copy of the state file as the night left it (a nightly backup), for `restore_state`.
    pub fn keep_state_copy(&self, night: usize) -> Result<(), String> {
        copy_state(&self.h.state_path(), &self.h.dir.path().join(format!("state-copy-{night}.db")))
    }

    /// The state file is replaced by night `night`'s copy (a backup restored over it): whatever the
    /// newer file posted since is in the companies, which the older one may not know.
    pub async fn restore_state(&mut self, night: usize) -> Result<(), String> {
        let books = super::books::Books::parse(&self.dump(false).await?)?;
        for target in super::check::TARGETS {
            for doc in books.of(target) {
                self.held_before_loss.insert((target.to_owned(), doc.id.clone()));
            }
        }
        copy_state(&self.h.dir.path().join(format!("state-copy-{night}.db")), &self.h.state_path())
    }

    /// Polls until the sandbox has served `times` requests to an Entrata list ending in `suffix`.
    async fn wait_for_requests(&self, suffix: &str, times: u64) {
        let start = self.entrata_requests(suffix).await;
        for _ in 0..2_000 {
            if self.entrata_requests(suffix).await >= start + times {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn entrata_requests(&self, suffix: &str) -> u64 {
        let requests = self.h.requests().await;
        requests
            .0
            .iter()
            .filter(|(e, _)| {
                (e.starts_with("GET /entrata/") || e.starts_with("POST /entrata-api/")) && e.ends_with(suffix)
            })
            .map(|(_, n)| *n)
            .sum()
    }

    async fn wait_until_fired(&self, rule: usize) {
        loop {
            let fired = self.h.fired().await;
            if fired.get(rule).copied().unwrap_or(0) >= 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }

    /// `GET /_sandbox/state` as text (amounts exact), with the Entrata items when `items`.
    pub async fn dump(&self, items: bool) -> Result<String, String> {
        let url = format!("{}/_sandbox/state?items={items}", self.h.sandbox.base_url());
        let client = reqwest::Client::builder().no_proxy().build().map_err(|e| e.to_string())?;
        let answer = client.get(url).send().await.map_err(|e| format!("sandbox state: {e}"))?;
        answer.text().await.map_err(|e| format!("sandbox state: {e}"))
    }

    pub async fn set_faults(&self, plan: &Value) {
        let plan = match self.api_source {
            true => super::schedule::for_api(plan.clone()),
            false => plan.clone(),
        };
        self.h.set_faults(&plan.to_string()).await;
    }

    /// Each rule's `fired` counter.
    pub async fn fired(&self) -> Vec<u64> {
        self.h.fired().await
    }

    pub async fn advance(&self, seconds: u32) {
        if seconds > 0 {
            self.h.advance_time(u64::from(seconds)).await;
        }
    }

    /// Closes QuickBooks' books / sets Xero's lock date through `day` of the month (`None` opens).
    pub async fn close(&self, qbo: Option<Option<u32>>, xero: Option<Option<u32>>) {
        let date =
            |day: Option<u32>| day.map(|d| (self.month + chrono::Days::new(u64::from(d) - 1)).to_string());
        // Every owner's company closes alike (`?realmId=`, `?tenantId=` name each).
        let (realms, tenants): (Vec<String>, Vec<String>) = match self.owners.is_empty() {
            true => (vec![String::new()], vec![String::new()]),
            false => self
                .owners
                .iter()
                .map(|o| (format!("?realmId={}", o.realm), format!("?tenantId={}", o.tenant)))
                .unzip(),
        };
        if let Some(day) = qbo {
            let body = json!({"bookCloseDate": date(day)}).to_string();
            for realm in &realms {
                self.h
                    .control(Method::POST, &format!("/_sandbox/qbo/close-date{realm}"), Some(body.clone()))
                    .await;
            }
        }
        if let Some(day) = xero {
            let body = json!({"lockDate": date(day)}).to_string();
            for tenant in &tenants {
                self.h
                    .control(Method::POST, &format!("/_sandbox/xero/lock-date{tenant}"), Some(body.clone()))
                    .await;
            }
        }
    }

    /// Writes one Entrata change through `POST /_sandbox/entrata/{kind}`.
    pub async fn apply(&mut self, drift: Drift) {
        match drift {
            Drift::Touch { count, pick } => {
                let mut rng = Rng::new(pick);
                let ids: Vec<String> = self.charges.keys().cloned().collect();
                let touched: Vec<Value> = (0..count).map(|_| self.charges[rng.pick(&ids)].clone()).collect();
                self.h.upsert("charges", &Value::Array(touched).to_string()).await;
            }
            Drift::Late { count, pick } => {
                let mut rng = Rng::new(pick);
                let base: Vec<&Value> = self.charges.values().filter(|c| self.plain_charge(c)).collect();
                let mut charges = Vec::new();
                let mut payments = Vec::new();
                for _ in 0..count {
                    self.late_made += 1;
                    let original = rng.pick(&base);
                    let id =
                        format!("{}_late{}", original["chargeId"].as_str().unwrap_or("chg"), self.late_made);
                    let amount = format!("{}.{:02}", rng.range(5, 400), rng.range(0, 99));
                    let mut charge = (*original).clone();
                    charge["chargeId"] = json!(id);
                    charge["amount"] = json!(amount);
                    charge["taxAmount"] = json!("0.00");
                    charge["servicePeriodStart"] = Value::Null;
                    charge["servicePeriodEnd"] = Value::Null;
                    charge["scheduledChargeId"] = Value::Null;
                    charge["description"] = json!("Late charge");
                    if let Some(payment) = self.late_payment(&charge, &mut rng) {
                        payments.push(payment);
                    }
                    charges.push(charge);
                }
                self.h.upsert("charges", &Value::Array(charges.clone()).to_string()).await;
                for c in charges {
                    self.charges.insert(c["chargeId"].as_str().expect("id").to_owned(), c);
                }
                if !payments.is_empty() {
                    self.h.upsert("payments", &Value::Array(payments.clone()).to_string()).await;
                    for p in payments {
                        self.payments.insert(p["paymentId"].as_str().expect("id").to_owned(), p);
                    }
                }
            }
            Drift::Edit { count, pick } => {
                let mut rng = Rng::new(pick);
                let ids: Vec<String> = self
                    .charges
                    .iter()
                    .filter(|(_, c)| self.plain_charge(c))
                    .map(|(id, _)| id.clone())
                    .collect();
                let mut edited = Vec::new();
                for _ in 0..count {
                    let mut charge = self.charges[rng.pick(&ids)].clone();
                    match rng.range(0, 3) {
                        0 => {
                            charge["status"] = json!("deleted");
                        }
                        1 => {
                            // Another day of the month, or the next month.
                            let date = match rng.percent(60) {
                                true => self.month + chrono::Days::new(rng.range(0, 27)),
                                false => {
                                    self.month + chrono::Months::new(1) + chrono::Days::new(rng.range(0, 27))
                                }
                            };
                            charge["postDate"] = json!(date.to_string());
                            charge["transactionDate"] = json!(date.to_string());
                            charge["postMonth"] = json!(date.format("%Y-%m").to_string());
                        }
                        _ => {
                            let cents = super::books::cents(&charge["amount"]) + rng.range(100, 2_000) as i64;
                            charge["amount"] = json!(super::books::fmt_cents(cents));
                            charge["taxAmount"] = json!("0.00");
                        }
                    }
                    edited.push(charge);
                }
                self.h.upsert("charges", &Value::Array(edited.clone()).to_string()).await;
                for c in edited {
                    self.charges.insert(c["chargeId"].as_str().expect("id").to_owned(), c);
                }
            }
            Drift::Deposit { pick } => self.change_deposit(pick).await,
            Drift::Mapping { pick } => self.remap(pick),
            Drift::Unlist { pick } => self.unlist(pick).await,
        }
    }

    /// `Drift::Unlist`: a deleted deposit restored, or a live one that adds up edited not to list
    /// one of its payments (returned ones first: where their return comes back from changes).
    async fn unlist(&mut self, pick: u64) {
        let mut rng = Rng::new(pick);
        let cents_of = |id: &Value| {
            self.payments.get(id.as_str().unwrap_or_default()).map(|p| super::books::cents(&p["amount"]))
        };
        let adds_up = |d: &Value| {
            let listed: Option<i64> =
                d["paymentIds"].as_array().and_then(|ids| ids.iter().map(cents_of).sum());
            listed == Some(super::books::cents(&d["amount"]))
        };
        let deleted: Vec<String> = self
            .deposits
            .iter()
            .filter(|(_, d)| d["status"] == "deleted")
            .map(|(id, _)| id.clone())
            .collect();
        let deposit = if !deleted.is_empty() && rng.percent(50) {
            let mut deposit = self.deposits[rng.pick(&deleted)].clone();
            if let Some(fields) = deposit.as_object_mut() {
                fields.remove("status");
            }
            deposit
        } else {
            let live: Vec<String> = self
                .deposits
                .iter()
                .filter(|(_, d)| d["status"] != "deleted" && adds_up(d))
                .filter(|(_, d)| d["paymentIds"].as_array().is_some_and(|ids| ids.len() >= 2))
                .map(|(id, _)| id.clone())
                .collect();
            if live.is_empty() {
                return;
            }
            let mut deposit = self.deposits[rng.pick(&live)].clone();
            let ids: Vec<Value> = deposit["paymentIds"].as_array().cloned().unwrap_or_default();
            let returned = ids.iter().position(|id| {
                self.payments.get(id.as_str().unwrap_or_default()).is_some_and(|p| p["status"] != "captured")
            });
            let at = returned.unwrap_or_else(|| rng.range(0, ids.len() as u64 - 1) as usize);
            let Some(cents) = cents_of(&ids[at]) else { return };
            let kept: Vec<Value> =
                ids.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, id)| id.clone()).collect();
            deposit["paymentIds"] = Value::Array(kept);
            deposit["amount"] =
                json!(super::books::fmt_cents(super::books::cents(&deposit["amount"]) - cents));
            deposit
        };
        self.h.upsert("deposits", &Value::Array(vec![deposit.clone()]).to_string()).await;
        self.deposits.insert(deposit["depositId"].as_str().expect("id").to_owned(), deposit);
    }

    /// One charge code booked to another income account from now on (`Drift::Mapping`): the
    /// `account = "..."` line of its `[codes.X]` table in `portfolio.toml`, edited as a person
    /// would. Months with posted entries need `post --reclass` (`reclass_months`).
    fn remap(&mut self, pick: u64) {
        let mut rng = Rng::new(pick);
        let path = self.h.dir.path().join("mappings/portfolio.toml");
        let text = std::fs::read_to_string(&path).expect("portfolio.toml");
        let lines: Vec<&str> = text.lines().collect();
        let income: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim()))
            .filter(|name| name.ends_with("_income") && !name.contains(' '))
            .collect();
        // (line index, current account) of each code booked to one income account.
        let mut simple = Vec::new();
        let mut in_code = false;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with('[') {
                in_code = line.starts_with("[codes.");
            } else if in_code && let Some(account) = line.strip_prefix("account = \"") {
                let account = account.trim_end_matches('"');
                if account.ends_with("_income") {
                    simple.push((i, account.to_owned()));
                }
            }
        }
        if simple.is_empty() || income.len() < 2 {
            return;
        }
        let (at, current) = rng.pick(&simple).clone();
        let others: Vec<&str> = income.iter().copied().filter(|a| *a != current).collect();
        let new = *rng.pick(&others);
        let mut edited: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        edited[at] = format!("account = \"{new}\"");
        std::fs::write(&path, edited.join("\n") + "\n").expect("portfolio.toml written");
        self.remapped = true;
    }

    /// The post months `post --reclass` is run for after a mapping edit: the portfolio's month
    /// and the next (edits and closed periods reach into it).
    pub fn reclass_months(&self) -> Vec<String> {
        if !self.remapped {
            return Vec::new();
        }
        let next = self.month + chrono::Months::new(1);
        vec![self.month.format("%Y-%m").to_string(), next.format("%Y-%m").to_string()]
    }

    /// `entrata-recon post --reclass MONTH`.
    pub async fn reclass(&mut self, label: String, month: &str) -> RunRecord {
        let run = self.h.run(&["post", "--reclass", month]).await;
        let record = RunRecord {
            label,
            code: run.code,
            killed: false,
            output: format!("{}\n{}", run.stdout, run.stderr),
        };
        self.runs.push(record.clone());
        record
    }

    /// A live deposit deleted (0), moved to another day of its month (1), or one of its captured
    /// payments returned a few days after it (2).
    async fn change_deposit(&mut self, pick: u64) {
        let mut rng = Rng::new(pick);
        // A posted deposit: live, and equal to its payments (the generator plants deposits that do
        // not add up; those are held, and a change to one under a posted return is a person's
        // question, `adjustment_held`, which the totals invariant cannot tell from lost money).
        let adds_up = |d: &Value| {
            let listed: Option<i64> = d["paymentIds"].as_array().map(|ids| {
                ids.iter()
                    .filter_map(|id| self.payments.get(id.as_str()?))
                    .map(|p| super::books::cents(&p["amount"]))
                    .sum()
            });
            listed == Some(super::books::cents(&d["amount"]))
        };
        let live: Vec<String> = self
            .deposits
            .iter()
            .filter(|(_, d)| d["status"] != "deleted" && adds_up(d))
            .map(|(id, _)| id.clone())
            .collect();
        if live.is_empty() {
            return;
        }
        let mut deposit = self.deposits[rng.pick(&live)].clone();
        let day = |rng: &mut Rng| self.month + chrono::Days::new(rng.range(0, 25));
        match rng.range(0, 2) {
            0 => deposit["status"] = json!("deleted"),
            1 => deposit["depositDate"] = json!(day(&mut rng).to_string()),
            _ => {
                let ids: Vec<String> = deposit["paymentIds"]
                    .as_array()
                    .map(|ids| ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                let captured: Vec<&String> = ids
                    .iter()
                    .filter(|id| self.payments.get(*id).is_some_and(|p| p["status"] == "captured"))
                    .collect();
                let Some(id) = captured.first().map(|id| (*id).clone()) else { return };
                let mut payment = self.payments[&id].clone();
                let date = deposit["depositDate"]
                    .as_str()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .unwrap_or(self.month)
                    + chrono::Days::new(rng.range(1, 3));
                payment["status"] = json!("returned");
                payment["returnedDate"] = json!(date.to_string());
                payment["returnPostMonth"] = json!(date.format("%Y-%m").to_string());
                payment["returnReason"] = json!("NSF");
                self.h.upsert("payments", &Value::Array(vec![payment.clone()]).to_string()).await;
                self.payments.insert(id, payment);
                return;
            }
        }
        self.h.upsert("deposits", &Value::Array(vec![deposit.clone()]).to_string()).await;
        self.deposits.insert(deposit["depositId"].as_str().expect("id").to_owned(), deposit);
    }

    /// A positive, mapped charge of this month with no service period to prorate, no reversal.
    fn plain_charge(&self, charge: &Value) -> bool {
        charge["reversesChargeId"].is_null()
            && super::books::cents(&charge["amount"]) > 0
            && charge["arCode"].as_str().is_some_and(|code| self.mapped_codes.iter().any(|m| m == code))
            && charge["status"] == "posted"
    }

    /// A captured, undeposited payment for a late charge, copied from one of the same lease.
    fn late_payment(&self, charge: &Value, rng: &mut Rng) -> Option<Value> {
        let lease = charge["leaseId"].as_str()?;
        let model = self
            .payments
            .values()
            .find(|p| p["leaseId"] == lease && p["status"] == "captured" && p["depositId"].is_null())?;
        if !rng.percent(60) {
            return None;
        }
        let mut payment = model.clone();
        let id = format!("pay_{}", charge["chargeId"].as_str()?);
        payment["paymentId"] = json!(id);
        payment["amount"] = charge["amount"].clone();
        payment["postDate"] = charge["postDate"].clone();
        payment["postMonth"] = charge["postMonth"].clone();
        payment["allocations"] =
            json!([{"chargeId": charge["chargeId"], "arCode": charge["arCode"], "amount": charge["amount"]}]);
        Some(payment)
    }
}

/// The generated dataset with `target`'s company keeping its books in CAD (the properties are in
/// USD). Only that section is rewritten; every item keeps its exact text.
fn in_cad(bytes: &[u8], target: &str) -> Vec<u8> {
    let mut top: BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(bytes).expect("generated JSON");
    let mut section: Value = serde_json::from_str(top[target].get()).expect("a target section");
    let field = if target == "qbo" { "homeCurrency" } else { "baseCurrency" };
    section[field] = json!("CAD");
    top.insert(target.to_owned(), serde_json::value::to_raw_value(&section).expect("JSON"));
    serde_json::to_vec(&top).expect("JSON")
}

/// The child may not make any file longer than `bytes` (`RLIMIT_FSIZE`): a write past it fails
/// with `EFBIG` (`SIGXFSZ` is ignored, so it is an error, not a kill), as on a full disk.
fn limit_file_size(command: &mut tokio::process::Command, bytes: u64) {
    // SAFETY: between fork and exec the closure calls only async-signal-safe functions
    // (`signal`, `setrlimit`) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Copies a closed state file with its WAL and shared memory (whichever exist), replacing `to`'s.
fn copy_state(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm"] {
        let (a, b) = (format!("{}{suffix}", from.display()), format!("{}{suffix}", to.display()));
        match std::fs::remove_file(&b) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(format!("removing {b}: {e}")),
            _ => {}
        }
        if std::path::Path::new(&a).exists() {
            std::fs::copy(&a, &b).map_err(|e| format!("copying {a} to {b}: {e}"))?;
        }
    }
    Ok(())
}
