//! The list endpoints: `page`/`pageSize` paging and `updatedFrom`/`updatedTo` filters on every
//! list, `status` where items have one, `postMonth` on the ledger. Pages are computed at request
//! time, so an item updated while a client pages moves to the end (spec/source-api.md §2).

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::EntrataShared;
use crate::api_error::{ApiError, ApiResult};
use crate::dataset::item::parse_instant;
use crate::dataset::schema::EntrataKind;
use crate::locks::read;
use crate::store::ListQuery;

pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 1000;

/// The entitlement a user needs to read (or create) items of a kind.
pub fn entitlement(kind: EntrataKind) -> &'static str {
    match kind {
        EntrataKind::Properties | EntrataKind::Units => "properties",
        EntrataKind::Leases => "leasing",
        EntrataKind::WorkOrders => "maintenance",
        EntrataKind::ArCodes | EntrataKind::Charges | EntrataKind::Payments | EntrataKind::Deposits => {
            "financials"
        }
    }
}

/// Serves one page of a list. `property` is `None` for company-wide kinds.
pub fn list(
    shared: &EntrataShared,
    headers: &HeaderMap,
    uri: &Uri,
    kind: EntrataKind,
    property: Option<&str>,
) -> Response {
    list_inner(shared, headers, uri, kind, property).unwrap_or_else(IntoResponse::into_response)
}

fn list_inner(
    shared: &EntrataShared,
    headers: &HeaderMap,
    uri: &Uri,
    kind: EntrataKind,
    property: Option<&str>,
) -> ApiResult {
    shared.authorize(headers, entitlement(kind))?;
    let params = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::invalid_request(format!("query string: {}", e.body_text())))?;
    let (query, page, page_size) = parse_query(kind, &params.0)?;
    let found = {
        let store = read(&shared.store);
        if let Some(property) = property
            && !store.has_property(property)
        {
            return Err(ApiError::not_found(format!("property {property:?} not found")));
        }
        store.list(kind, property.unwrap_or(""), &query)
    };
    // The body is the stored items' raw JSON joined: no re-serialization, exact bytes.
    let capacity = found.items.iter().map(|i| i.raw.len() + 1).sum::<usize>() + 80;
    let mut body = String::with_capacity(capacity);
    body.push_str("{\"items\":[");
    for (i, item) in found.items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item.raw);
    }
    // Writing to a String cannot fail.
    let _ = write!(body, "],\"page\":{page},\"pageSize\":{page_size},\"total\":{}}}", found.total);
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
        .into_response())
}

/// Validates the query parameters of a list request; each error names its parameter.
fn parse_query(kind: EntrataKind, params: &[(String, String)]) -> Result<(ListQuery, u64, usize), ApiError> {
    let has_field = |name: &str| kind.fields().iter().any(|f| f.name == name);
    let mut allowed = vec!["page", "pageSize", "updatedFrom", "updatedTo"];
    // A deposit carries `status` only to be deleted (spec §3); its list takes no status filter.
    if has_field("status") && kind != EntrataKind::Deposits {
        allowed.push("status");
    }
    if has_field("postMonth") {
        allowed.push("postMonth");
    }
    let mut given: HashMap<&str, &str> = HashMap::new();
    for (name, value) in params {
        if !allowed.contains(&name.as_str()) {
            return Err(ApiError::invalid_parameter(
                name,
                format!("not supported on {kind}; supported: {}", allowed.join(", ")),
            ));
        }
        if given.insert(name, value).is_some() {
            return Err(ApiError::invalid_parameter(name, "given more than once"));
        }
    }
    let page =
        match given.get("page") {
            None => 1,
            Some(text) => text.parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ApiError::invalid_parameter("page", format!("{text:?} is not an integer >= 1"))
            })?,
        };
    let page_size = match given.get("pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(text) => {
            text.parse::<usize>().ok().filter(|s| (1..=MAX_PAGE_SIZE).contains(s)).ok_or_else(|| {
                ApiError::invalid_parameter(
                    "pageSize",
                    format!("{text:?} is not an integer from 1 to {MAX_PAGE_SIZE}"),
                )
            })?
        }
    };
    let instant = |name: &str| -> Result<Option<i64>, ApiError> {
        let Some(text) = given.get(name) else { return Ok(None) };
        parse_instant(text).map(Some).ok_or_else(|| {
            let mut message =
                format!("{text:?} is not an ISO 8601 timestamp with offset (like 2026-01-31T23:00:00Z)");
            if text.contains(' ') {
                message.push_str("; a '+' in the offset must be sent as %2B");
            }
            ApiError::invalid_parameter(name, message)
        })
    };
    let query = ListQuery {
        updated_from: instant("updatedFrom")?,
        updated_to: instant("updatedTo")?,
        status: given.get("status").map(|s| s.to_string()),
        post_month: given.get("postMonth").map(|s| s.to_string()),
        offset: (page - 1).saturating_mul(u64::try_from(page_size).unwrap_or(u64::MAX)),
        limit: page_size,
    };
    Ok((query, page, page_size))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (updatedFrom, updatedTo, offset, pageSize) or the error message.
    type Parsed = Result<(Option<i64>, Option<i64>, u64, usize), &'static str>;

    fn check(kind: EntrataKind, query: &str, expected: Parsed) {
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .unwrap_or((p.to_owned(), String::new()))
            })
            .collect();
        let got = parse_query(kind, &params)
            .map(|(q, _, size)| (q.updated_from, q.updated_to, q.offset, size))
            .map_err(|e| e.message);
        assert_eq!(got, expected.map_err(str::to_owned), "{query}");
    }

    #[test]
    fn query_parameters() {
        use EntrataKind::*;
        check(Charges, "", Ok((None, None, 0, 50)));
        check(Charges, "page=3&pageSize=1000", Ok((None, None, 2000, 1000)));
        check(
            Charges,
            "updatedFrom=2026-01-01T00:00:00Z",
            Ok((Some(1_767_225_600_000_000_000), None, 0, 50)),
        );
        check(
            Charges,
            "updatedTo=2026-01-01T01:00:00.5+01:00",
            Ok((None, Some(1_767_225_600_500_000_000), 0, 50)),
        );
        check(Charges, "postMonth=2026-02&status=posted", Ok((None, None, 0, 50)));
        check(Charges, "pageSize=0", Err("parameter \"pageSize\": \"0\" is not an integer from 1 to 1000"));
        check(
            Charges,
            "pageSize=1001",
            Err("parameter \"pageSize\": \"1001\" is not an integer from 1 to 1000"),
        );
        check(Charges, "page=0", Err("parameter \"page\": \"0\" is not an integer >= 1"));
        check(Charges, "page=1&page=2", Err("parameter \"page\": given more than once"));
        check(
            Charges,
            "updatedFrom=2026-01-01",
            Err(
                "parameter \"updatedFrom\": \"2026-01-01\" is not an ISO 8601 timestamp with offset (like 2026-01-31T23:00:00Z)",
            ),
        );
        check(
            Charges,
            "updatedTo=2026-01-01T00:00:00 01:00",
            Err(
                "parameter \"updatedTo\": \"2026-01-01T00:00:00 01:00\" is not an ISO 8601 timestamp with offset (like 2026-01-31T23:00:00Z); a '+' in the offset must be sent as %2B",
            ),
        );
        check(
            Deposits,
            "status=posted",
            Err(
                "parameter \"status\": not supported on deposits; supported: page, pageSize, updatedFrom, updatedTo, postMonth",
            ),
        );
        check(
            Properties,
            "since=x",
            Err(
                "parameter \"since\": not supported on properties; supported: page, pageSize, updatedFrom, updatedTo, status",
            ),
        );
    }
}
