//! A realistic, deterministic portfolio for the sandbox: `sandbox --generate properties=N,months=M,seed=S`.
//!
//! [`generate`] returns one dataset document (spec/source-api.md §6): users, properties, units,
//! leases, AR codes, charges, payments, deposits, and the QuickBooks and Xero sides that the
//! example mappings in `mappings/` expect. The same spec gives the same bytes, in any build: the
//! PRNG is our own (SplitMix64, in `rng.rs`), nothing reads the clock, and nothing iterates a hash map.
//!
//! # The portfolio
//!
//! - Property `n` is `prop_000n` whatever the seed (so `mappings/properties/prop_0001.toml` always
//!   finds Lakeview Apartments in Omaha); 20 sites in five US time zones, 80-250 units each.
//! - The months end with 2026-02 (`months=12` is 2025-03..2026-02); the data is as of the end of
//!   2026-02-28; every property's `openPostMonth` is 2026-01.
//! - Leases of 12 months (renewals 2-5% dearer), move-ins and move-outs on any day; the months
//!   they touch are prorated by the documented day count, [`prorated`]: actual days,
//!   half-even to cents, as `mappings/portfolio.toml` says. About 3% of prorated rents are
//!   deliberately off it (`proration_mismatch` in the demo).
//! - Charges: RENT, UTIL (water/sewer, split 70/30 by the mappings), PARK, PET, TRASH, PEST, STOR
//!   (taxable: `taxAmount` is the site's sales tax), CONC (move-in specials and goodwill credits),
//!   LATE (after the 5th), NSF (after a returned payment), SECDEP (at move-in), and MISC, which the
//!   mappings deliberately leave unmapped (`unmapped_code` in the demo). Late move-ins often pay
//!   next month's rent up front (a service period in the next month: deferral). Late fees are
//!   sometimes waived by a reversal, some in the next month; fees are sometimes reversed; a few
//!   charges are corrected after the fact (later `updatedAt`).
//! - Payments by ACH, card, check, cash and money order pay exactly what is open, with
//!   allocations; some are returned (NSF) before or after their deposit, some voided.
//! - Deposits: one per business day and bank account (`bank_001` operating for ACH, checks, cash
//!   and money orders; `bank_002` for card settlements), each the sum of its payments, except a
//!   rare deliberate mismatch (`deposit_mismatch`).
//! - Property `prop_0001` always shows, in 2026-02, one proration mismatch, one unmapped charge
//!   and one deposit mismatch, so that a small demo shows every kind of exception.
//!
//! # Size guide
//!
//! Per property and month, about 690 charges, 180 payments and 20 deposits: roughly 890 ledger
//! items (charges + payments + deposits) and 530 KB of JSON (a property has 165 units on
//! average). Choose `properties × months ≈ target items / 890`:
//!
//! | spec | ledger items | JSON |
//! |---|---|---|
//! | `properties=3,months=3` (the default) | ~8,000 | ~5 MB |
//! | `properties=10,months=12` | ~106,000 | ~64 MB |
//! | `properties=100,months=12` | ~1,060,000 | ~635 MB |
//!
//! Measured for `properties=100,months=12,seed=1` (release build, 2 cores, one thread):
//! 824,407 charges, 214,017 payments, 23,674 deposits (1,062,098 ledger items), 16,388 units,
//! 30,832 leases, 635 MB, generated in 2.2-2.8 s. `tests/it/generate_size.rs` prints these figures
//! (`cargo test --release --test it generate_size -- --ignored --nocapture`) and checks the
//! per-property-month rate on every run.

mod accounting;
mod calendar;
mod catalog;
mod cents;
mod digits;
mod json;
mod leases;
mod ledger;
mod property;
mod rng;
mod spec;
mod write;

use std::io::Write;

pub use accounting::{
    QBO_CLIENT_ID, QBO_CLIENT_SECRET, QBO_REALM_ID, XERO_CLIENT_ID, XERO_CLIENT_SECRET, XERO_TENANT_ID,
};
pub use catalog::UNMAPPED_CODES;
pub use ledger::prorated;
pub use spec::{GenerateSpec, SpecError};

use entrata_recon::domain::PostMonth;
use json::{List, Obj};
use leases::{Lease, UnitState};
use property::Property;

/// The integration the generated dataset serves (`{base}` = `.../integrations/int_demo`).
pub const INTEGRATION_ID: &str = "int_demo";
/// Sent as HTTP Basic on `POST /sessions`.
pub const INTEGRATION_TOKEN: &str = "c2FuZGJveDpzYW5kYm94";
/// The controller: all entitlements, TOTP MFA.
pub const CONTROLLER_USERNAME: &str = "controller@example.com";
pub const CONTROLLER_PASSWORD: &str = "sandbox-controller";
pub const CONTROLLER_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";
/// A leasing agent without `financials` and without MFA: for entitlement tests.
pub const LEASING_USERNAME: &str = "leasing@example.com";
pub const LEASING_PASSWORD: &str = "sandbox-leasing";

/// What was generated, for people and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub properties: u64,
    pub units: u64,
    pub leases: u64,
    pub ar_codes: u64,
    pub charges: u64,
    pub payments: u64,
    pub deposits: u64,
    /// Deposits whose amount deliberately differs from the sum of their payments.
    pub deposit_mismatches: Vec<String>,
    /// Prorated charges deliberately off the documented day count ([`prorated`]).
    pub proration_mismatches: Vec<String>,
    /// Charges under [`UNMAPPED_CODES`].
    pub unmapped_charges: u64,
}

impl Summary {
    /// Charges, payments and deposits.
    pub fn ledger_items(&self) -> u64 {
        self.charges + self.payments + self.deposits
    }
}

pub struct Generated {
    /// The dataset document, JSON.
    pub json: Vec<u8>,
    pub summary: Summary,
}

/// The dataset document for `spec`.
pub fn generate(spec: &GenerateSpec) -> Vec<u8> {
    generate_with_summary(spec).json
}

/// The dataset document for `spec`, and what is in it.
///
/// Properties are simulated one at a time, once per section that needs them, so that memory is
/// the output plus one property, however large the portfolio.
pub fn generate_with_summary(spec: &GenerateSpec) -> Generated {
    let months = calendar::window(spec.months);
    let mut out = Vec::with_capacity(capacity_hint(spec));
    let mut summary = Summary::default();
    let sim = Sim { seed: spec.seed, months: &months };
    let indices = 1..=spec.properties;
    let mut doc = Obj::begin(&mut out);
    doc.str("integrationId", INTEGRATION_ID).str("integrationToken", INTEGRATION_TOKEN).raw("users", users);
    doc.raw("properties", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            write::property(&mut list, &world.property, &world.units);
        }
        summary.properties = list.end();
    });
    doc.raw("units", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            for (unit, state) in world.units.iter().enumerate() {
                write::unit(&mut list, &world.property, unit, state);
            }
        }
        summary.units = list.end();
    });
    doc.raw("leases", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            for lease in &world.leases {
                write::lease(&mut list, &world.property, lease);
            }
        }
        summary.leases = list.end();
    });
    doc.raw("arCodes", |out| summary.ar_codes = write::ar_codes(out));
    doc.raw("charges", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            let ledger = sim.ledger(&world);
            write::charges(&mut list, &world.property, &world.leases, &ledger);
            let mut off: Vec<String> = ledger
                .proration_off
                .iter()
                .map(|&i| write::charge_id(index, ledger.charge_seq[i as usize]))
                .collect();
            off.sort();
            summary.proration_mismatches.extend(off);
            summary.unmapped_charges +=
                ledger.charges.iter().filter(|c| UNMAPPED_CODES.contains(&c.code.text())).count() as u64;
        }
        summary.charges = list.end();
    });
    doc.raw("payments", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            let ledger = sim.ledger(&world);
            write::payments(&mut list, &world.property, &world.leases, &ledger);
        }
        summary.payments = list.end();
    });
    doc.raw("deposits", |out| {
        let mut list = List::begin(out);
        for index in indices.clone() {
            let world = sim.world(index);
            let ledger = sim.ledger(&world);
            write::deposits(&mut list, &world.property, &ledger);
            summary
                .deposit_mismatches
                .extend(ledger.deposit_off.iter().map(|&i| write::deposit_id(index, i)));
        }
        summary.deposits = list.end();
    });
    doc.object("qbo", |o| accounting::qbo(o, spec.properties));
    doc.object("xero", |o| accounting::xero(o, spec.properties));
    doc.end();
    out.push(b'\n');
    Generated { json: out, summary }
}

/// Roughly the output size (see the size guide), capped at 1 GiB: the buffer then rarely needs
/// to grow and copy.
fn capacity_hint(spec: &GenerateSpec) -> usize {
    let estimate = u64::from(spec.properties) * u64::from(spec.months) * 540_000 + 100_000;
    estimate.min(1 << 30) as usize
}

fn users(out: &mut Vec<u8>) {
    let mut list = List::begin(out);
    list.object(|o| {
        o.str("id", "u_controller")
            .str("name", "Controller")
            .str("username", CONTROLLER_USERNAME)
            .str("password", CONTROLLER_PASSWORD)
            .str("totpSecret", CONTROLLER_TOTP_SECRET)
            .str_array(
                "entitlements",
                ["properties", "units", "leasing", "residents", "maintenance", "financials"],
            );
    });
    list.object(|o| {
        o.str("id", "u_leasing")
            .str("name", "Leasing Agent")
            .str("username", LEASING_USERNAME)
            .str("password", LEASING_PASSWORD)
            .str_array("entitlements", ["properties", "units", "leasing", "residents"]);
    });
    list.end();
}

struct Sim<'a> {
    seed: u64,
    months: &'a [PostMonth],
}

struct World {
    property: Property,
    leases: Vec<Lease>,
    units: Vec<UnitState>,
}

impl Sim<'_> {
    fn world(&self, index: u32) -> World {
        let property = property::build(self.seed, index);
        let (leases, units) = leases::simulate(self.seed, &property, self.months);
        World { property, leases, units }
    }

    fn ledger(&self, world: &World) -> ledger::Ledger {
        let ctx = ledger::Ctx {
            seed: self.seed,
            property: &world.property,
            months: self.months,
            cutoff: calendar::cutoff(),
            showcase: world.property.index == 1,
        };
        ledger::simulate(&ctx, &world.leases)
    }
}

/// Writes the dataset for `spec` to a file (for `sandbox --data`, benchmarks, or a look with
/// `jq`), returning the summary.
pub fn write_to(spec: &GenerateSpec, path: &std::path::Path) -> std::io::Result<Summary> {
    let generated = generate_with_summary(spec);
    let mut file = std::fs::File::create(path)?;
    file.write_all(&generated.json)?;
    file.sync_all()?;
    Ok(generated.summary)
}
