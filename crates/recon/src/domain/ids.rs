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
string_id!(
    /// A set of books (issue 18): one owner's company in each target, named in `recon.toml`
    /// (`[books.<name>]`) and routed to from the mapping files (`book = "<name>"`). A config
    /// without `[books]` has the one book `default`.
    BookName
);

impl BookName {
    /// The book a config without `[books]` has.
    pub const DEFAULT: &'static str = "default";
    /// Longest book name: it appears in file names (`mappings/books/<name>.toml`) and on screens.
    pub const MAX_CHARS: usize = 40;
    pub const EXPECTED: &'static str = "1 to 40 letters, digits, `-` or `_`, such as `owner-a`";

    /// A book name as written in a file, when it has the shape `EXPECTED` says.
    pub fn parse(text: &str) -> Option<BookName> {
        let shaped = !text.is_empty()
            && text.len() <= Self::MAX_CHARS
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        shaped.then(|| BookName::new(text))
    }

    pub fn default_book() -> BookName {
        BookName::new(Self::DEFAULT)
    }

    /// The book a config without `[books]` has: screens and commands leave its name out.
    pub fn is_default(&self) -> bool {
        self.as_str() == Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::BookName;

    #[test]
    fn a_book_name_is_short_and_plain() {
        for good in ["default", "owner-a", "Fund_2", "x"] {
            assert_eq!(BookName::parse(good).map(|b| b.to_string()).as_deref(), Some(good));
        }
        for bad in ["", "owner a", "owner/a", "ö", &"a".repeat(41)] {
            assert!(BookName::parse(bad).is_none(), "{bad:?}");
        }
    }
}
