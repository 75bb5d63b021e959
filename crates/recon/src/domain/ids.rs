//! Identifiers as newtypes, so a payment id cannot be passed where a charge id is meant.
//!
//! Held as `CompactString`: Entrata's ids (`chg_0001_000001`) fit in its 24 inline bytes, so an id
//! costs no allocation; planning builds and drops millions of them (BENCHMARKS.md).

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(compact_str::CompactString);

        impl $name {
            pub fn new(value: impl AsRef<str>) -> Self {
                $name(compact_str::CompactString::new(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// Entrata property id (`prop_21a91f0`).
    PropertyId
);
string_id!(UnitId);
string_id!(LeaseId);
string_id!(ResidentId);
string_id!(ChargeId);
string_id!(PaymentId);
string_id!(DepositId);
string_id!(ArCodeId);
string_id!(
    /// Entrata bank account id (`bank_001`), mapped to a logical account by `posting.bank_accounts`.
    BankAccountId
);
string_id!(
    /// An AR code's `code` (`RENT`, `UTIL`): the key of `codes.<code>` in the mapping files.
    ArCode
);
string_id!(
    /// A logical account name from the mapping files (`receivables`, `rental_income`), resolved to
    /// a target's account only at the edge.
    AccountName
);
