//! The QuickBooks Online and Xero sides of the dataset (spec/source-api.md §6): the chart of
//! accounts the example mappings name, the residents' customer and contact, and one class,
//! location and tracking option per property.

use super::catalog::{CHART, PORTFOLIO_CUSTOMER};
use super::json::Obj;
use super::property::names;
use super::rng::Rng;

pub const QBO_REALM_ID: &str = "9130357766900456";
pub const QBO_CLIENT_ID: &str = "qbo-client";
pub const QBO_CLIENT_SECRET: &str = "qbo-secret";
pub const XERO_TENANT_ID: &str = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58";
pub const XERO_TENANT_NAME: &str = "Demo Property Holdings";
pub const XERO_CLIENT_ID: &str = "xero-client";
pub const XERO_CLIENT_SECRET: &str = "xero-secret";

/// Per property: name, short name (class / tracking option), city (location).
struct Names {
    customers: Vec<String>,
    shorts: Vec<String>,
    cities: Vec<&'static str>,
}

fn collect(properties: u32) -> Names {
    let mut customers = vec![PORTFOLIO_CUSTOMER.to_owned()];
    let mut shorts = Vec::new();
    let mut cities: Vec<&'static str> = Vec::new();
    for index in 1..=properties {
        let (site, name, short) = names(index);
        customers.push(format!("{name} - Residents"));
        shorts.push(short);
        if !cities.contains(&site.city) {
            cities.push(site.city);
        }
    }
    Names { customers, shorts, cities }
}

/// A stable, UUID-shaped id for a named thing (Xero ids are GUIDs).
fn guid(kind: &str, name: &str) -> String {
    // FNV-1a over kind and name, then two frozen PRNG draws for 128 bits.
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in kind.bytes().chain([0]).chain(name.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
    }
    let mut rng = Rng::new(hash);
    let (high, low) = (rng.next_u64(), rng.next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFF,
        0x8000 | ((low >> 48) & 0x3FFF),
        low & 0xFFFF_FFFF_FFFF
    )
}

pub fn qbo(o: &mut Obj<'_>, properties: u32) {
    let names = collect(properties);
    o.str("realmId", QBO_REALM_ID)
        .str("clientId", QBO_CLIENT_ID)
        .str("clientSecret", QBO_CLIENT_SECRET)
        .str("homeCurrency", "USD")
        .null("bookCloseDate")
        .bool("warnDuplicateDocNum", true)
        .objects("accounts", CHART.iter().enumerate(), |a, (i, account)| {
            a.str("Id", &(30 + i).to_string())
                .str("Name", account.qbo_name)
                .str("AcctNum", account.qbo_number)
                .str("AccountType", account.qbo_type)
                .bool("Active", account.active);
        })
        .objects("customers", names.customers.iter().enumerate(), |c, (i, name)| {
            c.str("Id", &(58 + i).to_string()).str("DisplayName", name).bool("Active", true);
        })
        .objects("classes", names.shorts.iter().enumerate(), |c, (i, name)| {
            c.str("Id", &format!("50000000000{:08}", i + 1)).str("Name", name);
        })
        .objects("departments", names.cities.iter().enumerate(), |d, (i, city)| {
            d.str("Id", &(i + 1).to_string()).str("Name", city);
        });
}

pub fn xero(o: &mut Obj<'_>, properties: u32) {
    let names = collect(properties);
    o.str("tenantId", XERO_TENANT_ID)
        .str("tenantName", XERO_TENANT_NAME)
        .str("clientId", XERO_CLIENT_ID)
        .str("clientSecret", XERO_CLIENT_SECRET)
        .str("baseCurrency", "USD")
        .null("lockDate")
        .objects("accounts", CHART.iter(), |a, account| {
            a.str("AccountID", &guid("account", account.xero_code))
                .str("Code", account.xero_code)
                .str("Name", account.xero_name)
                .str("Type", account.xero_type)
                .str("Status", if account.active { "ACTIVE" } else { "ARCHIVED" });
        })
        .objects("contacts", names.customers.iter(), |c, name| {
            c.str("ContactID", &guid("contact", name)).str("Name", name).str("ContactStatus", "ACTIVE");
        })
        .objects("trackingCategories", [()], |t, ()| {
            t.str("TrackingCategoryID", &guid("tracking", "Property"))
                .str("Name", "Property")
                .str("Status", "ACTIVE")
                .objects("Options", names.shorts.iter(), |option, short| {
                    option
                        .str("TrackingOptionID", &guid("tracking-option", short))
                        .str("Name", short)
                        .str("Status", "ACTIVE");
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_shaped() {
        let a = guid("account", "1010");
        assert_eq!(a, guid("account", "1010"));
        assert_ne!(a, guid("account", "1020"));
        assert_ne!(a, guid("contact", "1010"));
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }

    #[test]
    fn locations_are_unique_cities() {
        let names = collect(45);
        assert_eq!(names.cities.len(), 20);
        assert_eq!(names.shorts.len(), 45);
        assert_eq!(names.customers.len(), 46);
    }
}
