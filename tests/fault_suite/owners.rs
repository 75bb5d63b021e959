//! Several sets of books (issue 18) in a schedule: the generated portfolio's QuickBooks company
//! and Xero organisation copied once per owner (same chart, another realm and tenant), one
//! `[books.owner-N]` per owner naming both, and the properties dealt among the owners by their
//! mapping files (`book = "owner-N"`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::Harness;

/// One owner's books: its name and its company in each target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub name: String,
    pub realm: String,
    pub tenant: String,
}

/// The dataset with `count` companies in each target (the first as generated), and the owners.
pub fn split(bytes: &[u8], count: usize) -> (Vec<u8>, Vec<Owner>) {
    let mut dataset: Value = serde_json::from_slice(bytes).expect("generated JSON");
    let (qbo, xero) = (dataset["qbo"].clone(), dataset["xero"].clone());
    let realm = qbo["realmId"].as_str().expect("realmId").to_owned();
    let tenant = xero["tenantId"].as_str().expect("tenantId").to_owned();
    let mut owners = Vec::with_capacity(count);
    let (mut companies, mut organisations) = (Vec::new(), Vec::new());
    for n in 0..count {
        let (realm, tenant) = match n {
            0 => (realm.clone(), tenant.clone()),
            n => (
                format!("{}{:03}", &realm[..realm.len() - 3], 900 + n),
                format!("{}{:012x}", &tenant[..tenant.len() - 12], 0xb00c_0000 + n),
            ),
        };
        let mut company = qbo.clone();
        company["realmId"] = json!(realm);
        companies.push(company);
        let mut organisation = xero.clone();
        organisation["tenantId"] = json!(tenant);
        organisation["tenantName"] = json!(format!("Owner {} LLC", n + 1));
        organisations.push(organisation);
        owners.push(Owner { name: format!("owner-{}", n + 1), realm, tenant });
    }
    dataset["qbo"] = Value::Array(companies);
    dataset["xero"] = Value::Array(organisations);
    (serde_json::to_vec(&dataset).expect("dataset"), owners)
}

/// Names the owners' books in `recon.toml` and deals the properties among them (the first
/// owner's through `portfolio.toml`, the others' through each property's file): property → owner.
pub fn configure(h: &Harness, owners: &[Owner], properties: &[String]) -> BTreeMap<String, usize> {
    let mut config = std::fs::read_to_string(h.config_path()).expect("config");
    for owner in owners {
        config.push_str(&format!(
            "\n[books.{}]\nqbo = {{ realm_id = \"{}\" }}\nxero = {{ tenant_id = \"{}\" }}\n",
            owner.name, owner.realm, owner.tenant
        ));
    }
    std::fs::write(h.config_path(), config).expect("config written");
    let mappings = h.dir.path().join("mappings");
    prepend(&mappings.join("portfolio.toml"), &owners[0].name);
    let mut routes = BTreeMap::new();
    for (n, property) in properties.iter().enumerate() {
        let owner = n % owners.len();
        if owner > 0 {
            prepend(&mappings.join(format!("properties/{property}.toml")), &owners[owner].name);
        }
        routes.insert(property.clone(), owner);
    }
    routes
}

/// `book = "NAME"` as the first line of a mapping file (made when missing).
fn prepend(path: &std::path::Path, book: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    std::fs::write(path, format!("book = \"{book}\"\n{text}")).expect("mapping written");
}
