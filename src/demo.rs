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
    tokio::spawn(async move {
        let Ok(browser) = reqwest::Client::builder().no_proxy().build() else { return };
        for _ in 0..100 {
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
