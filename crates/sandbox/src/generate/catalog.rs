//! The fixed parts of every generated portfolio: sites, AR codes, the chart of accounts and the
//! sandbox identities. None of it depends on the seed, so that `mappings/` (which names these
//! accounts, codes and property ids) fits every generated dataset.

use super::calendar::Tz;
use super::cents::Cents;

/// Where a generated property stands. Property `n` uses site `(n - 1) % SITES.len()`; later
/// rounds get a number after the name ("Lakeview Apartments 2").
pub struct Site {
    pub name: &'static str,
    /// The property's name in class, location and tracking lists ("Lakeview").
    pub short: &'static str,
    /// Two letters for property and lease codes ("LV").
    pub abbr: &'static str,
    pub street: &'static str,
    pub city: &'static str,
    pub city_code: &'static str,
    pub region: &'static str,
    pub postal_code: &'static str,
    pub tz: Tz,
    /// Local rent level, in percent of the base rents.
    pub rent_level_pct: i64,
    /// Combined state and local sales tax on taxable fees, in basis points (700 = 7.00%).
    pub sales_tax_bp: i64,
}

const fn site(
    (name, short, abbr): (&'static str, &'static str, &'static str),
    street: &'static str,
    city: (&'static str, &'static str, &'static str, &'static str),
    tz: Tz,
    rent_level_pct: i64,
    sales_tax_bp: i64,
) -> Site {
    Site {
        name,
        short,
        abbr,
        street,
        city: city.0,
        city_code: city.1,
        region: city.2,
        postal_code: city.3,
        tz,
        rent_level_pct,
        sales_tax_bp,
    }
}

#[rustfmt::skip]
pub const SITES: [Site; 20] = [
    site(("Lakeview Apartments", "Lakeview", "LV"), "Lakeview Ct", ("Omaha", "OMA", "NE", "68130"), Tz::Central, 100, 700),
    site(("Riverbend Commons", "Riverbend", "RB"), "Riverbend Way", ("Denver", "DEN", "CO", "80211"), Tz::Mountain, 135, 881),
    site(("Harbor Pointe", "Harbor Pointe", "HP"), "Harbor Blvd", ("Tampa", "TPA", "FL", "33602"), Tz::Eastern, 125, 750),
    site(("Saguaro Flats", "Saguaro", "SF"), "Camelback Rd", ("Phoenix", "PHX", "AZ", "85004"), Tz::Arizona, 115, 860),
    site(("Cedar Ridge", "Cedar Ridge", "CR"), "Cedar Ridge Dr", ("Portland", "PDX", "OR", "97205"), Tz::Pacific, 140, 0),
    site(("Magnolia Park", "Magnolia", "MP"), "Magnolia Ave", ("Atlanta", "ATL", "GA", "30308"), Tz::Eastern, 120, 890),
    site(("Prairie Wind", "Prairie Wind", "PW"), "Prairie Ln", ("Wichita", "ICT", "KS", "67202"), Tz::Central, 85, 750),
    site(("Summit View", "Summit", "SV"), "Summit Pkwy", ("Salt Lake City", "SLC", "UT", "84101"), Tz::Mountain, 125, 775),
    site(("Bayshore Lofts", "Bayshore", "BL"), "Bayshore Dr", ("San Diego", "SAN", "CA", "92101"), Tz::Pacific, 190, 775),
    site(("Oak Hollow", "Oak Hollow", "OH"), "Oak Hollow Rd", ("Raleigh", "RDU", "NC", "27601"), Tz::Eastern, 115, 725),
    site(("Heritage Square", "Heritage", "HS"), "Heritage Sq", ("Indianapolis", "IND", "IN", "46204"), Tz::Eastern, 95, 700),
    site(("Mesa Verde", "Mesa Verde", "MV"), "Mesa Verde Ave", ("Tucson", "TUS", "AZ", "85701"), Tz::Arizona, 95, 870),
    site(("Willow Creek", "Willow Creek", "WC"), "Willow Creek Blvd", ("Austin", "AUS", "TX", "78701"), Tz::Central, 135, 825),
    site(("Pinecrest Village", "Pinecrest", "PV"), "Pinecrest St", ("Boise", "BOI", "ID", "83702"), Tz::Mountain, 110, 600),
    site(("Lakeshore Terrace", "Lakeshore", "LT"), "Lakeshore Dr", ("Chicago", "CHI", "IL", "60611"), Tz::Central, 150, 1025),
    site(("Stonebridge", "Stonebridge", "SB"), "Stonebridge Way", ("Columbus", "CMH", "OH", "43215"), Tz::Eastern, 100, 750),
    site(("Canyon Vista", "Canyon Vista", "CV"), "Canyon Vista Rd", ("Albuquerque", "ABQ", "NM", "87102"), Tz::Mountain, 95, 788),
    site(("Seaside Gardens", "Seaside", "SG"), "Seaside Ave", ("Sacramento", "SMF", "CA", "95814"), Tz::Pacific, 150, 875),
    site(("Maple Court", "Maple Court", "MC"), "Maple Ct", ("Minneapolis", "MSP", "MN", "55401"), Tz::Central, 120, 903),
    site(("Brookhaven", "Brookhaven", "BH"), "Brookhaven Pl", ("Charlotte", "CLT", "NC", "28202"), Tz::Eastern, 115, 725),
];

/// The AR codes the generator charges under, company-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    Rent,
    Util,
    Park,
    Pet,
    Trash,
    Pest,
    Stor,
    Conc,
    Late,
    Nsf,
    Secdep,
    /// Deliberately absent from `mappings/portfolio.toml`, so that the demo shows `unmapped_code`.
    Misc,
}

pub struct ArCodeInfo {
    pub code: Code,
    pub id: &'static str,
    pub text: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub taxable: bool,
    /// Entrata's own GL accounts for the code (informational; the mapping files decide).
    pub gl_debit: &'static str,
    pub gl_credit: &'static str,
}

const fn ar(
    code: Code,
    id: &'static str,
    text: &'static str,
    name: &'static str,
    kind: &'static str,
    taxable: bool,
    gl_credit: &'static str,
) -> ArCodeInfo {
    ArCodeInfo { code, id, text, name, kind, taxable, gl_debit: "1200", gl_credit }
}

pub const AR_CODES: [ArCodeInfo; 12] = [
    ar(Code::Rent, "arc_101", "RENT", "Rent", "rent", false, "4000"),
    ar(Code::Util, "arc_102", "UTIL", "Water/Sewer", "utility", false, "4200"),
    ar(Code::Park, "arc_103", "PARK", "Parking", "fee", false, "4110"),
    ar(Code::Pet, "arc_104", "PET", "Pet Rent", "fee", false, "4120"),
    ar(Code::Trash, "arc_105", "TRASH", "Valet Trash", "fee", false, "4150"),
    ar(Code::Pest, "arc_112", "PEST", "Pest Control", "fee", false, "4160"),
    ar(Code::Stor, "arc_106", "STOR", "Storage", "fee", true, "4140"),
    ar(Code::Conc, "arc_107", "CONC", "Concession", "concession", false, "4090"),
    ar(Code::Late, "arc_108", "LATE", "Late Fee", "fee", false, "4130"),
    ar(Code::Nsf, "arc_109", "NSF", "NSF Fee", "fee", false, "4130"),
    ar(Code::Secdep, "arc_110", "SECDEP", "Security Deposit", "deposit", false, "2300"),
    ar(Code::Misc, "arc_111", "MISC", "Miscellaneous Income", "other_income", false, "4900"),
];

impl Code {
    pub fn info(self) -> &'static ArCodeInfo {
        // Invariant: AR_CODES lists every variant (a unit test checks it).
        AR_CODES.iter().find(|info| info.code == self).unwrap_or(&AR_CODES[0])
    }

    pub fn text(self) -> &'static str {
        self.info().text
    }
}

/// The AR codes with no rule in `mappings/portfolio.toml`, on purpose.
pub const UNMAPPED_CODES: [&str; 1] = ["MISC"];

/// One account of the generated QuickBooks and Xero charts. The mapping files' `[accounts]`
/// table must name these numbers and codes (a test checks it).
pub struct ChartAccount {
    pub qbo_number: &'static str,
    pub qbo_name: &'static str,
    pub qbo_type: &'static str,
    pub xero_code: &'static str,
    pub xero_name: &'static str,
    pub xero_type: &'static str,
    /// False for an old account kept in the chart as inactive / archived.
    pub active: bool,
}

const fn acct(
    qbo: (&'static str, &'static str, &'static str),
    xero: (&'static str, &'static str, &'static str),
    active: bool,
) -> ChartAccount {
    ChartAccount {
        qbo_number: qbo.0,
        qbo_name: qbo.1,
        qbo_type: qbo.2,
        xero_code: xero.0,
        xero_name: xero.1,
        xero_type: xero.2,
        active,
    }
}

/// Xero keeps resident receivables in a CURRENT control account (1210), not its system Accounts
/// Receivable, because manual journals may not post to system accounts.
#[rustfmt::skip]
pub const CHART: [ChartAccount; 20] = [
    acct(("1010", "Operating Bank", "Bank"), ("1010", "Operating Bank", "BANK"), true),
    acct(("1020", "Card Settlement Bank", "Bank"), ("1020", "Card Settlement Bank", "BANK"), true),
    acct(("1200", "Accounts Receivable (A/R)", "Accounts Receivable"), ("1210", "Resident Receivables", "CURRENT"), true),
    acct(("1498", "Card Payments Clearing", "Other Current Asset"), ("1498", "Card Payments Clearing", "CURRENT"), true),
    acct(("1499", "Undeposited Funds", "Other Current Asset"), ("1499", "Undeposited Funds", "CURRENT"), true),
    acct(("2200", "Sales Tax Payable", "Other Current Liability"), ("2200", "Sales Tax Payable", "CURRLIAB"), true),
    acct(("2300", "Resident Security Deposits", "Other Current Liability"), ("2300", "Resident Security Deposits", "CURRLIAB"), true),
    acct(("2400", "Prepaid Rent", "Other Current Liability"), ("2400", "Prepaid Rent", "CURRLIAB"), true),
    acct(("4000", "Rental Income", "Income"), ("4000", "Rental Income", "REVENUE"), true),
    acct(("4090", "Rent Concessions", "Income"), ("4090", "Rent Concessions", "REVENUE"), true),
    acct(("4095", "Move-in Specials (old)", "Income"), ("4095", "Move-in Specials (old)", "REVENUE"), false),
    acct(("4110", "Parking Income", "Income"), ("4110", "Parking Income", "REVENUE"), true),
    acct(("4120", "Pet Rent Income", "Income"), ("4120", "Pet Rent Income", "REVENUE"), true),
    acct(("4130", "Late and NSF Fees", "Income"), ("4130", "Late and NSF Fees", "REVENUE"), true),
    acct(("4140", "Storage Income", "Income"), ("4140", "Storage Income", "REVENUE"), true),
    acct(("4150", "Valet Trash Income", "Income"), ("4150", "Valet Trash Income", "REVENUE"), true),
    acct(("4160", "Pest Control Income", "Income"), ("4160", "Pest Control Income", "REVENUE"), true),
    acct(("4210", "Water Reimbursement", "Income"), ("4210", "Water Reimbursement", "REVENUE"), true),
    acct(("4220", "Sewer Reimbursement", "Income"), ("4220", "Sewer Reimbursement", "REVENUE"), true),
    acct(("4900", "Miscellaneous Income", "Income"), ("4900", "Miscellaneous Income", "REVENUE"), true),
];

/// The customer (QuickBooks) and contact (Xero) that `mappings/portfolio.toml` names for every
/// property; override files name `"<property name> - Residents"`, which also exists.
pub const PORTFOLIO_CUSTOMER: &str = "Entrata Residents";

/// Payment methods deposited into each Entrata bank account.
pub struct BankAccount {
    pub id: &'static str,
    pub name: &'static str,
}

pub const OPERATING_BANK: BankAccount = BankAccount { id: "bank_001", name: "Operating" };
pub const CARD_BANK: BankAccount = BankAccount { id: "bank_002", name: "Card Settlements" };

/// Late fees a property may charge, in dollars.
pub const LATE_FEES: [i64; 3] = [50, 75, 100];
pub const NSF_FEE: Cents = Cents(3500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_row() {
        let all = [
            Code::Rent,
            Code::Util,
            Code::Park,
            Code::Pet,
            Code::Trash,
            Code::Pest,
            Code::Stor,
            Code::Conc,
            Code::Late,
            Code::Nsf,
            Code::Secdep,
            Code::Misc,
        ];
        for code in all {
            assert_eq!(code.info().code, code);
        }
        assert_eq!(AR_CODES.len(), all.len());
        assert_eq!(Code::Misc.text(), UNMAPPED_CODES[0]);
    }
}
