//! Bearer tokens as every service reads them, and how a token is named where it may be seen.

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

/// How a token appears in `/_sandbox/state` and logs: never the token itself.
pub fn token_fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    format!("sha256:{}", data_encoding::HEXLOWER.encode(&digest[..6]))
}

/// The bearer token of a request, if it carries one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}
