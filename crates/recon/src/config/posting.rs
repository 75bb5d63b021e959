//! `[posting]`: the limit on one request to a target and the settle interval (issue 15, item 2).

use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilePosting {
    pub(super) request_timeout_seconds: Option<u32>,
    pub(super) settle_seconds: Option<u32>,
    pub(super) books_in_flight: Option<u32>,
}

/// `[posting]`: how long a write to a target may take, and how long after a write whose outcome is
/// not known the connector waits before a lookup may clear it for a resend (issue 15, item 2): a
/// vendor may still commit a request the client gave up on, and its queries may lag its writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostingConfig {
    pub request_timeout: std::time::Duration,
    pub settle: std::time::Duration,
    /// Books posted at once (issue 18): each is another company, metered apart by its vendor.
    pub books_in_flight: u32,
}

/// The most books posted at once (`[posting] books_in_flight`, 1 to this; the default).
pub const BOOKS_IN_FLIGHT_MAX: u32 = 8;

impl Default for PostingConfig {
    fn default() -> PostingConfig {
        PostingConfig {
            request_timeout: std::time::Duration::from_secs(60),
            settle: std::time::Duration::from_secs(90),
            books_in_flight: BOOKS_IN_FLIGHT_MAX,
        }
    }
}

/// `[posting]`, checked: a settle interval no longer than the request timeout would let a lookup
/// clear an entry while the vendor may still be committing the request the client gave up on.
pub(super) fn settle_posting(
    file: Option<FilePosting>,
    invalid: &dyn Fn(String) -> ConfigError,
) -> Result<PostingConfig, ConfigError> {
    let defaults = PostingConfig::default();
    let Some(file) = file else { return Ok(defaults) };
    let timeout = file.request_timeout_seconds.unwrap_or(defaults.request_timeout.as_secs() as u32);
    if !(1..=600).contains(&timeout) {
        return Err(invalid(format!("posting.request_timeout_seconds {timeout} must be 1 to 600")));
    }
    let settle = file.settle_seconds.unwrap_or(timeout.max(60) * 3 / 2);
    if settle <= timeout || settle > 3600 {
        return Err(invalid(format!(
            "posting.settle_seconds {settle} must be longer than posting.request_timeout_seconds ({timeout}) \
             and at most 3600: a lookup sooner than that could miss a request the vendor is still committing"
        )));
    }
    let books_in_flight = file.books_in_flight.unwrap_or(BOOKS_IN_FLIGHT_MAX);
    if !(1..=BOOKS_IN_FLIGHT_MAX).contains(&books_in_flight) {
        return Err(invalid(format!(
            "posting.books_in_flight {books_in_flight} must be 1 to {BOOKS_IN_FLIGHT_MAX}"
        )));
    }
    Ok(PostingConfig {
        request_timeout: std::time::Duration::from_secs(u64::from(timeout)),
        settle: std::time::Duration::from_secs(u64::from(settle)),
        books_in_flight,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;

    fn settle(timeout: Option<u32>, settle: Option<u32>) -> Result<PostingConfig, String> {
        let invalid = |message: String| ConfigError::Invalid { path: PathBuf::from("recon.toml"), message };
        settle_posting(
            Some(FilePosting {
                request_timeout_seconds: timeout,
                settle_seconds: settle,
                books_in_flight: None,
            }),
            &invalid,
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_settle_interval_is_longer_than_the_request_timeout() {
        let defaults = settle_posting(None, &|m| ConfigError::Invalid { path: PathBuf::new(), message: m });
        assert_eq!(defaults.ok(), Some(PostingConfig::default()));
        assert_eq!(PostingConfig::default().settle, Duration::from_secs(90));
        let short = settle(Some(2), Some(3)).expect("valid");
        assert_eq!((short.request_timeout, short.settle), (Duration::from_secs(2), Duration::from_secs(3)));
        // A timeout alone: the interval follows it (half as long again, at least 90 s).
        assert_eq!(settle(Some(120), None).expect("valid").settle, Duration::from_secs(180));
        let refused = settle(Some(60), Some(60)).expect_err("equal is refused");
        assert!(refused.contains("recon.toml: posting.settle_seconds 60 must be longer"), "{refused}");
        assert!(settle(Some(0), None).is_err() && settle(Some(601), None).is_err());
        assert!(settle(None, Some(3601)).is_err());
    }
}
