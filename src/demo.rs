//! What `demo` (`cli::demo`) needs besides the commands' own work (the example mapping files it
//! writes are `entrata_recon::mapping::examples`): its folder, the charge it edits after posting, a free
//! loopback port for the consent redirects, and playing the browser on a sandbox's consent page.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use entrata_recon::domain::format_amount;

/// A fresh folder for the demo's files, kept after the demo ends.
pub fn demo_folder() -> std::io::Result<PathBuf> {
    let dir = tempfile::Builder::new().prefix("entrata-recon-demo-").tempdir()?;
    Ok(dir.keep())
}

/// A posted rent charge of the generated portfolio, as the dataset serves it: the one the demo
/// edits after it is posted.
pub fn charge_to_edit(dataset_json: &[u8]) -> Option<serde_json::Value> {
    let dataset: serde_json::Value = serde_json::from_slice(dataset_json).ok()?;
    dataset["charges"]
        .as_array()?
        .iter()
        .find(|c| c["arCode"] == "RENT" && c["status"] == "posted" && c["servicePeriodStart"].is_null())
        .or_else(|| {
            dataset["charges"].as_array()?.iter().find(|c| c["arCode"] == "RENT" && c["status"] == "posted")
        })
        .cloned()
}

/// Adds whole units to a charge's amount, exactly (the amount may be a JSON number or a string).
pub fn add_to_amount(charge: &mut serde_json::Value, units: i64) {
    let text = match &charge["amount"] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Ok(amount) = entrata_recon::domain::parse_decimal_text(&text)
        && let Some(sum) = amount.checked_add(Decimal::from(units))
    {
        charge["amount"] = serde_json::Value::String(format_amount(sum));
    }
}

/// Gives both targets a loopback redirect URI on a free port, so `connect`'s listener can bind.
pub fn use_free_redirect_port(config_path: &Path) -> std::io::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let text = std::fs::read_to_string(config_path)?;
    let mut config: toml::Table = text.parse().map_err(std::io::Error::other)?;
    if let Some(targets) = config.get_mut("targets").and_then(toml::Value::as_table_mut) {
        for (_, target) in targets.iter_mut() {
            if let Some(target) = target.as_table_mut() {
                target.insert("redirect_uri".into(), format!("http://127.0.0.1:{port}/callback").into());
            }
        }
    }
    let rendered = toml::to_string(&config).map_err(std::io::Error::other)?;
    std::fs::write(config_path, rendered)
}

/// Plays the browser on a sandbox's consent page: opens `url` and follows its redirects back to
/// `connect`'s loopback listener (retrying while the listener starts).
pub fn consent_in_background(url: String) {
    consent_choosing_in_background(url, None);
}

/// `consent_in_background` on Intuit's page, picking the QuickBooks company `(sandbox base URL,
/// realm id)` on every try: a choice is spent by the consent that made it, even one whose
/// redirect found no listener yet.
pub fn consent_choosing_in_background(url: String, company: Option<(String, String)>) {
    tokio::spawn(async move {
        let Ok(browser) = reqwest::Client::builder().no_proxy().build() else { return };
        for _ in 0..100 {
            if let Some((base, realm)) = &company {
                let body = serde_json::json!({ "realmId": realm });
                let _ = browser.post(format!("{base}/_sandbox/qbo/consent")).json(&body).send().await;
            }
            if browser.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tracing::warn!("the demo's consent page did not answer");
    });
}

/// `POST /_sandbox/entrata/{kind}`: an item edited in Entrata.
pub async fn upsert(
    sandbox: &entrata_recon_sandbox::Sandbox,
    kind: &str,
    item: &serde_json::Value,
) -> Result<(), String> {
    let url = format!("{}/_sandbox/entrata/{kind}", sandbox.base_url());
    let client = reqwest::Client::builder().no_proxy().build().map_err(|e| e.to_string())?;
    let response = client.post(url).json(item).send().await.map_err(|e| e.to_string())?;
    if response.status().is_success() { Ok(()) } else { Err(format!("HTTP {}", response.status())) }
}

/// One owner's set of books in the demo (issue 18): its name and its company in each target.
#[derive(Debug, Clone)]
pub struct Owner {
    pub name: &'static str,
    pub realm: String,
    pub tenant: String,
}

/// The demo's second owner, with its own QuickBooks company and Xero organisation (copies of the
/// generated ones: the same chart, another realm, tenant and name); the dataset now serving both.
/// `None` for a portfolio of one property (nothing to deal).
pub fn two_owners(dataset_json: &[u8]) -> Option<(Vec<u8>, [Owner; 2])> {
    let mut dataset: serde_json::Value = serde_json::from_slice(dataset_json).ok()?;
    if dataset["properties"].as_array().map_or(0, Vec::len) < 2 {
        return None;
    }
    let (qbo, xero) = (dataset["qbo"].clone(), dataset["xero"].clone());
    let realm = qbo["realmId"].as_str()?.to_owned();
    let tenant = xero["tenantId"].as_str()?.to_owned();
    let other_realm = format!("{}901", realm.get(..realm.len().checked_sub(3)?)?);
    let other_tenant = format!("{}00000000b00c", tenant.get(..tenant.len().checked_sub(12)?)?);
    let mut second_company = qbo.clone();
    second_company["realmId"] = other_realm.clone().into();
    let mut second_organisation = xero.clone();
    second_organisation["tenantId"] = other_tenant.clone().into();
    second_organisation["tenantName"] = "Harbor Fund II".into();
    dataset["qbo"] = serde_json::json!([qbo, second_company]);
    dataset["xero"] = serde_json::json!([xero, second_organisation]);
    let owners = [
        Owner { name: "owner-a", realm, tenant },
        Owner { name: "owner-b", realm: other_realm, tenant: other_tenant },
    ];
    Some((serde_json::to_vec(&dataset).ok()?, owners))
}

/// The property the demo gives the second owner, then moves to the first.
pub const MOVED: &str = "prop_0002";

/// Names both owners' books in recon.toml and routes the portfolio to the first, `MOVED` to the
/// second (the first line of each mapping file: `book = "..."`).
pub fn route_owners(config_path: &Path, mappings: &Path, owners: &[Owner; 2]) -> std::io::Result<()> {
    let mut config = std::fs::read_to_string(config_path)?;
    for owner in owners {
        config.push_str(&format!(
            "\n[books.{}]\nqbo = {{ realm_id = \"{}\" }}\nxero = {{ tenant_id = \"{}\" }}\n",
            owner.name, owner.realm, owner.tenant
        ));
    }
    std::fs::write(config_path, config)?;
    route(&mappings.join("portfolio.toml"), owners[0].name)?;
    route(&mappings.join(format!("properties/{MOVED}.toml")), owners[1].name)
}

/// Sets a mapping file's `book = "..."` (its first line, made when missing).
pub fn route(path: &Path, book: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let rest = match text.lines().next() {
        Some(first) if first.starts_with("book = ") => text.split_once('\n').map_or("", |(_, r)| r),
        _ => text.as_str(),
    };
    std::fs::write(path, format!("book = \"{book}\"\n{rest}"))
}

/// A posted rent charge of `property`, as the dataset serves it.
pub fn charge_of(dataset_json: &[u8], property: &str) -> Option<serde_json::Value> {
    let dataset: serde_json::Value = serde_json::from_slice(dataset_json).ok()?;
    dataset["charges"]
        .as_array()?
        .iter()
        .find(|c| c["propertyId"] == property && c["arCode"] == "RENT" && c["status"] == "posted")
        .cloned()
}
