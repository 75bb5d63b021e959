//! `[source] kind = "entrata"`: Entrata's own API (docs/sources.md sections 2 to 4 and 7). The keys
//! only this source reads, settled into [`ApiSource`]; the keys both sources share (`concurrency`,
//! `request_timeout_seconds`, `max_attempts`, `page_size`) stay in `SourceConfig`.

use serde::Deserialize;

/// The keys of `[source]` that only `kind = "entrata"` reads (flattened into the table).
#[derive(Debug, Default, Deserialize)]
pub(super) struct FileApiSource {
    /// The gateway's organisation: `https://apis.entrata.com/ext/orgs/{org}/v1`.
    pub org: Option<String>,
    /// The legacy host: `https://{subdomain}.entrata.com/api/v1`.
    pub subdomain: Option<String>,
    pub auth: Option<String>,
    pub api_key_env: Option<String>,
    pub deposits: Option<String>,
    pub ledger_reread_months: Option<u32>,
    pub overlap_days: Option<u32>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    pub ar_code_key: Option<String>,
    pub payment_batch: Option<u32>,
    pub min_interval_ms: Option<u64>,
    pub limit_reserve_percent: Option<u64>,
    pub mark_exported: Option<bool>,
    pub gl_split_at: Option<u32>,
}

impl FileApiSource {
    /// The keys set, for "this key belongs to the other source" errors.
    pub fn keys_set(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut note = |set: bool, key| {
            if set {
                keys.push(key);
            }
        };
        note(self.org.is_some(), "org");
        note(self.subdomain.is_some(), "subdomain");
        note(self.auth.is_some(), "auth");
        note(self.api_key_env.is_some(), "api_key_env");
        note(self.deposits.is_some(), "deposits");
        note(self.ledger_reread_months.is_some(), "ledger_reread_months");
        note(self.overlap_days.is_some(), "overlap_days");
        note(self.timezone.is_some(), "timezone");
        note(self.currency.is_some(), "currency");
        note(self.ar_code_key.is_some(), "ar_code_key");
        note(self.payment_batch.is_some(), "payment_batch");
        note(self.min_interval_ms.is_some(), "min_interval_ms");
        note(self.limit_reserve_percent.is_some(), "limit_reserve_percent");
        note(self.mark_exported.is_some(), "mark_exported");
        note(self.gl_split_at.is_some(), "gl_split_at");
        keys
    }
}

/// How the API user authenticates (`auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAuth {
    /// `X-Api-Key` (the gateway); the key from `api_key_env`.
    ApiKey,
    /// HTTP Basic (the legacy host); from `username_env` and `password_env`.
    Basic,
}

/// Where deposits come from (`deposits`, docs/sources.md sections 2.9.8 and 2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositSource {
    /// Bank GL lines of type `Deposit` from `getGlTransactions`.
    Gl,
    /// None: payments stay in clearing, and the plan says deposits are not read.
    None,
}

/// What becomes an AR code's `code`, the key mapping rules use (`ar_code_key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArCodeKey {
    /// The code's `lookupCode` when Entrata sends one, else its id.
    Lookup,
    /// Always Entrata's AR code id (`[codes.147881]`).
    Id,
    /// Always its name.
    Name,
}

#[derive(Debug, Clone)]
pub struct ApiSource {
    pub auth: ApiAuth,
    pub api_key_env: String,
    pub deposits: DepositSource,
    /// Post months before the property's AR post month that every pull reads again.
    pub ledger_reread_months: u32,
    /// Days before that window's first day that are read too (late dates).
    pub overlap_days: u32,
    /// The properties' time zone, since Entrata names none (IANA name).
    pub timezone: String,
    /// The currency of a property Entrata states none for; `None`: such a property is held.
    pub currency: Option<String>,
    pub ar_code_key: ArCodeKey,
    /// Payment ids per `getArPayments` call.
    pub payment_batch: u32,
    /// At least this long between two calls to one service.
    pub min_interval_ms: u64,
    /// A rate-limit window whose remaining calls fall to this share of its limit is waited out.
    pub limit_reserve_percent: u64,
    /// After a night's postings are confirmed, mark their GL lines exported in Entrata.
    pub mark_exported: bool,
    /// A `getGlTransactions` answer with this many lines may have been cut short (the method has
    /// no paging): its window is read again in halves.
    pub gl_split_at: u32,
}

pub const PAYMENT_BATCH_MAX: u32 = 500;

impl ApiSource {
    pub(super) fn settle(file: FileApiSource) -> Result<ApiSource, String> {
        let auth = match file.auth.as_deref().unwrap_or("apikey") {
            "apikey" => ApiAuth::ApiKey,
            "basic" => ApiAuth::Basic,
            other => return Err(format!("source.auth `{other}` must be `apikey` or `basic`")),
        };
        let deposits = match file.deposits.as_deref().unwrap_or("gl") {
            "gl" => DepositSource::Gl,
            "none" => DepositSource::None,
            other => return Err(format!("source.deposits `{other}` must be `gl` or `none`")),
        };
        let ar_code_key = match file.ar_code_key.as_deref().unwrap_or("lookup") {
            "lookup" => ArCodeKey::Lookup,
            "id" => ArCodeKey::Id,
            "name" => ArCodeKey::Name,
            other => {
                return Err(format!("source.ar_code_key `{other}` must be `lookup`, `id` or `name`"));
            }
        };
        let timezone = file.timezone.unwrap_or_else(|| "America/Denver".to_owned());
        if timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(format!("source.timezone `{timezone}` is not an IANA time zone name"));
        }
        if let Some(currency) = &file.currency
            && !(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(format!("source.currency `{currency}` must be an ISO 4217 code such as USD"));
        }
        let payment_batch = file.payment_batch.unwrap_or(PAYMENT_BATCH_MAX);
        if !(1..=PAYMENT_BATCH_MAX).contains(&payment_batch) {
            return Err(format!("source.payment_batch {payment_batch} must be 1 to {PAYMENT_BATCH_MAX}"));
        }
        let ledger_reread_months = file.ledger_reread_months.unwrap_or(2);
        if ledger_reread_months > 120 {
            return Err(format!("source.ledger_reread_months {ledger_reread_months} must be 0 to 120"));
        }
        let limit_reserve_percent = file.limit_reserve_percent.unwrap_or(10);
        if limit_reserve_percent > 90 {
            return Err(format!("source.limit_reserve_percent {limit_reserve_percent} must be 0 to 90"));
        }
        let gl_split_at = file.gl_split_at.unwrap_or(1000);
        if !(2..=1_000_000).contains(&gl_split_at) {
            return Err(format!("source.gl_split_at {gl_split_at} must be 2 to 1000000"));
        }
        Ok(ApiSource {
            auth,
            api_key_env: file.api_key_env.unwrap_or_else(|| "ENTRATA_API_KEY".to_owned()),
            deposits,
            ledger_reread_months,
            overlap_days: file.overlap_days.unwrap_or(7).min(366),
            timezone,
            currency: file.currency,
            ar_code_key,
            payment_batch,
            min_interval_ms: file.min_interval_ms.unwrap_or(0).min(600_000),
            limit_reserve_percent,
            mark_exported: file.mark_exported.unwrap_or(false),
            gl_split_at,
        })
    }

    /// The base URL for the org (gateway) or subdomain (legacy host), when `base_url` is not set.
    pub(super) fn base_url_for(org: Option<&str>, subdomain: Option<&str>) -> Option<String> {
        match (org, subdomain) {
            (Some(org), _) => Some(format!("https://apis.entrata.com/ext/orgs/{org}/v1")),
            (None, Some(sub)) => Some(format!("https://{sub}.entrata.com/api/v1")),
            (None, None) => None,
        }
    }
}
