//! The connector's own vocabulary: money, ids, months and the ledger items. No IO, no clock, no
//! serde: wire shapes live with the adapters that speak them.

pub mod exception;
pub mod ids;
pub mod items;
pub mod money;
pub mod period;

pub use exception::{Exception, ExceptionKind};
pub use ids::*;
pub use items::*;
pub use money::{
    Currency, MAX_ITEM_CENTS, MAX_ITEM_TEXT, Money, MoneyError, format_amount, parse_decimal_text,
};
pub use period::{PostMonth, parse_date};
