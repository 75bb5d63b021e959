//! `write_config`: a recon.toml pointing at the sandbox, secrets only in the sibling env file.

use super::support::Harness;

#[tokio::test]
async fn writes_config_and_env_file() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("recon.toml");
    h.sandbox.write_config(&path).expect("config written");

    let toml_text = std::fs::read_to_string(&path).expect("config");
    let env_text = std::fs::read_to_string(dir.path().join("recon.env")).expect("env file");
    for secret in ["c2FuZGJveDpzYW5kYm94", "pw", "JBSWY3DPEHPK3PXP", "qbo-secret", "xero-secret"] {
        assert!(!toml_text.contains(&format!("\"{secret}\"")), "{secret} leaked into recon.toml");
    }
    let base = h.sandbox.base_url();
    insta::assert_snapshot!("recon_toml", toml_text.replace(&base, "http://SANDBOX"));
    insta::assert_snapshot!("recon_env", env_text);

    let parsed: toml::Value = toml::from_str(&toml_text).expect("valid TOML");
    assert_eq!(parsed["source"]["base_url"].as_str(), Some(h.sandbox.entrata_base_url().as_str()));
    assert_eq!(parsed["env_file"].as_str(), Some("recon.env"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("recon.env")).expect("env file").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the env file must be private");
    }
}

#[tokio::test]
async fn refuses_a_dataset_without_a_financials_user() {
    let text = super::support::DATASET.replace(r#""leasing", "maintenance", "financials""#, r#""leasing""#);
    let dataset = entrata_recon_sandbox::Dataset::from_json(text.as_bytes()).expect("valid");
    let h = Harness::start_with(entrata_recon_sandbox::SandboxOptions::new(dataset)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let error = h.sandbox.write_config(&dir.path().join("recon.toml")).expect_err("refused");
    assert!(error.to_string().starts_with("no user in the dataset has the 'financials' entitlement"));
    assert!(!dir.path().join("recon.toml").exists());
}
