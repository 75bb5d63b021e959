//! A generated portfolio pulled and recorded in-process, a Xero connection stored by the real
//! `connect`, the real `XeroTarget` posting through `posting::post_to`, and exact views of what
//! the Xero sandbox holds (amounts read as the JSON text it wrote).

use std::sync::Arc;
use std::time::Duration;

use entrata_recon::config::Config;
use entrata_recon::domain::BookName;
use entrata_recon::http::Pause;
use entrata_recon::journal::{BalancedEntry, Side};
use entrata_recon::mapping::MappingSet;
use entrata_recon::posting::{PostOptions, TargetSummary, post_to};
use entrata_recon::report::progress::Progress;
use entrata_recon::run::connect::{ConnectOptions, connect, oauth_settings_for};
use entrata_recon::run::plan::{PlanRequest, plan};
use entrata_recon::state::StateFile;
use entrata_recon::targets::TargetKind;
use entrata_recon::targets::oauth::TokenSource;
use entrata_recon::targets::xero::{XeroTarget, open};
use entrata_recon_sandbox::SandboxOptions;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::common::{Harness, generated};

pub const SPEC: &str = "properties=3,months=1,seed=11";

pub struct Posting {
    pub h: Harness,
    pub mappings: Arc<MappingSet>,
    pub state: StateFile,
    http: reqwest::Client,
}

/// Edits `[targets.xero]` of `recon.toml`.
pub fn set_xero(h: &Harness, key: &str, value: &str) {
    let path = h.config_path();
    let mut config: toml::Table = std::fs::read_to_string(&path).expect("config").parse().expect("TOML");
    let targets = config.get_mut("targets").and_then(toml::Value::as_table_mut).expect("[targets]");
    let xero = targets.get_mut("xero").and_then(toml::Value::as_table_mut).expect("[targets.xero]");
    xero.insert(key.to_owned(), toml::Value::String(value.to_owned()));
    std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("config written");
}

impl Posting {
    /// A sandbox with `SPEC` (changed by `configure`), the example mappings, one pull and the plan
    /// recorded; not connected yet.
    pub async fn prepare(configure: impl FnOnce(&mut SandboxOptions)) -> Posting {
        let mut options = generated(SPEC);
        configure(&mut options);
        let h = Harness::start(options).await;
        entrata_recon::mapping::examples::write_example_mappings(&h.dir.path().join("mappings"))
            .expect("mappings");
        h.pull().await;
        let config = h.config();
        let mappings = Arc::new(entrata_recon::mapping::load(&config.mappings_dir).expect("mappings load"));
        let state = StateFile::open(&config.state_path).await.expect("state file");
        entrata_recon::run::record::record(&state, &mappings, false).await.expect("recorded");
        let http = reqwest::Client::builder().no_proxy().build().expect("client");
        Posting { h, mappings, state, http }
    }

    /// `prepare`, then a custom connection (`auth = "client_credentials"`) stored by `connect`.
    pub async fn start(configure: impl FnOnce(&mut SandboxOptions)) -> Posting {
        let posting = Posting::prepare(configure).await;
        set_xero(&posting.h, "auth", "client_credentials");
        let connected = connect(
            &posting.config(),
            &posting.state,
            TargetKind::Xero,
            &ConnectOptions::default(),
            &mut |_| panic!("a custom connection opens no browser"),
        )
        .await
        .expect("connected");
        assert_eq!(connected.company_id, entrata_recon_sandbox::generate::XERO_TENANT_ID);
        // The organisation is new: these tests count calls, so the first post's question of what
        // it already holds (issue 15, item 6; `tests/it/post_qbo/exactly_once.rs`) is settled here.
        posting.state.set_adopted(TargetKind::Xero, &connected.company_id).await.expect("state");
        posting
    }

    pub fn config(&self) -> Config {
        self.h.config()
    }

    /// The target as `post` opens it, its waits on `pause`.
    pub async fn try_target(&self, pause: Pause) -> Result<XeroTarget, entrata_recon::posting::TargetError> {
        let config = self.config();
        let (target_config, mut settings) =
            oauth_settings_for(&config, TargetKind::Xero, entrata_recon::domain::BookName::default_book())
                .expect("xero configured");
        settings.pause = pause.clone();
        let connection = self
            .state
            .connection(TargetKind::Xero, &BookName::default_book())
            .await
            .expect("state")
            .expect("connected");
        let tokens = TokenSource::new(settings, self.state.clone());
        let timeout = config.posting.request_timeout;
        open(target_config, tokens, connection.company_id, Arc::clone(&self.mappings), pause, timeout).await
    }

    pub async fn target(&self, pause: Pause) -> XeroTarget {
        self.try_target(pause).await.unwrap_or_else(|e| panic!("Xero target: {e}"))
    }

    pub async fn post(&self, target: &mut XeroTarget) -> TargetSummary {
        let options = PostOptions {
            dry_run: false,
            progress: &Progress::hidden(),
            settle: self.config().posting.settle,
            pause: self.h.virtual_pause(),
            adopt_only: false,
            scope: None,
        };
        post_to(&self.state, target, &options).await.expect("posting runs")
    }

    /// The entries the plan holds (recorded under the same identities on a fresh state file).
    pub async fn planned(&self) -> Vec<BalancedEntry> {
        plan(&self.state, &self.mappings, &PlanRequest::default()).await.expect("plan").entries
    }

    /// What the Xero sandbox holds now.
    pub async fn books(&self) -> Books {
        let url = format!("{}/_sandbox/state?items=false", self.h.sandbox.base_url());
        let text = self.http.get(url).send().await.expect("state").text().await.expect("body");
        let dump: Dump = serde_json::from_str(&text).expect("the sandbox's state");
        dump.xero
    }

    pub async fn control(&self, path: &str, body: &str) {
        let url = format!("{}{path}", self.h.sandbox.base_url());
        let response = self.http.post(url).body(body.to_owned()).send().await.expect("control");
        assert!(response.status().is_success(), "{path}: {}", response.text().await.unwrap_or_default());
    }

    /// A token of the custom connection, for calls the test makes as another client would.
    pub async fn other_client_token(&self) -> String {
        let base = self.h.sandbox.xero_base_url();
        let response = self
            .http
            .post(format!("{base}/identity/connect/token"))
            .basic_auth(self.h.env_value("XERO_CLIENT_ID"), Some(self.h.env_value("XERO_CLIENT_SECRET")))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token");
        let body: serde_json::Value = response.json().await.expect("token answer");
        body["access_token"].as_str().expect("access token").to_owned()
    }

    /// Spends `calls` of the organisation's allowance as another client would.
    pub async fn spend_calls(&self, calls: u32) {
        let token = self.other_client_token().await;
        let url = format!("{}/api.xro/2.0/Organisation", self.h.sandbox.xero_base_url());
        for _ in 0..calls {
            let response = self.http.get(&url).bearer_auth(&token).send().await.expect("call");
            assert!(response.status().is_success(), "{}", response.status());
        }
    }

    /// Requests the sandbox served to `endpoint` (`PUT /xero/api.xro/2.0/ManualJournals`).
    pub async fn served_requests(&self, endpoint: &str) -> u64 {
        self.h.requests().await.0.get(endpoint).copied().unwrap_or(0)
    }
}

/// Waits a virtual pause took, in whole seconds (what a `Retry-After` asks for).
pub fn whole_second_waits(pause: &Pause) -> Vec<u64> {
    pause
        .waits()
        .iter()
        .filter(|w| w.subsec_nanos() == 0 && **w >= Duration::from_secs(1))
        .map(Duration::as_secs)
        .collect()
}

#[derive(Deserialize)]
struct Dump {
    xero: Books,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Books {
    pub manual_journals: Vec<Journal>,
    pub bank_transactions: Vec<BankTransaction>,
    /// Live `Idempotency-Key`s (6 minutes on the sandbox clock).
    pub idempotency_keys: Vec<IdempotencyKey>,
}

#[derive(Debug, Deserialize)]
pub struct IdempotencyKey {
    pub key: String,
    pub status: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Journal {
    #[serde(rename = "ManualJournalID")]
    pub id: String,
    pub narration: String,
    pub date: String,
    pub status: String,
    pub journal_lines: Vec<Line>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Line {
    pub line_amount: Box<RawValue>,
    pub account_code: String,
    pub description: Option<String>,
    pub tracking: Vec<Tracking>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tracking {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Option")]
    pub option: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransaction {
    #[serde(rename = "BankTransactionID")]
    pub id: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub reference: Option<String>,
    pub date: String,
    pub status: String,
    pub contact: Contact,
    pub bank_account: BankAccount,
    pub line_items: Vec<Line>,
    pub total: Box<RawValue>,
}

#[derive(Debug, Deserialize)]
pub struct Contact {
    #[serde(rename = "Name")]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct BankAccount {
    #[serde(rename = "Code")]
    pub code: String,
}

impl Books {
    pub fn journals_of(&self, key: &str) -> Vec<&Journal> {
        let marker = format!("[entrata-recon {key}]");
        self.manual_journals.iter().filter(|j| j.narration.contains(&marker)).collect()
    }

    pub fn bank_transactions_of(&self, key: &str) -> Vec<&BankTransaction> {
        let marker = format!("[entrata-recon {key}]");
        self.bank_transactions
            .iter()
            .filter(|t| {
                t.line_items.iter().any(|l| l.description.as_deref().is_some_and(|d| d.contains(&marker)))
            })
            .collect()
    }

    /// The id of the one document in Xero for `key`.
    pub fn id_of(&self, key: &str) -> Option<&str> {
        let journals = self.journals_of(key).into_iter().map(|j| j.id.as_str());
        let banks = self.bank_transactions_of(key).into_iter().map(|t| t.id.as_str());
        let ids: Vec<&str> = journals.chain(banks).collect();
        if let [id] = ids[..] { Some(id) } else { None }
    }

    /// Documents in Xero, journals and bank transactions.
    pub fn len(&self) -> usize {
        self.manual_journals.len() + self.bank_transactions.len()
    }
}

/// `/Date(ms+0000)/` of a day.
pub fn ms_date(date: chrono::NaiveDate) -> String {
    format!("/Date({}+0000)/", date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis())
}

/// An entry's line as Xero shows it: account code, signed two-decimal amount text, tracking.
pub fn signed(side: Side, amount: rust_decimal::Decimal) -> String {
    let text = entrata_recon::domain::format_amount(amount);
    match side {
        Side::Debit => text,
        Side::Credit => format!("-{text}"),
    }
}
