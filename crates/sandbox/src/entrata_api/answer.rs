//! What a method hands back (`Answer`), and the paging the paginated methods read (`Paging`):
//! shared by `methods`, which dispatches a call, and the method files, which answer it.

use std::collections::HashMap;

use super::envelope::{Refusal, bad_param};

/// A method's result and how its `code` is written.
#[derive(Debug)]
pub struct Answer {
    /// `"200"` rather than `200` (getProperties, getLeases and getArPayments, section 7.1).
    pub code_as_text: bool,
    pub result: super::json::Node,
}

impl Answer {
    pub fn int_code(result: super::json::Node) -> Answer {
        Answer { code_as_text: false, result }
    }

    pub fn text_code(result: super::json::Node) -> Answer {
        Answer { code_as_text: true, result }
    }
}

/// `?page_no=N&per_page=M` of a paginated method: page from 1, `per_page` 5 to `perPageMax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page_no: usize,
    pub per_page: usize,
}

impl Paging {
    pub(super) fn read(query: &HashMap<String, String>, per_page_max: u32) -> Result<Paging, Refusal> {
        let number = |name: &str, min: u64, max: u64, default: u64| -> Result<usize, Refusal> {
            let Some(text) = query.get(name) else {
                return usize::try_from(default).map_err(|_| bad_param(name, "too large"));
            };
            match text.trim().parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => {
                    usize::try_from(n).map_err(|_| bad_param(name, "too large"))
                }
                _ => Err(bad_param(name, format!("{text:?} must be a whole number from {min} to {max}"))),
            }
        };
        let max = u64::from(per_page_max);
        Ok(Paging {
            page_no: number("page_no", 1, u64::from(u32::MAX), 1)?,
            per_page: number("per_page", 5, max.max(5), max)?,
        })
    }

    /// The slice of `items` this page holds.
    pub fn page<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip = (self.page_no - 1).saturating_mul(self.per_page);
        items.into_iter().skip(skip).take(self.per_page).collect()
    }
}
