//! What every list endpoint reads from a GET: `If-Modified-Since` (only records created or
//! modified after it), `where`, `order`, and `page`/`pageSize`. Without `page` a list returns every
//! record and, for transactions, no lines (as Xero does); with it, up to `pageSize` (100 by
//! default, at most 1000) records with their lines and a `pagination` object.

use axum::http::{HeaderMap, Uri};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::filter::{self, Record};
use super::form;
use super::wire::{Failure, parse_if_modified_since};

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 1000;

/// A list request's parameters.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub modified_since: Option<DateTime<Utc>>,
    pub filter: Option<filter::Expr>,
    pub order: Vec<(String, bool)>,
    /// 1-based; `None` when the caller did not page.
    pub page: Option<usize>,
    pub page_size: usize,
}

fn number(text: &str, name: &str) -> Result<usize, Failure> {
    text.trim()
        .parse::<usize>()
        .map_err(|_| Failure::QueryParse(format!("The value '{text}' is not valid for {name}.")))
}

impl ListQuery {
    pub fn read(headers: &HeaderMap, uri: &Uri, default_order: &str) -> Result<ListQuery, Failure> {
        let query = form::query(uri);
        let modified_since = headers
            .get(axum::http::header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_if_modified_since);
        let filter = match form::get(&query, "where").map(str::trim).filter(|w| !w.is_empty()) {
            Some(text) => Some(filter::parse_where(text).map_err(Failure::QueryParse)?),
            None => None,
        };
        let order_text =
            form::get(&query, "order").map(str::trim).filter(|o| !o.is_empty()).unwrap_or(default_order);
        let order = filter::parse_order(order_text).map_err(Failure::QueryParse)?;
        let page = form::get(&query, "page").map(|p| number(p, "page")).transpose()?.map(|p| p.max(1));
        let page_size = form::get(&query, "pageSize")
            .map(|p| number(p, "pageSize"))
            .transpose()?
            .map_or(DEFAULT_PAGE_SIZE, |s| s.clamp(1, MAX_PAGE_SIZE));
        Ok(ListQuery { modified_since, filter, order, page, page_size })
    }

    /// The records this request selects, in order, and the pagination object when paged.
    pub fn apply<'a, R: Record + 'a>(
        &self,
        records: impl Iterator<Item = &'a R>,
        updated_at: impl Fn(&R) -> DateTime<Utc>,
    ) -> Result<(Vec<&'a R>, Option<Value>), Failure> {
        let since = self.modified_since;
        let recent = records.filter(|r| since.is_none_or(|s| updated_at(r) > s));
        let selected =
            filter::select(recent, self.filter.as_ref(), &self.order).map_err(Failure::QueryParse)?;
        let Some(page) = self.page else { return Ok((selected, None)) };
        let item_count = selected.len();
        let page_count = item_count.div_ceil(self.page_size);
        let items = selected
            .into_iter()
            .skip((page - 1).saturating_mul(self.page_size))
            .take(self.page_size)
            .collect();
        let pagination = json!({"page": page, "pageSize": self.page_size, "pageCount": page_count, "itemCount": item_count});
        Ok((items, Some(pagination)))
    }
}
