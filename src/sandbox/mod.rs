//! Wire-faithful sandboxes of Entrata (and, later, QuickBooks Online and Xero) on loopback, used
//! by the demo, the integration tests and users trying a mapping change.

pub mod generate;
